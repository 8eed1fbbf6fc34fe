/**
 * snapshot: read a PostgreSQL database's catalog into the normalized model, for every user schema
 * (tables in catalog-tables.ts, everything else in catalog-objects.ts). Names are bare in `public`
 * and qualified elsewhere; the session's search_path is set to `public` while reading, so the
 * catalog's own text functions (format_type, pg_get_expr, pg_get_viewdef...) qualify exactly the
 * names outside it, and put back afterwards.
 */
import type { Schema } from "../../model.ts"
import { readObjects } from "./catalog-objects.ts"
import { readTables } from "./catalog-tables.ts"
import type { PgSession } from "./session.ts"

export async function readSchema(session: PgSession): Promise<Schema> {
  const [setting] = await session.query<{ path: string; version: string }>(
    "SELECT current_setting('search_path') AS path, current_setting('server_version') AS version",
  )
  await session.query("SELECT set_config('search_path', 'public', false)")
  try {
    const { tables, names, serialSequences } = await readTables(session)
    const objects = await readObjects(session, names, serialSequences)
    return {
      engine: "postgres",
      version: (setting?.version ?? "unknown").split(" ")[0] ?? "unknown",
      tables,
      objects,
    }
  } finally {
    await session.query("SELECT set_config('search_path', $1, false)", [setting?.path ?? "public"])
  }
}
