/**
 * database: the engine's Database over one PgSession, whichever backend produced it. A script is
 * sent whole, in one round trip, inside BEGIN/COMMIT when asked and the script does not manage
 * transactions itself; should it fail, nothing of it remains (see `batchScript`), and it is run
 * again statement by statement so the failure names its file and line. Scripts that cannot be sent
 * whole run statement by statement from the start. Holds nothing; the sessions belong to the
 * ephemeral scope that created them.
 *
 * What runs where: on server backends the session logs in as a sandbox role that owns only its
 * throwaway database (backends/throwaway.ts), and everything runs there, with one exception. A
 * trusted script (the user's history or schema.sql, never a model's candidate) may hold statements
 * that only a privileged role may run inside one database: CREATE/ALTER/DROP/COMMENT ON EXTENSION
 * (postgis, dblink and most contrib extensions are not "trusted"), LANGUAGE and EVENT TRIGGER. Such a
 * statement is tried on the sandbox first (a trusted extension such as pg_trgm stays the sandbox's,
 * so a later candidate may alter it as before); when the server answers "insufficient privilege",
 * it runs on the admin session connected to the same database (`PgSession.privileged`). That
 * session is another connection, so the script's transaction is committed before it and reopened
 * after, letting the admin see what came before (CREATE SCHEMA x; CREATE EXTENSION ... SCHEMA x)
 * and never waiting on the sandbox's locks. Cluster-wide statements (roles, databases, tablespaces)
 * are never routed, so nothing outlives the throwaway database.
 *
 * Untrusted scripts never touch the admin session, and may not end or start transactions (COMMIT,
 * BEGIN, ...): aim owns the transaction, and a COMMIT would let what follows run outside it (a
 * statement that refuses to run in a transaction block, such as DROP DATABASE). Nor may they COPY
 * ... PROGRAM (see `runsProgram`). Each refusal is a StatementFailed naming the line, so
 * verification reports it to the model. These checks are belts on top of the sandbox role, which
 * is what actually keeps model-written SQL inside its database.
 */
import { Effect } from "effect"
import type { Statement } from "../../model.ts"
import { applyStatements, type StatementRunner } from "../apply.ts"
import { type ApplyOptions, type Database, EngineFailed } from "../engine.ts"
import { postgresCapabilities } from "./capabilities.ts"
import { keyword, significant, tokenize } from "./lexer.ts"
import { brokenObjects } from "./exercise.ts"
import { readRows, seedRows } from "./seed.ts"
import type { PgSession } from "./session.ts"
import { readSchema } from "./catalog.ts"
import { errorOffset } from "./error-offset.ts"

/**
 * A statement that manages the transaction itself, so aim does not wrap the script in one (see
 * `endsOrStartsTransaction`; a savepoint needs the wrapping transaction, so it does not count).
 */
export const controlsTransaction = (s: Statement) => endsOrStartsTransaction(s)

/** The statement's first `count` keywords (undefined for anything but a bare word). */
const leadingKeywords = (s: Statement, count: number) =>
  significant(tokenize(s.sql)).slice(0, count).map(keyword)

/**
 * A statement that ends or starts a transaction: BEGIN (not BEGIN ATOMIC), START TRANSACTION,
 * COMMIT, END, ROLLBACK and ABORT (but not ROLLBACK TO a savepoint), PREPARE TRANSACTION, COMMIT
 * PREPARED, ROLLBACK PREPARED. SAVEPOINT and RELEASE stay inside the transaction, so they are fine.
 */
export function endsOrStartsTransaction(s: Statement): boolean {
  const [first, second, third] = leadingKeywords(s, 3)
  switch (first) {
    case "BEGIN":
      return second !== "ATOMIC"
    case "START":
      return second === "TRANSACTION"
    case "PREPARE":
      return second === "TRANSACTION"
    case "COMMIT":
    case "END":
    case "ABORT":
      return true
    case "ROLLBACK":
      // ROLLBACK [WORK | TRANSACTION] TO [SAVEPOINT] name
      return !(second === "TO" || ((second === "WORK" || second === "TRANSACTION") && third === "TO"))
    default:
      return false
  }
}

/**
 * COPY ... TO/FROM PROGRAM 'command': a shell command as the server's OS user. The sandbox role
 * may not run it on a server; PGlite (embedded) accepts it without running anything but its
 * connection answers wrongly or hangs afterwards, so an untrusted one is refused on every backend.
 */
