// Time on the page: one cursor (a step) shared by every plot, and the controls that move it —
// play / pause, step back and forward, the scrubber, speed, the keyboard (space, ←/→, Home/End)
// and hovering any plot; `?` lists the page's keyboard shortcuts (a dialog in index.html). The
// cursor lives in the state (`view.cursor`); a change to it is flagged {cursor: true} and redraws
// the cursor alone, once per animation frame.

import { cursorStep, newestRecord } from "../figures/cursor.js";
import { choices } from "../ui/choices.js";

/** Playback speeds; 1× plays the whole experiment in BASE_SECONDS (and at least MIN_RATE steps/s). */
export const SPEEDS = [0.25, 0.5, 1, 2, 4, 10];
const BASE_SECONDS = 10;
const MIN_RATE = 2;
/** A frame longer than this (a background tab, a slow full redraw) counts as this long. */
const MAX_FRAME_SECONDS = 0.1;

/** The stream has ended: nothing more will arrive for these results. */
function complete(results) {
  return Boolean(results?.finishedAt || results?.stopped);
}

/** Widgets whose arrow keys move within themselves (WAI-ARIA patterns). */
const ARROW_WIDGETS = new Set(["tab", "slider", "listbox", "option", "menu", "menuitem", "radio", "grid", "tree",
  "spinbutton", "combobox", "textbox"]);

/** Inputs that take no typed text: a printable key there is the page's. */
const NOT_TEXT = new Set(["checkbox", "radio", "range", "color", "button", "submit", "reset", "file", "image"]);

/** The focused element takes typed characters (where `?` is a question mark, not the help). */
function takesText(target) {
  if (target.isContentEditable || ["TEXTAREA", "SELECT"].includes(target.tagName)) return true;
  return target.tagName === "INPUT" && !NOT_TEXT.has(target.type);
}

/** The keyboard shortcuts' dialog: `?` or the topbar's button opens it; Esc, ✕ or the backdrop closes it. */
function createShortcutHelp() {
  const dialog = document.getElementById("shortcuts-dialog");
  const open = () => { if (!dialog.open) dialog.showModal(); };
  document.getElementById("shortcuts-button").addEventListener("click", open);
  dialog.querySelector(".shortcuts-close").addEventListener("click", () => dialog.close());
  dialog.addEventListener("click", (event) => { if (event.target === dialog) dialog.close(); }); // the backdrop
  return { open };
}

/** Keys the page leaves to the focused element: typing, choosing, toggling. */
function ownsKey(target, key, scrubber) {
  if (target === scrubber) return key !== " "; // the range input steps itself; space is ours
  if (choices.givesBack(target, key)) return false; // a select whose choice is made (ui/choices.js)
  if (target.isContentEditable || ["TEXTAREA", "SELECT"].includes(target.tagName)) return true;
  if (ARROW_WIDGETS.has(target.getAttribute?.("role"))) return true;
  if (target.tagName === "INPUT") return !["range", "color"].includes(target.type) || key === " ";
  const activates = ["BUTTON", "SUMMARY", "A"].includes(target.tagName) || target.getAttribute("role") === "button";
  return key === " " && activates;
}

