import { afterEach, describe, expect, test } from "bun:test"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { type ConfigFlags, loadConfig } from "../config.ts"

// Every folder a test made, not only its last: some tests load more than one project.
let dirs: string[] = []
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  dirs = []
})
const project = (toml: string) => {
  const dir = mkdtempSync(join(tmpdir(), "aim-config-"))
  dirs.push(dir)
  writeFileSync(join(dir, "aim.toml"), toml)
  return dir
}
const load = (root: string, flags: ConfigFlags = {}) => Effect.runPromise(loadConfig(root, flags))
const failure = (root: string, flags: ConfigFlags = {}) =>
  Effect.runPromise(loadConfig(root, flags).pipe(Effect.flip))

describe("loadConfig", () => {
  test("defaults, file values and flags, in that order of precedence", async () => {
    const root = project(`engine = "sqlite"\nformat = "migrate"\nmax_retries = 5\nno_down = true\n`)
    const fromFile = await load(root)
    expect(fromFile).toMatchObject({
      engine: "sqlite",
      schema: "schema.sql",
      migrations: "migrations",
      maxRetries: 5,
      maxTokens: 16384,
      noDown: true,
    })
    const withFlags = await load(root, { "max-retries": "1", schema: "db/schema.sql" })
    expect(withFlags).toMatchObject({ maxRetries: 1, schema: "db/schema.sql" })
  })

  test("environment: --env over the shell over [env]", async () => {
    const root = project(
      `engine = "sqlite"\n[env]\nAIM_T_SHELL = "file"\nAIM_T_FILE = "file"\nAIM_T_FLAG = "file"\n`,
    )
    process.env.AIM_T_SHELL = "shell"
    try {
      const config = await load(root, { env: ["AIM_T_FLAG=flag"] })
      expect(config.env).toEqual({ AIM_T_FILE: "file", AIM_T_FLAG: "flag" })
    } finally {
      delete process.env.AIM_T_SHELL
    }
  })

  test("an unknown key names the key, the file and the line", async () => {
    const root = project(`engine = "sqlite"\n\nmigration = "db"\n`)
    const error = await failure(root)
    expect(error._tag).toBe("ConfigError")
    expect(error.source).toBe(join(root, "aim.toml"))
    expect(error.line).toBe(3)
    expect(error.reason).toContain('"migration"')
  })

  test("invalid TOML and wrong value types are errors with a line", async () => {
    expect(await failure(project(`engine = "sqlite"\nformat = [1,\n`))).toMatchObject({ _tag: "ConfigError" })
    expect((await failure(project(`engine = "sqlite"\nmax_retries = "three"\n`))).line).toBe(2)
    expect(
      (await failure(project(`engine = "sqlite"\n[engines.postgres]\nbackend = "auto"\nport = "1"\n`)))
        .reason,
    ).toContain("engines.postgres.port")
  })

  test("a missing engine and a missing aim.toml are explained", async () => {
    const dir = project(`format = "migrate"\n`)
    expect((await failure(dir)).reason).toContain('"engine" is required')
    rmSync(join(dir, "aim.toml"))
    expect((await failure(dir)).reason).toContain("aim init")
    expect(await load(dir, { engine: "sqlite" })).toMatchObject({ engine: "sqlite", file: undefined })
  })

  test("flags with bad values are refused", async () => {
    const root = project(`engine = "sqlite"\n`)
    expect((await failure(root, { "max-tokens": "lots" })).source).toBe("--max-tokens")
    expect((await failure(root, { env: ["NOVALUE"] })).source).toBe("--env")
  })
})
