// Plotly.js itself: loading its builds once each, and drawing the sweep panel's figures.

import { PANEL_CONFIG } from "./kit.js";

/**
 * Plotly.js builds by what they draw. The page preloads the cartesian one (every 2-D trace; it
 * starts in a third of the full bundle's time, and the first draw waits for it); the full one
 * (from the `plotly` package) is fetched the first time the 3-D view is shown.
 */
const BUILDS = {
  cartesian: () => document.getElementById("plotly-src").href,
  full: () => "/static/vendor/plotly.min.js",
};

const loadingBuilds = new Map(); // one <script> per build however many modules ask

/** Run a Plotly.js build once; resolves to its `Plotly` (each build sets `window.Plotly` as it runs). */
export function loadPlotly(build = "cartesian") {
  if (!loadingBuilds.has(build)) {
    loadingBuilds.set(build, new Promise((resolve, reject) => {
      const script = Object.assign(document.createElement("script"), { src: BUILDS[build]() });
      const start = performance.now();
      // `load` fires in the same task as the script ran, so this is its own Plotly.
      script.addEventListener("load", () => {
        resolve(window.Plotly);
        performance.measure(`optimlab:plotly-${build}`, { start }); // its start-up, for tests and the curious
      });
      script.addEventListener("error", () => {
        loadingBuilds.delete(build); // the next ask tries again
        script.remove();
        reject(new Error("Plotly.js could not be loaded."));
      });
      document.head.append(script);
    }));
  }
  return loadingBuilds.get(build);
}

// ---- the sweep panel's figures ----

let plotly = null;
let resizer = null;
const observed = new WeakSet();

/** Plotly.js's cartesian build: the sweep charts stay on it when the 3-D view brings the full one. */
async function getPlotly() {
  plotly ??= await loadPlotly();
  return plotly;
}

/** Draw `figure` into `element` (Plotly.react); `onClick(event)` is attached on the first draw. */
export async function drawFigure(element, figure, onClick = null) {
  const Plotly = await getPlotly();
  element.hidden = false; // plots start hidden (nothing to show yet); Plotly sizes itself to what it sees
  await Plotly.react(element, figure.data, figure.layout, PANEL_CONFIG);
  if (!observed.has(element)) {
    observed.add(element);
    // A hidden plot (its mode or panel not shown) has no size to fit: Plotly refuses to resize it.
    resizer ??= new ResizeObserver((entries) => {
      for (const entry of entries) if (entry.target.data && entry.target.offsetParent) plotly.Plots.resize(entry.target);
    });
    resizer.observe(element);
    if (onClick) element.on("plotly_click", onClick);
  }
}
