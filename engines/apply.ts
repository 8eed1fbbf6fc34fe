/**
 * apply: the one loop that runs a script's statements on a throwaway database the way the user's
 * runner does: statements an engine will not run are refused first, naming file and line; the
 * script runs inside one transaction when asked, unless it manages transactions itself or its DDL
 * cannot be rolled back (the engine's `transactionalDdl`; then only an all-DML script is wrapped);
 * a statement the database rejects ends the transaction and is a StatementFailed naming its file and
 * line, and a lost connection is an EngineFailed (the server's fault, not the statement's). How a
 * statement runs is the engine's (`StatementRunner`). Holds nothing; the connection is the engine's.
 */
import { Effect } from "effect"
import type { Statement } from "../model.ts"
import { type ApplyOptions, type Capabilities, EngineFailed, StatementFailed } from "./engine.ts"

/** How an engine runs one script's statements on one connection. */
export interface StatementRunner {
  /** Run one statement; throws the database's refusal. */
  readonly run: (s: Statement) => Promise<void>
  readonly begin: () => Promise<void>
  readonly commit: () => Promise<void>
  /** End whatever transaction a failure left open (aim's or the script's); never throws. */
  readonly rollback: () => Promise<void>
  /** A statement that opens or closes a transaction itself, so aim does not wrap the script. */
  readonly controlsTransaction: (s: Statement) => boolean
  /** Why the engine will not run a statement of this script (ATTACH, COMMIT in a model's script...). */
  readonly refuse?: ((s: Statement) => string | undefined) | undefined
  /**
   * Where in the statement the database stopped (0-based character offset), when it says: PostgreSQL's
   * error position, SQLite's `near "token"`, MySQL's `near '...' at line N`. Turned into the file's
   * line and column by engines/replay.ts.
   */
  readonly offset?: ((s: Statement, error: unknown) => number | undefined) | undefined
  /** The database's words for a refusal (with its detail and hint where it gives them). */
  readonly message?: ((error: unknown) => string) | undefined
  /** A failure of the connection rather than of the statement, as the EngineFailed to report. */
  readonly lost?: ((error: unknown, at: string) => EngineFailed | undefined) | undefined
  /**
   * A faster way to run the whole script (PostgreSQL: one round trip), all or nothing: true when
   * it ran; false when it did not (or failed and left nothing behind), to go statement by statement.
   */
  readonly batch?: ((statements: ReadonlyArray<Statement>, wrap: boolean) => Promise<boolean>) | undefined
}

const isDml = (s: Statement) => /^\s*(INSERT|UPDATE|DELETE|REPLACE)\b/i.test(s.sql)
const text = (error: unknown) => (error instanceof Error ? error.message : String(error))

/** Run `statements` through `runner` as the user's runner would (see the header). */
export const applyStatements = (
  runner: StatementRunner,
  capabilities: Pick<Capabilities, "transactionalDdl">,
  statements: ReadonlyArray<Statement>,
  options: ApplyOptions,
): Effect.Effect<void, StatementFailed | EngineFailed> => {
  const message = runner.message ?? text
  const failed = (s: Pick<Statement, "source" | "line">, statement: string, error: unknown, at?: Statement) =>
    new StatementFailed({
      source: s.source,
      line: s.line,
      offset: at ? runner.offset?.(at, error) : undefined,
      statement,
      reason: message(error),
    })
  const where = (s: Statement | undefined) => (s ? `${s.source}:${s.line}` : "a script")
  return Effect.tryPromise({
    try: async () => {
      for (const s of statements) {
        const refused = runner.refuse?.(s)
        if (refused !== undefined)
          throw new StatementFailed({ source: s.source, line: s.line, statement: s.sql, reason: refused })
      }
      const wrap =
        options.transaction &&
        statements.length > 0 &&
        !statements.some(runner.controlsTransaction) &&
        (capabilities.transactionalDdl || statements.every(isDml))
      if (runner.batch && (await runner.batch(statements, wrap))) return
      if (wrap) await runner.begin()
      for (const s of statements) {
        try {
          await runner.run(s)
        } catch (error) {
          const lost = runner.lost?.(error, where(s))
          if (lost) throw lost
          await runner.rollback()
          throw failed(s, s.sql, error, s)
        }
      }
      if (!wrap) return
      try {
        await runner.commit()
      } catch (error) {
        const lost = runner.lost?.(error, where(statements.at(-1)))
        if (lost) throw lost
        // Deferred constraints are checked at COMMIT.
        throw failed(
          { source: statements[0]?.source ?? "", line: statements.at(-1)?.line ?? 0 },
          "COMMIT",
          error,
        )
      }
    },
    catch: (error) =>
      error instanceof StatementFailed || error instanceof EngineFailed
        ? error
        : (runner.lost?.(error, where(statements[0])) ??
          failed({ source: statements[0]?.source ?? "", line: 0 }, "BEGIN", error)),
  })
}
