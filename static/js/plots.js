// The three Plotly views: the contour map with paths, loss-vs-step and LR-vs-step. Each render
// is a Plotly.react from (grid, results); `layout.datarevision` tells Plotly the streamed arrays
// grew, so a chunk costs one react per animation frame and never a newPlot.

import { formatNumber } from "./format.js";
import { minimumValue } from "./results.js";
import { runColorCss } from "./state.js";
import { cursorShapes, mapShapes, moveCursor, multiplesFigure, surfaceFigure } from "./views.js";

let Plotly = null;

/**
 * Plotly.js builds by what they draw. The page preloads the cartesian one (every 2-D trace; it
 * starts in a third of the full bundle's time, and the first draw waits for it); the full one
 * (from the `plotly` package) is fetched the first time the 3-D view is shown.
 */
const BUILDS = {
  cartesian: () => document.getElementById("plotly-src").href,
  full: () => "/static/vendor/plotly.min.js",
};

const loadingBuilds = new Map(); // one <script> per build however many modules ask

/** Run a Plotly.js build once; resolves to its `Plotly` (each build sets `window.Plotly` as it runs). */
export function loadPlotly(build = "cartesian") {
  if (!loadingBuilds.has(build)) {
    loadingBuilds.set(build, new Promise((resolve, reject) => {
      const script = Object.assign(document.createElement("script"), { src: BUILDS[build]() });
      const start = performance.now();
      // `load` fires in the same task as the script ran, so this is its own Plotly.
      script.addEventListener("load", () => {
        resolve(window.Plotly);
        performance.measure(`optimlab:plotly-${build}`, { start }); // its start-up, for tests and the curious
      });
      script.addEventListener("error", () => {
        loadingBuilds.delete(build); // the next ask tries again
        script.remove();
        reject(new Error("Plotly.js could not be loaded."));
      });
      document.head.append(script);
    }));
  }
  return loadingBuilds.get(build);
}

const CONFIG = {
  responsive: true,
  displaylogo: false,
  displayModeBar: true, // always shown: its camera button is the PNG export, and touch screens have no hover
  modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d", "zoomIn2d", "zoomOut2d", "toggleSpikelines"],
  showSendToCloud: false, // Plotly's "Share chart" uploads to Plotly Cloud; this page shares through its URL
  toImageButtonOptions: { format: "png", scale: 2 },
};

/** Log-spaced contour levels need f − min(f) > 0; this floor (relative to the span) is the deepest level. */
const LOG_FLOOR = 1e-3;
/** Lines and markers of runs, in px; the halo is the band of background colour under each path. */
const PATH_WIDTH = 2.5;
const HALO_WIDTH = 3;
const CURVE_WIDTH = 2;

// ---- theme colours, resolved from the CSS custom properties ----

let colorProbe = null;

function probe() {
  colorProbe ??= document.body.appendChild(Object.assign(document.createElement("span"), { hidden: true }));
  return colorProbe;
}

/** A CSS colour as rgb(), via a hidden probe (tokens use light-dark(), which only resolves in use). */
function resolveColor(css) {
  probe().style.color = css;
  return getComputedStyle(colorProbe).color;
}

/** The plots' font size in px: `--plot-font-size` (a length, e.g. a clamp() on the viewport), else 12. */
function plotFontSize() {
  probe().style.fontSize = "var(--plot-font-size, 12px)";
  return Math.round(Number.parseFloat(getComputedStyle(colorProbe).fontSize)) || 12;
}

function readTheme() {
  const colors = Object.fromEntries(Object.entries({
    bg: "--plot-bg", grid: "--plot-grid", ink: "--plot-ink", low: "--map-low", mid: "--map-mid",
    high: "--map-high", line: "--map-line", minimum: "--minimum-marker", halo: "--path-halo",
  }).map(([name, token]) => [name, resolveColor(`var(${token})`)]));
  const style = getComputedStyle(document.body);
  // Presenter mode (css/teach.css) enlarges type and lines for a projector through these two properties.
  const lineScale = Number.parseFloat(style.getPropertyValue("--plot-line-scale")) || 1;
  // A run's colour as drawn: its own, or the theme's stand-in for one that vanishes on this background.
  const shown = new Map();
  const runColor = (color) => {
    const css = runColorCss(color);
    if (css === color) return color;
    if (!shown.has(color)) shown.set(color, resolveColor(css));
    return shown.get(color);
  };
  return { ...colors, font: style.fontFamily, fontSize: plotFontSize(), lineScale, runColor };
}

