/**
 * The data-loss trap: rebuilding a parent table drops it, and with foreign keys on, SQLite's DROP
 * TABLE deletes its rows first, which fires ON DELETE CASCADE on the children. A runner wraps each
 * file in a transaction, where `PRAGMA foreign_keys=OFF` does nothing, so the migration itself
 * must keep the children's rows.
 */
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
import { join } from "node:path"
import {
  aim,
  downFiles,
  makeProject,
  migrationFiles,
  read,
  removeTemp,
  sqlite3ok,
  upFiles,
  write,
} from "./_cli.ts"

const HISTORY = `CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE books (
  id INTEGER PRIMARY KEY,
  author_id INTEGER NOT NULL REFERENCES authors(id) ON DELETE CASCADE,
  title TEXT NOT NULL
);
CREATE INDEX books_author ON books (author_id);
INSERT INTO authors (id, name) VALUES (1, 'Le Guin'), (2, 'Lem');
INSERT INTO books (id, author_id, title) VALUES
  (1, 1, 'The Dispossessed'),
  (2, 1, 'The Lathe of Heaven'),
  (3, 2, 'Solaris');
`

const SCHEMA = `CREATE TABLE authors (
  id INTEGER PRIMARY KEY,
  name VARCHAR(100) NOT NULL CHECK (length(name) > 0)
);
CREATE TABLE books (
  id INTEGER PRIMARY KEY,
  author_id INTEGER NOT NULL REFERENCES authors(id) ON DELETE CASCADE,
  title TEXT NOT NULL
);
CREATE INDEX books_author ON books (author_id);
`

/** A file as a careful runner applies it: foreign keys on, the whole file in one transaction. */
const asRunner = (sql: string) => `PRAGMA foreign_keys=ON;\nBEGIN;\n${sql}\nCOMMIT;\n`

setDefaultTimeout(30_000)

const count = (db: string, table: string) => Number(sqlite3ok(db, `SELECT count(*) FROM ${table};`).trim())

describe("rebuilding a parent table keeps its children's rows", () => {
  // One generated project; each test applies its files to a database file of its own.
  let dir: string
  beforeAll(async () => {
    dir = makeProject()
    write(dir, "migrations/000001_library.up.sql", HISTORY)
    write(dir, "migrations/000001_library.down.sql", "DROP TABLE books;\nDROP TABLE authors;\n")
    write(dir, "schema.sql", SCHEMA)
    const r = await aim(["generate"], { cwd: dir })
    expect(r.stderr).toBe("")
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("rebuilt")
    expect(r.stdout).toContain("Verified on a fresh database")
    expect(upFiles(dir)).toHaveLength(2)
    expect(downFiles(dir)).toHaveLength(2)
  })
  afterAll(() => removeTemp(dir))

  test("UP in a transaction with foreign keys on: no book is lost, the change is made", () => {
    const db = join(dir, "runner.sqlite")
    const [first, second] = upFiles(dir) as [string, string]
    sqlite3ok(db, asRunner(read(dir, `migrations/${first}`)))
    const before = sqlite3ok(db, "SELECT id, author_id, title FROM books ORDER BY id;")
    expect(count(db, "books")).toBe(3)

    sqlite3ok(db, asRunner(read(dir, `migrations/${second}`)))
    expect(count(db, "books")).toBe(3)
    expect(sqlite3ok(db, "SELECT id, author_id, title FROM books ORDER BY id;")).toBe(before)
    expect(count(db, "authors")).toBe(2)
    expect(sqlite3ok(db, "PRAGMA foreign_key_check;")).toBe("")
    // The new CHECK is in force.
    const sql = sqlite3ok(db, "SELECT sql FROM sqlite_schema WHERE name = 'authors';")
    expect(sql).toContain("CHECK (length(name) > 0)")
    expect(sql).toContain("VARCHAR(100)")
    // And the index on the child is still there.
    expect(sqlite3ok(db, "SELECT name FROM sqlite_schema WHERE type = 'index';")).toContain("books_author")
  })

  test("UP without a transaction (autocommit) with foreign keys on: no book is lost", () => {
    const db = join(dir, "plain.sqlite")
    for (const file of upFiles(dir))
      sqlite3ok(db, `PRAGMA foreign_keys=ON;\n${read(dir, `migrations/${file}`)}`)
    expect(count(db, "books")).toBe(3)
    expect(count(db, "authors")).toBe(2)
  })

  test("DOWN back again keeps the books too", () => {
    const db = join(dir, "down.sqlite")
    for (const file of upFiles(dir)) sqlite3ok(db, asRunner(read(dir, `migrations/${file}`)))
    const lastDown = downFiles(dir).at(-1) as string
    expect(lastDown).toStartWith("000002_")
    sqlite3ok(db, asRunner(read(dir, `migrations/${lastDown}`)))
    expect(count(db, "books")).toBe(3)
    expect(sqlite3ok(db, "SELECT sql FROM sqlite_schema WHERE name = 'authors';")).not.toContain("CHECK")
  })

  test("aim validate proves the same history", async () => {
    const r = await aim(["validate"], { cwd: dir })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("2 migrations valid")
  })
})

