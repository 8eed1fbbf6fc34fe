/**
 * Verification tells the truth about data, through the CLI on each engine: a change that real rows
 * can pass (NOT NULL added, a CHECK, a UNIQUE, a foreign key, a narrowed varchar, a removed MariaDB
 * ENUM label) is written with no model, its sample rows fitting both versions, and each such change
 * reports a hazard whose check query, run by the engine's own client (sqlite3, psql, mariadb) on a
 * database the history built, counts 0 on rows that pass and at least 1 on rows that break. The
 * written UP runs on the first and fails on the second, as the hazard's outcome says.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test"
import { join } from "node:path"
import { MARIADB_TEST_URL, mysqlVersion, PG_TEST_URL, pgAnswers } from "../_servers.ts"
import { aim, makeProject, makeTemp, read, removeTemp, sqlite3, sqlite3ok, upFiles, write } from "./_cli.ts"

setDefaultTimeout(60_000)

interface Hazard {
  readonly table: string
  readonly columns: string[]
  readonly condition: string
  readonly outcome: string
  readonly check: string
}

interface Document {
  readonly status: string
  readonly verification: {
    readonly seeded: Array<{ table: string; rows: number }>
    readonly provenEmpty: Array<{ table: string }>
    readonly hazards: Hazard[]
  }
}

/** A database the engine's own client reaches: run a script, read one number. */
interface ClientDatabase {
  readonly run: (sql: string) => { code: number; stderr: string }
  readonly count: (sql: string) => number
  readonly drop: () => void
}

interface EngineCase {
  readonly name: string
  readonly skip: string | undefined
  readonly toml: string
  readonly history: string
  readonly schema: string
  /** Each table's hazard outcome. */
  readonly outcomes: Record<string, string>
  readonly passing: string
  readonly breaking: string
  readonly open: () => ClientDatabase
  /** The UP file as the user's runner applies it. */
  readonly asRunner: (up: string) => string
}

const spawn = (cmd: string[], input: string) => {
  const r = Bun.spawnSync(cmd, { stdin: Buffer.from(input), stdout: "pipe", stderr: "pipe" })
  return { code: r.exitCode ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() }
}
const unique = () => `hz16_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`

const pgUp = await pgAnswers(PG_TEST_URL)
const mariadb = await mysqlVersion(MARIADB_TEST_URL)
const pgAt = (db: string) => PG_TEST_URL.replace(/\/[^/]*$/, `/${db}`)
const mariaHost = new URL(MARIADB_TEST_URL)

