// Network mode on the page (design.md §10): the controls, the training's stream and the drawing of its
// views, all from the one store. Loaded on first use (page/lazy.js): built the first time network mode
// shows (page/modes.js), or when the browser idles after the first draw. Surfaces mode keeps its own
// state meanwhile; the play bar, `lr-plot`, the summary table, sharing, exports and the code button
// serve whichever mode is shown.
//
// The seam for the views others add (the decision boundary, the LR finder, the inspector's norms):
// `createNetworkMode` returns `seam` with
//   seam.result        the training shown (network/results.js), or null
//   seam.cursor        {step, epoch}: the record the cursor shows and the epochs completed there
//   seam.selectedRun   the index of the run the per-run views show; seam.selectRun(i) changes it
//   seam.elements      {boundary, lrFinderButton, lrFinderPlot}: their empty containers
//   seam.addView(draw) draw({result, step, epoch, selectedRun, theme, Plotly, reason}) after every full
//                      render (reason "render") and every cursor move (reason "cursor"), in network mode.

import { cursorStep } from "../figures/cursor.js";
import { NETWORK_SWITCH_MARK } from "../page/modes.js";
import { createFrameScheduler } from "../page/render.js";
import { loadPlotly } from "../plot/plotly.js";
import { readTheme } from "../plot/theme.js";
import { formatNumber } from "../ui/format.js";
import { renderLegend, renderTrainingSummary } from "../views/summary.js";
import { createDatasetPreview, createNetworkControls } from "./controls.js";
import { createNetworkPlots } from "./plots.js";
import { epochAt } from "./results.js";

const DEBOUNCE_MS = 150;
/** Performance mark (tests and `make bench-page` read it): the landscape drawn, measured from the switch. */
export const NETWORK_FIRST_DRAW = "optimlab:network-first-draw";

/** The run status line in network mode. */
function statusText(result) {
  const done = result.runs.filter((run) => run.status !== "running").length;
  if (!result.finishedAt) return `Training… ${done} of ${result.runs.length} runs done`;
  const seconds = formatNumber((result.finishedAt - result.startedAt) / 1000);
  const { n_train: points, parameters } = result.task; // what the lessons count (design.md §10)
  return `${points} training points · ${parameters} weights · ${result.runs.length} runs · ${result.epochs} epochs · `
    + `${result.steps} steps · ${seconds} s`;
}

/**
 * Wire network mode. `elements`: the plots' containers, the summary, legend and status; `busy`: the
 * views' aria-busy mark (ui/busy.js), which the runner shares; `playback`: the shared play bar (its
 * `sync()` follows each render); `runner`: the training's stream (page/stream.js), made before this
 * module loads so that the first switch asks the server at once; `trainingAsked`: it already has, for
 * the training the state holds; `datasetsList()`: the data sets' list (GET /api/datasets), asked for
 * once, before this module if the browser idled first.
 */
export function createNetworkMode({
  store, catalog, elements, busy, getPlayback, runner, trainingAsked = false, datasetsList,
}) {
  const { state } = store;
  const views = []; // the seam's drawers
  let plots = null;
  let controls = null;
  let started = false; // the first switch loads the data sets and Plotly, then trains
  let debounce = null;
  let stale = false; // the training changed while surfaces mode showed (Back, a link): train on return

  const seam = {
    get result() {
      return state.network.result;
    },
    get cursor() {
      const result = state.network.result;
      const step = cursorStep(result, state.view.cursor);
      return { step, epoch: result ? epochAt(result, step) : 0 };
    },
    get selectedRun() {
      return state.network.selectedRun;
    },
    selectRun(index) {
      store.update((s) => { s.network.selectedRun = index; }, { trainingResults: true });
    },
    elements: { boundary: elements.boundary, lrFinderButton: elements.lrFinderButton, lrFinderPlot: elements.lrFinderPlot },
    addView(draw) {
      views.push(draw);
    },
  };

  function drawViews(reason) {
    if (!plots) return;
    const { step, epoch } = seam.cursor;
    for (const draw of views) {
      draw({
        result: state.network.result, step, epoch, selectedRun: state.network.selectedRun,
        theme: plots.theme, Plotly: plots.Plotly, reason,
      });
    }
  }

  function render() {
    if (state.mode !== "network" || !plots) return;
    const { result } = state.network;
    plots.render({ result, view: state.view });
    renderTrainingSummary(elements.summary, result);
    renderLegend(elements.legend, result);
    getPlayback()?.sync();
    const finished = Boolean(result?.finishedAt);
    busy.drawing(Boolean(result) && !finished && !result.stopped);
    elements.exportJson.disabled = !finished;
    elements.exportCsv.disabled = !finished;
    if (result) elements.status.textContent = statusText(result);
    drawViews("render");
    if (finished && result.landscape && performance.getEntriesByName(NETWORK_FIRST_DRAW).length === 0) {
      performance.mark(NETWORK_FIRST_DRAW);
      // From the click on the switch (a page opened in network mode: from navigation).
      const from = performance.getEntriesByName(NETWORK_SWITCH_MARK).length ? NETWORK_SWITCH_MARK : undefined;
      performance.measure(NETWORK_FIRST_DRAW, from ? { start: from, end: NETWORK_FIRST_DRAW } : { end: NETWORK_FIRST_DRAW });
    }
  }
  const schedule = createFrameScheduler(render);

  /** The first time network mode shows: the data sets (for the controls), Plotly, the first training. */
  async function start() {
    started = true;
    if (!trainingAsked) runner.run(); // the server trains while the browser fetches the rest
    trainingAsked = false;
    const [datasets, ready] = await Promise.all([datasetsList(), createNetworkPlots(elements.plots)]);
    const preview = createDatasetPreview({ element: elements.preview, loadPlotly, readTheme });
    controls = createNetworkControls({ store, catalog, datasets, root: elements.controls, preview });
    controls.render();
    plots = ready;
    schedule({ now: true });
  }

  store.subscribe((_, change) => {
    if (change.mode) {
      if (state.mode === "network" && !started) start();
      else if (state.mode === "network" && (stale || change.training)) runner.run(); // a lesson: at once
      if (state.mode === "network") stale = false;
    }
    if (state.mode !== "network") {
      if (change.training) { clearTimeout(debounce); runner.abort(); stale = true; }
      return;
    }
    if (change.controls || change.mode) controls?.render();
    else if (change.training) controls?.refresh();
    if (change.trainingErrors) controls?.showErrors();
    if (change.training && started && !change.mode) {
      clearTimeout(debounce);
      debounce = setTimeout(runner.run, DEBOUNCE_MS);
    }
    if (change.view) plots?.refreshTheme();
    if (change.mode || change.view || change.trainingResults) schedule({ now: Boolean(change.mode) });
    if (change.cursor && !change.mode) drawViews("cursor");
    if (change.cursor && state.view.trail && !change.mode) schedule({ now: true }); // the paths grow (design.md §11)
  });

  if (state.mode === "network") start(); // the switch, a link or a lesson showed network mode

  return {
    seam,
    /** The plots the play bar moves the cursor on while network mode shows. */
    get plots() {
      return plots;
    },
    /** Train again now (the Run button). */
    run: () => runner.run(),
    /** Draw now (the training's stream has finished). */
    redraw: () => schedule({ now: true }),
  };
}
