/**
 * throwaway: throwaway databases on a server aim may share with others (a user's URL, a container,
 * a local cluster). Each `ephemeral` creates a database named `aim_<random>` from template0,
 * connects one session to it, and when its scope closes (success, failure or interruption) closes
 * the session and drops that database, forcing other connections off it. Nothing else on the server
 * is read or written. Resources: one admin connection for the life of the enclosing scope (the
 * engine layer's), plus one connection and one database per ephemeral.
 */
import { randomBytes } from "node:crypto"
import { Effect, type Scope } from "effect"
import type { EngineFailed } from "../../engine.ts"
import type { PgSession } from "../session.ts"
import { failWith, shortVersion } from "./backend.ts"
import { type Driver, sessionOf } from "./postgres-js-session.ts"

export interface ServerConnector {
  /** Engine id, for error messages. */
  readonly engine: string
  /** A driver connected to `database`, or to the server's own default database when undefined. */
  readonly connect: (database?: string) => Driver
  /** Scrubs secrets (a URL's password) from driver messages. */
  readonly clean: (text: string) => string
}

export interface ThrowawayServer {
  readonly serverVersion: string
  readonly ephemeral: Effect.Effect<PgSession, EngineFailed, Scope.Scope>
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`

/** `aim_` and 16 hex digits: unique enough that concurrent runs on one server never collide. */
export const throwawayName = () => `aim_${randomBytes(8).toString("hex")}`

/** DROP DATABASE ... WITH (FORCE) exists from PostgreSQL 13; before that, end the sessions first. */
export function dropStatements(name: string, serverVersionNum: number): ReadonlyArray<string> {
  if (serverVersionNum >= 130000) return [`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`]
  return [
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`,
    `DROP DATABASE IF EXISTS ${quoteIdent(name)}`,
  ]
}

export const throwawayServer = Effect.fnUntraced(function* (connector: ServerConnector) {
  const fail = (action: string) => failWith(connector.engine, action, connector.clean)
  const admin = yield* Effect.acquireRelease(
    Effect.try({ try: () => connector.connect(), catch: fail("connect to the PostgreSQL server") }),
    (sql) => Effect.promise(() => sql.end({ timeout: 5 }).catch(() => undefined)),
  )
  const adminSession = sessionOf(admin)
  const [info] = yield* Effect.tryPromise({
    try: () =>
      adminSession.query<{ version: string; num: string }>(
        "SELECT current_setting('server_version') AS version, current_setting('server_version_num') AS num",
      ),
    catch: fail("connect to the PostgreSQL server"),
  })
  const versionNum = Number(info?.num ?? 0)

  /**
   * Drop `name` (IF EXISTS), on the admin connection, or on a fresh one when that connection is
   * gone (the server ended it, as pg_terminate_backend or a restart does): a throwaway database
   * must not outlive the run because the connection that made it was cut.
   */
  const dropDatabase = (name: string) => {
    const dropOn = (session: ReturnType<typeof sessionOf>) => async () => {
      for (const statement of dropStatements(name, versionNum)) await session.exec(statement)
    }
    return Effect.tryPromise(dropOn(adminSession)).pipe(
      Effect.catch(() =>
        Effect.tryPromise(async () => {
          const fresh = connector.connect()
          try {
            await dropOn(sessionOf(fresh))()
          } finally {
            await fresh.end({ timeout: 5 }).catch(() => undefined)
          }
        }),
      ),
      Effect.catch((error) =>
        Effect.logWarning(
          `${connector.engine}: could not drop throwaway database ${name}: ${connector.clean(String(error))}`,
        ),
      ),
    )
  }

  const createDatabase = Effect.acquireRelease(
    Effect.suspend(() => {
      const name = throwawayName()
      return Effect.tryPromise({
        // template0 and C collation: the same empty database on every server, whatever its defaults.
        try: () =>
          adminSession.exec(
            `CREATE DATABASE ${quoteIdent(name)} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`,
          ),
        catch: fail("create a throwaway database"),
      }).pipe(
        Effect.as(name),
        // The connection may have been cut after the server created it but before it answered.
        Effect.tapError(() => dropDatabase(name)),
      )
    }),
    dropDatabase,
  )

  const ephemeral = Effect.gen(function* () {
    const name = yield* createDatabase
    const sql = yield* Effect.acquireRelease(
      Effect.try({ try: () => connector.connect(name), catch: fail(`connect to ${name}`) }),
      (sql) => Effect.promise(() => sql.end({ timeout: 5 }).catch(() => undefined)),
    )
    const session = sessionOf(sql)
    // postgres.js connects lazily; connecting now makes a refused connection fail here, by name.
    yield* Effect.tryPromise({ try: () => session.query("SELECT 1"), catch: fail(`connect to ${name}`) })
    return session
  })

  return { serverVersion: shortVersion(info?.version ?? "unknown"), ephemeral } satisfies ThrowawayServer
})
