// Embed mode (design.md §11): `/?embed=1#<state>` in a course page's iframe shows the map, playback
// and legend only (css/embed.css hides the rest), with a link that opens the same experiment in
// optimlab itself. Which sites may frame the page is the server's CSP (OPTIMLAB_FRAME_ANCESTORS).

import { h } from "../ui/dom.js";

/** Whether the page was opened as an embed (`?embed=1`). */
export function isEmbedded() {
  return new URLSearchParams(location.search).get("embed") === "1";
}

/**
 * In embed mode: mark the page (before it first draws, so the map takes the whole frame) and add the
 * "open in optimlab" link, kept on the page's current state as it changes.
 */
export function installEmbed(stage) {
  if (!isEmbedded()) return;
  document.documentElement.classList.add("embedded");
  const link = h("a", {
    class: "embed-open", "data-testid": "open-in-optimlab", target: "_blank", rel: "noopener",
    title: "Open this experiment in optimlab, with all its controls",
  }, "open in optimlab ↗");
  const follow = () => { link.href = `${location.pathname}${location.hash}`; };
  follow();
  window.addEventListener("optimlab:urlchange", follow);
  stage.append(link);
}
