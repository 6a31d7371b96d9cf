// Seed bands (design.md §6, `seed` sweeps): a run with gradient noise is one draw among many. With
// its band switched on, the run is repeated with SEEDS noise seeds; the map shows every seed's
// path faintly and the loss plot the median and the 10–90 % band. A band follows its run: any
// change re-sweeps it (aborting the previous stream), and a band never outlives the run it shows.

import { h, swatch } from "../ui/dom.js";
import { formatNumber } from "../ui/format.js";
import { isNoisy, runLabel } from "../state/experiment.js";
import { lossBandTraces, seedPathsTrace } from "../figures/seed-band.js";
import { createChannel, createProgress, describeError } from "./kit.js";
import { fingerprint, formatWork, SEEDS, sweepRequest } from "./requests.js";

const SEED_LIST = Array.from({ length: SEEDS }, (_, i) => i);
const DEBOUNCE_MS = 150;

/**
 * The seeds tab and the bands it draws. `view.bands` (a Set of run keys) says which runs show
 * one; their traces reach the plots through the store (`state.shown.overlays`, {map, loss}).
 */
export function createSeedBands({ store, catalog, view }) {
  const { state } = store;
  /** Per run key: {fingerprint, result | null, channel}. */
  const bands = new Map();
  const progressByKey = new Map();

  const progress = createProgress({
    label: "Seed band progress",
    onCancel: () => {
      for (const band of bands.values()) band.channel.abort();
      progress.status("Cancelled.");
    },
  });
  const list = h("ul", { class: "sweep-runs" });
  const element = h("div", { class: "sweep-tab-body" },
    h("p", { class: "sweep-lead" },
      "Gradient noise makes each run one draw among many. A seed band repeats a run with ",
      h("strong", {}, `${SEEDS} noise seeds`),
      ": every seed's path is drawn faintly on the map, and the loss plot shows the median (dashed) and the " +
      "10–90 % band."),
    h("p", { class: "sweep-budget", id: "seed-budget" }),
    list,
    progress.element);

  function showProgress() {
    const parts = [...progressByKey.values()];
    if (parts.length === 0) return progress.show(null);
    progress.show({ done: parts.reduce((a, p) => a + p.done, 0), total: parts.reduce((a, p) => a + p.total, 0) });
  }

  function bandFor(key) {
    if (!bands.has(key)) {
      const band = {
        fingerprint: null, result: null,
        channel: createChannel({
          onProgress: (p) => {
            if (p) progressByKey.set(key, p);
            else progressByKey.delete(key);
            showProgress();
          },
        }),
      };
      bands.set(key, band);
    }
    return bands.get(key);
  }

  /** Show or hide run `key`'s band: a view change, so the URL (teach/share.js) follows it. */
  function setShown(key, shown) {
    store.update(() => {
      if (shown) view.bands.add(key);
      else view.bands.delete(key);
    }, { view: true });
  }

  function drop(key) {
    bands.get(key)?.channel.abort();
    bands.delete(key);
  }

  /** The traces of every finished band, in its run's current colour and label. */
  function overlays() {
    const shown = state.experiment.runs
      .map((run) => ({ run, band: bands.get(run.key) }))
      .filter(({ band }) => band?.result)
      .map(({ run, band }) => ({ key: run.key, color: run.color, label: runLabel(run, catalog), result: band.result }));
    return { map: shown.map(seedPathsTrace), loss: shown.flatMap(lossBandTraces) };
  }

  /** Hand the plots the bands' traces. */
  function publish() {
    store.update((s) => { s.shown.overlays = overlays(); }, { overlays: true });
  }

  /** Start, keep or drop each run's band so that it matches the experiment; publish the traces. */
  function sync() {
    const runs = state.experiment.runs;
    const wanted = new Set(runs.filter((run) => view.bands.has(run.key) && isNoisy(run)).map((run) => run.key));
    for (const key of [...bands.keys()]) if (!wanted.has(key)) drop(key);
    runs.forEach((run, index) => {
      if (!wanted.has(run.key)) return;
      const request = sweepRequest(state.experiment, catalog, index, { kind: "seed", seeds: SEED_LIST });
      const print = fingerprint(request, ["seed"]);
      const band = bandFor(run.key);
      if (band.fingerprint === print) return;
      Object.assign(band, { fingerprint: print, result: null }); // a band never shows another set-up
      compute(run.key, band, request);
    });
    publish();
    renderList();
  }

  async function compute(key, band, request) {
    progress.error(null);
    progress.status("");
    try {
      const [result] = (await band.channel.run([request])) ?? [null];
      if (!result || bands.get(key) !== band) return;
      band.result = result;
      const ended = result.status.filter((s) => s === "completed").length;
      progress.status(`Band ready: ${ended} of ${result.seeds.length} seeds ran all ${result.steps} steps.`);
      publish();
      renderList();
    } catch (error) {
      setShown(key, false);
      drop(key);
      progress.error(`The seed band could not be computed: ${describeError(error)}`);
      renderList();
    }
  }

  function renderList() {
    const focused = document.activeElement?.id;
    const steps = state.experiment.steps;
    element.querySelector("#seed-budget").textContent =
      `Budget: ${SEEDS} seeds × ${steps} steps = ${formatWork(SEEDS * steps)} run-steps per band.`;
    list.replaceChildren(...state.experiment.runs.map((run) => {
      const id = `seed-band-${run.key}`;
      const noisy = isNoisy(run);
      const band = bands.get(run.key);
      const note = !noisy
        ? "no noise: set a std under “Gradient noise” in its card"
        : band?.result
          ? `noise std ${formatNumber(run.noise.std)} · band of ${band.result.seeds.length} seeds`
          : view.bands.has(run.key) ? `noise std ${formatNumber(run.noise.std)} · sweeping…` : `noise std ${formatNumber(run.noise.std)}`;
      return h("li", { class: "sweep-run" },
        h("label", { class: "sweep-check", for: id },
          h("input", {
            type: "checkbox", id, checked: noisy && view.bands.has(run.key), disabled: !noisy,
            dataset: { testid: "seed-band-toggle" },
            onchange: (event) => {
              setShown(run.key, event.target.checked);
              sync();
            },
          }),
          swatch(run.color),
          h("span", { class: "sweep-run-name" }, runLabel(run, catalog))),
        h("span", { class: "sweep-run-note" }, note));
    }));
    if (focused) document.getElementById(focused)?.focus();
  }

  if (view.bands.size > 0) sync(); // a link's bands (teach/share.js), switched on before the tab was built

  let debounce = null;
  return {
    element,
    /** The experiment changed: re-sweep bands whose run changed (after the usual short pause). */
    experimentChanged() {
      clearTimeout(debounce);
      debounce = setTimeout(sync, DEBOUNCE_MS);
      renderList();
    },
    render: renderList,
  };
}
