// One line over the map for a newcomer (issue 20 item 7): what the first picture shows and where to go
// next. It shows while the page holds the default comparison (design.md §7) and no lesson; once the
// reader changes the experiment or picks a lesson, the picture is theirs and the line goes.

import { createState, toRequest } from "../state/experiment.js";

/** What the default comparison (state/experiment.js) draws, in a newcomer's words. */
const DEFAULT_PICTURE =
  "Four optimizers start at the ring ○ on the Rosenbrock surface and follow its curved valley toward the " +
  "minimum ★ at (1, 1): each line is one optimizer's path, the loss and learning-rate plots follow it step by " +
  "step. Press ▶ to replay it, click the map to move the start, or pick a lesson above.";

export function createOrientation({ store, catalog, element }) {
  const { state } = store;
  const defaultRequest = JSON.stringify(toRequest(createState(catalog).experiment, catalog));
  const update = () => {
    element.hidden = state.view.lesson != null || JSON.stringify(toRequest(state.experiment, catalog)) !== defaultRequest;
  };
  element.textContent = DEFAULT_PICTURE;
  update();
  store.subscribe((_, change = {}) => {
    if (change.experiment || change.lesson) update();
  });
}
