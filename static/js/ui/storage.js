// What the page remembers across visits (the theme, the lesson deck), in localStorage when the browser
// lets it. A page framed by another site (a course page embedding optimlab) may have no storage at all:
// reading then throws ("Access is denied for this document"). There the page works as usual and
// remembers nothing.

/** The text remembered under `key`, or null (nothing remembered, or no storage here). */
export function recall(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

/** Remember `text` under `key`, or forget it when `text` is null; a no-op where there is no storage. */
export function remember(key, text) {
  try {
    if (text === null) localStorage.removeItem(key);
    else localStorage.setItem(key, text);
  } catch {
    // No storage in this frame: nothing is remembered.
  }
}
