// The two map tabs of the sweep panel: the basin map (a `start` sweep of one run over the
// surface's domain) and the two-hyperparameter map (a `grid2` sweep, e.g. lr × momentum). Both
// are heatmaps coloured by final loss, steps to tolerance or the minimum reached; clicking a cell
// applies it to the run (its start, or its two hyperparameter values).

import { drawFigure } from "../plot/plotly.js";
import { h } from "../ui/dom.js";
import { formatNumber } from "../ui/format.js";
import { findEntry, runLabel } from "../state/experiment.js";
import { limitOf } from "../state/limits.js";
import { availableModes, MAP_MODES, mapFigure } from "../figures/sweep-map.js";
import { theoryApplies, theoryHint, theoryTraces } from "../figures/theory.js";
import { createChannel, createProgress, createSelect, describeError, runOptions } from "./kit.js";
import {
  BASIN_RESOLUTION, BASIN_RESOLUTIONS, defaultRange, fingerprint, fittingResolutions, formatWork,
  GRID2_RESOLUTION, GRID2_RESOLUTIONS, rangeProblem, rangeValues, sweepRequest,
} from "./requests.js";
import { setValue, sweepableNames, valueOf } from "./names.js";

/** What the two map tabs say and are called: the sweep kind, the figure's role, test id and words. */
const MAP_TABS = {
  basin: {
    kind: "basin", role: "basin-map", testid: "basin-plot", title: "Basin map", noun: "basins",
    plotLabel: "Basin map: a heatmap over start points",
    lead: "The selected run, started from every point of a grid over the surface's domain. " +
      "Where does each start end up, how low, and how fast?",
  },
  grid2: {
    kind: "grid2", role: "grid2-map", testid: "grid2-plot", title: "Two-hyperparameter map", noun: "the grid",
    plotLabel: "A heatmap of the final loss over two hyperparameters",
    lead: "The selected run with two of its optimizer's hyperparameters set to every pair of values " +
      "(the measured version of the classic step-size × momentum map).",
  },
};

/** The run the map tabs sweep: the one picked, else the first. */
export function selectedRun(state, view) {
  const runs = state.experiment.runs;
  const index = Math.max(0, runs.findIndex((run) => run.key === view.run));
  return { run: runs[index], index };
}

/**
 * What both map tabs share: picking the run and the colouring, the budget line, streaming the
 * sweep, the stale notice, drawing and clicks. `spec` supplies the kind's own parts:
 * {kind, role, testid, title, noun, lead, fields(), renderFields(run), plan(run, index) →
 *  {vary, omit, axes, cells, what, budget} | {problem}, marker(run, axes), overlays?(result, run, axes, theme),
 *  hint(run, label, shown), apply(result, i, j, index)}; `shown` is {result, axes} of the map on screen, or null.
 */
