// The HTTP API (design.md §6): JSON requests and the NDJSON experiment stream.
// Every call takes an AbortSignal so a superseded request stops the server's work too.

/** A non-2xx answer. `issues` are FastAPI's 422 entries ({loc, msg, ...}); other errors get one. */
export class ApiError extends Error {
  constructor(status, body) {
    const detail = body?.detail;
    const issues = Array.isArray(detail)
      ? detail
      : [{ loc: [], msg: typeof detail === "string" ? detail : `The server answered ${status}.` }];
    super(issues.map((issue) => issue.msg).join("; "));
    this.status = status;
    this.issues = issues;
  }
}

async function request(url, { method = "GET", body, signal } = {}) {
  const response = await fetch(url, {
    method,
    signal,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    const payload = await response.json().catch(() => null);
    throw new ApiError(response.status, payload);
  }
  return response;
}

/** Store the page's URL state (the part after `#`) as a short link (design.md §11): {id, url: "/l/<id>"}. */
export async function createShortLink(state, { signal } = {}) {
  return (await request("/api/links", { method: "POST", body: { state }, signal })).json();
}

/** Store a lesson deck (lessons.json's shape): {id, url: "/?deck=<id>"}. */
export async function createDeck(deck, { signal } = {}) {
  return (await request("/api/decks", { method: "POST", body: deck, signal })).json();
}

/** A stored lesson deck. */
export async function getDeck(id, { signal } = {}) {
  return (await request(`/api/decks/${encodeURIComponent(id)}`, { signal })).json();
}

/** The catalog of surfaces, optimizers, schedulers and limits. */
export async function getCatalog() {
  return (await request("/api/catalog")).json();
}

/** The surface sampled on a grid: {x, y, z} with z[j][i] = f(x[i], y[j]). */
export async function getSurfaceGrid(surface, { resolution, domain, signal }) {
  const query = new URLSearchParams({ resolution: String(resolution) });
  for (const [name, value] of Object.entries(surface.params)) query.set(name, String(value));
  if (domain) {
    query.set("x_min", String(domain.x[0]));
    query.set("x_max", String(domain.x[1]));
    query.set("y_min", String(domain.y[0]));
    query.set("y_max", String(domain.y[1]));
  }
  const url = `/api/surfaces/${encodeURIComponent(surface.id)}/grid?${query}`;
  return (await request(url, { signal })).json();
}

/** The LR range test of one run on a training's task (design.md §10): {lr, loss, smoothed, suggestion, ...}. */
export async function findLearningRate(test, { signal } = {}) {
  return (await request("/api/trainings/lr_finder", { method: "POST", body: test, signal })).json();
}

/** POST an experiment and yield the stream's events, one parsed NDJSON line at a time. */
export function streamExperiment(experiment, { signal }) {
  return streamNdjson("/api/experiments/stream", experiment, { signal });
}

/** POST a sweep (design.md §6) and yield its stream's events: `sweep`, `progress`…, then `result`. */
export function streamSweep(sweep, { signal }) {
  return streamNdjson("/api/sweeps/stream", sweep, { signal });
}

/** POST a training sweep (design.md §10) and yield its stream's events: `sweep`, `progress`…, then `result`. */
export function streamTrainingSweep(sweep, { signal }) {
  return streamNdjson("/api/trainings/sweeps/stream", sweep, { signal });
}

/** POST a training (SPEC §10) and yield its stream's events: `training`, `epoch`…, `run_end`, `landscape`, `done`. */
export function streamTraining(training, { signal }) {
  return streamNdjson("/api/trainings/stream", training, { signal });
}

/** Model mode's data sets with their params, and the limits. */
export async function getDatasets() {
  return (await request("/api/datasets")).json();
}

/** The exact points a training on data set `id` with `params` uses: {x_train, y_train, x_val, y_val, ...}. */
export async function getDataset(id, params, { signal } = {}) {
  const query = new URLSearchParams(Object.entries(params).map(([name, value]) => [name, String(value)]));
  return (await request(`/api/datasets/${encodeURIComponent(id)}?${query}`, { signal })).json();
}

async function* streamNdjson(url, body, { signal }) {
  const response = await request(url, { method: "POST", body, signal });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let pending = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      pending += value;
      const lines = pending.split("\n");
      pending = lines.pop();
      for (const line of lines) if (line.trim()) yield JSON.parse(line);
    }
    if (pending.trim()) yield JSON.parse(pending);
  } finally {
    reader.cancel().catch(() => {}); // closes the connection if the consumer stopped early
  }
}
