// Wiring: load the catalog, build the state, and keep the page in step with it. A change
// re-runs after a short debounce; a new run aborts the previous stream (the server stops too)
// and the paths grow as chunks arrive.

import { ApiError, getCatalog, getSurfaceGrid, streamExperiment } from "./api.js";
import { createCodePanel } from "./codepanel.js";
import { createControls } from "./controls.js";
import { exportCsv, exportJson } from "./export.js";
import { formatNumber } from "./format.js";
import { createInspector } from "./inspector.js";
import { createLessons } from "./lessons.js";
import { createPlayback } from "./playback.js";
import { createPlots } from "./plots.js";
import { createPresenter } from "./presenter.js";
import { applyEvent, markStopped, startResults } from "./results.js";
import { createStartMover } from "./starts.js";
import { createState, createStore, findEntry, runLabel, toRequest } from "./state.js";
import { renderLegend, renderSummary } from "./summary.js";
import { createSweeps } from "./sweeps.js";
import { applyTheme, nextTheme, onSystemThemeChange, savedTheme } from "./theme.js";
import { createUrlSync } from "./url.js";

const DEBOUNCE_MS = 150;
/** A full redraw of the map costs tens of ms; while chunks stream in every ~50 ms, draw every ~200. */
const MIN_RENDER_INTERVAL_MS = 200;
const GRID_RESOLUTION = 120;
const GRID_CACHE_SIZE = 24;
/** A performance mark tests (and curious users) can read: the default comparison fully drawn. */
const FIRST_DRAW_MARK = "optimlab:first-draw";
/** …and how long the JavaScript of the frame that drew it took (Plotly's first drawing, mostly). */
const FIRST_FRAME_MEASURE = "optimlab:first-frame";

const byId = (id) => document.getElementById(id);

/** API issue locations, relative to the experiment: ["body", "runs", 0, ...] → ["runs", 0, ...]. */
function experimentIssues(error) {
  return error.issues.map((issue) => ({ ...issue, path: (issue.loc ?? []).filter((part) => part !== "body") }));
}

/** Grid query errors name a surface parameter (["query", "expression"]); place them on its field. */
function surfaceIssues(error) {
  return error.issues.map((issue) => {
    const name = issue.loc?.at(-1);
    return { ...issue, path: typeof name === "string" && name !== "query" ? ["surface", "params", name] : [] };
  });
}

