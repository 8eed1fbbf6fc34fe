/**
 * Finding the project as git finds a repository (the nearest aim.toml at or above the start
 * folder), and naming its files from where the user stands: as functions, and through the CLI run
 * from a subfolder (diff, generate and validate work there; every message names paths the user can
 * open from that subfolder).
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test"
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { findUpward, pathFrom } from "../../project/locate.ts"
import { aim, makeProject, makeTemp, migrationFiles, removeTemp, write } from "../e2e/_cli.ts"

let dir: string

beforeEach(() => {
  dir = makeProject("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n")
  mkdirSync(join(dir, "migrations", "deep", "er"), { recursive: true })
})
afterEach(() => removeTemp(dir))

describe("findUpward", () => {
  test("finds aim.toml in the start folder or the nearest parent", () => {
    expect(findUpward(dir, "aim.toml")).toBe(dir)
    expect(findUpward(join(dir, "migrations", "deep", "er"), "aim.toml")).toBe(dir)
    writeFileSync(join(dir, "migrations", "deep", "aim.toml"), 'engine = "sqlite"\n')
    expect(findUpward(join(dir, "migrations", "deep", "er"), "aim.toml")).toBe(
      join(dir, "migrations", "deep"),
    )
  })

  test("is undefined when no folder up to the root holds it, and skips a folder of that name", () => {
    const empty = makeTemp("aim-locate-")
    try {
      expect(findUpward(empty, "aim-no-such-file.toml")).toBeUndefined()
      mkdirSync(join(empty, "sub", "aim-no-such-file.toml"), { recursive: true })
      expect(findUpward(join(empty, "sub"), "aim-no-such-file.toml")).toBeUndefined()
    } finally {
      removeTemp(empty)
    }
  })
})

describe("pathFrom", () => {
  test("shows a project path from the folder the user stands in", () => {
    expect(pathFrom("/p", undefined, "schema.sql")).toBe("schema.sql")
    expect(pathFrom("/p", "/p", "migrations/1.sql")).toBe("migrations/1.sql")
    expect(pathFrom("/p", "/p/migrations", "schema.sql")).toBe("../schema.sql")
    expect(pathFrom("/p", "/p/migrations", "migrations/1.sql")).toBe("1.sql")
    expect(pathFrom("/p", "/p/migrations", "migrations")).toBe(".")
    expect(pathFrom("/p", "/elsewhere", "db/schema.sql")).toBe("../p/db/schema.sql")
  })
})

describe("the CLI in a subfolder of the project", () => {
  test("generate, diff and validate run on the project above, naming files from here", async () => {
    const cwd = join(dir, "migrations")
    const generated = await aim(["generate"], { cwd })
    expect(generated.stderr).toBe("")
    expect(generated.code).toBe(0)
    expect(generated.stdout).toContain("UP reaches ../schema.sql")
    expect(generated.stdout).toContain("Wrote 000001_create_table_notes.up.sql")
    expect(migrationFiles(dir)).toContain("000001_create_table_notes.up.sql")
    const deeper = await aim(["diff", "--exit-code"], { cwd: join(cwd, "deep", "er") })
    expect(deeper.code).toBe(0)
    expect(deeper.stdout).toContain("the migrations build ../../../schema.sql")
    const valid = await aim(["validate"], { cwd })
    expect(valid.code).toBe(0)
    expect(valid.stdout).toContain("1 migration valid")
  })

  test("an error in schema.sql, a migration or aim.toml names the file from here", async () => {
    const cwd = join(dir, "migrations")
    write(dir, "schema.sql", "CREATE TABLE notes (id INTEGER PRIMARY KEY,, body TEXT);\n")
    const schema = await aim(["diff"], { cwd })
    expect(schema.code).toBe(1)
    expect(schema.stderr).toStartWith("aim: ../schema.sql:1")
    write(dir, "schema.sql", "CREATE TABLE notes (id INTEGER PRIMARY KEY);\n")
    write(dir, "migrations/000001_broken.up.sql", "CREATE TABLE notes (id INTEGER PRIMARY KEY);\nSELEC 1;\n")
    write(dir, "migrations/000001_broken.down.sql", "DROP TABLE notes;\n")
    const migration = await aim(["diff"], { cwd })
    expect(migration.code).toBe(1)
    expect(migration.stderr).toStartWith("aim: 000001_broken.up.sql:2")
    write(dir, "aim.toml", 'engine = "sqlite"\nengin = "sqlite"\n')
    const config = await aim(["diff"], { cwd })
    expect(config.code).toBe(2)
    expect(config.stderr).toStartWith('aim: ../aim.toml:2: unknown key "engin"')
  })

  test("--dir starts the search in that folder", async () => {
    const elsewhere = makeTemp("aim-locate-")
    try {
      const r = await aim(["diff", "--json", "--dir", join(dir, "migrations", "deep")], { cwd: elsewhere })
      expect(r.code).toBe(0)
      expect(JSON.parse(r.stdout).changes).toEqual([expect.objectContaining({ name: "notes" })])
    } finally {
      removeTemp(elsewhere)
    }
  })

  test("with no aim.toml here or above, it says so and creates nothing", async () => {
    const empty = makeTemp("aim-locate-")
    try {
      const r = await aim(["diff"], { cwd: empty })
      expect(r.code).toBe(2)
      expect(r.stderr).toStartWith("aim: aim.toml: not found here or in a parent folder")
    } finally {
      removeTemp(empty)
    }
  })
})
