// Trail playback's switch (design.md §7, §11): the trail button hides the future and plays the paths
// from the start; while it is on, every cursor move redraws the plots (figures/trail.js cuts the runs).
// In presenter mode a lesson starts playing its trail by itself once its runs are in, unless the
// viewer asked for reduced motion.

const REDUCED_MOTION = "(prefers-reduced-motion: reduce)";

/**
 * Wire the trail button; `requestRender({now})` redraws surfaces mode's plots (the renderer's schedule;
 * network mode redraws its own on a cursor move, network/page.js); `getResults()` the mode shown's
 * results, whose arrival starts a presented lesson's trail. Returns {set(on)}.
 */
export function createTrail({ store, button, requestRender, getResults }) {
  const { state } = store;
  let lessonPending = false; // a lesson loaded in presenter mode, waiting for its results to play

  /** Trail on (from step 0, playing unless motion is unwelcome) or off (the whole paths again). */
  function set(on, { play = !window.matchMedia(REDUCED_MOTION).matches } = {}) {
    store.update((s) => {
      s.view.trail = on;
      if (on) Object.assign(s.view.cursor, { step: 0, playing: play });
    }, { view: true, cursor: true });
  }

  function render() {
    button.setAttribute("aria-pressed", String(state.view.trail));
    button.classList.toggle("is-on", state.view.trail);
  }

  button.addEventListener("click", () => set(!state.view.trail));
  render();

  store.subscribe((_, change) => {
    if (change.view) render();
    if (change.cursor && state.view.trail) requestRender({ now: true });
    if ((change.lesson || change.presenting) && state.view.presenting && state.view.lesson) lessonPending = true;
    const results = getResults();
    if (lessonPending && (change.results || change.trainingResults || change.presenting) && results?.finishedAt) {
      lessonPending = false;
      queueMicrotask(() => set(true)); // after every subscriber has seen these results
    }
  });

  return { set };
}
