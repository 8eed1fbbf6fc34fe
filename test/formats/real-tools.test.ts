/**
 * The files aim writes, run by the real tools: dbmate (npm) and Sqitch (Debian), against SQLite and,
 * when the postgres engine is registered and a server answers, PostgreSQL. aim writes a project
 * with two generated migrations; the tool applies them, then takes them back one by one, and after
 * each step the database's schema, read with aim's own catalog readers, must equal the schema.sql
 * of that step. The hand-written dbmate and Sqitch folders of the format e2e tests are run too, so
 * they are known to be what those tools accept. A missing tool fails under CI=true; locally the test
 * is skipped with a message. Resources: temp folders and throwaway PostgreSQL databases, removed in afterAll.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test"
import { existsSync, mkdirSync, writeFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import postgres from "postgres"
import { diffSchemas } from "../../model/diff.ts"
import { renderChanges } from "../../model/changes.ts"
import { findEngine } from "../../engines/registry.ts"
import { renderTable as renderSqliteTable } from "../../engines/sqlite/render.ts"
import type { Schema, Table } from "../../model.ts"
import { aim, makeTemp, removeTemp, schemaOfFile, schemaOfSql } from "../e2e/_cli.ts"
import { handwritten } from "./_handwritten.ts"

setDefaultTimeout(180_000)

const CI = process.env.CI === "true"
const DBMATE = resolve(import.meta.dir, "../../node_modules/.bin/dbmate")
const PG_URL = process.env.AIM_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres"

const runs = (cmd: string[]) => {
  try {
    return Bun.spawnSync(cmd, { stdout: "ignore", stderr: "ignore" }).success
  } catch {
    return false
  }
}
const perlModule = (module: string) => runs(["perl", `-M${module}`, "-e", "1"])

/** Why a tool cannot run here, or undefined when it can. */
const unavailable = {
  dbmate: existsSync(DBMATE) && runs([DBMATE, "--version"]) ? undefined : "dbmate is not installed (npm ci)",
  sqitchSqlite: !Bun.which("sqitch")
    ? "sqitch is not installed (apt-get install sqitch)"
    : !perlModule("DBD::SQLite")
      ? "DBD::SQLite is missing (apt-get install libdbd-sqlite3-perl)"
      : !Bun.which("sqlite3")
        ? "the sqlite3 client Sqitch runs is missing (apt-get install sqlite3)"
        : undefined,
  sqitchPg: !Bun.which("sqitch")
    ? "sqitch is not installed (apt-get install sqitch)"
    : !perlModule("DBD::Pg")
      ? "DBD::Pg is missing (apt-get install libdbd-pg-perl)"
      : !Bun.which("psql")
        ? "the psql client Sqitch runs is missing (apt-get install postgresql-client)"
        : undefined,
}

/** The PostgreSQL engine id to use (`postgres-<server major>`), or why PostgreSQL is not tried. */
async function findPostgres(): Promise<{ engine: string } | { skip: string }> {
  if (!findEngine("postgres-15")) return { skip: "no postgres engine is registered" }
  const sql = postgres(PG_URL, { max: 1, onnotice: () => {}, connect_timeout: 5 })
  try {
    const [row] = await sql<{ v: string }[]>`SELECT current_setting('server_version_num') AS v`
    return { engine: `postgres-${Math.floor(Number(row?.v) / 10000)}` }
  } catch (error) {
    return { skip: `no PostgreSQL server answers at ${PG_URL} (${(error as Error).message})` }
  } finally {
    await sql.end({ timeout: 1 })
  }
}
const pg = await findPostgres()

/** A test that needs `tool`: failed under CI when it is missing, else skipped with a message. */
function toolTest(name: string, missing: string | undefined, body: () => Promise<void>, skip?: string) {
  if (missing !== undefined) {
    if (CI) test(name, () => expect(`${missing}; CI=true needs it`).toBe("available"))
    else {
      console.warn(`skip: ${name}: ${missing}`)
      test.skip(name, body)
    }
    return
  }
  if (skip !== undefined) {
    console.warn(`skip: ${name}: ${skip}`)
    test.skip(name, body)
    return
  }
  test(name, body)
}

