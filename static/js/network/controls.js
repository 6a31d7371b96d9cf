// Network mode's controls (design.md §10), generated from GET /api/datasets as surfaces mode's are
// from the catalog: the data set (picker, its params, a preview of its points), the model (hidden
// widths, activation, seed), the loop (epochs, batch size, shuffle seed) and the landscape's plane.
// They only change `state.network.training` through the store; the run cards are controls/run-cards.js's.

import { getDataset } from "../api/client.js";
import { applyErrors, createField, fieldShell, pathId } from "../controls/fields.js";
import { findEntry } from "../state/experiment.js";
import { limitOf } from "../state/limits.js";
import { getIn, setIn } from "../state/store.js";
import { h } from "../ui/dom.js";
import { FIELD_PREFIX, LANDSCAPE_METHODS } from "./state.js";

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

/** A page field path (ids, 422 locations) for a path inside the training. */
const fieldPath = (path) => [...FIELD_PREFIX, ...path];

/**
 * The network controls inside `root` (#network-controls): `render()` rebuilds them from the state,
 * `showErrors()` puts the API's issues next to their fields. `datasets`: GET /api/datasets.
 */
export function createNetworkControls({ store, datasets, root, preview }) {
  const { state } = store;
  const dataForm = root.querySelector("#network-data-form");
  const modelForm = root.querySelector("#network-model-form");
  const loopForm = root.querySelector("#network-loop-form");
  const errorLine = root.querySelector("#network-error");
  const training = () => state.network.training;

  const change = (mutate, flags = {}) => store.update((s) => mutate(s.network.training), { training: true, ...flags });

  /** A field for a setting that always has a value: reset restores the spec's default. */
  function settingField({ spec, path, note = null }) {
    const value = getIn(training(), path);
    const isDefault = JSON.stringify(value) === JSON.stringify(spec.default);
    const field = createField({
      spec, path: fieldPath(path), value: isDefault ? undefined : value,
      onChange: (v) => change((t) => setIn(t, path, v ?? structuredClone(spec.default))),
    });
    if (note) field.querySelector(".field-error").before(h("p", { class: "field-note" }, note));
    return field;
  }

  function selectDataset(id) {
    const entry = findEntry(datasets.datasets, id);
    const params = Object.fromEntries(entry.params.map((spec) => [spec.name, spec.default]));
    change((t) => { t.task.data = { id, params }; }, { controls: true });
  }

  function renderData() {
    const { data } = training().task;
    const entry = findEntry(datasets.datasets, data.id) ?? datasets.datasets[0];
    const path = fieldPath(["task", "data", "id"]);
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

  function render() {
    renderData();
    modelForm.replaceChildren(h("div", { class: "fields" }, MODEL_FIELDS(datasets).map(settingField)));
    loopForm.replaceChildren(h("div", { class: "fields" }, LOOP_FIELDS.map(settingField)));
    showErrors();
    preview.show(training().task.data);
  }

  function showErrors() {
    const unplaced = applyErrors(root, state.network.errors, (path) => getIn(training(), path.slice(FIELD_PREFIX.length)));
    errorLine.hidden = unplaced.length === 0;
    errorLine.textContent = unplaced.map((issue) => issue.msg).join(" ");
  }

  return { render, showErrors };
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