/** Tables of each changed kind; rows that pass and rows that break, per engine's spelling. */
const cases: EngineCase[] = [
  {
    name: "SQLite",
    skip: undefined,
    toml: 'engine = "sqlite"\nformat = "migrate"\n',
    history: `CREATE TABLE parents (id INTEGER PRIMARY KEY);
CREATE TABLE nn (id INTEGER PRIMARY KEY, note TEXT);
CREATE TABLE ck (id INTEGER PRIMARY KEY, qty INT);
CREATE TABLE uq (id INTEGER PRIMARY KEY, email VARCHAR(50));
CREATE TABLE fk (id INTEGER PRIMARY KEY, parent_id INT);
CREATE TABLE nw (id INTEGER PRIMARY KEY, code VARCHAR(20));`,
    schema: `CREATE TABLE parents (id INTEGER PRIMARY KEY);
CREATE TABLE nn (id INTEGER PRIMARY KEY, note TEXT NOT NULL);
CREATE TABLE ck (id INTEGER PRIMARY KEY, qty INT CHECK (qty > 0));
CREATE TABLE uq (id INTEGER PRIMARY KEY, email VARCHAR(50) UNIQUE);
CREATE TABLE fk (id INTEGER PRIMARY KEY, parent_id INT REFERENCES parents (id));
CREATE TABLE nw (id INTEGER PRIMARY KEY, code VARCHAR(5));`,
    // SQLite records a declared length and enforces none: a longer value stays as it was.
    outcomes: { nn: "up-fails", ck: "up-fails", uq: "up-fails", fk: "up-fails", nw: "kept" },
    passing: `INSERT INTO parents VALUES (1);
INSERT INTO nn VALUES (1, 'a'); INSERT INTO ck VALUES (1, 5); INSERT INTO uq VALUES (1, 'a@x'), (2, 'b@x');
INSERT INTO fk VALUES (1, 1), (2, NULL); INSERT INTO nw VALUES (1, 'abc');`,
    breaking: `INSERT INTO nn VALUES (2, NULL); INSERT INTO ck VALUES (2, 0); INSERT INTO uq VALUES (3, 'a@x');
INSERT INTO fk VALUES (3, 99); INSERT INTO nw VALUES (2, 'abcdefghij');`,
    open: () => {
      const dir = makeTemp("aim-hazards-db-")
      const file = join(dir, "prod.db")
      return {
        run: (sql) => sqlite3(file, sql),
        count: (sql) => Number(sqlite3ok(file, `${sql};`).trim()),
        drop: () => removeTemp(dir),
      }
    },
    asRunner: (up) => `PRAGMA foreign_keys=ON;\nBEGIN;\n${up}\nCOMMIT;\n`,
  },
  {
    name: "PostgreSQL",
    skip: pgUp ? undefined : "no PostgreSQL server answers at 127.0.0.1:5432",
    toml: `engine = "postgres-15"\nformat = "migrate"\n\n[engines.postgres]\nbackend = "url"\nurl = "${PG_TEST_URL}"\n`,
    history: `CREATE TABLE parents (id int PRIMARY KEY);
CREATE TABLE nn (id int PRIMARY KEY, note text);
CREATE TABLE ck (id int PRIMARY KEY, qty int);
CREATE TABLE uq (id int PRIMARY KEY, email varchar(50));
CREATE TABLE fk (id int PRIMARY KEY, parent_id int);
CREATE TABLE nw (id int PRIMARY KEY, code varchar(20), flag varchar(10));`,
    schema: `CREATE TABLE parents (id int PRIMARY KEY);
CREATE TABLE nn (id int PRIMARY KEY, note text NOT NULL);
CREATE TABLE ck (id int PRIMARY KEY, qty int CHECK (qty > 0));
CREATE TABLE uq (id int PRIMARY KEY, email varchar(50) UNIQUE);
CREATE TABLE fk (id int PRIMARY KEY, parent_id int REFERENCES parents (id));
CREATE TABLE nw (id int PRIMARY KEY, code varchar(5), flag char(1));`,
    outcomes: { nn: "up-fails", ck: "up-fails", uq: "up-fails", fk: "up-fails", nw: "up-fails" },
    passing: `INSERT INTO parents VALUES (1);
INSERT INTO nn VALUES (1, 'a'); INSERT INTO ck VALUES (1, 5); INSERT INTO uq VALUES (1, 'a@x'), (2, 'b@x');
INSERT INTO fk VALUES (1, 1), (2, NULL); INSERT INTO nw VALUES (1, 'abc', 'y');`,
    breaking: `INSERT INTO nn VALUES (2, NULL); INSERT INTO ck VALUES (2, 0); INSERT INTO uq VALUES (3, 'a@x');
INSERT INTO fk VALUES (3, 99); INSERT INTO nw VALUES (2, 'abcdefghij', 'yes');`,
    open: () => {
      const name = unique()
      const admin = spawn(["psql", PG_TEST_URL, "-v", "ON_ERROR_STOP=1", "-q"], `CREATE DATABASE ${name};`)
      if (admin.code !== 0) throw new Error(admin.stderr)
      const psql = (sql: string, ...flags: string[]) =>
        spawn(["psql", pgAt(name), "-v", "ON_ERROR_STOP=1", "-q", ...flags], sql)
      return {
        run: (sql) => psql(sql),
        count: (sql) => {
          const r = psql(`${sql};`, "-At")
          if (r.code !== 0) throw new Error(r.stderr)
          return Number(r.stdout.trim())
        },
        drop: () => {
          spawn(["psql", PG_TEST_URL, "-q"], `DROP DATABASE IF EXISTS ${name};`)
        },
      }
    },
    asRunner: (up) => `BEGIN;\n${up}\nCOMMIT;\n`,
  },
  {
    name: "MariaDB",
    skip: mariadb?.includes("MariaDB") ? undefined : "no MariaDB server answers at 127.0.0.1:3306",
    toml: `engine = "mariadb-10"\nformat = "migrate"\n\n[engines.mariadb]\nbackend = "url"\nurl = "${MARIADB_TEST_URL}"\n`,
    history: `CREATE TABLE parents (id int PRIMARY KEY);
CREATE TABLE nn (id int PRIMARY KEY, note text);
CREATE TABLE ck (id int PRIMARY KEY, qty int);
CREATE TABLE uq (id int PRIMARY KEY, email varchar(50));
CREATE TABLE fk (id int PRIMARY KEY, parent_id int);
CREATE TABLE nw (id int PRIMARY KEY, code varchar(20));
CREATE TABLE en (id int PRIMARY KEY, status enum('new','paid','void'));`,
    schema: `CREATE TABLE parents (id int PRIMARY KEY);
CREATE TABLE nn (id int PRIMARY KEY, note text NOT NULL);
CREATE TABLE ck (id int PRIMARY KEY, qty int CHECK (qty > 0));
CREATE TABLE uq (id int PRIMARY KEY, email varchar(50) UNIQUE);
CREATE TABLE fk (id int PRIMARY KEY, parent_id int, CONSTRAINT fk_parent FOREIGN KEY (parent_id) REFERENCES parents (id));
CREATE TABLE nw (id int PRIMARY KEY, code varchar(5));
CREATE TABLE en (id int PRIMARY KEY, status enum('new','paid'));`,
    // MariaDB's MODIFY COLUMN with a column CHECK leaves the rows it has unchecked: the probe says so.
    outcomes: { nn: "up-fails", ck: "kept", uq: "up-fails", fk: "up-fails", nw: "up-fails", en: "up-fails" },
    passing: `INSERT INTO parents VALUES (1);
INSERT INTO nn VALUES (1, 'a'); INSERT INTO ck VALUES (1, 5); INSERT INTO uq VALUES (1, 'a@x'), (2, 'b@x');
INSERT INTO fk VALUES (1, 1), (2, NULL); INSERT INTO nw VALUES (1, 'abc'); INSERT INTO en VALUES (1, 'new'), (2, 'paid');`,
    breaking: `INSERT INTO nn VALUES (2, NULL); INSERT INTO ck VALUES (2, 0); INSERT INTO uq VALUES (3, 'a@x');
INSERT INTO fk VALUES (3, 99); INSERT INTO nw VALUES (2, 'abcdefghij'); INSERT INTO en VALUES (3, 'void');`,
    open: () => {
      const name = unique()
      const client = (db?: string) => [
        "mariadb",
        "-h",
        mariaHost.hostname,
        "-P",
        mariaHost.port || "3306",
        "-u",
        decodeURIComponent(mariaHost.username || "root"),
        ...(mariaHost.password ? [`-p${decodeURIComponent(mariaHost.password)}`] : []),
        "-N",
        "-B",
        ...(db ? [db] : []),
      ]
      const made = spawn(client(), `CREATE DATABASE ${name};`)
      if (made.code !== 0) throw new Error(made.stderr)
      return {
        run: (sql) => spawn(client(name), sql),
        count: (sql) => {
          const r = spawn(client(name), `${sql};`)
          if (r.code !== 0) throw new Error(r.stderr)
          return Number(r.stdout.trim())
        },
        drop: () => {
          spawn(client(), `DROP DATABASE IF EXISTS ${name};`)
        },
      }
    },
    asRunner: (up) => up,
  },
]

