// The page's entry: load the catalog, build the state, and wire the rooms together — the controls,
// the plots (views/), playback, the sweep panel, sharing and teaching. A change re-runs the
// experiment after a short debounce (design.md §7); everything on screen is drawn from the store.
// What the first picture does not need (network mode, the sweeps, the deck, the presenter, the code
// panel, the video and slide exports) is imported on first use, and after the first draw in the
// background (page/lazy.js): the modules imported statically here are all the first draw fetches.

import { createPlotText } from "./a11y/plot-text.js";
import { wireSkipLinks } from "./a11y/skip-link.js";
import { getCatalog, getDatasets } from "./api/client.js";
import { createControls } from "./controls/controls.js";
import { createGridLoader } from "./page/grid.js";
import { lazyPart, loadOnClick, prefetchAfterFirstDraw } from "./page/lazy.js";
import { createModeSwitch } from "./page/modes.js";
import { createRenderer } from "./page/render.js";
import { createStreamRunner, STREAM_MODES } from "./page/stream.js";
import { addNetworkState } from "./network/state.js";
import { createInspector } from "./playback/inspector.js";
import { createPlayback } from "./playback/playback.js";
import { createStartMover } from "./playback/starts.js";
import { createTrail } from "./playback/trail.js";
import { createVectors } from "./playback/vectors.js";
import { createState, runLabel } from "./state/experiment.js";
import { createStore } from "./state/store.js";
import { installEmbed } from "./teach/embed.js";
import { exportCsv, exportJson } from "./teach/export.js";
import { createLessons } from "./teach/lessons.js";
import { createOrientation } from "./teach/orientation.js";
import { createUrlSync } from "./teach/share.js";
import { createShortener, installShortLinkButton } from "./teach/short-link.js";
import { createBusyMark } from "./ui/busy.js";
import { byTestId, onPhone } from "./ui/dom.js";
import { applyTheme, nextTheme, onSystemThemeChange, savedTheme } from "./ui/theme.js";
import { createPlots } from "./views/plots.js";
import { createScaleToggles } from "./views/scales.js";

const DEBOUNCE_MS = 150;

const byId = (id) => document.getElementById(id);

/** The catalog, or null after saying on the page why there is none. */
async function loadCatalog() {
  try {
    return await getCatalog();
  } catch (error) {
    byId("experiment-error").hidden = false;
    byId("experiment-error").textContent = `The catalog could not be loaded: ${error.message}`;
    return null;
  }
}

/** The store, its state read from the link (before anything draws), the theme and, on a phone, folded run cards. */
function createPageState(catalog) {
  const store = createStore(addNetworkState(createState(catalog), catalog));
  const sharing = createUrlSync({ store, catalog }); // a link's experiment replaces the default
  const { state } = store;
  state.view.theme = savedTheme();
  // On a phone the run cards start folded to one coloured line each, so the plots come first.
  if (onPhone()) {
    for (const run of [...state.experiment.runs, ...state.network.training.runs]) state.view.collapsedRuns.add(run.key);
  }
  applyTheme(state.view.theme, byId("theme-toggle"));
  return { store, sharing };
}

/** The results of the mode shown: surfaces mode's experiment, or network mode's training. */
const shownResults = (state) => (state.mode === "network" ? state.network.result : state.shown.results);

/** What follows the cursor and the results at every frame: playback, the inspector, the start mover, the plots' words. */
function createPlaybackParts({ store, catalog, getPlots, getNetworkPlots }) {
  const { state } = store;
  const getResults = () => state.shown.results;
  const network = () => state.mode === "network";
  // The play bar serves the mode shown: its results and its plots.
  const playback = createPlayback({
    store,
    getResults: () => shownResults(state),
    getPlots: () => (network() ? getNetworkPlots() : getPlots()),
    controls: {
      play: byTestId("play-button"), back: byId("step-back"), forward: byId("step-forward"),
      scrubber: byTestId("scrubber"), readout: byId("step-readout"), speed: byId("speed-select"),
    },
    // Hovering a path or a step curve moves the cursor (the landscape's paths too: a point per record).
    plots: [byId("contour-plot"), byId("loss-plot"), byId("lr-plot"), byId("momentum-plot"), byId("landscape-plot")],
  });
  const vectors = createVectors({
    store, getResults, button: byTestId("vectors-toggle"), legend: byTestId("vectors-legend"),
  });
  const inspector = createInspector({
    store, root: byId("inspector"), getResults, onData: () => { playback.redraw(); vectors.render(); },
  });
  const startMover = createStartMover({
    store, getPlots, map: byId("contour-plot"), target: byId("start-target"), hint: byId("map-tools"),
    labelOf: (run) => runLabel(run, catalog),
  });
  const plotText = createPlotText({
    store, getResults: () => shownResults(state), announcer: byId("step-announcer"),
    plots: { map: byId("contour-plot"), loss: byId("loss-plot"), lr: byId("lr-plot") },
  });
  return { parts: [playback, inspector, startMover, plotText], playback };
}

