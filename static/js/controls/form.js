// Where a form's values live: one document in the state (surfaces mode's experiment, network mode's
// training), the change flag its edits raise, and the prefix of its fields' page paths (ids, 422
// locations). The surface card, the run cards and network mode's controls all edit through one.

import { getIn, setIn } from "../state/store.js";
import { createField } from "./fields.js";

/**
 * A binding of fields to `docOf(state)`. `flag`: the change flag every edit raises; `prefix`: the
 * page path of the document's fields; `flagsFor(path)`: extra flags an edit at `path` raises;
 * `kinds`: extra widgets (the nested schedulers).
 */
export function createForm({ store, docOf, flag, prefix = [], flagsFor = () => ({}), kinds = {} }) {
  const form = {
    kinds,
    doc: () => docOf(store.state),
    /** The page path (ids, 422 `loc`) of a path inside the document. */
    fieldPath: (path) => [...prefix, ...path],
    /** A path inside the document from a page path (an issue's). */
    docPath: (fieldPath) => fieldPath.slice(prefix.length),
    valueAt: (path) => getIn(docOf(store.state), path),
    change: (mutate, flags = {}) => store.update((s) => mutate(docOf(s)), { [flag]: true, ...flags }),
    setAt: (path, value, flags = {}) => form.change((doc) => setIn(doc, path, value), { ...flagsFor(path), ...flags }),

    /** A field for an optional hyperparameter: unset means torch's default. */
    paramField: (spec, path, testids) => createField({
      spec, path: form.fieldPath(path), value: form.valueAt(path), onChange: (v) => form.setAt(path, v), kinds, testids,
    }),

    /** A field for a setting that always has a value: reset restores the spec's default. */
    settingField(spec, path, flags = {}) {
      const value = form.valueAt(path);
      const isDefault = JSON.stringify(value) === JSON.stringify(spec.default);
      return createField({
        spec, path: form.fieldPath(path), value: isDefault ? undefined : value,
        onChange: (v) => form.setAt(path, v ?? structuredClone(spec.default), flags),
      });
    },
  };
  return form;
}