export function runsProgram(s: Statement): boolean {
  const tokens = significant(tokenize(s.sql))
  if (keyword(tokens[0]) !== "COPY") return false
  return tokens.some((t, i) => keyword(t) === "PROGRAM" && tokens[i + 1]?.kind === "string")
}

/**
 * A statement only a privileged role may run that acts inside one database: CREATE [OR REPLACE]
 * EXTENSION / LANGUAGE / EVENT TRIGGER, their ALTER and DROP, COMMENT ON EXTENSION, and a
 * LEAKPROOF function.
 */
export function mayNeedPrivilege(s: Statement): boolean {
  // Only a superuser may mark a function LEAKPROOF.
  const all = significant(tokenize(s.sql)).map(keyword)
  if (
    all[0] === "CREATE" &&
    all.includes("FUNCTION") &&
    all.some((w, i) => w === "LEAKPROOF" && all[i - 1] !== "NOT")
  ) {
    return true
  }
  const words = leadingKeywords(s, 8)
  let i = 0
  const verb = words[i++]
  if (verb === "COMMENT") {
    if (words[i++] !== "ON") return false
  } else if (verb !== "CREATE" && verb !== "ALTER" && verb !== "DROP") return false
  if (words[i] === "OR" && words[i + 1] === "REPLACE") i += 2
  if (words[i] === "TRUSTED") i++
  if (words[i] === "PROCEDURAL") i++
  const object = words[i]
  return object === "EXTENSION" || object === "LANGUAGE" || (object === "EVENT" && words[i + 1] === "TRIGGER")
}

/**
 * A statement that would act differently inside the implicit transaction PostgreSQL runs a
 * multi-statement message in than on its own: SET LOCAL and set_config(..., true) would reach the
 * statements after it, and CONCURRENTLY / VACUUM refuse to run in a transaction block (the batch
 * would fail and be replayed; this spares that round trip).
 */
function changesInImplicitTransaction(s: Statement): boolean {
  const words = significant(tokenize(s.sql)).map(keyword)
  if (words[0] === "SET" && words[1] === "LOCAL") return true
  if (words[0] === "VACUUM") return true
  // LOCK and DECLARE (without HOLD) need a transaction block: they succeed in the implicit one and fail alone.
  if (words[0] === "LOCK" || words[0] === "DECLARE") return true
  return words.includes("CONCURRENTLY") || words.includes("SET_CONFIG")
}

/**
 * A statement whose effect a rollback leaves in place: after a failed batch, running the
 * statements one by one would meet it again ("prepared statement already exists") and blame the
 * wrong line.
 */
function outlivesRollback(s: Statement): boolean {
  const first = keyword(significant(tokenize(s.sql))[0])
  return first === "PREPARE" || first === "DEALLOCATE"
}

/**
 * The statements as one simple-query script, sent in one round trip instead of one per statement,
 * or undefined when they must go one by one: a statement that may need the admin session, one that
 * ends or starts a transaction itself, or (outside aim's own transaction) one that
 * `changesInImplicitTransaction`. Either way the script is all-or-nothing on the server: inside
 * aim's BEGIN ... COMMIT, or, without it, in the implicit transaction of a multi-statement message
 * (https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-MULTI-STATEMENT). So
 * when it fails nothing of it remains, and running the statements one by one from the same state
 * finds the one at fault, with the same outcome as if they had been sent one by one from the start.
 */
export function batchScript(
  statements: ReadonlyArray<Statement>,
  wrap: boolean,
  routesPrivileged: boolean,
): string | undefined {
  if (statements.length === 0 || (!wrap && statements.length === 1)) return undefined
  if (statements.some((s) => controlsTransaction(s) || outlivesRollback(s))) return undefined
  if (routesPrivileged && statements.some(mayNeedPrivilege)) return undefined
  if (!wrap && statements.some(changesInImplicitTransaction)) return undefined
  // A statement's text ends at its last token, never inside a comment, so `;` always ends it.
  const body = statements.map((s) => s.sql).join(";\n")
  return wrap ? `BEGIN;\n${body};\nCOMMIT` : body
}

const sqlState = (error: unknown) => String((error as { code?: unknown } | null)?.code ?? "")

/** The role a statement named that the server does not have (SQLSTATE 42704), if that is why it failed. */
export function missingRole(error: unknown): string | undefined {
  if (sqlState(error) !== "42704" || !(error instanceof Error)) return undefined
  return /^role "(.*)" does not exist$/s.exec(error.message)?.[1]
}