// ---- per-run derived arrays, grown as the run grows (not rebuilt per frame) ----

const derivedByRun = new WeakMap();

/** Hover text and step indices of a run, extended to its current length. */
function derived(run) {
  let cache = derivedByRun.get(run);
  if (!cache) derivedByRun.set(run, (cache = { steps: [], text: [] }));
  for (let k = cache.steps.length; k < run.x.length; k++) {
    cache.steps.push(k);
    cache.text.push(`step ${k}<br>x ${formatNumber(run.x[k])}, y ${formatNumber(run.y[k])}` +
      `<br>loss ${formatNumber(run.loss[k])}<br>lr ${formatNumber(run.lr[k])}`);
  }
  return cache;
}

function hoverTemplate(run) {
  return `<b>${escapeHtml(run.label)}</b><br>%{text}<extra></extra>`;
}

function escapeHtml(text) {
  return text.replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c]);
}

// ---- traces ----

function contourTrace(grid, theme) {
  let low = Infinity;
  let high = -Infinity;
  for (const row of grid.z) for (const v of row) if (v !== null) { low = Math.min(low, v); high = Math.max(high, v); }
  const floor = Math.max((high - low) * LOG_FLOOR, Number.MIN_VALUE);
  return {
    type: "contour",
    x: grid.x,
    y: grid.y,
    z: grid.z.map((row) => row.map((v) => (v === null ? null : Math.log10(v - low + floor)))),
    colorscale: [[0, theme.low], [0.45, theme.mid], [1, theme.high]],
    showscale: false,
    ncontours: 22,
    contours: { coloring: "fill", showlines: true },
    line: { color: theme.line, width: 0.7, smoothing: 0 }, // splines cost more than they show at this resolution
    hoverinfo: "skip",
  };
}

function minimaTrace(minima, theme) {
  return {
    type: "scatter",
    mode: "markers",
    x: minima.map((m) => m.point[0]),
    y: minima.map((m) => m.point[1]),
    text: minima.map(({ point: [x, y], value }) =>
      `minimum at (${formatNumber(x)}, ${formatNumber(y)})<br>f = ${formatNumber(value)}`),
    marker: { symbol: "star", size: 12, color: theme.minimum, line: { width: 0 } },
    hovertemplate: "%{text}<extra></extra>",
  };
}

const inside = (domain, x, y) => x >= domain.x[0] && x <= domain.x[1] && y >= domain.y[0] && y <= domain.y[1];

/**
 * The marker at a run's last point: a dot while running or done, ✕ when diverged, ! when failed.
 * A diverged run usually leaves the map first; its ✕ then marks where it left, so it stays in view.
 */
function endMarker(run, theme, domain) {
  let last = run.x.length - 1;
  let leftAt = null;
  if (run.status === "diverged" && last >= 0 && !inside(domain, run.x[last], run.y[last])) {
    const firstOutside = run.x.findIndex((x, k) => !inside(domain, x, run.y[k]));
    last = Math.max(firstOutside - 1, 0);
    leftAt = firstOutside;
  }
  const at = (series) => (last < 0 ? [] : [series[last]]);
  const color = theme.runColor(run.color);
  const base = { type: "scatter", x: at(run.x), y: at(run.y), meta: { role: "end" } };
  const title = `<b>${escapeHtml(run.label)}</b>`;
  if (run.status === "failed") {
    return {
      ...base, mode: "text", text: ["!"], textfont: { size: 20 * theme.lineScale, color, weight: 800 },
      hovertemplate: `${title}<br>failed at step ${run.failed_at}<br>${escapeHtml(run.error ?? "")}<extra></extra>`,
    };
  }
  const diverged = run.status === "diverged";
  return {
    ...base, mode: "markers",
    marker: diverged
      ? { symbol: "x-thin-open", size: 14, color, line: { width: 3, color } }
      : { symbol: "circle", size: 10, color, line: { width: 2, color: theme.bg } },
    hovertemplate: diverged
      ? `${title}<br>diverged at step ${run.diverged_at}` +
        `${leftAt === null ? "" : `<br>left the map at step ${leftAt}`}<extra></extra>`
      : hoverTemplate(run),
    text: at(derived(run).text),
  };
}

