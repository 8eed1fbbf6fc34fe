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

describe("a PostgreSQL server that fails mid-run", () => {
  test
    .skipIf(!hasPg)
    .concurrent(
      "its connections terminated during replay: exit 1, one message, no database left",
      async () => {
        const box = makeSandbox()
        let role: PgRole | undefined
        try {
          writeProject(box, { "aim.toml": pgToml, ...longHistory(200) })
          role = await makePgRole()
          const name = role.name
          const before = snapshotTree(box.project)
          const run = runAim(box, ["generate"], { AIM_POSTGRES_URL: role.url })
          // In the middle of the replay: a throwaway database of this role with a session busy in it.
          const replaying = await waitFor(async () => {
            const rows = await pgAdmin()`
          SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = ${name} AND datname LIKE 'aim\\_%'`
            return (rows[0]?.n ?? 0) > 0
          }, 60_000)
          expect(replaying).toBe(true)
          await Bun.sleep(300)
          await pgAdmin()`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ${name}`
          const r = await run
          console.log(`faults: connections terminated: exit ${r.code}\n${r.stderr}`)
          // The server's fault, not the migration's: the message starts with the engine, not a file.
          expectOneMessage(r, 1, ["aim: postgres-15: "])
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
        writeProject(box, { "aim.toml": pgToml, ...longHistory(200) })
        const before = snapshotTree(box.project)
        const started = performance.now()
        const run = runAim(box, ["generate"], { AIM_POSTGRES_URL: server.url })
        const sql = postgres(server.url, { max: 1, onnotice: () => {} })
        const replaying = await waitFor(async () => {
          const rows = await sql`SELECT count(*)::int AS n FROM pg_database WHERE datname LIKE 'aim\\_%'`
          return (rows[0]?.n ?? 0) > 0
        }, 60_000)
        await sql.end({ timeout: 1 }).catch(() => undefined)
        expect(replaying).toBe(true)
        await Bun.sleep(300)
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
