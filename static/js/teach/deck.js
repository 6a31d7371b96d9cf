// Lesson decks (design.md §11): a lecturer saves experiments as lessons ("Save as lesson": title, text,
// what to look for), orders and prunes them, exports and imports the deck as JSON (static/lessons.json's
// shape) and shares it by a short link (`POST /api/decks` → `/?deck=<id>`). "Present this deck" puts it
// in the lesson picker, so presenter mode's ←/→ step through it. The deck being made is kept in this
// browser (localStorage) until it is cleared. In network mode a saved lesson holds the training
// (`"mode": "network"`, design.md §10), as the built-in "Training a network" lessons do.

import { createDeck, getDeck } from "../api/client.js";
import { toTrainingRequest } from "../network/state.js";
import { toRequest } from "../state/experiment.js";
import { byTestId, h } from "../ui/dom.js";
import { recall, remember } from "../ui/storage.js";
import { download } from "./export.js";
import { isNetwork } from "./lessons.js";

const STORAGE_KEY = "optimlab:deck";
const DECK_VERSION = 1;

/** A lesson id from its title, unique among `taken` ("warm-up", "warm-up-2", …). */
function lessonId(title, taken) {
  const base = title.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "")
    .slice(0, 56) || "lesson";
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  return id;
}

/** What the page shows as a lesson in lessons.json's shape: the experiment, or in network mode the training. */
function lessonOf(state, catalog, { title, text, look_for }, taken) {
  const lesson = { id: lessonId(title, taken), title, text, look_for };
  if (state.mode === "network") {
    return { ...lesson, mode: "network", training: toTrainingRequest(state.network.training, catalog) };
  }
  lesson.experiment = toRequest(state.experiment, catalog);
  if (state.view.mode !== "overlay") lesson.view = state.view.mode;
  return lesson;
}

function readSaved() {
  try {
    const saved = JSON.parse(recall(STORAGE_KEY) ?? "null");
    return Array.isArray(saved?.lessons) ? saved : { version: DECK_VERSION, lessons: [] };
  } catch {
    return { version: DECK_VERSION, lessons: [] };
  }
}

/** A deck read from JSON text: `{lessons: [...]}` with an id, a title and an experiment (or training) per lesson. */
export function parseDeck(text) {
  const deck = JSON.parse(text);
  const valid = Array.isArray(deck?.lessons) && deck.lessons.every(
    (lesson) => typeof lesson?.id === "string" && typeof lesson.title === "string"
      && (isNetwork(lesson) ? lesson.training?.runs : lesson.experiment?.runs));
  if (!valid) throw new Error("this file is no lesson deck (lessons.json's shape: {\"lessons\": [...]})");
  return { version: DECK_VERSION, lessons: deck.lessons, ...(deck.title ? { title: deck.title } : {}) };
}

/**
 * The deck dialog and its buttons; `lessons` is the lesson picker (teach/lessons.js). A page opened
 * as `/?deck=<id>` (a shared deck's link) puts that deck in the picker at once.
 */
export function createDeckEditor({ store, catalog, lessons, notice }) {
  const { state } = store;
  const dialog = document.getElementById("deck-dialog");
  const form = dialog.querySelector("form");
  const list = byTestId("deck-list", dialog);
  const importInput = byTestId("deck-import", dialog);
  let deck = readSaved();

  function save() {
    remember(STORAGE_KEY, JSON.stringify(deck));
    render();
  }

  function move(index, by) {
    const [lesson] = deck.lessons.splice(index, 1);
    deck.lessons.splice(Math.max(0, Math.min(deck.lessons.length, index + by)), 0, lesson);
    save();
  }

  function render() {
    list.replaceChildren(...deck.lessons.map((lesson, index) => h("li", { class: "deck-item" },
      h("span", { class: "deck-title" }, `${index + 1}. ${lesson.title}`),
      h("button", {
        type: "button", class: "button button-icon", "aria-label": `Move “${lesson.title}” up`, title: "Up",
        disabled: index === 0, dataset: { testid: "deck-up" }, onclick: () => move(index, -1),
      }, "↑"),
      h("button", {
        type: "button", class: "button button-icon", "aria-label": `Move “${lesson.title}” down`, title: "Down",
        disabled: index === deck.lessons.length - 1, dataset: { testid: "deck-down" }, onclick: () => move(index, 1),
      }, "↓"),
      h("button", {
        type: "button", class: "button button-icon", "aria-label": `Delete “${lesson.title}”`, title: "Delete",
        dataset: { testid: "deck-delete" }, onclick: () => { deck.lessons.splice(index, 1); save(); },
      }, "✕"))));
    const empty = deck.lessons.length === 0;
    for (const name of ["deck-export", "deck-share", "deck-present"]) {
      byTestId(name, dialog).disabled = empty;
    }
  }

  function addCurrent() {
    const fields = Object.fromEntries(new FormData(form));
    const taken = new Set(deck.lessons.map((lesson) => lesson.id));
    deck.lessons.push(lessonOf(state, catalog, fields, taken));
    form.reset();
    save();
  }

  async function share() {
    const { url } = await createDeck(deck);
    const link = new URL(url, location.href).href;
    byTestId("deck-link", dialog).value = link;
    notice("Deck link:", { kind: "success", link });
  }

  function present(lessonsOfDeck) {
    lessons.useDeck(lessonsOfDeck);
    if (dialog.open) dialog.close();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    addCurrent();
  });
  byTestId("save-lesson").addEventListener("click", () => {
    render();
    dialog.showModal();
  });
  dialog.querySelector(".deck-close").addEventListener("click", () => dialog.close());
  byTestId("deck-export", dialog).addEventListener("click", () =>
    download("optimlab-deck.json", "application/json", JSON.stringify(deck, null, 2)));
  importInput.addEventListener("change", async () => {
    const [file] = importInput.files;
    importInput.value = "";
    if (!file) return;
    try {
      deck = parseDeck(await file.text());
      save();
    } catch (error) {
      notice(`The deck could not be imported: ${error.message}`);
    }
  });
  byTestId("deck-share", dialog).addEventListener("click", () =>
    share().catch((error) => notice(`The deck could not be shared: ${error.message}`)));
  byTestId("deck-present", dialog).addEventListener("click", () => present(deck.lessons));
  render();

  // A shared deck's link: `/?deck=<id>` puts that deck in the lesson picker.
  const sharedId = new URLSearchParams(location.search).get("deck");
  if (sharedId) {
    getDeck(sharedId)
      .then((shared) => present(shared.lessons))
      .catch((error) => notice(`The deck “${sharedId}” could not be loaded: ${error.message}`));
  }
}
