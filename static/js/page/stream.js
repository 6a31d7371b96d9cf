// Running a mode's computation (design.md §6 experiments, §10 trainings): a new run aborts the previous
// stream (the server stops too), and the result grows in the store as the events arrive. One runner
// serves both modes; each hands it a small record of where its result and errors live (STREAM_MODES).
// A 422's issues land next to their fields.

import { ApiError, streamExperiment, streamTraining } from "../api/client.js";
import { applyTrainingEvent, startTraining } from "../network/results.js";
import { FIELD_PREFIX, toTrainingRequest } from "../network/state.js";
import { toRequest } from "../state/experiment.js";
import { applyEvent, markStopped, startResults } from "../state/results.js";
import { getIn, setIn } from "../state/store.js";

/**
 * Per page mode: `shown(state)`, whether it shows (only then do the status line and the views' busy mark
 * follow its stream); the stream, `toRequest(source, catalog)` its body, and `source`, where the state keeps
 * what it sends (with the runs whose colours the result keeps); `header`, the first event, which
 * `start(event, {request, colors, sentAt})` turns into an empty result that `apply(result, event)` grows;
 * where the store keeps the result and a failure's issues (paths in the state) and the change flags of
 * each; `fieldPrefix`, the page's path to the fields the API's locations name; the status line's words.
 */
export const STREAM_MODES = Object.freeze({
  surfaces: {
    stream: streamExperiment, toRequest, source: ["experiment"],
    shown: (state) => state.mode !== "network",
    header: "experiment", start: startResults, apply: applyEvent,
    results: ["shown", "results"], resultsChange: { results: true },
    errors: ["view", "errors", "experiment"], errorsChange: { errors: true }, fieldPrefix: [],
    running: "Running…", noun: "run",
  },
  network: {
    stream: streamTraining, toRequest: toTrainingRequest, source: ["network", "training"],
    shown: (state) => state.mode === "network",
    header: "training", start: startTraining, apply: applyTrainingEvent,
    results: ["network", "result"], resultsChange: { trainingResults: true },
    errors: ["network", "errors"], errorsChange: { trainingErrors: true }, fieldPrefix: FIELD_PREFIX,
    running: "Training…", noun: "training",
  },
});

/** API issue locations as page field paths: ["body", "runs", 0, ...] → [...fieldPrefix, "runs", 0, ...]. */
export function fieldIssues(issues, fieldPrefix) {
  return issues.map((issue) => ({
    ...issue, path: [...fieldPrefix, ...(issue.loc ?? []).filter((part) => part !== "body")],
  }));
}

/**
 * Returns {run(), abort()}: `run()` streams the mode's computation as the state has it. `onFinished()` is
 * called when the whole result is in (the finished paths are drawn without the throttle, and the first-draw
 * marks wait for it); `busy` (ui/busy.js) and `status` show it runs, from the request until its last event.
 */
export function createStreamRunner(mode, { store, catalog, status, busy, onFinished }) {
  const { state } = store;
  let controller = null;
  const resultsOf = (s) => getIn(s, mode.results);
  const showResults = (mutate) => store.update(mutate, mode.resultsChange);
  const setErrors = (issues) => store.update((s) => setIn(s, mode.errors, issues), mode.errorsChange);

  async function run() {
    controller?.abort();
    const mine = (controller = new AbortController());
    const source = getIn(state, mode.source);
    const request = mode.toRequest(source, catalog);
    const colors = source.runs.map((entry) => entry.color);
    const sentAt = performance.now();
    if (mode.shown(state)) status.textContent = mode.running; // the other mode's words stay
    busy.streaming(true);
    try {
      for await (const event of mode.stream(request, { signal: mine.signal })) {
        if (event.event === mode.header) {
          showResults((s) => setIn(s, mode.results, mode.start(event, { request, colors, sentAt })));
          setErrors([]);
        } else {
          showResults((s) => mode.apply(resultsOf(s), event));
        }
        if (event.event === "error") setErrors([{ path: [], msg: `The ${mode.noun} stopped: ${event.detail}` }]);
      }
      onFinished();
    } catch (error) {
      if (mine.signal.aborted) return;
      // e.g. a superseded stream's partial paths, when its successor got a 422
      showResults((s) => markStopped(resultsOf(s)));
      setErrors(error instanceof ApiError ? fieldIssues(error.issues, mode.fieldPrefix) : [{ path: [], msg: error.message }]);
      if (mode.shown(state)) status.textContent = "";
    } finally {
      if (controller === mine) busy.streaming(false); // a newer request of this mode keeps the mark
    }
  }

  return { run, abort: () => controller?.abort() };
}
