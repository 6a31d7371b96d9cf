// Direct manipulation of start points on the map (2-D views): a click moves the start of every run
// (or of the run chosen in the map tools) to the clicked point, and a start ring can be dragged.
// Either way the experiment re-runs at once. Points come from Plotly's drag layer (one
// `.nsewdrag` rectangle per subplot) and its axis ranges: a linear map. Without a mouse, the
// focused map's arrow keys move the same chosen starts (design.md §7).

/** How close (px) the pointer must be to a start ring to grab it instead of zooming. */
const GRAB_RADIUS = 11;
/** A press that moves less than this (px) is a click. */
const CLICK_SLOP = 5;
/** An arrow key moves a start by this share of the map's width (with Shift, five times as far). */
const KEY_SHARE = 1 / 50;
/** After the last arrow key, the moved starts count as one change (a history entry) after this (ms). */
const KEY_SETTLE_MS = 600;
const KEY_DIRECTIONS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };

/** The subplot under a pointer event: its rectangle and axis ranges, or null outside any. */
function subplotAt(map, target) {
  const rect = target?.closest?.(".nsewdrag");
  if (!rect || !map.contains(rect)) return null;
  const id = rect.getAttribute("data-subplot") ?? "xy"; // "xy", "x2y2", …
  const [, xs = "", ys = ""] = /^x(\d*)y(\d*)$/.exec(id) ?? [];
  // Plotly writes zooms back into `layout`; matched axes of small multiples may only have a full layout.
  const axisOf = (name) => (map.layout?.[name]?.range ? map.layout[name] : map._fullLayout?.[name]);
  const xaxis = axisOf(`xaxis${xs}`);
  const yaxis = axisOf(`yaxis${ys}`);
  if (!xaxis?.range || !yaxis?.range) return null;
  return { element: rect, index: xs === "" ? 0 : Number(xs) - 1, xRange: xaxis.range, yRange: yaxis.range };
}

function toData(subplot, clientX, clientY) {
  const box = subplot.element.getBoundingClientRect();
  const [x0, x1] = subplot.xRange;
  const [y0, y1] = subplot.yRange;
  return {
    x: x0 + ((clientX - box.left) / box.width) * (x1 - x0),
    y: y1 - ((clientY - box.top) / box.height) * (y1 - y0),
    // Round to the largest power of ten under one pixel: clean numbers, nothing lost.
    grain: 10 ** Math.floor(Math.log10(Math.min((x1 - x0) / box.width, (y1 - y0) / box.height))),
  };
}

function toPixels(subplot, [x, y]) {
  const box = subplot.element.getBoundingClientRect();
  const [x0, x1] = subplot.xRange;
  const [y0, y1] = subplot.yRange;
  return [box.left + ((x - x0) / (x1 - x0)) * box.width, box.top + ((y1 - y) / (y1 - y0)) * box.height];
}

const round = (value, grain) => Number((Math.round(value / grain) * grain).toPrecision(12));

