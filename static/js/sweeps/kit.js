// What every tab of the sweep panel shares: a channel that streams sweeps from
// /api/sweeps/stream (a new sweep aborts the previous one of the same channel, so the server
// stops too), its progress bar and a run picker (plot/plotly.js draws their figures).

import { ApiError } from "../api/client.js";
import { h } from "../ui/dom.js";
import { runLabel } from "../state/experiment.js";
import { formatWork } from "./requests.js";
import { SWEEP_MODES } from "./modes.js";

/** Sweeps of one channel streamed at once (the experiment's own stream keeps a connection free). */
const CONCURRENCY = 2;

const sum = (values) => values.reduce((a, b) => a + b, 0);

async function mapLimited(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** An error for people: the API's 422 messages with the field they name, or the message itself. */
export function describeError(error) {
  if (!(error instanceof ApiError)) return error.message;
  return error.issues.map((issue) => {
    const where = (issue.loc ?? []).filter((part) => part !== "body").join(".");
    return where ? `${issue.msg} (${where})` : issue.msg;
  }).join(" ");
}

/**
 * Streams sweeps, one batch at a time. `run(requests, mode)` resolves to the `result` events in order,
 * or null when a newer batch (or `abort`) superseded it; `onProgress({done, total, unit} | null)`. The
 * sweep `mode` (sweeps/modes.js) says where the requests stream and what their work counts.
 */
export function createChannel({ onProgress }) {
  let controller = null;
  return {
    get running() {
      return controller !== null;
    },
    abort() {
      controller?.abort();
      controller = null;
      onProgress(null);
    },
    async run(requests, { stream, work, unit } = SWEEP_MODES.surfaces) {
      controller?.abort();
      const mine = (controller = new AbortController());
      const done = requests.map(() => 0);
      const total = requests.map(work);
      const report = () => mine === controller && onProgress({ done: sum(done), total: sum(total), unit });
      report();
      try {
        return await mapLimited(requests, CONCURRENCY, async (request, i) => {
          for await (const event of stream(request, { signal: mine.signal })) {
            if (event.event === "progress") {
              done[i] = event.done;
              total[i] = event.total;
              report();
            } else if (event.event === "result") {
              done[i] = total[i];
              report();
              return event;
            } else if (event.event === "error") {
              throw new Error(`The sweep stopped: ${event.detail}`);
            }
          }
          throw new Error("The sweep ended without a result.");
        });
      } catch (error) {
        if (mine.signal.aborted) return null;
        mine.abort(); // the other streams of this batch
        throw error;
      } finally {
        if (mine === controller) {
          controller = null;
          onProgress(null);
        }
      }
    },
  };
}

/**
 * A progress bar with its words and a Cancel button, plus a status line and an error line.
 * `show({done, total, unit} | null)` (unit: what the work counts, run-steps unless told); `status(text)`; `error(text | null)`.
 */
export function createProgress({ label, onCancel }) {
  const bar = h("progress", { max: 1, value: 0, "aria-label": label });
  const words = h("span", { class: "sweep-progress-text" });
  const cancel = h("button", { type: "button", class: "button button-quiet", onclick: onCancel }, "Cancel");
  const box = h("div", { class: "sweep-progress", hidden: true }, bar, words, cancel);
  const statusLine = h("p", { class: "sweep-status", role: "status", "aria-live": "polite" });
  const errorLine = h("p", { class: "form-error", role: "alert", hidden: true });
  return {
    element: h("div", { class: "sweep-feedback" }, box, statusLine, errorLine),
    show(progress) {
      box.hidden = progress === null;
      if (!progress) return;
      const { done, total, unit = "run-steps" } = progress;
      bar.max = Math.max(total, 1);
      bar.value = done;
      const percent = Math.floor((100 * done) / Math.max(total, 1));
      words.textContent = `${percent} % of ${formatWork(total)} ${unit}`;
    },
    status(text) {
      statusLine.textContent = text;
    },
    error(text) {
      errorLine.hidden = !text;
      errorLine.textContent = text ?? "";
    },
  };
}

/** A labelled select; `options` = [{value, text}]. Keeps its element when refilled (focus stays). */
export function createSelect({ id, label, onChange, testid = null, wide = false }) {
  const select = h("select", { id, dataset: testid ? { testid } : {}, onchange: () => onChange(select.value) });
  const field = h("div", { class: `field sweep-field${wide ? " field-wide" : ""}` },
    h("div", { class: "field-label" }, h("label", { class: "field-label-text", for: id }, label)), select);
  return {
    element: field,
    select,
    fill(options, value) {
      const same = select.options.length === options.length &&
        options.every((o, i) => select.options[i].value === String(o.value));
      if (same) options.forEach((o, i) => { select.options[i].textContent = o.text; select.options[i].disabled = Boolean(o.disabled); });
      else select.replaceChildren(...options.map((o) => h("option", { value: String(o.value), disabled: Boolean(o.disabled) }, o.text)));
      select.value = String(value);
    },
  };
}

/** The runs as options of a run picker, keyed by run key. */
export function runOptions(experiment, catalog) {
  return experiment.runs.map((run, i) => ({ value: run.key, text: `${i + 1}. ${runLabel(run, catalog)}` }));
}
