/**
 * bedrock: models on Amazon Bedrock through `@aws-sdk/client-bedrock-runtime` and the Converse API,
 * the tool forced with `toolConfig.toolChoice`. Credentials and region come from the standard AWS
 * chain (environment, shared config and SSO profiles, instance roles); AWS_ENDPOINT_URL_BEDROCK_RUNTIME
 * moves the endpoint, as for every AWS SDK. The SDK's retries are off (maxAttempts 1) because the
 * caller owns the budgets. Resources: one SDK client per layer, destroyed when the layer's scope closes.
 */
import type * as Bedrock from "@aws-sdk/client-bedrock-runtime"
import { Effect, Layer } from "effect"
import { httpFailure, redact, request, retryAfterSeconds, unreachable } from "./_transport.ts"
import { Provider, ProviderFailed, type ToolAnswer, type ToolRequest } from "./provider.ts"

const provider = "bedrock"

function toAnswer(output: Bedrock.ConverseCommandOutput, tool: string): ToolAnswer {
  const blocks = output.output?.message?.content ?? []
  const uses = blocks.flatMap((b) => (b.toolUse ? [b.toolUse] : []))
  const use = uses.find((u) => u.name === tool) ?? uses[0]
  const stop = output.stopReason
  return {
    arguments: use?.input,
    text: blocks
      .flatMap((b) => (b.text !== undefined ? [b.text] : []))
      .join("\n")
      .trim(),
    stopReason:
      stop === "max_tokens" || stop === "model_context_window_exceeded"
        ? "max-tokens"
        : use
          ? "tool"
          : stop === "end_turn"
            ? "end"
            : "other",
    inputTokens: output.usage?.inputTokens ?? 0,
    outputTokens: output.usage?.outputTokens ?? 0,
  }
}

interface AwsError {
  readonly name?: string
  readonly message?: string
  readonly $metadata?: { readonly httpStatusCode?: number }
  readonly $response?: { readonly headers?: Record<string, string | undefined> }
}

function toFailure(error: unknown): ProviderFailed {
  const e = (error ?? {}) as AwsError
  const secret = process.env.AWS_SECRET_ACCESS_KEY
  if (e.name === "CredentialsProviderError" || e.name === "ProviderError") {
    return new ProviderFailed({
      provider,
      reason:
        "no AWS credentials found (the standard AWS chain: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, SSO, an instance role)",
      retryable: false,
    })
  }
  const down = unreachable(provider, error, {
    url: process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME || "https://bedrock-runtime.amazonaws.com",
    variable: "AWS_ENDPOINT_URL_BEDROCK_RUNTIME",
  })
  if (down) return down
  const status = e.$metadata?.httpStatusCode
  if (status === undefined && !/ECONN|ETIMEDOUT|EPIPE|socket|network|fetch/i.test(e.message ?? "")) {
    return new ProviderFailed({
      provider,
      reason: redact(`${e.name ?? "Error"}: ${e.message ?? String(error)}`, secret),
      retryable: false,
    })
  }
  const headers = e.$response?.headers ?? {}
  return httpFailure({
    provider,
    status,
    message: `${e.name ?? "Error"}: ${e.message ?? ""}`,
    retryAfter: retryAfterSeconds((h) => headers[h]),
    secret,
    keyHint:
      "check the AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID) and the model access granted to them",
  })
}

export interface BedrockOptions {
  readonly model: string
  readonly timeoutSeconds: number
}

export const make = Effect.fnUntraced(function* (options: BedrockOptions) {
  const sdk = yield* Effect.promise(() => import("@aws-sdk/client-bedrock-runtime"))
  const { NodeHttpHandler } = yield* Effect.promise(() => import("@smithy/node-http-handler"))
  // HTTP/1.1 rather than the client's default HTTP/2: Converse needs no streams, and HTTP/1.1 also
  // reaches an endpoint moved to a plain-HTTP proxy or gateway (AWS_ENDPOINT_URL_BEDROCK_RUNTIME).
  const client = yield* Effect.acquireRelease(
    Effect.sync(
      () => new sdk.BedrockRuntimeClient({ maxAttempts: 1, requestHandler: new NodeHttpHandler() }),
    ),
    (c) => Effect.sync(() => c.destroy()),
  )
  const callTool = (req: ToolRequest) =>
    request(
      provider,
      options.timeoutSeconds,
      (signal) =>
        client.send(
          new sdk.ConverseCommand({
            modelId: options.model,
            system: [{ text: req.system }],
            messages: req.turns.map((t) => ({ role: t.role, content: [{ text: t.content }] })),
            toolConfig: {
              tools: [
                {
                  toolSpec: {
                    name: req.tool.name,
                    description: req.tool.description,
                    inputSchema: { json: req.tool.parameters as Bedrock.ToolInputSchema.JsonMember["json"] },
                  },
                },
              ],
              // `any` forces a tool call on every model family; `tool` is accepted only by some.
              toolChoice: { any: {} },
            },
            inferenceConfig: { maxTokens: req.maxTokens },
          }),
          { abortSignal: signal },
        ),
      toFailure,
    ).pipe(Effect.map((output) => toAnswer(output, req.tool.name)))
  return Provider.of({ provider, model: options.model, callTool })
})

export const layer = (options: BedrockOptions) => Layer.effect(Provider, make(options))
