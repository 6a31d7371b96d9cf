// The code panel (design.md §8): the standalone plain-PyTorch script for one run, from `POST /api/code`,
// highlighted by a small tokenizer (no library, nothing from a CDN), with copy and download.

import { ApiError } from "../api/client.js";
import { byTestId, h } from "../ui/dom.js";
import { trainingCodeRequest } from "../network/state.js";
import { runLabel, toRequest } from "../state/experiment.js";

// ---- a tiny Python highlighter: comments, strings, numbers, keywords, builtins, defined names ----

const KEYWORDS = new Set(("False None True and as assert async await break class continue def del elif " +
  "else except finally for from global if import in is lambda nonlocal not or pass raise return try while " +
  "with yield").split(" "));
const BUILTINS = new Set(("abs all any bool dict enumerate float int isinstance len list max min print range " +
  "repr round str sum tuple zip").split(" "));
const TOKEN = new RegExp([
  /(#[^\n]*)/.source, // 1: comment
  // 2: string, with an optional prefix; triple quotes first, an unterminated one runs to the end
  /((?:[rRbBuUfF]{1,2})?(?:"""[\s\S]*?(?:"""|$)|'''[\s\S]*?(?:'''|$)|"(?:\\.|[^"\\\n])*"?|'(?:\\.|[^'\\\n])*'?))/.source,
  // 3: number (hexadecimal, octal and binary too)
  /(\b0[xXoObB][\da-fA-F_]+|\b\d[\d_]*(?:\.[\d_]*)?(?:[eE][+-]?\d+)?j?|\.\d[\d_]*(?:[eE][+-]?\d+)?j?)/.source,
  /([A-Za-z_]\w*)/.source, // 4: name
].join("|"), "g");

/** `source` as text nodes and <span class="tok-…"> elements; the text itself is never parsed as HTML. */
export function highlightPython(source) {
  const nodes = [];
  let last = 0;
  let previousName = null;
  for (const match of source.matchAll(TOKEN)) {
    const [text, comment, string, number, name] = match;
    if (match.index > last) nodes.push(document.createTextNode(source.slice(last, match.index)));
    last = match.index + text.length;
    let kind = null;
    if (comment) kind = "com";
    else if (string) kind = "str";
    else if (number) kind = "num";
    else if (KEYWORDS.has(name)) kind = "kw";
    else if (previousName === "def" || previousName === "class") kind = "def";
    else if (BUILTINS.has(name)) kind = "bi";
    previousName = name ?? null;
    nodes.push(kind ? h("span", { class: `tok-${kind}` }, text) : document.createTextNode(text));
  }
  if (last < source.length) nodes.push(document.createTextNode(source.slice(last)));
  return nodes;
}

// ---- the panel ----

async function fetchScript(body, signal) {
  const response = await fetch("/api/code", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body), signal,
  });
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
  return response.text();
}

/**
 * What the script is made of in each mode (SPEC §8, §10): the runs to pick from, the body of
 * `POST /api/code` for run `index`, and what the script prints.
 */
const SOURCES = {
  surfaces: {
    runs: (state) => state.experiment.runs,
    body(state, catalog, index) {
      const request = toRequest(state.experiment, catalog);
      return { surface: request.surface, steps: request.steps, run: request.runs[index] };
    },
    prints: "the trajectory",
  },
  network: {
    runs: (state) => state.network.training.runs,
    body: (state, catalog, index) => trainingCodeRequest(state.network.training, catalog, index),
    prints: "every epoch's losses, accuracies and lr",
  },
};

/** The `code-button` and its dialog: pick a run, read its script, copy or download it. */
export function createCodePanel({ store, catalog }) {
  const { state } = store;
  const button = byTestId("code-button");
  const runSelect = h("select", { id: "code-run", "aria-label": "Run" });
  const code = h("code", { class: "language-python" });
  const block = h("pre", {
    class: "code-block", tabindex: "0", "aria-label": "Python script", dataset: { testid: "code-text" },
  }, code);
  const status = h("p", { class: "code-status", role: "status", "aria-live": "polite" });
  const copy = h("button", { type: "button", class: "button", dataset: { testid: "code-copy" } }, "Copy");
  const download = h("button", {
    type: "button", class: "button", dataset: { testid: "code-download" },
  }, "Download .py");
  const close = h("button", {
    type: "button", class: "button button-quiet button-icon",
    "aria-label": "Close the code panel", title: "Close (Esc)",
  }, "✕");
  const dialog = h("dialog", {
    class: "code-panel", "aria-labelledby": "code-title", dataset: { testid: "code-panel" },
  },
    h("div", { class: "code-inner" }, h("div", { class: "code-head" },
      h("h2", { class: "code-title", id: "code-title" }, "Python script"),
      h("label", { class: "code-run-field" }, h("span", {}, "Run"), runSelect),
      h("div", { class: "code-actions" }, copy, download, close)),
    h("p", { class: "code-note muted" }),
    block, status));
  document.body.append(dialog);

  let script = "";
  let controller = null;
  let selected = 0;

  async function show() {
    controller?.abort();
    const current = (controller = new AbortController());
    const source = SOURCES[state.mode ?? "surfaces"];
    const runs = source.runs(state);
    selected = Math.min(selected, runs.length - 1);
    runSelect.replaceChildren(...runs.map((run, index) =>
      h("option", { value: String(index) }, `${index + 1}. ${runLabel(run, catalog)}`)));
    dialog.querySelector(".code-note").textContent = `Plain PyTorch: run it with python and it prints ${source.prints} ` +
      "as JSON lines — the same numbers as on the page.";
    runSelect.value = String(selected);
    script = "";
    copy.disabled = download.disabled = true;
    dialog.setAttribute("aria-busy", "true");
    status.textContent = "Writing the script…";
    try {
      const text = await fetchScript(source.body(state, catalog, selected), current.signal);
      script = text;
      code.replaceChildren(...highlightPython(text));
      status.textContent = "";
      copy.disabled = download.disabled = false;
    } catch (error) {
      if (current.signal.aborted) return;
      code.replaceChildren();
      status.textContent = `No script: ${error.message}`;
    }
    dialog.setAttribute("aria-busy", "false");
  }

  button.addEventListener("click", () => {
    dialog.showModal();
    show();
  });
  runSelect.addEventListener("change", () => {
    selected = Number(runSelect.value);
    show();
  });
  close.addEventListener("click", () => dialog.close());
  dialog.addEventListener("click", (event) => { if (event.target === dialog) dialog.close(); }); // the backdrop
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(script);
      status.textContent = "Copied.";
    } catch {
      getSelection().selectAllChildren(code); // no clipboard (e.g. plain http on a LAN): select for Ctrl+C
      status.textContent = "Selected: press Ctrl+C (⌘C) to copy.";
    }
  });
  download.addEventListener("click", () => {
    const url = URL.createObjectURL(new Blob([script], { type: "text/x-python" }));
    h("a", { href: url, download: `optimlab_run${selected + 1}.py` }).click();
    URL.revokeObjectURL(url);
  });

  return { show };
}
