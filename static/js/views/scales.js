// Each curve plot's log/linear toggle (`<plot>-scale` in index.html): a click sets the reader's scale
// in `view.scales`, the figure (figures/curves.js) draws it and says which scale it drew, and the
// button follows (design.md §7). In the link (state/url.js "a"): a shared picture keeps its axes.

/** The toggle of the plot element `plot` (its data-testid + "-scale"). */
const toggleOf = (plot) => document.querySelector(`[data-testid="${plot.dataset.testid}-scale"]`);

/** Show the scale a plot was drawn on: the button reads "log" pressed, or "linear" not. */
export function showScale(plot, scale) {
  const button = toggleOf(plot);
  if (!button) return;
  const log = scale === "log";
  button.setAttribute("aria-pressed", String(log));
  button.textContent = log ? "log" : "linear";
  button.title = log ? "Log scale: click for linear" : "Linear scale: click for log";
}

/** Wire the toggles: a click flips the plot's scale from the one it shows. */
export function createScaleToggles({ store, plots }) {
  for (const [name, plot] of Object.entries(plots)) {
    toggleOf(plot)?.addEventListener("click", (event) => {
      const shown = event.currentTarget.getAttribute("aria-pressed") === "true" ? "log" : "linear";
      store.update((s) => { s.view.scales[name] = shown === "log" ? "linear" : "log"; }, { view: true });
    });
  }
}