/**
 * A statement that may name a role: GRANT, REVOKE, CREATE / ALTER POLICY, ALTER DEFAULT PRIVILEGES,
 * CREATE SCHEMA ... AUTHORIZATION and anything ... OWNER TO.
 */
export function mayNameRoles(s: Statement): boolean {
  const words = significant(tokenize(s.sql)).map(keyword)
  const [first, second] = words
  if (first === "GRANT" || first === "REVOKE") return true
  if ((first === "CREATE" || first === "ALTER") && (second === "POLICY" || second === "DEFAULT")) return true
  if (first === "CREATE" && second === "SCHEMA" && words.includes("AUTHORIZATION")) return true
  return first === "ALTER" && words.some((w, i) => w === "OWNER" && words[i + 1] === "TO")
}

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

/**
 * How long one statement of model-written SQL may run on a server before the server cancels it
 * (statement_timeout): verification runs it on a handful of sample rows, so a statement that runs
 * longer is a runaway (a loop, a cross join, pg_sleep), not work. PGlite cannot interrupt a statement
 * (it has no signals; checked with 0.5.16: pg_sleep(2) under a 200 ms timeout returns after 2 s), so
 * the embedded backend runs such a statement to its end.
 */
export const MODEL_STATEMENT_TIMEOUT_MS = 60_000

