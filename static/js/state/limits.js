// The server's limits, as GET /api/catalog sends them (`limits`, by name: design.md §12). The page
// has no numbers of its own: it reads each limit from the catalog, so a server configured with
// other limits (OPTIMLAB_MAX_RUNS=4) gets a page that offers, reads and checks exactly those.

/**
 * The limit `name` of this server. A limit the catalog does not send is not checked here (Infinity):
 * the server still checks it, and its 422 names the field.
 */
export function limitOf(catalog, name) {
  return catalog.limits?.[name] ?? Infinity;
}
