/**
 * catalog-filter: which catalog rows belong to the user. Everything aim reads is limited to user
 * schemas (not pg_catalog, information_schema, pg_toast or temporary schemas) and leaves out members
 * of extensions, which pg_depend records with deptype 'e'
 * (https://www.postgresql.org/docs/current/catalog-pg-depend.html). Queries return only text and
 * booleans (arrays as JSON text), so every backend's driver hands back the same values.
 */

/** True for a user namespace; `ns` is a pg_namespace alias. */
export const userNamespace = (ns: string) =>
  `(${ns}.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND ${ns}.nspname NOT LIKE 'pg\\_temp\\_%' AND ${ns}.nspname NOT LIKE 'pg\\_toast\\_temp\\_%')`

/** True unless the object `oid` of catalog `catalog` belongs to an extension. */
export const notExtensionMember = (catalog: string, oid: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend ext WHERE ext.classid = '${catalog}'::regclass AND ext.objid = ${oid} AND ext.deptype = 'e')`

/** Parses the JSON text a query built with array_to_json / json_build_array. */
export const parseJson = <T>(text: unknown): T => JSON.parse(String(text ?? "null")) as T
