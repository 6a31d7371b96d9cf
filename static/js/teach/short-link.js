// Short links (design.md §11): the page's long URL state stored on the server under a short id, so a
// QR code on the projector holds a few dozen characters (a scannable 29×29 symbol, not 89×89).

import { createShortLink } from "../api/client.js";

/**
 * `shorten()` gives the absolute short URL of the page as it is now (`<origin>/l/<id>`), asking the
 * server once per state: identical states share one id there, and here the last answer is kept.
 */
export function createShortener() {
  let last = { state: null, url: null };

  async function shorten({ signal } = {}) {
    const state = location.hash.slice(1);
    if (state === last.state) return last.url;
    const { url } = await createShortLink(state, { signal });
    last = { state, url: new URL(url, location.href).href };
    return last.url;
  }

  return { shorten };
}

/** The short-link button: copy the page's short URL; where the clipboard is unavailable, show it selected. */
export function installShortLinkButton(button, { shortener, flush, notice }) {
  button.addEventListener("click", async () => {
    flush();
    let url;
    try {
      url = await shortener.shorten();
    } catch (error) {
      notice(`No short link could be made: ${error.message}`);
      return;
    }
    button.dataset.url = url;
    const copied = await navigator.clipboard?.writeText(url).then(() => true, () => false);
    notice(copied ? "Short link copied:" : "Copy this short link:", { kind: copied ? "success" : "info", link: url });
  });
}
