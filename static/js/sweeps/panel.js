// The sweep panel (design.md §1 items 9 and 10, §6 "Sweep request"), opened by the Sweeps button:
//   - LR curves: final loss against the learning rate for every run (a `param` sweep each), the
//     best lr starred, one click to use it; and the fair comparison, which tunes every run's lr
//     with the same budget and applies each best. In network mode the same tab sweeps the training's
//     runs on /api/trainings/sweeps, scored by final validation loss after its epochs (design.md §10):
//     what differs per mode is data (sweeps/modes.js);
//   - a basin map and a two-hyperparameter map of the selected run (sweeps/maps.js);
//   - seed bands for runs with gradient noise (sweeps/seed-bands.js).
// Only the LR curves have a network form; the other tabs show in surfaces mode.
// Each tab streams its own sweeps from /api/sweeps/stream; a new sweep aborts the previous one of
// its tab. The panel's view settings live in state.view.sweeps; results live here.

import { drawFigure } from "../plot/plotly.js";
import { h, swatch } from "../ui/dom.js";
import { formatNumber } from "../ui/format.js";
import { isNoisy, runLabel } from "../state/experiment.js";
import { createSeedBands } from "./seed-bands.js";
import { fairTarget, lrFigure } from "../figures/sweep-lr.js";
import { readTheme } from "../plot/theme.js";
import { createBasinTab, createGrid2Tab } from "./maps.js";
import { createChannel, createProgress, describeError } from "./kit.js";
import { sweepMode } from "./modes.js";
import { effectiveTheme } from "../ui/theme.js";
import {
  currentLr, curveSeeds, curveValues, FAIR_SEEDS, fingerprint, formatWork, LR_DECADES, LR_VALUES,
} from "./requests.js";
import { setValue, valueOf } from "./names.js";

/** The tabs, and the modes each shows in. */
const TABS = [
  { id: "lr", label: "LR curves", modes: ["surfaces", "network"] },
  { id: "basin", label: "Basins", modes: ["surfaces"] },
  { id: "grid2", label: "2 params", modes: ["surfaces"] },
  { id: "seeds", label: "Seeds", modes: ["surfaces"] },
];

// ---- LR curves and the fair comparison ----

/** What a curve sweeps, for people: "learning rate" for lr, else the sweep name itself (betas[0], scheduler.gamma). */
const curveTitle = (name) => (name === "lr" ? "learning rate" : name);