export function sessionDatabase(
  engine: string,
  session: PgSession,
  modelStatementTimeoutMs = MODEL_STATEMENT_TIMEOUT_MS,
): Database {
  const engineFailed = (action: string) => (error: unknown) =>
    new EngineFailed({ engine, action, reason: serverMessage(error) })

  const connectionLost = (at: string, error: unknown) =>
    new EngineFailed({
      engine,
      action: `run ${at}`,
      reason: `the connection to the server was lost (${serverMessage(error)})`,
    })

  /**
   * Run `s`, a trusted statement of the kind `mayNeedPrivilege` names, on the sandbox, or on the
   * admin session when the sandbox may not (see the header). A savepoint keeps a refused attempt
   * from aborting the script's transaction; outside a transaction block SAVEPOINT fails harmlessly.
   */
  const runPrivileged = async (s: Statement, privileged: PgSession) => {
    const inBlock = await session.exec("SAVEPOINT aim_privileged").then(
      () => true,
      () => false,
    )
    try {
      await session.exec(s.sql)
      if (inBlock) await session.exec("RELEASE SAVEPOINT aim_privileged")
      return
    } catch (error) {
      if (sqlState(error) !== "42501") throw error
      if (inBlock)
        await session.exec("ROLLBACK TO SAVEPOINT aim_privileged; RELEASE SAVEPOINT aim_privileged")
    }
    if (inBlock) await session.exec("COMMIT")
    try {
      // The script may have set search_path (CREATE EXTENSION installs into its first schema). A
      // lock the sandbox still holds (a script-managed transaction) must not hang the run.
      const [path] = await session.query<{ path: string }>("SELECT current_setting('search_path') AS path")
      await privileged.query(
        "SELECT set_config('search_path', $1, false), set_config('lock_timeout', '60s', false)",
        [path?.path ?? "public"],
      )
      await privileged.exec(s.sql)
    } finally {
      if (inBlock) await session.exec("BEGIN")
    }
  }

  /**
   * Run `s`, which may name roles, on a server aim runs itself: a role it names that does not exist
   * is created and the statement run again (a savepoint keeps the failed try from aborting the
   * script's transaction). The roles are the server's, which goes when the run ends.
   */
  const runCreatingRoles = async (s: Statement, createRole: (name: string) => Promise<void>) => {
    const inBlock = await session.exec("SAVEPOINT aim_roles").then(
      () => true,
      () => false,
    )
    for (let created = 0; ; created++) {
      try {
        await session.exec(s.sql)
        if (inBlock) await session.exec("RELEASE SAVEPOINT aim_roles")
        return
      } catch (error) {
        const role = missingRole(error)
        if (role === undefined || created >= 32) throw error
        // The role is made outside the savepoint, so the next failed try does not take it back.
        if (inBlock) await session.exec("ROLLBACK TO SAVEPOINT aim_roles; RELEASE SAVEPOINT aim_roles")
        await createRole(role)
        if (inBlock) await session.exec("SAVEPOINT aim_roles")
      }
    }
  }

  /** The server's message; where a role is missing on a server aim does not run, what to do about it. */
  const message = (error: unknown) => {
    const role = missingRole(error)
    const text = serverMessage(error)
    if (role === undefined || session.createRole) return text
    return `${text}\nHINT: aim creates no roles on a server it does not run itself (backend "url"): create role "${role}" on that server, or use backend "local", "docker" or "embedded", where aim creates the roles a schema names.`
  }

  /** How this session runs a script; a model's script (untrusted) never reaches the admin session. */
  const runner = (options: ApplyOptions): StatementRunner => {
    const privileged = options.trusted ? session.privileged : undefined
    return {
      run: (s) =>
        privileged && mayNeedPrivilege(s)
          ? runPrivileged(s, privileged)
          : session.createRole && mayNameRoles(s)
            ? runCreatingRoles(s, session.createRole)
            : session.exec(s.sql),
      begin: () => session.exec("BEGIN"),
      commit: () => session.exec("COMMIT"),
      // Whoever opened the transaction (aim or the script), it is aborted now; end it so the
      // session stays usable. Without one open, ROLLBACK only warns.
      rollback: () => session.exec("ROLLBACK").catch(() => undefined),
      controlsTransaction,
      refuse: (s) =>
        options.trusted
          ? undefined
          : runsProgram(s)
            ? "COPY ... PROGRAM runs a shell command on the database server; a migration may not"
            : endsOrStartsTransaction(s)
              ? "aim runs each migration in one transaction of its own: a migration may not end or start one (BEGIN, COMMIT, ROLLBACK, END, ABORT, START or PREPARE TRANSACTION); SAVEPOINT is fine"
              : undefined,
      message,
      offset: (_s, error) => errorOffset(error),
      lost: (error, at) => (lostConnection(error) ? connectionLost(at, error) : undefined),
      batch: async (statements, wrap) => {
        const batch = batchScript(statements, wrap, privileged !== undefined)
        if (batch === undefined) return false
        try {
          await session.exec(batch)
          return true
        } catch (error) {
          const first = statements[0] as Statement
          const last = statements.at(-1) as Statement
          const lines = first.line === last.line ? `${first.line}` : `${first.line}-${last.line}`
          if (lostConnection(error)) throw connectionLost(`${first.source}:${lines}`, error)
          // The batch's transaction is aborted (aim's) or already rolled back (the implicit one):
          // end it, then go statement by statement to find the one at fault.
          await session.exec("ROLLBACK").catch(() => undefined)
          return false
        }
      },
    }
  }

  // Model-written SQL runs under a statement timeout, set for the session before its transaction
  // opens and put back after, however the script ends; the user's own scripts run as they would.
  const timeout = (ms: number | "DEFAULT") =>
    Effect.tryPromise({
      try: () => session.exec(`SET statement_timeout = ${ms === "DEFAULT" ? "DEFAULT" : `'${ms}ms'`}`),
      catch: engineFailed("set statement_timeout"),
    })
  const apply = (statements: ReadonlyArray<Statement>, options: ApplyOptions) => {
    const run = applyStatements(runner(options), postgresCapabilities, statements, options)
    return options.trusted
      ? run
      : Effect.acquireUseRelease(
          timeout(modelStatementTimeoutMs),
          () => run,
          () => timeout("DEFAULT").pipe(Effect.ignore),
        )
  }

  return {
    apply,
    snapshot: Effect.tryPromise({ try: () => readSchema(session), catch: engineFailed("read the catalog") }),
    // Sample rows are aim's own SQL: written and read back on the admin session where there is one,
    // because the sandbox role owns the tables, and FORCE ROW LEVEL SECURITY applies to owners and
    // would hide rows from the check (an admin superuser bypasses row security).
    seed: (schema, conditions) =>
      Effect.tryPromise({
        try: () => seedRows(session.privileged ?? session, schema, conditions),
        catch: engineFailed("insert synthesized rows"),
      }),
    readRows: (table, columns, alongside) =>
      Effect.tryPromise({
        try: () => readRows(session.privileged ?? session, table, columns, alongside),
        catch: engineFailed(`read rows of ${table}`),
      }),
    // PostgreSQL checks foreign keys on every statement (or at COMMIT when deferred); rows that
    // break one cannot exist, so there is nothing to look for.
    foreignKeyViolations: Effect.succeed([]),
    // On the session the scripts ran in, with the search_path they left.
    brokenObjects: Effect.tryPromise({
      try: () => brokenObjects(session),
      catch: engineFailed("use the views and functions"),
    }),
  }
}
