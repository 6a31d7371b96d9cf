// Moving the shared cursor on the drawn plots without redrawing anything else: in 2-D a relayout
// of the cursor's shapes (figures/cursor.js), in 3-D of the scene's annotations.

import { cursorShapes, mapShapes } from "../figures/cursor.js";
import { shapeAxes } from "../figures/multiples.js";
import { sceneAnnotations } from "../figures/surface3d.js";

/** Heights of each drawn 3-D path by run index, read back from the figure (for moving the cursor). */
function drawnHeights(map) {
  return new Map((map.data ?? []).filter((t) => t.meta?.role === "path3d").map((t) => [t.meta.run, t.z]));
}

/** Which view the map shows now (a switch draws at the next full render, which may come later). */
function drawnView(map) {
  if (map.layout?.scene) return "3d";
  return map.layout?.grid ? "multiples" : "overlay";
}

/** Move the shared cursor on every plot, without redrawing anything else. */
export function moveCursor(Plotly, { map, curves }, { results, view, theme }) {
  if (!results) return;
  const drawn = drawnView(map);
  if (map.data && drawn === "3d") {
    const stars = (map.layout.scene?.annotations ?? []).filter((a) => a.name === "minimum");
    const dots = sceneAnnotations(results, view, theme, drawnHeights(map), [], null);
    Plotly.relayout(map, { "scene.annotations": [...stars, ...dots] });
  } else if (map.data) {
    const axesOf = drawn === "multiples" ? shapeAxes : undefined;
    Plotly.relayout(map, { shapes: mapShapes(results, view, theme, axesOf) });
  }
  const shapes = cursorShapes(results, view, theme);
  for (const plot of curves) if (plot.data) Plotly.relayout(plot, { shapes });
}
