/**
 * anthropic: Claude through `@anthropic-ai/sdk` and the Messages API. The tool call is forced with
 * `tool_choice: { type: "tool" }` and read back from the `tool_use` block. ANTHROPIC_BASE_URL moves
 * the endpoint (a host; the SDK appends /v1/messages). The SDK's own retries are off because the
 * caller owns the budgets. Resources: one SDK client per layer; the SDK loads only when asked.
 */
import type Anthropic from "@anthropic-ai/sdk"
import { Effect, Layer } from "effect"
import { type Credentials, resolveKey } from "./credentials.ts"
import { request, sdkFailure } from "./_transport.ts"
import { Provider, type ToolAnswer, type ToolRequest } from "./provider.ts"

export const KEY_VARIABLE = "ANTHROPIC_API_KEY"

function toAnswer(message: Anthropic.Message, tool: string): ToolAnswer {
  const uses = message.content.filter((b): b is Anthropic.ToolUseBlock => b.type === "tool_use")
  const use = uses.find((b) => b.name === tool) ?? uses[0]
  const text = message.content
    .flatMap((b) => (b.type === "text" ? [b.text] : []))
    .join("\n")
    .trim()
  const stop = message.stop_reason
  return {
    arguments: use?.input,
    text,
    stopReason:
      stop === "max_tokens" || stop === "model_context_window_exceeded"
        ? "max-tokens"
        : use
          ? "tool"
          : stop === "end_turn"
            ? "end"
            : "other",
    inputTokens: message.usage.input_tokens,
    outputTokens: message.usage.output_tokens,
  }
}

export interface AnthropicOptions {
  readonly model: string
  readonly timeoutSeconds: number
  readonly credentials?: Credentials | undefined
}

export const make = Effect.fnUntraced(function* (options: AnthropicOptions) {
  const provider = "anthropic"
  const apiKey = yield* resolveKey(provider, KEY_VARIABLE, options.credentials)
  const { default: AnthropicSdk, APIError } = yield* Effect.promise(() => import("@anthropic-ai/sdk"))
  const baseURL = process.env.ANTHROPIC_BASE_URL || undefined
  const client = new AnthropicSdk({
    apiKey,
    baseURL,
    maxRetries: 0,
    timeout: Math.ceil(options.timeoutSeconds * 1000) + 1000,
  })
  const keyHint = `check ${KEY_VARIABLE} or run \`aim auth ${provider}\``
  const toFailure = sdkFailure({
    provider,
    secret: apiKey,
    keyHint,
    endpoint: { url: baseURL ?? "https://api.anthropic.com", variable: "ANTHROPIC_BASE_URL" },
    isHttpError: (error): error is InstanceType<typeof APIError> => error instanceof APIError,
  })
  const callTool = (req: ToolRequest) =>
    request(
      provider,
      options.timeoutSeconds,
      (signal) =>
        client.messages.create(
          {
            model: options.model,
            max_tokens: req.maxTokens,
            system: req.system,
            messages: req.turns.map((t) => ({ role: t.role, content: t.content })),
            tools: [
              {
                name: req.tool.name,
                description: req.tool.description,
                input_schema: req.tool.parameters as Anthropic.Tool.InputSchema,
              },
            ],
            tool_choice: { type: "tool", name: req.tool.name },
          },
          { signal },
        ),
      toFailure,
    ).pipe(Effect.map((message) => toAnswer(message, req.tool.name)))
  return Provider.of({ provider, model: options.model, callTool })
})

export const layer = (options: AnthropicOptions) => Layer.effect(Provider, make(options))