/** A run on the map: a halo, its path over it, its start ring and its end marker. */
function runTraces(run, theme, domain) {
  const color = theme.runColor(run.color);
  const width = PATH_WIDTH * theme.lineScale;
  return [
    {
      // Under the path, in the background's colour: every run colour stands clear of every contour tone.
      type: "scatter", mode: "lines", x: run.x, y: run.y, hoverinfo: "skip", meta: { role: "halo" },
      line: { color: theme.halo, width: width + HALO_WIDTH },
    },
    {
      type: "scatter", mode: "lines", x: run.x, y: run.y, text: derived(run).text,
      line: { color, width }, hovertemplate: hoverTemplate(run),
      meta: { role: "path" },
    },
    {
      type: "scatter", mode: "markers", x: run.x.slice(0, 1), y: run.y.slice(0, 1), meta: { role: "start" },
      marker: { symbol: "circle-open", size: 12, color, line: { width: 2.5 } },
      hovertemplate: `<b>${escapeHtml(run.label)}</b><br>start<extra></extra>`,
    },
    endMarker(run, theme, domain),
  ];
}

/** What the loss plot draws: loss − f* on a log axis where f* is known, else the loss itself. */
function lossSeries(run, fMin) {
  if (fMin === null) return run.loss;
  // Values at or below f* (reached exactly, or rounding) sit on the floor instead of vanishing.
  return run.loss.map((v) => Math.max(v - fMin, 1e-16));
}

/**
 * Ticks for the LR plot's log axis, spaced as learning-rate sweeps are: 1 and 3 in each decade over
 * up to four decades, whole decades beyond (every other one past six), labelled as the page writes
 * numbers. Under a decade Plotly picks them, a few at most (it would label every tenth).
 */
function lrTicks(runs) {
  let low = Infinity;
  let high = -Infinity;
  for (const run of runs) for (const v of run.lr) { low = Math.min(low, v); high = Math.max(high, v); }
  const decades = Math.log10(high / low);
  if (!(low > 0) || !Number.isFinite(decades)) return {};
  if (decades < 1) return { nticks: 5 };
  const mantissas = decades <= 4 ? [1, 3] : [1];
  const every = Math.ceil(decades / 6);
  const tickvals = [];
  for (let e = Math.floor(Math.log10(low)); e <= Math.ceil(Math.log10(high)); e++) {
    if (e % every === 0) tickvals.push(...mantissas.map((m) => Number((m * 10 ** e).toPrecision(12))));
  }
  return { tickmode: "array", tickvals, ticktext: tickvals.map(formatNumber) };
}

// ---- layouts ----

function baseLayout(theme, revision) {
  return {
    datarevision: revision,
    paper_bgcolor: theme.bg,
    plot_bgcolor: theme.bg,
    font: { family: theme.font, size: theme.fontSize, color: theme.ink },
    showlegend: false,
    hovermode: "closest",
    hoverlabel: { font: { family: theme.font } },
  };
}

function axis(theme, extra) {
  return { gridcolor: theme.grid, zerolinecolor: theme.grid, linecolor: theme.grid, automargin: true, ...extra };
}