function createLrTab({ store, catalog, theme }) {
  const { state } = store;
  /** Per run key (both modes' runs): {result, fingerprint, budget} — a curve does not depend on the run's own
   * value of what it sweeps; `budget` is what it was measured after ({steps} or {epochs}). */
  const curves = new Map();
  let visible = false;
  let tuning = false;

  const mode = () => sweepMode(state);
  const runs = () => mode().runs(state);
  const channel = createChannel({ onProgress: (p) => progress.show(p) });
  const progress = createProgress({
    label: "Learning-rate sweep progress",
    onCancel: () => { channel.abort(); progress.status("Cancelled."); },
  });
  const sweepButton = h("button", {
    type: "button", class: "button button-primary", id: "lr-sweep-run", onclick: () => sweepAll({ apply: false }),
  }, "Sweep learning rates");
  // What the curves sweep: lr, or any float the runs' optimizers and schedulers take (β₁, β₂, gamma …).
  const nameSelect = h("select", {
    id: "lr-sweep-name", dataset: { testid: "curve-name" }, onchange: () => render(),
  });
  const tuneButton = h("button", {
    type: "button", class: "button", id: "lr-tune-all", dataset: { testid: "tune-all" },
    onclick: () => sweepAll({ apply: true }),
  }, "★ Tune every run's lr");
  const statement = h("p", { class: "sweep-fair-text", id: "fair-statement" });
  const seedStatement = h("p", { class: "sweep-fair-text", id: "fair-seeds", dataset: { testid: "fair-seeds" } });
  const stale = h("p", { class: "sweep-stale", hidden: true },
    "Out of date: some runs changed since their curves were swept (the swept value aside).");
  const plot = h("div", {
    class: "sweep-plot sweep-curves", dataset: { testid: "lr-sweep-plot" }, role: "img", hidden: true,
    "aria-label": "Final loss against the swept hyperparameter, one curve per run",
  });
  const list = h("ul", { class: "sweep-runs", "aria-label": "Best value of each run" });

  const element = h("div", { class: "sweep-tab-body" },
    h("p", { class: "sweep-lead" },
      `Each run repeated with ${LR_VALUES} values of what you sweep: learning rates log-spaced over ${LR_DECADES} ` +
      "decades around its current lr, other hyperparameters over a first-guess range. " +
      "★ the best, ○ where the run is now, ✕ diverged."),
    h("div", { class: "sweep-actions" }, h("label", { for: "lr-sweep-name" }, "Sweep "), nameSelect, sweepButton),
    h("section", { class: "sweep-fair", "aria-labelledby": "fair-heading" },
      h("h3", { class: "sweep-subtitle", id: "fair-heading" }, "Fair comparison"),
      statement, seedStatement, tuneButton),
    progress.element, stale, plot, list);

  const swept = () => nameSelect.value || "lr";
  const sweeps = (run, name) => mode().names(run, catalog).includes(name);
  const printOf = (index, name) => fingerprint(
    mode().request(state, catalog, index, { kind: "param", name, values: [] }), [name], catalog);
  /** The run's curve of `name`, or null (a run keeps the curve it was last swept for). */
  const curveOf = (run, name) => (curves.get(run.key)?.result.name === name ? curves.get(run.key) : null);

  /** Sweep every run's `name` (the same budget each; a noisy run over FAIR_SEEDS seeds); with `apply`, lr and
   * give each run its best. */
  async function sweepAll({ apply }) {
    const name = apply ? "lr" : swept();
    const asked = mode();
    const budget = asked.budget(state);
    const jobs = runs()
      .map((run, index) => ({ run, index }))
      .filter(({ run }) => sweeps(run, name));
    if (jobs.length === 0) {
      progress.error(`No run's optimizer or scheduler has ${name} to sweep.`);
      return;
    }
    const requests = jobs.map(({ run, index }) => {
      const seeds = curveSeeds(run);
      return asked.request(state, catalog, index,
        { kind: "param", name, values: curveValues(run, catalog, name), ...(seeds && { seeds }) });
    });
    const prints = jobs.map(({ index }) => printOf(index, name));
    // A curve swept around the run's current value, for the run as it is, answers the same request
    // again (runs are deterministic): "Tune" right after "Sweep" reuses it.
    const known = jobs.map(({ run }, i) => {
      const curve = curveOf(run, name);
      const same = curve?.fingerprint === prints[i] &&
        JSON.stringify([curve.result.values, curve.result.seeds ?? null]) ===
          JSON.stringify([requests[i].vary.values, requests[i].vary.seeds ?? null]);
      return same ? curve.result : null;
    });
    progress.error(null);
    progress.status(apply ? "Tuning every run's learning rate…" : "");
    tuning = apply;
    render();
    let results;
    try {
      const fresh = await channel.run(requests.filter((_, i) => !known[i]), asked);
      results = fresh && known.map((result) => result ?? fresh.shift());
    } catch (error) {
      tuning = false;
      progress.error(`The sweep could not run: ${describeError(error)}`);
      return render();
    }
    if (!results) { // cancelled, or superseded by a newer sweep (which owns `tuning` now)
      if (!channel.running) tuning = false;
      return render();
    }
    tuning = false;
    jobs.forEach(({ run }, i) => curves.set(run.key, { result: results[i], fingerprint: prints[i], budget }));
    if (apply) {
      nameSelect.value = "lr";
      applyBest(jobs.map(({ run }) => run.key));
    } else {
      progress.status(`Swept ${jobs.length} run${jobs.length > 1 ? "s" : ""}: ${LR_VALUES} values of ${name} each.`);
    }
    render();
  }

  /** Give each run (by key) its best lr, when its curve still matches it; one re-run for all. */
  function applyBest(keys) {
    const applied = [];
    const skipped = [];
    const shown = mode();
    store.update((s) => {
      shown.runs(s).forEach((run, index) => {
        if (!keys.includes(run.key)) return;
        const curve = curveOf(run, "lr");
        if (!curve?.result.best || curve.fingerprint !== printOf(index, "lr")) return skipped.push(runLabel(run, catalog));
        run.optimizer.params.lr = curve.result.best.value;
        applied.push(run);
      });
    }, shown.change);
    progress.status(`Tuned ${applied.length} run${applied.length === 1 ? "" : "s"}: each now uses the lr with the ` +
      `lowest ${shown.measure.name} after ${shown.measure.budget(shown.budget(state))} (${applied.map((run) => formatNumber(run.optimizer.params.lr)).join(", ")}).` +
      (skipped.length ? ` Not tuned (every lr diverged, or the run changed): ${skipped.join(", ")}.` : ""));
  }

  function useBest(key) {
    const shown = mode();
    const index = runs().findIndex((run) => run.key === key);
    const curve = curves.get(key);
    if (index < 0 || !curve?.result.best) return;
    store.update((s) => { setValue(shown.runs(s)[index], catalog, curve.result.name, curve.result.best.value); },
      shown.change);
  }

  /** The names any run can sweep, lr first; the choice kept while some run still has it. */
  function renderNames() {
    const names = [...new Set(["lr", ...runs().flatMap((run) => mode().names(run, catalog))])];
    const chosen = names.includes(nameSelect.value) ? nameSelect.value : "lr";
    if (nameSelect.options.length !== names.length || names.some((n, i) => nameSelect.options[i].value !== n)) {
      nameSelect.replaceChildren(...names.map((name) => h("option", { value: name }, name)));
    }
    nameSelect.value = chosen;
  }

  function renderList(name) {
    const focused = document.activeElement?.id;
    const { measure } = mode();
    list.replaceChildren(...runs().map((run, index) => {
      const curve = curveOf(run, name);
      const best = curve?.result.best ?? null;
      const value = name === "lr" ? currentLr(run, catalog) : valueOf(run, catalog, name);
      const fresh = curve && curve.fingerprint === printOf(index, name);
      const scored = curve?.result.seeds ? ` (median of ${curve.result.seeds.length} seeds)` : "";
      let note;
      if (!sweeps(run, name)) note = `it has no ${name}`;
      else if (!curve) note = `${name} ${formatNumber(value)} · not swept yet`;
      else if (!best) note = `every ${name} diverged · now ${formatNumber(value)}`;
      else {
        const values = curve.result.values;
        const edge = best.value === values[0] || best.value === values.at(-1);
        note = `best ${name} ${formatNumber(best.value)} → ${measure.name} ${formatNumber(best[measure.field])}${scored} · ` +
          `now ${formatNumber(value)}` + (edge ? " · at the edge of the range: sweep again to look further" : "") +
          (fresh ? "" : " · out of date");
      }
      // The spoken name starts with the visible words (WCAG 2.5.3), then says which value and run.
      const text = best && best.value === value ? "In use" : "Use best";
      const use = h("button", {
        type: "button", class: "button", id: `lr-use-${run.key}`, dataset: { testid: "use-best-lr" },
        disabled: !best || best.value === value,
        "aria-label": best ? `${text}: ${name} ${formatNumber(best.value)} for ${runLabel(run, catalog)}` : `${text} ${name}`,
        onclick: () => useBest(run.key),
      }, text);
      return h("li", { class: "sweep-run", dataset: { runKey: String(run.key), best: best ? String(best.value) : "" } },
        h("span", { class: "sweep-run-head" }, swatch(run.color), h("span", { class: "sweep-run-name" }, runLabel(run, catalog))),
        h("span", { class: "sweep-run-note" }, note), use);
    }));
    if (focused) document.getElementById(focused)?.focus();
  }

  function render() {
    renderNames();
    const name = swept();
    const { measure, budget, length, unit } = mode();
    const asked = budget(state);
    const steps = length(asked);
    statement.textContent = `${fairTarget(measure, asked)} ` +
      `Budget, the same for every run: ${LR_VALUES} learning rates log-spaced over ${LR_DECADES} decades ` +
      `around its current lr, ${measure.budget(asked)} each = ${formatWork(LR_VALUES * steps)} ${unit} per run. ` +
      "Then each run uses its best lr, and the comparison re-runs.";
    const noisy = runs().filter((run) => isNoisy(run) && sweeps(run, "lr"));
    seedStatement.hidden = noisy.length === 0;
    seedStatement.textContent = noisy.length === 0 ? "" :
      `With gradient noise (${noisy.map((run) => runLabel(run, catalog)).join(", ")}), one draw is luck: each lr ` +
      `is scored by the median final loss over ${FAIR_SEEDS} noise seeds (the run's own and the next ` +
      `${FAIR_SEEDS - 1}), ${formatWork(FAIR_SEEDS * LR_VALUES * steps)} run-steps per noisy run.`;
    tuneButton.disabled = tuning;
    const present = runs().filter((run) => curveOf(run, name));
    stale.hidden = present.every((run) => curveOf(run, name).fingerprint === printOf(runs().indexOf(run), name));
    sweepButton.textContent = present.length && !stale.hidden ? "Update the curves"
      : name === "lr" ? "Sweep learning rates" : `Sweep ${name}`;
    renderList(name);
    if (present.length === 0) plot.hidden = true; // nothing swept for this name yet
    if (!visible || present.length === 0) return;
    const figure = lrFigure(present.map((run) => ({
      key: run.key, label: runLabel(run, catalog), color: run.color, result: curveOf(run, name).result,
      currentLr: name === "lr" ? currentLr(run, catalog) : valueOf(run, catalog, name),
    })), theme(), { ...curveOf(present[0], name).budget, title: curveTitle(name) }, measure);
    drawFigure(plot, figure);
  }

  // Runs that are gone (from either mode) take their curves with them.
  function prune() {
    const keys = new Set([...state.experiment.runs, ...state.network.training.runs].map((run) => run.key));
    for (const key of curves.keys()) if (!keys.has(key)) curves.delete(key);
  }

  return {
    element,
    show() {
      visible = true;
      render();
    },
    hide() {
      visible = false;
    },
    render() {
      prune();
      render();
    },
    tune: () => sweepAll({ apply: true }),
  };
}

