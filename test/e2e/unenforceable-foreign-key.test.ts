/**
 * A history holding a foreign key that references no key of its parent, through the CLI. On SQLite
 * (which cannot enforce such a key and fails every write to its tables while foreign keys are on)
 * aim still writes a migration that rebuilds the key's table, verified with every table seeded,
 * names the key and what its parent lacks in a finding, and what it writes runs in the sqlite3
 * shell; validate proves the new history. On MariaDB (which accepts such a key on a non-unique
 * index) the same finding is given. The MariaDB test is skipped, with the reason, without a server.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { MARIADB_TEST_URL, mysqlVersion } from "../_servers.ts"
import { aim, makeTemp, removeTemp, sqlite3ok } from "./_cli.ts"

setDefaultTimeout(60_000)

const hasMariadb = /mariadb/i.test((await mysqlVersion(MARIADB_TEST_URL)) ?? "")
if (!hasMariadb)
  console.warn(`skipped: MariaDB foreign key e2e test, no MariaDB answers at ${MARIADB_TEST_URL}`)

const temps: string[] = []
afterAll(() => {
  for (const dir of temps) removeTemp(dir)
})

interface GenerateDocument {
  readonly status: string
  readonly verification: { seeded: Array<{ table: string; rows: number }>; skipped: unknown[] }
  readonly findings: Array<{ rule: string; message: string; line?: number }>
  readonly files: Array<{ path: string; content: string }>
}

const history = `CREATE TABLE parent (id INTEGER PRIMARY KEY, code TEXT);
CREATE TABLE child (id INTEGER PRIMARY KEY, parent_code TEXT REFERENCES parent (code), note TEXT);
CREATE TABLE other (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id));
`

describe("a foreign key to a non-unique column", () => {
  test("SQLite: the migration is written and verified, with a finding naming the key", async () => {
    const dir = makeTemp("aim-fk-")
    temps.push(dir)
    writeFileSync(join(dir, "aim.toml"), 'engine = "sqlite"\nformat = "migrate"\n')
    mkdirSync(join(dir, "migrations"))
    writeFileSync(join(dir, "migrations", "000001_start.up.sql"), history)
    writeFileSync(
      join(dir, "migrations", "000001_start.down.sql"),
      "DROP TABLE other;\nDROP TABLE child;\nDROP TABLE parent;\n",
    )
    // note becomes NOT NULL: SQLite rebuilds child, copying its rows through the key.
    writeFileSync(join(dir, "schema.sql"), history.replace("note TEXT)", "note TEXT NOT NULL DEFAULT '')"))

    const run = await aim(["generate", "--json"], { cwd: dir })
    expect(run.code).toBe(0)
    const doc = JSON.parse(run.stdout) as GenerateDocument
    expect(doc.status).toBe("written")
    expect(doc.verification.seeded.map((s) => s.table).sort()).toEqual(["child", "other", "parent"])
    expect(doc.verification.skipped).toEqual([])
    const finding = doc.findings.find((f) => f.rule === "unenforceable-foreign-key")
    expect(finding?.message).toStartWith(
      "Foreign key child (parent_code) -> parent (code) references no key of parent: parent has no PRIMARY KEY, UNIQUE constraint or unique index on (code).",
    )
    expect(finding?.line).toBeNumber()

    // What was written runs in the sqlite3 shell on a database holding the history and rows.
    const up = doc.files.find((f) => f.path.endsWith(".up.sql"))
    const db = join(dir, "app.db")
    sqlite3ok(
      db,
      `${history}INSERT INTO parent VALUES (1, 'a'), (2, 'a');
INSERT INTO child VALUES (1, 'a', NULL), (2, 'a', 'kept');
INSERT INTO other VALUES (1, 2);`,
    )
    sqlite3ok(db, readFileSync(join(dir, up?.path ?? "missing"), "utf8"))
    expect(sqlite3ok(db, "SELECT id, note FROM child ORDER BY id;")).toBe("1|\n2|kept\n")

    const validate = await aim(["validate"], { cwd: dir })
    expect(validate.stderr).toBe("")
    expect(validate.code).toBe(0)
  })

  test.skipIf(!hasMariadb)("MariaDB: a key on a non-unique index gets the same finding", async () => {
    const dir = makeTemp("aim-fk-")
    temps.push(dir)
    writeFileSync(
      join(dir, "aim.toml"),
      'engine = "mariadb-10.11"\nformat = "migrate"\n\n[engines.mariadb]\nbackend = "url"\n',
    )
    mkdirSync(join(dir, "migrations"))
    writeFileSync(
      join(dir, "schema.sql"),
      `CREATE TABLE parent (id INT PRIMARY KEY, code VARCHAR(10), KEY (code));
CREATE TABLE child (id INT PRIMARY KEY, code VARCHAR(10), FOREIGN KEY (code) REFERENCES parent (code));
`,
    )
    const run = await aim(["generate", "--dry-run", "--json"], {
      cwd: dir,
      env: { AIM_MARIADB_URL: MARIADB_TEST_URL },
    })
    expect(run.code).toBe(0)
    const doc = JSON.parse(run.stdout) as GenerateDocument
    expect(doc.findings.map((f) => f.rule)).toContain("unenforceable-foreign-key")
    expect(doc.findings.find((f) => f.rule === "unenforceable-foreign-key")?.message).toContain(
      "child (code) -> parent (code) references no key of parent",
    )
  })
})
