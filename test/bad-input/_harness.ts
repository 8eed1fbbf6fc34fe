/**
 * _harness: runs the real CLI in a sandbox and proves that a run left nothing behind. A sandbox is
 * one folder holding the project, a private TMPDIR for the run (so any temp folder, server socket
 * or PGlite file aim makes lands there and nowhere else) and an empty XDG_CONFIG_HOME (no stored
 * API key). PostgreSQL runs against the url server as a role made for the test, so "databases aim
 * left behind" is exactly "databases that role owns", whoever else shares the server. MariaDB has
 * no owner per database, so its check is "no aim_ database that was not there before", waiting a
 * moment for other engineers' runs on the shared server to drop theirs. Resources: the sandbox
 * folder and the role, removed by `dispose`.
 */
import { expect } from "bun:test"
import { randomBytes } from "node:crypto"
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import postgres from "postgres"
import { CLI, STACK_FRAME } from "../e2e/_cli.ts"

export const PG_ADMIN_URL = process.env.AIM_TEST_PG_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres"
export const MARIADB_URL = process.env.AIM_TEST_MARIADB_URL ?? "mysql://root@127.0.0.1:3306"

export interface Sandbox {
  readonly root: string
  readonly project: string
  /** The run's TMPDIR: empty before, and must be empty after. */
  readonly tmp: string
  readonly config: string
}

/** A sandbox with an empty project folder; servers started as user postgres can reach its tmp. */
export function makeSandbox(prefix = "aim-bad-"): Sandbox {
  const root = mkdtempSync(join(tmpdir(), prefix))
  chmodSync(root, 0o755)
  const project = join(root, "project")
  const tmp = join(root, "tmp")
  const config = join(root, "config")
  for (const dir of [project, tmp, config]) mkdirSync(dir)
  chmodSync(tmp, 0o1777)
  return { root, project, tmp, config }
}

export function disposeSandbox(box: Sandbox | undefined): void {
  if (box) rmSync(box.root, { recursive: true, force: true })
}

/** Write `files` (path -> content) into the project, making folders as needed. */
export function writeProject(box: Sandbox, files: Record<string, string | Uint8Array>): void {
  for (const [path, content] of Object.entries(files)) {
    const full = join(box.project, path)
    mkdirSync(dirname(full), { recursive: true })
    writeFileSync(full, content)
  }
}

/** Every entry under `dir` with what it is: file contents, link targets, "dir", "fifo"... */
export function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (current: string, prefix: string) => {
    for (const name of readdirSync(current).sort()) {
      const full = join(current, name)
      const path = `${prefix}${name}`
      const stat = lstatSync(full)
      if (stat.isSymbolicLink()) out[path] = `symlink -> ${readlinkSync(full)}`
      else if (stat.isDirectory()) {
        out[path] = "dir"
        walk(full, `${path}/`)
      } else if (stat.isFile()) out[path] = `file ${readFileSync(full).toString("base64")}`
      else out[path] = stat.isFIFO() ? "fifo" : "special"
    }
  }
  walk(dir, "")
  return out
}

export interface Result {
  /** The CLI's process id: the names of its throwaway databases carry it (run-mark.ts). */
  readonly pid: number
  readonly code: number
  readonly stdout: string
  readonly stderr: string
  readonly millis: number
}

/** The environment of a run in `box`: private TMPDIR and config folder, no model keys. */
export function sandboxEnv(box: Sandbox, env: Record<string, string | undefined> = {}) {
  const base: Record<string, string | undefined> = { ...process.env }
  for (const key of Object.keys(base))
    if (/_API_KEY$|_BASE_URL$|^AIM_POSTGRES_URL$|^AIM_MARIADB_URL$|^AIM_MYSQL_URL$/.test(key))
      delete base[key]
  return { ...base, NO_COLOR: "1", TMPDIR: box.tmp, XDG_CONFIG_HOME: box.config, ...env }
}

