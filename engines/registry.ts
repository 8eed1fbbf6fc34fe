/**
 * registry: engine ids as written in aim.toml (`sqlite`, `postgres-17`, ...) mapped to the layer
 * that provides them. Adding an engine is a folder in engines/ and one entry here.
 */
import { Effect, Layer } from "effect"
import type { Config, ConfigError } from "../config.ts"
import type { Capabilities, Engine, EngineFailed } from "./engine.ts"
import { mysqlCapabilities } from "./mysql/capabilities.ts"
import { postgresCapabilities } from "./postgres/capabilities.ts"
import { sqliteCapabilities } from "./sqlite/capabilities.ts"
import { parseEngineId as parseMysqlId } from "./mysql/flavor.ts"
import { matchesEngineId as isPostgres } from "./postgres/engine-id.ts"
import * as sqlite from "./sqlite/engine.ts"

export interface EngineEntry {
  /** Matches the engine id from aim.toml. */
  readonly matches: (id: string) => boolean
  /** What code outside engines/ must know of the engine, without building it (no server, no driver). */
  readonly capabilities: (id: string) => Capabilities
  /** Building it may start a server (held until the layer's scope closes), so it may fail. */
  readonly layer: (id: string, config: Config) => Layer.Layer<Engine, EngineFailed | ConfigError>
}

/** Every engine aim knows, in the order ids are matched against them. */
export const engines: ReadonlyArray<EngineEntry> = [
  { matches: (id) => id === "sqlite", capabilities: () => sqliteCapabilities, layer: () => sqlite.layer },
  {
    matches: isPostgres,
    capabilities: () => postgresCapabilities,
    // Loaded on first use: its drivers (postgres.js, PGlite, Testcontainers) are not needed by other engines.
    layer: (id, config) =>
      Layer.unwrap(
        Effect.promise(() => import("./postgres/engine.ts")).pipe(
          Effect.map((m) => m.layer(id, { settings: config.engines.postgres, source: config.file })),
        ),
      ),
  },
  {
    // One implementation for both: mysql-<version> and mariadb-<version>.
    matches: (id) => parseMysqlId(id) !== undefined,
    capabilities: (id) => mysqlCapabilities(parseMysqlId(id)?.flavor ?? "mysql"),
    layer: (id, config) =>
      Layer.unwrap(
        Effect.promise(() => import("./mysql/engine.ts")).pipe(
          Effect.map((m) =>
            m.layer(id, {
              settings: config.engines[parseMysqlId(id)?.flavor ?? "mysql"],
              source: config.file,
            }),
          ),
        ),
      ),
  },
]

/** Engine ids users may write; shown when an id is unknown. */
export const knownEngines = ["sqlite", "postgres-<version>", "mysql-<version>", "mariadb-<version>"]

/**
 * The engine entry for an id from aim.toml (`sqlite`, `postgres-17`, `mariadb-11`), or undefined when none
 * matches.
 */
export function findEngine(id: string): EngineEntry | undefined {
  return engines.find((e) => e.matches(id))
}
