import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test"
import { Effect, Layer } from "effect"
import { parseModelSpec } from "../../llm/model-spec.ts"
import { Provider, type ToolRequest } from "../../llm/provider.ts"
import { providerLayer } from "../../llm/registry.ts"
import { submitMigrationTool } from "../../llm/prompt.ts"
import { FAKE_KEY, type ProviderCase, providerCases, setEnv } from "./_env.ts"
import { type FakeServer, type Reply, startFakeServer } from "./fake-server.ts"

let server: FakeServer
let restore: (() => void) | undefined

beforeAll(() => {
  server = startFakeServer()
})
afterAll(() => server.stop())
afterEach(() => restore?.())

const request: ToolRequest = {
  system: "You write SQL schema migrations for SQLite.",
  turns: [{ role: "user", content: "Rename users.name to full_name." }],
  tool: submitMigrationTool(true),
  maxTokens: 1000,
}

const args = { up_sql: "SELECT 1;", down_sql: "SELECT 2;", description: "nothing" }

/** One callTool through the real SDK of `c`, with `reply` scripted on the fake server. */
function call(c: ProviderCase, reply: Reply, timeoutSeconds = 10) {
  restore = setEnv(c.env(server.url))
  server.script([reply])
  server.requests.length = 0
  const spec = parseModelSpec(c.spec)
  if (typeof spec === "string" || spec.kind !== "llm") throw new Error(`bad spec ${c.spec}`)
  return Effect.runPromise(
    Effect.result(
      Effect.gen(function* () {
        const provider = yield* Provider
        return yield* provider.callTool(request)
      }).pipe(Effect.provide(Layer.orDie(providerLayer(spec, { timeoutSeconds })))),
    ),
  )
}

/** One callTool through the real SDK of `c` pointed at `url`, where no fake server answers. */
function callAt(c: ProviderCase, url: string) {
  restore = setEnv(c.env(url))
  const spec = parseModelSpec(c.spec)
  if (typeof spec === "string" || spec.kind !== "llm") throw new Error(`bad spec ${c.spec}`)
  return Effect.runPromise(
    Effect.result(
      Effect.gen(function* () {
        return yield* (yield* Provider).callTool(request)
      }).pipe(Effect.provide(Layer.orDie(providerLayer(spec, { timeoutSeconds: 10 })))),
    ),
  )
}

/** A local port nothing listens on: one the system just handed out and took back. */
function closedPort(): number {
  const listener = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() })
  const port = listener.port as number
  listener.stop(true)
  return port
}

