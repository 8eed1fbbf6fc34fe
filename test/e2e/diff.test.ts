import { afterEach, beforeEach, describe, expect, setDefaultTimeout, test } from "bun:test"
import { aim, ANSI, makeProject, makeTemp, migrationFiles, removeTemp, write } from "./_cli.ts"

setDefaultTimeout(30_000)

let dir: string

beforeEach(() => {
  dir = makeProject()
  write(
    dir,
    "migrations/000001_start.up.sql",
    `CREATE TABLE legacy (id INTEGER PRIMARY KEY, payload BLOB);
CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, fax TEXT);
`,
  )
  write(dir, "migrations/000001_start.down.sql", "DROP TABLE users;\nDROP TABLE legacy;\n")
})
afterEach(() => removeTemp(dir))

const DIFFERENT = `CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT);
CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id), body TEXT);
CREATE VIEW post_count AS SELECT user_id, count(*) AS n FROM posts GROUP BY user_id;
`

const SAME = `-- the same tables, spelled differently
create table LEGACY (ID integer primary key, PAYLOAD blob);
CREATE TABLE "users" (
  id   INTEGER PRIMARY KEY,
  name TEXT    NOT NULL,
  fax  TEXT
);
`

describe("aim diff", () => {
  test("+ lines for schema.sql only, - lines for the history only", async () => {
    write(dir, "schema.sql", DIFFERENT)
    const r = await aim(["diff"], { cwd: dir })
    expect(r.code).toBe(0)
    const lines = r.stdout.split("\n")
    // Tables only in schema.sql.
    expect(lines).toContain("+ CREATE TABLE posts (")
    expect(lines.some((l) => /^\+ CREATE VIEW post_count/.test(l))).toBe(true)
    // Tables only in the history.
    expect(lines).toContain("- CREATE TABLE legacy (")
    // Columns inside a changed table.
    expect(lines.some((l) => /^\+\s+email TEXT/.test(l))).toBe(true)
    expect(lines.some((l) => /^-\s+fax TEXT/.test(l))).toBe(true)
    expect(lines.some((l) => /^\s+name TEXT NOT NULL/.test(l))).toBe(true)
    expect(r.stdout).toMatch(/\d+ changes? between the migrations and schema\.sql/)
    // diff never writes.
    expect(migrationFiles(dir)).toHaveLength(2)
  })

  test("--exit-code exits 1 when different", async () => {
    write(dir, "schema.sql", DIFFERENT)
    const r = await aim(["diff", "--exit-code"], { cwd: dir })
    expect(r.code).toBe(1)
    expect(r.stdout).toContain("+ CREATE TABLE posts")
    expect(r.stderr).toBe("")
  })

  test("--exit-code exits 0 when the same, however schema.sql is spelled", async () => {
    write(dir, "schema.sql", SAME)
    const r = await aim(["diff", "--exit-code"], { cwd: dir })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("No difference")
    expect(r.stdout).not.toMatch(/^[+-] /m)
  })

  test("piped output has no ANSI escape codes, even with NO_COLOR unset", async () => {
    write(dir, "schema.sql", DIFFERENT)
    const r = await aim(["diff", "--exit-code"], { cwd: dir, env: { TERM: "xterm-256color" } })
    expect(r.code).toBe(1)
    expect(r.stdout).toContain("+ CREATE TABLE posts")
    expect(r.stdout).not.toMatch(ANSI)
    expect(r.stderr).not.toMatch(ANSI)
  })

  test("--schema and --migrations point at other files", async () => {
    write(dir, "other.sql", SAME)
    const r = await aim(["diff", "--exit-code", "--schema", "other.sql"], { cwd: dir })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("other.sql")

    const empty = await aim(["diff", "--exit-code", "--schema", "other.sql", "--migrations", "nowhere"], {
      cwd: dir,
    })
    expect(empty.code).toBe(1)
    expect(empty.stdout).toContain("+ CREATE TABLE users (")
    expect(empty.stdout).not.toContain("- ")
  })

  test("--dir runs the project from another folder", async () => {
    write(dir, "schema.sql", DIFFERENT)
    const elsewhere = makeTemp()
    try {
      const r = await aim(["diff", "--exit-code", "--dir", dir], { cwd: elsewhere })
      expect(r.code).toBe(1)
      expect(r.stdout).toContain("+ CREATE TABLE posts")
    } finally {
      removeTemp(elsewhere)
    }
  })
})