/** Keep the page in step with the store: controls, errors, re-runs, the theme and redraws. */
function followStore({ store, controls, renderer, refresh, markGridStale }) {
  const { state } = store;
  const stage = document.querySelector(".stage");
  const charts = document.querySelector(".charts");
  let debounce = null;
  store.subscribe((_, change) => {
    if (change.controls) controls.render();
    else if (change.experiment || change.results) controls.refresh(); // results: what a scheduler's "auto" became
    if (change.errors) {
      controls.showErrors();
      const stale = Object.values(state.view.errors).some((issues) => issues.length > 0);
      stage.classList.toggle("is-stale", stale);
      charts.classList.toggle("is-stale", stale);
    }
    if (change.surface) markGridStale();
    if (change.experiment) {
      clearTimeout(debounce);
      debounce = setTimeout(refresh, DEBOUNCE_MS);
    }
    if (change.view) {
      applyTheme(state.view.theme, byId("theme-toggle"));
      renderer.plots?.refreshTheme();
    }
    if (change.mode && state.mode === "surfaces") renderer.schedule({ now: true }); // back from network mode
    else if (change.view || change.grid || change.results || change.overlays) renderer.schedule();
  });
  return { cancelDebounce: () => clearTimeout(debounce) };
}

/** The page's own buttons: run, theme, view mode, the exports and the skip link. */
function wireButtons({ store, refresh, network, onError }) {
  const { state } = store;
  wireSkipLinks();
  // In network mode, once it is built (a click while it loads trains when it has loaded).
  byId("run-button").addEventListener("click", () =>
    (state.mode === "network" ? network.get().then((mode) => mode.run(), onError) : refresh()));
  byId("theme-toggle").addEventListener("click", () =>
    store.update((s) => { s.view.theme = nextTheme(s.view.theme); }, { view: true }));
  byId("view-select").addEventListener("change", (event) =>
    store.update((s) => { s.view.mode = event.target.value; }, { view: true }));
  byId("export-json").addEventListener("click", () => exportJson(shownResults(state)));
  byId("export-csv").addEventListener("click", () => exportCsv(shownResults(state)));
  onSystemThemeChange(() => store.update(() => {}, { view: true }));
}

/**
 * The parts the first picture does not need, each imported and built on first use — its button, the mode
 * switch, a link that opens it — or when the browser idles after the first draw (page/lazy.js).
 */
function createLazyParts({ store, catalog, lessons, shortener, notice, getPlayback, getPlots }) {
  const { state } = store;
  const onError = (error) => notice(`A part of the page could not be loaded: ${error.message}`);
  // Network mode's stream, made now: the first switch asks the server to train while the mode's modules load.
  const busy = createBusyMark(
    [document.querySelector(".stage"), document.querySelector(".charts")], () => STREAM_MODES.network.shown(state));
  const trainingRunner = createStreamRunner(STREAM_MODES.network, {
    store, catalog, status: byId("run-status"), busy, onFinished: () => network.value?.redraw(),
  });
  // The data sets' list for network mode's controls: asked for with the first switch, or before it when
  // the browser idles after the first draw, so the switch does not wait on it (design.md §10).
  const datasets = lazyPart(getDatasets);
  const network = lazyPart(async () => {
    const trainingAsked = state.mode === "network";
    if (trainingAsked) trainingRunner.run();
    datasets.get().catch(() => {}); // asked for again, and said, when network mode starts
    const [{ createNetworkMode }, { addNetworkViews }, { createNetworkPlotText }] = await Promise.all([
      import("./network/page.js"), import("./network/views.js"), import("./a11y/network-text.js"),
    ]);
    const mode = createNetworkMode({
      store, catalog, busy, getPlayback, runner: trainingRunner, trainingAsked, datasetsList: datasets.get,
      elements: {
        status: byId("run-status"),
        summary: byId("summary-table"), legend: byId("legend"), controls: byId("network-controls"),
        preview: byId("dataset-preview"), exportJson: byId("export-json"), exportCsv: byId("export-csv"),
        boundary: byId("boundary-plot"), lrFinderButton: byId("lr-finder-button"), lrFinderPlot: byId("lr-finder-plot"),
        plots: {
          landscape: byId("landscape-plot"), epochLoss: byId("epoch-loss-plot"), accuracy: byId("accuracy-plot"),
          lr: byId("lr-plot"), caption: byId("landscape-caption"),
        },
      },
    });
    addNetworkViews({ seam: mode.seam, store, catalog, lrFinderChart: byId("lr-finder-chart") });
    createNetworkPlotText({
      seam: mode.seam,
      plots: { landscape: byId("landscape-plot"), epochLoss: byId("epoch-loss-plot"), accuracy: byId("accuracy-plot") },
    });
    return mode;
  });
  // The sweep panel: a link's or a lesson's seed bands start sweeping once it is built.
  const sweeps = lazyPart(async () => (await import("./sweeps/panel.js")).createSweeps({
    store, catalog, root: byId("sweep-panel"), openButton: byId("sweep-button"), tuneButton: byId("tune-button"),
  }));
  const deck = lazyPart(async () => (await import("./teach/deck.js")).createDeckEditor({ store, catalog, lessons, notice }));
  const presenter = lazyPart(async () =>
    (await import("./teach/presenter.js")).createPresenter({ store, catalog, lessons, shortener }));
  const codePanel = lazyPart(async () => (await import("./teach/code-panel.js")).createCodePanel({ store, catalog }));
  const slideExports = lazyPart(async () => (await import("./teach/video.js")).installSlideExports({
    store, notice,
    buttons: { videoButton: byTestId("export-video"), slidesButton: byTestId("export-slides") },
    modes: {
      surfaces: {
        getPlots, results: (s) => s.shown.results,
        map: byId("contour-plot"), loss: byId("loss-plot"), lr: byId("lr-plot"),
      },
      network: {
        getPlots: () => network.value?.plots, results: (s) => s.network.result,
        map: byId("landscape-plot"), loss: byId("epoch-loss-plot"), lr: byId("lr-plot"),
      },
    },
  }));

  const openers = {
    "sweep-button": sweeps, "tune-button": sweeps, "save-lesson": deck, "presenter-button": presenter,
    "code-button": codePanel, "export-video": slideExports, "export-slides": slideExports,
  };
  for (const [testId, part] of Object.entries(openers)) loadOnClick(byTestId(testId), part, onError);
  const wantsSweeps = () => !sweeps.ready && state.view.sweeps.bands.size > 0;
  if (wantsSweeps()) sweeps.get().catch(onError);
  store.subscribe(() => wantsSweeps() && sweeps.get().catch(onError));
  if (new URLSearchParams(location.search).has("deck")) deck.get().catch(onError); // a shared deck's link
  return {
    network,
    onError,
    /** Build them all in the background once the first picture is drawn, so a first click is instant. */
    prefetch: () => prefetchAfterFirstDraw([datasets, network, sweeps, codePanel, presenter, deck, slideExports]),
  };
}

