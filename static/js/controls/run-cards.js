// The run cards, for surfaces mode's experiment and network mode's training alike (design.md §7,
// §10): per run a colour, a label, the optimizer and scheduler pickers with their hyperparameter
// fields and gradient clipping; what only one mode has (a start, noise, steps per epoch) comes from
// the mode's `host`. Generated from the catalog; nothing here knows an optimizer by name.

import { clipOf, CLIP_KINDS, findEntry, runColorCss, runLabel } from "../state/experiment.js";
import { limitOf } from "../state/limits.js";
import { h } from "../ui/dom.js";
import { createField, fieldShell, pathId } from "./fields.js";

/** Past this many entries a picker gets a filter box. */
const FILTER_THRESHOLD = 20;
const SOURCE_NAMES = { torch: "torch", pytorch_optimizer: "pytorch-optimizer" };

// Clipping (design.md §11): off, or by norm or value with a bound (the pytorch-optimizer gallery's 1.0 first).
const CLIP_BY = { name: "clip by", kind: "choice", choices: ["off", ...CLIP_KINDS], default: "off" };
const CLIP_BOUND = 1.0;

const ICON_PATHS = {
  duplicate: "M8 8h11v11H8z M5 16V5h11",
  remove: "M6 6l12 12 M18 6L6 18",
};

export function icon(name) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.classList.add("icon-stroke");
  const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", ICON_PATHS[name]);
  svg.append(path);
  return svg;
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