/** Start the CLI in `box`: its process at hand (for signals and the names it marks), and its result. */
export function startAim(
  box: Sandbox,
  args: ReadonlyArray<string>,
  env: Record<string, string | undefined> = {},
): { readonly child: Bun.Subprocess<"ignore", "pipe", "pipe">; readonly result: Promise<Result> } {
  const started = performance.now()
  const child = Bun.spawn([process.execPath, CLI, ...args], {
    cwd: box.project,
    env: sandboxEnv(box, env),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  })
  const result = Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]).then(([stdout, stderr, code]) => ({
    pid: child.pid,
    code,
    stdout,
    stderr,
    millis: performance.now() - started,
  }))
  return { child, result }
}

export const runAim = (
  box: Sandbox,
  args: ReadonlyArray<string>,
  env: Record<string, string | undefined> = {},
): Promise<Result> => startAim(box, args, env).result

/** Processes whose command line names `folder`: servers aim started with their data there. */
export function processesUsing(folder: string): string[] {
  const ps = Bun.spawnSync(["ps", "-eo", "pid=,args="], { stdout: "pipe" })
  return ps.stdout
    .toString()
    .split("\n")
    .filter((line) => line.includes(folder) && !line.includes(" ps "))
}

/** Entries left in the run's private TMPDIR (aim's prefixes are aim-pg-, aim-mariadb-, aim-mysql-). */
export const tempLeft = (box: Sandbox) => readdirSync(box.tmp)

/**
 * The `aim:` lines of a run, without the notice that leftovers of a dead run were removed: a run
 * may meet those of another suite's killed run on a shared server, which says nothing about it.
 */
export const messages = (stderr: string) =>
  stderr.split("\n").filter((l) => l.startsWith("aim: ") && !l.includes(" left by aim run"))

/** The one clear failure: exit code, one `aim:` line naming what is at fault, no stack. */
export function expectOneMessage(
  r: Result,
  code: number | ReadonlyArray<number>,
  mentions: ReadonlyArray<string>,
) {
  const codes = typeof code === "number" ? [code] : code
  const context = `exit ${r.code}\nstderr: ${r.stderr}\nstdout: ${r.stdout}`
  expect(codes, context).toContain(r.code)
  expect(r.stderr, context).toStartWith("aim: ")
  expect(messages(r.stderr).length, context).toBe(1)
  expect(r.stderr, context).not.toMatch(STACK_FRAME)
  expect(r.stdout, context).not.toMatch(STACK_FRAME)
  expect(r.stderr, context).not.toContain("internal error")
  for (const m of mentions) expect(r.stderr, context).toContain(m)
}

/** No temp entry, no server process and no changed project file after a run in `box`. */
export function expectNothingLeft(box: Sandbox, before: Record<string, string>) {
  expect(snapshotTree(box.project)).toEqual(before)
  expect(tempLeft(box)).toEqual([])
  expect(processesUsing(box.tmp)).toEqual([])
}

// --- PostgreSQL: a role per test, so the databases a run left are the ones that role owns ---

let admin: postgres.Sql | undefined
export const pgAdmin = () => {
  admin ??= postgres(PG_ADMIN_URL, { max: 2, onnotice: () => {}, idle_timeout: 5 })
  return admin
}

export async function closePgAdmin() {
  await admin?.end({ timeout: 5 })
  admin = undefined
}

export async function pgAvailable(): Promise<boolean> {
  try {
    await pgAdmin()`SELECT 1`
    return true
  } catch {
    return false
  }
}

export interface PgRole {
  readonly name: string
  /** The URL aim is given: this role on the shared server. */
  readonly url: string
}

/** A login role that may create databases (and is a superuser when `superuser`, as many users' URLs are). */
export async function makePgRole(options: { superuser?: boolean } = {}): Promise<PgRole> {
  const name = `aimtest_${randomBytes(6).toString("hex")}`
  await pgAdmin().unsafe(`CREATE ROLE ${name} LOGIN CREATEDB${options.superuser ? " SUPERUSER" : ""}`)
  const url = new URL(PG_ADMIN_URL)
  url.username = name
  return { name, url: url.toString() }
}

export async function pgDatabasesOf(role: PgRole): Promise<string[]> {
  const rows = await pgAdmin()<{ datname: string }[]>`
    SELECT datname FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE r.rolname = ${role.name}`
  return rows.map((r) => r.datname).sort()
}

