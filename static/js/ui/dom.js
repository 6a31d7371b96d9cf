// The DOM helpers every module builds and finds its elements with, and the small pieces several rooms
// share: a run's colour dot and a parameter name that wraps at its underscores.

import { runColorCss } from "../state/experiment.js";

/** Build an element: h("input", {type: "text"}, ...children). `class`, `dataset` and `on*` handled. */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") element.className = value;
    else if (name === "dataset") Object.assign(element.dataset, value);
    else if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name in element && typeof value !== "string") element[name] = value;
    else element.setAttribute(name, value === true ? "" : value);
  }
  element.append(...children.flat().filter((child) => child !== null && child !== undefined));
  return element;
}

/** The element marked `data-testid="<id>"` under `root`: the page's stable handles, the tests' too. */
export const byTestId = (id, root = document) => root.querySelector(`[data-testid="${id}"]`);

/** Whether the page is laid out for a phone (the breakpoint of css/layout.css): the plots come first there. */
export const onPhone = () => window.matchMedia("(max-width: 759px)").matches;

/** A run's colour dot (in the theme's stand-in where its own colour would vanish: state/experiment.js). */
export function swatch(color) {
  const dot = h("span", { class: "run-swatch", "aria-hidden": "true" });
  dot.style.setProperty("--run-color", runColorCss(color));
  return dot;
}

/** A parameter's name that may wrap after each "_" ("weight_|decay"), so a narrow label never breaks mid-word. */
export function breakableName(name) {
  const parts = String(name).split(/(?<=_)/);
  return parts.flatMap((part, i) => (i === 0 ? [part] : [h("wbr"), part]));
}
