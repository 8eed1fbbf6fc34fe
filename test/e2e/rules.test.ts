import { afterEach, beforeEach, describe, expect, test } from "bun:test"
import { appendFileSync } from "node:fs"
import { join } from "node:path"
import { aim, makeTemp, removeTemp, upFiles, write } from "./_cli.ts"

const both =
  "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\nCREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT);\n"
const usersOnly = "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n"

describe("validation rules through the CLI (SQLite)", () => {
  let dir: string
  beforeEach(async () => {
    dir = makeTemp()
    expect((await aim(["init", "--engine", "sqlite", "-q"], { cwd: dir })).code).toBe(0)
    write(dir, "schema.sql", both)
    expect((await aim(["generate", "-q"], { cwd: dir })).code).toBe(0)
  })
  afterEach(() => removeTemp(dir))

  test("a dropped table is a warning by default: printed, and the migration is written", async () => {
    write(dir, "schema.sql", usersOnly)
    const run = await aim(["generate"], { cwd: dir })
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/warning \[drop-table\] UP:1: Table posts is dropped/)
    expect(run.stdout).toContain("in: DROP TABLE posts")
    expect(upFiles(dir)).toHaveLength(2)
  })

  test("with drop-table raised to error, the same run writes nothing and exits 1", async () => {
    appendFileSync(join(dir, "aim.toml"), '\n[[validation.rules]]\nid = "drop-table"\nlevel = "error"\n')
    write(dir, "schema.sql", usersOnly)
    const run = await aim(["generate"], { cwd: dir })
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/UP:1: rule drop-table: Table posts is dropped/)
    expect(run.stderr).toContain("nothing was written")
    expect(upFiles(dir)).toHaveLength(1)
  })

  test("a hand-written rename passes `aim validate --rules` without a drop warning; a drop does not", async () => {
    write(
      dir,
      "migrations/000002_rename.up.sql",
      "ALTER TABLE posts RENAME TO articles;\nALTER TABLE users RENAME COLUMN name TO full_name;\n",
    )
    write(
      dir,
      "migrations/000002_rename.down.sql",
      "ALTER TABLE articles RENAME TO posts;\nALTER TABLE users RENAME COLUMN full_name TO name;\n",
    )
    write(
      dir,
      "schema.sql",
      "CREATE TABLE users (id INTEGER PRIMARY KEY, full_name TEXT);\nCREATE TABLE articles (id INTEGER PRIMARY KEY, title TEXT);\n",
    )
    const renamed = await aim(["validate", "--rules"], { cwd: dir })
    expect(renamed.stdout).toContain("Rules: no findings.")
    expect(renamed.code).toBe(0)
    write(dir, "migrations/000003_drop.up.sql", "DROP TABLE articles;\nDELETE FROM users;\n")
    write(
      dir,
      "migrations/000003_drop.down.sql",
      "CREATE TABLE articles (id INTEGER PRIMARY KEY, title TEXT);\n",
    )
    write(dir, "schema.sql", "CREATE TABLE users (id INTEGER PRIMARY KEY, full_name TEXT);\n")
    appendFileSync(join(dir, "aim.toml"), '\n[[validation.rules]]\nid = "destructive-dml"\nlevel = "error"\n')
    const dropped = await aim(["validate", "--rules"], { cwd: dir })
    expect(dropped.stdout).toMatch(
      /warning \[drop-table\] migrations\/000003_drop\.up\.sql:1: Table articles is dropped/,
    )
    expect(dropped.stdout).toMatch(
      /error \[destructive-dml\] migrations\/000003_drop\.up\.sql:2: DELETE without WHERE/,
    )
    expect(dropped.stdout).toContain("Rules: 1 error(s), 1 warning(s).")
    expect(dropped.code).toBe(1)
  })

  test("`aim rules` lists built-ins minus disabled, then custom rules, with levels; --json for tools", async () => {
    appendFileSync(
      join(dir, "aim.toml"),
      `
[validation]
disabled = ["drop-index", "destructive-dml"]

[[validation.rules]]
id = "drop-table"
level = "error"

[[validation.rules]]
id = "destructive-dml"
rule = "Data fixes must name the rows they change"
level = "warning"

[[validation.rules]]
id = "no-blobs"
rule = "Never add BLOB columns"
`,
    )
    const text = await aim(["rules"], { cwd: dir })
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(/^drop-table\s+error\s+builtin\s/m)
    expect(text.stdout).toMatch(/^no-blobs\s+error\s+custom\s+Never add BLOB columns$/m)
    expect(text.stdout).not.toMatch(/^drop-index/m)
    const json = await aim(["rules", "--json"], { cwd: dir })
    const listed = JSON.parse(json.stdout) as Array<{
      id: string
      level: string
      source: string
      rule: string
    }>
    expect(listed.map((r) => `${r.id}:${r.level}:${r.source}`)).toEqual([
      "drop-table:error:builtin",
      "drop-column:warning:builtin",
      "narrowing-type-change:warning:builtin",
      "remove-enum-value:warning:builtin",
      "add-not-null-without-default:warning:builtin",
      "unenforceable-foreign-key:warning:builtin",
      "destructive-dml:warning:custom",
      "no-blobs:error:custom",
    ])
    expect(listed.at(-1)?.rule).toBe("Never add BLOB columns")
  })

  test("without a model, a custom rule is reported as not evaluated, never passed", async () => {
    write(
      dir,
      "aim.toml",
      'engine = "sqlite"\n[[validation.rules]]\nid = "no-blobs"\nrule = "Never add BLOB columns"\n',
    )
    write(dir, "schema.sql", usersOnly)
    const warned = await aim(["generate", "--dry-run"], { cwd: dir })
    expect(warned.code).toBe(0)
    expect(warned.stdout).toMatch(/warning \[no-blobs\] UP: not evaluated/)
  })

  test("a bad [validation] entry is a configuration error (exit 2) naming the entry", async () => {
    appendFileSync(join(dir, "aim.toml"), '\n[[validation.rules]]\nid = "mine"\nlevel = "error"\n')
    const run = await aim(["rules"], { cwd: dir })
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/entry 1 \(id "mine"\).*needs "rule" text/)
    const gen = await aim(["generate"], { cwd: dir })
    expect(gen.code).toBe(2)
  })
})
