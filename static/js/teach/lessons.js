// Lessons (design.md §1.12): classic set-ups, each with two or three sentences and a "what to look for"
// line. They are data — static/lessons.json, experiments in the API's request shape — and loading
// one only changes the state (a new history entry, so Back returns to what was there before). A
// lesson may switch on the seed band of some of its runs (`seed_bands`: their indices), exactly as
// a reader would in the Seeds tab; like theirs, a band goes with its run when the lesson is left.
// A network lesson (`"mode": "network"`, design.md §10) holds a `training` (SPEC §10's document)
// instead: loading it switches to network mode and trains it; a surfaces lesson switches back.

import { loadTraining, switchMode } from "../network/state.js";
import { byTestId, h, onPhone } from "../ui/dom.js";
import { createRun, createState, findEntry, showSeedBand } from "../state/experiment.js";

const LESSONS_URL = "/static/lessons.json";

/** The lessons, in order: [{id, title, text, look_for, group?, view?, seed_bands?, experiment | mode, training}]. */
export async function fetchLessons() {
  const response = await fetch(LESSONS_URL);
  if (!response.ok) throw new Error(`The lessons could not be loaded (${response.status}).`);
  return (await response.json()).lessons;
}

/** A network lesson: a `training` to load in network mode rather than an experiment (design.md §10). */
export const isNetwork = (lesson) => lesson?.mode === "network";

/**
 * A lesson's set-up: its experiment as the state holds one (runs with keys and colours, defaults
 * filled in) and the keys of the runs whose seed band it shows.
 */
export function lessonSetUp(lesson, catalog) {
  const spec = lesson.experiment;
  const bandIndices = new Set(lesson.seed_bands ?? []);
  const surface = findEntry(catalog.surfaces, spec.surface.id);
  const experiment = {
    surface: { id: spec.surface.id, params: { ...spec.surface.params } },
    steps: spec.steps ?? 500,
    tolerance: spec.tolerance ?? 1e-6,
    runs: [],
  };
  const seedBands = [];
  for (const [index, runSpec] of spec.runs.entries()) {
    if (!findEntry(catalog.optimizers, runSpec.optimizer.id)) continue; // a trimmed-down catalog
    const run = createRun(experiment, catalog, { id: runSpec.optimizer.id, params: { ...runSpec.optimizer.params } });
    run.label = runSpec.label ?? "";
    run.start = [...(runSpec.start ?? surface.start)];
    run.scheduler = runSpec.scheduler
      ? { interval: "step", steps_per_epoch: 1, params: {}, ...structuredClone(runSpec.scheduler) }
      : null;
    run.noise = { std: 0, seed: 0, ...runSpec.noise };
    run.clip = runSpec.clip ? { ...runSpec.clip } : null;
    if (runSpec.color) run.color = runSpec.color;
    experiment.runs.push(run);
    if (bandIndices.has(index)) seedBands.push(run.key);
  }
  return { experiment, seedBands };
}

/**
 * The lesson picker (`preset-select`), the lesson banner above the map and the page title.
 * `notice(message)` reports a link's unknown lesson. Returns {lessons, current(), load(id), step(±1)}.
 */