for (const c of cases) {
  describe.skipIf(c.skip !== undefined)(`${c.name}: hazards of a change on tables with rows`, () => {
    let dir: string
    let doc: Document
    let up: string
    const opened: ClientDatabase[] = []
    beforeAll(async () => {
      dir = makeProject()
      write(dir, "aim.toml", c.toml)
      write(dir, "migrations/000001_init.up.sql", c.history)
      write(dir, "schema.sql", c.schema)
      const r = await aim(["generate", "--json"], { cwd: dir })
      if (r.code !== 0) throw new Error(`${r.stdout}\n${r.stderr}`)
      doc = JSON.parse(r.stdout)
      up = read(dir, `migrations/${upFiles(dir).at(-1)}`)
    })
    afterAll(() => {
      for (const db of opened) db.drop()
      removeTemp(dir)
    })
    const history = () => {
      const db = c.open()
      opened.push(db)
      const built = db.run(c.history)
      if (built.code !== 0) throw new Error(built.stderr)
      return db
    }

    test("the migration is written with no model, its sample rows fitting both versions", () => {
      expect(doc.status).toBe("written")
      expect(upFiles(dir)).toHaveLength(2)
      expect(doc.verification.provenEmpty).toEqual([])
      const seeded = doc.verification.seeded.map((s) => s.table).sort()
      expect(seeded).toEqual(["parents", ...Object.keys(c.outcomes)].sort())
    })

    test("each change reports its hazard and what UP does with a row that breaks it", () => {
      const outcomes = Object.fromEntries(
        Object.keys(c.outcomes).map((t) => [
          t,
          [...new Set(doc.verification.hazards.filter((h) => h.table === t).map((h) => h.outcome))].join(","),
        ]),
      )
      expect(outcomes).toEqual(c.outcomes)
    })

    test("each check query counts 0 on passing rows and at least 1 on breaking rows, in the engine's client", () => {
      const db = history()
      const seeded = db.run(c.passing)
      expect(seeded.stderr).toBe("")
      for (const h of doc.verification.hazards)
        expect({ check: h.check, n: db.count(h.check) }).toEqual({ check: h.check, n: 0 })
      const broken = db.run(c.breaking)
      expect(broken.stderr).toBe("")
      for (const h of doc.verification.hazards)
        expect({ check: h.check, atLeastOne: db.count(h.check) >= 1 }).toEqual({
          check: h.check,
          atLeastOne: true,
        })
    })

    test("the written UP runs on the passing rows and fails on the breaking ones", () => {
      const passing = history()
      expect(passing.run(c.passing).code).toBe(0)
      const ok = passing.run(c.asRunner(up))
      expect(ok.stderr).toBe("")
      expect(ok.code).toBe(0)
      const breaking = history()
      expect(breaking.run(`${c.passing}\n${c.breaking}`).code).toBe(0)
      expect(breaking.run(c.asRunner(up)).code).not.toBe(0)
    })
  })
}

