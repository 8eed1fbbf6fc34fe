/**
 * MySQL and MariaDB engine (`mysql-<version>`, `mariadb-<version>`): one implementation, with what
 * differs between the two in a Flavor chosen once. Throwaway databases are `aim_<host>_<pid>_<random>` schemas
 * created on a server from one of three backends (see backends.ts), reached with mysql2.
 * Resources: the server (a container or a local process and its folder; nothing for `url`) is
 * started on first use and held by the engine layer's scope; each `ephemeral` holds one connection
 * and one throwaway database, dropped when the caller's scope closes, interrupted or not.
 */
import { Effect, Layer, Scope } from "effect"
import { applyStatements, type StatementRunner } from "../apply.ts"
import mysql from "mysql2/promise"
import type { Statement } from "../../model.ts"
import {
  type Database,
  Engine,
  EngineFailed,
  type ServerVersions,
  splitWith,
  planWith,
  type EngineOptions,
  type Capabilities,
} from "../engine.ts"
import { leftByGoneRun, ownerPids, removedNote, throwawayName, throwawayRegex } from "../run-mark.ts"
import { ignoreStraySocketRejections } from "../socket-rejections.ts"
import {
  type BackendChoice,
  chooseBackend,
  describeAddress,
  parseServerUrl,
  type RunningServer,
  type ServerAddress,
  startDocker,
  startLocal,
} from "./backends.ts"
import {
  type Flavor,
  flavorOf,
  isMariaDbVersion,
  parseEngineId,
  plainVersion,
  versionMatches,
} from "./flavor.ts"
import { mysqlCapabilities } from "./capabilities.ts"
import { planMysql } from "./planner.ts"
import { renderTable } from "./render.ts"
import { cell, seedRows } from "./seed.ts"
import { normalizeCatalog, readCatalog } from "./catalog.ts"
import { brokenObjects } from "./exercise.ts"
import { splitStatements } from "./split.ts"
import { quoteName } from "./lexer.ts"
import { countRemoval } from "../removals.ts"
import { errorOffset, shortReason } from "./error-offset.ts"

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error))

const connectionOptions = (address: ServerAddress) => ({
  host: address.host,
  port: address.port,
  socketPath: address.socketPath,
  user: address.user,
  password: address.password,
  multipleStatements: false,
  dateStrings: true,
  supportBigNumbers: true,
  bigNumberStrings: true,
  jsonStrings: true,
  connectTimeout: 10_000,
})

/**
 * A connection that never crashes the process: mysql2 emits 'error' on an idle connection the
 * server closes (a restart, wait_timeout, KILL), and an 'error' event with no listener is thrown.
 * The next query on it fails as a lost connection, which is reported where it happens.
 */
export const connect = async (address: ServerAddress) => {
  ignoreStraySocketRejections()
  const conn = await mysql.createConnection(connectionOptions(address))
  // The promise wrapper's types leave out the core connection it wraps (an EventEmitter).
  ;(conn as unknown as { connection: NodeJS.EventEmitter }).connection.on("error", () => {})
  return conn
}

const versionOf = async (conn: mysql.Connection) => {
  const [rows] = await conn.query("SELECT VERSION() AS v")
  return String((rows as Array<{ v: string }>)[0]?.v ?? "")
}

async function serverVersion(address: ServerAddress): Promise<string> {
  const conn = await connect(address)
  try {
    return await versionOf(conn)
  } finally {
    await conn.end()
  }
}

const connects = async (address: ServerAddress) => {
  try {
    await serverVersion(address)
    return true
  } catch {
    return false
  }
}

/** Statements that open or close a transaction themselves. */
const controlsTransaction = (s: Statement) =>
  /^(BEGIN|START\s+TRANSACTION|COMMIT|ROLLBACK|SET\s+autocommit)\b/i.test(s.sql)

/**
 * Drop the databases a dead aim run of this machine left on the server `conn` reaches (see
 * run-mark.ts), and say so in one line; undefined when there were none. Never fails: a database
 * that cannot be dropped stays.
 */
async function removeLeftovers(conn: mysql.Connection): Promise<string | undefined> {
  const [rows] = await conn
    .query("SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME REGEXP ?", [
      throwawayRegex,
    ])
    .catch(() => [[]])
  const gone = (rows as Array<{ name: string }>).map((r) => String(r.name)).filter(leftByGoneRun)
  const dropped: string[] = []
  for (const name of gone)
    await conn.query(`DROP DATABASE IF EXISTS ${quoteName(name)}`).then(
      () => dropped.push(name),
      () => undefined,
    )
  return removedNote([[dropped.length, "throwaway database"]], ownerPids(dropped))
}

