// Light and dark themes: the system's by default; the toggle pins the other one, remembered
// across visits. The CSS does the rest (see css/theme.css).

import { recall, remember } from "./storage.js";

const STORAGE_KEY = "optimlab.theme";
const systemDark = window.matchMedia("(prefers-color-scheme: dark)");

/** "light" | "dark" | "system", as remembered. */
export function savedTheme() {
  const saved = recall(STORAGE_KEY);
  return saved === "light" || saved === "dark" ? saved : "system";
}

export function effectiveTheme(theme) {
  if (theme !== "system") return theme;
  return systemDark.matches ? "dark" : "light";
}

/** Pin `theme` on the page (or follow the system) and remember it. */
export function applyTheme(theme, toggle) {
  if (theme === "system") {
    delete document.documentElement.dataset.theme;
    remember(STORAGE_KEY, null);
  } else {
    document.documentElement.dataset.theme = theme;
    remember(STORAGE_KEY, theme);
  }
  const other = effectiveTheme(theme) === "dark" ? "light" : "dark";
  toggle.setAttribute("aria-label", `Switch to ${other} theme`);
  toggle.title = `Switch to ${other} theme`;
}

/** The theme the toggle switches to: the opposite of what shows, or back to the system's. */
export function nextTheme(theme) {
  const target = effectiveTheme(theme) === "dark" ? "light" : "dark";
  return target === (systemDark.matches ? "dark" : "light") ? "system" : target;
}

export function onSystemThemeChange(callback) {
  systemDark.addEventListener("change", callback);
}
