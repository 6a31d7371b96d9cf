// The controls column of surfaces mode, generated from GET /api/catalog: the surface, the run cards
// (controls/run-cards.js, shared with network mode) and the step settings. Controls only change state
// through the store; `render` rebuilds them from state after structural changes (a run added, an
// optimizer swapped), while plain value edits leave the DOM alone. Nothing here knows any optimizer
// or scheduler by name.

import { h } from "../ui/dom.js";
import { applyErrors, fieldShell, pathId } from "./fields.js";
import { createForm } from "./form.js";
import { createRunCards, schedulerKinds } from "./run-cards.js";
import { createRun, defaultStepsPerEpoch, duplicateRun, findEntry, schedulerCalls } from "../state/experiment.js";

// Experiment settings that always have a value; the spec's default is what "reset" restores.
const STEPS = { name: "steps", kind: "int", default: 500 };
const TOLERANCE = { name: "tolerance", kind: "float", default: 1e-6 };
const STEPS_PER_EPOCH = { name: "steps_per_epoch", kind: "int" }; // its default: defaultStepsPerEpoch(steps)
const NOISE_STD = { name: "std", kind: "float", default: 0 };
const NOISE_SEED = { name: "seed", kind: "int", default: 0 };

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
  const form = createForm({
    store, docOf: (s) => s.experiment, flag: "experiment", kinds: schedulerKinds(catalog),
    flagsFor: (path) => ({ surface: path[0] === "surface" }),
  });
  const { paramField, settingField } = form;

  /** What m is for this run, and how each "auto" value follows from it (the catalog's `derived`). */
  const schedulerCallsNote = (entry, scheduler) => {
    const m = schedulerCalls(state.experiment.steps, scheduler);
    const every = scheduler.interval === "epoch" ? `once every ${scheduler.steps_per_epoch} steps` : "once a step";
    const autos = entry.params.filter((p) => p.derived).map((p) => `${p.name} = ${p.derived}`);
    return h("p", { class: "field-note", dataset: { testid: "scheduler-calls" } },
      `m = ${m} scheduler calls (${every}).`, autos.length ? ` auto: ${autos.join("; ")}.` : "");
  };

  // What a surfaces run has beyond a training's: a start on the map, gradient noise, steps per epoch.
  const runCards = createRunCards({
    store, catalog, form, list: root.querySelector("#run-list"), addButton: root.querySelector("#add-run"),
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
        note: schedulerCallsNote(entry, run.scheduler),
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

    /** Refresh what follows from values without rebuilding: run titles and colours. */
    refresh: runCards.refresh,

    /** Show the API's 422 issues next to their fields; the rest above the controls. */
    showErrors() {
      const issues = Object.values(state.view.errors).flat();
      const unplaced = applyErrors(root, issues, form.valueAt);
      experimentError.hidden = unplaced.length === 0;
      experimentError.textContent = unplaced.map((issue) => issue.msg).join(" ");
    },
  };
}
