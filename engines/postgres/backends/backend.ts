/**
 * backend: what every way of getting a PostgreSQL server (url, docker, local, embedded) hands to
 * the engine: the server's version, one line on what runs, and throwaway sessions. A backend's
 * server, when it starts one, lives in the scope the backend was acquired in (the engine layer's),
 * and each session's database lives in the scope of the `ephemeral` call that produced it.
 */
import type { Effect, Scope } from "effect"
import { EngineFailed } from "../../engine.ts"
import type { PgSession } from "../session.ts"

export const backendNames = ["auto", "docker", "url", "local", "embedded"] as const
export type BackendName = (typeof backendNames)[number]
/** A backend that really runs: `auto` resolves to one of these. */
export type ConcreteBackend = Exclude<BackendName, "auto">

export interface PgBackend {
  readonly name: ConcreteBackend
  /** `SHOW server_version` of the server that really runs, without the distribution suffix: "15.19". */
  readonly serverVersion: string
  /** What runs, for the engine's description: "local initdb/pg_ctl, run as user postgres". */
  readonly detail: string
  /** Why the server may not be the asked major, said beside the mismatch: "embedded PGlite runs PostgreSQL 16, 17, 18 and 19". */
  readonly mismatchHint?: string | undefined
  /** A session connected to a fresh, empty database, dropped or discarded when the scope closes. */
  readonly ephemeral: Effect.Effect<PgSession, EngineFailed, Scope.Scope>
}

/** The major version asked for by the engine id (`postgres-17` -> 17), undefined for plain `postgres`. */
export type AskedMajor = number | undefined

export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/** Turn a thrown value into EngineFailed, running the text through `clean` (to hide secrets). */
export const failWith =
  (engine: string, action: string, clean: (text: string) => string = (t) => t) =>
  (error: unknown) =>
    new EngineFailed({ engine, action, reason: clean(errorText(error)) })

/** "15.19 (Debian 15.19-0+deb12u1)" -> "15.19". */
export const shortVersion = (serverVersion: string): string =>
  serverVersion.trim().split(/\s+/)[0] ?? serverVersion

export const majorOf = (version: string): number => Number.parseInt(version, 10)