// ---- the panel ----

/**
 * Build the panel into `root` and wire `openButton` (Sweeps) and `tuneButton` (one click: tune
 * every run's lr). The seed bands reach the plots through the store (`state.shown.overlays`).
 */
export function createSweeps({ store, catalog, root, openButton, tuneButton = null }) {
  const { state } = store;
  const view = state.view.sweeps;
  let theme = null;
  const currentTheme = () => (theme ??= readTheme());
  // View changes are frequent (the cursor, playback); only a theme change recolours the plots.
  const themeKey = () => effectiveTheme(state.view.theme);
  let shownTheme = themeKey();
  const context = { store, catalog, view, theme: currentTheme, getGrid: () => state.shown.grid };

  const bands = createSeedBands({ store, catalog, view });
  const tabs = {
    lr: createLrTab(context),
    basin: createBasinTab(context),
    grid2: createGrid2Tab(context),
    seeds: { element: bands.element, show: bands.render, hide() {}, render: bands.render },
  };

  // ---- the shell: heading, tabs, one tab panel each ----

  const tabButtons = TABS.map(({ id, label }) => h("button", {
    type: "button", role: "tab", id: `sweep-tab-${id}`, class: "sweep-tab", "aria-controls": `sweep-tabpanel-${id}`,
    dataset: { testid: `sweep-tab-${id}` }, onclick: () => selectTab(id), onkeydown: onTabKey,
  }, label));
  const tabPanels = TABS.map(({ id }) => h("div", {
    role: "tabpanel", id: `sweep-tabpanel-${id}`, class: "sweep-tabpanel", "aria-labelledby": `sweep-tab-${id}`,
    tabindex: "0", hidden: true,
  }, tabs[id].element));
  const close = h("button", {
    type: "button", class: "button button-quiet button-icon", "aria-label": "Close the sweeps", title: "Close",
    onclick: () => setOpen(false),
  }, "✕");
  root.replaceChildren(
    h("div", { class: "sweeps-head" },
      h("h2", { class: "visually-hidden", id: "sweeps-heading" }, "Sweeps"),
      h("div", { class: "sweep-tabs", role: "tablist", "aria-labelledby": "sweeps-heading" }, tabButtons),
      close),
    ...tabPanels);
  root.setAttribute("aria-labelledby", "sweeps-heading");

  /** The tabs of the mode shown. */
  const shownTabs = () => TABS.filter(({ modes }) => modes.includes(state.mode));
  /** The mode's tab: the one last chosen in this mode (switching modes and back keeps it), else its first. */
  function modeTab() {
    const shown = shownTabs();
    return shown.some(({ id }) => id === view.tabs[state.mode]) ? view.tabs[state.mode] : shown[0].id;
  }
  let shownTab = modeTab(); // the tab whose body shows, hidden when another takes its place

  function onTabKey(event) {
    const shown = shownTabs();
    const index = shown.findIndex(({ id }) => id === shownTab);
    const moves = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: shown.length - 1 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    const next = shown[(moves[event.key] + shown.length) % shown.length].id;
    selectTab(next);
    tabButtons[TABS.findIndex(({ id }) => id === next)].focus();
  }

  function selectTab(id) {
    view.tabs[state.mode] = id;
    showTab();
  }

  /** Show the mode's tab (and only the mode's tabs in the tab list). */
  function showTab() {
    const shown = shownTabs();
    const tab = modeTab();
    if (shownTab !== tab) tabs[shownTab].hide();
    shownTab = tab;
    TABS.forEach(({ id }, i) => {
      const selected = id === tab;
      tabButtons[i].hidden = !shown.includes(TABS[i]);
      tabButtons[i].setAttribute("aria-selected", String(selected));
      tabButtons[i].tabIndex = selected ? 0 : -1;
      tabPanels[i].hidden = !selected;
    });
    if (view.open) tabs[tab].show();
  }

  function setOpen(open) {
    const wasOpen = view.open;
    view.open = open;
    root.hidden = !open;
    openButton.setAttribute("aria-expanded", String(open));
    if (open) {
      showTab();
      root.scrollIntoView({ block: "nearest" });
    } else {
      tabs[shownTab].hide();
      if (wasOpen) openButton.focus(); // closing from inside the panel: back where it was opened
    }
  }

  openButton.disabled = false;
  openButton.removeAttribute("title");
  openButton.setAttribute("aria-controls", root.id);
  openButton.addEventListener("click", () => setOpen(!view.open));
  if (tuneButton) {
    tuneButton.disabled = false;
    tuneButton.addEventListener("click", () => {
      if (view.open) selectTab("lr");
      else {
        view.tabs[state.mode] = "lr";
        setOpen(true);
      }
      tabs.lr.tune();
    });
  }
  setOpen(view.open);

  store.subscribe((_, change) => {
    if (change.experiment) bands.experimentChanged();
    if (change.mode) showTab();
    if (change.experiment || change.sweeps || change.training || change.mode) tabs[shownTab].render();
    if (change.view && themeKey() !== shownTheme) {
      // After the page has applied the theme: the colours come from the CSS.
      requestAnimationFrame(() => {
        shownTheme = themeKey();
        theme = null;
        if (view.open) tabs[shownTab].render();
      });
    }
  });

  return { open: () => setOpen(true) };
}
