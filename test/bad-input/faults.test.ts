/**
 * Faults in the middle of a run, and input that is large but valid. A PostgreSQL server whose
 * connections are terminated while aim replays a long history, and one that dies (SIGKILL of the
 * postmaster) at that moment: one message, exit 1, no database, temp folder or process left. A
 * 5,000-statement schema.sql on SQLite: not an error; generate completes and the time is printed.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test"
import { readdirSync } from "node:fs"
import { join } from "node:path"
import postgres from "postgres"
import {
  closePgAdmin,
  disposeSandbox,
  dropPgRole,
  expectNothingLeft,
  expectOneMessage,
  longHistory,
  makePgRole,
  makeSandbox,
  type PgRole,
  pgAdmin,
  pgAvailable,
  pgDatabasesOf,
  runAim,
  type Sandbox,
  snapshotTree,
  startPrivatePostgres,
  writeProject,
} from "./_harness.ts"

setDefaultTimeout(240_000)

const hasPg = await pgAvailable()
const hasInitdb = Bun.which("initdb") !== null && Bun.which("runuser") !== null
const pgToml = 'engine = "postgres-15"\n\n[engines.postgres]\nbackend = "url"\n'

/** Poll `check` every 100 ms until it is true or `millis` pass; false on timeout. */
async function waitFor(check: () => Promise<boolean> | boolean, millis: number): Promise<boolean> {
  const deadline = Date.now() + millis
  while (Date.now() < deadline) {
    if (await check()) return true
    await Bun.sleep(100)
  }
  return false
}

/**
 * A long history whose 100th migration holds its session for 30 s (a backfill, say). The faults
 * strike while that statement runs, so they land in the replay whatever the machine's load: waiting
 * for any throwaway database and then a fixed sleep could miss the replay on a busy CI run, where aim
 * had finished before the fault came.
 */
function slowHistory(): Record<string, string> {
  const files = longHistory(200)
  files["migrations/000100_t100.up.sql"] += "SELECT pg_sleep(30);\n"
  return files
}

/** The count of sessions, other than the asking one, running the slow migration's sleep. */
const sleeping = (sql: postgres.Sql, role?: string) =>
  sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM pg_stat_activity
    WHERE pid <> pg_backend_pid() AND state = 'active' AND query LIKE '%pg\_sleep(30)%'
      AND (${role ?? null}::text IS NULL OR usename = ${role ?? null})`.then((rows) => rows[0]?.n ?? 0)

describe("a PostgreSQL server that fails mid-run", () => {
  test
    .skipIf(!hasPg)
    .concurrent(
      "its connections terminated during replay: exit 1, one message, no database left",
      async () => {
        const box = makeSandbox()
        let role: PgRole | undefined
        try {
          writeProject(box, { "aim.toml": pgToml, ...slowHistory() })
          role = await makePgRole()
          const name = role.name
          const before = snapshotTree(box.project)
          const run = runAim(box, ["generate"], { AIM_POSTGRES_URL: role.url })
          // In the middle of the replay: this role's session runs the slow migration.
          const replaying = await waitFor(async () => (await sleeping(pgAdmin(), name)) > 0, 60_000)
          expect(replaying).toBe(true)
          await pgAdmin()`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ${name}`
          const r = await run
          console.log(`faults: connections terminated: exit ${r.code}\n${r.stderr}`)
          // The server's fault, not the migration's: the message starts with the engine, not a file.
          expectOneMessage(r, 1, ["aim: postgres-15: ", "migrations/000100_t100.up.sql"])
          expectNothingLeft(box, before)
          expect(await pgDatabasesOf(role)).toEqual([])
        } finally {
          await dropPgRole(role)
          disposeSandbox(box)
        }
      },
    )

  test
    .skipIf(!hasInitdb)
    .concurrent("the server killed during replay: exit 1, one message, nothing left", async () => {
      const box = makeSandbox()
      const server = startPrivatePostgres(join(box.root, "server"))
      try {
        writeProject(box, { "aim.toml": pgToml, ...slowHistory() })
        const before = snapshotTree(box.project)
        const started = performance.now()
        const run = runAim(box, ["generate"], { AIM_POSTGRES_URL: server.url })
        const sql = postgres(server.url, { max: 1, onnotice: () => {} })
        const replaying = await waitFor(async () => (await sleeping(sql)) > 0, 60_000)
        await sql.end({ timeout: 1 }).catch(() => undefined)
        expect(replaying).toBe(true)
        server.kill()
        const killedAt = performance.now()
        const r = await run
        console.log(
          `faults: server killed ${Math.round(killedAt - started)} ms into the run; aim exited ${Math.round(performance.now() - killedAt)} ms later with ${r.code}`,
        )
        console.log(`faults: server killed: ${r.stderr}`)
        expectOneMessage(r, 1, ["aim: postgres-15: "])
        expectNothingLeft(box, before)
      } finally {
        server.stop()
        disposeSandbox(box)
      }
    })
})

describe("large but valid input", () => {
  test.concurrent("a 5,000-statement schema.sql generates on SQLite within the timeout", async () => {
    const box: Sandbox = makeSandbox()
    try {
      const statements: string[] = []
      for (let i = 1; i <= 2500; i++) {
        statements.push(
          `CREATE TABLE t${i} (id INTEGER PRIMARY KEY, name TEXT NOT NULL, n INTEGER DEFAULT 0);`,
        )
        statements.push(`CREATE INDEX t${i}_name ON t${i} (name);`)
      }
      writeProject(box, {
        "aim.toml": 'engine = "sqlite"\nformat = "migrate"\n',
        "schema.sql": `${statements.join("\n")}\n`,
        "migrations/.keep": "",
      })
      const r = await runAim(box, ["generate", "--name", "big"])
      console.log(
        `faults: 5,000-statement schema.sql, aim generate on SQLite took ${Math.round(r.millis)} ms`,
      )
      expect(r.stderr).toBe("")
      expect(r.code).toBe(0)
      const files = readdirSync(join(box.project, "migrations")).filter((f) => f.endsWith(".sql"))
      expect(files.sort()).toEqual(["000001_big.down.sql", "000001_big.up.sql"])
      expect(readdirSync(box.tmp)).toEqual([])
    } finally {
      disposeSandbox(box)
    }
  })
})

afterAll(() => closePgAdmin())
