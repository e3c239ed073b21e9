// The theme (pydata-sphinx-theme via sphinx-book-theme 1.3) starts with an empty colour mode when
// the browser has none stored, and then logs "Got invalid theme mode" as a console error on a
// reader's first visit. Start in light mode instead; the theme switch still works.
if (!document.documentElement.dataset.mode) {
  document.documentElement.dataset.mode = "light";
}
