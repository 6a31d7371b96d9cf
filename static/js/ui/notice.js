// The page's notice above the map: what a link could not load, a copied link, a view that failed.

import { h } from "./dom.js";

/**
 * The notice above the map: `notice(message, {kind, timeout, link})` shows a message (with a
 * selected, copyable `link` if given) until dismissed or `timeout` ms; `notice(null)` hides it.
 */
export function createNotice(element) {
  let timer = null;
  function notice(message, { kind = "warning", timeout = 0, link = null } = {}) {
    clearTimeout(timer);
    element.hidden = !message;
    element.replaceChildren();
    if (!message) return;
    element.dataset.kind = kind;
    const field = link
      ? h("input", {
        type: "text", class: "notice-link", readonly: true, value: link, "aria-label": "Link to this experiment",
      })
      : null;
    element.append(
      h("p", { class: "notice-text" }, message), ...(field ? [field] : []),
      h("button", {
        type: "button", class: "button button-quiet button-icon notice-close", "aria-label": "Dismiss this message",
        title: "Dismiss", onclick: () => notice(null),
      }, "×"));
    if (field) {
      field.focus();
      field.select();
    }
    if (timeout) timer = setTimeout(() => notice(null), timeout);
  }
  return notice;
}
