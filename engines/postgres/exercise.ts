/**
 * exercise (PostgreSQL): find views and functions that exist but fail when used. Every view and
 * populated materialized view is read with `SELECT * FROM v LIMIT 0`. Every function and
 * procedure of the user's (trigger functions included) is handed to its language's validator with
 * check_function_bodies on, as CREATE FUNCTION does
 * (https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-CHECK-FUNCTION-BODIES):
 * an SQL function whose body names a table that a migration dropped, or one created while the
 * setting was off, fails here; PL/pgSQL bodies are checked for syntax, which is what PostgreSQL
 * itself checks. A function's own `SET search_path` is applied while it is checked, as it is when
 * it runs. Settings changed here are put back; nothing else changes. Holds nothing.
 */
import type { BrokenObject } from "../engine.ts"
import { notExtensionMember, userNamespace } from "./catalog-filter.ts"
import { modelName, quoteIdent, quoteLiteral } from "./names.ts"
import type { PgSession } from "./session.ts"

const VIEWS = `
SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind, c.relispopulated AS populated
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('v', 'm') AND ${userNamespace("n")} AND ${notExtensionMember("pg_class", "c.oid")}
ORDER BY 1, 2`

const FUNCTIONS = `
SELECT p.oid::text AS oid, n.nspname AS schema, p.proname AS name, p.prokind::text AS kind,
  pg_get_function_identity_arguments(p.oid) AS args, l.lanvalidator::regproc::text AS validator,
  (SELECT substring(setting FROM 'search_path=(.*)') FROM unnest(p.proconfig) AS setting
    WHERE setting LIKE 'search\\_path=%') AS search_path
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
WHERE p.prokind IN ('f', 'p') AND l.lanvalidator <> 0 AND ${userNamespace("n")}
  AND ${notExtensionMember("pg_proc", "p.oid")}
ORDER BY 2, 3, 5`

const message = (error: unknown) => (error instanceof Error ? error.message : String(error))

async function brokenViews(session: PgSession): Promise<BrokenObject[]> {
  const views = await session.query<{ schema: string; name: string; kind: string; populated: boolean }>(VIEWS)
  const broken: BrokenObject[] = []
  for (const view of views) {
    // A materialized view created WITH NO DATA cannot be read until it is refreshed, by design.
    if (view.kind === "m" && !view.populated) continue
    try {
      await session.query(`SELECT * FROM ${quoteIdent(view.schema)}.${quoteIdent(view.name)} LIMIT 0`)
    } catch (error) {
      const kind = view.kind === "m" ? "materialized-view" : "view"
      broken.push({ kind, name: modelName(view.schema, view.name), reason: message(error) })
    }
  }
  return broken
}

interface FunctionRow {
  readonly oid: string
  readonly schema: string
  readonly name: string
  readonly kind: string
  readonly args: string
  readonly validator: string
  readonly search_path: string | null
}

async function brokenFunctions(session: PgSession): Promise<BrokenObject[]> {
  const functions = await session.query<FunctionRow>(FUNCTIONS)
  if (functions.length === 0) return []
  const setting = (name: string, value: string) =>
    session.query(`SELECT set_config(${quoteLiteral(name)}, ${quoteLiteral(value)}, false)`)
  const [saved] = await session.query<{ bodies: string; path: string }>(
    "SELECT current_setting('check_function_bodies') AS bodies, current_setting('search_path') AS path",
  )
  const broken: BrokenObject[] = []
  try {
    await setting("check_function_bodies", "on")
    for (const f of functions) {
      if (f.search_path !== null) await setting("search_path", f.search_path)
      try {
        await session.query(`SELECT ${f.validator}(${Number(f.oid)}::oid)`)
      } catch (error) {
        const kind = f.kind === "p" ? "procedure" : "function"
        broken.push({ kind, name: `${modelName(f.schema, f.name)}(${f.args})`, reason: message(error) })
      } finally {
        if (f.search_path !== null) await setting("search_path", saved?.path ?? "")
      }
    }
  } finally {
    await setting("check_function_bodies", saved?.bodies ?? "on")
  }
  return broken
}

/** Every view and function of the user's that fails when used, with PostgreSQL's reason. */
export async function brokenObjects(session: PgSession): Promise<ReadonlyArray<BrokenObject>> {
  return [...(await brokenViews(session)), ...(await brokenFunctions(session))]
}