/**
 * A failure of the connection rather than of the statement: the socket's codes, mysql2's own, and
 * the server's "gone away" / "lost connection" / "connection killed" / "shutdown in progress"
 * (https://mariadb.com/kb/en/mariadb-error-code-reference/).
 */
export function lostConnection(error: unknown): boolean {
  const { code, errno, fatal } = (error ?? {}) as { code?: unknown; errno?: unknown; fatal?: unknown }
  return (
    /^(PROTOCOL_CONNECTION_LOST|PROTOCOL_SEQUENCE_TIMEOUT|ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT)$/.test(
      String(code ?? ""),
    ) ||
    [1053, 1927, 2006, 2013].includes(Number(errno)) ||
    (fatal === true && /closed state/i.test(reason(error)))
  )
}

/** "mariadb-10.11": the engine id as aim.toml names it, for messages. */
const engineId = (flavor: Flavor) => `${flavor.name}-${flavor.requested}`

/** The server went away while `at` ran: the engine's failure, not the statement's. */
const connectionLost = (flavor: Flavor, at: string, error: unknown) =>
  new EngineFailed({
    engine: engineId(flavor),
    action: `run ${at}`,
    reason: `the connection to the server was lost (${reason(error)})`,
  })

/**
 * A throwaway database on the server at `address`, with one connection to it: `spare()` when it
 * hands over a connection already open to that server (the url backend's first), else a new one.
 */
function openDatabase(
  flavor: Flavor,
  capabilities: Capabilities,
  address: ServerAddress,
  spare: () => mysql.Connection | undefined = () => undefined,
) {
  const failed = (action: string) => (error: unknown) =>
    new EngineFailed({ engine: engineId(flavor), action, reason: reason(error) })
  const acquire = Effect.tryPromise({
    try: async () => {
      const name = throwawayName()
      const create = async (conn: mysql.Connection) => {
        try {
          await conn.query(`CREATE DATABASE IF NOT EXISTS ${quoteName(name)}`)
          await conn.query(`USE ${quoteName(name)}`)
        } catch (error) {
          await conn.end().catch(() => undefined)
          throw error
        }
        return { conn, name }
      }
      const kept = spare()
      // A kept connection the server has closed since (wait_timeout, a restart) fails on first use;
      // the name is aim's own random one, so IF NOT EXISTS only lets a fresh connection finish what
      // the first may have done before its reply was lost.
      if (kept) return create(kept).catch(async () => create(await connect(address)))
      return create(await connect(address))
    },
    catch: failed("create a throwaway database"),
  })
  const release = ({ conn, name }: { conn: mysql.Connection; name: string }) =>
    Effect.promise(async () => {
      try {
        await conn.query(`DROP DATABASE IF EXISTS ${quoteName(name)}`)
        await conn.end()
        countRemoval("database")
      } catch {
        // The connection may be the reason we are here; drop through a fresh one.
        conn.destroy()
        try {
          const other = await connect(address)
          await other.query(`DROP DATABASE IF EXISTS ${quoteName(name)}`)
          countRemoval("database")
          await other.end().catch(() => undefined)
        } catch {
          // Nothing more to do: the server is gone, and the database with it (docker, local).
        }
      }
    })
  return Effect.acquireRelease(acquire, release).pipe(
    Effect.map(({ conn }): Database => {
      const runner: StatementRunner = {
        run: async (s) => {
          await conn.query(s.sql)
        },
        begin: async () => {
          await conn.query("START TRANSACTION")
        },
        commit: async () => {
          await conn.query("COMMIT")
        },
        rollback: () =>
          conn.query("ROLLBACK").then(
            () => undefined,
            () => undefined,
          ),
        controlsTransaction,
        message: (error) => shortReason(reason(error)),
        offset: (s, error) => errorOffset(s.sql, reason(error)),
        lost: (error, at) => (lostConnection(error) ? connectionLost(flavor, at, error) : undefined),
      }
      const query = async (sql: string, params?: ReadonlyArray<unknown>) => {
        const [rows] = await conn.query(sql, params as unknown[] | undefined)
        return rows as Array<Record<string, unknown>>
      }
      return {
        apply: (statements, options) => applyStatements(runner, capabilities, statements, options),
        snapshot: Effect.tryPromise({
          try: async () => normalizeCatalog(await readCatalog(query, flavor), flavor),
          catch: failed("read the catalog"),
        }),
        seed: (schema, conditions) =>
          Effect.tryPromise({
            try: () =>
              seedRows(
                (sql, params) => conn.query(sql, params as unknown[]),
                async (sql) => (await conn.query({ sql, rowsAsArray: true }))[0] as unknown as unknown[][],
                schema,
                conditions,
              ),
            catch: failed("insert synthesized rows"),
          }),
        readRows: (table, columns) =>
          Effect.tryPromise({
            try: async () => {
              const list = columns.length > 0 ? columns.map(quoteName).join(", ") : "1"
              const [rows] = await conn.query({
                sql: `SELECT ${list} FROM ${quoteName(table)}`,
                rowsAsArray: true,
              })
              return (rows as unknown as unknown[][]).map((r) => `(${r.map(cell).join(", ")})`).sort()
            },
            catch: failed(`read rows of ${table}`),
          }),
        foreignKeyViolations: Effect.tryPromise({
          try: () => foreignKeyViolations(query),
          catch: failed("check foreign keys"),
        }),
        brokenObjects: Effect.tryPromise({
          try: () => brokenObjects(query),
          catch: failed("use the views"),
        }),
      }
    }),
  )
}

