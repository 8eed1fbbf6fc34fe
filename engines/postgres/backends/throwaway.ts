/**
 * throwaway: throwaway databases on a server aim may share with others (a user's URL, a container,
 * a local cluster). Each `ephemeral` creates a database named `aim_<random>` from template0,
 * connects one session to it, and when its scope closes (success, failure or interruption) closes
 * the session and drops that database, forcing other connections off it. Nothing else on the server
 * is read or written.
 *
 * The SQL run in a throwaway database is partly written by a model, so it must not run with the
 * admin's power: a superuser can drop the user's other databases or run shell commands (COPY ... TO
 * PROGRAM) as the server's OS user. When the admin may create roles, each throwaway database gets
 * its own sandbox role `aim_<same random>` (LOGIN, nothing else: no SUPERUSER, CREATEDB,
 * CREATEROLE, REPLICATION or BYPASSRLS), owns the database, and is the role the session logs in as;
 * it can reach only what PUBLIC may reach elsewhere, and only owners and superusers drop databases.
 * The session also carries a lazily opened admin session on the same database (`privileged`), for
 * the user's own statements that need more (database.ts decides when). Whether sandbox roles work
 * is probed once, when the server is acquired (a role is created, logs in, and is dropped), so the
 * engine's description can say when model-written SQL runs with the admin's own privileges instead:
 * the admin may not create roles, or pg_hba.conf refuses other users.
 *
 * Resources: one admin connection for the life of the enclosing scope (the engine layer's), plus per
 * ephemeral one database, one sandbox role, one sandbox connection and at most one admin connection
 * to that database. Release drops the database, then the role; a role or database whose creation
 * reply was lost is still dropped by name.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto"
import { Effect, type Scope } from "effect"
import type { EngineFailed } from "../../engine.ts"
import type { PgSession } from "../session.ts"
import { errorText, failWith, shortVersion } from "./backend.ts"
import { type Driver, sessionOf } from "./postgres-js-session.ts"

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

const endDriver = (sql: Driver) => Effect.promise(() => sql.end({ timeout: 5 }).catch(() => undefined))

export const throwawayServer = Effect.fnUntraced(function* (connector: ServerConnector) {
  const fail = (action: string) => failWith(connector.engine, action, connector.clean)
  const admin = yield* Effect.acquireRelease(
    Effect.try({ try: () => connector.connect(), catch: fail("connect to the PostgreSQL server") }),
    endDriver,
  )
  const adminSession = sessionOf(admin)
  const [info] = yield* Effect.tryPromise({
    try: () =>
      adminSession.query<{ version: string; num: string; superuser: boolean; createrole: boolean }>(
        `SELECT current_setting('server_version') AS version, current_setting('server_version_num') AS num,
                r.rolsuper AS superuser, r.rolcreaterole AS createrole
           FROM pg_roles r WHERE r.rolname = current_user`,
      ),
    catch: fail("connect to the PostgreSQL server"),
  })
  const versionNum = Number(info?.num ?? 0)
  const superuser = info?.superuser === true

  /**
   * Run `statements` on the admin connection, or on a fresh one when that connection is gone (the
   * server ended it, as pg_terminate_backend or a restart does): a throwaway database or role must
   * not outlive the run because the connection that made it was cut.
   */
  const onAdmin = (statements: ReadonlyArray<string>) => {
    const run = (session: ReturnType<typeof sessionOf>) => async () => {
      for (const statement of statements) await session.exec(statement)
    }
    return Effect.tryPromise(run(adminSession)).pipe(
      Effect.catch(() =>
        Effect.tryPromise(async () => {
          const fresh = connector.connect()
          try {
            await run(sessionOf(fresh))()
          } finally {
            await fresh.end({ timeout: 5 }).catch(() => undefined)
          }
        }),
      ),
    )
  }

  const dropDatabase = (name: string) =>
    onAdmin(dropStatements(name, versionNum)).pipe(
      Effect.catch((error) =>
        Effect.logWarning(
          `${connector.engine}: could not drop throwaway database ${name}: ${connector.clean(String(error))}`,
        ),
      ),
    )

  /**
   * Drop the sandbox role `name` if it exists. Its database is gone by then, so it should own
   * nothing; should it own or hold anything in the admin's database or shared objects, DROP OWNED
   * removes that first (it only touches what this fresh, randomly named role owns).
   */
  const dropRole = (name: string) => {
    const role = quoteIdent(name)
    return onAdmin([`DROP ROLE IF EXISTS ${role}`]).pipe(
      Effect.catch(() =>
        onAdmin([
          `DO $$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = '${name}') THEN EXECUTE 'DROP OWNED BY ${role.replace(/'/g, "''")}'; END IF; END $$`,
          `DROP ROLE IF EXISTS ${role}`,
        ]),
      ),
      Effect.catch((error) =>
        Effect.logWarning(
          `${connector.engine}: could not drop sandbox role ${name}: ${connector.clean(String(error))}`,
        ),
      ),
    )
  }

  /** Create the sandbox role `name` for the life of the scope; dropped by name even if the reply was lost. */
  const createRole = (name: string) =>
    Effect.acquireRelease(
      Effect.suspend(() => {
        const password = randomBytes(24).toString("hex")
        const statements = [
          createRoleStatement(name, password),
          // Without superuser, CREATE DATABASE ... OWNER and DROP DATABASE need membership in the owner.
          ...(superuser ? [] : [`GRANT ${quoteIdent(name)} TO CURRENT_USER`]),
        ]
        return Effect.tryPromise({
          try: async () => {
            for (const statement of statements) await adminSession.exec(statement)
          },
          catch: fail("create a sandbox role"),
        }).pipe(
          Effect.as({ user: name, password } satisfies Login),
          // The connection may have been cut after the server created it but before it answered.
          Effect.tapError(() => dropRole(name)),
        )
      }),
      () => dropRole(name),
    )

  /** A driver for `database` as `login`, whose errors never show the login's password. */
  const connectAs = (database: string | undefined, login: Login) =>
    Effect.try({
      try: () => connector.connect(database, login),
      catch: fail(`connect to ${database ?? "the server"} as ${login.user}`),
    })
  const hide = (login: Login) => (text: string) => connector.clean(text).split(login.password).join("***")

  /**
   * Whether a sandbox role can log in: create one, connect as it to the admin's own database, drop
   * it. Refused CONNECT on that database (42501) still proves pg_hba.conf let it in.
   */
  const probe: Effect.Effect<string | undefined, EngineFailed> = Effect.scoped(
    Effect.gen(function* () {
      if (!superuser && info?.createrole !== true) return "its role may not create roles"
      const login = yield* createRole(throwawayName()).pipe(Effect.result)
      if (login._tag === "Failure") return `a sandbox role could not be created (${login.failure.reason})`
      const sql = yield* Effect.acquireRelease(connectAs(undefined, login.success), endDriver)
      const refused = yield* Effect.tryPromise(() => sessionOf(sql).query("SELECT 1")).pipe(
        Effect.as(undefined),
        Effect.catch((error) =>
          Effect.succeed(
            sqlState(error.cause) === "42501"
              ? undefined
              : `pg_hba.conf refused a sandbox role (${hide(login.success)(errorText(error.cause))})`,
          ),
        ),
      )
      return refused
    }),
  )
  const why = yield* probe
  const sandboxNote =
    why === undefined ? undefined : `model-written SQL runs with ${connector.privileges}: ${why}`

  const createDatabase = (name: string, owner: string | undefined) =>
    Effect.acquireRelease(
      Effect.tryPromise({
        // template0 and C collation: the same empty database on every server, whatever its defaults.
        try: () =>
          adminSession.exec(
            `CREATE DATABASE ${quoteIdent(name)}${owner ? ` OWNER ${quoteIdent(owner)}` : ""} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`,
          ),
        catch: fail("create a throwaway database"),
      }).pipe(
        Effect.as(name),
        // The connection may have been cut after the server created it but before it answered.
        Effect.tapError(() => dropDatabase(name)),
      ),
      dropDatabase,
    )

  /** A session on `name`, connected now so that a refused connection fails here, by name. */
  const openSession = (name: string, login: Login | undefined) =>
    Effect.gen(function* () {
      const sql = yield* Effect.acquireRelease(
        login
          ? connectAs(name, login)
          : Effect.try({ try: () => connector.connect(name), catch: fail(`connect to ${name}`) }),
        endDriver,
      )
      const session = sessionOf(sql)
      yield* Effect.tryPromise({
        try: () => session.query("SELECT 1"),
        catch: (error) => fail(`connect to ${name}`)(login ? hide(login)(String(error)) : error),
      })
      return session
    })

  const ephemeral = Effect.gen(function* () {
    const name = throwawayName()
    if (sandboxNote !== undefined) {
      yield* createDatabase(name, undefined)
      return yield* openSession(name, undefined)
    }
    // Acquired in this order so the scope releases in reverse: sessions, database, then role.
    const login = yield* createRole(name)
    yield* createDatabase(name, login.user)
    // postgres.js connects on first use, so the admin session costs nothing until a statement needs it.
    const privilegedDriver = yield* Effect.acquireRelease(
      Effect.try({ try: () => connector.connect(name), catch: fail(`connect to ${name}`) }),
      endDriver,
    )
    const session = yield* openSession(name, login)
    return { ...session, privileged: sessionOf(privilegedDriver) } satisfies PgSession
  })

  return {
    serverVersion: shortVersion(info?.version ?? "unknown"),
    sandboxNote,
    ephemeral,
  } satisfies ThrowawayServer
})