export function createStartMover({ store, getPlots, map, target, hint, labelOf }) {
  const { state } = store;
  const runs = () => state.experiment.runs;

  /** Runs whose start ring is under the pointer (in small multiples, the subplot's run only). */
  function grabbed(subplot, clientX, clientY) {
    const candidates = state.view.mode === "multiples" ? [runs()[subplot.index]].filter(Boolean) : runs();
    return candidates.filter((run) => {
      const [px, py] = toPixels(subplot, run.start);
      return Math.hypot(px - clientX, py - clientY) <= GRAB_RADIUS;
    }).map((run) => run.key);
  }

  function setStarts(keys, point, flags) {
    const start = [round(point.x, point.grain), round(point.y, point.grain)];
    store.update((s) => {
      for (const run of s.experiment.runs) if (keys.has(run.key)) run.start = [...start];
    }, { experiment: true, ...flags });
    return start;
  }

  /** While dragging, move the start rings on the map at once; the paths follow when the re-run streams. */
  function showStarts() {
    if (!map.data) return; // not drawn (yet, or again)
    const starts = runs().map((run) => run.start);
    let i = 0;
    const data = map.data.map((trace) => {
      if (trace.meta?.role !== "start") return trace;
      const start = starts[i++];
      return start ? { ...trace, x: [start[0]], y: [start[1]] } : trace;
    });
    getPlots()?.Plotly.react(map, data, map.layout);
  }

  /** The runs the map tools' list chooses: all, or one. */
  function chosenKeys() {
    const chosen = state.view.startTarget;
    const all = chosen === "all" || !runs().some((run) => String(run.key) === chosen);
    return new Set(runs().filter((run) => all || String(run.key) === chosen).map((run) => run.key));
  }

  let settle = null;

  /** Move the chosen starts one key's step: a share of the map's x range, rounded to a clean grain. */
  function nudge([dx, dy], far) {
    const range = map.layout?.xaxis?.range ?? map._fullLayout?.xaxis?.range;
    if (!range) return;
    const step = Math.abs(range[1] - range[0]) * KEY_SHARE * (far ? 5 : 1);
    const grain = 10 ** Math.floor(Math.log10(step / 10));
    const keys = chosenKeys();
    store.update((s) => {
      for (const run of s.experiment.runs) {
        if (keys.has(run.key)) run.start = [round(run.start[0] + dx * step, grain), round(run.start[1] + dy * step, grain)];
      }
    }, { experiment: true });
    showStarts();
    clearTimeout(settle);
    settle = setTimeout(() => store.update(() => {}, { controls: true }), KEY_SETTLE_MS);
  }

  map.addEventListener("keydown", (event) => {
    const direction = KEY_DIRECTIONS[event.key];
    if (!direction || event.target !== map || event.altKey || event.ctrlKey || event.metaKey) return;
    if (state.view.mode === "3d") return; // the 3-D view has no start rings to move
    event.preventDefault(); // the page's ←/→ step playback everywhere else
    nudge(direction, event.shiftKey);
  });

  let press = null; // {subplot, x, y, keys (grabbed runs) | null}

  map.addEventListener("pointerdown", (event) => {
    if (!event.isPrimary || event.button !== 0 || state.view.mode === "3d") return;
    const subplot = subplotAt(map, event.target);
    if (!subplot) return;
    const keys = grabbed(subplot, event.clientX, event.clientY);
    press = { subplot, x: event.clientX, y: event.clientY, keys: keys.length ? new Set(keys) : null, moved: false };
    if (press.keys) {
      // Ours, not Plotly's: no zoom box (a cancelled pointerdown sends no mousedown).
      event.preventDefault();
      event.stopPropagation();
      map.setPointerCapture(event.pointerId);
      subplot.element.style.cursor = "grabbing";
    }
  }, { capture: true });

  // Touch drags would reach Plotly through touch events; while a ring is held they stop here.
  map.addEventListener("touchstart", (event) => {
    if (press?.keys) event.stopPropagation();
  }, { capture: true, passive: true });

  map.addEventListener("pointermove", (event) => {
    if (press && !press.subplot.element.isConnected) press = null; // the map was drawn anew under the press
    if (press?.keys) {
      if (Math.hypot(event.clientX - press.x, event.clientY - press.y) < CLICK_SLOP && !press.moved) return;
      press.moved = true;
      setStarts(press.keys, toData(press.subplot, event.clientX, event.clientY), {});
      showStarts();
      return;
    }
    if (press || state.view.mode === "3d") return;
    // Say what a press here does: grab a ring, or (elsewhere) click to move starts.
    const subplot = subplotAt(map, event.target);
    if (subplot) subplot.element.style.cursor = grabbed(subplot, event.clientX, event.clientY).length ? "grab" : "";
  });

  window.addEventListener("pointerup", (event) => {
    if (!press || !event.isPrimary) return;
    if (!press.subplot.element.isConnected) {
      press = null;
      return;
    }
    const { subplot, keys } = press;
    const point = toData(subplot, event.clientX, event.clientY);
    const still = Math.hypot(event.clientX - press.x, event.clientY - press.y) < CLICK_SLOP;
    press = null;
    subplot.element.style.cursor = "";
    if (keys) {
      if (still) return; // a click on a ring: nothing to move
      setStarts(keys, point, { controls: true });
    } else if (still) {
      setStarts(chosenKeys(), point, { controls: true });
    }
  }, { capture: true });

  window.addEventListener("pointercancel", () => { press = null; });

  target.addEventListener("change", () => store.update((s) => { s.view.startTarget = target.value; }, {}));

  return {
    /** The target list follows the runs; the hint follows the view (3-D rotates instead). */
    sync() {
      const options = [["all", "all runs"], ...runs().map((run) => [String(run.key), labelOf(run)])];
      const current = [...target.options].map((o) => [o.value, o.textContent]);
      if (JSON.stringify(options) !== JSON.stringify(current)) {
        target.replaceChildren(...options.map(([value, text]) => {
          const option = document.createElement("option");
          option.value = value;
          option.textContent = text;
          return option;
        }));
      }
      const chosen = options.some(([value]) => value === state.view.startTarget) ? state.view.startTarget : "all";
      if (target.value !== chosen) target.value = chosen;
      hint.hidden = state.view.mode === "3d";
    },
  };
}
