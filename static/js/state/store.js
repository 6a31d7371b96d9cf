// The store: the one state object (state/experiment.js) and the change flags that say what a
// mutation touched, so each subscriber does only its part. The flags are declared once, here; an
// update naming any other throws, so a typo fails loudly instead of leaving a view stale.

/** Every change flag and what it means to the subscribers (design.md §7). */
export const CHANGES = Object.freeze({
  experiment: "the experiment changed: re-run it (after a short debounce) and rewrite the URL",
  surface: "the surface or its params changed: load its grid again",
  controls: "a structural change (a run added, an optimizer swapped): rebuild the controls; a new history entry",
  push: "a new history entry even without a structural change (a lesson loaded)",
  errors: "the API's 422 issues changed: show them next to their fields",
  view: "the view changed (mode, theme, presenting, bands): redraw and rewrite the URL",
  cursor: "the shared cursor moved (step, playing, speed): move the cursor alone",
  inspector: "the inspector's settings changed (open, explain)",
  sweeps: "the sweep panel's settings changed (run, colouring, resolutions, ranges)",
  lesson: "the lesson shown changed",
  presenting: "presenter mode switched on or off",
  fromUrl: "the state was read from the URL (Back, Forward): do not write it back",
  grid: "the surface grid drawn changed",
  results: "the results drawn changed (a stream's chunk, its start or its end)",
  overlays: "the seed bands' traces over the plots changed",
  mode: "the page's mode (surfaces | network) switched: show the other mode's rooms and redraw them",
  training: "network mode's training document changed: re-run it (after a short debounce) and rewrite the URL",
  trainingErrors: "network mode's 422 issues changed: show them next to its fields",
  trainingResults: "network mode's result changed (a stream's event, its start or its end): redraw its views",
});

/** Throw on a flag that is not in CHANGES, naming it. */
function checkFlags(change) {
  for (const flag of Object.keys(change)) {
    if (!Object.hasOwn(CHANGES, flag)) throw new Error(`Unknown change flag "${flag}" (state/store.js CHANGES)`);
  }
}

/**
 * A tiny observable store: `update(mutate, change)` runs `mutate(state)`, then every subscriber
 * with `change`, an object of CHANGES flags set to true (none: a change no subscriber redraws for).
 */
export function createStore(state) {
  const listeners = new Set();
  return {
    state,
    update(mutate, change = {}) {
      checkFlags(change);
      mutate(state);
      for (const listener of listeners) listener(state, change);
    },
    subscribe(listener) {
      listeners.add(listener);
    },
  };
}

export function getIn(root, path) {
  return path.reduce((node, key) => (node == null ? undefined : node[key]), root);
}

/** Set (or, for `undefined`, delete) the value at `path`, creating objects on the way. */
export function setIn(root, path, value) {
  const parent = path.slice(0, -1).reduce((node, key) => (node[key] ??= {}), root);
  const last = path.at(-1);
  if (value === undefined && !Array.isArray(parent)) delete parent[last];
  else parent[last] = value;
}
