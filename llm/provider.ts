/**
 * provider: the contract every LLM provider fulfils. aim asks a model for exactly one thing at a
 * time: call one named tool with JSON arguments (submit_migration, rule_verdict). A provider turns
 * that request into its SDK's wire protocol and the answer back into a ToolAnswer; it never retries
 * by itself (the caller owns the retry budgets) and never puts a key in an error or log.
 */
import { Context, type Effect, Schema as S } from "effect"

/** A JSON Schema object describing a tool's arguments. */
export type JsonSchema = Readonly<Record<string, unknown>>

/** The tool a model is asked to call, with the JSON Schema of its arguments. */
export interface ToolSpec {
  readonly name: string
  readonly description: string
  readonly parameters: JsonSchema
}

export interface ChatTurn {
  readonly role: "user" | "assistant"
  readonly content: string
}

/** One request to a model: system prompt, conversation, the tool it must call, and the output token limit. */
export interface ToolRequest {
  readonly system: string
  /** The conversation so far; the last turn is the user's. */
  readonly turns: ReadonlyArray<ChatTurn>
  readonly tool: ToolSpec
  readonly maxTokens: number
}

/** A model's answer: the tool call's arguments, any free text, and the tokens used. */
export interface ToolAnswer {
  /** The arguments of the tool call, undefined when the model answered without calling the tool. */
  readonly arguments?: unknown
  /** Free text the model wrote (outside the tool call). */
  readonly text: string
  readonly stopReason: "tool" | "end" | "max-tokens" | "other"
  readonly inputTokens: number
  readonly outputTokens: number
}

/** A transport failure: `retryable` for 429, 5xx, timeouts and resets; not for 401/403. */
export class ProviderFailed extends S.TaggedError<ProviderFailed>()("ProviderFailed", {
  provider: S.String,
  status: S.optional(S.Number),
  reason: S.String,
  retryable: S.Boolean,
  /** Seconds the provider asked to wait (retry-after), when it said. */
  retryAfter: S.optional(S.Number),
}) {
  override get message() {
    if (this.status === 401 || this.status === 403)
      return `API key rejected by ${this.provider} (HTTP ${this.status}): ${this.reason}`
    return `${this.provider}: ${this.reason}${this.status ? ` (HTTP ${this.status})` : ""}`
  }
}

/** The provider contract: what an LLM provider in llm/ implements to answer a tool request. */
export interface ProviderShape {
  /** "anthropic", "openai", "groq", "bedrock", ... */
  readonly provider: string
  readonly model: string
  readonly callTool: (request: ToolRequest) => Effect.Effect<ToolAnswer, ProviderFailed>
}

/** The model service: one tool-calling request at a time to the configured provider (see llm/registry.ts). */
export class Provider extends Context.Service<Provider, ProviderShape>()("aim/llm/Provider") {}
