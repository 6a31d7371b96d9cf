// The page's mode switch (design.md §10): which mode shows, and network mode built on its first
// showing. Network mode's code loads on first use (page/lazy.js), so the switch lives here, loaded from
// the start: a choice made while network mode loads is kept in the store, and the mode acts on it once built.

import { switchMode } from "../network/state.js";

/** Performance mark of the click on the switch (network/page.js measures its first draw from it). */
export const NETWORK_SWITCH_MARK = "optimlab:network-switch";

/**
 * Wire `modeSelect` to the store and show the mode on the page; `network` (a lazyPart) is built the first
 * time network mode shows — by the switch, a lesson or a link. `onError(error)` if it cannot load.
 */
export function createModeSwitch({ store, modeSelect, stage, network, onError }) {
  const { state } = store;

  function showMode() {
    document.body.dataset.mode = state.mode;
    modeSelect.value = state.mode;
    stage.setAttribute("aria-label", state.mode === "network" ? "Loss landscape" : "Surface map");
    if (state.mode === "network") network.get().catch(onError);
  }

  modeSelect.addEventListener("change", (event) => {
    performance.clearMarks(NETWORK_SWITCH_MARK);
    performance.mark(NETWORK_SWITCH_MARK);
    store.update((s) => switchMode(s, event.target.value), { mode: true, cursor: true, controls: true });
  });
  store.subscribe((_, change) => {
    if (change.mode) showMode();
  });
  showMode();
}