// While `datarevision` repeats, Plotly.react compares no data arrays at all: it must change with every new
// contour trace (a new grid or theme), overlay and results object (each stream counts from 0), not only as they grow.
const serials = new WeakMap();
let lastSerial = 0;
function dataRevision(...sources) {
  return sources.map((source) => {
    if (!source) return "-";
    if (!serials.has(source)) serials.set(source, ++lastSerial);
    return `${serials.get(source)}.${source.revision ?? 0}`;
  }).join(":");
}

function curveLayout(theme, results, yaxis) {
  return {
    ...baseLayout(theme, dataRevision(results)),
    uirevision: "curves",
    margin: { l: 52, r: 12, t: 30, b: 36 }, // the top strip holds the modebar (PNG export), clear of the curves
    xaxis: axis(theme, { title: { text: "step", standoff: 4 }, range: [0, results?.steps ?? 1] }),
    yaxis: axis(theme, { exponentformat: "power", ...yaxis }),
  };
}

/**
 * The plots, drawn from the current grid and results; `render` is cheap to call per frame.
 * `build`: the Plotly.js build to start with ("full" when the page opens in the 3-D view);
 * `requestRender({now})` asks for a render once the full build has come; `onError(error)` says it
 * could not come.
 */
export async function createPlots({ map, loss, lr, lossTitle, requestRender, onError, build = "cartesian" }) {
  Plotly = await loadPlotly(build);
  let plotlyBuild = build; // "cartesian" → "loading" → "full"
  let arrivedFull = null; // the full build, from its arrival until the render that hands the plots over
  let theme = readTheme();
  let surfaceCache = { grid: null, theme: null, trace: null };

  function surfaceTrace(grid) {
    if (surfaceCache.grid !== grid || surfaceCache.theme !== theme) {
      surfaceCache = { grid, theme, trace: contourTrace(grid, theme) };
    }
    return surfaceCache.trace;
  }

  /** While the full build loads for the 3-D view, the map says so (css/layout.css dims it under the words). */
  function showLoading(loading) {
    if (loading) {
      map.dataset.loading = "Loading the 3-D view…";
      map.setAttribute("aria-busy", "true");
    } else {
      delete map.dataset.loading;
      map.removeAttribute("aria-busy");
    }
  }

  /** The 3-D view needs the full build: fetch it once; the next render hands the plots over to it. */
  function upgradeToFullBuild() {
    if (plotlyBuild !== "cartesian") return;
    plotlyBuild = "loading";
    loadPlotly("full").then((full) => {
      arrivedFull = full;
      requestRender({ now: true });
    }, (error) => {
      plotlyBuild = "cartesian"; // the next switch to 3-D tries again
      showLoading(false);
      onError(error);
    });
  }

  /** Purge the plots with the build that drew them, for the full one to draw them in this same task. */
  function handOverToFullBuild() {
    for (const element of [map, loss, lr]) Plotly.purge(element);
    Plotly = arrivedFull;
    arrivedFull = null;
    plotlyBuild = "full";
    showLoading(false);
  }

  function renderMap(grid, surface, results, view, overlays) {
    if (view.mode === "3d" && plotlyBuild !== "full") {
      upgradeToFullBuild(); // until it is in, the map keeps what it shows
      showLoading(true);
      return;
    }
    if (plotlyBuild === "loading") showLoading(false); // back in 2-D before the full build came
    const contour = grid ? surfaceTrace(grid) : null; // a new trace for a new grid or theme
    if (view.mode === "multiples" || view.mode === "3d") {
      const build = view.mode === "3d" ? surfaceFigure : multiplesFigure;
      const { data, layout } = build({ grid, contour, surface, results, view, theme, box: map.getBoundingClientRect() });
      layout.datarevision = dataRevision(contour, results);
      Plotly.react(map, data, layout, CONFIG);
      return;
    }
    const domain = surface.domain;
    const data = [
      ...(contour ? [contour] : []),
      ...(overlays?.map ?? []), // seed bands (sweeps.js): faint, under the paths
      ...(results?.runs ?? []).flatMap((run) => runTraces(run, theme, domain)),
      minimaTrace(results?.surface?.minima ?? surface.minima ?? [], theme), // on top: paths end there
    ];
    Plotly.react(map, data, {
      ...baseLayout(theme, dataRevision(contour, overlays?.map, results)),
      uirevision: surface.id,
      shapes: mapShapes(results, view, theme), // the cursor's dots, LBFGS's evaluations (views.js)
      margin: { l: 44, r: 12, t: 12, b: 36 },
      // Equal scales, and the plot area shrinks to the surface's domain: no blank bands where clicks
      // would set starts outside it.
      xaxis: axis(theme, {
        range: domain.x, title: { text: "x", standoff: 2 }, showgrid: false, zeroline: false, constrain: "domain",
      }),
      yaxis: axis(theme, {
        range: domain.y, title: { text: "y", standoff: 2 }, showgrid: false, zeroline: false,
        scaleanchor: "x", scaleratio: 1, constrain: "domain",
      }),
    }, CONFIG);
  }

  function renderCurves(results, view, overlays) {
    const fMin = results ? minimumValue(results) : null;
    lossTitle.textContent = fMin === null ? "Loss" : "Loss − f* (log scale)";
    const runs = results?.runs ?? [];
    const curve = (run, y) => ({
      type: "scatter", mode: "lines", x: derived(run).steps, y, text: derived(run).text,
      line: { color: theme.runColor(run.color), width: CURVE_WIDTH * theme.lineScale },
      hovertemplate: hoverTemplate(run),
    });
    const shapes = cursorShapes(results, view, theme);
    // Seed bands (sweeps.js) go after the runs' curves, so trace i stays run i.
    Plotly.react(loss, [...runs.map((run) => curve(run, lossSeries(run, fMin))), ...(overlays?.loss ?? [])],
      { ...curveLayout(theme, results, { type: fMin === null ? "linear" : "log" }), shapes }, CONFIG);
    // Optimizers' learning rates differ by orders of magnitude: a log axis shows them all,
    // unless a schedule reaches 0 (cosine's last step), which only a linear axis can show.
    const lrType = runs.every((run) => run.lr.every((v) => v > 0)) ? "log" : "linear";
    Plotly.react(lr, runs.map((run) => curve(run, run.lr)), {
      ...curveLayout(theme, results, lrType === "log" ? { type: "log", ...lrTicks(runs) } : { rangemode: "tozero" }),
      shapes,
    }, CONFIG);
  }

  // Plotly's `responsive` follows the window; containers also change size on their own. Presenter
  // mode sizes the plots' type by the window's height, so a new window size may bring a new font size.
  const resizer = new ResizeObserver((entries) => {
    const fontSize = plotFontSize();
    if (fontSize !== theme.fontSize) {
      theme = { ...theme, fontSize };
      for (const element of [map, loss, lr]) if (element.data) Plotly.relayout(element, { "font.size": fontSize });
    }
    for (const entry of entries) if (entry.target.data) Plotly.Plots.resize(entry.target);
  });
  for (const element of [map, loss, lr]) resizer.observe(element);

  return {
    /** The Plotly.js drawing these plots (it changes once, when the 3-D view brings the full build). */
    get Plotly() {
      return Plotly;
    },
    /** `view`: the state's view (mode and cursor); the overlay at the newest step when omitted. */
    /** `overlays`: extra traces {map, loss} (seed bands), drawn in the overlay view. */
    render({ grid, surface, results, view = { mode: "overlay", cursor: null }, overlays = null }) {
      if (arrivedFull) handOverToFullBuild();
      renderMap(grid, surface, results, view, overlays);
      renderCurves(results, view, overlays);
    },
    /** Move the shared cursor alone (playback frames, hover, the scrubber): cheap. */
    moveCursor({ results, view }) {
      moveCursor(Plotly, { map, loss, lr }, { results, view, theme });
    },
    /** Re-read the colours after a theme change (the next render uses them). */
    refreshTheme() {
      theme = readTheme();
    },
  };
}

// Shared with views.js, which builds the other views from the same parts.
export { axis, baseLayout, derived, escapeHtml, hoverTemplate, LOG_FLOOR, minimaTrace, runTraces };
