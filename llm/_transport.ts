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
 * A failure thrown by an SDK call as ProviderFailed: its own HTTP error class (`isHttpError`)
 * becomes an HTTP failure with retry-after read from the headers, anything else a failure that
 * is not retried. The key is removed from every message.
 */
export function sdkFailure(options: {
  readonly provider: string
  readonly secret: string | undefined
  readonly keyHint: string
  readonly isHttpError: (error: unknown) => error is SdkHttpError
}): (error: unknown) => ProviderFailed {
  const { provider, secret, keyHint, isHttpError } = options
  return (error) =>
    isHttpError(error)
      ? httpFailure({
          provider,
          status: error.status,
          message: error.message,
          retryAfter: error.headers ? retryAfterSeconds((h) => error.headers?.get(h)) : undefined,
          secret,
          keyHint,
        })
      : new ProviderFailed({ provider, reason: redact(String(error), secret), retryable: false })
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
