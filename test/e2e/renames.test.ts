/**
 * Renames declared in schema.sql, end to end, on SQLite, PostgreSQL and MariaDB: `aim generate`
 * writes the migration, and the engine's own client (sqlite3, psql, mariadb) applies it to the old
 * schema holding rows, then UP, then DOWN, the values checked each time: a NOT NULL indexed column,
 * a column a view reads, a column under a foreign key, and a table other tables reference with ON
 * DELETE CASCADE (rebuilt on SQLite, whose children must survive it). Servers that do not answer
 * are skipped, saying so. Each server database is named aim_renames_<random> and dropped after.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test"
import { mkdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { MARIADB_TEST_URL, mysqlVersion, PG_TEST_URL, pgAnswers } from "../_servers.ts"
import { makeSandbox, type Sandbox } from "../bad-input/_harness.ts"
import { spawnOnTty } from "../signals/_tty.ts"
import { aim, makeTemp, migrationFiles, removeTemp, sqlite3ok, write } from "./_cli.ts"

setDefaultTimeout(120_000)

/** How one engine's own client runs a script on a scratch database, answering rows as `a|b` lines. */
interface Client {
  readonly create: () => void
  readonly run: (sql: string) => string
  readonly drop: () => void
}

interface Engine {
  readonly name: string
  readonly skip: string | undefined
  readonly toml: string
  readonly env: Record<string, string>
  readonly client: (dir: string) => Client
  /** The UP or DOWN script as the user's runner applies it: in one transaction, foreign keys on. */
  readonly asRunner: (script: string) => string
}

const unique = `aim_renames_${Math.random().toString(36).slice(2, 10)}`

function spawnOk(cmd: string[], input: string): string {
  const run = Bun.spawnSync(cmd, { stdin: Buffer.from(input), stdout: "pipe", stderr: "pipe" })
  const stderr = run.stderr
    .toString()
    .replace(/^.*NOTICE.*$/gm, "")
    .trim()
  if (run.exitCode !== 0 || stderr !== "")
    throw new Error(`${cmd[0]} failed (${run.exitCode}): ${stderr}\n--- input ---\n${input}`)
  return run.stdout.toString()
}

const pgUrl = (db: string) => PG_TEST_URL.replace(/\/[^/]*$/, `/${db}`)
const maria = new URL(MARIADB_TEST_URL)
const mariadbArgs = [
  "-h",
  maria.hostname,
  "-P",
  maria.port || "3306",
  "-u",
  decodeURIComponent(maria.username),
]

const [pgUp, mariaVersion] = await Promise.all([pgAnswers(), mysqlVersion()])