export function createLessons({ store, catalog, notice }) {
  const { state } = store;
  const select = byTestId("preset-select");
  const banner = document.getElementById("lesson-banner");
  const baseTitle = document.title;
  let lessons = [];

  const current = () => lessons.find((lesson) => lesson.id === state.view.lesson) ?? null;

  /** Put a surfaces lesson's experiment (or the default comparison, for null) in the state, in surfaces mode. */
  function setUpSurfaces(s, lesson) {
    const { experiment, seedBands } = lesson
      ? lessonSetUp(lesson, catalog)
      : { experiment: createState(catalog).experiment, seedBands: [] };
    switchMode(s, "surfaces");
    Object.assign(s.experiment, experiment);
    for (const key of seedBands) showSeedBand(s, key);
    s.view.mode = lesson?.view ?? "overlay";
    if (onPhone()) for (const run of experiment.runs) s.view.collapsedRuns.add(run.key);
  }

  /** Put a network lesson's training in the state, in network mode; what this server lacks is named. */
  function setUpNetwork(s, lesson) {
    const notes = loadTraining(s, lesson.training, catalog);
    if (notes.length) notice(`This lesson names what this version lacks (${notes.join("; ")}); the rest was loaded.`);
  }

  /** Show lesson `id` (null: free exploration, the default comparison), in its mode. */
  function load(id) {
    const lesson = lessons.find((candidate) => candidate.id === id) ?? null;
    notice(null); // what an earlier link could not load no longer applies
    store.update((s) => {
      if (isNetwork(lesson)) setUpNetwork(s, lesson);
      else setUpSurfaces(s, lesson);
      s.view.lesson = lesson?.id ?? null;
      Object.assign(s.view.cursor, { step: null, playing: false });
    }, {
      experiment: true, surface: true, controls: true, view: true, cursor: true, lesson: true, push: true, mode: true,
      training: isNetwork(lesson),
    });
  }

  /** The next (+1) or previous (−1) lesson, wrapping around; from no lesson, the first or last. */
  function step(direction) {
    if (lessons.length === 0) return;
    const index = lessons.indexOf(current());
    const next = index === -1
      ? (direction > 0 ? 0 : lessons.length - 1)
      : (index + direction + lessons.length) % lessons.length;
    load(lessons[next].id);
  }

  function navButton(direction) {
    const label = direction > 0 ? "Next lesson" : "Previous lesson";
    return h("button", {
      type: "button", class: "button button-quiet lesson-nav", "aria-label": label,
      title: `${label} (${direction > 0 ? "→" : "←"} when presenting)`,
      onclick: () => step(direction),
    }, direction > 0 ? "Next ›" : "‹ Prev");
  }

  function render() {
    const lesson = current();
    select.value = lesson?.id ?? "";
    document.title = lesson ? `${lesson.title} · optimlab` : baseTitle;
    banner.hidden = !lesson;
    if (!lesson) {
      banner.replaceChildren();
      return;
    }
    if (banner.dataset.lesson === lesson.id) return; // keep the reader's open/closed choice
    banner.dataset.lesson = lesson.id;
    const position = `Lesson ${lessons.indexOf(lesson) + 1} of ${lessons.length}`;
    banner.open = !onPhone() || document.documentElement.classList.contains("presenting"); // phones: map first
    banner.replaceChildren(
      h("summary", { class: "lesson-summary" },
        h("span", { class: "lesson-kicker" }, position),
        h("span", { class: "lesson-title", id: "lesson-title" }, lesson.title)),
      h("div", { class: "lesson-body" },
        h("p", { class: "lesson-text", dataset: { testid: "lesson-text" } }, lesson.text),
        h("p", { class: "lesson-look" }, h("strong", {}, "What to look for: "), lesson.look_for)),
      h("div", { class: "lesson-actions" }, navButton(-1), navButton(+1)));
  }

  select.addEventListener("change", () => load(select.value || null));
  store.subscribe((_, change = {}) => {
    if (change.lesson || change.fromUrl) render();
  });

  let ownDeck = false; // a deck (teach/deck.js) replaced the built-in lessons

  /**
   * Offer `list` in the picker, each `group` (e.g. "Training a network") under its own heading
   * (lessons on a surface this version lacks are left out).
   */
  function offer(list) {
    lessons = list.filter((lesson) => isNetwork(lesson)
      ? lesson.training?.runs
      : lesson.experiment && findEntry(catalog.surfaces, lesson.experiment.surface.id));
    const option = (lesson) => h("option", { value: lesson.id }, `${lessons.indexOf(lesson) + 1}. ${lesson.title}`);
    const groups = new Map(); // in order of first appearance; "" holds the lessons without a group
    for (const lesson of lessons) groups.set(lesson.group ?? "", [...(groups.get(lesson.group ?? "") ?? []), lesson]);
    select.replaceChildren(
      h("option", { value: "" }, "Free exploration"),
      ...[...groups].flatMap(([group, members]) => group
        ? [h("optgroup", { label: group }, ...members.map(option))]
        : members.map(option)));
    select.disabled = false;
  }

  fetchLessons().then((list) => {
    if (!ownDeck) offer(list);
    if (state.view.lesson && !current()) {
      notice(`This link names a lesson this version does not have (“${state.view.lesson}”); ` +
        "its experiment was loaded.");
      store.update((s) => { s.view.lesson = null; }, { lesson: true });
    }
    render();
  }).catch((error) => notice(error.message));

  /** Step through a deck's lessons instead of the built-in ones, from its first. */
  function useDeck(list) {
    ownDeck = true;
    offer(list);
    load(lessons[0]?.id ?? null);
  }

  return { current, load, step, useDeck, get lessons() { return lessons; } };
}
