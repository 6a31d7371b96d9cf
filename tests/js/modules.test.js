// The page's module graph (static/js/): every import resolves, no import circle, and the pure
// rooms (state, figures, the plot kit, formats, sweep requests) load with no DOM at all.

import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";

const JS = new URL("../../static/js/", import.meta.url).pathname;

/** Module path (relative to static/js/) → the modules it imports, as paths relative to static/js/. */
function importGraph() {
  const graph = new Map();
  for (const name of readdirSync(JS, { recursive: true }).filter((n) => n.endsWith(".js"))) {
    const text = readFileSync(join(JS, name), "utf8");
    const targets = [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+"([^"]+)";/gms)]
      .map(([, spec]) => relative(JS, resolve(dirname(join(JS, name)), spec)));
    graph.set(name, targets);
  }
  return graph;
}

test("every import names a module that exists", () => {
  for (const [name, targets] of importGraph()) {
    for (const target of targets) assert.ok(existsSync(join(JS, target)), `${name} imports ${target}`);
  }
});

test("no import circle", () => {
  const graph = importGraph();
  const done = new Set();
  const onPath = [];
  function visit(name) {
    if (onPath.includes(name)) assert.fail(`import circle: ${[...onPath.slice(onPath.indexOf(name)), name].join(" → ")}`);
    if (done.has(name)) return;
    onPath.push(name);
    for (const target of graph.get(name) ?? []) visit(target);
    onPath.pop();
    done.add(name);
  }
  for (const name of graph.keys()) visit(name);
  assert.ok(done.size > 30);
});

test("modules live in rooms: only the entry module at the top", () => {
  const top = readdirSync(JS).filter((name) => name.endsWith(".js"));
  assert.deepEqual(top, ["main.js"]);
});

test("the pure rooms load without a DOM", async () => {
  const pure = [...importGraph().keys()].filter((name) =>
    /^(state|figures)\//.test(name) ||
    ["plot/kit.js", "ui/format.js", "sweeps/requests.js", "network/state.js", "network/results.js"].includes(name));
  assert.ok(pure.length >= 12, pure.join(" "));
  for (const name of pure) await import(join(JS, name));
  assert.equal(typeof globalThis.document, "undefined");
});