const engines: Engine[] = [
  {
    name: "sqlite",
    skip: Bun.which("sqlite3") ? undefined : "no sqlite3 shell",
    toml: 'engine = "sqlite"\n',
    env: {},
    client: (dir) => ({
      create: () => {},
      run: (sql) => sqlite3ok(join(dir, "app.db"), sql),
      drop: () => {},
    }),
    asRunner: (script) => `PRAGMA foreign_keys = ON;\nBEGIN;\n${script}\nCOMMIT;\n`,
  },
  {
    name: "postgres",
    skip: !pgUp ? "no PostgreSQL server answers" : !Bun.which("psql") ? "no psql client" : undefined,
    toml: 'engine = "postgres-17"\n[engines.postgres]\nbackend = "url"\n',
    env: { AIM_POSTGRES_URL: PG_TEST_URL },
    client: () => ({
      create: () =>
        spawnOk(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", PG_TEST_URL], `CREATE DATABASE ${unique};`),
      run: (sql) => spawnOk(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", pgUrl(unique)], sql),
      drop: () =>
        spawnOk(
          ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", PG_TEST_URL],
          `DROP DATABASE IF EXISTS ${unique};`,
        ),
    }),
    asRunner: (script) => `BEGIN;\n${script}\nCOMMIT;\n`,
  },
  {
    name: "mariadb",
    skip: !mariaVersion?.toLowerCase().includes("mariadb")
      ? "no MariaDB server answers"
      : !Bun.which("mariadb")
        ? "no mariadb client"
        : undefined,
    toml: 'engine = "mariadb-10.11"\n[engines.mariadb]\nbackend = "url"\n',
    env: { AIM_MARIADB_URL: MARIADB_TEST_URL },
    client: () => ({
      create: () => spawnOk(["mariadb", ...mariadbArgs], `CREATE DATABASE ${unique};`),
      run: (sql) => spawnOk(["mariadb", ...mariadbArgs, "-N", "-B", unique], sql).replaceAll("\t", "|"),
      drop: () => spawnOk(["mariadb", ...mariadbArgs], `DROP DATABASE IF EXISTS ${unique};`),
    }),
    // MariaDB commits around DDL: the mysql client runs the file as the runner does, statement by statement.
    asRunner: (script) => script,
  },
]

for (const e of engines) if (e.skip) console.warn(`skipped: renames on ${e.name}: ${e.skip}`)

const history = `CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL);
CREATE INDEX customers_name ON customers (name);
CREATE TABLE orders (
  id INT PRIMARY KEY,
  customer_id INT NOT NULL,
  note VARCHAR(50),
  FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE
);
CREATE VIEW order_notes AS SELECT id, note FROM orders;
`

// The CHECK makes SQLite rebuild clients, with orders' rows parked around it.
const schema = `CREATE TABLE clients ( -- aim:renamed-from customers
  id INT PRIMARY KEY,
  full_name VARCHAR(100) NOT NULL, -- aim:renamed-from name
  CHECK (length(full_name) > 0)
);
CREATE INDEX customers_name ON clients (full_name);
CREATE TABLE orders (
  id INT PRIMARY KEY,
  -- aim:renamed-from customer_id
  client_id INT NOT NULL,
  remark VARCHAR(50), -- aim:renamed-from note
  FOREIGN KEY (client_id) REFERENCES clients (id) ON DELETE CASCADE
);
CREATE VIEW order_notes AS SELECT id, remark FROM orders;
`

const rows = `INSERT INTO customers (id, name) VALUES (1, 'Ada'), (2, 'Grace');
INSERT INTO orders (id, customer_id, note) VALUES (10, 1, 'first'), (11, 2, 'second'), (12, 2, NULL);
`

const lines = (text: string) =>
  text
    .trim()
    .split("\n")
    .map((l) => l.trim())

describe("renames declared in schema.sql, applied by each engine's own client", () => {
  // Made when the first test runs: a filtered run (-t) skips these tests and their afterAll alike.
  let temp = ""
  beforeAll(() => {
    temp = makeTemp("aim-renames-")
  })
  const cleanups: Array<() => void> = []
  afterAll(() => {
    for (const c of cleanups) c()
    removeTemp(temp)
  })

  for (const engine of engines) {
    test.skipIf(engine.skip !== undefined)(
      `${engine.name}: values survive UP and come back after DOWN`,
      async () => {
        const dir = join(temp, engine.name)
        mkdirSync(join(dir, "migrations"), { recursive: true })
        write(dir, "aim.toml", engine.toml)
        write(dir, "migrations/000001_init.up.sql", history)
        write(
          dir,
          "migrations/000001_init.down.sql",
          "DROP VIEW order_notes;\nDROP TABLE orders;\nDROP TABLE customers;\n",
        )
        write(dir, "schema.sql", schema)
        const generated = await aim(["generate", "--name", "renames"], { cwd: dir, env: engine.env })
        expect(generated.stderr).not.toContain("aim: The")
        expect(generated.code).toBe(0)
        const file = (suffix: string) =>
          readFileSync(
            join(
              dir,
              "migrations",
              migrationFiles(dir).find((f) => f.startsWith("000002") && f.endsWith(suffix)) as string,
            ),
            "utf8",
          )
        const [up, down] = [file(".up.sql"), file(".down.sql")]
        expect(up).not.toMatch(/DROP COLUMN|ADD COLUMN/i)
        expect(up).toMatch(/RENAME/i)

        const client = engine.client(dir)
        client.create()
        cleanups.push(client.drop)
        client.run(history + rows)
        client.run(engine.asRunner(up))
        expect(lines(client.run("SELECT id, full_name FROM clients ORDER BY id;"))).toEqual([
          "1|Ada",
          "2|Grace",
        ])
        expect(lines(client.run("SELECT id, client_id, remark FROM orders ORDER BY id;"))).toEqual([
          "10|1|first",
          "11|2|second",
          `12|2|${engine.name === "mariadb" ? "NULL" : ""}`,
        ])
        expect(
          lines(client.run("SELECT id, remark FROM order_notes WHERE remark IS NOT NULL ORDER BY id;")),
        ).toEqual(["10|first", "11|second"])
        client.run(engine.asRunner(down))
        expect(lines(client.run("SELECT id, name FROM customers ORDER BY id;"))).toEqual(["1|Ada", "2|Grace"])
        expect(
          lines(client.run("SELECT id, customer_id, note FROM orders WHERE note IS NOT NULL ORDER BY id;")),
        ).toEqual(["10|1|first", "11|2|second"])
        expect(lines(client.run("SELECT count(*) FROM order_notes;"))).toEqual(["3"])

        // Once the rename is in the history, the comments stay and change nothing.
        const again = await aim(["generate"], { cwd: dir, env: engine.env })
        expect(again.stdout).toContain("Nothing to generate")
        expect(again.code).toBe(0)
      },
    )
  }
})

describe("a likely rename nobody declared", () => {
  let temp = ""
  beforeAll(() => {
    temp = makeTemp("aim-renames-hint-")
  })
  afterAll(() => removeTemp(temp))
  const project = (name: string, schemaSql: string) => {
    const dir = join(temp, name)
    mkdirSync(join(dir, "migrations"), { recursive: true })
    write(dir, "aim.toml", 'engine = "sqlite"\n')
    write(dir, "migrations/000001_init.up.sql", "CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT);\n")
    write(dir, "migrations/000001_init.down.sql", "DROP TABLE t;\n")
    write(dir, "schema.sql", schemaSql)
    return dir
  }
  const hint =
    'looks like t.note was renamed to t.comment: add "-- aim:renamed-from note" after the column in schema.sql'

  test("on a pipe aim does not ask: the migration carries the hint naming the comment to add", async () => {
    const dir = project("pipe", "CREATE TABLE t (\n  id INTEGER PRIMARY KEY,\n  comment TEXT\n);\n")
    const generated = await aim(["generate", "--dry-run"], { cwd: dir })
    expect(generated.code).toBe(0)
    expect(generated.stdout).toContain(`note: ${hint}`)
    expect(generated.stderr).not.toContain("[y/N]")
    const diff = await aim(["diff"], { cwd: dir })
    expect(diff.stdout).toContain(`note: ${hint}`)
    // Without a model, --context changes nothing, and aim says so.
    const told = await aim(["generate", "--dry-run", "--context", "t.note was renamed to comment"], {
      cwd: dir,
    })
    expect(told.stdout).toContain("note: --context is read only by a model")
    expect(told.stdout).toContain(`note: ${hint}`)
  })

  test("--json puts the hint in notes, with the candidates", async () => {
    const dir = project("json", "CREATE TABLE t (\n  id INTEGER PRIMARY KEY,\n  comment TEXT\n);\n")
    for (const command of ["generate", "diff"]) {
      const run = await aim([command, "--json", ...(command === "generate" ? ["--dry-run"] : [])], {
        cwd: dir,
      })
      const document = JSON.parse(run.stdout)
      expect(document.notes).toContain(hint)
      expect(document.renameCandidates).toEqual([
        {
          kind: "column",
          table: "t",
          from: "note",
          to: "comment",
          comment: "-- aim:renamed-from note",
          hint,
        },
      ])
    }
  })

  test("a NOT NULL column written as a drop and an add: proven only on an empty table, with the hint and the hazard", async () => {
    const dir = project(
      "not-null",
      "CREATE TABLE t (\n  id INTEGER PRIMARY KEY,\n  comment TEXT NOT NULL\n);\n",
    )
    const generated = await aim(["generate", "--json", "--dry-run"], { cwd: dir })
    expect(generated.code).toBe(0)
    const document = JSON.parse(generated.stdout)
    expect(document.notes).toContain(hint)
    // No row keeps the values through a drop and an add: every row of t breaks UP, and the report says so.
    expect(document.verification.provenEmpty.map((t: { table: string }) => t.table)).toEqual(["t"])
    expect(document.verification.hazards).toContainEqual(
      expect.objectContaining({ table: "t", outcome: "up-fails", check: "SELECT count(*) FROM t" }),
    )
  })

  test("a refusal carries the hint too: the drop of a likely renamed column refused by a rule at level error", async () => {
    const dir = project("refusal", "CREATE TABLE t (\n  id INTEGER PRIMARY KEY,\n  comment TEXT\n);\n")
    write(dir, "aim.toml", 'engine = "sqlite"\n\n[[validation.rules]]\nid = "drop-column"\nlevel = "error"\n')
    const generated = await aim(["generate"], { cwd: dir })
    expect(generated.code).toBe(1)
    expect(generated.stderr).toContain("drop-column")
    expect(generated.stderr).toContain(`hint: ${hint}`)
    expect(migrationFiles(dir)).toEqual(["000001_init.down.sql", "000001_init.up.sql"])
  })

  test("a comment that names what the migrations do not have: schema.sql and its line, exit 1, nothing written", async () => {
    const dir = project(
      "bad",
      "CREATE TABLE t (\n  id INTEGER PRIMARY KEY,\n  comment TEXT -- aim:renamed-from nte\n);\n",
    )
    for (const command of ["generate", "diff"]) {
      const run = await aim([command], { cwd: dir })
      expect(run.code).toBe(1)
      expect(run.stderr.trim()).toBe(
        "aim: schema.sql:3: aim:renamed-from nte: table t has no column nte in the migrations (nor comment)",
      )
    }
    const json = JSON.parse((await aim(["generate", "--json"], { cwd: dir })).stdout)
    expect(json).toMatchObject({ error: { tag: "RenameCommentError" }, exitCode: 1 })
    expect(migrationFiles(dir)).toEqual(["000001_init.down.sql", "000001_init.up.sql"])
  })
})

describe("on a terminal, aim asks", () => {
  const boxes: Sandbox[] = []
  afterAll(() => {
    for (const box of boxes) removeTemp(box.root)
  })
  const project = (schemaSql: string) => {
    const box = makeSandbox("aim-renames-tty-")
    boxes.push(box)
    mkdirSync(join(box.project, "migrations"))
    write(box.project, "aim.toml", 'engine = "sqlite"\n')
    write(
      box.project,
      "migrations/000001_init.up.sql",
      "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, note TEXT);\n",
    )
    write(box.project, "migrations/000001_init.down.sql", "DROP TABLE customers;\n")
    write(box.project, "schema.sql", schemaSql)
    return box
  }
  // The test runner's own CI=true would keep aim from asking.
  const interactive = { CI: undefined }
  const renamedTwice =
    "CREATE TABLE customers (\n  id INTEGER PRIMARY KEY,\n  full_name TEXT NOT NULL,\n  remark TEXT\n);\n"

  test("one question per likely rename; a yes is a rename for this run, with the comment to add", async () => {
    const box = project(renamedTwice)
    const run = spawnOnTty(box, ["generate"], interactive)
    await run.waitFor(/Was customers\.name renamed to full_name\? \[y\/N\] $/m)
    run.type("y\n")
    await run.waitFor(/Was customers\.note renamed to remark\? \[y\/N\] $/m)
    run.type("n\n")
    expect(await run.exited).toBe(0)
    const output = run.output()
    expect(output).toContain(
      'Add "-- aim:renamed-from name" after the column customers.full_name in schema.sql, so that the next run does not ask.',
    )
    expect(output.match(/\[y\/N\]/g)).toHaveLength(2)
    const up = readFileSync(
      join(
        box.project,
        "migrations",
        migrationFiles(box.project).find((f) => f.startsWith("000002") && f.endsWith(".up.sql")) as string,
      ),
      "utf8",
    )
    expect(up).toContain("RENAME COLUMN name TO full_name")
    // The answered no is a drop and an add, as the user said.
    expect(up).toMatch(/DROP COLUMN note/)
    expect(up).toMatch(/ADD COLUMN remark/)
  })

  test("with --json on a terminal nothing is asked", async () => {
    const box = project(renamedTwice)
    const run = spawnOnTty(box, ["generate", "--json", "--dry-run"], interactive)
    const code = await run.exited
    expect(run.output()).not.toContain("[y/N]")
    // Unasked, the renames are a drop and an add each, proven on an empty customers; the hints say so.
    expect(code).toBe(0)
    expect(run.output()).toContain("looks like customers.name was renamed to customers.full_name")
  })

  test("in CI (the CI variable set) nothing is asked, even on a terminal", async () => {
    const box = project(renamedTwice)
    const run = spawnOnTty(box, ["generate", "--dry-run"], { CI: "true" })
    const code = await run.exited
    expect(run.output()).not.toContain("[y/N]")
    expect(code).toBe(0)
    expect(run.output()).toContain(
      'note: looks like customers.name was renamed to customers.full_name: add "-- aim:renamed-from name"',
    )
  })

  test("Ctrl-C at the question stops the run cleanly and writes nothing", async () => {
    const box = project(renamedTwice)
    const before = migrationFiles(box.project)
    const run = spawnOnTty(box, ["generate"], interactive)
    await run.waitFor(/\[y\/N\] $/m)
    run.type("\u0003")
    expect(await run.exited).toBe(130)
    expect(run.output()).toMatch(/interrupted; /)
    expect(migrationFiles(box.project)).toEqual(before)
  })
})
