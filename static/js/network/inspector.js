// Network mode's inspector (design.md §10, §11 "inspector"): at the cursor's step, for the selected run,
// per layer (torch's parameter names, `0.weight`) the norm of each optimizer state tensor under torch's
// names (‖exp_avg‖, ‖momentum_buffer‖ …), the norm of the step's update and the lr; and
// ReduceLROnPlateau's counters at the cursor's epoch. As in surfaces mode the main stream stays lean:
// only while the inspector is open does the page train the same request again with `record_state`.

import { streamTraining } from "../api/client.js";
import { h } from "../ui/dom.js";
import { formatNumber } from "../ui/format.js";

/** A norm as the table shows it: its exact value in `data-value` and `title`, "—" when not recorded. */
function cell(value) {
  if (value === null || value === undefined) return h("td", {}, "—");
  return h("td", { dataset: { value: JSON.stringify(value) }, title: String(value) }, formatNumber(value));
}

/** Append `values` to `target[key]`, first padding it with nulls to `before` steps (names new this epoch). */
function extend(target, key, values, before) {
  const list = (target[key] ??= []);
  while (list.length < before) list.push(null);
  list.push(...values);
}

/** Fold an epoch's (or a run end's) state, update and scheduler_state into the run's records. */
function foldEvent(run, event) {
  const before = run.steps;
  const length = event.steps?.loss?.length ?? 0;
  for (const [name, tensors] of Object.entries(event.state ?? {})) {
    for (const [key, values] of Object.entries(tensors)) extend((run.state[name] ??= {}), key, values, before);
  }
  for (const [name, values] of Object.entries(event.update ?? {})) extend(run.update, name, values, before);
  for (const [key, value] of Object.entries(event.scheduler_state ?? {})) (run.scheduler[key] ??= []).push(value);
  run.steps += length;
}

/**
 * The table of one run at step k (1-based: the k-th step's records) and epoch; the scheduler's
 * counters are per epoch from epoch 0, as the API aligns them with `epochs` (design.md §10).
 */
function runTable(run, lr, k, epoch) {
  const keys = [...new Set(Object.values(run.state).flatMap((tensors) => Object.keys(tensors)))];
  const names = Object.keys(run.update);
  const head = h("tr", {}, h("th", { scope: "col" }, "parameter"),
    ...keys.map((key) => h("th", { scope: "col" }, h("code", {}, `‖${key}‖`))), h("th", { scope: "col" }, "‖update‖"));
  const rows = names.map((name) => h("tr", { dataset: { parameter: name } }, h("th", { scope: "row" }, h("code", {}, name)),
    ...keys.map((key) => cell(run.state[name]?.[key]?.[k - 1])), cell(run.update[name][k - 1])));
  const plateau = Object.keys(run.scheduler).length && epoch > 0
    ? h("p", { dataset: { testid: "network-inspector-plateau" } }, "ReduceLROnPlateau after epoch ", String(epoch), ": ",
      ...Object.entries(run.scheduler).flatMap(([key, values], i) => [i ? ", " : "", h("code", {}, key), " ",
        h("span", { dataset: { key, value: JSON.stringify(values[epoch] ?? null) } }, String(values[epoch] ?? "—"))]))
    : null;
  return [
    h("p", {}, "lr ", h("span", { dataset: { testid: "network-inspector-lr", value: JSON.stringify(lr) } }, formatNumber(lr))),
    h("div", { class: "inspector-scroll", tabindex: "0", role: "region", "aria-label": "State norms per parameter" },
      h("table", { class: "inspector-table" }, h("thead", {}, head), h("tbody", {}, rows))),
    plateau,
  ];
}

/** Add the inspector after `anchor` (a <details>, closed until the reader opens it). */
export function addNetworkInspector({ seam, anchor }) {
  const heading = h("span", { class: "inspector-step" });
  const body = h("div", { class: "inspector-body", "aria-live": "off" });
  const root = h("details", { class: "inspector network-only", id: "network-inspector", dataset: { testid: "network-inspector" } },
    h("summary", {}, "Inspector ", heading), body);
  anchor.after(root);
  let inspected = null; // the result whose state is (being) recorded
  let records = null; // per run: {state, update, scheduler, steps}
  let controller = null;
  let last = null;

  async function record(result) {
    controller?.abort();
    const own = (controller = new AbortController());
    inspected = result;
    const runs = result.runs.map(() => ({ state: {}, update: {}, scheduler: {}, steps: 0 }));
    body.replaceChildren(h("p", {}, "Recording the optimizer's state…"));
    try {
      for await (const event of streamTraining({ ...result.request, record_state: true }, { signal: own.signal })) {
        if (event.event === "epoch" || event.event === "run_end") foldEvent(runs[event.run], event);
      }
      records = runs;
      if (last) draw(last);
    } catch (error) {
      if (!own.signal.aborted) body.replaceChildren(h("p", {}, `The state could not be recorded: ${error.message}`));
    }
  }

  function draw(view) {
    last = view;
    const { result, step, epoch, selectedRun } = view;
    if (!root.open || !result?.finishedAt) return;
    if (inspected !== result) {
      records = null;
      record(result);
      return;
    }
    const run = result.runs[selectedRun];
    if (!records || !run) return; // recording; or the selected run was removed and the next training comes
    heading.textContent = `· ${run.label} · step ${step}`;
    if (step === 0) {
      body.replaceChildren(h("p", {}, "Step 0: the initial weights, before the optimizer has any state."));
      return;
    }
    body.replaceChildren(...runTable(records[selectedRun], run.steps.lr[step - 1], step, epoch));
  }

  root.addEventListener("toggle", () => last && draw(last));
  seam.addView(draw);
}
