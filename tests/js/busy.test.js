// The views' aria-busy (static/js/ui/busy.js): busy from a request until its last event, and while a
// partial result is what is drawn; a redraw of the previous, finished result does not clear it; a mark
// whose mode is not shown leaves the views to the mode shown.

import assert from "node:assert/strict";
import { test } from "node:test";

import { createBusyMark } from "../../static/js/ui/busy.js";

function element() {
  const attributes = {};
  return { attributes, setAttribute: (name, value) => { attributes[name] = value; } };
}

test("a request keeps the views busy through a redraw of the finished result before it", () => {
  const [stage, charts] = [element(), element()];
  const busy = createBusyMark([stage, charts], () => true);
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

test("the mode not shown leaves the views' mark alone, and says what it holds when it shows again", () => {
  const stage = element();
  let surfacesShown = true;
  const surfaces = createBusyMark([stage], () => surfacesShown);
  const network = createBusyMark([stage], () => !surfacesShown);
  surfaces.streaming(true);
  surfaces.drawing(true); // a partial experiment drawn, then a network lesson shows
  surfacesShown = false;
  network.streaming(true);
  network.streaming(false);
  network.drawing(false); // the training is drawn
  surfaces.streaming(false); // the experiment's stream ends after it
  assert.equal(stage.attributes["aria-busy"], "false");
  surfacesShown = true;
  surfaces.drawing(false); // back in surfaces mode, its renderer draws the finished experiment
  assert.equal(stage.attributes["aria-busy"], "false");
  surfaces.streaming(true);
  assert.equal(stage.attributes["aria-busy"], "true");
});
