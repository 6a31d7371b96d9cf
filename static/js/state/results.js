// The results of the experiment being shown, built up from the stream's events (design.md §6).
// Plots, the summary table and exports all read this one object.

/**
 * Empty results for the runs the `experiment` event announces, coloured as their cards.
 * `sentAt` is when the request left, so the time shown is what the user waited.
 */
export function startResults(event, { request, colors, sentAt }) {
  return {
    steps: event.steps,
    tolerance: request.tolerance,
    request, // as sent: the inspector asks for the same experiment again, with its optimizer state
    surface: event.surface,
    startedAt: sentAt,
    finishedAt: null,
    stopped: false, // the server ended the stream with an error event
    revision: 0,
    runs: event.runs.map(({ label, scheduler = null }, index) => ({
      label,
      scheduler, // {calls: m, auto: {name: value}}: what its scheduler resolved to (design.md §2); null without one
      color: colors[index],
      x: [],
      y: [],
      loss: [],
      lr: [],
      momentum: null, // design.md §11: momentum or betas[0] per record; null for an optimizer with neither
      status: "running",
      diverged_at: null,
      failed_at: null,
      error: null,
      summary: null,
    })),
  };
}

export const SERIES = ["x", "y", "loss", "lr"];

/** Fold one stream event into `results`; returns whether anything changed. */
export function applyEvent(results, event) {
  if (event.event === "points") {
    const run = results.runs[event.run];
    for (const name of SERIES) for (const value of event[name]) run[name].push(value);
    if (event.momentum) (run.momentum ??= []).push(...event.momentum);
  } else if (event.event === "run_end") {
    const { status, diverged_at, failed_at, error, summary } = event;
    Object.assign(results.runs[event.run], { status, diverged_at, failed_at, error, summary });
  } else if (event.event === "done") {
    results.finishedAt = performance.now();
  } else if (event.event === "error") {
    markStopped(results);
  } else {
    return false;
  }
  results.revision += 1;
  return true;
}

/** The stream ended early (a server error, or the next request failed): unfinished runs stay unfinished. */
export function markStopped(results) {
  if (results && !results.finishedAt) results.stopped = true;
}

/** The known minimum value of the resolved surface, or null. */
export function minimumValue(results) {
  return results.surface?.min_value ?? null;
}
