// A small catalog in the shape GET /api/catalog sends (app/api/catalog.py), with a param of every
// kind the page reads, and results in the shape the stream builds (static/js/state/results.js).

/** The catalog the tests read links and build states against; `limits` as the server names them. */
export function testCatalog(limits = {}) {
  return {
    surfaces: [
      {
        id: "rosenbrock", name: "Rosenbrock", params: { a: 1.0, b: 100.0 },
        domain: { x: [-2, 2], y: [-1, 3] }, start: [-1.5, 2], minima: [{ point: [1, 1], value: 0 }], min_value: 0,
      },
      {
        id: "quadratic", name: "Quadratic bowl", params: { a: 1.0, b: 10.0, angle: 0.0 },
        domain: { x: [-3, 3], y: [-3, 3] }, start: [-2.5, 2], minima: [{ point: [0, 0], value: 0 }], min_value: 0,
      },
      {
        id: "custom", name: "Custom", params: { expression: "x**2 + y**2" },
        domain: { x: [-3, 3], y: [-3, 3] }, start: [1, 1], minima: [], min_value: null,
      },
    ],
    optimizers: [
      {
        id: "SGD", name: "SGD", params: [
          { name: "lr", kind: "float", default: 0.001 }, { name: "momentum", kind: "float", default: 0 },
          { name: "nesterov", kind: "bool", default: false },
        ],
      },
      {
        id: "Adam", name: "Adam", params: [
          { name: "lr", kind: "float", default: 0.001 }, { name: "betas", kind: "float_pair", default: [0.9, 0.999] },
          { name: "amsgrad", kind: "bool", default: false },
        ],
      },
      { id: "RMSprop", name: "RMSprop", params: [{ name: "lr", kind: "float", default: 0.01 }] },
      { id: "Adagrad", name: "Adagrad", params: [{ name: "lr", kind: "float", default: 0.01 }] },
      {
        id: "LBFGS", name: "LBFGS", params: [
          { name: "lr", kind: "float", default: 1 },
          { name: "line_search_fn", kind: "choice", default: null, choices: [null, "strong_wolfe"], nullable: true },
        ],
      },
    ],
    schedulers: [
      { id: "StepLR", name: "StepLR", params: [{ name: "step_size", kind: "int", default: null }, { name: "gamma", kind: "float", default: 0.1 }] },
      { id: "MultiStepLR", name: "MultiStepLR", params: [{ name: "milestones", kind: "int_list", default: null }] },
      { id: "LambdaLR", name: "LambdaLR", params: [{ name: "lr_lambda", kind: "formula", default: "0.99 ** epoch" }] },
      { id: "CosineAnnealingLR", name: "CosineAnnealingLR", params: [] },
      {
        id: "SequentialLR", name: "SequentialLR", params: [
          { name: "schedulers", kind: "schedulers", default: [{ id: "StepLR" }] },
          { name: "milestones", kind: "int_list", default: null },
        ],
      },
    ],
    limits: { max_steps: 20000, max_runs: 16, max_sweep_work: 20000000, max_formula_length: 500,
      max_label_length: 100, max_int_list_length: 1000, max_qr_url_length: 2048, ...limits },
  };
}

/** The theme as plot/theme.js reads it, with plain colours. */
export const THEME = Object.freeze({
  bg: "rgb(255, 255, 255)", grid: "rgb(220, 220, 220)", ink: "rgb(20, 20, 20)", low: "rgb(10, 10, 80)",
  mid: "rgb(90, 150, 200)", high: "rgb(250, 250, 240)", line: "rgb(40, 40, 40)", minimum: "rgb(200, 0, 0)",
  halo: "rgb(255, 255, 255)", muted: "rgb(100, 100, 100)", sunken: "rgb(240, 240, 240)", danger: "rgb(200, 0, 0)",
  dangerSoft: "rgb(250, 200, 200)", font: "sans-serif", fontSize: 13, lineScale: 1, runColor: (color) => color,
});

/** A run as the stream builds it: `points` [[x, y, loss, lr], ...]. */
export function streamedRun({ label = "run", color = "#0072B2", points, status = "completed", ...rest }) {
  return {
    label, color, status, diverged_at: null, failed_at: null, error: null, summary: null,
    x: points.map((p) => p[0]), y: points.map((p) => p[1]), loss: points.map((p) => p[2]), lr: points.map((p) => p[3]),
    ...rest,
  };
}

/** Finished results of `runs` on the Rosenbrock surface (f* = 0). */
export function streamedResults(runs, { minValue = 0, steps = 3 } = {}) {
  return {
    steps, tolerance: 1e-6, startedAt: 0, finishedAt: 10, stopped: false, revision: 1, runs,
    surface: { id: "rosenbrock", min_value: minValue, minima: minValue === null ? [] : [{ point: [1, 1], value: 0 }] },
  };
}

/** A surface grid of f(x, y) = x² + y² on [-1, 1]², `n` points per axis. */
export function bowlGrid(n = 5) {
  const axis = Array.from({ length: n }, (_, i) => -1 + (2 * i) / (n - 1));
  return { x: axis, y: axis, z: axis.map((y) => axis.map((x) => x * x + y * y)) };
}
