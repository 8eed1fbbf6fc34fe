/**
 * openai-compatible: OpenAI and every provider that speaks its Chat Completions protocol, through
 * the `openai` SDK with the provider's documented base URL and key variable. The tool call is
 * forced with `tool_choice`; the SDK's own retries are off because the caller owns the budgets.
 * Resources: one SDK client per layer (no open connections between calls); the SDK is loaded only
 * when a model of this family is asked.
 */
import { Effect, Layer } from "effect"
import type OpenAI from "openai"
import { type Credentials, resolveKey } from "./credentials.ts"
import { request, sdkFailure } from "./_transport.ts"
import { Provider, type ToolAnswer, type ToolRequest } from "./provider.ts"

export interface CompatibleProvider {
  /** The documented base URL; the SDK appends /chat/completions. */
  readonly baseURL: string
  /** Variable that holds the key; undefined for a provider that takes none. */
  readonly keyVariable?: string | undefined
  /** Variable that moves the whole base URL (the SDK's convention: OPENAI_BASE_URL). */
  readonly baseUrlVariable: string
  /** OpenAI's newer models reject `max_tokens`; most compatible servers know only `max_tokens`. */
  readonly tokenLimit: "max_tokens" | "max_completion_tokens"
}

/** Base URLs and key variables as each provider documents them for the OpenAI SDK. */
export const compatibleProviders: Readonly<Record<string, CompatibleProvider>> = {
  openai: {
    baseURL: "https://api.openai.com/v1",
    keyVariable: "OPENAI_API_KEY",
    baseUrlVariable: "OPENAI_BASE_URL",
    tokenLimit: "max_completion_tokens",
  },
  gemini: {
    baseURL: "https://generativelanguage.googleapis.com/v1beta/openai/",
    keyVariable: "GEMINI_API_KEY",
    baseUrlVariable: "GEMINI_BASE_URL",
    tokenLimit: "max_tokens",
  },
  groq: {
    baseURL: "https://api.groq.com/openai/v1",
    keyVariable: "GROQ_API_KEY",
    baseUrlVariable: "GROQ_BASE_URL",
    tokenLimit: "max_tokens",
  },
  deepseek: {
    baseURL: "https://api.deepseek.com",
    keyVariable: "DEEPSEEK_API_KEY",
    baseUrlVariable: "DEEPSEEK_BASE_URL",
    tokenLimit: "max_tokens",
  },
  mistral: {
    baseURL: "https://api.mistral.ai/v1",
    keyVariable: "MISTRAL_API_KEY",
    baseUrlVariable: "MISTRAL_BASE_URL",
    tokenLimit: "max_tokens",
  },
  openrouter: {
    baseURL: "https://openrouter.ai/api/v1",
    keyVariable: "OPENROUTER_API_KEY",
    baseUrlVariable: "OPENROUTER_BASE_URL",
    tokenLimit: "max_tokens",
  },
  together: {
    baseURL: "https://api.together.xyz/v1",
    keyVariable: "TOGETHER_API_KEY",
    baseUrlVariable: "TOGETHER_BASE_URL",
    tokenLimit: "max_tokens",
  },
  xai: {
    baseURL: "https://api.x.ai/v1",
    keyVariable: "XAI_API_KEY",
    baseUrlVariable: "XAI_BASE_URL",
    tokenLimit: "max_tokens",
  },
  perplexity: {
    baseURL: "https://api.perplexity.ai",
    keyVariable: "PERPLEXITY_API_KEY",
    baseUrlVariable: "PERPLEXITY_BASE_URL",
    tokenLimit: "max_tokens",
  },
  cohere: {
    baseURL: "https://api.cohere.ai/compatibility/v1",
    keyVariable: "COHERE_API_KEY",
    baseUrlVariable: "COHERE_BASE_URL",
    tokenLimit: "max_tokens",
  },
  ollama: {
    baseURL: "http://127.0.0.1:11434/v1",
    baseUrlVariable: "OLLAMA_HOST",
    tokenLimit: "max_tokens",
  },
}

