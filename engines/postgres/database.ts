/**
 * database: the engine's Database over one PgSession, whichever backend produced it. Scripts run
 * statement by statement (so a failure names its file and line), inside BEGIN/COMMIT when asked
 * and the script does not manage transactions itself. Holds nothing; the session belongs to the
 * ephemeral scope that created it.
 */
import { Effect } from "effect"
import type { Statement } from "../../model.ts"
import { type ApplyOptions, type Database, EngineFailed, StatementFailed } from "../engine.ts"
import { readRows, seedRows } from "./seed.ts"
import type { PgSession } from "./session.ts"
import { readSchema } from "./snapshot.ts"

/** BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK, ABORT at the start of a statement (not BEGIN ATOMIC). */
export const controlsTransaction = (s: Statement) =>
  /^(BEGIN|START\s+TRANSACTION|COMMIT|END|ROLLBACK|ABORT)\b/i.test(s.sql.trim()) &&
  !/^BEGIN\s+ATOMIC\b/i.test(s.sql.trim())

/** The server's message, with its DETAIL and HINT, which often name the object at fault. */
export function serverMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const { detail, hint } = error as { detail?: unknown; hint?: unknown }
  return [error.message, detail ? `DETAIL: ${detail}` : "", hint ? `HINT: ${hint}` : ""]
    .filter((l) => l !== "")
    .join("\n")
}

/**
 * A failure of the connection rather than of the statement: the driver's own codes, and the
 * server's SQLSTATE classes 08 (connection exception) and 57P (terminated, shut down).
 */
export function lostConnection(error: unknown): boolean {
  const code = String((error as { code?: unknown } | null)?.code ?? "")
  return (
    /^(CONNECTION_(CLOSED|ENDED|DESTROYED)|ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT)$/.test(code) ||
    /^(08...|57P0[123])$/.test(code)
  )
}

export function sessionDatabase(engine: string, session: PgSession): Database {
  const engineFailed = (action: string) => (error: unknown) =>
    new EngineFailed({ engine, action, reason: serverMessage(error) })

  const connectionLost = (at: Statement | undefined, error: unknown) =>
    new EngineFailed({
      engine,
      action: `run ${at ? `${at.source}:${at.line}` : "a script"}`,
      reason: `the connection to the server was lost (${serverMessage(error)})`,
    })

  const apply = (statements: ReadonlyArray<Statement>, options: ApplyOptions) =>
    Effect.tryPromise({
      try: async () => {
        const wrap = options.transaction && !statements.some(controlsTransaction)
        if (wrap) await session.exec("BEGIN")
        for (const s of statements) {
          try {
            await session.exec(s.sql)
          } catch (error) {
            if (lostConnection(error)) throw connectionLost(s, error)
            // Whoever opened the transaction (aim or the script), it is aborted now; end it so the
            // session stays usable. Without one open, ROLLBACK only warns.
            await session.exec("ROLLBACK").catch(() => undefined)
            throw new StatementFailed({
              source: s.source,
              line: s.line,
              statement: s.sql,
              reason: serverMessage(error),
            })
          }
        }
        if (wrap) {
          try {
            await session.exec("COMMIT")
          } catch (error) {
            if (lostConnection(error)) throw connectionLost(statements.at(-1), error)
            // Deferred constraints are checked at COMMIT.
            throw new StatementFailed({
              source: statements[0]?.source ?? "",
              line: statements.at(-1)?.line ?? 0,
              statement: "COMMIT",
              reason: serverMessage(error),
            })
          }
        }
      },
      catch: (error) =>
        error instanceof StatementFailed || error instanceof EngineFailed
          ? error
          : lostConnection(error)
            ? connectionLost(statements[0], error)
            : new StatementFailed({
                source: statements[0]?.source ?? "",
                line: 0,
                statement: "BEGIN",
                reason: serverMessage(error),
              }),
    })

  return {
    apply,
    snapshot: Effect.tryPromise({ try: () => readSchema(session), catch: engineFailed("read the catalog") }),
    seed: (schema) =>
      Effect.tryPromise({
        try: () => seedRows(session, schema),
        catch: engineFailed("insert synthesized rows"),
      }),
    readRows: (table, columns) =>
      Effect.tryPromise({
        try: () => readRows(session, table, columns),
        catch: engineFailed(`read rows of ${table}`),
      }),
    // PostgreSQL checks foreign keys on every statement (or at COMMIT when deferred); rows that
    // break one cannot exist, so there is nothing to look for.
    foreignKeyViolations: Effect.succeed([]),
  }
}
