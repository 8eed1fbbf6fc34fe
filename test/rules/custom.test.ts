import { describe, expect, test } from "bun:test"
import { Effect, Layer } from "effect"
import { layer as sqliteLayer } from "../../engines/sqlite/engine.ts"
import { Provider, ProviderFailed, type ToolRequest } from "../../llm/provider.ts"
import { resolveRules, type RuleSet } from "../../rules/resolve.ts"
import { customRuleConcurrency, validate } from "../../steps/validate.ts"
import { column, schema, table } from "./_schemas.ts"

const before = schema("sqlite", [table("users", [column("id", "INTEGER")])])
const after = schema("sqlite", [table("users", [column("id", "INTEGER"), column("avatar", "BLOB")])])
const migration = { before, after, up: "ALTER TABLE users ADD COLUMN avatar BLOB;\n", source: "UP" }

const customs = (n: number): RuleSet => {
  const set = resolveRules(
    {
      disabled: [],
      rules: Array.from({ length: n }, (_, i) => ({ id: `rule-${i}`, rule: `Rule number ${i}` })),
    },
    "aim.toml",
  )
  if ("_tag" in set) throw set
  return set
}

/** A test double of the LLM provider: answers after a delay, records how many requests overlap. */
function fakeProvider(
  answer: (request: ToolRequest, call: number) => Effect.Effect<unknown, ProviderFailed>,
) {
  const seen = { inFlight: 0, maxInFlight: 0, calls: 0, requests: [] as ToolRequest[] }
  const layer = Layer.succeed(Provider, {
    provider: "fake",
    model: "fake-1",
    callTool: (request) =>
      Effect.gen(function* () {
        const call = ++seen.calls
        seen.requests.push(request)
        seen.inFlight++
        seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight)
        yield* Effect.sleep("30 millis")
        seen.inFlight--
        const args = yield* answer(request, call)
        return { arguments: args, text: "", stopReason: "tool" as const, inputTokens: 10, outputTokens: 5 }
      }),
  })
  return { seen, layer }
}

const run = (rules: RuleSet, provider?: Layer.Layer<Provider>) => {
  const program = validate(rules, migration).pipe(Effect.provide(sqliteLayer))
  return Effect.runPromise(provider ? program.pipe(Effect.provide(provider)) : program)
}

describe("custom rules", () => {
  test("each rule is its own request, run in parallel up to the bound, seeing only the UP SQL", async () => {
    const { seen, layer } = fakeProvider((request) =>
      Effect.succeed(
        request.turns[0]?.content.includes("Rule number 3")
          ? { status: "fail", detail: "adds a BLOB column at line 1" }
          : { status: "pass", detail: "fine" },
      ),
    )
    const report = await run(customs(10), layer)
    expect(seen.calls).toBe(10)
    expect(seen.maxInFlight).toBe(customRuleConcurrency)
    expect(seen.requests.every((r) => r.tool.name === "rule_verdict" && r.turns.length === 1)).toBe(true)
    const prompt = seen.requests[0]?.turns[0]?.content ?? ""
    expect(prompt).toContain("ALTER TABLE users ADD COLUMN avatar BLOB")
    expect(prompt).not.toContain("Rule number 1\n") // one rule per request
    expect(report.findings.filter((f) => f.rule.startsWith("rule-"))).toEqual([
      { rule: "rule-3", level: "error", message: "adds a BLOB column at line 1" },
    ])
    expect(report.customEvaluated).toBe(10)
  })
  test("retryable transport failures are retried; a rejected key is not", async () => {
    const flaky = fakeProvider((_, call) =>
      call < 3
        ? Effect.fail(
            new ProviderFailed({ provider: "fake", status: 503, reason: "overloaded", retryable: true }),
          )
        : Effect.succeed({ status: "pass", detail: "ok" }),
    )
    const report = await run(customs(1), flaky.layer)
    expect(flaky.seen.calls).toBe(3)
    expect(report.findings.filter((f) => f.rule === "rule-0")).toEqual([])
    const denied = fakeProvider(() =>
      Effect.fail(new ProviderFailed({ provider: "fake", status: 401, reason: "bad key", retryable: false })),
    )
    const failure = await Effect.runPromise(
      validate(customs(1), migration).pipe(
        Effect.provide(sqliteLayer),
        Effect.provide(denied.layer),
        Effect.flip,
      ),
    )
    expect(failure._tag).toBe("ProviderFailed")
    expect(denied.seen.calls).toBe(1)
  })
  test("an answer without a valid verdict is reported as not evaluated, never as a pass", async () => {
    const { layer } = fakeProvider(() => Effect.succeed({ status: "maybe" }))
    const report = await run(customs(1), layer)
    expect(report.findings.map((f) => [f.rule, f.level, f.message.startsWith("not evaluated")])).toEqual([
      ["rule-0", "warning", true],
    ])
  })
  test("without a model, custom rules are reported as not evaluated (a warning)", async () => {
    const report = await run(customs(2))
    expect(report.findings.map((f) => [f.rule, f.level, f.message.startsWith("not evaluated")])).toEqual([
      ["rule-0", "warning", true],
      ["rule-1", "warning", true],
    ])
    expect(report.customEvaluated).toBe(0)
  })
})
