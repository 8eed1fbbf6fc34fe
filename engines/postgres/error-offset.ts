/**
 * error-offset: where in a statement PostgreSQL stopped: its error's `position`, a 1-based
 * character index into the query text as sent (https://www.postgresql.org/docs/current/protocol-error-fields.html,
 * field P), which postgres.js and PGlite both pass on. Errors raised inside a function body carry an
 * internal position instead, which is not in the user's text. Pure; holds nothing.
 */

/** 0-based offset of the error in the statement that was sent, or undefined when the server gave none. */
export function errorOffset(error: unknown): number | undefined {
  const position = Number((error as { position?: unknown } | null)?.position)
  return Number.isInteger(position) && position >= 1 ? position - 1 : undefined
}