/** Drop what a failed test may have left, then the role. */
export async function dropPgRole(role: PgRole | undefined) {
  if (!role) return
  for (const db of await pgDatabasesOf(role))
    await pgAdmin().unsafe(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`)
  await pgAdmin().unsafe(`DROP ROLE IF EXISTS ${role.name}`)
}

// --- MariaDB: before/after, allowing other runs on the shared server to finish ---

function mysqlCli(sql: string): { ok: boolean; out: string } {
  const url = new URL(MARIADB_URL)
  const r = Bun.spawnSync(
    [
      "mysql",
      "-h",
      url.hostname,
      "-P",
      url.port || "3306",
      "-u",
      decodeURIComponent(url.username || "root"),
      "-N",
      "-B",
      "-e",
      sql,
    ],
    { stdout: "pipe", stderr: "pipe" },
  )
  return { ok: r.exitCode === 0, out: r.stdout.toString() }
}

export const mariadbAvailable = () => mysqlCli("SELECT 1").ok

export function mariadbAimDatabases(): Set<string> {
  return new Set(
    mysqlCli("SHOW DATABASES LIKE 'aim\\_%'")
      .out.split("\n")
      .filter((l) => l !== ""),
  )
}

/** aim_ databases that were not there before and are still there after waiting up to `millis`. */
export async function mariadbLeftSince(before: Set<string>, millis = 20_000): Promise<string[]> {
  const deadline = Date.now() + millis
  for (;;) {
    const left = [...mariadbAimDatabases()].filter((d) => !before.has(d))
    if (left.length === 0 || Date.now() >= deadline) return left
    await Bun.sleep(500)
  }
}

export function mysqlExec(sql: string) {
  return mysqlCli(sql)
}

// --- Histories long enough to signal or fault in the middle of ---

/** `count` migrate-format migrations creating t1..tN, and a schema.sql with one more table. */
export function longHistory(
  count: number,
  column = "id integer PRIMARY KEY, v text",
): Record<string, string> {
  const files: Record<string, string> = {}
  const tables: string[] = []
  for (let i = 1; i <= count; i++) {
    const v = String(i).padStart(6, "0")
    const create = `CREATE TABLE t${i} (${column});\n`
    files[`migrations/${v}_t${i}.up.sql`] = create
    files[`migrations/${v}_t${i}.down.sql`] = `DROP TABLE t${i};\n`
    tables.push(create)
  }
  tables.push(`CREATE TABLE extra (${column});\n`)
  files["schema.sql"] = tables.join("")
  return files
}

// --- A private PostgreSQL server, to kill in the middle of a run ---

export interface PrivatePostgres {
  readonly url: string
  readonly folder: string
  /** The postmaster's pid. */
  readonly pid: () => number
  /** SIGKILL the postmaster (its children exit with it). */
  readonly kill: () => void
  readonly stop: () => void
}

const pgBin = (name: string) => Bun.which(name) ?? `/usr/lib/postgresql/15/bin/${name}`

/** A free TCP port on 127.0.0.1 (there is a small window before the server takes it). */
function freePort(): number {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } })
  const port = server.port
  server.stop(true)
  return port
}

/** initdb and pg_ctl start as user postgres in `folder` (outside the run's TMPDIR). */
export function startPrivatePostgres(folder: string): PrivatePostgres {
  mkdirSync(folder, { recursive: true })
  chmodSync(folder, 0o777)
  const data = join(folder, "data")
  const asPostgres = (args: string[]) => {
    const r = Bun.spawnSync(["runuser", "-u", "postgres", "--", ...args], { stdout: "pipe", stderr: "pipe" })
    if (r.exitCode !== 0) throw new Error(`${args.join(" ")}: ${r.stderr.toString()}`)
  }
  asPostgres([pgBin("initdb"), "-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"])
  const port = freePort()
  asPostgres([
    pgBin("pg_ctl"),
    "start",
    "-D",
    data,
    "-l",
    join(folder, "log"),
    "-w",
    "-s",
    "-o",
    `-p ${port} -k ${folder} -c listen_addresses=127.0.0.1 -c fsync=off`,
  ])
  const pid = () => Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0])
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    folder,
    pid,
    kill: () => process.kill(pid(), "SIGKILL"),
    stop: () => {
      try {
        asPostgres([pgBin("pg_ctl"), "stop", "-D", data, "-m", "immediate", "-w", "-s"])
      } catch {}
    },
  }
}
