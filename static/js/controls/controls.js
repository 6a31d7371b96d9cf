// The controls column, generated from GET /api/catalog: the surface, the run cards and the
// step settings. Controls only change state through the store; `render` rebuilds them from
// state after structural changes (a run added, an optimizer swapped), while plain value edits
// leave the DOM alone. Nothing here knows any optimizer or scheduler by name.

import { h } from "../ui/dom.js";
import { applyErrors, createField, fieldShell, pathId } from "./fields.js";
import {
  CLIP_KINDS, clipOf, createRun, defaultStepsPerEpoch, duplicateRun, findEntry, runColorCss, runLabel, schedulerCalls,
  toRequest,
} from "../state/experiment.js";
import { formatNumber } from "../ui/format.js";
import { limitOf } from "../state/limits.js";
import { getIn, setIn } from "../state/store.js";

/** Past this many entries a picker gets a filter box. */
const FILTER_THRESHOLD = 20;
const SOURCE_NAMES = { torch: "torch", pytorch_optimizer: "pytorch-optimizer" };

// Experiment settings that always have a value; the spec's default is what "reset" restores.
const STEPS = { name: "steps", kind: "int", default: 500 };
const TOLERANCE = { name: "tolerance", kind: "float", default: 1e-6 };
const INTERVAL = { name: "interval", kind: "choice", choices: ["step", "epoch"], default: "step" };
const STEPS_PER_EPOCH = { name: "steps_per_epoch", kind: "int" }; // its default: defaultStepsPerEpoch(steps)
const NOISE_STD = { name: "std", kind: "float", default: 0 };
const NOISE_SEED = { name: "seed", kind: "int", default: 0 };
// Clipping (design.md §11): off, or by norm or value with a bound (the pytorch-optimizer gallery's 1.0 first).
const CLIP_BY = { name: "clip by", kind: "choice", choices: ["off", ...CLIP_KINDS], default: "off" };
const CLIP_BOUND = 1.0;

const ICON_PATHS = {
  duplicate: "M8 8h11v11H8z M5 16V5h11",
  remove: "M6 6l12 12 M18 6L6 18",
};

function icon(name) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.classList.add("icon-stroke");
  const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", ICON_PATHS[name]);
  svg.append(path);
  return svg;
}

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

function groupBySource(entries) {
  const groups = new Map();
  for (const entry of entries) {
    if (!groups.has(entry.source)) groups.set(entry.source, []);
    groups.get(entry.source).push(entry);
  }
  return groups;
}

/**
 * A labelled <select> of catalog entries grouped by source, with a filter box once the list
 * is long. `onChange(id | null)`; `noneLabel` adds a "none" option.
 */
/**
 * An entry's name as the list shows it: with its source where another source has the same name
 * (RAdam, ASGD, Adamax from torch and the zoo), so the closed select still tells them apart.
 */
export function optionNames(entries) {
  const sources = new Map();
  for (const entry of entries) sources.set(entry.name, new Set([...(sources.get(entry.name) ?? []), entry.source]));
  return (entry) => (sources.get(entry.name).size > 1
    ? `${entry.name} · ${SOURCE_NAMES[entry.source] ?? entry.source}` : entry.name);
}

function createPicker({ path, label, entries, value, onChange, testid, noneLabel = null }) {
  const id = pathId(path);
  const optionName = optionNames(entries);
  const select = h("select", {
    id, "aria-describedby": `${id}-error`, dataset: testid ? { testid } : {},
    onchange: () => onChange(select.value === "" ? null : select.value),
  });

  function fill(query = "") {
    const needle = query.trim().toLowerCase();
    const matches = (entry) =>
      entry.id === value || !needle || `${entry.name} ${entry.id} ${entry.doc ?? ""}`.toLowerCase().includes(needle);
    const groups = [...groupBySource(entries.filter(matches))].map(([source, members]) =>
      h("optgroup", { label: SOURCE_NAMES[source] ?? source },
        members.map((entry) => h("option", { value: entry.id, title: entry.doc || null }, optionName(entry)))));
    const none = noneLabel ? [h("option", { value: "" }, noneLabel)] : [];
    select.replaceChildren(...none, ...groups);
    select.value = value ?? "";
  }
  fill();

  const filter = entries.length > FILTER_THRESHOLD
    ? h("input", {
      type: "search", class: "picker-filter", placeholder: `Filter ${entries.length}…`,
      "aria-label": `Filter the ${label.toLowerCase()} list`, oninput: (event) => fill(event.target.value),
    })
    : null;
  const doc = findEntry(entries, value)?.doc;
  return fieldShell({
    path, label, wide: true, extraClass: "picker",
    control: h("div", { class: "picker-control" }, filter, select, doc ? h("p", { class: "doc" }, doc) : null),
  });
}

