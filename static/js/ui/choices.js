// A finished choice gives the keys back: once a <select> has changed (a lesson, a preset, a speed),
// ←/→ and Home/End step playback (or, presenting, the lessons) instead of changing the choice again,
// until the select loses focus. ↑/↓ and Space still belong to it, so it can still be re-chosen by
// keyboard (design.md §7).

/** The keys a settled select hands back to the page. */
export const GIVEN_BACK = new Set(["ArrowLeft", "ArrowRight", "Home", "End"]);

/** Track which selects hold a finished choice: `change` settles one, leaving it (`focusout`) unsettles it. */
export function createChoices(root) {
  const settled = new WeakSet();
  root.addEventListener("change", (event) => {
    if (event.target?.tagName === "SELECT") settled.add(event.target);
  }, true);
  root.addEventListener("focusout", (event) => settled.delete(event.target), true);
  return {
    /** The key is the page's although `target` has focus: a select whose choice is made. */
    givesBack: (target, key) => settled.has(target) && GIVEN_BACK.has(key),
  };
}

/** The page's one tracker (the document's events); a stand-in root where there is no document (tests). */
export const choices = createChoices(globalThis.document ?? new EventTarget());
