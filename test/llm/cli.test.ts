/**
 * The real CLI with a model: `aim generate` and `aim auth` in temp projects, the provider being the
 * fake server reached through OPENAI_BASE_URL. Every output is searched for the key.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test"
import { existsSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import {
  aim,
  CLI,
  makeTemp,
  migrationFiles,
  type Result,
  removeTemp,
  STACK_FRAME,
  write,
} from "../e2e/_cli.ts"
import { FAKE_KEY, writeRenameProject } from "./_env.ts"
import { type FakeServer, startFakeServer } from "./fake-server.ts"

let server: FakeServer
let dir: string

const rename = {
  up_sql: "ALTER TABLE users RENAME COLUMN name TO full_name;",
  down_sql: "ALTER TABLE users RENAME COLUMN full_name TO name;",
  description: "rename users.name to full_name",
}

beforeAll(() => {
  server = startFakeServer()
})
afterAll(() => server.stop())

beforeEach(() => {
  dir = makeTemp("aim-llm-cli-")
  writeRenameProject(dir, 'engine = "sqlite"\nmodel = "openai-gpt-test"\n')
  server.requests.length = 0
})
afterEach(() => removeTemp(dir))

/** The environment of a run: the fake server, a private config folder, no key unless given. */
const envFor = (key: string | undefined) => ({
  OPENAI_BASE_URL: `${server.url}/v1`,
  OPENAI_API_KEY: key,
  XDG_CONFIG_HOME: join(dir, "config"),
})

function expectNoKey(r: Result) {
  expect(r.stdout).not.toContain(FAKE_KEY)
  expect(r.stderr).not.toContain(FAKE_KEY)
}

describe("aim generate with a model", () => {
  test("the model's rename is verified and written; the run reports model, attempts, tokens and wait", async () => {
    server.script([{ kind: "tool", args: rename }])
    const r = await aim(["generate"], { cwd: dir, env: envFor(FAKE_KEY) })
    expect(r.stderr).toBe("")
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(
      /Written by openai-gpt-test: 1 attempt, \d+ input and \d+ output tokens, \d+\.\d s waiting for the model\./,
    )
    expect(r.stdout).not.toContain("not available in this version")
    const up = migrationFiles(dir).find((f) => f.startsWith("000002_") && f.endsWith(".up.sql"))
    expect(up).toBe("000002_rename_users_name_to_full_name.up.sql")
    expect(readFileSync(join(dir, "migrations", up as string), "utf8")).toContain(
      "RENAME COLUMN name TO full_name",
    )
    expectNoKey(r)
  })

  test("a provider that keeps failing: a clear message, exit 1, no files", async () => {
    server.script([{ kind: "status", status: 503, retryAfterMs: "5", echo: FAKE_KEY }])
    const r = await aim(["generate"], { cwd: dir, env: envFor(FAKE_KEY) })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("aim: openai:")
    expect(r.stderr).toContain("HTTP 503")
    expect(r.stderr).toContain("gave up after 5 retries")
    expect(r.stderr).not.toMatch(STACK_FRAME)
    expect(server.requests).toHaveLength(6)
    expect(migrationFiles(dir)).toEqual(["000001_users.down.sql", "000001_users.up.sql"])
    expectNoKey(r)
  })

  test("a model host that does not resolve stops at once, naming the host; no retries, no files", async () => {
    const r = await aim(["generate", "--strategy", "llm"], {
      cwd: dir,
      env: { ...envFor(FAKE_KEY), OPENAI_BASE_URL: "http://api.example.invalid/v1" },
    })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(
      "openai: cannot resolve api.example.invalid (check OPENAI_BASE_URL or the network)",
    )
    expect(r.stderr).not.toContain("retries")
    expect(r.stderr).not.toMatch(STACK_FRAME)
    expect(migrationFiles(dir)).toEqual(["000001_users.down.sql", "000001_users.up.sql"])
  })

  test("a rejected key stops at once with exit 1", async () => {
    server.script([{ kind: "status", status: 401, echo: FAKE_KEY }])
    const r = await aim(["generate", "--debug"], { cwd: dir, env: envFor(FAKE_KEY) })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("key rejected by openai")
    expect(server.requests).toHaveLength(1)
    expect(migrationFiles(dir)).toHaveLength(2)
    expectNoKey(r)
  })

  test("a missing key names the variable and aim auth", async () => {
    const r = await aim(["generate"], { cwd: dir, env: envFor(undefined) })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("OPENAI_API_KEY")
    expect(r.stderr).toContain("aim auth openai")
    expect(server.requests).toHaveLength(0)
  })

  test("an unknown provider or strategy is a configuration error (exit 2) pointing at aim.toml", async () => {
    write(dir, "aim.toml", 'engine = "sqlite"\nmodel = "frobnicate-9000"\n')
    const bad = await aim(["generate"], { cwd: dir, env: envFor(FAKE_KEY) })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain("aim.toml:2")
    expect(bad.stderr).toContain("frobnicate-9000")
    write(dir, "aim.toml", 'engine = "sqlite"\nmodel = "openai-gpt-test"\n')
    const strategy = await aim(["generate", "--strategy", "sometimes"], { cwd: dir, env: envFor(FAKE_KEY) })
    expect(strategy.code).toBe(2)
    expect(strategy.stderr).toContain("--strategy")
  })
})

