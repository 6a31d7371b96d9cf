// The controls column of surfaces mode, generated from GET /api/catalog: the surface, the run cards
// (controls/run-cards.js, shared with network mode) and the step settings. Controls only change state
// through the store; `render` rebuilds them from state after structural changes (a run added, an
// optimizer swapped), while plain value edits leave the DOM alone. Nothing here knows any optimizer
// or scheduler by name.

import { h } from "../ui/dom.js";
import { applyErrors, fieldShell, pathId } from "./fields.js";
import { createForm } from "./form.js";
import { createRunCards, schedulerKinds } from "./run-cards.js";
import { createRun, defaultStepsPerEpoch, duplicateRun, findEntry, schedulerCalls, toRequest } from "../state/experiment.js";
import { formatNumber } from "../ui/format.js";

// Experiment settings that always have a value; the spec's default is what "reset" restores.
const STEPS = { name: "steps", kind: "int", default: 500 };
const TOLERANCE = { name: "tolerance", kind: "float", default: 1e-6 };
const STEPS_PER_EPOCH = { name: "steps_per_epoch", kind: "int" }; // its default: defaultStepsPerEpoch(steps)
const NOISE_STD = { name: "std", kind: "float", default: 0 };
const NOISE_SEED = { name: "seed", kind: "int", default: 0 };

/**
 * An "auto" value as the card says it: a count of scheduler calls (a rule in m) with the steps it spans when
 * the scheduler is called per epoch, e.g. "12 calls = 120 steps"; any other value (a learning rate) as a number.
 */
function autoValue(value, rule, stepsPerCall) {
  const counts = /\bm\b/.test(rule) && [value].flat().every(Number.isInteger);
  if (!counts) return [value].flat().map(formatNumber).join(", ");
  const calls = Array.isArray(value) ? `[${value.join(", ")}]` : String(value);
  const steps = [value].flat().map((v) => v * stepsPerCall);
  return `${calls} calls${stepsPerCall > 1 ? ` = ${steps.length > 1 ? `[${steps.join(", ")}]` : steps[0]} steps` : ""}`;
}

/** A surface's params as field specs. The catalog lists them as {name: default}. */
function surfaceParamSpecs(entry) {
  if (Array.isArray(entry.params)) return entry.params;
  return Object.entries(entry.params).map(([name, value]) => ({
    name, kind: typeof value === "string" ? "formula" : "float", default: value,
  }));
}