function createMapTab({ store, catalog, view, theme, getGrid, spec }) {
  const { state } = store;
  let current = null; // {result, fingerprint, vary, axes, runKey}
  let visible = false;

  const runPicker = createSelect({
    id: `${spec.kind}-run`, label: "Run", testid: `${spec.kind}-run-select`, wide: true,
    onChange: (key) => store.update(() => { view.run = Number(key); }, { sweeps: true }),
  });
  const colorPicker = createSelect({
    id: `${spec.kind}-color`, label: "Colour by", testid: `${spec.kind}-color-select`,
    onChange: (mode) => store.update(() => { view.colorBy = mode; }, { sweeps: true }),
  });
  const channel = createChannel({ onProgress: (p) => progress.show(p) });
  const progress = createProgress({
    label: `${spec.title} progress`,
    onCancel: () => { channel.abort(); progress.status("Cancelled."); },
  });
  const runButton = h("button", { type: "button", class: "button button-primary", onclick: () => compute() },
    `Map ${spec.noun}`);
  const budget = h("p", { class: "sweep-budget" });
  const stale = h("p", { class: "sweep-stale", hidden: true },
    "Out of date: the run or these settings changed since this map was made.");
  const plot = h("div", {
    class: "sweep-plot sweep-map", dataset: { testid: spec.testid }, role: "img", hidden: true,
    "aria-label": spec.plotLabel,
  });
  const hint = h("p", { class: "sweep-hint" });

  const element = h("div", { class: "sweep-tab-body" },
    h("p", { class: "sweep-lead" }, spec.lead),
    h("div", { class: "fields sweep-fields" }, runPicker.element, spec.fields(), colorPicker.element),
    h("div", { class: "sweep-actions" }, runButton, budget),
    progress.element, stale, plot, hint);

  function plan() {
    const { run, index } = selectedRun(state, view);
    return { run, index, ...spec.plan(run, index) };
  }

  async function compute() {
    const planned = plan();
    if (planned.problem) {
      progress.error(planned.problem);
      return;
    }
    const request = sweepRequest(state.experiment, catalog, planned.index, planned.vary);
    const print = fingerprint(request, planned.omit, catalog);
    progress.error(null);
    progress.status("");
    try {
      const results = await channel.run([request]);
      if (!results) return;
      const [result] = results;
      current = { result, fingerprint: print, vary: JSON.stringify(planned.vary), axes: planned.axes, runKey: planned.run.key };
      const diverged = result.status.flat().filter((s) => s === "diverged").length;
      progress.status(`${planned.what}: ${formatWork(planned.cells)} runs of ${result.steps} steps` +
        `${diverged ? `, ${diverged} diverged` : ""}.`);
      render();
    } catch (error) {
      progress.error(`The map could not be made: ${describeError(error)}`);
    }
  }

  /** Is the map on screen what the run and these settings would give now? */
  function isCurrent() {
    if (!current) return false;
    const { run, index } = selectedRun(state, view);
    if (run.key !== current.runKey) return false;
    const planned = spec.plan(run, index);
    if (planned.problem) return false;
    const request = sweepRequest(state.experiment, catalog, index, planned.vary);
    return fingerprint(request, planned.omit, catalog) === current.fingerprint && JSON.stringify(planned.vary) === current.vary;
  }

  function renderControls() {
    const { run } = selectedRun(state, view);
    runPicker.fill(runOptions(state.experiment, catalog), run.key);
    const surface = current?.result.surface ?? findEntry(catalog.surfaces, state.experiment.surface.id);
    const modes = availableModes(surface);
    if (!modes[view.colorBy]) view.colorBy = "final_loss";
    colorPicker.fill(Object.entries(MAP_MODES).map(([value, text]) =>
      ({ value, text: modes[value] ? text : `${text} (no known minimum)`, disabled: !modes[value] })), view.colorBy);
    spec.renderFields?.(run);
    const planned = plan();
    budget.textContent = planned.problem ?? planned.budget;
    runButton.textContent = current && !isCurrent() ? `Update ${spec.noun}` : `Map ${spec.noun}`;
    runButton.disabled = Boolean(planned.problem);
    hint.textContent = spec.hint(run, runLabel(run, catalog), current && run.key === current.runKey ? current : null);
  }

  function render() {
    renderControls();
    const fresh = isCurrent();
    stale.hidden = !current || fresh;
    plot.classList.toggle("is-stale", Boolean(current) && !fresh);
    if (!visible || !current) return;
    const { run } = selectedRun(state, view);
    const onSameRun = run.key === current.runKey;
    const figure = mapFigure({
      result: current.result, mode: view.colorBy, theme: theme(), axes: current.axes, role: spec.role,
      grid: spec.kind === "basin" && fresh ? getGrid() : null,
      marker: onSameRun ? spec.marker(run, current.axes) : null,
      overlays: onSameRun ? spec.overlays?.(current.result, run, current.axes, theme()) ?? [] : [],
    });
    drawFigure(plot, figure, onClick);
  }

  function onClick(event) {
    const point = event.points?.find((p) => p.data.meta?.role === spec.role);
    if (!point || !current) return;
    const [j, i] = Array.isArray(point.pointNumber) ? point.pointNumber : point.pointIndex;
    const index = state.experiment.runs.findIndex((run) => run.key === current.runKey);
    if (index < 0) return;
    spec.apply(current.result, i, j, index);
  }

  return {
    element,
    title: spec.title,
    /** The tab came into view: draw, and make the first map without being asked. */
    show() {
      visible = true;
      render();
      if (!current && !channel.running) compute();
    },
    hide() {
      visible = false;
    },
    render,
    compute,
  };
}

// ---- the resolution picker both maps share ----

/**
 * A map's resolution select: every option, those over the server's limit at this many steps
 * disabled. `chosen()` is the resolution `wanted()` if it fits the limit, else the finest fitting
 * one below it, else the coarsest fitting one; null when none fits at all.
 */
