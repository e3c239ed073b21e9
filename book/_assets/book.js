// Accessibility of the built pages (checked by axe-core in the browser test):
// * a figure or equation that scrolls sideways (on a narrow screen) gets a tab stop, so the
//   keyboard can scroll it (the theme does this for code and tables only);
// * docutils' reference list declares role="list" but gives its entries the deprecated role
//   doc-biblioentry instead of listitem (axe: aria-required-children, critical).
(function () {
  "use strict";
  function tabStops() {
    for (const el of document.querySelectorAll("figure, div.math")) {
      if (el.scrollWidth > el.clientWidth + 1) el.tabIndex = 0;
      else if (el.tabIndex === 0 && el.tagName === "FIGURE") el.removeAttribute("tabindex");
    }
  }
  function roles() {
    for (const list of document.querySelectorAll('[role="list"]')) {
      for (const child of list.children) {
        const role = child.getAttribute("role");
        if (!role || role === "doc-biblioentry") child.setAttribute("role", "listitem");
      }
    }
  }
  function init() {
    roles();
    tabStops();
    window.addEventListener("resize", tabStops);
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      MathJax.startup.promise.then(tabStops);           // equations take their width when typeset
    }
  }
  if (document.readyState === "complete") init(); else window.addEventListener("load", init);
})();
