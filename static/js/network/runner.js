// Running the training: a new run aborts the previous stream (the server stops too), and the result
// grows in the store (`state.network.result`, the `trainingResults` flag) epoch by epoch, before the
// landscape arrives. A 422's issues land next to their fields (paths under FIELD_PREFIX).

import { ApiError, streamTraining } from "../api/client.js";
import { FIELD_PREFIX, toTrainingRequest } from "./state.js";
import { applyTrainingEvent, startTraining } from "./results.js";

/** API issue locations as page field paths: ["body", "task", "model", "hidden"] → ["network", "task", ...]. */
export function trainingIssues(issues) {
  return issues.map((issue) => ({
    ...issue, path: [...FIELD_PREFIX, ...(issue.loc ?? []).filter((part) => part !== "body")],
  }));
}

/**
 * Returns `run()`: stream the training as the state has it. `onFinished()` is called when the whole
 * result is in (the first-draw mark waits for it); `setBusy` and `status` show it runs.
 */
export function createTrainingRunner({ store, catalog, status, setBusy, onFinished }) {
  let controller = null;
  const showResult = (mutate) => store.update((s) => mutate(s.network), { trainingResults: true });
  const setErrors = (issues) => store.update((s) => { s.network.errors = issues; }, { trainingErrors: true });

  async function run() {
    controller?.abort();
    const mine = (controller = new AbortController());
    const { training } = store.state.network;
    const request = toTrainingRequest(training, catalog);
    const colors = training.runs.map((entry) => entry.color);
    const sentAt = performance.now();
    status.textContent = "Training…";
    setBusy(true);
    try {
      for await (const event of streamTraining(request, { signal: mine.signal })) {
        if (event.event === "training") {
          showResult((network) => { network.result = startTraining(event, { request, colors, sentAt }); });
          setErrors([]);
        } else {
          showResult((network) => applyTrainingEvent(network.result, event));
        }
        if (event.event === "error") setErrors([{ path: [], msg: `The training stopped: ${event.detail}` }]);
      }
      onFinished();
    } catch (error) {
      if (mine.signal.aborted) return;
      showResult((network) => { if (network.result && !network.result.finishedAt) network.result.stopped = true; });
      setErrors(error instanceof ApiError ? trainingIssues(error.issues) : [{ path: [], msg: error.message }]);
      status.textContent = "";
    } finally {
      if (controller === mine) setBusy(false);
    }
  }

  return { run, abort: () => controller?.abort() };
}
