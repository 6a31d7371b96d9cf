// The plots on the page: the map (overlay, small multiples or 3-D), loss-vs-step, LR-vs-step and,
// when a scheduler cycles it, momentum-vs-step, drawn with Plotly from the figure builders (figures/). Each render is a Plotly.react
// from (grid, results); `layout.datarevision` tells Plotly the streamed arrays grew, so a chunk
// costs one react per animation frame and never a newPlot.

import { lossCurvesFigure, lrCurvesFigure, momentumCurvesFigure } from "../figures/curves.js";
import { contourTrace, overlayFigure } from "../figures/map.js";
import { multiplesFigure } from "../figures/multiples.js";
import { surfaceFigure } from "../figures/surface3d.js";
import { trailResults } from "../figures/trail.js";
import { CONFIG } from "../plot/kit.js";
import { loadPlotly } from "../plot/plotly.js";
import { plotFontSize, readTheme } from "../plot/theme.js";
import { moveCursor } from "./cursor.js";
import { showScale } from "./scales.js";

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

/** Whether an element is laid out (not inside a display: none). */
export const shown = (element) => element.getClientRects().length > 0;

/**
 * The plots, drawn from the current grid and results; `render` is cheap to call per frame.
 * `build`: the Plotly.js build to start with ("full" when the page opens in the 3-D view);
 * `requestRender({now})` asks for a render once the full build has come; `onError(error)` says it
 * could not come. `momentum` sits in `momentumChart`, shown only while some run's momentum varies.
 */
export async function createPlots({
  map, loss, lr, momentum, momentumChart, lossTitle, requestRender, onError, build = "cartesian",
}) {
  const plots = [map, loss, lr, momentum];
  let Plotly = await loadPlotly(build);
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
    for (const element of plots) Plotly.purge(element);
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
    const { data, layout } = overlayFigure({
      contour, surface, results, view, theme, overlays, revision: dataRevision(contour, overlays?.map, results),
    });
    Plotly.react(map, data, layout, CONFIG);
  }

  function renderCurves(results, view, overlays) {
    const revision = dataRevision(results);
    const lossFigure = lossCurvesFigure({ results, view, theme, overlays, revision });
    lossTitle.textContent = lossFigure.title;
    Plotly.react(loss, lossFigure.data, lossFigure.layout, CONFIG);
    showScale(loss, lossFigure.scale);
    const lrFigure = lrCurvesFigure({ results, view, theme, revision });
    Plotly.react(lr, lrFigure.data, lrFigure.layout, CONFIG);
    showScale(lr, lrFigure.scale);
    const momentumFigure = momentumCurvesFigure({ results, view, theme, revision });
    momentumChart.hidden = !momentumFigure.shown;
    if (momentumFigure.shown) Plotly.react(momentum, momentumFigure.data, momentumFigure.layout, CONFIG);
  }

  // Plotly's `responsive` follows the window; containers also change size on their own. Presenter
  // mode sizes the plots' type by the window's height, so a new window size may bring a new font size.
  const resizer = new ResizeObserver((entries) => {
    const fontSize = plotFontSize();
    if (fontSize !== theme.fontSize) {
      theme = { ...theme, fontSize };
      for (const element of plots) if (element.data) Plotly.relayout(element, { "font.size": fontSize });
    }
    // A plot of the mode not shown (display: none) has no size to take.
    for (const entry of entries) if (entry.target.data && shown(entry.target)) Plotly.Plots.resize(entry.target);
  });
  for (const element of plots) resizer.observe(element);

  return {
    /** The Plotly.js drawing these plots (it changes once, when the 3-D view brings the full build). */
    get Plotly() {
      return Plotly;
    },
    /** `view`: the state's view (mode and cursor); the overlay at the newest step when omitted. */
    /** `overlays`: extra traces {map, loss} (seed bands), drawn in the overlay view. */
    render({ grid, surface, results, view = { mode: "overlay", cursor: null }, overlays = null }) {
      if (arrivedFull) handOverToFullBuild();
      const shown = trailResults(results, view); // in trail playback, only the steps played so far
      renderMap(grid, surface, shown, view, overlays);
      renderCurves(shown, view, overlays);
    },
    /** Move the shared cursor alone (playback frames, hover, the scrubber): cheap. */
    moveCursor({ results, view }) {
      moveCursor(Plotly, { map, curves: [loss, lr, momentum] }, { results, view, theme });
    },
    /** Re-read the colours after a theme change (the next render uses them). */
    refreshTheme() {
      theme = readTheme();
    },
  };
}
