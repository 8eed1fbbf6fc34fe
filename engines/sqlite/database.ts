/**
 * database: a SQLite throwaway database as the engine contract's Database: an in-memory
 * `bun:sqlite` connection with foreign keys enforced, as a careful runner configures it, which can
 * be kept as an image (its bytes, serialized in memory) that later throwaway databases start from
 * instead of replaying a history; those bytes are also what the snapshot cache keeps for the next
 * run (`imageFromBytes`). Resources: one connection per `open` and per copy of an image, closed by
 * the caller (engine.ts ties it to the caller's scope); an image's bytes, dropped with the object
 * that holds them. Nothing is written to disk.
 */
import { Database as BunDatabase } from "bun:sqlite"
import { Effect } from "effect"
import type { Statement } from "../../model.ts"
import { applyStatements, type StatementRunner } from "../apply.ts"
import {
  type ApplyOptions,
  type Database,
  type DatabaseImage,
  EngineFailed,
  StatementFailed,
} from "../engine.ts"
import { countRemoval } from "../removals.ts"
import { sqliteCapabilities } from "./capabilities.ts"
import { readSchema } from "./catalog.ts"
import { errorOffset } from "./error-offset.ts"
import { brokenObjects } from "./exercise.ts"
import {
  foreignKeyViolations,
  holdsUnenforceableKey,
  isForeignKeyMismatch,
  stopEnforcing,
  violationsOfEnforceableKeys,
} from "./foreign-keys.ts"
import { quoteName } from "./lexer.ts"
import { seedRows, transactionOn } from "./seed.ts"

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error))
export const engineFailed = (action: string) => (error: unknown) =>
  new EngineFailed({ engine: "sqlite", action, reason: reason(error) })

/** Statements that open or close a transaction themselves (sqitch's templates write them). */
const controlsTransaction = (s: Statement) =>
  /^(BEGIN|COMMIT|END|ROLLBACK)\b/i.test(s.sql.trim()) && !/^BEGIN\s+ATOMIC/i.test(s.sql)

/**
 * Statements that reach files beyond the in-memory database: ATTACH opens (or creates) any file
 * the process may write, VACUUM INTO writes one. SQL a model wrote runs here too, so aim runs
 * neither, whoever wrote it.
 */
const reachesFiles = (s: Statement) => {
  const sql = s.sql.replace(/^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/, "")
  return /^ATTACH\b/i.test(sql) || /^VACUUM\b[^;]*\bINTO\b/i.test(sql)
}

/** A value as text that tells types apart, so 1 and '1' do not compare equal. */
function cell(value: unknown): string {
  if (value === null) return "null"
  if (value instanceof Uint8Array) return `x'${Buffer.from(value).toString("hex")}'`
  if (typeof value === "bigint") return `${value}`
  if (typeof value === "number") return Number.isInteger(value) ? `${value}` : `${value}r`
  return JSON.stringify(value)
}

/**
 * What every throwaway connection gets before any SQL runs, fresh or copied from an image: foreign
 * keys enforced, as a careful runner configures them. Connection settings are not part of a
 * serialized database, so a copy gets them here exactly as a fresh one does.
 */
function configure(db: BunDatabase): void {
  db.run("PRAGMA foreign_keys = ON")
}

/**
 * Connection-level settings SQL can change (https://www.sqlite.org/pragma.html) and that a
 * serialized copy of the main database does not carry. case_sensitive_like cannot be read back,
 * so what LIKE does is asked instead.
 */
const connectionPragmas = [
  "foreign_keys",
  "defer_foreign_keys",
  "recursive_triggers",
  "legacy_alter_table",
  "reverse_unordered_selects",
  "trusted_schema",
  "cell_size_check",
  "automatic_index",
  "ignore_check_constraints",
  "query_only",
  "writable_schema",
  "secure_delete",
  "temp_store",
  "cache_size",
  "cache_spill",
  "busy_timeout",
  "synchronous",
  "locking_mode",
  "max_page_count",
  "analysis_limit",
  "read_uncommitted",
  "count_changes",
  "empty_result_callbacks",
  "short_column_names",
  "full_column_names",
]

/**
 * Everything about a connection that lives outside its main database: the settings above, TEMP
 * tables, views and triggers (they act on main tables but are not serialized), and an open
 * transaction. Two connections in the same state here, holding the same main database, behave alike.
 */
function connectionState(db: BunDatabase): string {
  const settings = connectionPragmas.map((p) => `${p}=${db.query(`PRAGMA ${p}`).values().join(",")}`)
  const like = db.query("SELECT 'a' LIKE 'A'").values().join(",")
  const temp = db.query("SELECT count(*) FROM temp.sqlite_schema").values().join(",")
  return [...settings, `like=${like}`, `temp=${temp}`, `transaction=${db.inTransaction}`].join("\n")
}

let freshState: string | undefined

/** The state of a connection as `open` hands it out, before any SQL ran. */
function freshConnectionState(): string {
  if (freshState === undefined) {
    const handle = open()
    try {
      freshState = connectionState(handle.db)
    } finally {
      handle.close()
    }
  }
  return freshState
}

