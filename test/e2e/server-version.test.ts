/**
 * The server that verifies is the one asked, or aim says it is not: through the CLI, embedded
 * `postgres-16`, `postgres-17` and `postgres-18` each run that major (the version `--json` reports,
 * and `DEFAULT uuidv7()`, new in PostgreSQL 18, refused on 16 and 17 with schema.sql's line), and
 * a major that runs elsewhere (postgres-15 on embedded, postgres-17 on the machine's PostgreSQL 15
 * server) is said on stderr on a pipe, with --quiet and with --json, whose document carries the
 * asked and the running version. The tests spawn aim with piped output, as CI runs it.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test"
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import postgres from "postgres"
import { MARIADB_TEST_URL, mysqlVersion, PG_TEST_URL, pgAnswers } from "../_servers.ts"
import { aim, makeTemp, removeTemp } from "./_cli.ts"

// A PGlite release's first start in this run's cache folder runs its initdb: seconds.
setDefaultTimeout(120_000)

const temps: string[] = []
afterAll(() => {
  for (const dir of temps) removeTemp(dir)
})

function project(engine: string, schema: string, backend = "embedded"): string {
  const dir = makeTemp("aim-server-version-")
  temps.push(dir)
  const section = engine.startsWith("mariadb") ? "mariadb" : "postgres"
  writeFileSync(
    join(dir, "aim.toml"),
    `engine = "${engine}"\nformat = "migrate"\n\n[engines.${section}]\nbackend = "${backend}"\n`,
  )
  writeFileSync(join(dir, "schema.sql"), schema)
  mkdirSync(join(dir, "migrations"))
  return dir
}

interface EngineDocument {
  readonly id: string
  readonly server: { asked: string | null; running: string; mismatch: string | null } | null
}

const embedded = { AIM_POSTGRES_URL: undefined }

/** The machine's server version ("15.20"), or undefined when none answers. */
const serverVersion = (await pgAnswers(PG_TEST_URL))
  ? await (async () => {
      const sql = postgres(PG_TEST_URL, { max: 1, onnotice: () => {} })
      try {
        const [row] = await sql<Array<{ v: string }>>`SELECT current_setting('server_version') AS v`
        return row?.v.split(" ")[0]
      } finally {
        await sql.end({ timeout: 1 })
      }
    })()
  : undefined
if (!serverVersion) console.warn("skipped: url mismatch test, no PostgreSQL answers at 127.0.0.1:5432")

/** The machine's MariaDB version ("10.11.19-MariaDB-0+deb12u1"), or undefined when none answers. */
const mariadb = await mysqlVersion(MARIADB_TEST_URL)
if (!mariadb) console.warn("skipped: MariaDB mismatch test, no MariaDB answers at 127.0.0.1:3306")

describe("embedded PostgreSQL runs the asked major", () => {
  for (const major of [16, 17, 18]) {
    test(`postgres-${major}`, async () => {
      const dir = project(`postgres-${major}`, "CREATE TABLE t (id int PRIMARY KEY);\n")
      const diff = await aim(["diff", "--json"], { cwd: dir, env: embedded })
      expect(diff.code).toBe(0)
      const engine = (JSON.parse(diff.stdout) as { engine: EngineDocument }).engine
      expect(engine.server?.asked).toBe(String(major))
      expect(engine.server?.running).toStartWith(`${major}.`)
      expect(engine.server?.mismatch).toBeNull()
      expect(diff.stderr).toBe("")

      writeFileSync(join(dir, "schema.sql"), "CREATE TABLE t (\n  id uuid DEFAULT uuidv7() PRIMARY KEY\n);\n")
      const generate = await aim(["generate", "--dry-run"], { cwd: dir, env: embedded })
      if (major >= 18) {
        expect(generate.code).toBe(0)
        expect(generate.stdout).toContain("uuidv7()")
      } else {
        expect(generate.code).toBe(1)
        expect(generate.stderr).toContain("schema.sql:2:19: function uuidv7() does not exist")
      }
    })
  }
})

describe("a server that is not the asked major is said on every run", () => {
  const warning =
    /^aim: warning: postgres-15 was asked, but PostgreSQL 16\.\d+ runs \(embedded PGlite runs PostgreSQL 16, 17, 18 and 19\): a migration verified here may not run on PostgreSQL 15$/m

  test("postgres-15 on embedded: on a pipe, with --quiet, and in --json", async () => {
    const dir = project("postgres-15", "CREATE TABLE t (id int PRIMARY KEY);\n")
    const [plain, quiet, json] = await Promise.all([
      aim(["generate", "--dry-run"], { cwd: dir, env: embedded }),
      aim(["generate", "--dry-run", "--quiet"], { cwd: dir, env: embedded }),
      aim(["generate", "--dry-run", "--json"], { cwd: dir, env: embedded }),
    ])
    for (const run of [plain, quiet, json]) {
      expect(run.code).toBe(0)
      expect(run.stderr).toMatch(warning)
    }
    const engine = (JSON.parse(json.stdout) as { engine: EngineDocument }).engine
    expect(engine.server?.asked).toBe("15")
    expect(engine.server?.running).toStartWith("16.")
    expect(engine.server?.mismatch).toMatch(/^postgres-15 was asked, but PostgreSQL 16\./)
  })

  test.skipIf(!serverVersion)("another major on the url server", async () => {
    const running = Number.parseInt(serverVersion ?? "0", 10)
    const other = running === 17 ? 16 : 17
    const dir = project(`postgres-${other}`, "CREATE TABLE t (id int PRIMARY KEY);\n", "url")
    const run = await aim(["diff", "--json", "--quiet"], { cwd: dir, env: { AIM_POSTGRES_URL: PG_TEST_URL } })
    expect(run.code).toBe(0)
    expect(run.stderr).toContain(
      `aim: warning: postgres-${other} was asked, but PostgreSQL ${serverVersion} runs`,
    )
    const engine = (JSON.parse(run.stdout) as { engine: EngineDocument }).engine
    expect(engine.server).toEqual({
      asked: String(other),
      running: serverVersion ?? "",
      mismatch: expect.stringContaining(`PostgreSQL ${serverVersion} runs`),
    })
  })

  test.skipIf(!mariadb?.includes("MariaDB"))("MariaDB: another version on the url server", async () => {
    const running = /^\d+\.\d+\.\d+/.exec(mariadb ?? "")?.[0] ?? ""
    const [major, minor] = running.split(".")
    const other = major === "11" ? "10.6" : "11"
    const env = { AIM_MARIADB_URL: MARIADB_TEST_URL }
    const [asked, same] = await Promise.all([
      aim(["diff", "--json", "--quiet"], { cwd: project(`mariadb-${other}`, "", "url"), env }),
      aim(["diff", "--json", "--quiet"], { cwd: project(`mariadb-${major}.${minor}`, "", "url"), env }),
    ])
    expect(asked.code).toBe(0)
    expect(asked.stderr).toContain(`aim: warning: mariadb-${other} was asked, but MariaDB ${running} runs`)
    expect((JSON.parse(asked.stdout) as { engine: EngineDocument }).engine.server).toEqual({
      asked: other,
      running,
      mismatch: expect.stringContaining(`MariaDB ${running} runs`),
    })
    expect(same.code).toBe(0)
    expect(same.stderr).toBe("")
    expect((JSON.parse(same.stdout) as { engine: EngineDocument }).engine.server).toEqual({
      asked: `${major}.${minor}`,
      running,
      mismatch: null,
    })
  })
})
