// Form fields, one widget per hyperparameter `kind` (design.md §6), generated from catalog params
// ({name, kind, default, choices?, derived?, nullable?, default_text?}). A field shows torch's
// default as its placeholder, marks a changed value, resets to the default, and shows errors next
// to itself.
// Values flow out through `onChange(value)`, where `undefined` means "torch's default".

import { breakableName, h } from "../ui/dom.js";
import { formatExact } from "../ui/format.js";

export const pathKey = (path) => path.join(".");
export const pathId = (path) => `f-${path.join("-")}`;

/**
 * The frame every field and picker shares: label, control, error slot. `data-field` holds the
 * path, which is also where the API's 422 `loc` points.
 */
export function fieldShell({ path, label = null, control, reset = null, wide = false, extraClass = "" }) {
  const id = pathId(path);
  const head = label === null ? null : h("div", { class: "field-label" },
    h("label", { class: "field-label-text", for: id }, breakableName(label)), reset);
  return h("div", { class: `field ${wide ? "field-wide" : ""} ${extraClass}`, dataset: { field: pathKey(path) } },
    head, control, h("p", { class: "field-error", id: `${id}-error`, hidden: true, "aria-live": "polite" }));
}

function placeholderFor(spec) {
  if (spec.derived) return "auto";
  if (spec.default_text) return spec.default_text; // a default JSON cannot hold, e.g. inf
  if (spec.default === null || spec.default === undefined) return spec.nullable ? "None" : "required";
  return formatExact(spec.default);
}

// ---- the widgets: each kind renders its control and can show a value (undefined = default) ----

/** Text-based kinds differ only in how they parse and print. */
function textKind({ parse, print = formatExact, inputmode, mono = false }) {
  return {
    render({ id, spec, emit, setLocalError }) {
      const input = h("input", {
        type: "text", id, inputmode, class: mono ? "mono" : null, spellcheck: "false", autocomplete: "off",
        placeholder: placeholderFor(spec), title: spec.derived ? `Default: ${spec.derived}` : null,
        "aria-describedby": `${id}-error`,
        oninput: () => {
          let value;
          try {
            value = input.value.trim() === "" ? undefined : parse(input.value);
          } catch (error) {
            return setLocalError(error.message);
          }
          setLocalError(null);
          emit(value);
        },
      });
      return { element: input, show: (value) => { input.value = value === undefined ? "" : print(value); } };
    },
  };
}

function parseNumber(text, { integral }) {
  const value = Number(text.trim());
  if (!Number.isFinite(value)) throw new Error("Not a number.");
  if (integral && !Number.isInteger(value)) throw new Error("Must be a whole number.");
  return value;
}

const parseFloatText = (text) => parseNumber(text, { integral: false });
const parseIntText = (text) => parseNumber(text, { integral: true });
const parseIntList = (text) =>
  text.split(/[\s,;]+/).filter(Boolean).map((item) => parseNumber(item, { integral: true }));

const floatPair = {
  render({ id, spec, emit, setLocalError }) {
    const defaults = spec.default ?? [null, null];
    const inputs = [0, 1].map((i) => h("input", {
      type: "text", id: i === 0 ? id : `${id}-1`, inputmode: "decimal", autocomplete: "off",
      placeholder: formatExact(defaults[i]), "aria-label": i === 0 ? null : `${spec.name}, second value`,
      "aria-describedby": `${id}-error`, oninput: read,
    }));
    function read() {
      const texts = inputs.map((input) => input.value.trim());
      let pair;
      try {
        pair = texts.every((text) => text === "")
          ? undefined
          : texts.map((text, i) => (text === "" ? defaults[i] : parseFloatText(text)));
      } catch (error) {
        return setLocalError(error.message);
      }
      setLocalError(null);
      emit(pair);
    }
    return {
      element: h("div", { class: "field-pair" }, inputs),
      show(value) {
        inputs.forEach((input, i) => { input.value = value === undefined ? "" : formatExact(value[i]); });
      },
    };
  },
};

const bool = {
  render({ id, spec, emit }) {
    const input = h("input", {
      type: "checkbox", id, "aria-describedby": `${id}-error`,
      onchange: () => emit(input.checked === Boolean(spec.default) ? undefined : input.checked),
    });
    return { element: input, show: (value) => { input.checked = value ?? Boolean(spec.default); } };
  },
};

const choice = {
  render({ id, spec, emit }) {
    // Choices may include null (torch's None), so options carry their JSON text as value.
    const select = h("select", {
      id, "aria-describedby": `${id}-error`,
      onchange: () => {
        const value = JSON.parse(select.value);
        emit(value === spec.default ? undefined : value);
      },
    }, (spec.choices ?? []).map((option) => h("option", { value: JSON.stringify(option) },
      formatExact(option) + (option === spec.default ? " (default)" : ""))));
    return { element: select, show: (value) => { select.value = JSON.stringify(value ?? spec.default ?? null); } };
  },
};