const temps: string[] = []
const databases: string[] = []
afterAll(async () => {
  for (const dir of temps) removeTemp(dir)
  if (databases.length === 0) return
  const admin = postgres(PG_URL, { max: 1, onnotice: () => {} })
  try {
    for (const name of databases) await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
  } finally {
    await admin.end({ timeout: 1 })
  }
})

const env = { SQITCH_FULLNAME: "Ada Planner", SQITCH_EMAIL: "ada@example.com", AIM_POSTGRES_URL: PG_URL }

function tool(cmd: string[], cwd: string, extraEnv: Record<string, string> = {}) {
  const result = Bun.spawnSync(cmd, {
    cwd,
    env: { ...process.env, ...env, ...extraEnv },
    stdout: "pipe",
    stderr: "pipe",
  })
  const output = `${result.stdout.toString()}${result.stderr.toString()}`
  if (!result.success) throw new Error(`${cmd.join(" ")} failed (${result.exitCode}):\n${output}`)
  return output
}

async function run(project: string, ...args: string[]) {
  mkdirSync(project, { recursive: true })
  const result = await aim([...args, "--dir", project], { cwd: project, env })
  if (result.code !== 0)
    throw new Error(`aim ${args.join(" ")} exited ${result.code}\n${result.stdout}\n${result.stderr}`)
  return result.stdout
}

// Valid on SQLite and PostgreSQL alike; the second step adds a column, an index and a table with a foreign key.
const STEPS = [
  "CREATE TABLE users (id integer PRIMARY KEY, name text NOT NULL);\n",
  `CREATE TABLE users (id integer PRIMARY KEY, name text NOT NULL, email text);
CREATE INDEX users_email ON users (email);
CREATE TABLE posts (id integer PRIMARY KEY, user_id integer NOT NULL REFERENCES users (id), title text NOT NULL);
`,
] as const

/** A project aim wrote: `aim init`, then one `aim generate` per step of STEPS. */
async function aimProject(engine: string, format: string): Promise<string> {
  const parent = makeTemp("aim-real-tools-")
  temps.push(parent)
  const project = join(parent, "shop")
  await run(project, "init", "--engine", engine, "--format", format)
  for (const step of STEPS) {
    writeFileSync(join(project, "schema.sql"), step)
    await run(project, "generate", "--quiet")
  }
  // Sqitch's scripts hold their own BEGIN/COMMIT: aim's replay must leave the transaction to them.
  if (format === "sqitch") expect(await run(project, "validate")).toContain("2 migrations valid")
  return project
}

/** Leave out what the tools keep for themselves: dbmate's schema_migrations, Sqitch's registry schema. */
function withoutToolTables(schema: Schema): Schema {
  const ours = (name: string | undefined) =>
    name !== undefined && (name === "schema_migrations" || name === "sqitch" || name.startsWith("sqitch."))
  return {
    ...schema,
    tables: schema.tables.filter((t) => !ours(t.name)),
    objects: schema.objects.filter((o) => !ours(o.name) && !ours(o.table) && !o.dependsOn.some(ours)),
  }
}

/** The differences between two schemas as text; "" when they are equal. */
const drift = (actual: Schema, expected: Schema, render: (t: Table) => string) => {
  const from = withoutToolTables(actual)
  return renderChanges(diffSchemas(from, expected), { from, to: expected, renderTable: render })
}

/** A database the tools and aim's readers can reach, per engine. */
interface Target {
  readonly dbmateUrl: string
  readonly sqitchTarget: string
  readonly schema: () => Promise<Schema>
  readonly expected: (sql: string) => Promise<Schema>
  readonly render: (t: Table) => string
}

