/**
 * postgres-js-session: a PgSession over one postgres.js connection, for the backends that talk to a
 * real server (url, docker, local). One connection (max 1) so a BEGIN sent by `exec` and the
 * statements after it share a transaction. Resources: the connection, closed by `end`.
 */
import { connect, type Socket } from "node:net"
import postgres from "postgres"
import { ignoreStraySocketRejections } from "../../socket-rejections.ts"
import type { PgSession } from "../session.ts"

/** What postgres.js hands a custom socket factory (README, "Custom socket"), as far as used here. */
interface SocketOptions {
  readonly host: ReadonlyArray<string>
  readonly port: ReadonlyArray<number>
  readonly path?: string | false | undefined
}

const ignore = () => {}
let nextHost = 0

/**
 * A socket to the server that fails queries, never the process, whenever the connection breaks.
 * - Its `write` never throws. Bun's throws (EPIPE) on a connection the server has just reset,
 *   where Node's emits 'error'; postgres.js expects Node's way, and a throw from its write escapes
 *   it as an unhandled rejection that ends the process ("error: write EPIPE"). Here such a write
 *   destroys the socket with the error, which postgres.js handles as it would in Node.
 * - A connection the server closes before sending a byte, without an error, is reported as an
 *   error (ECONNRESET) first; postgres.js would otherwise reconnect at once, for ever.
 * - It reports every close as a plain one ('close' with hadError false). postgres.js rejects the
 *   queries in flight on 'error', but a query its caller sends in reply to that rejection, before
 *   'close' arrives, goes out on the dying connection; on a close "with error" postgres.js leaves
 *   it unsettled, and the run waits forever. On a plain close it rejects it (CONNECTION_CLOSED).
 * - It keeps a listener for errors Bun reports after postgres.js has let go of it on close ("read
 *   ECONNRESET"), which would otherwise be uncaught.
 * It is handed over still connecting, as postgres.js's own are, so a refused connection reaches
 * postgres.js as 'error' and 'close' (its connect_timeout applies as usual); a URL naming several
 * hosts gets postgres.js's own sockets instead (url.ts), for its failover.
 */
function guardedSocket(options: SocketOptions): Socket {
  ignoreStraySocketRejections()
  const index = nextHost++ % Math.max(1, options.host.length)
  const host = options.host[index] ?? "localhost"
  const socket = options.path ? connect(options.path) : connect(options.port[index] ?? 5432, host)
  // postgres.js names the server to TLS by it.
  Object.assign(socket, { host })
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean
  const removeAllListeners = socket.removeAllListeners.bind(socket)
  const emit = socket.emit.bind(socket) as (event: string | symbol, ...args: unknown[]) => boolean
  let failed = false
  Object.assign(socket, {
    emit: (event: string | symbol, ...args: unknown[]) => {
      if (event === "error") failed = true
      if (event !== "close") return emit(event, ...args)
      // Closed before the server said a word, and without an error: postgres.js would reconnect at
      // once, for ever, while the query that asked for the connection waits.
      if (!failed && socket.bytesRead === 0)
        emit(
          "error",
          Object.assign(new Error("the server closed the connection before answering"), {
            code: "ECONNRESET",
          }),
        )
      return emit(event, false)
    },
    write: (...args: unknown[]) => {
      try {
        return write(...args)
      } catch (error) {
        socket.destroy(error instanceof Error ? error : new Error(String(error)))
        return false
      }
    },
    removeAllListeners: (event?: string | symbol) => {
      removeAllListeners(event)
      socket.on("error", ignore)
      return socket
    },
  })
  socket.on("error", ignore)
  return socket
}

/** Driver settings every aim connection uses. */
export const connectionDefaults = {
  max: 1,
  // Catalog queries run once per snapshot; named prepared statements would only risk stale plans
  // after the DDL aim applies in between.
  prepare: false,
  // NOTICEs ("table does not exist, skipping") are expected while migrations run; the driver would
  // print them to the console.
  onnotice: () => {},
  connect_timeout: 10,
  // A lost server is reported at once: postgres.js would otherwise wait up to 20 s (growing with
  // each failure) before each new attempt, and a run cleaning up after a dead server would crawl.
  backoff: () => 0,
  // A throwaway database is never needed after a crash, so a COMMIT need not wait for the WAL to
  // reach disk; a user-settable setting, sent with the startup packet at no extra round trip
  // (https://www.postgresql.org/docs/current/runtime-config-wal.html#GUC-SYNCHRONOUS-COMMIT).
  connection: { application_name: "aim", synchronous_commit: "off" },
  socket: guardedSocket,
} satisfies postgres.Options<Record<string, postgres.PostgresType>> & {
  socket: (options: SocketOptions) => Socket
}

export type Driver = postgres.Sql

export function sessionOf(sql: Driver): PgSession {
  return {
    query: async <T>(text: string, params?: ReadonlyArray<unknown>) => {
      const rows = await sql.unsafe(text, (params ?? []) as postgres.ParameterOrJSON<never>[])
      return [...rows] as T[]
    },
    exec: async (script) => {
      // The simple query protocol accepts several statements in one string, as psql sends them.
      await sql.unsafe(script).simple()
    },
  }
}
