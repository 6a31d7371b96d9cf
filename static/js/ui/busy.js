// aria-busy on the views while a computation is under way: assistive tech, and the browser tests, wait
// for it to clear before they read what is drawn. Two parts of the page know a part of it: the stream
// runner, from the request until its last event; the renderer, while what it last drew was partial (the
// last events come before the frame that draws them). The views are busy while either says so: a
// renderer redrawing the previous, finished result while the next request waits for its first event
// does not clear the mark. Each page mode has its own mark on the same views, written only while that mode
// shows: a stream of the mode not shown (surfaces mode's experiment, re-run under a network lesson) ends
// without touching them, and a mode's next drawing writes what it holds when it shows again.

/**
 * The mark on `elements`: {streaming(busy), drawing(busy)}, each part saying its own; on the views while
 * `shown()` (its mode shows), kept for its next drawing otherwise.
 */
export function createBusyMark(elements, shown) {
  const says = { streaming: false, drawing: false };
  function set(part, busy) {
    says[part] = busy;
    if (!shown()) return;
    const value = String(says.streaming || says.drawing);
    for (const element of elements) element.setAttribute("aria-busy", value);
  }
  return { streaming: (busy) => set("streaming", busy), drawing: (busy) => set("drawing", busy) };
}
