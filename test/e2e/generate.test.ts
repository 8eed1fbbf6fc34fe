import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  setDefaultTimeout,
  test,
} from "bun:test"
import { existsSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { diffSchemas } from "../../model/diff.ts"
import {
  aim,
  downFiles,
  makeProject,
  makeTemp,
  migrationFiles,
  read,
  removeTemp,
  schemaOfFile,
  schemaOfSql,
  sqlite3ok,
  upFiles,
  write,
} from "./_cli.ts"

setDefaultTimeout(60_000)

/** The schema.sql of each step of the journey, and what the step must write. */
const steps = [
  {
    what: "add a table",
    schema: "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, bio TEXT);\n",
    version: "000002",
    nameHas: "users",
    shown: "+ CREATE TABLE users",
    up: /CREATE TABLE users/,
  },
  {
    what: "add a column",
    schema: "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, bio TEXT, email TEXT);\n",
    version: "000003",
    nameHas: "email",
    shown: "+   email TEXT",
    up: /ALTER TABLE users ADD COLUMN email TEXT/,
  },
  {
    what: "change a column's type",
    schema:
      "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, bio TEXT, email VARCHAR(200));\n",
    version: "000004",
    nameHas: "email",
    shown: "+   email VARCHAR(200)",
    up: /CREATE TABLE users \(.*email VARCHAR\(200\)\)/,
  },
  {
    what: "add an index and a view",
    schema: `CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, bio TEXT, email VARCHAR(200));
CREATE INDEX users_email ON users (email);
CREATE VIEW user_names AS SELECT id, name FROM users;
`,
    version: "000005",
    nameHas: "user_names",
    shown: "+ CREATE VIEW user_names",
    up: /CREATE INDEX users_email[\s\S]*CREATE VIEW user_names/,
  },
  {
    what: "drop a column",
    schema: `CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email VARCHAR(200));
CREATE INDEX users_email ON users (email);
CREATE VIEW user_names AS SELECT id, name FROM users;
`,
    version: "000006",
    nameHas: "bio",
    shown: "-   bio TEXT",
    up: /ALTER TABLE users DROP COLUMN bio/,
  },
]

describe("the foundation journey: edit schema.sql, generate, repeat", () => {
  let dir: string
  beforeAll(() => {
    dir = makeTemp()
  })
  afterAll(() => removeTemp(dir))

  test("each edit becomes one verified migration; validate and diff agree at the end", async () => {
    expect((await aim(["init", "--engine", "sqlite"], { cwd: dir })).code).toBe(0)
    // A hand-written first migration, so the journey starts from an existing history.
    write(
      dir,
      "migrations/000001_settings.up.sql",
      "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT);\n",
    )
    write(dir, "migrations/000001_settings.down.sql", "DROP TABLE settings;\n")
    const settings = "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT);\n"

    for (const step of steps) {
      write(dir, "schema.sql", settings + step.schema)
      const before = migrationFiles(dir)
      const r = await aim(["generate"], { cwd: dir })
      expect({ step: step.what, code: r.code, stderr: r.stderr }).toEqual({
        step: step.what,
        code: 0,
        stderr: "",
      })
      expect(r.stdout).toContain(step.shown)
      expect(r.stdout).toContain("Verified on a fresh database")
      // Exactly one new UP/DOWN pair, at the next version, named after the change.
      const added = migrationFiles(dir).filter((f) => !before.includes(f))
      expect(added).toHaveLength(2)
      const base = (added[0] as string).replace(/\.(up|down)\.sql$/, "")
      expect(added).toEqual([`${base}.down.sql`, `${base}.up.sql`])
      expect(base).toStartWith(`${step.version}_`)
      expect(base).toContain(step.nameHas)
      expect(r.stdout).toContain(`Wrote migrations/${base}.up.sql`)
      expect(r.stdout).toContain(`Wrote migrations/${base}.down.sql`)
      expect(read(dir, `migrations/${base}.up.sql`)).toMatch(step.up)
      expect(read(dir, `migrations/${base}.down.sql`).trim()).not.toBe("")
      if (step.what === "change a column's type") expect(r.stdout).toContain("note: Table users is rebuilt")

      const diff = await aim(["diff", "--exit-code"], { cwd: dir })
      expect({ step: step.what, code: diff.code }).toEqual({ step: step.what, code: 0 })
    }

    const validate = await aim(["validate"], { cwd: dir })
    expect(validate.code).toBe(0)
    expect(validate.stdout).toContain("6 migrations valid")
    expect(validate.stdout).toContain("each DOWN restores the schema before it")

    const diff = await aim(["diff"], { cwd: dir })
    expect(diff.code).toBe(0)
    expect(diff.stdout).toContain("No difference")
  })

  test("the sqlite3 shell applies every UP in order and builds exactly schema.sql", () => {
    const db = join(dir, "up.sqlite")
    for (const file of upFiles(dir)) sqlite3ok(db, read(dir, `migrations/${file}`))
    const built = schemaOfFile(db)
    const wanted = schemaOfSql(read(dir, "schema.sql"))
    expect(diffSchemas(built, wanted)).toHaveLength(0)
    expect(diffSchemas(wanted, built)).toHaveLength(0)
    expect(built.tables.map((t) => t.name).sort()).toEqual(["settings", "users"])
    expect(built.objects.map((o) => `${o.kind} ${o.name}`).sort()).toEqual([
      "index users_email",
      "view user_names",
    ])
  })

  test("the DOWN files, applied in reverse with sqlite3, keep rows and return to an empty schema", () => {
    const db = join(dir, "down.sqlite")
    for (const file of upFiles(dir)) sqlite3ok(db, read(dir, `migrations/${file}`))
    sqlite3ok(
      db,
      `INSERT INTO settings (key, value) VALUES ('theme', 'dark');
INSERT INTO users (id, name, email) VALUES (7, 'Ada', 'ada@example.com');`,
    )
    const downs = downFiles(dir).reverse()
    expect(downs[0]).toStartWith("000006_")
    for (const file of downs) {
      sqlite3ok(db, read(dir, `migrations/${file}`))
      // Until the DOWN that drops it, the user row survives every rebuild.
      if (!file.startsWith("000002_") && !file.startsWith("000001_"))
        expect(sqlite3ok(db, "SELECT id, name FROM users;").trim()).toBe("7|Ada")
    }
    const schema = schemaOfFile(db)
    expect(schema.tables).toEqual([])
    expect(schema.objects).toEqual([])
  })
})

describe("aim generate options", () => {
  let dir: string
  beforeEach(() => {
    dir = makeProject("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n")
  })
  afterEach(() => removeTemp(dir))

  test("--dry-run prints the SQL and writes nothing", async () => {
    const r = await aim(["generate", "--dry-run"], { cwd: dir })
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/-- migrations\/000001_\w+\.up\.sql/)
    expect(r.stdout).toContain("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);")
    expect(r.stdout).toMatch(/-- migrations\/000001_\w+\.down\.sql/)
    expect(r.stdout).toContain("DROP TABLE users;")
    expect(r.stdout).toContain("Dry run: nothing was written.")
    expect(r.stdout).not.toContain("Wrote ")
    expect(migrationFiles(dir)).toEqual([])
  })

  test("--name sets the description in the file names", async () => {
    const r = await aim(["generate", "--name", "add_users"], { cwd: dir })
    expect(r.code).toBe(0)
    expect(migrationFiles(dir)).toEqual(["000001_add_users.down.sql", "000001_add_users.up.sql"])
    expect(r.stdout).toContain("Wrote migrations/000001_add_users.up.sql")
  })

  test("nothing to generate when the migrations already build schema.sql", async () => {
    expect((await aim(["generate"], { cwd: dir })).code).toBe(0)
    const files = migrationFiles(dir)
    const contents = files.map((f) => readFileSync(join(dir, "migrations", f), "utf8"))

    const r = await aim(["generate"], { cwd: dir })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("Nothing to generate")
    expect(migrationFiles(dir)).toEqual(files)
    expect(files.map((f) => readFileSync(join(dir, "migrations", f), "utf8"))).toEqual(contents)
  })

  test("--no-down writes only the .up.sql", async () => {
    const r = await aim(["generate", "--no-down"], { cwd: dir })
    expect(r.code).toBe(0)
    expect(r.stdout).not.toContain("DOWN restores")
    const files = migrationFiles(dir)
    expect(files).toHaveLength(1)
    expect(files[0]).toMatch(/^000001_\w+\.up\.sql$/)

    const validate = await aim(["validate"], { cwd: dir })
    expect(validate.code).toBe(0)
    expect(validate.stdout).toContain("0 of 1 have a DOWN")
  })

  test("no_down = true in aim.toml has the same effect", async () => {
    write(dir, "aim.toml", `${read(dir, "aim.toml")}no_down = true\n`)
    const r = await aim(["generate"], { cwd: dir })
    expect(r.code).toBe(0)
    expect(migrationFiles(dir)).toHaveLength(1)
    expect(migrationFiles(dir)[0]).toEndWith(".up.sql")
  })

  test("a DOWN that cannot bring back a dropped NOT NULL column fails verification; --no-down goes through", async () => {
    expect((await aim(["generate"], { cwd: dir })).code).toBe(0)
    write(dir, "schema.sql", "CREATE TABLE users (id INTEGER PRIMARY KEY);\n")

    const r = await aim(["generate"], { cwd: dir })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("DOWN")
    expect(r.stderr).toContain("users.name")
    expect(migrationFiles(dir)).toHaveLength(2)

    const noDown = await aim(["generate", "--no-down"], { cwd: dir })
    expect(noDown.code).toBe(0)
    const files = migrationFiles(dir)
    expect(files).toHaveLength(3)
    expect(files.filter((f) => f.startsWith("000002_"))).toHaveLength(1)
    expect(files.find((f) => f.startsWith("000002_"))).toEndWith(".up.sql")
  })

  test("a missing migrations folder is created; --migrations writes elsewhere", async () => {
    rmSync(join(dir, "migrations"), { recursive: true })
    const r = await aim(["generate", "--migrations", "db/migrations"], { cwd: dir })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("Wrote db/migrations/000001_")
    expect(migrationFiles(dir, "db/migrations")).toHaveLength(2)
    expect(existsSync(join(dir, "migrations"))).toBe(false)
  })

  test("with a model, an unambiguous change is written by the planner without asking the model", async () => {
    // No key and no server: under strategy "auto" the model is not needed for this change.
    const r = await aim(["generate", "--dry-run", "--model", "openai-gpt-5"], {
      cwd: dir,
      env: { OPENAI_API_KEY: undefined, OPENAI_BASE_URL: "http://127.0.0.1:9/v1" },
    })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("openai-gpt-5 was not asked")
    expect(r.stdout).toContain("Dry run")
    expect(migrationFiles(dir)).toEqual([])
  })
})
