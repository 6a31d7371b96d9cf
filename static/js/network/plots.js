// Network mode's plots, drawn with Plotly from the figure builders (figures/landscape.js,
// figures/epoch-curves.js): the landscape, the loss and accuracy per epoch and the lr per step (the
// `lr-plot` surfaces mode draws too). Each render is a Plotly.react; moving the cursor relayouts shapes.
// The loss and lr plots draw on the reader's log/linear choice and their toggles show it (views/scales.js).
// Views others add (the decision boundary, the LR finder) register a drawer on the seam (network/page.js).

import { accuracyFigure, epochCursorShapes, epochLossFigure, stepLrFigure } from "../figures/epoch-curves.js";
import { landscapeCaption, landscapeContour, landscapeFigure, landscapeShapes } from "../figures/landscape.js";
import { CONFIG } from "../plot/kit.js";
import { loadPlotly } from "../plot/plotly.js";
import { readTheme } from "../plot/theme.js";
import { shown } from "../views/plots.js";
import { showScale } from "../views/scales.js";

/** Each plot: its element's name, its figure and where its cursor sits. */
const FIGURES = [
  { name: "landscape", figure: landscapeFigure, shapes: landscapeShapes },
  { name: "epochLoss", figure: epochLossFigure, shapes: (r, v, t) => epochCursorShapes(r, v, t, "epoch") },
  { name: "accuracy", figure: accuracyFigure, shapes: (r, v, t) => epochCursorShapes(r, v, t, "epoch") },
  { name: "lr", figure: stepLrFigure, shapes: (r, v, t) => epochCursorShapes(r, v, t, "step") },
];

/** `elements`: {landscape, epochLoss, accuracy, lr, caption}. Resolves once Plotly.js is in. */
export async function createNetworkPlots(elements) {
  const Plotly = await loadPlotly("cartesian");
  let theme = readTheme();
  let contourCache = { landscape: null, theme: null, trace: null };
  let revision = 0;
  let pendingCurves = 0; // the frame that draws the curves after the landscape

  function contourOf(landscape) {
    if (!landscape) return null;
    if (contourCache.landscape !== landscape || contourCache.theme !== theme) {
      contourCache = { landscape, theme, trace: landscapeContour(landscape, theme) };
    }
    return contourCache.trace;
  }

  const resizer = new ResizeObserver((entries) => {
    for (const entry of entries) if (entry.target.data && shown(entry.target)) Plotly.Plots.resize(entry.target);
  });
  for (const { name } of FIGURES) resizer.observe(elements[name]);

  return {
    Plotly,
    get theme() {
      return theme;
    },
    /**
     * Draw every plot from the result and the view (mode's cursor). The landscape draws now and the
     * curves a frame later, so the largest view paints without waiting for three more Plotly draws
     * (the first-draw goal, design.md §10); a newer render replaces a pending one.
     */
    render({ result, view }) {
      revision += 1;
      cancelAnimationFrame(pendingCurves);
      const contour = contourOf(result?.landscape);
      const draw = ({ name, figure }) => {
        const { data, layout, scale } = figure({ result, contour, view, theme, revision: `${revision}` });
        Plotly.react(elements[name], data, layout, CONFIG);
        if (scale) showScale(elements[name], scale);
      };
      const [landscape, ...curves] = FIGURES;
      draw(landscape);
      elements.caption.textContent = result ? landscapeCaption(result.landscape) : "";
      pendingCurves = requestAnimationFrame(() => curves.forEach(draw));
    },
    /** Move the cursor alone: a relayout of each plot's shapes. */
    moveCursor({ results, view }) {
      for (const { name, shapes } of FIGURES) {
        if (elements[name].data) Plotly.relayout(elements[name], { shapes: shapes(results, view, theme) });
      }
    },
    refreshTheme() {
      theme = readTheme();
    },
  };
}