function sqliteTarget(): Target {
  const dir = makeTemp("aim-real-tools-db-")
  temps.push(dir)
  const file = join(dir, "shop.db")
  return {
    dbmateUrl: `sqlite:${file}`,
    sqitchTarget: `db:sqlite:${file}`,
    schema: async () => schemaOfFile(file),
    expected: async (sql) => schemaOfSql(sql),
    render: renderSqliteTable,
  }
}

async function postgresTarget(): Promise<Target> {
  const { readSchema } = await import("../../engines/postgres/catalog.ts")
  const { sessionOf } = await import("../../engines/postgres/backends/postgres-js-session.ts")
  const { renderTable } = await import("../../engines/postgres/render.ts")
  // One database for the tool, one scratch database where each expected schema.sql is loaded.
  const name = `aim_tools_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`
  const scratch = `${name}_expected`
  const admin = postgres(PG_URL, { max: 1, onnotice: () => {} })
  try {
    for (const db of [name, scratch]) {
      await admin.unsafe(`CREATE DATABASE "${db}"`)
      databases.push(db)
    }
  } finally {
    await admin.end({ timeout: 1 })
  }
  const urlOf = (database: string) => {
    const url = new URL(PG_URL)
    url.pathname = `/${database}`
    return url
  }
  const read = async (database: string, setup?: string) => {
    const sql = postgres(urlOf(database).toString(), { max: 1, onnotice: () => {}, prepare: false })
    try {
      if (setup !== undefined) await sql.unsafe(setup).simple()
      return await readSchema(sessionOf(sql))
    } finally {
      await sql.end({ timeout: 1 })
    }
  }
  const url = urlOf(name)
  return {
    dbmateUrl: `${url.toString()}?sslmode=disable`,
    sqitchTarget: `db:pg://${url.username ? `${url.username}@` : ""}${url.host}/${name}`,
    schema: () => read(name),
    // A public schema made anew, with the comment and privileges initdb gives it (aim compares them).
    expected: (sql) =>
      read(
        scratch,
        `DROP SCHEMA public CASCADE; CREATE SCHEMA public; COMMENT ON SCHEMA public IS 'standard public schema'; GRANT USAGE ON SCHEMA public TO PUBLIC;\n${sql}`,
      ),
    render: renderTable,
  }
}

const EMPTY = "SELECT 1;\n"

/** dbmate up, then rollback twice; the schema after each equals the schema.sql of that step. */
async function dbmateRoundTrip(project: string, target: Target) {
  const dbmate = (verb: string) =>
    tool(
      [DBMATE, "--url", target.dbmateUrl, "--migrations-dir", "migrations", "--no-dump-schema", verb],
      project,
    )
  expect(dbmate("up")).toMatch(/Applied: /)
  expect(drift(await target.schema(), await target.expected(STEPS[1]), target.render)).toBe("")
  dbmate("rollback")
  expect(drift(await target.schema(), await target.expected(STEPS[0]), target.render)).toBe("")
  dbmate("rollback")
  expect(drift(await target.schema(), await target.expected(EMPTY), target.render)).toBe("")
  expect(dbmate("status")).toMatch(/Applied: 0\b/)
}

/** sqitch deploy and verify, revert to the first change, revert all; the schema matches each step. */
async function sqitchRoundTrip(project: string, target: Target) {
  const cwd = join(project, "migrations")
  const isolated = {
    SQITCH_USER_CONFIG: join(cwd, "no-user.conf"),
    SQITCH_SYSTEM_CONFIG: join(cwd, "no-system.conf"),
  }
  const sqitch = (...args: string[]) => tool(["sqitch", ...args], cwd, isolated)
  expect(sqitch("deploy", target.sqitchTarget)).toMatch(/\+ create_posts_and_alter_users \.+ ok/)
  expect(drift(await target.schema(), await target.expected(STEPS[1]), target.render)).toBe("")
  expect(sqitch("verify", target.sqitchTarget)).toContain("Verify successful")
  sqitch("revert", "-y", "--to", "@HEAD^", target.sqitchTarget)
  expect(drift(await target.schema(), await target.expected(STEPS[0]), target.render)).toBe("")
  sqitch("revert", "-y", target.sqitchTarget)
  expect(drift(await target.schema(), await target.expected(EMPTY), target.render)).toBe("")
}

