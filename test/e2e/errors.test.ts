import { afterEach, beforeEach, describe, expect, setDefaultTimeout, test } from "bun:test"
import { rmSync } from "node:fs"
import { join } from "node:path"
import {
  aim,
  makeProject,
  migrationFiles,
  read,
  removeTemp,
  type Result,
  STACK_FRAME,
  write,
} from "./_cli.ts"

setDefaultTimeout(30_000)

let dir: string

beforeEach(() => {
  dir = makeProject("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n")
})
afterEach(() => removeTemp(dir))

/** Every failure is one readable message on stderr: `aim: ...`, no stack, nothing on stdout. */
function expectCleanFailure(r: Result, code: number) {
  expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code })
  expect(r.stderr).toStartWith("aim: ")
  expect(r.stderr).not.toMatch(STACK_FRAME)
  expect(r.stderr).not.toContain("internal error")
}

describe("mistakes in schema.sql", () => {
  test("a syntax error names schema.sql and the line; nothing is written", async () => {
    write(
      dir,
      "schema.sql",
      "CREATE TABLE users (id INTEGER PRIMARY KEY);\n\n-- posts\nCREATE TABLE posts (id INTEGER,, body TEXT);\n",
    )
    for (const command of ["generate", "diff"]) {
      const r = await aim([command], { cwd: dir })
      expectCleanFailure(r, 1)
      expect(r.stderr).toContain("schema.sql:4")
      expect(r.stderr).toContain("syntax error")
      expect(r.stdout).toBe("")
    }
    expect(migrationFiles(dir)).toEqual([])
  })

  test("an unterminated string names schema.sql and the line where it starts", async () => {
    write(dir, "schema.sql", "CREATE TABLE a (id INTEGER);\nCREATE TABLE b (s TEXT DEFAULT 'oops);\n")
    const r = await aim(["generate"], { cwd: dir })
    expectCleanFailure(r, 1)
    expect(r.stderr).toContain("schema.sql:2")
    expect(migrationFiles(dir)).toEqual([])
  })

  test("a schema.sql that is not UTF-8 is named", async () => {
    write(dir, "schema.sql", new Uint8Array([0x43, 0x52, 0xff, 0xfe, 0x0a]))
    const r = await aim(["generate"], { cwd: dir })
    expectCleanFailure(r, 1)
    expect(r.stderr).toContain("schema.sql")
    expect(r.stderr).toContain("UTF-8")
    expect(migrationFiles(dir)).toEqual([])
  })

  test("a missing schema.sql is named", async () => {
    rmSync(join(dir, "schema.sql"))
    const r = await aim(["diff"], { cwd: dir })
    expectCleanFailure(r, 1)
    expect(r.stderr).toContain("schema.sql")
    expect(r.stderr).toContain("does not exist")
  })
})

describe("mistakes in the migrations folder", () => {
  test("a migration that fails to replay is named with its line, by generate, diff and validate", async () => {
    write(
      dir,
      "migrations/000001_start.up.sql",
      "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n\nINSERT INTO nobody (id) VALUES (1);\n",
    )
    for (const command of ["generate", "diff", "validate"]) {
      const r = await aim([command], { cwd: dir })
      expectCleanFailure(r, 1)
      expect(r.stderr).toContain("migrations/000001_start.up.sql:3")
      expect(r.stderr).toContain("no such table: nobody")
    }
    expect(migrationFiles(dir)).toEqual(["000001_start.up.sql"])
  })

  test("two migrations with the same version are both named", async () => {
    write(dir, "migrations/000001_users.up.sql", "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n")
    write(dir, "migrations/000001_posts.up.sql", "CREATE TABLE posts (id INTEGER PRIMARY KEY);\n")
    const r = await aim(["generate"], { cwd: dir })
    expectCleanFailure(r, 1)
    expect(r.stderr).toContain("000001_users.up.sql")
    expect(r.stderr).toContain("000001_posts.up.sql")
    expect(migrationFiles(dir)).toHaveLength(2)
  })

  test("a migration that is not UTF-8 is named", async () => {
    write(dir, "migrations/000001_bad.up.sql", new Uint8Array([0x2d, 0x2d, 0x20, 0xc3, 0x28, 0x0a]))
    const r = await aim(["diff"], { cwd: dir })
    expectCleanFailure(r, 1)
    expect(r.stderr).toContain("migrations/000001_bad.up.sql")
    expect(r.stderr).toContain("UTF-8")
  })

  test("a DOWN without its UP is named", async () => {
    write(dir, "migrations/000001_users.down.sql", "DROP TABLE users;\n")
    const r = await aim(["diff"], { cwd: dir })
    expectCleanFailure(r, 1)
    expect(r.stderr).toContain("000001_users.down.sql")
  })
})