export function createControls({ store, catalog, root }) {
  const surfaceForm = root.querySelector("#surface-form");
  const settingsForm = root.querySelector("#settings-form");
  const experimentError = root.querySelector("#experiment-error");
  const { state } = store;
  const runList = root.querySelector("#run-list");
  const form = createForm({
    store, docOf: (s) => s.experiment, flag: "experiment", kinds: schedulerKinds(catalog),
    flagsFor: (path) => ({ surface: path[0] === "surface" }),
  });
  const { paramField, settingField } = form;

  /**
   * What m is for this run and what each "auto" argument became: the value the API resolved (the run's
   * `scheduler` in the results, once they are this run's), with the rule it follows (the catalog's `derived`).
   */
  const schedulerCallsText = (index) => {
    const scheduler = state.experiment.runs[index].scheduler;
    const entry = findEntry(catalog.schedulers, scheduler.id);
    const resolved = resolvedScheduler(index);
    const m = resolved?.calls ?? schedulerCalls(state.experiment.steps, scheduler);
    const epoch = scheduler.interval === "epoch" ? scheduler.steps_per_epoch : 1;
    const every = epoch > 1 ? `once every ${epoch} steps` : "once a step";
    const autos = entry.params.filter((p) => p.derived && scheduler.params?.[p.name] === undefined).map((p) => {
      const value = resolved?.auto?.[p.name];
      return value === undefined ? `${p.name} = ${p.derived}` : `${p.name} = ${autoValue(value, p.derived, epoch)} (${p.derived})`;
    });
    return `m = ${m} scheduler calls (${every}).${autos.length ? ` auto: ${autos.join("; ")}.` : ""}`;
  };

  /** The API's resolution of run `index`'s scheduler, when the results shown were computed from this very run. */
  const resolvedScheduler = (index) => {
    const results = state.shown.results;
    const sent = results?.request?.runs?.[index]?.scheduler;
    const current = toRequest(state.experiment, catalog).runs[index]?.scheduler;
    return sent && JSON.stringify(sent) === JSON.stringify(current) && results.steps === state.experiment.steps
      ? results.runs[index]?.scheduler : null;
  };

  const schedulerCallsNote = (index) =>
    h("p", { class: "field-note", dataset: { testid: "scheduler-calls" } }, schedulerCallsText(index));

  // What a surfaces run has beyond a training's: a start on the map, gradient noise, steps per epoch.
  const runCards = createRunCards({
    store, catalog, form, list: runList, addButton: root.querySelector("#add-run"),
    host: {
      interval: "step",
      newRun: (experiment) => createRun(experiment, catalog),
      copyRun: duplicateRun,
      // Per epoch starts with EPOCHS_BY_DEFAULT epochs, so choosing it changes the schedule at once.
      onInterval: (run) => {
        run.scheduler.steps_per_epoch = run.scheduler.interval === "epoch" ? defaultStepsPerEpoch(state.experiment.steps) : 1;
      },
      schedulerExtras: (run, base, entry) => ({
        field: run.scheduler.interval === "epoch"
          ? settingField({ ...STEPS_PER_EPOCH, default: defaultStepsPerEpoch(state.experiment.steps) },
            [...base, "scheduler", "steps_per_epoch"], { controls: true })
          : null,
        note: schedulerCallsNote(state.experiment.runs.indexOf(run)),
      }),
      before: (run, base) => {
        const surface = findEntry(catalog.surfaces, state.experiment.surface.id);
        return h("div", { class: "fields" },
          settingField({ name: "start", kind: "float_pair", default: surface.start }, [...base, "start"]));
      },
      after: (run, base) => h("details", { class: "subsection noise" },
        h("summary", { class: "section-label" }, "Gradient noise"),
        h("div", { class: "fields" },
          settingField(NOISE_STD, [...base, "noise", "std"]), settingField(NOISE_SEED, [...base, "noise", "seed"]))),
    },
  });

  // ---- panels ----
  function renderSurface() {
    const { surface } = state.experiment;
    const entry = findEntry(catalog.surfaces, surface.id);
    const picker = fieldShell({
      path: ["surface", "id"], label: "Surface", wide: true,
      control: h("select", {
        id: pathId(["surface", "id"]), dataset: { testid: "surface-select" },
        onchange: (event) => selectSurface(event.target.value),
      }, catalog.surfaces.map((s) => h("option", { value: s.id, selected: s.id === surface.id }, s.name))),
    });
    const formula = entry.id === "expression"
      ? null
      : h("p", { class: "doc formula field-wide" }, `f(x, y) = ${entry.formula}`);
    const params = surfaceParamSpecs(entry).map((spec) => {
      const testids = spec.kind === "formula" ? { input: "formula-input", error: "formula-error" } : {};
      return paramField(spec, ["surface", "params", spec.name], testids);
    });
    surfaceForm.replaceChildren(h("div", { class: "fields" }, picker, formula, params));
  }

  function selectSurface(id) {
    const entry = findEntry(catalog.surfaces, id);
    store.update((s) => {
      s.experiment.surface = { id, params: {} };
      for (const run of s.experiment.runs) run.start = [...entry.start];
    }, { experiment: true, surface: true, controls: true });
  }

  function renderSettings() {
    settingsForm.replaceChildren(h("div", { class: "fields" },
      settingField(STEPS, ["steps"]), settingField(TOLERANCE, ["tolerance"])));
  }

  return {
    /** Rebuild every control from state, keeping keyboard focus where it was. */
    render() {
      const focused = document.activeElement?.id;
      renderSurface();
      runCards.render();
      renderSettings();
      if (focused) document.getElementById(focused)?.focus();
      this.showErrors();
    },

    /** Refresh what follows from values without rebuilding: run titles and colours, what "auto" became. */
    refresh() {
      runCards.refresh();
      state.experiment.runs.forEach((run, index) => {
        const note = runList.children[index]?.querySelector('[data-testid="scheduler-calls"]');
        if (note && run.scheduler) note.textContent = schedulerCallsText(index);
      });
    },

    /** Show the API's 422 issues next to their fields; the rest above the controls. */
    showErrors() {
      const issues = Object.values(state.view.errors).flat();
      const unplaced = applyErrors(root, issues, form.valueAt);
      experimentError.hidden = unplaced.length === 0;
      experimentError.textContent = unplaced.map((issue) => issue.msg).join(" ");
    },
  };
}
