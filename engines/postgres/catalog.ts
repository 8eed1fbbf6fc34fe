/**
 * catalog: read a PostgreSQL database's catalog into the normalized model, for every user schema
 * (tables in catalog-tables.ts, everything else in catalog-objects.ts). Names are bare in `public`
 * and qualified elsewhere; the session's search_path is set to `public` while reading, so the
 * catalog's own text functions (format_type, pg_get_expr, pg_get_viewdef...) qualify exactly the
 * names outside it, and put back afterwards.
 */
import type { Schema } from "../../model.ts"
import { readObjects } from "./catalog-objects.ts"
import { readPrivileges } from "./catalog-privileges.ts"
import { readTables } from "./catalog-tables.ts"
import type { PgSession } from "./session.ts"

export async function readSchema(session: PgSession): Promise<Schema> {
  // One round trip: the subquery's row (the settings as they were) is produced before the outer
  // target list sets search_path.
  const [setting] = await session.query<{ path: string; version: string }>(
    `SELECT s.path, s.version, set_config('search_path', 'public', false) AS public
       FROM (SELECT current_setting('search_path') AS path, current_setting('server_version') AS version OFFSET 0) s`,
  )
  try {
    // Every catalog query is sent before any answer is awaited: one wait instead of one per group.
    const version = (setting?.version ?? "unknown").split(" ")[0] ?? "unknown"
    const catalog = readTables(session)
    const [{ tables }, objects, grants] = await Promise.all([
      catalog,
      readObjects(session, catalog),
      readPrivileges(session, version),
    ])
    const all = [...objects, ...grants].sort((a, b) =>
      `${a.kind}:${a.name}`.localeCompare(`${b.kind}:${b.name}`),
    )
    return { engine: "postgres", version, tables, objects: all }
  } finally {
    await session.query("SELECT set_config('search_path', $1, false)", [setting?.path ?? "public"])
  }
}
