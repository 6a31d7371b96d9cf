// Running the experiment: a new run aborts the previous stream (the server stops too), and the
// results grow in the store (`state.shown.results`, the `results` flag) as chunks arrive.

import { ApiError, streamExperiment } from "../api/client.js";
import { toRequest } from "../state/experiment.js";
import { applyEvent, markStopped, startResults } from "../state/results.js";

/** API issue locations, relative to the experiment: ["body", "runs", 0, ...] → ["runs", 0, ...]. */
function experimentIssues(error) {
  return error.issues.map((issue) => ({ ...issue, path: (issue.loc ?? []).filter((part) => part !== "body") }));
}

/**
 * Returns `run()`: stream the experiment as the state has it. `renderNow()` draws the finished
 * paths without the throttle (they are what the user waits for); `setBusy` and `status` show it runs.
 */
export function createExperimentRunner({ store, catalog, setErrors, renderNow, setBusy, status }) {
  const { state } = store;
  let controller = null;
  const showResults = (mutate) => store.update((s) => mutate(s.shown), { results: true });

  return async function run() {
    controller?.abort();
    const mine = (controller = new AbortController());
    const request = toRequest(state.experiment, catalog);
    const colors = state.experiment.runs.map((entry) => entry.color);
    const sentAt = performance.now();
    status.textContent = "Running…";
    setBusy(true);
    try {
      for await (const event of streamExperiment(request, { signal: mine.signal })) {
        if (event.event === "experiment") {
          showResults((shown) => { shown.results = startResults(event, { request, colors, sentAt }); });
          setErrors("experiment", []);
        } else {
          showResults((shown) => applyEvent(shown.results, event));
        }
        if (event.event === "error") setErrors("experiment", [{ path: [], msg: `The run stopped: ${event.detail}` }]);
      }
      renderNow();
    } catch (error) {
      if (mine.signal.aborted) return;
      // e.g. a superseded stream's partial paths, when its successor got a 422
      showResults((shown) => markStopped(shown.results));
      setErrors("experiment", error instanceof ApiError ? experimentIssues(error) : [{ path: [], msg: error.message }]);
      status.textContent = "";
    }
  };
}