/** Write a hand-written folder from _handwritten.ts into a fresh project folder. */
function handwrittenProject(format: string): { project: string; schema: string } {
  const folder = handwritten[format]
  if (!folder) throw new Error(`no hand-written ${format} folder`)
  const project = makeTemp("aim-real-tools-")
  temps.push(project)
  for (const [path, content] of Object.entries(folder.files)) {
    mkdirSync(dirname(join(project, "migrations", path)), { recursive: true })
    writeFileSync(join(project, "migrations", path), content)
  }
  return { project, schema: folder.schema }
}

const pgSkip = "skip" in pg ? pg.skip : undefined
const pgEngine = "engine" in pg ? pg.engine : "postgres"

describe.concurrent("dbmate runs what aim writes", () => {
  toolTest(
    "SQLite: up reaches schema.sql, each rollback restores the step before",
    unavailable.dbmate,
    async () => {
      await dbmateRoundTrip(await aimProject("sqlite", "dbmate"), sqliteTarget())
    },
  )

  toolTest(
    `PostgreSQL (${pgEngine}): up reaches schema.sql, each rollback restores the step before`,
    unavailable.dbmate,
    async () => {
      await dbmateRoundTrip(await aimProject(pgEngine, "dbmate"), await postgresTarget())
    },
    pgSkip,
  )

  toolTest("SQLite: the hand-written dbmate folder applies and rolls back", unavailable.dbmate, async () => {
    const { project, schema } = handwrittenProject("dbmate")
    const target = sqliteTarget()
    const dbmate = (verb: string) =>
      tool(
        [DBMATE, "--url", target.dbmateUrl, "--migrations-dir", "migrations", "--no-dump-schema", verb],
        project,
      )
    dbmate("up")
    expect(drift(await target.schema(), await target.expected(schema), target.render)).toBe("")
    for (let i = 0; i < 3; i++) dbmate("rollback")
    expect(drift(await target.schema(), await target.expected(EMPTY), target.render)).toBe("")
  })
})

describe.concurrent("Sqitch runs what aim writes", () => {
  toolTest(
    "SQLite: deploy reaches schema.sql, verify passes, revert restores each step",
    unavailable.sqitchSqlite,
    async () => {
      await sqitchRoundTrip(await aimProject("sqlite", "sqitch"), sqliteTarget())
    },
  )

  toolTest(
    `PostgreSQL (${pgEngine}): deploy reaches schema.sql, verify passes, revert restores each step`,
    unavailable.sqitchPg,
    async () => {
      const project = await aimProject(pgEngine, "sqitch")
      expect(await Bun.file(join(project, "migrations/sqitch.conf")).text()).toContain("\tengine = pg\n")
      await sqitchRoundTrip(project, await postgresTarget())
    },
    pgSkip,
  )

  toolTest(
    "SQLite: the hand-written plan (tags, dependencies, a rework) deploys, verifies and reverts",
    unavailable.sqitchSqlite,
    async () => {
      const { project, schema } = handwrittenProject("sqitch")
      const target = sqliteTarget()
      const cwd = join(project, "migrations")
      const sqitch = (...args: string[]) => tool(["sqitch", ...args], cwd)
      sqitch("deploy", target.sqitchTarget)
      expect(drift(await target.schema(), await target.expected(schema), target.render)).toBe("")
      expect(sqitch("verify", target.sqitchTarget)).toContain("Verify successful")
      sqitch("revert", "-y", target.sqitchTarget)
      expect(drift(await target.schema(), await target.expected(EMPTY), target.render)).toBe("")
    },
  )
})
