/**
 * The verify-and-retry loop through the real workflow, the real SDKs and the fake server: a model
 * writes the migration, every answer is verified on a throwaway SQLite database, failures go back
 * to the model, and nothing is written unless an answer verifies.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test"
import { readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { Effect } from "effect"
import { type Config, loadConfig } from "../../config.ts"
import { layer as sqliteLayer } from "../../engines/sqlite/engine.ts"
import type { TransportPolicy } from "../../steps/generate.ts"
import { generateMigration } from "../../workflow.ts"
import { makeTemp, migrationFiles, removeTemp, sqlite3ok, write } from "../e2e/_cli.ts"
import { FAKE_KEY, providerCases, setEnv, writeRenameProject } from "./_env.ts"
import { type FakeServer, type Reply, startFakeServer } from "./fake-server.ts"

const fast: TransportPolicy = { retries: 3, baseDelay: "10 millis", maxDelay: "50 millis" }

const rename = {
  up_sql: "ALTER TABLE users RENAME COLUMN name TO full_name;",
  down_sql: "ALTER TABLE users RENAME COLUMN full_name TO name;",
  description: "rename users.name to full_name",
}
// Drops the names and leaves full_name nullable: the schema check refuses it.
const dropAndAdd = {
  up_sql: "ALTER TABLE users DROP COLUMN name;\nALTER TABLE users ADD COLUMN full_name TEXT;",
  down_sql:
    "ALTER TABLE users DROP COLUMN full_name;\nALTER TABLE users ADD COLUMN name TEXT NOT NULL DEFAULT '';",
  description: "replace name",
}

let server: FakeServer
let dir: string
let restore: (() => void) | undefined

beforeAll(() => {
  server = startFakeServer()
})
afterAll(() => server.stop())

beforeEach(() => {
  dir = makeTemp("aim-llm-")
  writeRenameProject(dir, 'engine = "sqlite"\nmodel = "anthropic-claude-test"\nmax_retries = 2\n')
  restore = setEnv({ ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: FAKE_KEY })
  server.requests.length = 0
})
afterEach(() => {
  restore?.()
  removeTemp(dir)
})

async function configOf(overrides: Partial<Config> = {}): Promise<Config> {
  const config = await Effect.runPromise(loadConfig(dir, {}))
  return { ...config, ...overrides }
}

function run(config: Config, replies: ReadonlyArray<Reply>, dryRun = false) {
  server.script(replies)
  return Effect.runPromise(
    Effect.result(generateMigration(config, { dryRun, transport: fast }).pipe(Effect.provide(sqliteLayer))),
  )
}

describe("a model writes the migration", () => {
  test("a column rename comes back as RENAME COLUMN, verified with the rows intact, and is written", async () => {
    const result = await run(await configOf(), [{ kind: "tool", args: rename }])
    expect(result._tag).toBe("Success")
    if (result._tag !== "Success") return
    expect(result.success.status).toBe("written")
    expect(result.success.generation).toMatchObject({ model: "anthropic-claude-test", attempts: 1 })
    expect(result.success.generation?.inputTokens).toBeGreaterThan(0)
    expect(result.success.generation?.outputTokens).toBeGreaterThan(0)
    expect(result.success.verification?.seed.seeded.map((s) => s.table)).toContain("users")
    expect(migrationFiles(dir)).toEqual([
      "000001_users.down.sql",
      "000001_users.up.sql",
      "000002_rename_users_name_to_full_name.down.sql",
      "000002_rename_users_name_to_full_name.up.sql",
    ])
    const up = readFileSync(join(dir, "migrations/000002_rename_users_name_to_full_name.up.sql"), "utf8")
    expect(up).toContain("ALTER TABLE users RENAME COLUMN name TO full_name")

    // The data a user has survives the written migration, read back with the sqlite3 shell.
    const db = join(dir, "app.db")
    sqlite3ok(db, readFileSync(join(dir, "migrations/000001_users.up.sql"), "utf8"))
    sqlite3ok(db, "INSERT INTO users (id, name) VALUES (1, 'Ada'), (2, 'Grace');")
    sqlite3ok(db, up)
    expect(sqlite3ok(db, "SELECT full_name FROM users ORDER BY id;")).toBe("Ada\nGrace\n")

    // The request held both schemas as canonical DDL, the diff, the rename hint and the planner's draft.
    const prompt = JSON.stringify(server.requests[0]?.body)
    expect(prompt).toContain("CREATE TABLE users")
    expect(prompt).toContain("users.name may have been renamed to full_name")
    expect(prompt).toContain("Draft from aim's built-in planner")
  })

  test("a first wrong answer is corrected on the retry, in the same conversation", async () => {
    const result = await run(await configOf(), [
      { kind: "tool", args: dropAndAdd },
      { kind: "tool", args: rename },
    ])
    expect(result._tag).toBe("Success")
    if (result._tag !== "Success") return
    expect(result.success.generation?.attempts).toBe(2)
    expect(server.requests).toHaveLength(2)
    const second = server.requests[1]?.body as { messages: Array<{ role: string; content: unknown }> }
    expect(second.messages.map((m) => m.role)).toEqual(["user", "assistant", "user"])
    const feedback = JSON.stringify(second.messages[2]?.content)
    expect(feedback).toContain("SchemaDrift")
    expect(feedback).toContain("full_name")
    expect(JSON.stringify(second.messages[1]?.content)).toContain("DROP COLUMN name")
    expect(migrationFiles(dir)).toHaveLength(4)
  })

  test("free text, then malformed arguments, then a good answer: both fed back, no crash", async () => {
    const result = await run(await configOf(), [
      { kind: "text", text: "ALTER TABLE users RENAME COLUMN name TO full_name;" },
      { kind: "tool", args: { up_sql: 42 } },
      { kind: "tool", args: rename },
    ])
    expect(result._tag).toBe("Success")
    if (result._tag !== "Success") return
    expect(result.success.generation?.attempts).toBe(3)
    const third = JSON.stringify(server.requests[2]?.body)
    expect(third).toContain("SQL outside the tool")
    expect(third).toContain("malformed arguments")
  })

  test("a model that never verifies ends in GenerationFailed listing every attempt, and writes nothing", async () => {
    const result = await run(await configOf({ maxRetries: 1 }), [{ kind: "tool", args: dropAndAdd }])
    expect(result._tag).toBe("Failure")
    if (result._tag !== "Failure") return
    expect(result.failure._tag).toBe("GenerationFailed")
    if (result.failure._tag !== "GenerationFailed") return
    expect(result.failure.attempts.map((a) => [a.attempt, a.problem])).toEqual([
      [1, "SchemaDrift"],
      [2, "SchemaDrift"],
    ])
    expect(result.failure.message).toContain("nothing was written")
    expect(migrationFiles(dir)).toEqual(["000001_users.down.sql", "000001_users.up.sql"])
  })

  test("429 with retry-after is waited out on the transport budget, not the attempt budget", async () => {
    const started = Date.now()
    const result = await run(await configOf({ maxRetries: 0 }), [
      { kind: "status", status: 429, retryAfter: "1" },
      { kind: "tool", args: rename },
    ])
    expect(result._tag).toBe("Success")
    if (result._tag !== "Success") return
    expect(result.success.generation?.attempts).toBe(1)
    const gap = (server.requests[1]?.at ?? 0) - (server.requests[0]?.at ?? 0)
    expect(gap).toBeGreaterThanOrEqual(950)
    expect(result.success.generation?.waitMillis).toBeGreaterThanOrEqual(950)
    expect(Date.now() - started).toBeLessThan(10_000)
  })

  test("500s and a hang past the timeout are retried with backoff", async () => {
    const result = await run(await configOf({ modelTimeout: 0.3 }), [
      { kind: "status", status: 500 },
      { kind: "hang", millis: 2000 },
      { kind: "tool", args: rename },
    ])
    expect(result._tag).toBe("Success")
    if (result._tag === "Success") expect(result.success.generation?.attempts).toBe(1)
    expect(server.requests).toHaveLength(3)
  })

  test("a provider that keeps failing stops after the transport budget with a clear message", async () => {
    const result = await run(await configOf(), [{ kind: "status", status: 503 }])
    expect(result._tag).toBe("Failure")
    if (result._tag !== "Failure") return
    expect(result.failure._tag).toBe("ProviderFailed")
    expect(result.failure.message).toContain("gave up after 3 retries")
    expect(server.requests).toHaveLength(1 + fast.retries)
    expect(migrationFiles(dir)).toHaveLength(2)
  })

  test("401 stops at once: key rejected, no retry, key never in the message", async () => {
    const result = await run(await configOf(), [{ kind: "status", status: 401, echo: FAKE_KEY }])
    expect(result._tag).toBe("Failure")
    if (result._tag !== "Failure") return
    expect(result.failure._tag).toBe("ProviderFailed")
    expect(result.failure.message).toContain("key rejected by anthropic")
    expect(result.failure.message).not.toContain(FAKE_KEY)
    expect(server.requests).toHaveLength(1)
    expect(migrationFiles(dir)).toHaveLength(2)
  })

  test("an answer cut off at max_tokens says to raise max_tokens", async () => {
    const result = await run(await configOf(), [{ kind: "truncated" }])
    expect(result._tag).toBe("Failure")
    if (result._tag !== "Failure") return
    expect(result.failure._tag).toBe("OutputTruncated")
    expect(result.failure.message).toContain("raise max_tokens")
  })

  test("a missing key names the variable and aim auth", async () => {
    restore?.()
    restore = setEnv({ ANTHROPIC_BASE_URL: server.url, XDG_CONFIG_HOME: join(dir, "config") })
    const result = await run(await configOf(), [{ kind: "tool", args: rename }])
    expect(result._tag).toBe("Failure")
    if (result._tag !== "Failure") return
    expect(result.failure._tag).toBe("MissingApiKey")
    expect(result.failure.message).toContain("ANTHROPIC_API_KEY")
    expect(result.failure.message).toContain("aim auth anthropic")
    expect(server.requests).toHaveLength(0)
  })
})

describe("strategy", () => {
  test("auto: an unambiguous change the planner verifies never reaches the model", async () => {
    write(dir, "schema.sql", "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT);\n")
    const result = await run(await configOf(), [{ kind: "status", status: 500 }], true)
    expect(result._tag).toBe("Success")
    if (result._tag !== "Success") return
    expect(result.success.generation).toBeUndefined()
    expect(result.success.modelSkipped).toContain("nothing ambiguous")
    expect(server.requests).toHaveLength(0)
  })

  test("llm: the model is asked even for an unambiguous change", async () => {
    write(dir, "schema.sql", "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT);\n")
    const addEmail = {
      up_sql: "ALTER TABLE users ADD COLUMN email TEXT;",
      down_sql: "ALTER TABLE users DROP COLUMN email;",
      description: "add users.email",
    }
    const result = await run(await configOf({ strategy: "llm" }), [{ kind: "tool", args: addEmail }], true)
    expect(result._tag).toBe("Success")
    if (result._tag === "Success") expect(result.success.generation?.attempts).toBe(1)
    expect(server.requests).toHaveLength(1)
  })

  test("builtin: the model is never asked, even for a possible rename", async () => {
    const result = await run(await configOf({ strategy: "builtin" }), [{ kind: "tool", args: rename }], true)
    expect(server.requests).toHaveLength(0)
    if (result._tag === "Success") expect(result.success.generation).toBeUndefined()
  })
})

describe("renames the user declared", () => {
  // Reaches schema.sql exactly, but every name is lost: only the declared rename tells verify to look.
  const rebuildWithoutValues = {
    up_sql:
      "CREATE TABLE users_new (id INTEGER PRIMARY KEY, full_name TEXT NOT NULL);\nINSERT INTO users_new SELECT id, 'x' FROM users;\nDROP TABLE users;\nALTER TABLE users_new RENAME TO users;",
    down_sql: rename.down_sql,
    description: "rebuild users",
  }

  test("go into the prompt as facts, and an answer that loses the values under them is refused", async () => {
    write(
      dir,
      "schema.sql",
      "CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  full_name TEXT NOT NULL -- aim:renamed-from name\n);\n",
    )
    const result = await run(await configOf({ strategy: "llm" }), [
      { kind: "tool", args: rebuildWithoutValues },
      { kind: "tool", args: rename },
    ])
    expect(result._tag).toBe("Success")
    if (result._tag !== "Success") return
    expect(result.success.generation?.attempts).toBe(2)
    const first = JSON.stringify(server.requests[0]?.body)
    expect(first).toContain("users.name was renamed to full_name (schema.sql says so)")
    expect(first).not.toContain("may have been renamed")
    const feedback = JSON.stringify(server.requests[1]?.body)
    expect(feedback).toContain("RowsChanged")
  })

  test("under strategy auto a declared rename is not ambiguous: the planner writes it, the model is not asked", async () => {
    write(
      dir,
      "schema.sql",
      "CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  full_name TEXT NOT NULL -- aim:renamed-from name\n);\n",
    )
    const result = await run(await configOf(), [{ kind: "status", status: 500 }], true)
    expect(result._tag).toBe("Success")
    if (result._tag !== "Success") return
    expect(result.success.generation).toBeUndefined()
    expect(result.success.up).toContain("RENAME COLUMN name TO full_name")
    expect(server.requests).toHaveLength(0)
  })
})

describe("every protocol drives the loop", () => {
  for (const c of providerCases) {
    test(`${c.spec}: wrong then right`, async () => {
      restore?.()
      restore = setEnv(c.env(server.url))
      const result = await run(await configOf({ model: c.spec }), [
        { kind: "tool", args: dropAndAdd },
        { kind: "tool", args: rename },
      ])
      expect(result._tag).toBe("Success")
      if (result._tag === "Success") expect(result.success.generation?.attempts).toBe(2)
      const protocol = c.provider === "anthropic" || c.provider === "bedrock" ? c.provider : "openai"
      expect(server.requests.map((r) => r.protocol)).toEqual([protocol, protocol])
    })
  }
})

describe("prompt size", () => {
  test("examples/sqlite: the first prompt stays small (estimated at 4 characters per token)", async () => {
    const example = resolve(import.meta.dir, "../../examples/sqlite")
    const base = await Effect.runPromise(loadConfig(example, {}))
    const config: Config = { ...base, model: "anthropic-claude-test", strategy: "llm" }
    server.script([{ kind: "status", status: 401 }])
    await Effect.runPromise(
      Effect.result(
        generateMigration(config, { dryRun: true, transport: fast }).pipe(Effect.provide(sqliteLayer)),
      ),
    )
    const body = server.requests[0]?.body as { system: string; messages: Array<{ content: string }> }
    const text = body.system + (body.messages[0]?.content ?? "")
    const tokens = Math.ceil(text.length / 4)
    console.log(`examples/sqlite prompt: ${text.length} characters, about ${tokens} tokens`)
    if (process.env.AIM_SHOW_PROMPT) console.log(`${body.system}\n\n${body.messages[0]?.content}`)
    expect(tokens).toBeLessThan(2000)
  })
})
