// The parts of the page the first picture does not need — network mode, the sweeps, the deck, the
// presenter, the code panel, the video and slide exports — load on first use with a dynamic import(),
// and in the background once the first draw is done, so the first click is still instant (design.md §7).
// Their entry points (a button, the mode switch, a link) stay wired from the start: nothing is lost
// while a part loads.

import { FIRST_DRAW_MARK } from "./render.js";

/**
 * A part built on first use: `part.get()` runs `load()` (import and build) once and gives what it built;
 * every caller waits on the same promise. A load that fails is tried again on the next use.
 */
export function lazyPart(load) {
  let pending = null;
  let ready = false;
  let value = null;
  return {
    get() {
      pending ??= Promise.resolve()
        .then(load)
        .then((built) => {
          ready = true;
          value = built ?? null;
          return built;
        }, (error) => {
          pending = null;
          throw error;
        });
      return pending;
    },
    /** Whether the part is built (its own listeners are in place). */
    get ready() {
      return ready;
    },
    /** What the part built, or null before. */
    get value() {
      return value;
    },
  };
}

/**
 * Until `part` is built, a click on `button` builds it and then is given again, to the listener the part
 * installs on the button: a click that arrives while the part loads still acts. `onError(error)` if the
 * part cannot load.
 */
export function loadOnClick(button, part, onError) {
  button.addEventListener("click", (event) => {
    if (part.ready) return;
    event.stopImmediatePropagation();
    part.get().then(() => button.dispatchEvent(new Event("click", { bubbles: true })), onError);
  });
}

/** Run `fn` once the browser idles (within 5 s); Safari has no requestIdleCallback, so a timer there. */
export const whenIdle = (fn) =>
  (globalThis.requestIdleCallback ? requestIdleCallback(fn, { timeout: 5000 }) : setTimeout(fn, 1000));

/** Run `fn` when the browser idles after surfaces mode's first draw: a prefetch never delays that draw. */
export function afterFirstDraw(fn) {
  if (performance.getEntriesByName(FIRST_DRAW_MARK).length) return whenIdle(fn);
  const observer = new PerformanceObserver((list) => {
    if (!list.getEntriesByName(FIRST_DRAW_MARK).length) return;
    observer.disconnect();
    whenIdle(fn);
  });
  observer.observe({ type: "mark" });
}

/** Build `parts` one after another in the background after the first draw; a failure waits for first use. */
export function prefetchAfterFirstDraw(parts) {
  afterFirstDraw(() => parts.reduce((previous, part) => previous.then(() => part.get().catch(() => {})), Promise.resolve()));
}