function createResolutionSelect({ id, resolutions, limit, steps, wanted, onChange }) {
  const select = createSelect({ id, label: "Resolution", testid: id, onChange });
  function chosen() {
    const fitting = fittingResolutions(resolutions, steps(), limit);
    if (fitting.includes(wanted())) return wanted();
    return fitting.filter((n) => n <= wanted()).at(-1) ?? fitting[0] ?? null;
  }
  return {
    element: select.element,
    chosen,
    fill() {
      const fitting = fittingResolutions(resolutions, steps(), limit);
      select.fill(resolutions.map((n) => {
        const fits = fitting.includes(n);
        return { value: n, text: fits ? `${n} × ${n}` : `${n} × ${n} (over the limit)`, disabled: !fits };
      }), chosen() ?? "");
    },
  };
}

// ---- the basin map ----

export function createBasinTab(context) {
  const { store, catalog, view } = context;
  const { state } = store;
  const limit = limitOf(catalog, "max_sweep_work");
  view.basinResolution ??= BASIN_RESOLUTION;
  const resolution = createResolutionSelect({
    id: "basin-resolution", resolutions: BASIN_RESOLUTIONS, limit,
    steps: () => state.experiment.steps,
    wanted: () => view.basinResolution,
    onChange: (value) => {
      store.update(() => { view.basinResolution = Number(value); }, { sweeps: true });
      tab.compute(); // asked for explicitly: make it
    },
  });

  const tab = createMapTab({
    ...context,
    spec: {
      ...MAP_TABS.basin,
      fields: () => resolution.element,
      renderFields: () => resolution.fill(),
      plan() {
        const n = resolution.chosen();
        const steps = state.experiment.steps;
        if (n === null) return { problem: `Even a ${BASIN_RESOLUTIONS[0]}² map of ${steps} steps exceeds the server's limit.` };
        const domain = findEntry(catalog.surfaces, state.experiment.surface.id).domain;
        const cells = n * n;
        const finer = BASIN_RESOLUTIONS.find((m) => m > n && m * m * steps > limit);
        return {
          vary: { kind: "start", x: domain.x, y: domain.y, resolution: n },
          omit: ["start"], cells, what: `${n} × ${n} starts`,
          budget: `${n} × ${n} starts × ${steps} steps = ${formatWork(cells * steps)} run-steps ` +
            `(server limit ${formatWork(limit)}${finer ? `; ${finer} × ${finer} would exceed it` : ""}).`,
          axes: {
            x: { title: "x", log: false, format: formatNumber },
            y: { title: "y", log: false, format: formatNumber }, square: true,
          },
        };
      },
      marker: (run) => ({ x: run.start[0], y: run.start[1], color: run.color }),
      hint: (run, label) => `Click a cell to start ${label} there. ○ its start now, ★ known minima; ` +
        "red-tinted cells diverged.",
      apply(result, i, j, index) {
        store.update((s) => { s.experiment.runs[index].start = [result.x[i], result.y[j]]; },
          { experiment: true, controls: true });
      },
    },
  });
  return tab;
}

// ---- two hyperparameters at once ----