describe("a column that becomes NOT NULL DEFAULT 'x'", () => {
  let dir: string
  beforeEach(() => {
    dir = makeProject()
  })
  afterEach(() => removeTemp(dir))

  test("old NULLs are filled with the default, other values kept", async () => {
    write(
      dir,
      "migrations/000001_items.up.sql",
      `CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT);
INSERT INTO items (id, label) VALUES (1, NULL), (2, 'keep'), (3, NULL);
`,
    )
    write(dir, "migrations/000001_items.down.sql", "DROP TABLE items;\n")
    write(
      dir,
      "schema.sql",
      "CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT NOT NULL DEFAULT 'x');\n",
    )

    const r = await aim(["generate"], { cwd: dir })
    expect(r.stderr).toBe("")
    expect(r.code).toBe(0)
    expect(migrationFiles(dir)).toHaveLength(4)

    const db = join(dir, "items.sqlite")
    for (const file of upFiles(dir)) sqlite3ok(db, asRunner(read(dir, `migrations/${file}`)))
    expect(sqlite3ok(db, "SELECT id, label FROM items ORDER BY id;")).toBe("1|x\n2|keep\n3|x\n")
    // The column now refuses NULL.
    expect(
      sqlite3ok(db, "SELECT \"notnull\" FROM pragma_table_info('items') WHERE name = 'label';").trim(),
    ).toBe("1")
  })
})

describe("the whole family of a rebuilt table", () => {
  let dir: string
  beforeEach(() => {
    dir = makeProject()
  })
  afterEach(() => removeTemp(dir))

  test("grandchildren (CASCADE) and SET NULL children keep their rows and references", async () => {
    write(
      dir,
      "migrations/000001_family.up.sql",
      `${HISTORY}CREATE TABLE reviews (
  id INTEGER PRIMARY KEY,
  book_id INTEGER NOT NULL REFERENCES books(id) ON DELETE CASCADE,
  stars INTEGER
);
CREATE TABLE fans (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES authors(id) ON DELETE SET NULL);
INSERT INTO reviews (id, book_id, stars) VALUES (1, 1, 5), (2, 3, 4);
INSERT INTO fans (id, author_id) VALUES (1, 1), (2, 2);
`,
    )
    write(
      dir,
      "schema.sql",
      `${SCHEMA}CREATE TABLE reviews (
  id INTEGER PRIMARY KEY,
  book_id INTEGER NOT NULL REFERENCES books(id) ON DELETE CASCADE,
  stars INTEGER
);
CREATE TABLE fans (id INTEGER PRIMARY KEY, author_id INTEGER REFERENCES authors(id) ON DELETE SET NULL);
`,
    )
    const r = await aim(["generate", "--no-down"], { cwd: dir })
    expect(r.stderr).toBe("")
    expect(r.code).toBe(0)

    const db = join(dir, "family.sqlite")
    for (const file of upFiles(dir)) sqlite3ok(db, asRunner(read(dir, `migrations/${file}`)))
    expect(count(db, "books")).toBe(3)
    expect(sqlite3ok(db, "SELECT id, book_id, stars FROM reviews ORDER BY id;")).toBe("1|1|5\n2|3|4\n")
    expect(sqlite3ok(db, "SELECT id, author_id FROM fans ORDER BY id;")).toBe("1|1\n2|2\n")
    expect(sqlite3ok(db, "PRAGMA foreign_key_check;")).toBe("")
  })
})
