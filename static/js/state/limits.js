// The server's limits, as GET /api/catalog sends them (`limits`, by name: design.md §12). The page
// has no numbers of its own: it reads each limit from the catalog, so a server configured with
// other limits (OPTIMLAB_MAX_RUNS=4) gets a page that offers, reads and checks exactly those.

/**
 * Limits the server's request schema enforces that the catalog does not list (yet): a run's label
 * (app/engine/spec.py), a list of integers (app/engine/catalog.py), the QR code's URL (app/api/qr.py).
 * The catalog's value wins as soon as it sends one by the same name.
 */
const SCHEMA_LIMITS = Object.freeze({ max_label_length: 100, max_list_items: 1000, max_qr_url_length: 2048 });

/**
 * The limit `name` of this server: the catalog's, else the schema's. A limit neither knows is not
 * checked here (Infinity): the server still checks it, and its 422 names the field.
 */
export function limitOf(catalog, name) {
  return catalog.limits?.[name] ?? SCHEMA_LIMITS[name] ?? Infinity;
}