async function main() {
  const toggle = byId("theme-toggle");
  let catalog;
  try {
    catalog = await getCatalog();
  } catch (error) {
    byId("experiment-error").hidden = false;
    byId("experiment-error").textContent = `The catalog could not be loaded: ${error.message}`;
    return;
  }

  const store = createStore(createState(catalog));
  const { state } = store;
  const sharing = createUrlSync({ store, catalog }); // a link's experiment replaces the default before anything draws
  state.view.theme = savedTheme();
  // On a phone the run cards start folded to one coloured line each, so the plots come first.
  if (window.matchMedia("(max-width: 759px)").matches) {
    for (const run of state.experiment.runs) state.view.collapsedRuns.add(run.key);
  }
  applyTheme(state.view.theme, toggle);

  const controls = createControls({ store, catalog, root: document.querySelector(".controls") });
  const lessons = createLessons({ store, catalog, notice: sharing.notice });
  createPresenter({ store, lessons });
  createCodePanel({ store, catalog });
  const playback = createPlayback({
    store, getResults: () => shown.results, getPlots: () => plots,
    controls: {
      play: document.querySelector('[data-testid="play-button"]'), back: byId("step-back"), forward: byId("step-forward"),
      scrubber: document.querySelector('[data-testid="scrubber"]'), readout: byId("step-readout"), speed: byId("speed-select"),
    },
    plots: [byId("contour-plot"), byId("loss-plot"), byId("lr-plot")],
  });
  const inspector = createInspector({
    store, root: byId("inspector"), getResults: () => shown.results, onData: () => playback.redraw(),
  });
  const startMover = createStartMover({
    store, getPlots: () => plots, map: byId("contour-plot"), target: byId("start-target"), hint: byId("map-tools"),
    labelOf: (run) => runLabel(run, catalog),
  });
  let plots = null; // once Plotly.js has loaded
  const stage = document.querySelector(".stage");
  const charts = document.querySelector(".charts");
  const status = byId("run-status");

  // What is on screen: the grid of the surface shown and the results of the last run.
  const shown = { surface: findEntry(catalog.surfaces, state.experiment.surface.id), grid: null, results: null };

  // ---- drawing: one frame per batch of chunks, a few per second at most ----

  let throttle = null; // the wait before the next frame is asked for
  let frameAsked = false;
  let lastRender = -Infinity;
  /** Draw at a frame soon: after the throttle's wait, or at the next frame when `now` (a stream just ended). */
  const scheduleRender = ({ now = false } = {}) => {
    if (frameAsked || (throttle !== null && !now)) return;
    clearTimeout(throttle);
    const wait = now ? 0 : Math.max(0, lastRender + MIN_RENDER_INTERVAL_MS - performance.now());
    throttle = setTimeout(() => {
      throttle = null;
      frameAsked = true;
      requestAnimationFrame(render);
    }, wait);
  };

  function render() {
    frameAsked = false;
    const start = (lastRender = performance.now());
    const { results } = shown;
    plots?.render({ ...shown, view: state.view });
    byId("view-select").value = state.view.mode;
    playback.sync();
    inspector.sync();
    startMover.sync();
    renderSummary(byId("summary-table"), results);
    renderLegend(byId("legend"), results);
    const finished = Boolean(results?.finishedAt);
    setBusy(Boolean(results) && !finished && !results.stopped);
    byId("export-json").disabled = !finished;
    byId("export-csv").disabled = !finished;
    if (results) {
      const done = results.runs.filter((run) => run.status !== "running").length;
      const seconds = formatNumber((results.finishedAt - results.startedAt) / 1000);
      status.textContent = finished
        ? `${results.runs.length} runs · ${results.steps} steps · ${seconds} s`
        : `Running… ${done} of ${results.runs.length} done`;
    }
    if (finished && plots && shown.grid && performance.getEntriesByName(FIRST_DRAW_MARK).length === 0) {
      performance.mark(FIRST_DRAW_MARK);
      performance.measure(FIRST_FRAME_MEASURE, { start });
    }
  }

  /** aria-busy on the views while a stream is drawing (assistive tech and tests wait on it). */
  function setBusy(busy) {
    stage.setAttribute("aria-busy", String(busy));
    charts.setAttribute("aria-busy", String(busy));
  }

  function setErrors(source, issues) {
    store.update((s) => { s.view.errors[source] = issues; }, { errors: true });
  }

  // ---- the surface grid ----

  const gridCache = new Map();
  let gridController = null;

  async function loadGrid() {
    gridController?.abort();
    const controller = (gridController = new AbortController());
    const { surface } = state.experiment;
    const entry = findEntry(catalog.surfaces, surface.id);
    if (shown.surface !== entry) Object.assign(shown, { surface: entry, grid: null });
    const key = JSON.stringify(surface);
    try {
      const grid = gridCache.get(key) ??
        await getSurfaceGrid(surface, { resolution: GRID_RESOLUTION, domain: entry.domain, signal: controller.signal });
      gridCache.delete(key);
      gridCache.set(key, grid);
      if (gridCache.size > GRID_CACHE_SIZE) gridCache.delete(gridCache.keys().next().value);
      shown.grid = grid;
      setErrors("surface", []);
    } catch (error) {
      if (controller.signal.aborted) return;
      setErrors("surface", error instanceof ApiError ? surfaceIssues(error) : [{ path: [], msg: error.message }]);
    }
    scheduleRender();
  }

  // ---- running the experiment ----

  let streamController = null;

  async function runExperiment() {
    streamController?.abort();
    const controller = (streamController = new AbortController());
    const request = toRequest(state.experiment, catalog);
    const colors = state.experiment.runs.map((run) => run.color);
    const sentAt = performance.now();
    status.textContent = "Running…";
    setBusy(true);
    try {
      for await (const event of streamExperiment(request, { signal: controller.signal })) {
        if (event.event === "experiment") {
          shown.results = startResults(event, { request, colors, sentAt });
          setErrors("experiment", []);
        } else {
          applyEvent(shown.results, event);
        }
        if (event.event === "error") setErrors("experiment", [{ path: [], msg: `The run stopped: ${event.detail}` }]);
        scheduleRender();
      }
      scheduleRender({ now: true }); // the finished paths are what the user waits for: no throttle
    } catch (error) {
      if (controller.signal.aborted) return;
      markStopped(shown.results); // e.g. a superseded stream's partial paths, when its successor got a 422
      setErrors("experiment", error instanceof ApiError ? experimentIssues(error) : [{ path: [], msg: error.message }]);
      status.textContent = "";
      scheduleRender();
    }
  }

  let debounce = null;
  let gridStale = false;

  function refresh() {
    clearTimeout(debounce);
    if (gridStale) loadGrid();
    gridStale = false;
    runExperiment();
  }

  // ---- reacting to state changes ----

  store.subscribe((_, change) => {
    if (change.controls) controls.render();
    else if (change.experiment) controls.refresh();
    if (change.errors) {
      controls.showErrors();
      const stale = Object.values(state.view.errors).some((issues) => issues.length > 0);
      stage.classList.toggle("is-stale", stale);
      charts.classList.toggle("is-stale", stale);
    }
    if (change.surface) gridStale = true;
    if (change.experiment) {
      clearTimeout(debounce);
      debounce = setTimeout(refresh, DEBOUNCE_MS);
    }
    if (change.view) {
      applyTheme(state.view.theme, toggle);
      plots?.refreshTheme();
      scheduleRender();
    }
  });

  byId("run-button").addEventListener("click", refresh);
  toggle.addEventListener("click", () =>
    store.update((s) => { s.view.theme = nextTheme(s.view.theme); }, { view: true }));
  byId("view-select").addEventListener("change", (event) =>
    store.update((s) => { s.view.mode = event.target.value; }, { view: true }));
  byId("export-json").addEventListener("click", () => exportJson(shown.results));
  byId("export-csv").addEventListener("click", () => exportCsv(shown.results));
  onSystemThemeChange(() => store.update(() => {}, { view: true }));

  // Ask the server first: it computes the experiment while the browser runs Plotly.js. Then start
  // Plotly.js (the full build if the page opens in 3-D), and build the rest while it compiles.
  loadGrid();
  runExperiment();
  const plotsReady = createPlots({
    map: byId("contour-plot"), loss: byId("loss-plot"), lr: byId("lr-plot"), lossTitle: byId("loss-title"),
    build: state.view.mode === "3d" ? "full" : "cartesian",
    requestRender: scheduleRender,
    onError: (error) => sharing.notice(`The 3-D view could not be shown: ${error.message}`),
  });
  // The sweep panel (a link's seed bands start sweeping now); its bands reach the plots as `shown.overlays`.
  createSweeps({
    store, catalog, shown, requestRender: scheduleRender,
    root: byId("sweep-panel"), openButton: byId("sweep-button"), tuneButton: byId("tune-button"),
  });
  controls.render();
  try {
    plots = await plotsReady;
    scheduleRender({ now: true }); // the first drawing: no throttle
  } catch (error) {
    setErrors("experiment", [{ path: [], msg: error.message }]);
  }
}

main();