export function createPicker({ path, label, entries, value, onChange, testid, noneLabel = null }) {
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

/** The widget of kind "schedulers": nested scheduler specs (SequentialLR's children), each a picker and its fields. */
export function schedulerKinds(catalog) {
  const childSchedulers = catalog.schedulers.filter((entry) => !entry.params.some((p) => p.kind === "schedulers"));

  return {
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
}

const INTERVALS = ["step", "epoch"];

/**
 * The run cards in `list`, with `addButton`. `form` (controls/form.js) binds them to the document whose
 * `runs` they edit. `host` says what the mode adds:
 *   newRun(doc), copyRun(doc, run)         a new run (the add button), a duplicate
 *   interval                               the scheduler interval a new scheduler gets ("step" | "epoch")
 *   onInterval(run, interval)              after the interval changed (surfaces sets steps per epoch)
 *   schedulerExtras(run, base, entry)      {field, note} beside the interval and under it (steps per epoch, m)
 *   before(run, base), after(run, base)    sections above the optimizer (the start), below the scheduler (noise)
 * Returns {render(), refresh()}.
 */
export function createRunCards({ store, catalog, form, list, addButton, host }) {
  const { state } = store;
  const maxRuns = limitOf(catalog, "max_runs");
  const structural = { controls: true };
  const runs = () => form.doc().runs;
  const interval = { name: "interval", kind: "choice", choices: INTERVALS, default: host.interval };

  const paramFields = (entry, basePath) =>
    h("div", { class: "fields" }, entry.params.map((spec) => form.paramField(spec, [...basePath, spec.name])));

  function runCard(run, index) {
    const base = ["runs", index];
    const optimizer = findEntry(catalog.optimizers, run.optimizer.id);
    const updateRun = (mutate, flags) => form.change((doc) => mutate(doc.runs[index]), flags);

    const head = h("div", { class: "run-head" },
      h("input", {
        type: "color", class: "color-input", value: run.color.toLowerCase(), "aria-label": "Colour",
        oninput: (event) => updateRun((r) => { r.color = event.target.value; }),
      }),
      h("input", {
        type: "text", id: pathId(form.fieldPath([...base, "label"])), value: run.label, "aria-label": "Label",
        placeholder: runLabel({ ...run, label: "" }, catalog), maxlength: limitOf(catalog, "max_label_length"), class: "run-label",
        oninput: (event) => updateRun((r) => { r.label = event.target.value; }),
      }),
      h("button", {
        type: "button", class: "button button-quiet button-icon", title: "Duplicate this run",
        "aria-label": "Duplicate this run", disabled: runs().length >= maxRuns,
        onclick: () => form.change((doc) => doc.runs.splice(index + 1, 0, host.copyRun(doc, run)), structural),
      }, icon("duplicate")),
      h("button", {
        type: "button", class: "button button-quiet button-icon", title: "Remove this run",
        "aria-label": "Remove this run", disabled: runs().length === 1,
        onclick: () => form.change((doc) => doc.runs.splice(index, 1), structural),
      }, icon("remove")));

    const optimizerPicker = createPicker({
      path: form.fieldPath([...base, "optimizer"]), label: "Optimizer", entries: catalog.optimizers,
      value: run.optimizer.id, testid: "optimizer-select",
      onChange: (id) => updateRun((r) => { r.optimizer = { id, params: {} }; }, structural),
    });

    const scheduler = run.scheduler && findEntry(catalog.schedulers, run.scheduler.id);
    const schedulerPicker = createPicker({
      path: form.fieldPath([...base, "scheduler"]), label: "LR scheduler", entries: catalog.schedulers,
      value: run.scheduler?.id ?? null, testid: "scheduler-select", noneLabel: "none",
      onChange: (id) => updateRun((r) => {
        r.scheduler = id && { id, params: {}, interval: host.interval };
        if (r.scheduler) host.onInterval(r);
      }, structural),
    });
    const extras = scheduler ? host.schedulerExtras?.(run, base, scheduler) ?? {} : {};
    const schedulerFields = scheduler ? [
      paramFields(scheduler, [...base, "scheduler", "params"]),
      h("div", { class: "fields" },
        createField({
          spec: interval, path: form.fieldPath([...base, "scheduler", "interval"]),
          value: run.scheduler.interval === host.interval ? undefined : run.scheduler.interval,
          onChange: (v) => updateRun((r) => {
            r.scheduler.interval = v ?? host.interval;
            host.onInterval(r);
          }, structural),
        }),
        extras.field ?? null),
      extras.note ?? null,
    ] : [];

    const clip = clipOf(run);
    const clipping = h("div", { class: "fields" },
      createField({
        spec: CLIP_BY, path: form.fieldPath([...base, "clip"]), value: clip?.[0], testids: { input: "clip-select" },
        onChange: (kind) => updateRun((r) => {
          r.clip = kind ? { [kind]: clipOf(r)?.[1] ?? CLIP_BOUND } : null;
        }, structural),
      }),
      clip ? form.settingField({ name: clip[0], kind: "float", default: CLIP_BOUND }, [...base, "clip", clip[0]]) : null);

    const card = h("details", {
      class: "run-card", open: !state.view.collapsedRuns.has(run.key),
      ontoggle: (event) => store.update((s) => {
        if (event.target.open) s.view.collapsedRuns.delete(run.key);
        else s.view.collapsedRuns.add(run.key);
      }, {}),
    },
    h("summary", {}, h("span", { class: "run-title" }, runLabel(run, catalog))),
    fieldShell({
      path: form.fieldPath(base), extraClass: "run-body",
      control: h("div", { class: "run-sections" },
        head,
        host.before?.(run, base) ?? null,
        h("div", { class: "subsection" }, optimizerPicker, paramFields(optimizer, [...base, "optimizer", "params"])),
        h("div", { class: "subsection" }, schedulerPicker, schedulerFields),
        host.after?.(run, base) ?? null,
        h("details", { class: "subsection clipping", open: Boolean(clip) },
          h("summary", { class: "section-label" }, "Gradient clipping"), clipping)),
    }));
    card.style.setProperty("--run-color", runColorCss(run.color));
    return h("li", {}, card);
  }

  addButton.addEventListener("click", () =>
    form.change((doc) => doc.runs.push(host.newRun(doc)), structural));

  return {
    /** Rebuild the cards from the state. */
    render() {
      list.replaceChildren(...runs().map(runCard));
      addButton.disabled = runs().length >= maxRuns;
    },
    /** Refresh what follows from values without rebuilding: run titles and colours. */
    refresh() {
      runs().forEach((run, index) => {
        const card = list.children[index]?.firstElementChild;
        if (!card) return;
        card.style.setProperty("--run-color", runColorCss(run.color));
        card.querySelector(".run-title").textContent = runLabel(run, catalog);
        card.querySelector(".run-label").placeholder = runLabel({ ...run, label: "" }, catalog);
      });
    },
  };
}
