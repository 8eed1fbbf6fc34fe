import { afterEach, beforeEach, describe, expect, setDefaultTimeout, test } from "bun:test"
import { existsSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { aim, makeTemp, migrationFiles, read, removeTemp, STACK_FRAME, write } from "./_cli.ts"

setDefaultTimeout(30_000)

let dir: string

beforeEach(() => {
  dir = makeTemp()
})
afterEach(() => removeTemp(dir))

describe("aim init", () => {
  test("writes aim.toml, schema.sql and an empty migrations folder", async () => {
    const r = await aim(["init", "--engine", "sqlite"], { cwd: dir })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("Created aim.toml")
    expect(r.stdout).toContain("aim generate")
    expect(r.stderr).toBe("")

    const toml = read(dir, "aim.toml")
    expect(toml).toContain('engine = "sqlite"')
    expect(toml).toContain('format = "migrate"')
    expect(toml).toContain('schema = "schema.sql"')
    expect(toml).toContain('migrations = "migrations"')
    expect(toml).not.toContain("model")
    expect(read(dir, "schema.sql")).toStartWith("--")
    expect(statSync(join(dir, "migrations")).isDirectory()).toBe(true)
    expect(migrationFiles(dir)).toEqual([])

    // The fresh project is consistent: nothing to generate, nothing to diff.
    const diff = await aim(["diff", "--exit-code"], { cwd: dir })
    expect(diff.code).toBe(0)
    expect(diff.stdout).toContain("No difference")
  })

  test("--format and --model are written to aim.toml; --dir creates the folder", async () => {
    const r = await aim(
      ["init", "--engine", "sqlite", "--format", "migrate", "--model", "builtin", "--dir", "app"],
      {
        cwd: dir,
      },
    )
    expect(r.code).toBe(0)
    const toml = read(dir, "app/aim.toml")
    expect(toml).toContain('format = "migrate"')
    expect(toml).toContain('model = "builtin"')
    expect(existsSync(join(dir, "app/schema.sql"))).toBe(true)
    expect(existsSync(join(dir, "app/migrations"))).toBe(true)
    expect(existsSync(join(dir, "aim.toml"))).toBe(false)
  })

  test("refuses a second init and leaves aim.toml byte for byte", async () => {
    expect((await aim(["init", "--engine", "sqlite"], { cwd: dir })).code).toBe(0)
    write(dir, "aim.toml", `${read(dir, "aim.toml")}# my own comment\n`)
    const before = readFileSync(join(dir, "aim.toml"))

    const r = await aim(["init", "--engine", "sqlite"], { cwd: dir })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("aim.toml already exists")
    expect(r.stderr).not.toMatch(STACK_FRAME)
    expect(r.stdout).toBe("")
    expect(Buffer.compare(readFileSync(join(dir, "aim.toml")), before)).toBe(0)
  })

  test("an unknown engine exits 2, names it, and writes nothing", async () => {
    const r = await aim(["init", "--engine", "no-such-engine"], { cwd: dir })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('"no-such-engine"')
    expect(r.stderr).toContain("sqlite")
    // No line number of aim's own source leaks into the message.
    expect(r.stderr).not.toMatch(/--engine:\d/)
    expect(existsSync(join(dir, "aim.toml"))).toBe(false)
    expect(existsSync(join(dir, "schema.sql"))).toBe(false)
  })

  test("a major that does not exist exits 2 and says which exist; a known one with a minor is taken", async () => {
    for (const [engine, named] of [
      ["postgres-99", "postgres-10 to postgres-19"],
      ["postgres-9", "postgres-10 to postgres-19"],
      ["mariadb-9", "mariadb-10, mariadb-11, mariadb-12"],
      ["mysql-5.6", "mysql-5.7, mysql-8, mysql-9"],
      ["mariadb-10.99", "mariadb 10 has minors 10.2 to 10.11"],
      ["mysql-8.9", "mysql 8 has minors 8.0 to 8.4"],
    ]) {
      const r = await aim(["init", "--engine", engine as string], { cwd: dir })
      expect(r.code).toBe(2)
      expect(r.stderr).toStartWith(`aim: --engine: unknown engine "${engine}"`)
      expect(r.stderr).toContain(named as string)
      expect(existsSync(join(dir, "aim.toml"))).toBe(false)
    }
    // A series still releasing takes any minor: its next one may be newer than aim.
    for (const engine of ["postgres-19", "mariadb-10.11", "mysql-5.7", "mysql-8.4", "mariadb-12.3"]) {
      const sub = join(dir, engine)
      expect((await aim(["init", "--engine", engine, "--dir", sub], { cwd: dir })).code).toBe(0)
    }
  })

  test("an aim.toml naming a major that does not exist is refused before any engine starts", async () => {
    write(dir, "aim.toml", 'engine = "postgres-99"\n')
    write(dir, "schema.sql", "")
    const r = await aim(["diff"], { cwd: dir })
    expect(r.code).toBe(2)
    expect(r.stderr).toBe(
      'aim: aim.toml: unknown engine "postgres-99": aim takes postgres-10 to postgres-19\n',
    )
  })

  test("an unknown format exits 2 and names it", async () => {
    const r = await aim(["init", "--engine", "sqlite", "--format", "no-such-format"], { cwd: dir })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('"no-such-format"')
    expect(existsSync(join(dir, "aim.toml"))).toBe(false)
  })

  test("--engine is required", async () => {
    const r = await aim(["init"], { cwd: dir })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("engine")
    expect(existsSync(join(dir, "aim.toml"))).toBe(false)
  })

  test("keeps an existing schema.sql", async () => {
    const schema = "CREATE TABLE kept (id INTEGER PRIMARY KEY);\n"
    write(dir, "schema.sql", schema)
    const r = await aim(["init", "--engine", "sqlite"], { cwd: dir })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("kept the existing schema.sql")
    expect(read(dir, "schema.sql")).toBe(schema)
    expect(existsSync(join(dir, "aim.toml"))).toBe(true)

    const diff = await aim(["diff"], { cwd: dir })
    expect(diff.code).toBe(0)
    expect(diff.stdout).toContain("+ CREATE TABLE kept")
  })
})