export function createPlayback({ store, getResults, getPlots, controls, plots: plotElements }) {
  const { state } = store;
  const { play, back, forward, scrubber, readout, speed } = controls;

  speed.replaceChildren(...SPEEDS.map((value) => {
    const option = document.createElement("option");
    option.value = String(value);
    option.textContent = `${value === 0.25 ? "¼" : value === 0.5 ? "½" : value}×`;
    return option;
  }));
  speed.value = String(state.view.cursor.speed);

  const setCursor = (mutate) => store.update((s) => mutate(s.view.cursor), { cursor: true });

  /** Move to step k (clamped to the experiment), pausing playback. */
  function seek(k) {
    const results = getResults();
    if (!results) return;
    setCursor((cursor) => {
      cursor.step = Math.max(0, Math.min(results.steps, Math.round(k)));
      cursor.playing = false;
    });
  }

  function stepBy(delta) {
    seek(cursorStep(getResults(), state.view.cursor) + delta);
  }

  // ---- playing: a requestAnimationFrame loop that advances by rate × elapsed time ----

  let frame = null;
  let ticking = false; // inside a frame of the loop
  let lastTime = null;
  let position = 0; // fractional step

  function rate(results) {
    return Math.max(results.steps / BASE_SECONDS, MIN_RATE) * state.view.cursor.speed;
  }

  function tick(now) {
    frame = null;
    const results = getResults();
    if (!state.view.cursor.playing || !results) return;
    const seconds = lastTime === null ? 0 : Math.min((now - lastTime) / 1000, MAX_FRAME_SECONDS);
    lastTime = now;
    // While the stream runs, playback waits at the newest record for the next chunk.
    const newest = Math.max(newestRecord(results), 0);
    position = Math.min(position + seconds * rate(results), newest, results.steps);
    const k = Math.floor(position);
    const atEnd = k >= results.steps || (complete(results) && k >= newest);
    if (k !== state.view.cursor.step || atEnd) {
      ticking = true;
      setCursor((cursor) => {
        cursor.step = k;
        if (atEnd) cursor.playing = false;
      });
      ticking = false;
    }
    if (!atEnd) frame = requestAnimationFrame(tick);
  }

  function setPlaying(playing) {
    const results = getResults();
    if (!results) return;
    setCursor((cursor) => {
      if (playing) {
        let k = cursorStep(results, cursor);
        // Play from the end starts over, as a video player does.
        if (complete(results) && k >= Math.min(results.steps, newestRecord(results))) k = 0;
        cursor.step = k;
        position = k;
      }
      cursor.playing = playing;
    });
  }

  const toggle = () => setPlaying(!state.view.cursor.playing);

  // ---- drawing the cursor: at most once per animation frame ----

  let drawQueued = false;

  function drawNow() {
    drawQueued = false;
    getPlots()?.moveCursor({ results: getResults(), view: state.view });
    renderControls();
  }

  function scheduleDraw() {
    if (drawQueued) return;
    drawQueued = true;
    requestAnimationFrame(drawNow);
  }

  function renderControls() {
    const results = getResults();
    const { cursor } = state.view;
    const k = cursorStep(results, cursor);
    const steps = results?.steps ?? 0;
    for (const control of [play, back, forward, scrubber]) control.disabled = !results;
    scrubber.max = String(steps);
    scrubber.value = String(k);
    scrubber.setAttribute("aria-valuetext", `step ${k} of ${steps}`);
    readout.value = results?.describeStep?.(k) ?? `step ${k} / ${steps}`; // network mode adds the epoch
    play.classList.toggle("is-playing", cursor.playing);
    play.setAttribute("aria-label", cursor.playing ? "Pause" : "Play");
    play.title = cursor.playing ? "Pause (space)" : "Play (space)";
    if (speed.value !== String(cursor.speed)) speed.value = String(cursor.speed);
  }

  store.subscribe((_, change) => {
    if (!change?.cursor) return;
    // A frame of the loop draws right away; a scrub, a key or a hover waits for the next frame.
    if (ticking) return drawNow();
    if (state.view.cursor.playing && frame === null) {
      lastTime = null;
      position = cursorStep(getResults(), state.view.cursor);
      frame = requestAnimationFrame(tick);
    }
    scheduleDraw();
  });

  // ---- controls ----

  play.addEventListener("click", toggle);
  back.addEventListener("click", () => stepBy(-1));
  forward.addEventListener("click", () => stepBy(1));
  scrubber.addEventListener("input", () => seek(Number(scrubber.value)));
  speed.addEventListener("change", () => setCursor((cursor) => { cursor.speed = Number(speed.value); }));

  const help = createShortcutHelp();

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "?" && !takesText(event.target)) {
      event.preventDefault();
      help.open();
      return;
    }
    // Behind a dialog (this help, the code panel) the page's keys rest.
    if (!getResults() || document.querySelector("dialog[open]")) return;
    if (ownsKey(event.target, event.key, scrubber)) return;
    const actions = {
      " ": toggle,
      ArrowLeft: () => stepBy(-1),
      ArrowRight: () => stepBy(1),
      Home: () => seek(0),
      // The newest record, following the stream while it runs.
      End: () => setCursor((cursor) => { cursor.step = null; cursor.playing = false; }),
    };
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });

  // Hovering a path (on the map) or a curve moves the cursor there, unless playback runs.
  const hoverOn = new Map(); // plot → the `on` it was hooked with (Plotly re-creates it on newPlot)

  function onHover(event) {
    if (state.view.cursor.playing) return;
    const point = event.points?.[0];
    if (!point) return;
    const role = point.data?.meta?.role;
    let k = null;
    if (role === "path" || role === "path3d") k = point.pointNumber;
    else if (point.data?.type === "scatter" && !role && typeof point.x === "number") k = point.x; // a curve
    if (Number.isInteger(k) && k !== state.view.cursor.step) seek(k);
  }

  function hookHover() {
    for (const plot of plotElements) {
      if (typeof plot.on === "function" && hoverOn.get(plot) !== plot.on) {
        plot.on("plotly_hover", onHover);
        hoverOn.set(plot, plot.on);
      }
    }
  }

  return {
    /** After each full render: the controls follow the results; playback picks up new chunks. */
    sync() {
      hookHover();
      renderControls();
      const results = getResults();
      if (results && state.view.cursor.step !== null && state.view.cursor.step > results.steps) {
        setCursor((cursor) => { cursor.step = results.steps; });
      }
    },
    /** Redraw the cursor's traces (e.g. the inspector's LBFGS points arrived). */
    redraw: scheduleDraw,
  };
}
