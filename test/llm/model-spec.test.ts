import { describe, expect, test } from "bun:test"
import { knownProviders, parseModelSpec } from "../../llm/model-spec.ts"
import { compatibleProviders } from "../../llm/openai-compatible.ts"
import { keyVariableOf } from "../../llm/registry.ts"

describe("model specs", () => {
  test("builtin is the planner", () => {
    expect(parseModelSpec("builtin")).toEqual({ kind: "builtin" })
  })

  test("the model part keeps its dashes, slashes and colons", () => {
    expect(parseModelSpec("openrouter-meta-llama/llama-3-70b")).toMatchObject({
      kind: "llm",
      provider: "openrouter",
      model: "meta-llama/llama-3-70b",
    })
    expect(parseModelSpec("anthropic-claude-sonnet-4-5")).toMatchObject({
      provider: "anthropic",
      model: "claude-sonnet-4-5",
    })
    expect(parseModelSpec("bedrock-anthropic.claude-3-haiku-20240307-v1:0")).toMatchObject({
      provider: "bedrock",
      model: "anthropic.claude-3-haiku-20240307-v1:0",
    })
    expect(parseModelSpec("ollama-llama3.2:3b")).toMatchObject({ provider: "ollama", model: "llama3.2:3b" })
  })

  test("an unknown provider or a missing model is a sentence naming the providers", () => {
    expect(parseModelSpec("frob-x")).toBeTypeOf("string")
    expect(parseModelSpec("frob-x") as string).toContain("anthropic, bedrock, openai")
    expect(parseModelSpec("openai-")).toBeTypeOf("string")
    expect(parseModelSpec("openai")).toBeTypeOf("string")
  })

  test("every OpenAI-compatible provider has a documented base URL and, except ollama, a key variable", () => {
    for (const [name, entry] of Object.entries(compatibleProviders)) {
      expect(knownProviders).toContain(name)
      expect(entry.baseURL).toMatch(/^https?:\/\//)
      expect(entry.baseUrlVariable).toMatch(/^[A-Z_]+$/)
      if (name !== "ollama") expect(keyVariableOf(name)).toBe(`${name.toUpperCase()}_API_KEY`)
    }
    expect(keyVariableOf("anthropic")).toBe("ANTHROPIC_API_KEY")
    expect(keyVariableOf("ollama")).toBeUndefined()
    expect(keyVariableOf("bedrock")).toBeUndefined()
  })
})