/** Rows whose foreign key finds no parent row: possible after `SET foreign_key_checks = 0`. */
async function foreignKeyViolations(
  query: (sql: string, params?: ReadonlyArray<unknown>) => Promise<Array<Record<string, unknown>>>,
) {
  // https://dev.mysql.com/doc/refman/8.0/en/information-schema-key-column-usage-table.html
  const rows = await query(
    `SELECT TABLE_NAME AS t, CONSTRAINT_NAME AS name, COLUMN_NAME AS col, REFERENCED_TABLE_NAME AS rt, REFERENCED_COLUMN_NAME AS rc
       FROM information_schema.KEY_COLUMN_USAGE
      WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL
      ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION`,
  )
  const groups = new Map<string, Array<Record<string, unknown>>>()
  for (const r of rows) {
    const key = `${r.t}\u0000${r.name}`
    groups.set(key, [...(groups.get(key) ?? []), r])
  }
  const violations: string[] = []
  for (const parts of groups.values()) {
    const first = parts[0] as Record<string, unknown>
    const child = quoteName(String(first.t))
    const parent = quoteName(String(first.rt))
    const notNull = parts.map((p) => `c.${quoteName(String(p.col))} IS NOT NULL`).join(" AND ")
    const match = parts
      .map((p) => `p.${quoteName(String(p.rc))} = c.${quoteName(String(p.col))}`)
      .join(" AND ")
    const [count] = await query(
      `SELECT COUNT(*) AS n FROM ${child} c WHERE ${notNull} AND NOT EXISTS (SELECT 1 FROM ${parent} p WHERE ${match})`,
    )
    const n = Number(count?.n ?? 0)
    if (n > 0) violations.push(`${first.t} (${n} row${n === 1 ? "" : "s"}, ${first.name}) -> ${first.rt}`)
  }
  return violations
}

/**
 * Start (or reach) the server the choice names; checks that it is the flavor asked for, by the
 * version already read from a url's server when there is one.
 */
function startServer(flavor: Flavor, choice: BackendChoice, knownVersion?: string) {
  const failed = (error: unknown) =>
    new EngineFailed({
      engine: engineId(flavor),
      action: `start ${choice.kind} backend`,
      reason: reason(error),
    })
  const check = (address: ServerAddress, where: string, known?: string) =>
    Effect.tryPromise({
      try: async () => {
        const version = known ?? (await serverVersion(address))
        if (isMariaDbVersion(version) !== (flavor.name === "mariadb"))
          throw new Error(
            `${where} is ${isMariaDbVersion(version) ? "MariaDB" : "MySQL"} ${plainVersion(version)}, not ${flavor.title}`,
          )
        return version
      },
      catch: failed,
    })
  switch (choice.kind) {
    case "none":
      return Effect.fail(
        new EngineFailed({ engine: engineId(flavor), action: "find a server", reason: choice.why }),
      )
    case "url":
      return Effect.gen(function* () {
        const address = yield* Effect.try({ try: () => parseServerUrl(choice.url), catch: failed })
        yield* check(address, `the server at ${describeAddress(address)}`, knownVersion)
        return address
      }).pipe(
        // Name the setting at fault: the URL came from an environment variable or aim.toml.
        Effect.mapError(
          (e) =>
            new EngineFailed({
              engine: e.engine,
              action: e.action,
              reason: `${e.reason} (url from ${choice.source})`,
            }),
        ),
      )
    case "docker":
    case "local": {
      const start =
        choice.kind === "docker" ? () => startDocker(flavor) : () => startLocal(flavor, choice, connects)
      return Effect.acquireRelease(
        Effect.tryPromise({ try: start, catch: failed }),
        (server: RunningServer) =>
          Effect.promise(() =>
            server.stop().then(
              () => countRemoval(choice.kind === "docker" ? "container" : "server"),
              () => undefined,
            ),
          ),
      ).pipe(
        Effect.tap((server) =>
          server.removed
            ? Effect.logInfo(`${flavor.name}-${flavor.requested}: ${server.removed}`)
            : Effect.void,
        ),
        Effect.flatMap((server) =>
          check(server.address, `the ${choice.kind} server`).pipe(Effect.as(server.address)),
        ),
      )
    }
  }
}

