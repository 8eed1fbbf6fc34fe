/**
 * What a script creates is used before aim trusts it, through the CLI on every engine: a view on a
 * missing table in schema.sql exits 1 naming schema.sql and the view's line, and nothing is
 * written (SQLite takes such a view and fails on its first use; PostgreSQL and MariaDB refuse the
 * CREATE, which names the same line); `aim validate` names the migration that leaves a view or a
 * function unusable (a dropped table or column). PostgreSQL and MariaDB run on the machine's
 * servers (url backend), skipped with the reason when one does not answer.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test"
import { mkdirSync, readdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { MARIADB_TEST_URL, mysqlVersion, PG_TEST_URL, pgAnswers } from "../_servers.ts"
import { aim, makeTemp, removeTemp } from "./_cli.ts"

setDefaultTimeout(120_000)

const hasPg = await pgAnswers(PG_TEST_URL)
if (!hasPg) console.warn(`skipped: PostgreSQL exercise e2e tests, no server answers at ${PG_TEST_URL}`)
const hasMariadb = /mariadb/i.test((await mysqlVersion(MARIADB_TEST_URL)) ?? "")
if (!hasMariadb)
  console.warn(`skipped: MariaDB exercise e2e tests, no MariaDB answers at ${MARIADB_TEST_URL}`)

const temps: string[] = []
afterAll(() => {
  for (const dir of temps) removeTemp(dir)
})

interface EngineSetup {
  readonly name: string
  readonly skip: boolean
  readonly toml: string
  readonly env: Record<string, string | undefined>
}

const engines: ReadonlyArray<EngineSetup> = [
  { name: "SQLite", skip: false, toml: 'engine = "sqlite"\nformat = "migrate"\n', env: {} },
  {
    name: "PostgreSQL",
    skip: !hasPg,
    toml: 'engine = "postgres-15"\nformat = "migrate"\n\n[engines.postgres]\nbackend = "url"\n',
    env: { AIM_POSTGRES_URL: PG_TEST_URL },
  },
  {
    name: "MariaDB",
    skip: !hasMariadb,
    toml: 'engine = "mariadb-10.11"\nformat = "migrate"\n\n[engines.mariadb]\nbackend = "url"\n',
    env: { AIM_MARIADB_URL: MARIADB_TEST_URL },
  },
]

function project(setup: EngineSetup, schema: string, migrations: Record<string, string> = {}): string {
  const dir = makeTemp("aim-exercise-")
  temps.push(dir)
  writeFileSync(join(dir, "aim.toml"), setup.toml)
  writeFileSync(join(dir, "schema.sql"), schema)
  mkdirSync(join(dir, "migrations"))
  for (const [name, sql] of Object.entries(migrations)) writeFileSync(join(dir, "migrations", name), sql)
  return dir
}

const viewOnMissingTable = `CREATE TABLE orders (id INT PRIMARY KEY, total INT);

-- what is still open
CREATE VIEW open_orders AS
  SELECT id, total FROM orderz;
`

describe("a view on a missing table in schema.sql", () => {
  for (const setup of engines) {
    test.skipIf(setup.skip)(
      `${setup.name}: exits 1 naming schema.sql and the view's line; nothing is written`,
      async () => {
        const dir = project(setup, viewOnMissingTable)
        const [generate, json] = await Promise.all([
          aim(["generate"], { cwd: dir, env: setup.env }),
          aim(["generate", "--json"], { cwd: dir, env: setup.env }),
        ])
        expect(generate.code).toBe(1)
        // PostgreSQL points at the missing name itself; the others name the CREATE's first line.
        const at = setup.name.startsWith("PostgreSQL") ? "schema.sql:5:25: " : "schema.sql:4: "
        expect(generate.stderr).toContain(`aim: ${at}`)
        expect(generate.stderr).toMatch(/orderz/)
        expect(json.code).toBe(1)
        const doc = JSON.parse(json.stdout) as { error: { tag: string; message: string } }
        expect(doc.error.message).toStartWith(at)
        // SQLite takes the view and fails on its first use; the servers refuse the CREATE itself.
        expect(doc.error.tag).toBe(setup.name === "SQLite" ? "ObjectsBroken" : "StatementFailed")
        expect(readdirSync(join(dir, "migrations"))).toEqual([])
      },
    )
  }

  test("SQLite: diff and validate refuse it too", async () => {
    const dir = project(engines[0] as EngineSetup, viewOnMissingTable)
    for (const command of ["diff", "validate"]) {
      const run = await aim([command], { cwd: dir })
      expect(run.code).toBe(1)
      expect(run.stderr).toBe(
        "aim: schema.sql:4: view open_orders cannot be read: no such table: main.orderz\n",
      )
    }
  })
})

describe("aim validate names the migration that leaves an object unusable", () => {
  const cases: Record<string, { first: string; second: string; schema: string; broken: RegExp }> = {
    SQLite: {
      first:
        "CREATE TABLE orders (id INTEGER PRIMARY KEY);\nCREATE TABLE notes (id INTEGER);\nCREATE VIEW open_notes AS SELECT id FROM notes;\n",
      second: "DROP TABLE notes;\n",
      schema: "CREATE TABLE orders (id INTEGER PRIMARY KEY);\n",
      broken:
        /^aim: After migrations\/000002_drop\.up\.sql: view open_notes cannot be read: no such table: main\.notes$/m,
    },
    PostgreSQL: {
      first:
        "CREATE TABLE orders (id int PRIMARY KEY);\nCREATE TABLE notes (id int);\nCREATE FUNCTION note_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM notes';\n",
      second: "DROP TABLE notes;\n",
      schema: "CREATE TABLE orders (id int PRIMARY KEY);\n",
      broken:
        /^aim: After migrations\/000002_drop\.up\.sql: function note_count\(\) fails its body check: relation "notes" does not exist$/m,
    },
    MariaDB: {
      first:
        "CREATE TABLE orders (id INT PRIMARY KEY, status VARCHAR(10));\nCREATE VIEW by_status AS SELECT id, status FROM orders;\n",
      second: "ALTER TABLE orders DROP COLUMN status;\n",
      schema: "CREATE TABLE orders (id INT PRIMARY KEY);\n",
      broken:
        /^aim: After migrations\/000002_drop\.up\.sql: view by_status cannot be read: .*invalid table\(s\) or column\(s\)/m,
    },
  }
  for (const setup of engines) {
    const c = cases[setup.name] as (typeof cases)[string]
    test.skipIf(setup.skip)(setup.name, async () => {
      const dir = project(setup, c.schema, {
        "000001_start.up.sql": c.first,
        "000002_drop.up.sql": c.second,
      })
      const run = await aim(["validate"], { cwd: dir, env: setup.env })
      expect(run.code).toBe(1)
      expect(run.stderr).toMatch(c.broken)
    })
  }
})
