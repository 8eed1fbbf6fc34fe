/**
 * throwaway: throwaway databases on a server aim may share with others (a user's URL, a container,
 * a local cluster). Each `ephemeral` creates a database named `aim_<host>_<pid>_<random>` (run-mark.ts) from template0,
 * connects one session to it, and when its scope closes (success, failure or interruption) closes
 * the session and drops that database, forcing other connections off it. Nothing else on the server
 * is read or written.
 *
 * The SQL run in a throwaway database is partly written by a model, so it must not run with the
 * admin's power: a superuser can drop the user's other databases or run shell commands (COPY ... TO
 * PROGRAM) as the server's OS user. When the admin may create roles, each throwaway database gets
 * its own sandbox role of the same name (LOGIN, nothing else: no SUPERUSER, CREATEDB,
 * CREATEROLE, REPLICATION or BYPASSRLS), owns the database, and is the role the session logs in as;
 * it can reach only what PUBLIC may reach elsewhere, and only owners and superusers drop databases.
 * The session also carries a lazily opened admin session on the same database (`privileged`), for
 * the user's own statements that need more (database.ts decides when). Whether sandbox roles work
 * is probed once, when the server is acquired (a role is created, logs in, and is dropped), so the
 * engine's description can say when model-written SQL runs with the admin's own privileges instead:
 * the admin may not create roles, or pg_hba.conf refuses other users. While the probe runs, the
 * first throwaway database is already being made, since every command that builds the engine asks
 * for one at once.
 *
 * A throwaway database can be kept as a template (`keepAsTemplate` on its session): its sessions are
 * closed, the admin takes it over and it accepts no connections, and its sandbox role may no longer
 * log in. Each copy (`clone`) is then made the way a fresh one is, with CREATE DATABASE ... TEMPLATE
 * instead of template0, as its own new sandbox role's, and that role takes over everything inside
 * (REASSIGN OWNED): a copy is as isolated as a fresh database, and nothing run in it reaches the
 * template, which no sandbox role owns or may enter.
 *
 * When the server is reached, what a dead aim run of this machine left on it through the same login
 * (a run killed with SIGKILL cannot drop its databases) is dropped, and said in one line.
 *
 * Resources: up to four admin connections for the life of the enclosing scope (the engine layer's),
 * so that databases are made and dropped side by side; per ephemeral one database, one sandbox
 * role, one sandbox connection and at most one admin connection to that database. Release closes
 * the connections, waits until their server processes are gone, and drops the database and then
 * the role in one round trip; databases released close together are dropped together (see
 * `gatherMillis`). A role or database whose creation reply was lost is still dropped by name, and
 * the enclosing scope drops whatever is left (the first database when nobody took it) before it
 * closes the admin connections.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto"
import { Effect, type Scope } from "effect"
import { EngineFailed } from "../../engine.ts"
import { leftByGoneRun, ownerPids, removedNote, throwawayName, throwawayRegex } from "../../run-mark.ts"
import { quoteLiteral } from "../names.ts"
import { createRoleOn, type PgSession, type PgTemplate } from "../session.ts"
import { errorText, failWith, shortVersion } from "./backend.ts"
import { lostConnection } from "../database.ts"
import { type Driver, sessionOf } from "./postgres-js-session.ts"
import { countRemoval } from "../../removals.ts"

/** A role to log in as instead of the connector's own user. */
export interface Login {
  readonly user: string
  readonly password: string
}

export interface ServerConnector {
  /** Engine id, for error messages. */
  readonly engine: string
  /**
   * A driver connected to `database` (the server's default database when undefined), as the
   * connector's own user, or as `login` with the same host, port and options.
   */
  readonly connect: (database?: string, login?: Login) => Driver
  /** Scrubs secrets (a URL's password) from driver messages. */
  readonly clean: (text: string) => string
  /** Whose privileges model-written SQL gets without a sandbox role: "the url's own privileges". */
  readonly privileges: string
  /**
   * The server is aim's own and goes when the run ends (a local cluster, a container): roles a
   * schema grants to are created on it (PgSession.createRole). Never on a server the user gives.
   */
  readonly ownsServer?: boolean | undefined
}