export function createGrid2Tab(context) {
  const { store, catalog, view } = context;
  const { state } = store;
  const limit = limitOf(catalog, "max_sweep_work");
  view.grid2 ??= { optimizer: null, x: null, y: null, resolution: GRID2_RESOLUTION };
  const settings = view.grid2;

  /**
   * Reset the axes to sensible defaults when the run's optimizer changed, an axis is no longer the run's (its
   * scheduler went), or on first use: lr × momentum, else lr × β₁ (Adam's kin), else the first two names.
   */
  function axesFor(run) {
    const names = sweepableNames(run, catalog);
    const gone = (axis) => !names.includes(axis?.name);
    if (settings.optimizer !== run.optimizer.id || gone(settings.x) || gone(settings.y)) {
      const xName = names.includes("lr") ? "lr" : names[0];
      const yName = ["momentum", "betas[0]"].find((n) => names.includes(n)) ?? names.find((n) => n !== xName);
      settings.optimizer = run.optimizer.id;
      settings.x = xName ? { name: xName, ...defaultRange(xName, valueOf(run, catalog, xName)) } : null;
      settings.y = yName ? { name: yName, ...defaultRange(yName, valueOf(run, catalog, yName)) } : null;
    }
    return names;
  }

  /** A change of the map's own settings: redraw the controls and make the map asked for. */
  const update = (mutate) => {
    store.update(() => mutate(settings), { sweeps: true });
    tab.compute();
  };

  function axisEditor(which) {
    const name = createSelect({
      id: `grid2-${which}-name`, label: `${which.toUpperCase()} axis`, testid: `grid2-${which}-name`,
      onChange: (value) => update((s) => {
        const { run } = selectedRun(state, view);
        s[which] = { name: value, ...defaultRange(value, valueOf(run, catalog, value)) };
      }),
    });
    const number = (bound) => h("input", {
      type: "text", inputmode: "decimal", id: `grid2-${which}-${bound}`, autocomplete: "off",
      "aria-label": `${which.toUpperCase()} axis ${bound}`,
      onchange: (event) => update((s) => { s[which][bound] = Number(event.target.value.trim()); }),
    });
    const min = number("min");
    const max = number("max");
    const log = h("input", {
      type: "checkbox", id: `grid2-${which}-log`,
      onchange: (event) => update((s) => { s[which].scale = event.target.checked ? "log" : "linear"; }),
    });
    const element = h("div", { class: "field-wide sweep-axis" },
      name.element,
      h("div", { class: "field" }, h("label", { class: "field-label", for: min.id }, "from"), min),
      h("div", { class: "field" }, h("label", { class: "field-label", for: max.id }, "to"), max),
      h("label", { class: "sweep-check", for: log.id }, log, "log"));
    return {
      element,
      fill(names, axis, other) {
        name.fill(names.map((n) => ({ value: n, text: n, disabled: n === other?.name })), axis?.name ?? "");
        for (const [input, value] of [[min, axis?.min], [max, axis?.max]]) {
          if (document.activeElement !== input) input.value = value === undefined ? "" : String(value);
        }
        log.checked = axis?.scale === "log";
      },
    };
  }

  const xEditor = axisEditor("x");
  const yEditor = axisEditor("y");
  const resolution = createResolutionSelect({
    id: "grid2-resolution", resolutions: GRID2_RESOLUTIONS, limit,
    steps: () => state.experiment.steps,
    wanted: () => settings.resolution,
    onChange: (value) => update((s) => { s.resolution = Number(value); }),
  });

  const axisSpec = (axis) => ({ title: axis.name, log: axis.scale === "log", format: formatNumber });

  const tab = createMapTab({
    ...context,
    spec: {
      ...MAP_TABS.grid2,
      fields: () => [xEditor.element, yEditor.element, resolution.element],
      renderFields(run) {
        const names = axesFor(run);
        xEditor.fill(names, settings.x, settings.y);
        yEditor.fill(names, settings.y, settings.x);
        resolution.fill();
      },
      plan(run) {
        axesFor(run);
        const { x, y } = settings;
        if (!x || !y) return { problem: `${run.optimizer.id} has fewer than two float hyperparameters to map.` };
        const problem = rangeProblem(x) ?? rangeProblem(y);
        if (problem) return { problem };
        const n = resolution.chosen();
        const steps = state.experiment.steps;
        if (n === null) return { problem: `Even a ${GRID2_RESOLUTIONS[0]}² grid of ${steps} steps exceeds the server's limit.` };
        const cells = n * n;
        return {
          vary: { kind: "grid2", x: { name: x.name, values: rangeValues(x, n) }, y: { name: y.name, values: rangeValues(y, n) } },
          omit: [x.name, y.name], cells, what: `${n} × ${n} pairs of ${x.name} × ${y.name}`,
          budget: `${n} × ${n} pairs × ${steps} steps = ${formatWork(cells * steps)} run-steps ` +
            `(server limit ${formatWork(limit)}). Every pair is its own param group: slower than a basin map.`,
          axes: { x: axisSpec(x), y: axisSpec(y), square: false },
        };
      },
      marker(run, axes) {
        const x = valueOf(run, catalog, axes.x.title);
        const y = valueOf(run, catalog, axes.y.title);
        const ok = (v, axis) => typeof v === "number" && (!axis.log || v > 0);
        return ok(x, axes.x) && ok(y, axes.y) ? { x, y, color: run.color } : null;
      },
      overlays: (result, run, axes, theme) =>
        theoryTraces({ theory: result.surface?.theory, optimizer: run.optimizer.id, axes, theme }),
      hint(run, label, shown) {
        const theory = shown?.result.surface?.theory;
        const applies = shown && theoryApplies({ theory, optimizer: run.optimizer.id, axes: shown.axes });
        return `Click a cell to give ${label} those two values. ○ its values now; red-tinted cells diverged.` +
          (applies ? ` ${theoryHint(theory)}` : "");
      },
      apply(result, i, j, index) {
        store.update((s) => {
          const run = s.experiment.runs[index];
          setValue(run, catalog, result.x_name, result.x[i]);
          setValue(run, catalog, result.y_name, result.y[j]);
        }, { experiment: true, controls: true });
      },
    },
  });
  return tab;
}
