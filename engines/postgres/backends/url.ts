/**
 * url backend: throwaway databases on a server the user already runs, given by
 * `[engines.postgres] url` in aim.toml or AIM_POSTGRES_URL. aim creates and drops only databases
 * named `aim_<random>` there, and never prints the URL's password. Resources: one admin connection
 * for the life of the engine layer's scope, plus one database and connection per ephemeral.
 */
import { Effect } from "effect"
import postgres from "postgres"
import type { PgBackend } from "./backend.ts"
import { connectionDefaults } from "./postgres-js-session.ts"
import { redactorFor, redactUrl } from "./redact.ts"
import { type ServerConnector, throwawayServer } from "./throwaway.ts"

/** How to reach the server at `url`, and how to keep its password out of messages. */
export const urlConnector = (engine: string, url: string): ServerConnector => ({
  engine,
  clean: redactorFor(url),
  connect: (database) => postgres(url, database ? { ...connectionDefaults, database } : connectionDefaults),
})

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
    detail: `server at ${host}, throwaway aim_* databases`,
    ephemeral: server.ephemeral,
  } satisfies PgBackend
})
