/**
 * `aim <command> --help` shows what that command takes: diff and validate none of generate's
 * flags, init the engines it accepts (not "sqlite (Required)"), and no line ends in spaces.
 */
import { afterAll, expect, setDefaultTimeout, test } from "bun:test"
import { aim, makeTemp, removeTemp } from "./_cli.ts"

setDefaultTimeout(30_000)

const cwd = makeTemp("aim-help-")
afterAll(() => removeTemp(cwd))
const help = async (command: string) => {
  const r = await aim([command, "--help"], { cwd })
  expect(r.code).toBe(0)
  return r.stdout
}

/** The flags a usage text lists, in order. */
const flags = (text: string) => [...text.matchAll(/^\s+(?:-\w, )?--([\w-]+)/gm)].map((m) => m[1])

const generateOnly = [
  "max-retries",
  "max-tokens",
  "strategy",
  "context",
  "down",
  "no-down",
  "dry-run",
  "name",
]

test("diff and validate list none of generate's flags", async () => {
  const diff = flags(await help("diff"))
  const validate = flags(await help("validate"))
  for (const flag of generateOnly) {
    expect(diff).not.toContain(flag)
    expect(validate).not.toContain(flag)
  }
  expect(diff).not.toContain("model")
  expect(diff).toContain("exit-code")
  // validate --rules asks the model to judge custom rules, so it takes --model.
  expect(validate).toEqual(expect.arrayContaining(["rules", "model", "engine", "json"]))
  expect(flags(await help("generate"))).toEqual(expect.arrayContaining([...generateOnly, "model", "engine"]))
})

test("init lists the engines it takes", async () => {
  const text = await help("init")
  const engine = text.split("\n").find((l) => l.includes("--engine")) ?? ""
  expect(engine).not.toContain("(Required)")
  for (const id of ["sqlite", "postgres-10 to postgres-19", "mysql-8", "mariadb-11"])
    expect(engine).toContain(id)
  expect(text).toContain("migrate, goose, flyway, sqitch, sqlx, dbmate, refinery")
})

test("no help text has trailing spaces", async () => {
  for (const command of ["init", "diff", "generate", "validate", "rules", "auth"]) {
    const text = await help(command)
    expect(text.split("\n").filter((l) => / $/.test(l))).toEqual([])
  }
  const main = await aim(["--help"], { cwd })
  expect(main.stdout.split("\n").filter((l) => / $/.test(l))).toEqual([])
})

test("a generate-only flag given to diff is an unknown option", async () => {
  const r = await aim(["diff", "--model", "anthropic-claude-sonnet-4-5"], { cwd })
  expect(r.code).toBe(2)
  expect(r.stderr).toContain('unknown option "--model" for "aim diff"')
})