for (const c of providerCases) {
  /** The variable that points this provider somewhere else (ANTHROPIC_BASE_URL, ...). */
  const variable = Object.entries(c.env("http://marker.invalid")).find(([, v]) => v.includes("marker"))?.[0]

  describe(`${c.provider} through its SDK`, () => {
    test("a host whose name does not resolve fails at once, naming the host and what to check", async () => {
      const result = await callAt(c, "http://api.example.invalid")
      expect(result._tag).toBe("Failure")
      if (result._tag !== "Failure") return
      expect(result.failure.retryable).toBe(false)
      expect(result.failure.message).toBe(
        `${c.provider}: cannot resolve api.example.invalid (check ${variable} or the network)`,
      )
    })

    test("a refused connection fails at once, naming host and port", async () => {
      const port = closedPort()
      const result = await callAt(c, `http://127.0.0.1:${port}`)
      expect(result._tag).toBe("Failure")
      if (result._tag !== "Failure") return
      expect(result.failure.retryable).toBe(false)
      expect(result.failure.message).toBe(
        `${c.provider}: connection to 127.0.0.1:${port} refused: nothing listens there (check ${variable}, or start the server)`,
      )
    })

    test("a tool call comes back as arguments, with token usage; the tool is forced and the key sent", async () => {
      const result = await call(c, { kind: "tool", args })
      expect(result._tag).toBe("Success")
      if (result._tag !== "Success") return
      expect(result.success.arguments).toEqual(args)
      expect(result.success.stopReason).toBe("tool")
      expect(result.success.inputTokens).toBeGreaterThan(0)
      expect(result.success.outputTokens).toBeGreaterThan(0)
      const sent = server.requests[0]
      expect(sent).toBeDefined()
      const body = JSON.stringify(sent?.body)
      expect(body).toContain("submit_migration")
      expect(body).toContain("You write SQL schema migrations for SQLite.")
      expect(body).toContain("Rename users.name to full_name.")
      const auth = sent?.headers[c.authHeader] ?? sent?.headers.authorization ?? ""
      if (c.provider === "bedrock") expect(auth).toStartWith("AWS4-HMAC-SHA256")
      else expect(auth).toContain(FAKE_KEY)
      if (sent?.protocol === "anthropic")
        expect(sent.body.tool_choice).toEqual({ type: "tool", name: "submit_migration" })
      if (sent?.protocol === "openai")
        expect(sent.body.tool_choice).toEqual({ type: "function", function: { name: "submit_migration" } })
      if (sent?.protocol === "bedrock")
        expect(sent.body.toolConfig).toMatchObject({ toolChoice: { any: {} } })
    })

    test("free text without a tool call comes back as text, no arguments", async () => {
      const result = await call(c, { kind: "text", text: "I think you should rename it." })
      expect(result._tag).toBe("Success")
      if (result._tag !== "Success") return
      expect(result.success.arguments).toBeUndefined()
      expect(result.success.text).toBe("I think you should rename it.")
      expect(result.success.stopReason).toBe("end")
    })

    test("malformed arguments come back as they are, not as a crash", async () => {
      const result = await call(c, { kind: "tool", args: '{"up_sql": "ALTER' })
      expect(result._tag).toBe("Success")
      if (result._tag === "Success") expect(result.success.arguments).toBe('{"up_sql": "ALTER')
    })

    test("an answer cut off at the token limit says max-tokens", async () => {
      const result = await call(c, { kind: "truncated" })
      expect(result._tag).toBe("Success")
      if (result._tag === "Success") expect(result.success.stopReason).toBe("max-tokens")
    })

    test("429 is retryable and carries retry-after", async () => {
      const result = await call(c, { kind: "status", status: 429, retryAfter: "2" })
      expect(result._tag).toBe("Failure")
      if (result._tag !== "Failure") return
      expect(result.failure._tag).toBe("ProviderFailed")
      expect(result.failure.status).toBe(429)
      expect(result.failure.retryable).toBe(true)
      expect(result.failure.retryAfter).toBe(2)
    })

    test("500 is retryable", async () => {
      const result = await call(c, { kind: "status", status: 500 })
      expect(result._tag === "Failure" && result.failure.retryable && result.failure.status === 500).toBe(
        true,
      )
    })

    test("401/403 is not retryable, says the key was rejected, and never shows the key", async () => {
      const status = c.provider === "bedrock" ? 403 : 401
      const result = await call(c, {
        kind: "status",
        status,
        echo: `Incorrect API key provided: ${FAKE_KEY}`,
      })
      expect(result._tag).toBe("Failure")
      if (result._tag !== "Failure") return
      expect(result.failure.retryable).toBe(false)
      expect(result.failure.status).toBe(status)
      expect(result.failure.message).toContain(`key rejected by ${c.provider}`)
      expect(result.failure.message).not.toContain(FAKE_KEY)
      expect(JSON.stringify(result.failure)).not.toContain(FAKE_KEY)
    })

    test("an echoed key in any other error is redacted", async () => {
      const result = await call(c, { kind: "status", status: 400, echo: `bad request for key ${FAKE_KEY}` })
      expect(result._tag).toBe("Failure")
      if (result._tag !== "Failure") return
      expect(result.failure.retryable).toBe(false)
      expect(result.failure.message).not.toContain(FAKE_KEY)
    })

    test("no answer within the timeout is a retryable failure, and the request is abandoned", async () => {
      const started = Date.now()
      const result = await call(c, { kind: "hang", millis: 3000 }, 0.3)
      expect(Date.now() - started).toBeLessThan(2000)
      expect(result._tag).toBe("Failure")
      if (result._tag !== "Failure") return
      expect(result.failure.retryable).toBe(true)
      expect(result.failure.reason).toContain("no answer within 0.3 s")
    })
  })
}

describe("base URLs", () => {
  test("OLLAMA_HOST is a host; the OpenAI-compatible path is added and no key is needed", async () => {
    restore = setEnv({ OLLAMA_HOST: server.url.replace("http://", "") })
    server.script([{ kind: "tool", args }])
    server.requests.length = 0
    const spec = parseModelSpec("ollama-llama3.2:3b")
    if (typeof spec === "string" || spec.kind !== "llm") throw new Error("bad spec")
    const answer = await Effect.runPromise(
      Effect.gen(function* () {
        return yield* (yield* Provider).callTool(request)
      }).pipe(Effect.provide(providerLayer(spec, { timeoutSeconds: 10 }))),
    )
    expect(answer.arguments).toEqual(args)
    expect(server.requests[0]?.path).toBe("/v1/chat/completions")
    expect(server.requests[0]?.body.model).toBe("llama3.2:3b")
  })
})
