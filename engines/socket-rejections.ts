/**
 * socket-rejections: keep a dying database connection from ending the process under Bun. When a
 * server resets a connection, Bun's `node:net` reports the error on the socket ('error', then
 * 'close'), which the drivers (postgres.js, mysql2) turn into a failed query, and in some paths also
 * rejects an internal promise of its own with the same error (stack: `at close (node:net)` or
 * `at _write (node:net)`) that nobody can catch. Unhandled, that rejection ends the process with a
 * runtime banner instead of aim's one message. This module installs, once, a listener that drops
 * exactly those: connection errors (ECONNRESET, EPIPE, ECONNABORTED) raised by a socket read or
 * write, a refused or reset connect (a pooled connection reopening to a server that has just died:
 * the query that asked for it fails with the same error, and that is what aim reports), and
 * postgres.js's CONNECTION_CLOSED family (below). Any other unhandled rejection is thrown again, so
 * it still ends the process as before.
 * Resources: one process listener, installed on first use and never removed.
 */

/**
 * postgres.js's own word for a connection that closed under a query. It rejects every query the
 * connection held with one error object, and on a close that came while a query was queued it also
 * rejects a promise of its own that nothing awaits (seen under Bun as an unhandled rejection from
 * `closed` in its connection.js); the query that aim awaits gets the same error and reports it.
 */
const driverConnectionCodes = new Set(["CONNECTION_CLOSED", "CONNECTION_DESTROYED", "CONNECTION_ENDED"])

const socketFault = (reason: unknown): boolean => {
  const error = reason as { code?: unknown; syscall?: unknown } | null
  if (typeof error !== "object" || error === null) return false
  if (typeof error.code === "string" && driverConnectionCodes.has(error.code)) return true
  if (error.syscall === "connect") return error.code === "ECONNREFUSED" || error.code === "ECONNRESET"
  return (
    (error.syscall === "read" || error.syscall === "write") &&
    (error.code === "ECONNRESET" || error.code === "EPIPE" || error.code === "ECONNABORTED")
  )
}

let installed = false

/** Install the listener (idempotent); call before opening a connection to a database server. */
export function ignoreStraySocketRejections(): void {
  if (installed) return
  installed = true
  process.on("unhandledRejection", (reason) => {
    if (socketFault(reason)) return
    throw reason
  })
}