describe("SQLite: a silent hazard is said on the terminal", () => {
  let dir: string
  beforeAll(() => {
    dir = makeProject()
    write(dir, "migrations/000001_notes.up.sql", "CREATE TABLE notes (id INTEGER PRIMARY KEY, note TEXT);\n")
    write(dir, "schema.sql", "CREATE TABLE notes (id INTEGER PRIMARY KEY, note TEXT NOT NULL);\n")
  })
  afterAll(() => removeTemp(dir))

  test("`note TEXT` made NOT NULL: the verification line, then the hazard with its check query", async () => {
    const r = await aim(["generate", "--dry-run"], { cwd: dir })
    expect(r.code).toBe(0)
    const lines = r.stdout.split("\n")
    const verified = lines.findIndex((l) => l.startsWith("Verified on a fresh database"))
    expect(lines[verified]).toContain("with rows that fit both versions in 1 table")
    expect(lines[verified + 1]).toBe(
      "hazard: rows where notes.note IS NULL (change column notes.note (nullability)): UP fails while such rows exist; count them: SELECT count(*) FROM notes WHERE notes.note IS NULL;",
    )
  })
})

describe("SQLite: a table no sample row fits both versions of is named", () => {
  let dir: string
  beforeAll(() => {
    dir = makeProject()
    write(dir, "migrations/000001_t.up.sql", "CREATE TABLE t (id INTEGER PRIMARY KEY);\n")
    write(dir, "schema.sql", "CREATE TABLE t (id INTEGER PRIMARY KEY, code INT NOT NULL);\n")
  })
  afterAll(() => removeTemp(dir))

  test("a NOT NULL column added without a default: proven only empty, and every row is the hazard", async () => {
    const r = await aim(["generate", "--dry-run"], { cwd: dir })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(
      "Verified on a fresh database with no sample rows in any table: UP reaches schema.sql, DOWN restores the previous schema.\n",
    )
    expect(r.stdout).toContain(
      "note: t is proven only empty: no sample row fits both versions (add column t.code: every row of t breaks it)",
    )
    expect(r.stdout).toContain(
      "hazard: every row of t (add column t.code): UP fails while such rows exist; count them: SELECT count(*) FROM t;",
    )
    const json = JSON.parse((await aim(["generate", "--dry-run", "--json"], { cwd: dir })).stdout)
    expect(json.verification.provenEmpty).toEqual([{ table: "t", conditions: ["1 = 1"] }])
  })
})

describe("SQLite: a hazard on a renamed table is probed under its new name", () => {
  let dir: string
  beforeAll(() => {
    dir = makeProject()
    write(dir, "migrations/000001_users.up.sql", "CREATE TABLE users (id INTEGER PRIMARY KEY, n TEXT);\n")
    write(
      dir,
      "schema.sql",
      "CREATE TABLE people ( -- aim:renamed-from users\n  id INTEGER PRIMARY KEY,\n  n INTEGER\n);\n",
    )
  })
  afterAll(() => removeTemp(dir))

  test("users renamed to people with n TEXT made INTEGER: the probe finds the rows in people, their values changed", async () => {
    const r = await aim(["generate", "--dry-run", "--json"], { cwd: dir })
    expect(r.code, r.stderr).toBe(0)
    const hazards = JSON.parse(r.stdout).verification.hazards as Array<{ outcome: string; detail: string }>
    expect(hazards).toHaveLength(1)
    // Probed under the old name the table is gone after UP, and the rows would be reported lost.
    expect(hazards[0]?.outcome).toBe("values-change")
    expect(hazards[0]?.detail).toContain("became")
  })
})