export function createControls({ store, catalog, root }) {
  const surfaceForm = root.querySelector("#surface-form");
  const runList = root.querySelector("#run-list");
  const settingsForm = root.querySelector("#settings-form");
  const addRunButton = root.querySelector("#add-run");
  const experimentError = root.querySelector("#experiment-error");
  const { state } = store;
  const maxRuns = limitOf(catalog, "max_runs");

  const change = (mutate, flags = {}) => store.update((s) => mutate(s.experiment), { experiment: true, ...flags });
  const setAt = (path, value, flags) =>
    change((experiment) => setIn(experiment, path, value), { surface: path[0] === "surface", ...flags });

  /** A field for an optional hyperparameter: unset means torch's default. */
  const paramField = (spec, path, testids) =>
    createField({ spec, path, value: getIn(state.experiment, path), onChange: (v) => setAt(path, v), kinds, testids });

  /** A field for a setting that always has a value: reset restores the spec's default. */
  const settingField = (spec, path, flags = {}) => {
    const value = getIn(state.experiment, path);
    const isDefault = JSON.stringify(value) === JSON.stringify(spec.default);
    return createField({
      spec, path, value: isDefault ? undefined : value,
      onChange: (v) => setAt(path, v ?? spec.default, flags),
    });
  };

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

  const paramFields = (entry, basePath) =>
    h("div", { class: "fields" }, entry.params.map((spec) => paramField(spec, [...basePath, spec.name])));

  // ---- nested scheduler specs (kind "schedulers", e.g. SequentialLR's children) ----

  const childSchedulers = catalog.schedulers.filter((entry) => !entry.params.some((p) => p.kind === "schedulers"));

  const kinds = {
    schedulers: {
      render({ spec, path, emit }) {
        const list = h("ol", { class: "nested-list" });
        let children = [];
        const commit = () => emit(structuredClone(children));

        function childEditor(child, index) {
          const childPath = [...path, index];
          const entry = findEntry(catalog.schedulers, child.id);
          const picker = createPicker({
            path: childPath, label: `Scheduler ${index + 1}`, entries: childSchedulers, value: child.id,
            onChange: (id) => {
              children[index] = { id, params: {} };
              commit();
              show(children);
            },
          });
          const remove = h("button", {
            type: "button", class: "button button-quiet button-icon", "aria-label": `Remove scheduler ${index + 1}`,
            title: `Remove scheduler ${index + 1}`,
            onclick: () => {
              children.splice(index, 1);
              commit();
              show(children);
            },
          }, icon("remove"));
          const fields = (entry?.params ?? []).map((param) => createField({
            spec: param, path: [...childPath, "params", param.name], value: child.params?.[param.name],
            onChange: (value) => {
              child.params ??= {};
              if (value === undefined) delete child.params[param.name];
              else child.params[param.name] = value;
              commit();
            },
          }));
          return h("li", { class: "nested-item" },
            h("div", { class: "nested-head" }, picker, remove), h("div", { class: "fields" }, fields));
        }

        const add = h("button", {
          type: "button", class: "button button-quiet", onclick: () => {
            children.push({ id: childSchedulers[0].id, params: {} });
            commit();
            show(children);
          },
        }, "+ Add scheduler");

        function show(value) {
          children = structuredClone(value ?? spec.default ?? []);
          list.replaceChildren(...children.map(childEditor));
        }
        return { element: h("div", {}, list, add), show };
      },
    },
  };

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

  function runCard(run, index) {
    const base = ["runs", index];
    const optimizer = findEntry(catalog.optimizers, run.optimizer.id);
    const surface = findEntry(catalog.surfaces, state.experiment.surface.id);
    const updateRun = (mutate, flags) => change((experiment) => mutate(experiment.runs[index]), flags);
    const structural = { controls: true };

    const head = h("div", { class: "run-head" },
      h("input", {
        type: "color", class: "color-input", value: run.color.toLowerCase(), "aria-label": "Colour",
        oninput: (event) => updateRun((r) => { r.color = event.target.value; }),
      }),
      h("input", {
        type: "text", id: pathId([...base, "label"]), value: run.label, "aria-label": "Label",
        placeholder: runLabel({ ...run, label: "" }, catalog), maxlength: limitOf(catalog, "max_label_length"), class: "run-label",
        oninput: (event) => updateRun((r) => { r.label = event.target.value; }),
      }),
      h("button", {
        type: "button", class: "button button-quiet button-icon", title: "Duplicate this run",
        "aria-label": "Duplicate this run", disabled: state.experiment.runs.length >= maxRuns,
        onclick: () => change((e) => e.runs.splice(index + 1, 0, duplicateRun(e, run)), structural),
      }, icon("duplicate")),
      h("button", {
        type: "button", class: "button button-quiet button-icon", title: "Remove this run",
        "aria-label": "Remove this run", disabled: state.experiment.runs.length === 1,
        onclick: () => change((e) => e.runs.splice(index, 1), structural),
      }, icon("remove")));

    const start = settingField({ name: "start", kind: "float_pair", default: surface.start }, [...base, "start"]);

    const optimizerPicker = createPicker({
      path: [...base, "optimizer"], label: "Optimizer", entries: catalog.optimizers, value: run.optimizer.id,
      testid: "optimizer-select",
      onChange: (id) => updateRun((r) => { r.optimizer = { id, params: {} }; }, structural),
    });

    const scheduler = run.scheduler && findEntry(catalog.schedulers, run.scheduler.id);
    const schedulerPicker = createPicker({
      path: [...base, "scheduler"], label: "LR scheduler", entries: catalog.schedulers,
      value: run.scheduler?.id ?? null, testid: "scheduler-select", noneLabel: "none",
      onChange: (id) => updateRun((r) => {
        r.scheduler = id && { id, params: {}, interval: "step", steps_per_epoch: 1 };
      }, structural),
    });
    const schedulerFields = scheduler ? [
      paramFields(scheduler, [...base, "scheduler", "params"]),
      h("div", { class: "fields" },
        createField({
          spec: INTERVAL, path: [...base, "scheduler", "interval"],
          value: run.scheduler.interval === "step" ? undefined : run.scheduler.interval,
          // Per epoch starts with EPOCHS_BY_DEFAULT epochs, so choosing it changes the schedule at once.
          onChange: (v) => updateRun((r) => {
            r.scheduler.interval = v ?? "step";
            r.scheduler.steps_per_epoch = r.scheduler.interval === "epoch" ? defaultStepsPerEpoch(state.experiment.steps) : 1;
          }, structural),
        }),
        run.scheduler.interval === "epoch"
          ? settingField({ ...STEPS_PER_EPOCH, default: defaultStepsPerEpoch(state.experiment.steps) },
            [...base, "scheduler", "steps_per_epoch"], structural)
          : null),
      h("p", { class: "field-note", dataset: { testid: "scheduler-calls" } }, schedulerCallsText(index)),
    ] : [];

    const noise = h("div", { class: "fields" },
      settingField(NOISE_STD, [...base, "noise", "std"]), settingField(NOISE_SEED, [...base, "noise", "seed"]));

    const clip = clipOf(run);
    const clipping = h("div", { class: "fields" },
      createField({
        spec: CLIP_BY, path: [...base, "clip"], value: clip?.[0], testids: { input: "clip-select" },
        onChange: (kind) => updateRun((r) => {
          r.clip = kind ? { [kind]: clipOf(r)?.[1] ?? CLIP_BOUND } : null;
        }, structural),
      }),
      clip ? settingField({ name: clip[0], kind: "float", default: CLIP_BOUND }, [...base, "clip", clip[0]]) : null);

    const card = h("details", {
      class: "run-card", open: !state.view.collapsedRuns.has(run.key),
      ontoggle: (event) => store.update((s) => {
        if (event.target.open) s.view.collapsedRuns.delete(run.key);
        else s.view.collapsedRuns.add(run.key);
      }, {}),
    },
    h("summary", {}, h("span", { class: "run-title" }, runLabel(run, catalog))),
    fieldShell({
      path: base, extraClass: "run-body",
      control: h("div", { class: "run-sections" },
        head,
        h("div", { class: "fields" }, start),
        h("div", { class: "subsection" }, optimizerPicker, paramFields(optimizer, [...base, "optimizer", "params"])),
        h("div", { class: "subsection" }, schedulerPicker, schedulerFields),
        h("details", { class: "subsection noise" }, h("summary", { class: "section-label" }, "Gradient noise"), noise),
        h("details", { class: "subsection clipping", open: Boolean(clip) },
          h("summary", { class: "section-label" }, "Gradient clipping"), clipping)),
    }));
    card.style.setProperty("--run-color", runColorCss(run.color));
    return h("li", {}, card);
  }

  function renderRuns() {
    runList.replaceChildren(...state.experiment.runs.map(runCard));
    addRunButton.disabled = state.experiment.runs.length >= maxRuns;
  }

  addRunButton.addEventListener("click", () =>
    change((experiment) => experiment.runs.push(createRun(experiment, catalog)), { controls: true }));

  return {
    /** Rebuild every control from state, keeping keyboard focus where it was. */
    render() {
      const focused = document.activeElement?.id;
      renderSurface();
      renderRuns();
      renderSettings();
      if (focused) document.getElementById(focused)?.focus();
      this.showErrors();
    },

    /** Refresh what follows from values without rebuilding: run titles and colours, what "auto" became. */
    refresh() {
      state.experiment.runs.forEach((run, index) => {
        const card = runList.children[index]?.firstElementChild;
        if (!card) return;
        const note = card.querySelector('[data-testid="scheduler-calls"]');
        if (note && run.scheduler) note.textContent = schedulerCallsText(index);
        card.style.setProperty("--run-color", runColorCss(run.color));
        card.querySelector(".run-title").textContent = runLabel(run, catalog);
        card.querySelector(".run-label").placeholder = runLabel({ ...run, label: "" }, catalog);
      });
    },

    /** Show the API's 422 issues next to their fields; the rest above the controls. */
    showErrors() {
      const issues = Object.values(state.view.errors).flat();
      const unplaced = applyErrors(root, issues, (path) => getIn(state.experiment, path));
      experimentError.hidden = unplaced.length === 0;
      experimentError.textContent = unplaced.map((issue) => issue.msg).join(" ");
    },
  };
}
