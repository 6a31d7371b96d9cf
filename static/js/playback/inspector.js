// The inspector: at the cursor's step, for each run, where it is, its loss and learning rate, the
// gradient it used, the step it actually took, and the optimizer's own state under torch's names
// (`optimizer.state[p]`), ReduceLROnPlateau's counters and LBFGS's closure evaluations.
//
// The main stream stays lean: only while the inspector is open (or the map's vectors are on:
// playback/vectors.js) does the page ask the server for the same experiment again with
// `record_state: true`, and it folds that state into the runs shown (`run.inspect`). Each value carries its exact number in `data-value` (JSON, full
// precision) and `title`, so what the page shows can be checked against the API.

import { streamExperiment } from "../api/client.js";
import { h, swatch } from "../ui/dom.js";
import { formatNumber } from "../ui/format.js";
import { runColorCss } from "../state/experiment.js";
import { cursorStep, recordAt } from "../figures/cursor.js";

/** One sentence per quantity, for students. Optimizer state goes by torch's own names. */
const EXPLAIN = {
  position: "Where the parameters p = (x, y) are after this step.",
  loss: "f(p): the loss at that point.",
  lr: "The learning rate after this step and its scheduler update — the one the next step uses.",
  grad: "The gradient g = ∇f(p) this step used, taken before the step moved p (noise included, if any).",
  delta: "Δp: the step actually taken, from the previous point to this one.",
  effective_lr: "Δp ÷ (−g) per coordinate: the learning rate plain SGD would have needed for the same move. Adaptive optimizers make x and y differ.",
  // torch.optim state
  step: "How many steps the optimizer has taken; Adam-like optimizers use it to undo the start-up bias of their averages.",
  momentum_buffer: "The momentum buffer: past gradients summed with weight `momentum` per step — SGD steps along it, not along g.",
  exp_avg: "Adam's first moment: an exponential moving average of the gradient (weight β₁), the direction it steps in.",
  exp_avg_sq: "Adam's second moment: an exponential moving average of g² (weight β₂); each coordinate's step is divided by its square root.",
  max_exp_avg_sq: "AMSGrad's running maximum of the second moment, so a coordinate's step size never grows back.",
  exp_inf: "Adamax's infinity norm: a decaying maximum of |g| per coordinate, used where Adam uses √exp_avg_sq.",
  mu_product: "NAdam's product of the momentum coefficients so far, for its bias correction.",
  square_avg: "A moving average of g² (weight alpha or rho); each coordinate's step is divided by its square root.",
  grad_avg: "Centered RMSprop's moving average of g; subtracting its square turns square_avg into a variance.",
  sum: "Adagrad's running total of g²; steps are divided by its square root, so they only ever shrink.",
  acc_delta: "Adadelta's moving average of squared updates; it gives the step its units, in place of a learning rate.",
  eta: "ASGD's current learning rate, decaying as the steps go by.",
  mu: "ASGD's averaging weight: how much the newest point counts in the running average of points.",
  ax: "ASGD's running average of the points visited — the averaged solution.",
  prev: "Rprop's previous gradient: only its sign matters, compared with the new one to detect an overshoot.",
  step_size: "Rprop's per-coordinate step length: grown by etaplus while the gradient keeps its sign, cut by etaminus when it flips.",
  variance: "Adafactor's moving average of g² (its second moment, unfactored for a vector).",
  row_var: "Adafactor's factored second moment: the average of g² along rows.",
  col_var: "Adafactor's factored second moment: the average of g² along columns.",
  func_evals: "How many times LBFGS has called the closure (computed f and ∇f) so far.",
  n_iter: "LBFGS's count of inner iterations so far.",
  d: "LBFGS's last search direction: the quasi-Newton direction from its curvature memory.",
  t: "The step length LBFGS took along d in its last inner iteration.",
  H_diag: "LBFGS's scalar guess of the inverse Hessian's scale, from its latest curvature pair.",
  prev_flat_grad: "The gradient at the last point LBFGS evaluated.",
  prev_loss: "The loss at the last point LBFGS evaluated.",
  // ReduceLROnPlateau
  best: "ReduceLROnPlateau's best metric so far (here the mean step loss since its previous call).",
  num_bad_epochs: "Scheduler calls in a row that did not beat best by the threshold; above patience, the LR is cut by factor.",
  cooldown_counter: "Calls left in the cool-down after a cut, during which bad calls are not counted.",
  evaluations: "The points LBFGS's closure evaluated inside this step (inner iterations and line search), drawn as small dots on the map.",
};

const generic = (name) => `Part of this optimizer's state, optimizer.state[p]["${name}"], as torch holds it after this step.`;

