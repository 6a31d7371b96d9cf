// The surface grid the map draws: fetched for the experiment's surface, cached by its settings, and
// handed to the plots through the store (`state.shown.surface` and `.grid`, the `grid` flag).

import { ApiError, getSurfaceGrid } from "../api/client.js";
import { findEntry } from "../state/experiment.js";

const GRID_RESOLUTION = 120;
const GRID_CACHE_SIZE = 24;

/** Grid query errors name a surface parameter (["query", "expression"]); place them on its field. */
function surfaceIssues(error) {
  return error.issues.map((issue) => {
    const name = issue.loc?.at(-1);
    return { ...issue, path: typeof name === "string" && name !== "query" ? ["surface", "params", name] : [] };
  });
}

/** Returns `load()`: fetch the grid of the experiment's surface (a newer load aborts an older one). */
export function createGridLoader({ store, catalog, setErrors }) {
  const { state } = store;
  const cache = new Map();
  let controller = null;

  function remember(key, grid) {
    cache.delete(key);
    cache.set(key, grid);
    if (cache.size > GRID_CACHE_SIZE) cache.delete(cache.keys().next().value);
  }

  return async function load() {
    controller?.abort();
    const mine = (controller = new AbortController());
    const { surface } = state.experiment;
    const entry = findEntry(catalog.surfaces, surface.id);
    if (state.shown.surface !== entry) store.update((s) => Object.assign(s.shown, { surface: entry, grid: null }), { grid: true });
    const key = JSON.stringify(surface);
    try {
      const grid = cache.get(key) ??
        await getSurfaceGrid(surface, { resolution: GRID_RESOLUTION, domain: entry.domain, signal: mine.signal });
      remember(key, grid);
      store.update((s) => { s.shown.grid = grid; }, { grid: true });
      setErrors("surface", []);
    } catch (error) {
      if (mine.signal.aborted) return;
      setErrors("surface", error instanceof ApiError ? surfaceIssues(error) : [{ path: [], msg: error.message }]);
      store.update(() => {}, { grid: true });
    }
  };
}
