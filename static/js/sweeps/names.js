// What a hyperparameter sweep may vary, by the names the sweep request takes (design.md §6, §11): an
// optimizer's float (`lr`), one side of a pair (`betas[0]`, Adam's β₁) or a float of the run's scheduler
// (`scheduler.gamma`). One grammar for reading, writing and forgetting such a value in a run, so the map tabs
// need no case per kind. Pure: no DOM.

import { findEntry } from "../state/experiment.js";

const NAME = /^(scheduler\.)?([A-Za-z_]\w*)(?:\[([01])\])?$/;

/** {owner: "optimizer" | "scheduler", param, index (null for a whole value)}, or null for a malformed name. */
export function parseName(name) {
  const match = NAME.exec(name ?? "");
  if (!match) return null;
  return { owner: match[1] ? "scheduler" : "optimizer", param: match[2], index: match[3] === undefined ? null : Number(match[3]) };
}

/** The run's spec that owns `owner` ({id, params} or null) and its catalog entry. */
function owned(run, catalog, owner) {
  const spec = owner === "scheduler" ? run.scheduler : run.optimizer;
  const entries = owner === "scheduler" ? catalog?.schedulers : catalog?.optimizers;
  return { spec, entry: spec && entries ? findEntry(entries, spec.id) : null };
}

/** The names a map may sweep for this run: its optimizer's floats and pair sides, then its scheduler's floats. */
export function sweepableNames(run, catalog) {
  const names = [];
  for (const owner of ["optimizer", "scheduler"]) {
    const prefix = owner === "scheduler" ? "scheduler." : "";
    for (const param of owned(run, catalog, owner).entry?.params ?? []) {
      if (param.kind === "float") names.push(`${prefix}${param.name}`);
      if (param.kind === "float_pair") names.push(`${prefix}${param.name}[0]`, `${prefix}${param.name}[1]`);
    }
  }
  return names;
}

/** The whole value of the named param as the run has it: its own, else the catalog's default. */
function wholeValue(spec, entry, param) {
  const own = spec?.params?.[param];
  return own !== undefined ? own : entry?.params.find((p) => p.name === param)?.default;
}

/** The run's current value under a sweep name (a pair side unset falls back to the default's side). */
export function valueOf(run, catalog, name) {
  const parsed = parseName(name);
  if (!parsed) return undefined;
  const { spec, entry } = owned(run, catalog, parsed.owner);
  const value = wholeValue(spec, entry, parsed.param);
  if (parsed.index === null) return value;
  const side = Array.isArray(value) ? value[parsed.index] : undefined;
  if (side !== null && side !== undefined) return side;
  return entry?.params.find((p) => p.name === parsed.param)?.default?.[parsed.index];
}

/**
 * Set (or, with `value` undefined, forget) the named value in `run` in place. Forgetting a pair side keeps
 * the other side as the run has it, so two runs that differ only in that side forget to the same thing.
 */
export function setValue(run, catalog, name, value) {
  const parsed = parseName(name);
  const spec = parsed && owned(run, catalog, parsed.owner).spec;
  if (!spec) return;
  spec.params ??= {};
  if (parsed.index === null) {
    if (value === undefined) delete spec.params[parsed.param];
    else spec.params[parsed.param] = value;
    return;
  }
  const pair = [0, 1].map((i) => valueOf(run, catalog, name.replace(/\[[01]\]$/, `[${i}]`)) ?? null);
  pair[parsed.index] = value ?? null;
  spec.params[parsed.param] = pair;
}