const COMMON_NAMES = { position: "p", loss: "f(p)", lr: "lr", grad: "g", delta: "Δp", effective_lr: "Δp ÷ (−g)" };

/** A value for people: a 2-vector as "(a, b)", a count as an integer, a number at 4 figures. */
function show(value) {
  if (value === null || value === undefined) return "—";
  if (Array.isArray(value)) return `(${value.map(show).join(", ")})`;
  return formatNumber(value);
}

/** The same value exactly: JSON keeps every digit of a double. */
const exact = (value) => JSON.stringify(value ?? null);

// ---- folding the state stream into the runs ----

/** Put one `points` event's state at its record indices (idempotent: a restarted stream refills). */
function foldState(run, event) {
  const inspect = (run.inspect ??= { length: 0, state: {}, grad: [], scheduler: null, evaluations: null });
  const put = (target, values) => values.forEach((value, i) => { target[event.start + i] = value; });
  for (const [name, values] of Object.entries(event.state ?? {})) put((inspect.state[name] ??= []), values);
  if (event.grad) put(inspect.grad, event.grad);
  if (event.scheduler_state) {
    inspect.scheduler ??= {};
    for (const [name, values] of Object.entries(event.scheduler_state)) put((inspect.scheduler[name] ??= []), values);
  }
  if (event.evaluations) put((inspect.evaluations ??= []), event.evaluations);
  inspect.length = Math.max(inspect.length, event.start + event.x.length);
}

// ---- the view ----

function item({ group, quantity, label, value, explain, code = false }) {
  return h("div", { class: "inspect-item", dataset: { group, quantity, value: exact(value) } },
    h("dt", { class: code ? "inspect-name is-code" : "inspect-name" }, label),
    h("dd", { class: "inspect-value", title: `${label} = ${exact(value)}` }, show(value)),
    explain ? h("dd", { class: "inspect-explain" }, explain) : null);
}

/**
 * One run's quantities at step k. `explained` holds the names whose sentence an earlier run
 * already shows (each sentence appears once, under its first occurrence); null hides them all.
 */
function runSection(run, index, k, explained) {
  const at = recordAt(run, k);
  const stepText = at < 0 ? "no records yet" : at < k ? `step ${at}, its last` : `step ${at}`;
  const section = h("section", { class: "inspect-run", dataset: { run: String(index), step: String(at) } },
    h("h3", { class: "inspect-title" }, swatch(run.color), h("span", { class: "inspect-label", title: run.label }, run.label),
      h("span", { class: "inspect-step" }, stepText)));
  if (at < 0) return section;
  section.style.setProperty("--run-color", runColorCss(run.color));

  const say = (name) => {
    if (!explained || explained.has(name)) return null;
    explained.add(name);
    return EXPLAIN[name] ?? generic(name);
  };
  const common = (quantity, value) =>
    item({ group: "common", quantity, label: COMMON_NAMES[quantity], value, explain: say(quantity) });
  const items = [common("position", [run.x[at], run.y[at]]), common("loss", run.loss[at]), common("lr", run.lr[at])];

  const inspect = run.inspect;
  const ready = inspect && inspect.length > at;
  if (at > 0) {
    const delta = [run.x[at] - run.x[at - 1], run.y[at] - run.y[at - 1]];
    const grad = ready ? inspect.grad[at] ?? null : undefined;
    if (ready) items.push(common("grad", grad));
    items.push(common("delta", delta));
    if (grad) items.push(common("effective_lr", delta.map((d, i) => (grad[i] === 0 ? null : -d / grad[i]))));
  }
  const list = h("dl", { class: "inspect-list" }, items);
  section.append(list);

  if (!ready) {
    const waiting = inspect ? "Fetching the optimizer's state…" : "Waiting for the optimizer's state…";
    section.append(h("p", { class: "inspect-note" }, waiting));
    return section;
  }
  if (at === 0) {
    section.append(h("p", { class: "inspect-note" },
      "Step 0 is the start: no step taken yet, so no gradient and no optimizer state."));
    return section;
  }
  const stateNames = Object.keys(inspect.state);
  const stateItems = stateNames.map((name) => item({
    group: "state", quantity: name, label: name, value: inspect.state[name][at] ?? null, explain: say(name), code: true,
  }));
  section.append(h("h4", { class: "inspect-subtitle" }, "optimizer.state[p]"),
    stateItems.length ? h("dl", { class: "inspect-list" }, stateItems)
      : h("p", { class: "inspect-note" }, "Empty: this optimizer keeps no state between steps (plain SGD)."));

  if (inspect.scheduler) {
    section.append(h("h4", { class: "inspect-subtitle" }, "ReduceLROnPlateau"),
      h("dl", { class: "inspect-list" }, Object.entries(inspect.scheduler).map(([name, values]) => item({
        group: "scheduler", quantity: name, label: name, value: values[at] ?? null, explain: say(name), code: true,
      }))));
  }
  if (inspect.evaluations) {
    const points = inspect.evaluations[at] ?? [];
    const sentence = say("evaluations");
    const count = points.length === 1 ? "1 point (a dot on the map)" : `${points.length} points (dots on the map)`;
    section.append(h("dl", { class: "inspect-list" }, h("div", {
      class: "inspect-item", dataset: { group: "evaluations", quantity: "evaluations", value: exact(points) },
    },
    h("dt", { class: "inspect-name" }, "closure evaluations"),
    h("dd", { class: "inspect-value", title: exact(points) }, count),
    sentence ? h("dd", { class: "inspect-explain" }, sentence) : null)));
  }
  return section;
}

