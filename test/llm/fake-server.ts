/**
 * fake-server: a local stand-in for the model providers, speaking each wire protocol for real so
 * the real SDKs talk to it through their base-URL variables: Anthropic Messages (`/v1/messages`,
 * tool_use blocks), OpenAI Chat Completions (any path ending in `/chat/completions`, tool_calls),
 * and Bedrock Converse (`/model/<id>/converse`, toolUse; the SigV4 signature is not checked). Each
 * request takes the next reply of the script; the last reply repeats. Resources: one Bun.serve on
 * 127.0.0.1 with a free port, closed by `stop()`.
 */

export type Reply =
  /** A tool call; a string `args` is sent as is (malformed JSON for OpenAI, a non-object elsewhere). */
  | { readonly kind: "tool"; readonly args: Record<string, unknown> | string; readonly text?: string }
  | { readonly kind: "text"; readonly text: string }
  /** Cut off at the token limit in the middle of the answer. */
  | { readonly kind: "truncated" }
  | {
      readonly kind: "status"
      readonly status: number
      readonly retryAfter?: string
      readonly retryAfterMs?: string
      /** Text put in the error body, e.g. to check that an echoed key is redacted. */
      readonly echo?: string
    }
  /** Answer nothing for `millis`, then fail with a 500. */
  | { readonly kind: "hang"; readonly millis: number }

export type Protocol = "anthropic" | "openai" | "bedrock"

export interface Recorded {
  readonly protocol: Protocol
  readonly path: string
  readonly headers: Record<string, string>
  readonly body: Record<string, unknown>
  readonly at: number
}

export interface FakeServer {
  /** http://127.0.0.1:PORT, without a trailing slash. */
  readonly url: string
  readonly requests: Recorded[]
  /** Replace the script; the request count is kept. */
  script(replies: ReadonlyArray<Reply>): void
  stop(): void
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } })

const tokens = (text: string) => Math.ceil(text.length / 4)

function protocolOf(path: string): Protocol | undefined {
  if (path.endsWith("/v1/messages")) return "anthropic"
  if (path.endsWith("/chat/completions")) return "openai"
  if (/^\/model\/.+\/converse$/.test(path)) return "bedrock"
  return undefined
}

const bedrockErrorType = (status: number) =>
  status === 429
    ? "ThrottlingException"
    : status === 401 || status === 403
      ? "AccessDeniedException"
      : status === 503
        ? "ServiceUnavailableException"
        : status >= 500
          ? "InternalServerException"
          : "ValidationException"

function errorResponse(protocol: Protocol, reply: Extract<Reply, { kind: "status" }>): Response {
  const message = `fake failure ${reply.status}${reply.echo ? `: ${reply.echo}` : ""}`
  const headers: Record<string, string> = {}
  if (reply.retryAfter !== undefined) headers["retry-after"] = reply.retryAfter
  if (reply.retryAfterMs !== undefined) headers["retry-after-ms"] = reply.retryAfterMs
  if (protocol === "anthropic") {
    return json({ type: "error", error: { type: "api_error", message } }, reply.status, headers)
  }
  if (protocol === "openai") {
    return json({ error: { message, type: "fake_error", code: null } }, reply.status, headers)
  }
  headers["x-amzn-errortype"] =
    `${bedrockErrorType(reply.status)}:http://internal.amazon.com/coral/com.amazon.bedrock/`
  return json({ message }, reply.status, headers)
}

function answer(protocol: Protocol, reply: Reply, model: string, inputTokens: number): Response {
  const args = reply.kind === "tool" ? reply.args : undefined
  const argsText = typeof args === "string" ? args : JSON.stringify(args ?? {})
  const text = reply.kind === "text" ? reply.text : reply.kind === "tool" ? (reply.text ?? "") : "UP: ALTER"
  const truncated = reply.kind === "truncated"
  const outputTokens = tokens(args !== undefined ? argsText : text)
  if (protocol === "anthropic") {
    const content: unknown[] = []
    if (text) content.push({ type: "text", text })
    if (args !== undefined)
      content.push({ type: "tool_use", id: "toolu_fake", name: "submit_migration", input: args })
    return json({
      id: "msg_fake",
      type: "message",
      role: "assistant",
      model,
      content,
      stop_reason: truncated ? "max_tokens" : args !== undefined ? "tool_use" : "end_turn",
      stop_sequence: null,
      usage: { input_tokens: inputTokens, output_tokens: outputTokens },
    })
  }
  if (protocol === "openai") {
    return json({
      id: "chatcmpl-fake",
      object: "chat.completion",
      created: 0,
      model,
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: text || null,
            ...(args !== undefined
              ? {
                  tool_calls: [
                    {
                      id: "call_fake",
                      type: "function",
                      function: { name: "submit_migration", arguments: argsText },
                    },
                  ],
                }
              : {}),
          },
          finish_reason: truncated ? "length" : args !== undefined ? "tool_calls" : "stop",
        },
      ],
      usage: {
        prompt_tokens: inputTokens,
        completion_tokens: outputTokens,
        total_tokens: inputTokens + outputTokens,
      },
    })
  }
  const content: unknown[] = []
  if (text) content.push({ text })
  if (args !== undefined)
    content.push({ toolUse: { toolUseId: "tooluse_fake", name: "submit_migration", input: args } })
  return json({
    output: { message: { role: "assistant", content } },
    stopReason: truncated ? "max_tokens" : args !== undefined ? "tool_use" : "end_turn",
    usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
    metrics: { latencyMs: 1 },
  })
}

export function startFakeServer(initial: ReadonlyArray<Reply> = []): FakeServer {
  let replies = [...initial]
  let next = 0
  const requests: Recorded[] = []
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 60,
    async fetch(req) {
      const path = new URL(req.url).pathname
      const protocol = protocolOf(path)
      if (!protocol || req.method !== "POST") return json({ error: `no route ${req.method} ${path}` }, 404)
      const raw = await req.text()
      const body = JSON.parse(raw) as Record<string, unknown>
      requests.push({ protocol, path, headers: Object.fromEntries(req.headers), body, at: Date.now() })
      const reply = replies[Math.min(next, replies.length - 1)]
      next++
      if (!reply) return errorResponse(protocol, { kind: "status", status: 500, echo: "no script" })
      if (reply.kind === "status") return errorResponse(protocol, reply)
      if (reply.kind === "hang") {
        await Bun.sleep(reply.millis)
        return errorResponse(protocol, { kind: "status", status: 500 })
      }
      const model = protocol === "bedrock" ? decodeURIComponent(path.split("/")[2] ?? "") : String(body.model)
      return answer(protocol, reply, model, tokens(raw))
    },
  })
  return {
    url: `http://127.0.0.1:${server.port}`,
    requests,
    script(list) {
      replies = [...list]
      next = 0
    },
    stop() {
      server.stop(true)
    },
  }
}
