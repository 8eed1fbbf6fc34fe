/**
 * targets: the engines and backends the benchmark can measure, how to tell whether each runs on
 * this machine (and why not), the aim.toml that selects it, and the engine's own client doing the
 * least work a diff needs: the history replayed into one fresh database and schema.sql loaded into
 * another, both at once, as aim does. Client databases are named `aim_bench_<hex>` and dropped by
 * the same client script that created them; `dropLeftovers` removes any a failed script left.
 */
import { randomBytes } from "node:crypto"
import { readdirSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { type Dialect, type Fixture, historyScript } from "./fixtures.ts"
import { firstLine, type RunResult, run, which } from "./measure.ts"

export type TargetKey =
  | "sqlite"
  | "postgres-url"
  | "postgres-local"
  | "postgres-embedded"
  | "mariadb-url"
  | "mariadb-local"

export const targetKeys: ReadonlyArray<TargetKey> = [
  "sqlite",
  "postgres-url",
  "postgres-local",
  "postgres-embedded",
  "mariadb-url",
  "mariadb-local",
]

/** The engine's own client, replaying a fixture as the floor aim is compared with. */
export interface Client {
  /** "sqlite3 3.40.1", "psql 15.20 on 127.0.0.1:5432". */
  readonly name: string
  /** Write the client's scripts for one fixture into `dir`. */
  readonly prepare: (dir: string, fixture: Fixture) => void
  /** One timed replay into fresh databases; the databases are gone when it returns. */
  readonly replay: (dir: string) => Promise<{ millis: number } | { error: string }>
}

export type Probe =
  | { readonly ok: false; readonly reason: string }
  | {
      readonly ok: true
      /** The engine id written in aim.toml. */
      readonly engineId: string
      /** What the table calls this row: "PostgreSQL 15 (url)". */
      readonly label: string
      readonly toml: string
      /** The floor this row is compared with, or why there is none. */
      readonly client: Client | { readonly unavailable: string }
    }

export interface Servers {
  readonly postgresUrl: string
  readonly mariadbUrl: string
}

const hex = () => randomBytes(6).toString("hex")

/** The client half that failed, or undefined when both halves ran clean. */
function failure(results: ReadonlyArray<RunResult>, errorPattern?: RegExp): string | undefined {
  for (const r of results) {
    if (r.code !== 0) return firstLine(r)
    if (errorPattern?.test(r.stderr)) return firstLine(r)
  }
  return undefined
}

// ---------------------------------------------------------------------------------------------
// SQLite

function sqliteClient(sqlite3: string, version: string): Client {
  // A throwaway database needs no durability (aim's are in memory), so the floor skips fsync.
  const prelude = "PRAGMA synchronous = OFF;\nPRAGMA journal_mode = MEMORY;\n"
  return {
    name: `sqlite3 ${version}, a fresh file each`,
    prepare: (dir, fixture) => {
      writeFileSync(join(dir, "history.sqlite.sql"), prelude + historyScript("sqlite", fixture))
      writeFileSync(join(dir, "schema.sqlite.sql"), prelude + fixture.schema)
    },
    replay: async (dir) => {
      const name = hex()
      const files = [join(dir, `${name}-history.db`), join(dir, `${name}-schema.db`)]
      const started = performance.now()
      const results = await Promise.all([
        run([sqlite3, "-bail", files[0] as string], { stdinFile: join(dir, "history.sqlite.sql") }),
        run([sqlite3, "-bail", files[1] as string], { stdinFile: join(dir, "schema.sqlite.sql") }),
      ])
      const millis = performance.now() - started
      for (const f of files) rmSync(f, { force: true })
      const error = failure(results, /^(Parse error|Runtime error|Error)/m)
      return error ? { error } : { millis }
    },
  }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

interface PgServer {
  readonly psql: string
  readonly url: string
  readonly version: string
  readonly major: number
}

async function probePostgresServer(url: string): Promise<PgServer | string> {
  const psql = which("psql")
  if (!psql) return "psql is not installed"
  const r = await run([psql, "-X", "-At", "-d", url, "-c", "SHOW server_version"], { timeoutMs: 10_000 })
  if (r.code !== 0) return `no server at ${redact(url)}: ${firstLine(r)}`
  const version = r.stdout.trim().split(/\s+/)[0] ?? ""
  return { psql, url, version, major: Number.parseInt(version, 10) }
}

function maintenanceDatabase(url: string): string {
  const path = new URL(url).pathname.replace(/^\//, "")
  return path === "" ? "postgres" : decodeURIComponent(path)
}

function postgresClient(server: PgServer): Client {
  // Same database options aim's throwaway databases get, so both sides create the same thing.
  const head =
    "\\set ON_ERROR_STOP on\nCREATE DATABASE :\"db\" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C';\n\\c :\"db\"\n"
  const tail = '\n\\c :"maint"\nDROP DATABASE :"db";\n'
  const maint = maintenanceDatabase(server.url)
  return {
    name: `psql against PostgreSQL ${server.version} at ${redact(server.url)}`,
    prepare: (dir, fixture) => {
      writeFileSync(join(dir, "history.psql"), head + historyScript("postgres", fixture) + tail)
      writeFileSync(join(dir, "schema.psql"), `${head}${fixture.schema}${tail}`)
    },
    replay: async (dir) => {
      const names = [`aim_bench_${hex()}`, `aim_bench_${hex()}`]
      const psql = (file: string, db: string) =>
        run(
          [server.psql, "-X", "-q", "-v", `db=${db}`, "-v", `maint=${maint}`, "-d", server.url, "-f", file],
          {
            timeoutMs: 600_000,
          },
        )
      const started = performance.now()
      const results = await Promise.all([
        psql(join(dir, "history.psql"), names[0] as string),
        psql(join(dir, "schema.psql"), names[1] as string),
      ])
      const millis = performance.now() - started
      const error = failure(results)
      if (error) {
        await dropPostgres(server, names)
        return { error }
      }
      return { millis }
    },
  }
}

async function dropPostgres(server: PgServer, names: ReadonlyArray<string>): Promise<void> {
  for (const name of names)
    await run([
      server.psql,
      "-X",
      "-q",
      "-d",
      server.url,
      "-c",
      `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`,
    ])
}

// ---------------------------------------------------------------------------------------------
// MariaDB

interface MariaServer {
  readonly client: string
  readonly args: ReadonlyArray<string>
  readonly env: Record<string, string | undefined>
  readonly url: string
  /** "10.11.19" */
  readonly version: string
}

async function probeMariaServer(url: string): Promise<MariaServer | string> {
  const client = which("mariadb") ?? which("mysql")
  if (!client) return "the mariadb client is not installed"
  const u = new URL(url)
  const args = [
    `--host=${u.hostname || "127.0.0.1"}`,
    `--port=${u.port || "3306"}`,
    `--user=${decodeURIComponent(u.username || "root")}`,
    "--batch",
  ]
  // The password goes through the environment, never the command line.
  const env = { MYSQL_PWD: u.password ? decodeURIComponent(u.password) : undefined }
  const r = await run([client, ...args, "-N", "-e", "SELECT VERSION()"], { env, timeoutMs: 10_000 })
  if (r.code !== 0) return `no server at ${redact(url)}: ${firstLine(r)}`
  const version = /^(\d+\.\d+\.\d+)/.exec(r.stdout.trim())?.[1] ?? r.stdout.trim()
  if (!/mariadb/i.test(r.stdout)) return `the server at ${redact(url)} is not MariaDB (${r.stdout.trim()})`
  return { client, args, env, url, version }
}

function mariaClient(server: MariaServer): Client {
  const sql = (dir: string, file: string, db: string) =>
    `CREATE DATABASE ${db}; USE ${db}; source ${join(dir, file)}; DROP DATABASE ${db};`
  return {
    name: `mariadb client against MariaDB ${server.version} at ${redact(server.url)}`,
    prepare: (dir, fixture) => {
      writeFileSync(join(dir, "history.mariadb.sql"), historyScript("mariadb", fixture))
      writeFileSync(join(dir, "schema.mariadb.sql"), fixture.schema)
    },
    replay: async (dir) => {
      const names = [`aim_bench_${hex()}`, `aim_bench_${hex()}`]
      const client = (file: string, db: string) =>
        run([server.client, ...server.args, "-e", sql(dir, file, db)], {
          env: server.env,
          timeoutMs: 600_000,
        })
      const started = performance.now()
      const results = await Promise.all([
        client("history.mariadb.sql", names[0] as string),
        client("schema.mariadb.sql", names[1] as string),
      ])
      const millis = performance.now() - started
      // `source` reports a failed statement on stderr but lets the script, and the exit code, go on.
      const error = failure(results, /^ERROR \d+/m)
      if (error) {
        for (const name of names)
          await run([server.client, ...server.args, "-e", `DROP DATABASE IF EXISTS ${name}`], {
            env: server.env,
          })
        return { error }
      }
      return { millis }
    },
  }
}

// ---------------------------------------------------------------------------------------------

/** A URL with its password hidden, for messages. */
export function redact(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = "***"
    return u.toString()
  } catch {
    return url
  }
}

/** Whether aim's registry knows an engine id; loaded lazily so a half-edited engine only skips rows. */
async function registered(id: string): Promise<string | undefined> {
  try {
    const { findEngine } = await import("../engines/registry.ts")
    return findEngine(id) ? undefined : `engine "${id}" is not registered in engines/registry.ts yet`
  } catch (error) {
    return `engines/registry.ts does not load: ${error instanceof Error ? error.message : String(error)}`
  }
}

const sbin = ["/usr/sbin", "/usr/local/sbin", "/usr/local/mysql/bin"]

/** The newest PostgreSQL server binaries on this machine, as aim's local backend would look for them. */
async function localPostgres(): Promise<{ major: number; version: string } | undefined> {
  // Debian keeps the server binaries off PATH, in one folder per major version.
  let versions: string[] = []
  try {
    versions = readdirSync("/usr/lib/postgresql").filter((v) => /^\d+$/.test(v))
  } catch {}
  const folders = versions.sort((a, b) => Number(b) - Number(a)).map((v) => `/usr/lib/postgresql/${v}/bin`)
  const initdb = which("initdb", folders)
  if (!initdb || !which("pg_ctl", folders)) return undefined
  const r = await run([initdb, "--version"])
  const version = /\(PostgreSQL\)\s+(\d+(?:\.\d+)?)/.exec(r.stdout)?.[1]
  return version ? { major: Number.parseInt(version, 10), version } : undefined
}

async function localMariadb(): Promise<string | undefined> {
  const server = which("mariadbd", sbin) ?? which("mysqld", sbin)
  if (!server) return undefined
  const r = await run([server, "--version"])
  return /(\d+\.\d+)\.\d+-MariaDB/.exec(r.stdout)?.[1]
}

function pglitePresent(): boolean {
  try {
    Bun.resolveSync("@electric-sql/pglite", import.meta.dir)
    return true
  } catch {
    return false
  }
}

/** Probe every target once; servers are probed once and shared by the rows that use them. */
export async function probeTargets(
  keys: ReadonlyArray<TargetKey>,
  servers: Servers,
): Promise<Map<TargetKey, Probe>> {
  const out = new Map<TargetKey, Probe>()
  const needs = (prefix: string) => keys.some((k) => k.startsWith(prefix))
  const pg = needs("postgres") ? await probePostgresServer(servers.postgresUrl) : "not probed"
  const maria = needs("mariadb") ? await probeMariaServer(servers.mariadbUrl) : "not probed"
  const pgClient = typeof pg === "string" ? { unavailable: `no client floor: ${pg}` } : postgresClient(pg)
  const mariaFloor =
    typeof maria === "string" ? { unavailable: `no client floor: ${maria}` } : mariaClient(maria)

  for (const key of keys) {
    const probe = await (async (): Promise<Probe> => {
      switch (key) {
        case "sqlite": {
          const missing = await registered("sqlite")
          if (missing) return { ok: false, reason: missing }
          const sqlite3 = which("sqlite3")
          const version = sqlite3 ? ((await run([sqlite3, "--version"])).stdout.split(" ")[0] ?? "") : ""
          return {
            ok: true,
            engineId: "sqlite",
            label: "SQLite",
            toml: 'engine = "sqlite"\n',
            client: sqlite3
              ? sqliteClient(sqlite3, version)
              : { unavailable: "the sqlite3 shell is not installed" },
          }
        }
        case "postgres-url": {
          if (typeof pg === "string") return { ok: false, reason: pg }
          const engineId = `postgres-${pg.major}`
          const missing = await registered(engineId)
          if (missing) return { ok: false, reason: missing }
          return {
            ok: true,
            engineId,
            label: `PostgreSQL ${pg.major} (url)`,
            toml: pgToml(engineId, "url", pg.url),
            client: pgClient,
          }
        }
        case "postgres-local": {
          const local = await localPostgres()
          if (!local)
            return { ok: false, reason: "initdb and pg_ctl were not found (no PostgreSQL server binaries)" }
          const engineId = `postgres-${local.major}`
          const missing = await registered(engineId)
          if (missing) return { ok: false, reason: missing }
          return {
            ok: true,
            engineId,
            label: `PostgreSQL ${local.major} (local)`,
            toml: pgToml(engineId, "local"),
            client: pgClient,
          }
        }
        case "postgres-embedded": {
          if (!pglitePresent()) return { ok: false, reason: "@electric-sql/pglite is not installed" }
          // Plain `postgres` asks for whatever major the backend runs: PGlite brings its own.
          const missing = await registered("postgres")
          if (missing) return { ok: false, reason: missing }
          return {
            ok: true,
            engineId: "postgres",
            label: "PostgreSQL (embedded PGlite)",
            toml: pgToml("postgres", "embedded"),
            client: pgClient,
          }
        }
        case "mariadb-url": {
          if (typeof maria === "string") return { ok: false, reason: maria }
          const engineId = `mariadb-${maria.version.split(".").slice(0, 2).join(".")}`
          const missing = await registered(engineId)
          if (missing) return { ok: false, reason: missing }
          return {
            ok: true,
            engineId,
            label: `MariaDB ${maria.version.split(".").slice(0, 2).join(".")} (url)`,
            toml: mariaToml(engineId, "url", maria.url),
            client: mariaFloor,
          }
        }
        case "mariadb-local": {
          const version = await localMariadb()
          if (!version) return { ok: false, reason: "mariadbd was not found (no MariaDB server binaries)" }
          const engineId = `mariadb-${version}`
          const missing = await registered(engineId)
          if (missing) return { ok: false, reason: missing }
          return {
            ok: true,
            engineId,
            label: `MariaDB ${version} (local)`,
            toml: mariaToml(engineId, "local"),
            client: mariaFloor,
          }
        }
      }
    })()
    out.set(key, probe)
  }
  return out
}

const pgToml = (engineId: string, backend: string, url?: string) =>
  `engine = "${engineId}"\n\n[engines.postgres]\nbackend = "${backend}"\n${url ? `url = "${url}"\n` : ""}`

const mariaToml = (engineId: string, backend: string, url?: string) =>
  `engine = "${engineId}"\n\n[engines.mariadb]\nbackend = "${backend}"\n${url ? `url = "${url}"\n` : ""}`

/** Throwaway databases named aim_% on a server: aim's own (`aim_<hex>`) and the bench's (`aim_bench_<hex>`). */
export async function listAimDatabases(
  servers: Servers,
  which: { readonly postgres: boolean; readonly mariadb: boolean },
): Promise<{ postgres?: string[] | undefined; mariadb?: string[] | undefined }> {
  const out: { postgres?: string[]; mariadb?: string[] } = {}
  const pg = which.postgres ? await probePostgresServer(servers.postgresUrl) : "not used"
  if (typeof pg !== "string") {
    const r = await run([
      pg.psql,
      "-X",
      "-At",
      "-d",
      pg.url,
      "-c",
      "SELECT datname FROM pg_database WHERE datname LIKE 'aim\\_%' ORDER BY 1",
    ])
    if (r.code === 0) out.postgres = r.stdout.split("\n").filter((l) => l !== "")
  }
  const maria = which.mariadb ? await probeMariaServer(servers.mariadbUrl) : "not used"
  if (typeof maria !== "string") {
    const r = await run([maria.client, ...maria.args, "-N", "-e", "SHOW DATABASES LIKE 'aim\\_%'"], {
      env: maria.env,
    })
    if (r.code === 0) out.mariadb = r.stdout.split("\n").filter((l) => l !== "")
  }
  return out
}

/** Drop the bench's own client databases a failed or interrupted replay left behind. */
export async function dropLeftovers(
  servers: Servers,
  which: { readonly postgres: boolean; readonly mariadb: boolean },
): Promise<void> {
  const left = await listAimDatabases(servers, which)
  const ours = (names: string[] | undefined) => (names ?? []).filter((n) => n.startsWith("aim_bench_"))
  const pg = which.postgres ? await probePostgresServer(servers.postgresUrl) : "not used"
  if (typeof pg !== "string" && ours(left.postgres).length > 0) await dropPostgres(pg, ours(left.postgres))
  const maria = which.mariadb ? await probeMariaServer(servers.mariadbUrl) : "not used"
  if (typeof maria !== "string")
    for (const name of ours(left.mariadb))
      await run([maria.client, ...maria.args, "-e", `DROP DATABASE IF EXISTS ${name}`], { env: maria.env })
}

export const dialectOf = (key: TargetKey): Dialect =>
  key === "sqlite" ? "sqlite" : key.startsWith("postgres") ? "postgres" : "mariadb"