export function createInspector({ store, root, getResults, onData }) {
  const { state } = store;
  const body = root.querySelector(".inspector-body");
  const heading = root.querySelector(".inspector-step");
  const explainBox = h("input", {
    type: "checkbox", id: "inspector-explain", checked: state.view.inspector.explain,
    onchange: () => store.update((s) => { s.view.inspector.explain = explainBox.checked; }, { inspector: true }),
  });
  const options = h("label", { class: "inspector-option" }, explainBox, " Explain each quantity");
  const content = h("div", { class: "inspect-runs" });
  body.replaceChildren(options, content);

  // ---- the state stream: the shown experiment again, with record_state ----

  let inspected = null; // the results the stream fills
  let controller = null;

  function stopStream() {
    controller?.abort();
    controller = null;
    inspected = null;
  }

  async function fetchState(results) {
    const own = (controller = new AbortController());
    inspected = results;
    results.inspectError = null;
    try {
      for await (const event of streamExperiment({ ...results.request, record_state: true }, { signal: own.signal })) {
        if (event.event === "points") foldState(results.runs[event.run], event);
        else if (event.event === "error") results.inspectError = event.detail;
        scheduleRender();
        onData();
      }
      if (controller === own) controller = null; // done: keep `inspected`, nothing to fetch again
      scheduleRender();
    } catch (error) {
      if (own.signal.aborted) return;
      results.inspectError = error.message;
      inspected = null;
      controller = null;
      scheduleRender();
    }
  }

  // ---- drawing, at most once per frame ----

  let queued = false;
  let drawn = null; // what the DOM shows: rebuilt only when that changes (keeps selection and focus)

  function scheduleRender() {
    if (queued) return;
    queued = true;
    requestAnimationFrame(render);
  }

  function render() {
    queued = false;
    if (!root.open) return;
    const results = getResults();
    const { explain } = state.view.inspector;
    if (!results) {
      drawn = null;
      content.replaceChildren(h("p", { class: "inspect-note" }, "Run an experiment to look inside its optimizers."));
      heading.textContent = "";
      return;
    }
    content.setAttribute("aria-busy", String(Boolean(controller)));
    const k = cursorStep(results, state.view.cursor);
    const key = [k, explain, results.revision, results.inspectError,
      ...results.runs.map((run) => run.inspect?.length ?? -1)].join();
    if (drawn?.results === results && drawn.key === key) return;
    drawn = { results, key };
    heading.textContent = `· step ${k}`;
    const error = results.inspectError
      ? h("p", { class: "form-error" }, `The optimizer's state could not be loaded: ${results.inspectError}`)
      : null;
    const explained = explain ? new Set() : null;
    const sections = results.runs.map((run, i) => runSection(run, i, k, explained));
    content.replaceChildren(...[error, ...sections].filter(Boolean));
  }

  root.addEventListener("toggle", () => {
    if (root.open !== state.view.inspector.open) {
      store.update((s) => { s.view.inspector.open = root.open; }, { inspector: true });
    }
  });

  function sync() {
    const results = getResults();
    if (root.open !== state.view.inspector.open) root.open = state.view.inspector.open;
    const wanted = root.open || state.view.vectors; // the vectors on the map draw the same state
    if (inspected && (inspected !== results || !wanted) && controller) stopStream();
    if (wanted && results?.request && inspected !== results) fetchState(results);
    scheduleRender();
  }

  store.subscribe((_, change) => {
    if (change?.inspector) sync();
    else if (change?.cursor && root.open) scheduleRender();
  });

  return { sync };
}
