/**
 * _transport: what every provider does around its SDK call: a deadline that interrupts the request
 * (its AbortSignal cancels the HTTP call), and one mapping from an SDK's failure to ProviderFailed
 * that decides what is retryable and strips the key from any text the server sent back. Holds no
 * resources beyond the request it wraps.
 */
import { Effect } from "effect"
import { ProviderFailed } from "./provider.ts"

/** HTTP statuses worth another try: timeouts, conflicts, rate limits, overload, server faults. */
export const retryableStatus = (status: number) =>
  status === 408 || status === 409 || status === 429 || status >= 500

/** Text with every occurrence of `secret` blanked, so a server echoing the key cannot leak it. */
export function redact(text: string, secret: string | undefined): string {
  if (!secret || secret.length < 4) return text
  return text.split(secret).join("[redacted]")
}

/** Seconds from `retry-after-ms` or `retry-after` (seconds or an HTTP date); undefined when absent. */
export function retryAfterSeconds(header: (name: string) => string | null | undefined): number | undefined {
  const millis = Number(header("retry-after-ms"))
  if (Number.isFinite(millis) && millis > 0) return millis / 1000
  const value = header("retry-after")
  if (!value) return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000)
}

export interface HttpFailure {
  readonly provider: string
  readonly status?: number | undefined
  readonly message: string
  readonly retryAfter?: number | undefined
  /** The key in use, removed from the message. */
  readonly secret?: string | undefined
  /** What to do about a rejected key: "check ANTHROPIC_API_KEY or run `aim auth anthropic`". */
  readonly keyHint: string
}

/** Where a provider sends its requests, and the variable that moves it, to name both when it cannot be reached. */
export interface Endpoint {
  readonly url: string
  readonly variable: string
}

/** getaddrinfo's answers for a name that does not resolve (now, or at all). */
const unresolved = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_NONAME", "EAI_FAIL"])
/** Nothing listens on the port: Node's and Bun's spellings. */
const refused = new Set(["ECONNREFUSED", "ConnectionRefused"])

interface SystemError {
  readonly code?: unknown
  readonly hostname?: unknown
  readonly address?: unknown
  readonly port?: unknown
  readonly cause?: unknown
}

/** The error and its causes: Bun's fetch puts the system error on the SDK error's cause, Node's http on the error. */
function errorChain(error: unknown): SystemError[] {
  const chain: SystemError[] = []
  for (let e = error; typeof e === "object" && e !== null && chain.length < 5; e = (e as SystemError).cause)
    chain.push(e as SystemError)
  return chain
}

/**
 * A host that cannot be reached at all: its name does not resolve, or nothing listens on its port.
 * Trying again in a few seconds does not change either (unlike a timeout, a reset or a 5xx, which
 * keep their backoff), so it fails at once, naming the host, the cause and the variable to check.
 */
export function unreachable(
  provider: string,
  error: unknown,
  endpoint: Endpoint,
): ProviderFailed | undefined {
  let url: URL | undefined
  try {
    url = new URL(endpoint.url)
  } catch {}
  for (const e of errorChain(error)) {
    const code = String(e.code)
    if (unresolved.has(code)) {
      const host = typeof e.hostname === "string" ? e.hostname : (url?.hostname ?? endpoint.url)
      return new ProviderFailed({
        provider,
        reason: `cannot resolve ${host} (check ${endpoint.variable} or the network)`,
        retryable: false,
      })
    }
    if (refused.has(code)) {
      const port = url?.port || (url?.protocol === "http:" ? "80" : "443")
      const where =
        typeof e.address === "string" && e.port !== undefined
          ? `${e.address}:${e.port}`
          : `${url?.hostname ?? endpoint.url}:${port}`
      return new ProviderFailed({
        provider,
        reason: `connection to ${where} refused: nothing listens there (check ${endpoint.variable}, or start the server)`,
        retryable: false,
      })
    }
  }
  return undefined
}

/** A failed HTTP exchange as ProviderFailed; no status means the connection itself failed. */
export function httpFailure(failure: HttpFailure): ProviderFailed {
  const { provider, status } = failure
  const text = redact(failure.message, failure.secret).split("\n")[0]?.slice(0, 300) ?? ""
  if (status === 401 || status === 403) {
    return new ProviderFailed({ provider, status, reason: failure.keyHint, retryable: false })
  }
  return new ProviderFailed({
    provider,
    status,
    reason: status === undefined ? `connection failed: ${text}` : text,
    retryable: status === undefined || retryableStatus(status),
    retryAfter: failure.retryAfter,
  })
}

/** The shape both the Anthropic and the OpenAI SDK give their HTTP errors. */
interface SdkHttpError {
  readonly status?: number | undefined
  readonly message: string
  readonly headers?: { get(name: string): string | null | undefined } | undefined
}

/**
 * A failure thrown by an SDK call as ProviderFailed: an endpoint that cannot be reached is said so
 * at once; the SDK's own HTTP error class (`isHttpError`) becomes an HTTP failure with retry-after
 * read from the headers; anything else a failure that is not retried. The key is removed from
 * every message.
 */
export function sdkFailure(options: {
  readonly provider: string
  readonly secret: string | undefined
  readonly keyHint: string
  readonly endpoint: Endpoint
  readonly isHttpError: (error: unknown) => error is SdkHttpError
}): (error: unknown) => ProviderFailed {
  const { provider, secret, keyHint, endpoint, isHttpError } = options
  return (error) =>
    unreachable(provider, error, endpoint) ??
    (isHttpError(error)
      ? httpFailure({
          provider,
          status: error.status,
          message: error.message,
          retryAfter: error.headers ? retryAfterSeconds((h) => error.headers?.get(h)) : undefined,
          secret,
          keyHint,
        })
      : new ProviderFailed({ provider, reason: redact(String(error), secret), retryable: false }))
}

/**
 * Run one request with a deadline. The request gets an AbortSignal: when the deadline passes (or
 * the run is interrupted) the HTTP call is cancelled rather than left running.
 */
export const request = <A>(
  provider: string,
  timeoutSeconds: number,
  send: (signal: AbortSignal) => Promise<A>,
  toFailure: (error: unknown) => ProviderFailed,
): Effect.Effect<A, ProviderFailed> =>
  Effect.tryPromise({ try: send, catch: toFailure }).pipe(
    Effect.timeoutOrElse({
      duration: `${Math.max(1, Math.round(timeoutSeconds * 1000))} millis`,
      orElse: () =>
        Effect.fail(
          new ProviderFailed({
            provider,
            reason: `no answer within ${timeoutSeconds} s (raise model_timeout in aim.toml to wait longer)`,
            retryable: true,
          }),
        ),
    }),
  )
