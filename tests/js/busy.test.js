// The views' aria-busy (static/js/ui/busy.js): busy from a request until its last event, and while a
// partial result is what is drawn; a redraw of the previous, finished result does not clear it.

import assert from "node:assert/strict";
import { test } from "node:test";

import { createBusyMark } from "../../static/js/ui/busy.js";

function element() {
  const attributes = {};
  return { attributes, setAttribute: (name, value) => { attributes[name] = value; } };
}

test("a request keeps the views busy through a redraw of the finished result before it", () => {
  const [stage, charts] = [element(), element()];
  const busy = createBusyMark([stage, charts]);
  busy.streaming(true);
  busy.drawing(false); // the renderer redraws the previous result, finished
  assert.equal(stage.attributes["aria-busy"], "true");
  assert.equal(charts.attributes["aria-busy"], "true");
  busy.drawing(true); // the first partial frame
  busy.streaming(false); // the last event is in; its frame is not drawn yet
  assert.equal(stage.attributes["aria-busy"], "true");
  busy.drawing(false); // the finished result is drawn
  assert.equal(stage.attributes["aria-busy"], "false");
  assert.equal(charts.attributes["aria-busy"], "false");
});
