// Sharing: the page URL follows the state (state/url.js writes and reads the hash), Back and
// Forward load their state, and the share button copies the link.

import { decodeHash, encodeHash, VIEW_SWITCHES } from "../state/url.js";
import { switchMode } from "../network/state.js";
import { showSeedBand } from "../state/experiment.js";
import { byTestId } from "../ui/dom.js";
import { createNotice } from "../ui/notice.js";

/** At most this often (ms) the URL follows the state: history.replaceState is rate-limited by browsers. */
const WRITE_INTERVAL_MS = 200;
const RETRY_MS = 2000;

/**
 * Load the state from the URL (before the page first draws), then mirror every change into it:
 * `history.replaceState` for edits, a new entry for structural changes (a surface, run, optimizer
 * or scheduler swapped, a lesson loaded) so Back undoes them. Back and Forward load their state.
 * The share button copies the link. Returns {notice, flush}: the page's notice, and a way to write
 * the URL at once.
 */
export function createUrlSync({ store, catalog }) {
  const { state } = store;
  const notice = createNotice(document.getElementById("page-notice"));
  let written = null;
  let pendingPush = false;
  let timer = null;

  /**
   * Put a decoded link's state in place of the current experiment and view fields, and switch on
   * its seed bands as a lesson does (the old runs' bands go with their runs).
   */
  function adopt({ state: loaded, seedBands }) {
    Object.assign(state.experiment, loaded.experiment);
    state.network.training = loaded.network.training;
    switchMode(state, loaded.mode); // first: the cursor below is the loaded mode's
    state.view.mode = loaded.view.mode;
    Object.assign(state.view.scales, loaded.view.scales);
    for (const name of VIEW_SWITCHES) state.view[name] = loaded.view[name];
    Object.assign(state.view.cursor, { step: loaded.view.cursor.step, playing: false });
    state.view.lesson = loaded.view.lesson ?? null;
    for (const key of seedBands) showSeedBand(state, key);
  }

  function readLocation() {
    const decoded = decodeHash(location.hash, catalog);
    if (!decoded) return false;
    adopt(decoded);
    notice(decoded.message);
    return true;
  }

  function write() {
    clearTimeout(timer);
    timer = null;
    const hash = encodeHash(state);
    const push = pendingPush;
    pendingPush = false;
    if (hash === written) return;
    const url = `${location.pathname}${location.search}${hash}`;
    try {
      if (push && written !== null) history.pushState(null, "", url);
      else history.replaceState(null, "", url);
    } catch {
      // Safari refuses more than 100 history calls in 30 s: try again in a while.
      pendingPush = push;
      timer = setTimeout(write, RETRY_MS);
      return;
    }
    written = hash;
    window.dispatchEvent(new CustomEvent("optimlab:urlchange", { detail: { url: location.href } }));
  }

  function scheduleWrite({ push = false } = {}) {
    pendingPush ||= push;
    timer ??= setTimeout(write, written === null ? 0 : WRITE_INTERVAL_MS);
  }

  // Before anything renders: the link's experiment, or the defaults (and the URL then says so).
  state.view.lesson ??= null;
  readLocation();
  scheduleWrite();

  store.subscribe((_, change = {}) => {
    if (change.fromUrl || !(change.experiment || change.training || change.mode || change.view || change.cursor || change.lesson)) return;
    // While playing, the cursor moves every frame: the URL takes the step where playback stops.
    if (state.view.cursor.playing && !(change.experiment || change.training || change.mode || change.view || change.lesson)) return;
    scheduleWrite({ push: Boolean(change.controls || change.push) });
  });

  window.addEventListener("popstate", () => {
    if (location.hash === written) return;
    clearTimeout(timer);
    timer = null;
    pendingPush = false;
    if (!readLocation()) return;
    store.update(() => {}, {
      experiment: true, surface: true, controls: true, view: true, cursor: true, lesson: true, fromUrl: true,
      training: true, mode: true,
    });
    write(); // a hand-edited link becomes what this version writes (Back and Forward's own entries stay as they are)
  });

  installShareButton(byTestId("share-link"), { flush: write, notice });
  return { notice, flush: write };
}

/** The share button: copy the page's link; where the clipboard is unavailable, show it selected. */
function installShareButton(button, { flush, notice }) {
  button.addEventListener("click", async () => {
    flush();
    const url = location.href;
    try {
      await navigator.clipboard.writeText(url);
      notice("Link copied: it opens this experiment as you see it.", { kind: "success", timeout: 5000 });
    } catch {
      notice("Copy this link:", { kind: "info", link: url });
    }
  });
}
