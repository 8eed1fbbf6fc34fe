/**
 * SQLite engine: throwaway databases are in-memory `bun:sqlite` connections with foreign keys
 * enforced, as a careful runner configures them. Resources: one connection per `ephemeral`, closed
 * when the caller's scope closes (success, failure or interruption), so nothing is left on disk.
 */
import { Database as BunDatabase } from "bun:sqlite"
import { Effect, Layer } from "effect"
import type { Statement } from "../../model.ts"
import { type Database, Engine, EngineFailed, SqlSyntaxError, StatementFailed } from "../engine.ts"
import { LexError, quoteName } from "./lexer.ts"
import { planSqlite } from "./planner.ts"
import { renderTable } from "./render.ts"
import { seedRows } from "./seed.ts"
import { readSchema } from "./snapshot.ts"
import { splitStatements } from "./split.ts"

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error))
const engineFailed = (action: string) => (error: unknown) =>
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

function open(): { readonly database: Database; readonly close: () => void } {
  const db = new BunDatabase(":memory:", { safeIntegers: true })
  db.run("PRAGMA foreign_keys = ON")
  const apply = (statements: ReadonlyArray<Statement>, options: { transaction: boolean }) =>
    Effect.try({
      try: () => {
        const outside = statements.find(reachesFiles)
        if (outside)
          throw new StatementFailed({
            source: outside.source,
            line: outside.line,
            statement: outside.sql,
            reason:
              "ATTACH and VACUUM INTO reach files outside aim's throwaway database; aim does not run them",
          })
        const wrap = options.transaction && !statements.some(controlsTransaction)
        if (wrap) db.run("BEGIN")
        for (const s of statements) {
          try {
            db.run(s.sql)
          } catch (error) {
            if (db.inTransaction) db.run("ROLLBACK")
            throw new StatementFailed({
              source: s.source,
              line: s.line,
              statement: s.sql,
              reason: reason(error),
            })
          }
        }
        if (wrap) db.run("COMMIT")
      },
      catch: (error) =>
        error instanceof StatementFailed
          ? error
          : new StatementFailed({
              source: statements[0]?.source ?? "",
              line: 0,
              statement: "COMMIT",
              reason: reason(error),
            }),
    })
  const database: Database = {
    apply,
    snapshot: Effect.try({ try: () => readSchema(db), catch: engineFailed("read the catalog") }),
    seed: (schema) =>
      Effect.try({ try: () => seedRows(db, schema), catch: engineFailed("insert synthesized rows") }),
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
      try: () =>
        db
          .query<{ table: string; parent: string; rowid: number | null }, []>("PRAGMA foreign_key_check")
          .all()
          .map((v) => `${v.table} (rowid ${v.rowid}) -> ${v.parent}`),
      catch: engineFailed("check foreign keys"),
    }),
  }
  return { database, close: () => db.close(false) }
}

/** https://www.sqlite.org/lang_altertable.html: what ALTER TABLE does, and the documented rebuild for the rest. */
const promptRules = [
  "ALTER TABLE can only RENAME TO, RENAME COLUMN, ADD COLUMN and DROP COLUMN; any other change to a table (type, NOT NULL, default, constraint, foreign key) needs a rebuild: CREATE TABLE new_x with the new definition, INSERT INTO new_x SELECT ... FROM x, DROP TABLE x, ALTER TABLE new_x RENAME TO x, then recreate x's indexes and triggers.",
  "PRAGMA foreign_keys cannot change inside the transaction and stays ON: dropping a table that others reference with ON DELETE CASCADE deletes their rows, so keep those rows (copy them aside and back) when rebuilding a referenced table.",
  "Drop the views that read a table before rebuilding or renaming it, and create them again afterwards.",
  "ADD COLUMN cannot add a PRIMARY KEY or UNIQUE column, nor a NOT NULL column without a non-NULL default.",
]

function sqliteVersion(): string {
  const db = new BunDatabase(":memory:")
  try {
    return db.query<{ v: string }, []>("SELECT sqlite_version() AS v").get()?.v ?? "unknown"
  } finally {
    db.close()
  }
}

export const make = Effect.sync(() =>
  Engine.of({
    id: "sqlite",
    dialect: "SQLite",
    description: `SQLite ${sqliteVersion()} (in-process bun:sqlite, in-memory throwaway databases)`,
    capabilities: { transactionalDdl: true, grammar: "sqlite" },
    split: (sql, source) =>
      Effect.try({
        try: () => splitStatements(sql, source),
        catch: (error) =>
          new SqlSyntaxError({
            source,
            line: error instanceof LexError ? error.line : 1,
            reason: reason(error),
          }),
      }),
    ephemeral: Effect.acquireRelease(
      Effect.try({ try: open, catch: engineFailed("open a throwaway database") }),
      (handle) => Effect.sync(handle.close),
    ).pipe(Effect.map((handle) => handle.database)),
    plan: (from, to) => Effect.sync(() => planSqlite(from, to)),
    renderTable,
    promptRules,
  }),
)

/**
 * The SQLite engine as a layer: in-process bun:sqlite, each throwaway database in memory; needs no server.
 */
export const layer = Layer.effect(Engine, make)