async function main() {
  const catalog = await loadCatalog();
  if (!catalog) return;
  installEmbed(document.querySelector(".stage"));
  const { store, sharing } = createPageState(catalog);
  const { state } = store;
  const controls = createControls({ store, catalog, root: document.querySelector(".controls") });
  const lessons = createLessons({ store, catalog, notice: sharing.notice });
  const shortener = createShortener();
  installShortLinkButton(byTestId("short-link"), { shortener, flush: sharing.flush, notice: sharing.notice });
  createScaleToggles({
    store, plots: { loss: byId("loss-plot"), lr: byId("lr-plot"), epochLoss: byId("epoch-loss-plot") },
  });
  const status = byId("run-status");
  const { parts, playback } = createPlaybackParts({
    store, catalog, getPlots: () => renderer.plots, getNetworkPlots: () => lazy.network.value?.plots,
  });
  const renderer = createRenderer({
    store,
    parts,
    elements: {
      stage: document.querySelector(".stage"), charts: document.querySelector(".charts"), status,
      viewSelect: byId("view-select"), summary: byId("summary-table"), legend: byId("legend"),
      exportJson: byId("export-json"), exportCsv: byId("export-csv"),
    },
  });
  createTrail({
    store, button: byTestId("trail-toggle"), requestRender: renderer.schedule, getResults: () => shownResults(state),
  });
  createOrientation({ store, catalog, element: byId("orientation") });
  const setErrors = (source, issues) => store.update((s) => { s.view.errors[source] = issues; }, { errors: true });
  const loadGrid = createGridLoader({ store, catalog, setErrors });
  const experimentRunner = createStreamRunner(STREAM_MODES.surfaces, {
    store, catalog, status, busy: renderer.busy, onFinished: () => renderer.schedule({ now: true }),
  });

  let gridStale = false;
  const following = followStore({ store, controls, renderer, refresh, markGridStale: () => { gridStale = true; } });
  function refresh() {
    following.cancelDebounce();
    if (gridStale) loadGrid();
    gridStale = false;
    experimentRunner.run();
  }
  const lazy = createLazyParts({
    store, catalog, lessons, shortener, notice: sharing.notice, getPlayback: () => playback,
    getPlots: () => renderer.plots,
  });
  createModeSwitch({
    store, modeSelect: byId("mode-select"), stage: document.querySelector(".stage"), network: lazy.network,
    onError: lazy.onError,
  });
  wireButtons({ store, refresh, network: lazy.network, onError: lazy.onError });

  // Ask the server first: it computes the experiment while the browser runs Plotly.js. Then start
  // Plotly.js (the full build if the page opens in 3-D), and build the rest while it compiles.
  loadGrid();
  experimentRunner.run();
  const plotsReady = createPlots({
    map: byId("contour-plot"), loss: byId("loss-plot"), lr: byId("lr-plot"), lossTitle: byId("loss-title"),
    momentum: byId("momentum-plot"), momentumChart: byId("momentum-chart"),
    build: state.view.mode === "3d" ? "full" : "cartesian",
    requestRender: renderer.schedule,
    onError: (error) => sharing.notice(`The 3-D view could not be shown: ${error.message}`),
  });
  controls.render();
  lazy.prefetch();
  try {
    renderer.setPlots(await plotsReady);
  } catch (error) {
    setErrors("experiment", [{ path: [], msg: error.message }]);
  }
}

main();