export interface ThrowawayServer {
  readonly serverVersion: string
  /**
   * Undefined when each throwaway database runs as its own sandbox role; otherwise one sentence on
   * why model-written SQL runs with the admin's privileges, for the engine's description.
   */
  readonly sandboxNote: string | undefined
  readonly ephemeral: Effect.Effect<PgSession, EngineFailed, Scope.Scope>
}

/** Always quoted, unlike names.ts's quoteIdent: the statements read the same whatever the name. */
const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`

/** DROP DATABASE ... WITH (FORCE) exists from PostgreSQL 13; before that, end the sessions first. */
export function dropStatements(name: string, serverVersionNum: number): ReadonlyArray<string> {
  if (serverVersionNum >= 130000) return [`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`]
  return [
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`,
    `DROP DATABASE IF EXISTS ${quoteIdent(name)}`,
  ]
}

/**
 * The SCRAM-SHA-256 verifier of `password` (RFC 7677, as PostgreSQL stores it): CREATE ROLE gets
 * this instead of the password, so the password never reaches the server's statement log. A
 * SCRAM verifier also serves `md5` lines in pg_hba.conf (PostgreSQL then asks for SCRAM).
 */
export function scramVerifier(password: string, salt = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password, salt, iterations, 32, "sha256")
  const clientKey = createHmac("sha256", salted).update("Client Key").digest()
  const storedKey = createHash("sha256").update(clientKey).digest()
  const serverKey = createHmac("sha256", salted).update("Server Key").digest()
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`
}

/**
 * The sandbox role: it may log in, and nothing more. It must INHERIT (the default): owning its
 * database makes it a member of pg_database_owner, which owns the public schema from PostgreSQL 15.
 */
export const createRoleStatement = (name: string, password: string) =>
  `CREATE ROLE ${quoteIdent(name)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '${scramVerifier(password)}'`

const sqlState = (error: unknown) => String((error as { code?: unknown } | null)?.code ?? "")

/**
 * Close a connection without waiting for a statement in flight: its database is dropped next, after
 * `disconnect` has ended the server's side. An interrupted replay would otherwise hold the exit up
 * until its statement finished.
 */
const endNow = (sql: Driver) => sql.end({ timeout: 0 }).catch(() => undefined)

/**
 * End every connection to database `name` and wait until their server processes are gone, polling
 * every 2 ms for up to a second. DROP DATABASE (and CREATE DATABASE from a template) waits for the
 * database's other sessions in steps of 100 ms (CountOtherDBBackends), and a closed connection's
 * process, or one busy with an interrupted statement, is usually still there at its first look.
 * Best effort: a role that may not signal them leaves the rest to DROP DATABASE ... WITH (FORCE).
 */
async function disconnect(session: PgSession, name: string) {
  for (let tries = 0; tries < 500; tries++) {
    const [left] = await session
      .query<{ n: number }>(
        // Only sessions it could signal: one it may not end would keep the loop going for nothing.
        "SELECT (count(*) FILTER (WHERE pg_terminate_backend(pid)))::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
        [name],
      )
      .catch(() => [{ n: 0 }])
    if ((left?.n ?? 0) === 0) return
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
}

/** How many admin connections setup and cleanup may hold at once: room to create or drop side by side. */
const adminConnections = 4

/**
 * Admin connections lent out one at a time to a sequence of statements, so that two throwaway
 * databases are created (or dropped) side by side rather than queued behind each other on one
 * connection. More are opened (postgres.js connects on first use) up to `adminConnections`.
 */
function adminPool(connect: () => Driver, first: Driver) {
  const all = [first]
  const idle = [first]
  const waiting: Array<(driver: Driver) => void> = []
  const take = async (): Promise<Driver> => {
    const ready = idle.pop()
    if (ready) return ready
    if (all.length < adminConnections) {
      const driver = connect()
      all.push(driver)
      return driver
    }
    return new Promise((resolve) => waiting.push(resolve))
  }
  /** A new connection in place of `broken`, which is closed without waiting. */
  const replace = (broken: Driver) => {
    const fresh = connect()
    all.splice(all.indexOf(broken), 1, fresh)
    void broken.end({ timeout: 0 }).catch(() => undefined)
    return fresh
  }
  const give = (driver: Driver) => {
    const next = waiting.shift()
    if (next) next(driver)
    else idle.push(driver)
  }
  return {
    /** Connect one more now, lent out after those already idle. */
    openAnother: () => {
      if (all.length >= adminConnections) return
      const driver = connect()
      all.push(driver)
      idle.unshift(driver)
      driver`SELECT 1`.catch(() => undefined)
    },
    /**
     * Lend a connection to `work`. One whose connection broke meanwhile is not lent again: a new one
     * takes its place. postgres.js does not recover every such connection (a write it had scheduled
     * when the socket closed leaves the next connection's startup message unsent until its
     * connect_timeout, on every later attempt).
     */
    lend: async <T>(work: (session: PgSession) => Promise<T>): Promise<T> => {
      const driver = await take()
      let broken = false
      const noteLoss = (error: unknown): never => {
        if (lostConnection(error)) broken = true
        throw error
      }
      const session = sessionOf(driver)
      try {
        return await work({
          query: <R>(text: string, params?: ReadonlyArray<unknown>) =>
            session.query<R>(text, params).catch(noteLoss),
          exec: (script) => session.exec(script).catch(noteLoss),
        })
      } finally {
        give(broken ? replace(driver) : driver)
      }
    },
    end: () => Promise.all(all.map((sql) => sql.end({ timeout: 5 }).catch(() => undefined))),
  }
}

/**
 * How long a released throwaway database waits for the others still in use before it is dropped on
 * its own. PostgreSQL runs a checkpoint for every DROP DATABASE, writing every dirty page on the
 * server: a database dropped while another of this run is still being filled pays for writing that
 * one's pages (at first its whole copy of template0), which dropping both at once throws away
 * instead. A snapshot's two databases (the history's and schema.sql's) are released close together;
 * one kept longer (a caller holding an ephemeral while using another) is not waited for beyond this.
 */
const gatherMillis = 250

/**
 * How long the first throwaway database, made ahead (see `throwawayServer`), waits for an
 * `ephemeral` to take it before it is dropped: a command asks within milliseconds of the engine
 * being built, a library may hold an engine without using it.
 */
const spareMillis = 10_000

/** A throwaway database and the connections aim holds to it. */
interface Throwaway {
  readonly name: string
  readonly sandboxed: boolean
  readonly session: PgSession
  readonly drivers: ReadonlyArray<Driver>
}

export const throwawayServer = Effect.fnUntraced(function* (connector: ServerConnector) {
  const fail = (action: string) => failWith(connector.engine, action, connector.clean)
  const first = yield* Effect.try({
    try: () => connector.connect(),
    catch: fail("connect to the PostgreSQL server"),
  })
  const admin = adminPool(() => connector.connect(), first)
  // Runs last: after the finalizer below has dropped what is left.
  yield* Effect.addFinalizer(() => Effect.promise(admin.end))
  // A second admin connection opens while the first asks the server who it is: the probe and the
  // first throwaway database, below, each need one at once.
  admin.openAnother()

  /**
   * Every database and role aim created here (or asked for: the reply may be lost) and has not
   * dropped yet, by name; what the server's scope drops at the latest, whatever else happened.
   */
  const owned = new Map<string, { database: boolean; role: boolean }>()
  const drops = new Set<Promise<void>>()
  const warnings: string[] = []
  const logWarnings = Effect.suspend(() =>
    Effect.forEach(warnings.splice(0), (w) => Effect.logWarning(w), { discard: true }),
  )
  /** The first throwaway database, made ahead of the first `ephemeral` (see below). */
  let spare: Promise<Throwaway> | undefined
  let spareTaken = false
  let spareTimer: ReturnType<typeof setTimeout> | undefined

  const [info] = yield* Effect.tryPromise({
    try: () =>
      admin.lend((session) =>
        session.query<{
          version: string
          num: string
          superuser: boolean
          createrole: boolean
          login: string
        }>(
          `SELECT current_setting('server_version') AS version, current_setting('server_version_num') AS num,
                  r.rolsuper AS superuser, r.rolcreaterole AS createrole, current_user AS login
             FROM pg_roles r WHERE r.rolname = current_user`,
        ),
      ),
    catch: fail("connect to the PostgreSQL server"),
  })
  const versionNum = Number(info?.num ?? 0)
  const superuser = info?.superuser === true
  const mayCreateRoles = superuser || info?.createrole === true
  /**
   * What each sandbox role's comment says: made through this login. A run removes only leftovers
   * made through its own login (databases it owns, or whose owner bears this mark), so runs that
   * share a server under different logins never sweep each other's.
   */
  const sandboxMark = `aim sandbox role, made by ${info?.login ?? ""}`

  /**
   * Run `statements` on an admin connection, or on a fresh one when that fails (the server ended
   * the connection, as pg_terminate_backend or a restart does): a throwaway database or role must
   * not outlive the run because the connection that made it was cut.
   */
  const onAdmin = async (statements: ReadonlyArray<string>) => {
    const run = async (session: PgSession) => {
      for (const statement of statements) await session.exec(statement)
    }
    try {
      await admin.lend(run)
    } catch {
      const fresh = connector.connect()
      try {
        await run(sessionOf(fresh))
      } finally {
        await fresh.end({ timeout: 5 }).catch(() => undefined)
      }
    }
  }

  /**
   * Drop the database and the sandbox role named `name`, as far as they exist; never fails (what
   * could not be dropped becomes a warning). Usually one round trip: both statements are sent
   * together and the server runs them in order. Should either fail, each is tried again on its
   * own; a role that still owns or holds something in the admin's database or in shared objects is
   * emptied with DROP OWNED first (it only touches what this fresh, randomly named role owns).
   */
  const drop = async (name: string): Promise<void> => {
    const what = owned.get(name)
    if (!what) return
    owned.delete(name)
    const role = quoteIdent(name)
    const statements = [
      ...(what.database ? dropStatements(name, versionNum) : []),
      ...(what.role ? [`DROP ROLE IF EXISTS ${role}`] : []),
    ]
    const sent = await admin
      .lend(async (session) => {
        if (what.database) await disconnect(session, name)
        return Promise.allSettled(statements.map((statement) => session.exec(statement)))
      })
      .catch(() => [])
    if (sent.length === statements.length && sent.every((r) => r.status === "fulfilled")) {
      if (what.database) countRemoval("database")
      return
    }
    // A server that went away takes no warning: the run's one message says so, and the next run
    // on a server that is back removes what is left (its names carry this run's pid).
    const warn = (what: string) => (error: unknown) => {
      if (!lostConnection(error))
        warnings.push(
          `${connector.engine}: could not drop ${what} ${name}: ${connector.clean(errorText(error))}`,
        )
    }
    if (what.database)
      await onAdmin(dropStatements(name, versionNum)).then(
        () => countRemoval("database"),
        warn("throwaway database"),
      )
    if (what.role)
      await onAdmin([`DROP ROLE IF EXISTS ${role}`])
        .catch(() =>
          onAdmin([
            `DO $$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = '${name}') THEN EXECUTE 'DROP OWNED BY ${role.replace(/'/g, "''")}'; END IF; END $$`,
            `DROP ROLE IF EXISTS ${role}`,
          ]),
        )
        .catch(warn("sandbox role"))
  }

  /** `dropping`, remembered until done: the server's scope waits for drops still running. */
  const track = (dropping: Promise<void>) => {
    drops.add(dropping)
    return dropping.finally(() => drops.delete(dropping))
  }

  /** Close `t`'s connections and drop it. */
  const retire = (t: Pick<Throwaway, "name" | "drivers">) =>
    track(Promise.all(t.drivers.map(endNow)).then(() => drop(t.name)))

  const hide = (login: Login) => (text: string) => connector.clean(text).split(login.password).join("***")

  /**
   * A sandbox role, as one script (one round trip). Without superuser, CREATE DATABASE ... OWNER and
   * DROP DATABASE need membership in the owner.
   */
  const roleScript = (name: string, password: string) =>
    [
      createRoleStatement(name, password),
      `COMMENT ON ROLE ${quoteIdent(name)} IS ${quoteLiteral(sandboxMark)}`,
      ...(superuser ? [] : [`GRANT ${quoteIdent(name)} TO CURRENT_USER`]),
    ].join(";\n")

  /**
   * Create a throwaway database (as its own sandbox role's when `sandboxed`) and connect a session
   * to it, now, so that a refused connection fails here, by name. The role and the database are
   * recorded in `owned` before they are asked for, so they are dropped even if the reply is lost;
   * on failure the connections opened so far are closed and the role and database are dropped.
   */
  const create = async (sandboxed: boolean, template?: Throwaway): Promise<Throwaway> => {
    const name = throwawayName()
    owned.set(name, { database: true, role: sandboxed })
    const login: Login | undefined = sandboxed
      ? { user: name, password: randomBytes(24).toString("hex") }
      : undefined
    const drivers: Driver[] = []
    try {
      await admin.lend(async (session) => {
        // Sent together, run in order: the owner exists by the time CREATE DATABASE names it.
        const steps = [
          ...(login
            ? [
                session
                  .exec(roleScript(name, login.password))
                  .catch((error) => Promise.reject(fail("create a sandbox role")(error))),
              ]
            : []),
          session
            .exec(
              // template0 and C collation: the same empty database on every server, whatever its defaults.
              `CREATE DATABASE ${quoteIdent(name)}${login ? ` OWNER ${quoteIdent(login.user)}` : ""} TEMPLATE ${template ? quoteIdent(template.name) : "template0"} ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`,
            )
            .catch((error) => Promise.reject(fail("create a throwaway database")(error))),
        ]
        const settled = await Promise.allSettled(steps)
        const failed = settled.find((r) => r.status === "rejected")
        if (failed) throw failed.reason
      })
      const connect = (as: Login | undefined) => {
        try {
          const driver = as ? connector.connect(name, as) : connector.connect(name)
          drivers.push(driver)
          return driver
        } catch (error) {
          throw fail(as ? `connect to ${name} as ${as.user}` : `connect to ${name}`)(error)
        }
      }
      const session = sessionOf(connect(login))
      await session.query("SELECT 1").catch((error) => {
        throw fail(`connect to ${name}`)(login ? hide(login)(errorText(error)) : error)
      })
      // postgres.js connects on first use, so the admin session costs nothing until a statement needs it.
      const privileged = login ? sessionOf(connect(undefined)) : undefined
      // A copy's objects still belong to the template's sandbox role: this database's own role takes
      // them over, so the sandbox may alter them and the template's role keeps nothing here.
      if (template?.sandboxed && privileged)
        await privileged
          .exec(`REASSIGN OWNED BY ${quoteIdent(template.name)} TO ${quoteIdent(name)}`)
          .catch((error) => Promise.reject(fail(`copy ${template.name}`)(error)))
      const createRole = connector.ownsServer
        ? (role: string) => admin.lend((a) => createRoleOn((sql) => a.exec(sql), role))
        : undefined
      return { name, sandboxed, session: { ...session, privileged, createRole }, drivers }
    } catch (error) {
      await retire({ name, drivers })
      throw error
    }
  }

  /**
   * Whether a sandbox role can log in: create one, connect as it to the admin's own database, drop
   * it. Refused CONNECT on that database (42501) still proves pg_hba.conf let it in.
   */
  const probe = async (): Promise<string | undefined> => {
    if (!mayCreateRoles) return "its role may not create roles"
    const name = throwawayName()
    owned.set(name, { database: false, role: true })
    const login = { user: name, password: randomBytes(24).toString("hex") }
    let sql: Driver | undefined
    try {
      try {
        await admin.lend((session) => session.exec(roleScript(name, login.password)))
      } catch (error) {
        return `a sandbox role could not be created (${fail("create a sandbox role")(error).reason})`
      }
      try {
        sql = connector.connect(undefined, login)
        await sessionOf(sql).query("SELECT 1")
        return undefined
      } catch (error) {
        return sqlState(error) === "42501"
          ? undefined
          : `pg_hba.conf refused a sandbox role (${hide(login)(errorText(error))})`
      }
    } finally {
      // Not waited for: nothing needs the role gone before the server's scope closes.
      void track((sql ? endNow(sql) : Promise.resolve()).then(() => drop(name)))
    }
  }

  // The first throwaway database is made while the probe runs: every command that builds the engine
  // asks for one at once, and CREATE DATABASE is most of what an ephemeral costs. It is made as a
  // sandbox's whenever roles may be created; the probe decides whether it is used or dropped.
  yield* Effect.addFinalizer(() =>
    Effect.promise(async () => {
      // The spare database, unless an ephemeral took it; then whatever is left, all at once.
      clearTimeout(spareTimer)
      const untaken = !spareTaken
      spareTaken = true
      if (spare && untaken)
        await spare.then(
          (t) => retire(t),
          () => undefined,
        )
      await Promise.all([...drops])
      await Promise.all([...owned.keys()].map(drop))
    }).pipe(Effect.andThen(logWarnings)),
  )
  spare = create(mayCreateRoles)
  spare.catch(() => undefined)
  // Nobody asked for it in time (a library holding the engine idle): it is not kept on the server
  // for the life of the scope. The timer does not keep the process alive.
  spareTimer = setTimeout(() => {
    if (spareTaken) return
    spareTaken = true
    if (spare) void track(spare.then(retire, () => undefined))
  }, spareMillis).unref()
  /**
   * Drop the databases and roles a dead aim run of this machine left on this server through this
   * login (run-mark.ts, `sandboxMark`), and say what went, in one line; undefined when nothing was left. Never fails: what cannot be
   * read or dropped (another admin's, say) stays, and a failed drop becomes a warning.
   */
  const removeLeftovers = async (): Promise<string | undefined> => {
    const list = () =>
      admin.lend((session) =>
        session.query<{ kind: "database" | "role"; name: string }>(
          `SELECT 'database' AS kind, d.datname AS name FROM pg_database d
            WHERE d.datname ~ $1
              AND (d.datdba = (SELECT oid FROM pg_roles WHERE rolname = current_user)
                   OR shobj_description(d.datdba, 'pg_authid') = $2)
           UNION ALL
           SELECT 'role', r.rolname FROM pg_roles r
            WHERE r.rolname ~ $1 AND shobj_description(r.oid, 'pg_authid') = $2`,
          [throwawayRegex, sandboxMark],
        ),
      )
    const found = (await list().catch(() => [])).filter((r) => leftByGoneRun(r.name))
    if (found.length === 0) return undefined
    for (const r of found) {
      const what = owned.get(r.name) ?? { database: false, role: false }
      owned.set(r.name, { ...what, [r.kind]: true })
    }
    const names = [...new Set(found.map((r) => r.name))]
    await Promise.all(names.map(drop))
    const left = new Set((await list().catch(() => found)).map((r) => `${r.kind} ${r.name}`))
    const removed = found.filter((r) => !left.has(`${r.kind} ${r.name}`))
    const databases = removed.filter((r) => r.kind === "database").length
    const roles = removed.length - databases
    return removedNote(
      [
        [databases, "throwaway database"],
        [roles, "sandbox role"],
      ],
      ownerPids(removed.map((r) => r.name)),
    )
  }

  // Uninterruptible: its role is dropped before an interruption lets the server's scope close.
  const [why, removed] = yield* Effect.uninterruptible(
    Effect.promise(() => Promise.all([probe(), removeLeftovers()])),
  )
  if (removed) yield* Effect.logInfo(`${connector.engine}: ${removed}`)
  const sandboxNote =
    why === undefined ? undefined : `model-written SQL runs with ${connector.privileges}: ${why}`
  const sandboxed = sandboxNote === undefined

  /** Throwaway databases handed out or being made for an `ephemeral`, and not yet released. */
  let inUse = 0
  let waiting: Array<() => void> = []
  /**
   * Resolves once no other throwaway database is in use, or after `gatherMillis`: the drops of
   * databases released close together then start together (see `gatherMillis`).
   */
  const othersReleased = () => {
    inUse--
    if (inUse === 0) {
      for (const go of waiting.splice(0)) go()
      return Promise.resolve()
    }
    return new Promise<void>((resolve) => {
      const go = () => {
        clearTimeout(timer)
        waiting = waiting.filter((w) => w !== go)
        resolve()
      }
      const timer = setTimeout(go, gatherMillis)
      waiting.push(go)
    })
  }

  /** The spare when it was made the way this server's throwaways are, else a new one. */
  const acquire = async (): Promise<Throwaway> => {
    if (spare && !spareTaken) {
      spareTaken = true
      const made = await spare.then(
        (t) => ({ ok: true as const, t }),
        (error: unknown) => ({ ok: false as const, error }),
      )
      if (made.ok && made.t.sandboxed === sandboxed) return made.t
      if (made.ok) await retire(made.t)
      else if (mayCreateRoles === sandboxed) throw made.error
    }
    return create(sandboxed)
  }

  /** Throwaway databases kept as templates: no longer being filled, so no longer counted in `inUse`. */
  const kept = new Set<string>()

  /** A throwaway database made by `make`, dropped when the scope closes. */
  const lease = (make: () => Promise<Throwaway>) =>
    Effect.acquireRelease(
      Effect.tryPromise({
        try: () => {
          inUse++
          return make().catch((error) => othersReleased().then(() => Promise.reject(error)))
        },
        catch: (error) =>
          error instanceof EngineFailed ? error : fail("create a throwaway database")(error),
      }).pipe(Effect.tapError(() => logWarnings)),
      (t) =>
        kept.delete(t.name)
          ? // A template's drop is not waited for: it overlaps what the run does next (its copies'
            // drops, the rules, the write), and the server's scope still waits for it (`track`).
            Effect.sync(() => void retire(t))
          : Effect.promise(() => othersReleased().then(() => retire(t))).pipe(Effect.andThen(logWarnings)),
    )

  /**
   * Keep `t` as the template of later throwaway databases (each copy made by `create`, as its own
   * sandbox role's, then given that role's ownership). CREATE DATABASE ... TEMPLATE needs a template
   * nobody is connected to, so aim's connections to `t` are closed for good. Then no sandbox role
   * may alter, drop or enter it: the admin takes it over and it accepts no connections at all, and
   * its own sandbox role (still the owner of what is inside) may log in no more. It is dropped, with
   * that role, once its ephemeral is released (in the background; the server's scope waits for it).
   */
  const keepAsTemplate = (t: Throwaway): Effect.Effect<PgTemplate, EngineFailed> =>
    Effect.tryPromise({
      try: async () => {
        if (!kept.has(t.name)) {
          kept.add(t.name)
          void othersReleased()
        }
        await Promise.all(t.drivers.map((sql) => sql.end({ timeout: 5 }).catch(() => undefined)))
        const name = quoteIdent(t.name)
        await admin.lend(async (session) => {
          await session.exec(
            [
              `ALTER DATABASE ${name} OWNER TO CURRENT_USER`,
              `ALTER DATABASE ${name} ALLOW_CONNECTIONS false`,
              ...(t.sandboxed ? [`ALTER ROLE ${name} NOLOGIN`] : []),
            ].join(";\n"),
          )
          // A closed connection's server process exits a moment later; a copy would wait for it.
          await disconnect(session, t.name)
        })
        return { clone: lease(() => create(sandboxed, t)).pipe(Effect.map((copy) => copy.session)) }
      },
      catch: (error) => (error instanceof EngineFailed ? error : fail(`keep ${t.name} as a template`)(error)),
    })

  const ephemeral = lease(acquire).pipe(
    Effect.map((t) => ({ ...t.session, keepAsTemplate: keepAsTemplate(t) }) satisfies PgSession),
  )

  return {
    serverVersion: shortVersion(info?.version ?? "unknown"),
    sandboxNote,
    ephemeral,
  } satisfies ThrowawayServer
})
