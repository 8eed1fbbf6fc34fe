/**
 * url backend: throwaway databases on a server the user already runs, given by
 * `[engines.postgres] url` in aim.toml or AIM_POSTGRES_URL. aim creates and drops only databases
 * and sandbox roles named `aim_<host>_<pid>_<random>` there (see throwaway.ts), and never prints the URL's
 * password nor a sandbox role's. Resources: one admin connection
 * for the life of the engine layer's scope, plus one database and connection per ephemeral.
 */
import { Effect } from "effect"
import postgres from "postgres"
import type { PgBackend } from "./backend.ts"
import { connectionDefaults } from "./postgres-js-session.ts"
import { redactorFor, redactUrl } from "./redact.ts"
import { type ServerConnector, throwawayServer } from "./throwaway.ts"

/** How to reach the server at `url`, and how to keep its password out of messages. */
export const urlConnector = (
  engine: string,
  url: string,
  privileges = "the url's own privileges",
): ServerConnector => ({
  engine,
  clean: redactorFor(url),
  privileges,
  // Options override the URL's parts, so a sandbox login keeps the URL's host, port and settings.
  connect: (database, login) =>
    postgres(url, {
      ...connectionDefaults,
      // A URL naming several hosts keeps postgres.js's own sockets: it tries them in order and
      // honours target_session_attrs, which the guarded socket (one host per connection) does not.
      ...(multipleHosts(url) ? { socket: undefined } : {}),
      ...(database ? { database } : {}),
      ...(login ? { user: login.user, pass: login.password } : {}),
    }),
})

/** `postgres://a,b:5433/db`: postgres.js's multi-host form. */
function multipleHosts(url: string): boolean {
  const authority = /^[a-z]+:\/\/(?:[^@/]*@)?([^/?#]*)/i.exec(url)?.[1] ?? ""
  return authority.includes(",")
}

export const urlBackend = Effect.fnUntraced(function* (engine: string, url: string) {
  const server = yield* throwawayServer(urlConnector(engine, url))
  const host = (() => {
    try {
      const parsed = new URL(url)
      return `${parsed.hostname}${parsed.port ? `:${parsed.port}` : ""}`
    } catch {
      return redactUrl(url)
    }
  })()
  return {
    name: "url",
    serverVersion: server.serverVersion,
    detail: [`server at ${host}, throwaway aim_* databases`, server.sandboxNote].filter(Boolean).join("; "),
    ephemeral: server.ephemeral,
  } satisfies PgBackend
})
