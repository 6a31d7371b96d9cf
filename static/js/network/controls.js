// Network mode's controls (design.md §10), generated from GET /api/datasets as surfaces mode's are
// from the catalog: the data set (picker, its params, a preview of its points), the model (hidden
// widths, activation, seed), the loop (epochs, batch size, shuffle seed) and the landscape's plane.
// They only change `state.network.training` through the store; the run cards are surfaces mode's (controls/run-cards.js).

import { getDataset } from "../api/client.js";
import { applyErrors, fieldShell, pathId } from "../controls/fields.js";
import { createForm } from "../controls/form.js";
import { createRunCards, schedulerKinds } from "../controls/run-cards.js";
import { findEntry } from "../state/experiment.js";
import { limitOf } from "../state/limits.js";
import { h } from "../ui/dom.js";
import { copyTrainingRun, createTrainingRun, FIELD_PREFIX, LANDSCAPE_METHODS, TRAINING_INTERVAL } from "./state.js";

const MODEL_FIELDS = (datasets) => [
  { path: ["task", "model", "hidden"], spec: { name: "hidden", kind: "int_list", default: [16, 16] },
    note: `units per hidden layer: at most ${limitOf(datasets, "max_hidden_layers")} layers of ` +
      `${limitOf(datasets, "max_hidden_units")}` },
  { path: ["task", "model", "activation"], spec: { name: "activation", kind: "choice", choices: ["relu", "tanh", "gelu", "sigmoid"], default: "tanh" } },
  { path: ["task", "model", "seed"], spec: { name: "seed", kind: "int", default: 0 } },
];

const LOOP_FIELDS = [
  { path: ["epochs"], spec: { name: "epochs", kind: "int", default: 30 } },
  { path: ["batch_size"], spec: { name: "batch_size", kind: "int", default: 32 } },
  { path: ["shuffle_seed"], spec: { name: "shuffle_seed", kind: "int", default: 0 } },
  { path: ["landscape", "method"], spec: { name: "landscape", kind: "choice", choices: LANDSCAPE_METHODS, default: "pca" } },
];

/**
 * The network controls inside `root` (#network-controls): `render()` rebuilds them from the state,
 * `refresh()` follows value edits (run titles), `showErrors()` puts the API's issues next to their
 * fields. `datasets`: GET /api/datasets.
 */
export function createNetworkControls({ store, catalog, datasets, root, preview }) {
  const { state } = store;
  const dataForm = root.querySelector("#network-data-form");
  const modelForm = root.querySelector("#network-model-form");
  const loopForm = root.querySelector("#network-loop-form");
  const errorLine = root.querySelector("#network-error");
  const form = createForm({
    store, docOf: (s) => s.network.training, flag: "training", prefix: FIELD_PREFIX, kinds: schedulerKinds(catalog),
  });
  const runCards = createRunCards({
    store, catalog, form, list: root.querySelector("#network-run-list"), addButton: root.querySelector("#network-add-run"),
    host: {
      interval: TRAINING_INTERVAL,
      newRun: (training) => createTrainingRun(training, catalog),
      copyRun: copyTrainingRun,
      onInterval: () => {},
    },
  });

  /** A setting with a note under it (the model's limits). */
  function settingField({ spec, path, note = null }) {
    const field = form.settingField(spec, path);
    if (note) field.querySelector(".field-error").before(h("p", { class: "field-note" }, note));
    return field;
  }

  function selectDataset(id) {
    const entry = findEntry(datasets.datasets, id);
    const params = Object.fromEntries(entry.params.map((spec) => [spec.name, spec.default]));
    form.change((t) => { t.task.data = { id, params }; }, { controls: true });
  }

  function renderData() {
    const { data } = form.doc().task;
    const entry = findEntry(datasets.datasets, data.id) ?? datasets.datasets[0];
    const path = form.fieldPath(["task", "data", "id"]);
    const picker = fieldShell({
      path, label: "Data set", wide: true,
      control: h("select", {
        id: pathId(path), dataset: { testid: "dataset-select" }, "aria-describedby": `${pathId(path)}-error`,
        onchange: (event) => selectDataset(event.target.value),
      }, datasets.datasets.map((d) => h("option", { value: d.id, selected: d.id === data.id }, d.id))),
    });
    const params = entry.params.map((spec) => settingField({ spec, path: ["task", "data", "params", spec.name] }));
    dataForm.replaceChildren(h("div", { class: "fields" }, picker, h("p", { class: "doc field-wide" }, entry.doc), params));
  }

  function showErrors() {
    const unplaced = applyErrors(root, state.network.errors, (path) => form.valueAt(form.docPath(path)));
    errorLine.hidden = unplaced.length === 0;
    errorLine.textContent = unplaced.map((issue) => issue.msg).join(" ");
  }

  return {
    /** Rebuild every control from state, keeping keyboard focus where it was. */
    render() {
      const focused = document.activeElement?.id;
      renderData();
      modelForm.replaceChildren(h("div", { class: "fields" }, MODEL_FIELDS(datasets).map(settingField)));
      runCards.render();
      loopForm.replaceChildren(h("div", { class: "fields" }, LOOP_FIELDS.map(settingField)));
      if (focused) document.getElementById(focused)?.focus();
      showErrors();
      preview.show(form.doc().task.data);
    },
    refresh() {
      runCards.refresh();
      preview.show(form.doc().task.data);
    },
    showErrors,
  };
}

/**
 * The data set's preview (`dataset-preview`): its training points, coloured by class, as a small
 * scatter from GET /api/datasets/{id} — the very tensors the training uses. For digits, words instead.
 */
export function createDatasetPreview({ element, loadPlotly, readTheme }) {
  let shown = null;
  let controller = null;
  return {
    async show(data) {
      const key = JSON.stringify(data);
      if (key === shown) return;
      shown = key;
      controller?.abort();
      const mine = (controller = new AbortController());
      try {
        const [points, Plotly] = await Promise.all([getDataset(data.id, data.params, { signal: mine.signal }), loadPlotly()]);
        if (mine.signal.aborted) return;
        element.setAttribute("aria-label", `${points.x_train.length} training and ${points.x_val.length} validation points, ` +
          `${points.features} features, ${points.classes} classes`);
        if (points.features !== 2) {
          Plotly.purge(element);
          element.textContent = `${points.x_train.length} training images of ${points.features} pixels, ${points.classes} classes`;
          return;
        }
        element.textContent = "";
        const theme = readTheme();
        const colors = [theme.runColor("#0072B2"), theme.runColor("#D55E00")];
        const layout = {
          paper_bgcolor: theme.bg, plot_bgcolor: theme.bg, showlegend: false, margin: { l: 4, r: 4, t: 4, b: 4 },
          xaxis: { visible: false }, yaxis: { visible: false, scaleanchor: "x" }, hovermode: false,
        };
        const trace = {
          type: "scatter", mode: "markers", x: points.x_train.map((p) => p[0]), y: points.x_train.map((p) => p[1]),
          marker: { size: 3, color: points.y_train.map((c) => colors[c % colors.length]) },
        };
        await Plotly.react(element, [trace], layout, { staticPlot: true, responsive: true });
      } catch (error) {
        if (!mine.signal.aborted) element.textContent = `No preview: ${error.message}`;
        shown = null;
      }
    },
  };
}
