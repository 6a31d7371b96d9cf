// Vectors at the cursor (design.md §11): for each run at the cursor's step k, arrows on the map from the
// point the step started at, p(k−1): the negative gradient the step used, the direction the optimizer
// carries (its momentum buffer or first moment, under torch's name), and the step actually taken, Δp, which
// ends at the cursor's dot. Adaptive optimizers also get a box: the per-coordinate scale they divide by.
//
// The scale, stated in the legend: Δp at its true size; the gradient, the carried direction and the box
// multiplied by the lr the step used, lr(k−1) — the units of a step. So −lr·g is where plain SGD would
// have gone, and SGD with momentum's −lr·momentum_buffer ends exactly where Δp does. The numbers come from
// the inspector's record_state stream (`run.inspect`: playback/inspector.js). Pure: geometry and shapes.

/** The optimizer state that carries a direction, by torch's names (first present wins). */
const CARRIED = ["momentum_buffer", "exp_avg"];

/** The per-coordinate scales adaptive optimizers divide by, by torch's names, and how a coordinate's
 * entry becomes a length in gradient units: a root for averages of g², the value itself for a max of |g|. */
const SCALES = [
  { name: "exp_avg_sq", length: Math.sqrt, symbol: "√" },
  { name: "square_avg", length: Math.sqrt, symbol: "√" },
  { name: "sum", length: Math.sqrt, symbol: "√" },
  { name: "exp_inf", length: (v) => v, symbol: "" },
];

/** How each kind is drawn: a dash, a width (px, before the theme's line scale). */
const STYLE = {
  grad: { dash: "dot", width: 2 },
  carried: { dash: "dash", width: 2 },
  step: { dash: "solid", width: 3 },
  scale: { dash: "dashdot", width: 1.25 },
};

/** An arrowhead's length as a share of the map's width, and at most this share of its arrow. */
const HEAD_OF_MAP = 0.022;
const HEAD_OF_ARROW = 0.4;
/** The half-angle between an arrowhead's barbs and its shaft. */
const HEAD_ANGLE = Math.PI / 7;

const isPair = (value) => Array.isArray(value) && value.length === 2 && value.every(Number.isFinite);

/**
 * A run's vectors at its record `at` (the cursor's step, or the run's last record: figures/cursor.js), or
 * null at record 0 (no step taken). {step, lr, origin, arrows: [{kind, name, from, to}], box: {name,
 * symbol, center, half} | null}; the state's parts appear once the inspector's stream has reached `at`.
 */
export function vectorsAt(run, at) {
  if (at < 1) return null;
  const origin = [run.x[at - 1], run.y[at - 1]];
  const end = [run.x[at], run.y[at]];
  if (!isPair(origin) || !isPair(end)) return null;
  const lr = run.lr[at - 1]; // the lr step `at` used: the one recorded after the previous step's scheduler
  const arrows = [{ kind: "step", name: "Δp", from: origin, to: end }];
  const inspect = run.inspect;
  let box = null;
  if (inspect && inspect.length > at && Number.isFinite(lr)) {
    const along = (vector) => [origin[0] - lr * vector[0], origin[1] - lr * vector[1]];
    const grad = inspect.grad[at];
    if (isPair(grad)) arrows.push({ kind: "grad", name: "g", from: origin, to: along(grad) });
    const carried = CARRIED.find((name) => isPair(inspect.state[name]?.[at]));
    if (carried) arrows.push({ kind: "carried", name: carried, from: origin, to: along(inspect.state[carried][at]) });
    const scale = SCALES.find(({ name }) => isPair(inspect.state[name]?.[at]));
    if (scale) {
      const half = inspect.state[scale.name][at].map((v) => lr * scale.length(v));
      box = { name: scale.name, symbol: scale.symbol, center: origin, half };
    }
  }
  return { step: at, lr, origin, arrows, box };
}