/** `aim auth ...args` with `input` piped to standard input. */
async function auth(args: ReadonlyArray<string>, input: string, env: Record<string, string | undefined>) {
  const child = Bun.spawn([process.execPath, CLI, "auth", ...args], {
    cwd: dir,
    env: { ...process.env, ...env },
    stdin: new Blob([input]),
    stdout: "pipe",
    stderr: "pipe",
  })
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ])
  return { code, stdout, stderr }
}

describe("aim auth", () => {
  test("a piped key is stored 0600, never printed, and used when the variable is unset", async () => {
    const r = await auth([], `${FAKE_KEY}\n`, envFor(undefined))
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("Stored the openai key")
    expectNoKey(r)
    const file = join(dir, "config", "aim", "credentials.toml")
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(statSync(join(dir, "config", "aim")).mode & 0o777).toBe(0o700)

    server.script([{ kind: "tool", args: rename }])
    const generate = await aim(["generate"], { cwd: dir, env: envFor(undefined) })
    expect(generate.code).toBe(0)
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${FAKE_KEY}`)
    expectNoKey(generate)
  })

  test("the environment variable wins over the stored key", async () => {
    expect((await auth(["openai"], "sk-stored-but-unused\n", envFor(undefined))).code).toBe(0)
    server.script([{ kind: "tool", args: rename }])
    const r = await aim(["generate", "--dry-run"], { cwd: dir, env: envFor(FAKE_KEY) })
    expect(r.code).toBe(0)
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${FAKE_KEY}`)
  })

  test.skipIf(!existsSync("/usr/bin/script"))("on a terminal the key is typed without echo", async () => {
    // script(1) gives aim a pseudo-terminal; the key is typed only once the prompt is shown.
    const child = Bun.spawn(
      ["/usr/bin/script", "-qfec", `${process.execPath} ${CLI} auth openai`, "/dev/null"],
      {
        cwd: dir,
        env: { ...process.env, ...envFor(undefined) },
        stdin: "pipe",
        stdout: "pipe",
        stderr: "pipe",
      },
    )
    let seen = ""
    let typed = false
    const decoder = new TextDecoder()
    for await (const chunk of child.stdout) {
      seen += decoder.decode(chunk)
      if (!typed && seen.includes("(input hidden): ")) {
        typed = true
        child.stdin.write(`${FAKE_KEY}\r`)
        child.stdin.flush()
      }
      if (seen.includes("Stored the openai key")) break
    }
    child.stdin.end()
    await child.exited
    expect(seen).toContain("Stored the openai key")
    expect(seen).not.toContain(FAKE_KEY)
    const stored = readFileSync(join(dir, "config", "aim", "credentials.toml"), "utf8")
    expect(stored).toContain(FAKE_KEY)
  })

  test("an empty key, an unknown provider, and a provider without keys are refused", async () => {
    const empty = await auth(["groq"], "\n", envFor(undefined))
    expect(empty.code).toBe(1)
    expect(empty.stderr).toContain("No key was given")
    const unknown = await auth(["nope"], "k\n", envFor(undefined))
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('unknown provider "nope"')
    const bedrock = await auth(["bedrock"], "k\n", envFor(undefined))
    expect(bedrock.code).toBe(2)
    expect(bedrock.stderr).toContain("AWS credential chain")
  })
})