/**
 * The base URL in effect. OLLAMA_HOST is Ollama's own convention, a host (`0.0.0.0:11434` or
 * `http://box:11434`) rather than a base, so its OpenAI-compatible path is added here.
 */
export function baseUrlOf(name: string, entry: CompatibleProvider, env = process.env): string {
  const moved = env[entry.baseUrlVariable]
  if (!moved) return entry.baseURL
  if (name !== "ollama") return moved
  const host = /^https?:\/\//.test(moved) ? moved : `http://${moved}`
  return `${host.replace(/\/+$/, "")}/v1`
}

/** Arguments as sent: parsed JSON, or the raw text when the model wrote something that is not JSON. */
function parseArguments(raw: string): unknown {
  try {
    return JSON.parse(raw)
  } catch {
    return raw
  }
}

function toAnswer(response: OpenAI.Chat.Completions.ChatCompletion, tool: string): ToolAnswer {
  const choice = response.choices[0]
  const calls = (choice?.message.tool_calls ?? []).filter((c) => c.type === "function")
  const call = calls.find((c) => c.function.name === tool) ?? calls[0]
  const finish = choice?.finish_reason
  return {
    arguments: call ? parseArguments(call.function.arguments) : undefined,
    text: choice?.message.content ?? "",
    // Forced tool calls come back with finish_reason "stop" from OpenAI itself.
    stopReason: finish === "length" ? "max-tokens" : call ? "tool" : finish === "stop" ? "end" : "other",
    inputTokens: response.usage?.prompt_tokens ?? 0,
    outputTokens: response.usage?.completion_tokens ?? 0,
  }
}

export interface CompatibleOptions {
  readonly provider: string
  readonly model: string
  readonly timeoutSeconds: number
  readonly credentials?: Credentials | undefined
}

export const make = Effect.fnUntraced(function* (options: CompatibleOptions) {
  const { provider, model } = options
  const entry = compatibleProviders[provider]
  if (!entry) return yield* Effect.die(new Error(`not an OpenAI-compatible provider: ${provider}`))
  // A provider without a key (Ollama) still needs a non-empty string: the SDK refuses an empty one.
  const apiKey =
    entry.keyVariable === undefined
      ? "ollama"
      : yield* resolveKey(provider, entry.keyVariable, options.credentials)
  const { default: OpenAISdk, APIError } = yield* Effect.promise(() => import("openai"))
  const baseURL = baseUrlOf(provider, entry)
  const client = new OpenAISdk({
    apiKey,
    baseURL,
    maxRetries: 0,
    timeout: Math.ceil(options.timeoutSeconds * 1000) + 1000,
  })
  const keyHint =
    entry.keyVariable === undefined
      ? "the server refused the request"
      : `check ${entry.keyVariable} or run \`aim auth ${provider}\``
  const toFailure = sdkFailure({
    provider,
    secret: apiKey,
    keyHint,
    endpoint: { url: baseURL, variable: entry.baseUrlVariable },
    isHttpError: (error): error is InstanceType<typeof APIError> => error instanceof APIError,
  })
  const callTool = (req: ToolRequest) =>
    request(
      provider,
      options.timeoutSeconds,
      (signal) =>
        client.chat.completions.create(
          {
            model,
            messages: [
              { role: "system", content: req.system },
              ...req.turns.map((t) => ({ role: t.role, content: t.content })),
            ],
            tools: [
              {
                type: "function",
                function: {
                  name: req.tool.name,
                  description: req.tool.description,
                  parameters: req.tool.parameters as Record<string, unknown>,
                },
              },
            ],
            tool_choice: { type: "function", function: { name: req.tool.name } },
            [entry.tokenLimit]: req.maxTokens,
          },
          { signal },
        ),
      toFailure,
    ).pipe(Effect.map((response) => toAnswer(response, req.tool.name)))
  return Provider.of({ provider, model, callTool })
})

export const layer = (options: CompatibleOptions) => Layer.effect(Provider, make(options))
