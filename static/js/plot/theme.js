// The plots' colours and type, resolved from the CSS custom properties (css/theme.css), so every
// figure follows the light or dark theme and presenter mode. Reads the DOM when called, never on
// import.

import { runColorCss } from "../state/experiment.js";

/** The theme's colours by name, from their CSS tokens. */
const TOKENS = {
  bg: "--plot-bg", grid: "--plot-grid", ink: "--plot-ink", low: "--map-low", mid: "--map-mid",
  high: "--map-high", line: "--map-line", minimum: "--minimum-marker", halo: "--path-halo",
  muted: "--ink-muted", sunken: "--surface-sunken", danger: "--danger", dangerSoft: "--danger-soft",
};

let colorProbe = null;

function probe() {
  colorProbe ??= document.body.appendChild(Object.assign(document.createElement("span"), { hidden: true }));
  return colorProbe;
}

/** A CSS colour as rgb(), via a hidden probe (tokens use light-dark(), which only resolves in use). */
function resolveColor(css) {
  probe().style.color = css;
  return getComputedStyle(colorProbe).color;
}

/** The plots' font size in px: `--plot-font-size` (a length, e.g. a clamp() on the viewport), else 12. */
export function plotFontSize() {
  probe().style.fontSize = "var(--plot-font-size, 12px)";
  return Math.round(Number.parseFloat(getComputedStyle(colorProbe).fontSize)) || 12;
}

/** The theme as the figure builders take it: colours, font, sizes and `runColor(color)`. */
export function readTheme() {
  const colors = Object.fromEntries(Object.entries(TOKENS).map(([name, token]) => [name, resolveColor(`var(${token})`)]));
  const style = getComputedStyle(document.body);
  // Presenter mode (css/teach.css) enlarges type and lines for a projector through these two properties.
  const lineScale = Number.parseFloat(style.getPropertyValue("--plot-line-scale")) || 1;
  // A run's colour as drawn: its own, or the theme's stand-in for one that vanishes on this background.
  const shown = new Map();
  const runColor = (color) => {
    const css = runColorCss(color);
    if (css === color) return color;
    if (!shown.has(color)) shown.set(color, resolveColor(css));
    return shown.get(color);
  };
  return { ...colors, font: style.fontFamily, fontSize: plotFontSize(), lineScale, runColor };
}
