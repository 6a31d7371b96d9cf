// aria-busy on the views while a computation is under way: assistive tech, and the browser tests, wait
// for it to clear before they read what is drawn. Two parts of the page know a part of it: the stream
// runner, from the request until its last event; the renderer, while what it last drew was partial (the
// last events come before the frame that draws them). The views are busy while either says so: a
// renderer redrawing the previous, finished result while the next request waits for its first event
// does not clear the mark.

/** The mark on `elements`: {streaming(busy), drawing(busy)}, each part saying its own. */
export function createBusyMark(elements) {
  const says = { streaming: false, drawing: false };
  function set(part, busy) {
    says[part] = busy;
    const value = String(says.streaming || says.drawing);
    for (const element of elements) element.setAttribute("aria-busy", value);
  }
  return { streaming: (busy) => set("streaming", busy), drawing: (busy) => set("drawing", busy) };
}