/**
 * A throwaway in-memory database: empty, or a copy of `image` (bytes of `serialize()`), which
 * `deserialize` copies, so nothing done here reaches the image or another copy.
 */
export function open(image?: Uint8Array): {
  readonly database: Database
  readonly db: BunDatabase
  readonly close: () => void
} {
  const db = image
    ? BunDatabase.deserialize(image, { safeIntegers: true })
    : new BunDatabase(":memory:", { safeIntegers: true })
  configure(db)
  // Foreign keys stop being enforced once the database holds one SQLite cannot enforce (see
  // foreign-keys.ts); every other key is then checked by query.
  let enforcing = true
  const stop = () => {
    stopEnforcing(db)
    enforcing = false
  }
  const runner: StatementRunner = {
    run: async (s) => {
      db.run(s.sql)
    },
    ...transactionOn(db),
    controlsTransaction,
    refuse: (s) =>
      reachesFiles(s)
        ? "ATTACH and VACUUM INTO reach files outside aim's throwaway database; aim does not run them"
        : undefined,
    offset: (s, error) => errorOffset(s.sql, reason(error)),
  }
  const run = (statements: ReadonlyArray<Statement>, options: ApplyOptions) =>
    applyStatements(runner, sqliteCapabilities, statements, options)
  /**
   * A write the script makes to a key SQLite cannot enforce fails with "foreign key mismatch": run
   * it as such a user's database does, without enforcement, from where it can start over cleanly
   * (the whole script, when it ran in aim's transaction and was rolled back; else the statement
   * that failed, the ones before it having taken effect).
   */
  const apply = (statements: ReadonlyArray<Statement>, options: ApplyOptions) =>
    run(statements, options).pipe(
      Effect.catchIf(
        (error) =>
          error instanceof StatementFailed &&
          enforcing &&
          !statements.some(controlsTransaction) &&
          isForeignKeyMismatch(error.reason),
        (error) => {
          const wrapped = options.transaction && statements.length > 0
          const failedAt = statements.findIndex(
            (s) =>
              s.sql === (error as StatementFailed).statement && s.line === (error as StatementFailed).line,
          )
          stop()
          return run(wrapped || failedAt < 0 ? statements : statements.slice(failedAt), options)
        },
      ),
    )
  const database: Database = {
    apply,
    snapshot: Effect.try({ try: () => readSchema(db), catch: engineFailed("read the catalog") }),
    seed: (schema, conditions) =>
      Effect.tryPromise({
        try: () => {
          if (enforcing && !db.inTransaction && holdsUnenforceableKey(db)) stop()
          return seedRows(db, schema, conditions)
        },
        catch: engineFailed("insert synthesized rows"),
      }),
    readRows: (table, columns) =>
      Effect.try({
        try: () => {
          const list = columns.length > 0 ? columns.map((c) => quoteName(c)).join(", ") : "1"
          const rows = db.query(`SELECT ${list} FROM ${quoteName(table)}`).values()
          return rows.map((r) => `(${r.map(cell).join(", ")})`).sort()
        },
        catch: engineFailed(`read rows of ${table}`),
      }),
    foreignKeyViolations: Effect.try({
      try: () => (enforcing ? foreignKeyViolations(db) : violationsOfEnforceableKeys(db)),
      catch: engineFailed("check foreign keys"),
    }),
    brokenObjects: Effect.try({
      try: () => brokenObjects(db),
      catch: engineFailed("use the views and triggers"),
    }),
    // A copy of what the history built, for the verifications that would otherwise replay it: the
    // main database serialized (a few milliseconds even for a long history), and only when this
    // connection holds nothing a copy would lose.
    keepAsImage: Effect.try({
      try: () => (connectionState(db) === freshConnectionState() ? imageOf(db.serialize()) : undefined),
      catch: engineFailed("keep a copy of the database"),
    }),
  }
  return { database, db, close: () => db.close(false) }
}

/** A throwaway database, empty or a copy of `bytes`, closed (and counted) when its scope ends. */
export const lease = (bytes?: Uint8Array) =>
  Effect.acquireRelease(
    Effect.try({
      try: () => open(bytes),
      catch: engineFailed(bytes ? "copy a throwaway database" : "open a throwaway database"),
    }),
    (handle) =>
      Effect.sync(() => {
        handle.close()
        countRemoval("database")
      }),
  ).pipe(Effect.map((handle) => handle.database))

/** An image of the database `bytes` hold (what `serialize()` returns): each copy is a new connection. */
function imageOf(bytes: Uint8Array): DatabaseImage {
  return { clone: lease(bytes), bytes }
}

/**
 * Bytes an earlier run kept, as an image, when they hold a sound database (quick_check reads every
 * page) that a connection opens the way `open` does; undefined otherwise.
 */
export const imageFromBytes = (bytes: Uint8Array) =>
  Effect.sync(() => {
    try {
      const handle = open(bytes)
      try {
        const check = handle.db.query("PRAGMA quick_check").values()
        return check.length === 1 && check[0]?.[0] === "ok" ? imageOf(bytes) : undefined
      } finally {
        handle.close()
      }
    } catch {
      return undefined
    }
  })