/** Widgets by kind. `schedulers` (nested scheduler specs) is supplied by the caller: it needs the catalog. */
const KINDS = {
  float: textKind({ parse: parseFloatText, inputmode: "decimal" }),
  int: textKind({ parse: parseIntText, inputmode: "numeric" }),
  int_list: textKind({ parse: parseIntList, inputmode: "numeric" }),
  formula: textKind({ parse: (text) => text, print: String, mono: true }),
  float_pair: floatPair,
  bool,
  choice,
};

/** Kinds whose value spans the whole row (lists and formulas read better wide). */
const WIDE_KINDS = new Set(["formula", "schedulers"]);

/**
 * One field for one catalog param. `value` undefined shows the default; `onChange(value)` gets
 * the parsed value or undefined. `kinds` adds widgets (the nested-schedulers one).
 */
export function createField({ spec, value, path, onChange, kinds = {}, testids = {} }) {
  const widget = kinds[spec.kind] ?? KINDS[spec.kind] ?? KINDS.formula;
  const id = pathId(path);
  let shell;
  const setLocalError = (message) => showError(shell, message, { source: "local" });
  const emit = (next) => {
    shell.classList.toggle("is-changed", next !== undefined);
    onChange(next);
  };
  const { element, show } = widget.render({ id, spec, value, path, emit, setLocalError });
  const reset = h("button", {
    type: "button", class: "field-reset", title: `Reset to ${placeholderFor(spec)}`,
    "aria-label": `Reset ${spec.name} to its default`,
    onclick: () => {
      show(undefined);
      setLocalError(null);
      emit(undefined);
      document.getElementById(id)?.focus();
    },
  }, "↺");
  shell = fieldShell({
    path, label: spec.name, control: element, reset, wide: WIDE_KINDS.has(spec.kind),
    extraClass: `field-${spec.kind === "bool" ? "check" : spec.kind}`,
  });
  shell.classList.toggle("is-changed", value !== undefined);
  show(value);
  if (testids.input) element.dataset.testid = testids.input;
  if (testids.error) shell.querySelector(".field-error").dataset.testid = testids.error;
  return shell;
}

// ---- errors next to their field ----

/** The character position a formula error names, from `ctx.position`, `position` or the message. */
function errorPosition(issue) {
  const position = issue.ctx?.position ?? issue.position ?? /position (\d+)/.exec(issue.msg ?? "")?.[1];
  return position === undefined ? null : Number(position);
}

/**
 * Show `message` (or clear it) in a field's error slot; a formula also gets its text marked at
 * the position. `source` keeps the API's errors and the field's own parse errors apart.
 */
export function showError(shell, message, { source, position = null, text = null }) {
  const slot = shell.querySelector(":scope > .field-error");
  shell.classList.toggle("has-error", Boolean(message));
  if (message) shell.dataset.errorSource = source;
  else delete shell.dataset.errorSource;
  slot.hidden = !message;
  slot.replaceChildren();
  if (!message) return;
  slot.append(message);
  if (position !== null && typeof text === "string") {
    const at = Math.min(Math.max(position, 0), text.length);
    slot.append(h("code", { class: "formula-excerpt" },
      text.slice(0, at), h("mark", {}, text.slice(at, at + 1) || " "), text.slice(at + 1)));
  }
}

/**
 * Put each API issue next to the field its path names (the longest matching prefix), inside
 * `root`. `valueAt(path)` gives a field's current value (for marking formula positions).
 * Returns the issues no field claimed.
 */
export function applyErrors(root, issues, valueAt) {
  for (const shell of root.querySelectorAll('[data-error-source="server"]')) showError(shell, null, {});
  const unplaced = [];
  for (const issue of issues) {
    let shell = null;
    for (let n = issue.path.length; n > 0 && !shell; n--) {
      shell = root.querySelector(`[data-field="${CSS.escape(pathKey(issue.path.slice(0, n)))}"]`);
    }
    if (!shell) {
      unplaced.push(issue);
      continue;
    }
    const fieldPath = shell.dataset.field.split(".");
    const extra = issue.path.length > fieldPath.length ? ` (${issue.path.slice(fieldPath.length).join(".")})` : "";
    if (shell.dataset.errorSource === "local") continue; // the field's own complaint comes first
    const position = errorPosition(issue);
    showError(shell, issue.msg + extra, { source: "server", position, text: valueAt(issue.path) });
  }
  return unplaced;
}
