// Theory beside measurement on the two-hyperparameter map (design.md §11; Goh, "Why Momentum Really Works",
// Distill 2017). On the quadratic, torch's SGD with momentum is the heavy ball: stable while
// lr < (2 + 2·momentum)/max(a, b), fastest at (α*, β*). Over an lr × momentum map of an SGD run the page draws
// that boundary and marks that point, so the measured map and the prediction can be compared cell by cell.
// Pure: traces in the map's own units (sweep-map.js puts them on its log or linear axes).

import { formatNumber } from "../ui/format.js";

/** Points along the boundary: it is straight in lr, but a log lr axis bends it. */
const BOUNDARY_SAMPLES = 41;

/** The two hyperparameters the theory speaks of, as torch's SGD names them. */
const LR = "lr";
const MOMENTUM = "momentum";

/** Whether the theory speaks of this map: lr × momentum (either way round) of an SGD run, on a surface with a
 * theory (the sweep result's `surface.theory`). */
export function theoryApplies({ theory, optimizer, axes }) {
  const names = [axes.x.title, axes.y.title];
  return Boolean(theory?.heavy_ball) && optimizer === "SGD" && names.includes(LR) && names.includes(MOMENTUM);
}

/** The boundary and the optimum as scatter traces, or [] where the theory does not apply. */
export function theoryTraces({ theory, optimizer, axes, theme }) {
  if (!theoryApplies({ theory, optimizer, axes })) return [];
  const heavyBall = theory.heavy_ball;
  const names = [axes.x.title, axes.y.title];
  const place = (lr, momentum) => (names[0] === LR ? [lr, momentum] : [momentum, lr]);
  const { momentum: [m0, m1], lr: [lr0, lr1] } = heavyBall.stability_boundary;
  const boundary = Array.from({ length: BOUNDARY_SAMPLES }, (_, k) => {
    const t = k / (BOUNDARY_SAMPLES - 1);
    return place(lr0 + t * (lr1 - lr0), m0 + t * (m1 - m0));
  });
  const best = { lr: heavyBall.best_lr, momentum: heavyBall.best_momentum, rate: heavyBall.best_rate };
  const [bestX, bestY] = place(best.lr, best.momentum);
  return [{
    type: "scatter", mode: "lines", x: boundary.map((p) => p[0]), y: boundary.map((p) => p[1]),
    line: { color: theme.ink, width: 2, dash: "dash" }, meta: { role: "theory-boundary" },
    name: "stability boundary", hoverinfo: "skip",
  }, {
    type: "scatter", mode: "markers", x: [bestX], y: [bestY],
    marker: { symbol: "diamond", size: 12, color: theme.minimum, line: { width: 1.5, color: theme.ink } },
    meta: { role: "theory-optimum", lr: best.lr, momentum: best.momentum, rate: best.rate },
    name: "theory's best", hoverinfo: "skip", // the cell under it answers: every cell stays clickable
  }];
}

/** What the map's overlay shows, in words for the hint under it. */
export function theoryHint(theory) {
  const heavyBall = theory.heavy_ball;
  return `Dashed: theory's stability boundary, lr < (2 + 2·momentum)/${formatNumber(theory.curvatures[1])}; ` +
    `◆ theory's best, lr α* = ${formatNumber(heavyBall.best_lr)}, momentum β* = ${formatNumber(heavyBall.best_momentum)} ` +
    `(rate √β* = ${formatNumber(heavyBall.best_rate)} a step; ${theory.source}).`;
}