/** An arrow as one SVG path in data units: the shaft, then a head of `head` data units at its tip. */
export function arrowPath(from, to, head) {
  const [dx, dy] = [to[0] - from[0], to[1] - from[1]];
  const length = Math.hypot(dx, dy);
  const shaft = `M${from[0]},${from[1]}L${to[0]},${to[1]}`;
  if (length === 0) return shaft;
  const size = Math.min(head, HEAD_OF_ARROW * length);
  const angle = Math.atan2(dy, dx);
  const barb = (side) => {
    const a = angle + Math.PI + side * HEAD_ANGLE;
    return `${to[0] + size * Math.cos(a)},${to[1] + size * Math.sin(a)}`;
  };
  return `${shaft}M${barb(1)}L${to[0]},${to[1]}L${barb(-1)}`;
}

/** The map's width in data units: the surface's domain, else the runs' own extent. */
function mapWidth(results) {
  const domain = results?.surface?.domain?.x;
  if (domain) return domain[1] - domain[0];
  const xs = (results?.runs ?? []).flatMap((run) => run.x.filter(Number.isFinite));
  return xs.length ? Math.max(...xs) - Math.min(...xs) || 1 : 1;
}

/**
 * The vectors as layout shapes, named "vector:<kind>:<run>" (kind: step, grad, carried) and
 * "scale:<run>", in each run's colour. `recordOf(run)`: the record shown; `axesOf(i)` places run i.
 */
export function vectorShapes(results, recordOf, theme, axesOf = () => ({ x: "x", y: "y" })) {
  const head = HEAD_OF_MAP * mapWidth(results);
  const shapes = [];
  (results?.runs ?? []).forEach((run, i) => {
    const vectors = vectorsAt(run, recordOf(run));
    if (!vectors) return;
    const color = theme.runColor(run.color);
    const axes = axesOf(i);
    const line = (kind) => ({ color, dash: STYLE[kind].dash, width: STYLE[kind].width * theme.lineScale });
    if (vectors.box) {
      const { center: [cx, cy], half: [hx, hy] } = vectors.box;
      shapes.push({
        type: "rect", xref: axes.x, yref: axes.y, x0: cx - hx, x1: cx + hx, y0: cy - hy, y1: cy + hy,
        line: line("scale"), layer: "above", name: `scale:${i}`,
      });
    }
    for (const arrow of vectors.arrows) {
      shapes.push({
        type: "path", xref: axes.x, yref: axes.y, path: arrowPath(arrow.from, arrow.to, head),
        line: line(arrow.kind), layer: "above", name: `vector:${arrow.kind}:${i}`,
      });
    }
  });
  return shapes;
}

/**
 * The legend's lines for what is drawn: [{kind, label, text}], one per kind present, the carried
 * directions and scales under the names the runs' optimizers give them. `recordOf` as for vectorShapes.
 */
export function vectorLegend(results, recordOf) {
  const found = (results?.runs ?? []).map((run) => vectorsAt(run, recordOf(run))).filter(Boolean);
  const names = (pick) => [...new Set(found.flatMap(pick))];
  const carried = names((v) => v.arrows.filter((a) => a.kind === "carried").map((a) => a.name));
  const scales = names((v) => (v.box ? [`${v.box.symbol}${v.box.name}`] : []));
  const lines = [];
  if (found.length) lines.push({ kind: "step", label: "Δp", text: "the step taken, true size (it ends at the dot)" });
  if (found.some((v) => v.arrows.some((a) => a.kind === "grad"))) {
    lines.push({ kind: "grad", label: "−lr·g", text: "the negative gradient × the step's lr: where plain SGD would go" });
  }
  if (carried.length) {
    lines.push({
      kind: "carried", label: carried.map((name) => `−lr·${name}`).join(", "),
      text: "the direction the optimizer carries, × lr",
    });
  }
  if (scales.length) {
    lines.push({
      kind: "scale", label: scales.map((name) => `±lr·${name}`).join(", "),
      text: "per coordinate, the scale each step is divided by, × lr",
    });
  }
  return lines;
}
