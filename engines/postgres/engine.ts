/**
 * PostgreSQL engine, for ids `postgres-<major>` (`postgres-17`) and plain `postgres` (the newest
 * the backend offers). The server comes from one of four backends (backends/auto.ts decides which
 * and says why in the description); the catalog, planning and seeding code only sees PgSession.
 * Resources: the backend's server (a container, a local cluster, or an admin connection) for the
 * life of the layer's scope, so one per aim run, released on success, failure and Ctrl-C; one
 * throwaway database per `ephemeral` and per copy of a kept image, released with the caller's scope
 * (a database kept as an image, the template of its copies, with the scope of its `ephemeral`).
 */
import { Effect, Layer } from "effect"
import { ConfigError } from "../../config.ts"
import { type Database, Engine, EngineFailed, splitWith, planWith, type EngineOptions } from "../engine.ts"
import { acquireBackend } from "./backends/auto.ts"
import { majorOf } from "./backends/backend.ts"
import { PgliteAssets } from "./backends/embedded.ts"
import { sessionDatabase } from "./database.ts"
import { askedMajor } from "./engine-id.ts"
import { postgresCapabilities } from "./capabilities.ts"
import { planPostgres } from "./planner.ts"
import { renderTable } from "./render.ts"
import type { PgSession } from "./session.ts"
import { splitStatements } from "./split.ts"

/**
 * The engine's Database over `session`, able to keep itself as an image when the backend can copy
 * databases (its copies are Databases of the same kind, sandboxed as fresh ones are).
 */
function databaseOf(engine: string, session: PgSession): Database {
  const database = sessionDatabase(engine, session)
  const keep = session.keepAsTemplate
  if (keep === undefined) return database
  // A copy's objects pass to its own role (REASSIGN OWNED), but default privileges stay with the role
  // that set them (ALTER DEFAULT PRIVILEGES has no owner to reassign): a history that sets some is
  // replayed for each copy instead, so they keep applying to the role that runs the migration.
  const setsDefaultPrivileges = Effect.tryPromise({
    try: () =>
      session.query<{ held: boolean }>(
        "SELECT EXISTS (SELECT FROM pg_default_acl WHERE defaclrole = current_user::regrole) AS held",
      ),
    catch: (error) => new EngineFailed({ engine, action: "read default privileges", reason: String(error) }),
  }).pipe(Effect.map((rows) => rows[0]?.held === true))
  return {
    ...database,
    keepAsImage: setsDefaultPrivileges.pipe(
      Effect.flatMap((held) =>
        held
          ? Effect.succeed(undefined)
          : keep.pipe(
              Effect.map((template) => ({
                clone: template.clone.pipe(Effect.map((copy) => databaseOf(engine, copy))),
              })),
            ),
      ),
    ),
  }
}

/**
 * "postgres-15 was asked, but PostgreSQL 16.4 runs (embedded PGlite runs PostgreSQL 16, 17, 18 and
 * 19)" when the server is not the asked major.
 */
export function versionWarning(
  id: string,
  asked: number | undefined,
  serverVersion: string,
  hint?: string,
): string | undefined {
  if (asked === undefined || majorOf(serverVersion) === asked) return undefined
  return `${id} was asked, but PostgreSQL ${serverVersion} runs${hint ? ` (${hint})` : ""}: a migration verified here may not run on PostgreSQL ${asked}`
}

export const layer = (
  id: string,
  options: EngineOptions = {},
): Layer.Layer<Engine, EngineFailed | ConfigError> =>
  Layer.effect(
    Engine,
    Effect.gen(function* () {
      const asked = askedMajor(id)
      if (asked instanceof Error)
        return yield* new ConfigError({ source: options.source ?? "--engine", reason: asked.message })
      const pglite = yield* PgliteAssets
      const { backend, reason } = yield* acquireBackend({
        engine: id,
        asked,
        settings: options.settings ?? {},
        configFile: options.source,
        env: process.env,
        pglite,
      })
      const warning = versionWarning(id, asked, backend.serverVersion, backend.mismatchHint)
      return Engine.of({
        id,
        dialect: "PostgreSQL",
        description: `PostgreSQL ${backend.serverVersion} (${backend.detail}): ${reason}`,
        server: {
          asked: asked === undefined ? undefined : String(asked),
          running: backend.serverVersion,
          mismatch: warning,
        },
        // The detail says how this run started (initdb or a cached data folder), the reason why the
        // backend was chosen: neither changes what a history builds.
        snapshotIdentity: `PostgreSQL ${backend.serverVersion} (${backend.name})`,
        capabilities: postgresCapabilities,
        split: splitWith(splitStatements),
        ephemeral: backend.ephemeral.pipe(Effect.map((session) => databaseOf(id, session))),
        // PGlite runs in this process; a server takes several databases at once.
        concurrentDatabases: backend.name === "embedded" ? 1 : 4,
        plan: planWith(planPostgres),
        renderTable,
      })
    }),
  )