describe("mistakes in aim.toml", () => {
  test("invalid TOML exits 2 naming aim.toml and the line", async () => {
    write(dir, "aim.toml", 'engine = "sqlite"\n\nformat = "migrate\n')
    const r = await aim(["diff"], { cwd: dir })
    expectCleanFailure(r, 2)
    expect(r.stderr).toContain("aim.toml:3")
    expect(r.stderr).toContain("invalid TOML")
  })

  test("an unknown key exits 2 naming the key and its line", async () => {
    write(dir, "aim.toml", 'engine = "sqlite"\nmigratons = "db"\n')
    const r = await aim(["generate"], { cwd: dir })
    expectCleanFailure(r, 2)
    expect(r.stderr).toContain('"migratons"')
    expect(r.stderr).toContain("aim.toml:2")
    expect(migrationFiles(dir)).toEqual([])
  })

  test("a value of the wrong type exits 2 naming the key", async () => {
    write(dir, "aim.toml", 'engine = "sqlite"\nmax_retries = "three"\n')
    const r = await aim(["diff"], { cwd: dir })
    expectCleanFailure(r, 2)
    expect(r.stderr).toContain("max_retries")
    expect(r.stderr).toContain("aim.toml:2")
  })

  test("an unknown engine in aim.toml exits 2, without a made-up line number", async () => {
    write(dir, "aim.toml", 'engine = "no-such-engine"\n')
    const r = await aim(["diff"], { cwd: dir })
    expectCleanFailure(r, 2)
    expect(r.stderr).toContain('"no-such-engine"')
    expect(r.stderr).not.toMatch(/aim\.toml:\d/)
  })

  test("an unknown format in aim.toml exits 2", async () => {
    write(dir, "aim.toml", 'engine = "sqlite"\nformat = "no-such-format"\n')
    const r = await aim(["diff"], { cwd: dir })
    expectCleanFailure(r, 2)
    expect(r.stderr).toContain('"no-such-format"')
    expect(r.stderr).not.toMatch(/aim\.toml:\d/)
  })

  test("no aim.toml exits 2 with a hint to run aim init", async () => {
    rmSync(join(dir, "aim.toml"))
    for (const command of ["generate", "diff", "validate"]) {
      const r = await aim([command], { cwd: dir })
      expectCleanFailure(r, 2)
      expect(r.stderr).toContain("aim.toml")
      expect(r.stderr).toContain("aim init")
      expect(r.stderr).not.toMatch(/aim\.toml:\d/)
    }
    expect(migrationFiles(dir)).toEqual([])
  })
})

describe("mistakes on the command line", () => {
  test("an unknown flag exits 2 and names it", async () => {
    const r = await aim(["generate", "--dryrun"], { cwd: dir })
    expectCleanFailure(r, 2)
    expect(r.stderr).toContain("--dryrun")
    expect(r.stderr).toContain("aim generate --help")
    expect(migrationFiles(dir)).toEqual([])
  })

  test("an unknown command exits 2 and lists the commands", async () => {
    const r = await aim(["migrate"], { cwd: dir })
    expectCleanFailure(r, 2)
    expect(r.stderr).toContain('"migrate"')
    expect(r.stderr).toContain("generate")
  })

  test("no command at all exits 2", async () => {
    const r = await aim([], { cwd: dir })
    expect(r.code).toBe(2)
    expect(r.stdout + r.stderr).toContain("generate")
  })

  test("--help and --version exit 0", async () => {
    const help = await aim(["generate", "--help"], { cwd: dir })
    expect(help.code).toBe(0)
    expect(help.stdout + help.stderr).toContain("dry-run")
    const version = await aim(["--version"], { cwd: dir })
    expect(version.code).toBe(0)
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)
  })

  test("a bad --max-retries exits 2 naming the flag", async () => {
    const r = await aim(["generate", "--max-retries", "lots"], { cwd: dir })
    expectCleanFailure(r, 2)
    expect(r.stderr).toContain("--max-retries")
    expect(r.stderr).toContain('"lots"')
    expect(r.stderr).not.toMatch(/--max-retries:\d/)
  })

  test("an --env without KEY=VALUE exits 2 naming the flag", async () => {
    const r = await aim(["diff", "--env", "JUSTKEY"], { cwd: dir })
    expectCleanFailure(r, 2)
    expect(r.stderr).toContain("--env")
    expect(r.stderr).toContain("JUSTKEY")
  })

  test("a trailing --env with no value exits 2 instead of being ignored", async () => {
    const r = await aim(["diff", "--env"], { cwd: dir })
    expectCleanFailure(r, 2)
    expect(r.stderr).toContain("--env")
  })

  test("repeated --env KEY=VALUE flags are accepted alongside [env] in aim.toml", async () => {
    // The variables are not observable from outside (only model SDKs read them); this checks that
    // every source parses and the command runs.
    write(dir, "aim.toml", `${read(dir, "aim.toml")}\n[env]\nAIM_E2E_X = "file"\n`)
    const r = await aim(["diff", "--env", "AIM_E2E_X=flag", "--env=AIM_E2E_Y=a=b"], {
      cwd: dir,
      env: { AIM_E2E_X: "shell" },
    })
    expect(r.code).toBe(0)
    expect(r.stderr).toBe("")
    expect(r.stdout).toContain("+ CREATE TABLE users")
  })
})
