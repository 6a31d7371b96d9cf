// Presenter mode: the page for a projector. Controls tucked away, the lesson as a banner, large type
// and thick lines (css/teach.css sets the sizes; plot/theme.js reads them), ←/→ (or a clicker's
// PageUp/PageDown) between lessons, Esc to leave, and a QR code of the page's URL in a corner so
// students open the same experiment on their phones. On a short screen the lesson's text folds
// away, leaving its title and what to look for, so the map keeps most of the height.

import { limitOf } from "../state/limits.js";
import { choices } from "../ui/choices.js";
import { byTestId, h } from "../ui/dom.js";

const QR_DEBOUNCE_MS = 300;
const TYPING = new Set(["INPUT", "SELECT", "TEXTAREA"]);
/** The most of the screen's height the lesson banner may take before its text folds away. */
const BANNER_SHARE = 0.3;

/**
 * The QR code of the current page, from the server (`GET /api/qr`), inserted as inline SVG. It encodes
 * the page's short link (teach/short-link.js), so it stays small enough to scan from the back of a
 * room; the full URL only when no short link can be stored.
 */
function createQrCode(box, shortener, maxUrlLength) {
  let controller = null;
  let timer = null;
  let shownFor = null;

  async function update() {
    const url = location.href;
    if (url === shownFor) return;
    controller?.abort();
    controller = new AbortController();
    const { signal } = controller;
    try {
      const encoded = await shortener.shorten({ signal }).catch((error) => {
        if (error.name === "AbortError") throw error;
        return url; // no store (or it is down): the full URL, if a QR code can hold it
      });
      if (encoded.length > maxUrlLength) {
        shownFor = url;
        box.replaceChildren(h("p", { class: "qr-caption" },
          "This experiment's link is too long for a QR code: share it with the Share button."));
        return;
      }
      const response = await fetch(`/api/qr?url=${encodeURIComponent(encoded)}`, { signal });
      if (!response.ok) throw new Error(`The QR code could not be made (${response.status}).`);
      const target = response.headers.get("X-QR-URL") ?? url;
      const parsed = new DOMParser().parseFromString(await response.text(), "image/svg+xml");
      const svg = parsed.documentElement;
      if (svg.localName !== "svg") throw new Error("The QR code could not be read.");
      svg.setAttribute("role", "img");
      svg.setAttribute("aria-label", `QR code: ${target}`);
      shownFor = url;
      box.dataset.url = target;
      box.replaceChildren(
        h("p", { class: "qr-caption" },
          "Scan to open this experiment", h("span", { class: "qr-host" }, new URL(target).host)),
        document.importNode(svg, true));
    } catch (error) {
      if (error.name === "AbortError") return;
      box.replaceChildren(h("p", { class: "qr-caption" }, error.message));
    }
  }

  return {
    /** Follow the URL (debounced: it changes on every edit). */
    schedule() {
      clearTimeout(timer);
      timer = setTimeout(update, QR_DEBOUNCE_MS);
    },
    update,
  };
}

/** The presenter button and mode; `lessons` moves between lessons (see teach/lessons.js). */
export function createPresenter({ store, catalog, lessons, shortener }) {
  const { state } = store;
  const button = byTestId("presenter-button");
  const box = byTestId("qr-code");
  const banner = document.getElementById("lesson-banner");
  const charts = document.querySelector(".charts");
  const qr = createQrCode(box, shortener, limitOf(catalog, "max_qr_url_length"));
  let exitButton = null;
  let bannerHome = null;
  const boxHome = { parent: box.parentElement, next: box.nextSibling };

  /** Fold the lesson's text away while the whole banner would take more than BANNER_SHARE of the screen. */
  function fitBanner() {
    banner.classList.remove("is-folded");
    if (state.view.presenting && banner.scrollHeight > window.innerHeight * BANNER_SHARE) {
      banner.classList.add("is-folded");
    }
  }

  function set(presenting) {
    if (Boolean(state.view.presenting) === presenting) return;
    // The class first: the plots re-read their sizes from the CSS when the view changes.
    document.documentElement.classList.toggle("presenting", presenting);
    store.update((s) => { s.view.presenting = presenting; }, { view: true, presenting: true });
    button.setAttribute("aria-pressed", String(presenting));
    box.hidden = !presenting;
    if (presenting) {
      // The lesson spans the screen's top: moved out of the map column while presenting.
      bannerHome = { parent: banner.parentElement, next: banner.nextSibling };
      document.querySelector(".workbench").prepend(banner);
      banner.open = true;
      charts.append(box); // beside the LR plot (css/teach.css)
      fitBanner();
      qr.update();
      // Its spoken name starts with its visible word (WCAG 2.5.3).
      exitButton ??= h("button", {
        type: "button", class: "button presenter-exit",
        "aria-label": "Exit presenter mode", title: "Leave presenter mode (Esc)",
        onclick: () => set(false),
      }, "Exit ✕");
      // In the banner's grid cell (css/teach.css), so the row grows to hold it and no plot's toolbar
      // sits under it; focus goes to the banner, not to "Exit", so Space plays instead of leaving.
      banner.after(exitButton);
      document.activeElement?.blur();
      banner.focus({ preventScroll: true });
    } else {
      bannerHome?.parent.insertBefore(banner, bannerHome.next);
      boxHome.parent.insertBefore(box, boxHome.next);
      fitBanner();
      exitButton?.remove();
      button.focus();
    }
  }

  button.setAttribute("aria-pressed", "false");
  banner.tabIndex = -1; // focusable by script only: where presenter mode puts the keyboard
  button.addEventListener("click", () => set(!state.view.presenting));

  // Capture phase: while presenting, the arrows belong to the lessons, before any other shortcut.
  window.addEventListener("keydown", (event) => {
    if (!state.view.presenting || event.altKey || event.ctrlKey || event.metaKey) return;
    const typing = TYPING.has(event.target.tagName) && event.target.type !== "range";
    if (typing && !choices.givesBack(event.target, event.key)) return;
    if (document.querySelector("dialog[open]")) return; // the dialog's keys: Esc closes it
    const direction = { ArrowRight: 1, PageDown: 1, ArrowLeft: -1, PageUp: -1 }[event.key];
    if (event.key === "Escape") {
      set(false);
    } else if (direction) {
      lessons.step(direction);
    } else {
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
  }, { capture: true });

  // A new lesson's text (teach/lessons.js) or a new window size: fit the banner again.
  new MutationObserver(() => state.view.presenting && fitBanner()).observe(banner, { childList: true });
  window.addEventListener("resize", () => state.view.presenting && fitBanner());

  window.addEventListener("optimlab:urlchange", () => {
    if (state.view.presenting) qr.schedule();
  });

  return { set };
}
