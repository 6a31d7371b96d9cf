// Drawing the page from the state: one frame per batch of changes, a few per second at most while
// a stream's chunks arrive (a full redraw of the map costs tens of ms), and the mark that says the
// default comparison is fully drawn.

import { createBusyMark } from "../ui/busy.js";
import { formatNumber } from "../ui/format.js";
import { renderLegend, renderSummary } from "../views/summary.js";
import { STREAM_MODES } from "./stream.js";

/** While chunks stream in every ~50 ms, draw every ~200. */
const MIN_RENDER_INTERVAL_MS = 200;
/** A performance mark tests (and curious users) can read: the default comparison fully drawn. */
export const FIRST_DRAW_MARK = "optimlab:first-draw";
/** …and how long the JavaScript of the frame that drew it took (Plotly's first drawing, mostly). */
const FIRST_FRAME_MEASURE = "optimlab:first-frame";

/** The run status line: how far the stream is, or what the finished run took. */
function statusText(results) {
  const done = results.runs.filter((run) => run.status !== "running").length;
  const seconds = formatNumber((results.finishedAt - results.startedAt) / 1000);
  return results.finishedAt
    ? `${results.runs.length} runs · ${results.steps} steps · ${seconds} s`
    : `Running… ${done} of ${results.runs.length} done`;
}

/**
 * A throttled drawing frame: `schedule({now})` asks for `draw(start)` at a frame soon — after the
 * throttle's wait, or at the next frame when `now` (a stream just ended) — never twice per frame.
 */
export function createFrameScheduler(draw) {
  let throttle = null; // the wait before the next frame is asked for
  let frameAsked = false;
  let lastRender = -Infinity;
  function frame() {
    frameAsked = false;
    lastRender = performance.now();
    draw(lastRender);
  }
  return function schedule({ now = false } = {}) {
    if (frameAsked || (throttle !== null && !now)) return;
    clearTimeout(throttle);
    const wait = now ? 0 : Math.max(0, lastRender + MIN_RENDER_INTERVAL_MS - performance.now());
    throttle = setTimeout(() => {
      throttle = null;
      frameAsked = true;
      requestAnimationFrame(frame);
    }, wait);
  };
}

/**
 * The page's renderer. `parts`: what else follows a frame (playback, inspector, start mover) and
 * the elements it writes. Returns {schedule({now}), setPlots(plots), busy} (ui/busy.js).
 */
export function createRenderer({ store, parts, elements }) {
  const { state } = store;
  let plots = null; // once Plotly.js has loaded

  const busy = createBusyMark([elements.stage, elements.charts], () => STREAM_MODES.surfaces.shown(state));

  function render(start) {
    if (state.mode === "network") return; // network mode draws its own views (network/page.js); these wait
    const { results } = state.shown;
    plots?.render({ ...state.shown, view: state.view });
    elements.viewSelect.value = state.view.mode;
    for (const part of parts) part.sync();
    renderSummary(elements.summary, results);
    renderLegend(elements.legend, results);
    const finished = Boolean(results?.finishedAt);
    busy.drawing(Boolean(results) && !finished && !results.stopped);
    elements.exportJson.disabled = !finished;
    elements.exportCsv.disabled = !finished;
    if (results) elements.status.textContent = statusText(results);
    if (finished && plots && state.shown.grid && performance.getEntriesByName(FIRST_DRAW_MARK).length === 0) {
      performance.mark(FIRST_DRAW_MARK);
      performance.measure(FIRST_FRAME_MEASURE, { start });
    }
  }

  const schedule = createFrameScheduler(render);

  return {
    schedule,
    busy,
    get plots() {
      return plots;
    },
    /** Plotly.js has come: draw at once (the first drawing, no throttle). */
    setPlots(ready) {
      plots = ready;
      schedule({ now: true });
    },
  };
}
