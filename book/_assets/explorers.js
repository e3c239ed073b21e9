// The book's explorers: plain JavaScript, no library, no network. A chapter displays
// <div class="rmt-explorer" data-kind="..."> with its data as inline JSON (rmtdiff.explorers);
// this file turns each such div into an interactive figure. Every control is a native <select>
// or <input type="range">, so the keyboard works (Tab, arrow keys, Home/End).
(function () {
  "use strict";

  // ---------------------------------------------------------------- the kappa equation
  // df1(k) = sum lam/(lam + k); kappa solves k (1 - df1(k)/n) = s on the branch k >= s
  // (rmtdiff.kappa). Bisection on ln k to machine precision: the bracket [s, s + sum(lam)/n]
  // holds exactly one root (g is convex with g(0) = 0); for s = 0, kappa_0 solves df1 = n when
  // more than n eigenvalues are positive and is 0 otherwise.
  function df1(lam, k) {
    let t = 0;
    for (let i = 0; i < lam.length; i++) t += lam[i] / (lam[i] + k);
    return t;
  }

  function solveKappa(lam, n, s) {
    let total = 0, positive = 0;
    for (const l of lam) { total += l; if (l > 0) positive++; }
    let lo, hi, f;
    if (s > 0) {
      lo = s; hi = s + total / n;
      f = (k) => k * (1 - df1(lam, k) / n) - s;
    } else {
      if (positive <= n) return 0;
      hi = total / n; lo = hi;
      while (df1(lam, lo) <= n) lo /= 2;
      f = (k) => n - df1(lam, k);
    }
    for (let it = 0; it < 400 && hi / lo - 1 > 1e-15; it++) {
      const mid = Math.sqrt(lo * hi);
      if (f(mid) < 0) lo = mid; else hi = mid;
    }
    return Math.sqrt(lo * hi);
  }

  // ---------------------------------------------------------------- small SVG plots
  const SVG = "http://www.w3.org/2000/svg";
  function el(tag, attrs, parent, ns) {
    const e = ns ? document.createElementNS(SVG, tag) : document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (parent) parent.appendChild(e);
    return e;
  }

  function fmt(x, digits) {
    if (x === 0) return "0";
    const a = Math.abs(x);
    return (a >= 1e4 || a < 1e-3) ? x.toExponential(digits - 1) : x.toPrecision(digits);
  }

  // series: [{x: [], y: [], cls: "", dash: bool}], marks: [{x, y}]
  function plot(svg, series, opts) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const W = 340, H = 240, L = 52, R = 10, T = 12, B = 40;
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    const lx = (v) => Math.log10(v), ly = opts.logy ? (v) => Math.log10(v) : (v) => v;
    const [x0, x1] = opts.xlim.map(lx), [y0, y1] = opts.ylim.map(ly);
    const X = (v) => L + (lx(v) - x0) / (x1 - x0) * (W - L - R);
    const Y = (v) => H - B - (ly(v) - y0) / (y1 - y0) * (H - T - B);
    const axes = el("g", {class: "rmt-axes"}, svg, true);
    el("rect", {x: L, y: T, width: W - L - R, height: H - T - B, class: "rmt-frame"}, axes, true);
    for (let e = Math.ceil(x0); e <= Math.floor(x1); e++) {
      el("line", {x1: X(10 ** e), x2: X(10 ** e), y1: H - B, y2: H - B + 4}, axes, true);
      el("text", {x: X(10 ** e), y: H - B + 15, "text-anchor": "middle"}, axes, true)
        .textContent = `1e${e}`;
    }
    const yt = opts.logy ? [] : [0, 0.25, 0.5, 0.75, 1];
    if (opts.logy) for (let e = Math.ceil(y0); e <= Math.floor(y1); e++) yt.push(10 ** e);
    for (const v of yt) {
      el("line", {x1: L - 4, x2: L, y1: Y(v), y2: Y(v)}, axes, true);
      el("text", {x: L - 6, y: Y(v) + 4, "text-anchor": "end"}, axes, true)
        .textContent = opts.logy ? `1e${Math.round(Math.log10(v))}` : String(v);
    }
    el("text", {x: (L + W - R) / 2, y: H - 6, "text-anchor": "middle"}, axes, true).textContent = opts.xlabel;
    el("text", {x: 12, y: (T + H - B) / 2, "text-anchor": "middle",
                transform: `rotate(-90 12 ${(T + H - B) / 2})`}, axes, true).textContent = opts.ylabel;
    const clip = (v, lim) => Math.min(Math.max(v, lim[0]), lim[1]);
    for (const s of series) {
      let d = "";
      s.x.forEach((xv, i) => {
        const yv = clip(s.y[i], opts.ylim);
        d += `${i ? "L" : "M"}${X(xv).toFixed(1)},${Y(yv).toFixed(1)}`;
      });
      el("path", {d, class: "rmt-line " + (s.cls || "")}, svg, true);
    }
    for (const m of opts.marks || []) {
      el("circle", {cx: X(m.x), cy: Y(clip(m.y, opts.ylim)), r: 4, class: "rmt-mark"}, svg, true);
    }
  }

  function logSlider(parent, label, range, value) {
    const wrap = el("label", {class: "rmt-control"}, parent);
    el("span", {}, wrap).textContent = label + " ";
    const input = el("input", {type: "range", min: 0, max: 1000, step: 1}, wrap);
    const [lo, hi] = range;
    const toValue = (i) => lo * (hi / lo) ** (i / 1000);
    input.value = String(Math.round(1000 * Math.log(value / lo) / Math.log(hi / lo)));
    input.setAttribute("aria-label", label);
    return {input, value: () => toValue(Number(input.value))};
  }

  // ---------------------------------------------------------------- kappa explorer (chapter 2)
  function kappaExplorer(root, data) {
    const box = el("div", {class: "rmt-explorer-body"}, root);
    const controls = el("div", {class: "rmt-controls"}, box);
    const pick = el("label", {class: "rmt-control"}, controls);
    el("span", {}, pick).textContent = "spectrum ";
    const select = el("select", {"aria-label": "spectrum"}, pick);
    data.spectra.forEach((sp, i) => { el("option", {value: i}, select).textContent = sp.name; });
    const nSlider = logSlider(controls, "n", data.n_range, 300);
    const sSlider = logSlider(controls, "σ", data.sigma_range, 0.1);
    const readout = el("p", {class: "rmt-readout", "aria-live": "polite"}, box);
    const plots = el("div", {class: "rmt-plots"}, box);
    const left = el("svg", {role: "img", "aria-label": "effective noise against sigma"}, plots, true);
    const right = el("svg", {role: "img", "aria-label": "per-mode gain"}, plots, true);
    const legend = el("p", {class: "rmt-legend"}, box);
    legend.innerHTML = "Left: effective noise √κ(σ²) of a split (line) against σ (dashed), " +
      "the dot at the chosen σ. Right: expected gain λ/(λ+κ) of each mode (line) against the " +
      "population's λ/(λ+σ²) (dashed). Keyboard: Tab to a control, then the arrow keys.";

    function update() {
      const sp = data.spectra[Number(select.value)];
      // n is a number of images: whole (the slider moves on a log scale)
      const lam = sp.eigs, n = Math.max(1, Math.round(nSlider.value()));
      const sigma = sSlider.value(), s = sigma * sigma;
      const kappa = solveKappa(lam, n, s), kappa0 = solveKappa(lam, n, 0);
      Object.assign(root.dataset, {spectrum: sp.name, n: String(n), s: String(s),
                                   kappa: String(kappa), kappa0: String(kappa0)});
      const dim = /\bd = /.test(sp.name) ? "" : `, d = ${lam.length}`;   // once, not twice
      readout.innerHTML = `${sp.name}${dim}: n = <b data-field="n">${n}</b>, ` +
        `σ = <b data-field="sigma">${fmt(sigma, 3)}</b> → κ(σ²) = <b data-field="kappa">${fmt(kappa, 4)}</b>, ` +
        `√κ = <b data-field="sqrt-kappa">${fmt(Math.sqrt(kappa), 4)}</b>, ` +
        `κ₀ = <b data-field="kappa0">${fmt(kappa0, 4)}</b>`;
      const sig = [], eff = [];
      const [a, b] = data.sigma_range;
      for (let i = 0; i <= 60; i++) {
        const v = a * (b / a) ** (i / 60);
        sig.push(v); eff.push(Math.sqrt(solveKappa(lam, n, v * v)));
      }
      const ymin = Math.min(a, Math.sqrt(kappa0) || a) / 2, ymax = Math.max(b, eff[eff.length - 1]) * 1.5;
      plot(left, [{x: sig, y: eff}, {x: sig, y: sig, cls: "rmt-dash"}],
           {xlim: [a, b], ylim: [ymin, ymax], logy: true, xlabel: "σ", ylabel: "√κ(σ²)",
            marks: [{x: sigma, y: Math.sqrt(kappa)}]});
      const pos = lam.filter((l) => l > 0);
      const lmin = pos[pos.length - 1], lmax = pos[0];
      plot(right, [{x: pos, y: pos.map((l) => l / (l + kappa))},
                   {x: pos, y: pos.map((l) => l / (l + s)), cls: "rmt-dash"}],
           {xlim: [lmin / 1.5, lmax * 1.5], ylim: [0, 1], logy: false,
            xlabel: "population eigenvalue λ", ylabel: "gain"});
    }
    for (const c of [select, nSlider.input, sSlider.input]) c.addEventListener("input", update);
    select.addEventListener("change", update);
    update();
  }

  // ---------------------------------------------------------------- gallery (maps per setting)
  // Colour maps as anchor colours, interpolated linearly over 0..255.
  const ANCHORS = {
    gray: [[0, 0, 0], [255, 255, 255]],
    magma: [[0, 0, 4], [81, 18, 124], [183, 55, 121], [252, 137, 97], [252, 253, 191]],
    diverging: [[5, 48, 97], [67, 147, 195], [247, 247, 247], [214, 96, 77], [103, 0, 31]],
  };
  const LUT = {};
  for (const [name, anchors] of Object.entries(ANCHORS)) {
    const lut = new Uint8ClampedArray(256 * 3), m = anchors.length - 1;
    for (let v = 0; v < 256; v++) {
      const t = v / 255 * m, i = Math.min(Math.floor(t), m - 1), f = t - i;
      for (let c = 0; c < 3; c++) lut[3 * v + c] = anchors[i][c] + f * (anchors[i + 1][c] - anchors[i][c]);
    }
    LUT[name] = lut;
  }

  function decode(b64) {
    const bin = atob(b64), out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function galleryExplorer(root, data) {
    const box = el("div", {class: "rmt-explorer-body"}, root);
    if (data.title) el("p", {class: "rmt-title"}, box).textContent = data.title;
    const controls = el("div", {class: "rmt-controls"}, box);
    const inputs = data.axes.map((ax) => {
      const wrap = el("label", {class: "rmt-control"}, controls);
      el("span", {}, wrap).textContent = ax.name + " ";
      let input;
      if (ax.control === "slider") {
        input = el("input", {type: "range", min: 0, max: ax.values.length - 1, step: 1,
                             value: 0, "aria-label": ax.name}, wrap);
        const shown = el("b", {class: "rmt-axis-value"}, wrap);
        input.addEventListener("input", () => { shown.textContent = ax.values[input.value]; });
        shown.textContent = ax.values[0];
      } else {
        input = el("select", {"aria-label": ax.name}, wrap);
        ax.values.forEach((v, i) => { el("option", {value: i}, input).textContent = v; });
      }
      return input;
    });
    const grid = el("div", {class: "rmt-gallery"}, box);
    const [h, w] = data.shape;
    const canvases = data.panels.map((p) => {
      const fig = el("figure", {class: "rmt-panel"}, grid);
      const c = el("canvas", {width: w, height: h, role: "img", "aria-label": p.title}, fig);
      el("figcaption", {}, fig).textContent = p.title;
      const range = el("span", {class: "rmt-range"}, fig);
      return {c, range, cmap: p.cmap};
    });
    // one colour scale under the gallery when every panel shares it, else one per panel
    const scale = el("p", {class: "rmt-range rmt-scale"}, box);
    const readout = el("p", {class: "rmt-readout", "aria-live": "polite"}, box);
    // rows hold whole groups of panels (a model's splits): as many groups as fit, at least one
    const group = data.group || 1;
    function layout() {
      const first = grid.firstElementChild;
      if (!first || !grid.clientWidth || !first.offsetWidth) return;     // hidden: no layout yet
      const gap = parseFloat(getComputedStyle(grid).columnGap) || 0;
      const fit = Math.max(1, Math.floor((grid.clientWidth + gap) / (first.offsetWidth + gap)));
      const cols = fit >= group ? fit - (fit % group) : (group % 2 === 0 && fit >= 2 ? 2 : fit);
      grid.style.gridTemplateColumns = `repeat(${cols}, max-content)`;
      grid.dataset.columns = String(cols);
    }
    if (window.ResizeObserver) new ResizeObserver(layout).observe(grid);   // shown, resized, printed
    else window.addEventListener("resize", layout);

    function update() {
      const key = inputs.map((i) => i.value).join(",");
      const item = data.items[key];
      root.dataset.key = key;
      item.maps.forEach((b64, k) => {
        const bytes = decode(b64), {c, range, cmap} = canvases[k];
        const ctx = c.getContext("2d"), img = ctx.createImageData(w, h), lut = LUT[cmap] || LUT.gray;
        let sum = 0;
        if (cmap === "rgb") {                      // bytes are r, g, b per pixel
          for (let i = 0; i < w * h; i++) {
            for (let ch = 0; ch < 3; ch++) { img.data[4 * i + ch] = bytes[3 * i + ch]; sum += bytes[3 * i + ch]; }
            img.data[4 * i + 3] = 255;
          }
        } else {
          for (let i = 0; i < bytes.length; i++) {
            const v = bytes[i];
            sum += v;
            img.data[4 * i] = lut[3 * v]; img.data[4 * i + 1] = lut[3 * v + 1];
            img.data[4 * i + 2] = lut[3 * v + 2]; img.data[4 * i + 3] = 255;
          }
        }
        ctx.putImageData(img, 0, 0);
        c.dataset.sum = String(sum);
        const [lo, hi] = item.ranges[k];
        range.textContent = `${fmt(lo, 2)} … ${fmt(hi, 2)}`;
      });
      const texts = canvases.map((c) => c.range.textContent);
      const shared = texts.every((t) => t === texts[0]);
      canvases.forEach((c) => { c.range.hidden = shared; });
      scale.hidden = !shared;
      scale.textContent = shared ? `colour scale of every panel: ${texts[0]}` : "";
      readout.innerHTML = data.axes.map((ax, i) => `${ax.name} = ${ax.values[inputs[i].value]}`)
        .join(", ") + (data.fields.length ? ": " : "") + data.fields.map((f) =>
          `${f.label} <b data-field="${f.key}">${fmt(item.values[f.key], 4)}</b>` +
          (f.reference ? ` (different seeds <b data-field="${f.reference}">` +
                         `${fmt(item.values[f.reference], 4)}</b>)` : "")).join(", ");
    }
    for (const i of inputs) { i.addEventListener("input", update); i.addEventListener("change", update); }
    update();
    layout();
  }

  const KINDS = {kappa: kappaExplorer, gallery: galleryExplorer};
  window.rmtExplorers = {solveKappa, df1};

  function init() {
    for (const root of document.querySelectorAll(".rmt-explorer")) {
      if (root.dataset.ready) continue;
      const script = root.querySelector("script.rmt-explorer-data");
      const make = KINDS[root.dataset.kind];
      if (!script || !make) {
        console.error(`explorer: no data or unknown kind ${root.dataset.kind}`);
        continue;
      }
      make(root, JSON.parse(script.textContent));
      root.dataset.ready = "1";
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