function describe(flavor: Flavor, choice: BackendChoice, urlVersion: string | undefined): string {
  const asked = `${flavor.title} ${flavor.requested}`
  const differs = (v: string) => (versionMatches(flavor.requested, v) ? "" : ` (asked for ${asked})`)
  switch (choice.kind) {
    case "url": {
      let where = "a url that does not parse"
      try {
        where = describeAddress(parseServerUrl(choice.url))
      } catch {}
      const version = urlVersion ? `${flavor.title} ${plainVersion(urlVersion)}${differs(urlVersion)}` : asked
      return `${version} at ${where}, throwaway aim_* databases: ${choice.why}`
    }
    case "docker":
      return `${asked} (Docker image ${flavor.dockerImage}, one container for this run): ${choice.why}`
    case "local":
      return `${flavor.title} ${plainVersion(choice.version)}${differs(choice.version)} (local ${choice.server} on a private socket in a temporary folder): ${choice.why}`
    case "none":
      return `${asked}: unavailable: ${choice.why}`
  }
}

/**
 * The asked and the running version where the running one is known before the first database: a
 * url's server (when it answered) and a local install. A Docker container runs the image of the
 * asked version, so it is left out.
 */
function serverVersions(
  id: string,
  flavor: Flavor,
  choice: BackendChoice,
  urlVersion: string | undefined,
): ServerVersions | undefined {
  const version = choice.kind === "url" ? urlVersion : choice.kind === "local" ? choice.version : undefined
  if (version === undefined) return undefined
  const running = plainVersion(version)
  const mismatch = versionMatches(flavor.requested, version)
    ? undefined
    : `${id} was asked, but ${flavor.title} ${running} runs: a migration verified here may not run on ${flavor.title} ${flavor.requested}`
  return { asked: flavor.requested, running, mismatch }
}

export const make = Effect.fnUntraced(function* (id: string, options: EngineOptions = {}) {
  const parsed = parseEngineId(id)
  const flavor = flavorOf(parsed?.flavor ?? "mysql", parsed?.version ?? "8")
  const choice: BackendChoice = parsed
    ? yield* chooseBackend(flavor, options.settings, process.env)
    : { kind: "none", why: `"${id}" is not an engine id of the form mysql-<version> or mariadb-<version>` }
  if (choice.kind === "local" && choice.notice) yield* Effect.logInfo(`${id}: ${choice.notice}`)
  // A url's server is asked its version now, for the description; the connection that asked is kept
  // for the first throwaway database (closed with the layer if none is made), and failing to reach
  // the server is reported when a database is first needed.
  let urlVersion: string | undefined
  let spare: mysql.Connection | undefined
  if (choice.kind === "url") {
    const reached = yield* Effect.tryPromise(async () => {
      const conn = await connect(parseServerUrl(choice.url))
      try {
        const version = await versionOf(conn)
        return { conn, version, removed: await removeLeftovers(conn) }
      } catch (error) {
        conn.destroy()
        throw error
      }
    }).pipe(Effect.catch(() => Effect.succeed(undefined)))
    urlVersion = reached?.version
    if (reached?.removed) yield* Effect.logInfo(`${id}: ${reached.removed}`)
    spare = reached?.conn
    yield* Effect.addFinalizer(() =>
      Effect.promise(async () => {
        await spare?.end().catch(() => spare?.destroy())
      }),
    )
  }
  const takeSpare = () => {
    const conn = spare
    spare = undefined
    return conn
  }
  // The server starts on first use, in the layer's scope: commands that never need a database start nothing.
  const capabilities = mysqlCapabilities(flavor.name)
  const layerScope = yield* Effect.scope
  const server = yield* Effect.cached(startServer(flavor, choice, urlVersion).pipe(Scope.provide(layerScope)))
  return Engine.of({
    id,
    dialect: flavor.title,
    description: describe(flavor, choice, urlVersion),
    server: serverVersions(id, flavor, choice, urlVersion),
    capabilities,
    split: splitWith(splitStatements),
    ephemeral: server.pipe(
      Effect.flatMap((address) => openDatabase(flavor, capabilities, address, takeSpare)),
    ),
    concurrentDatabases: 4,
    plan: planWith((changes, from, to) => planMysql(changes, from, to, flavor)),
    renderTable,
  })
})

export const layer = (id: string, options: EngineOptions = {}) => Layer.effect(Engine, make(id, options))
