/**
 * registry: engine ids as written in aim.toml (`sqlite`, `postgres-17`, ...) mapped to the layer
 * that provides them. Adding an engine is a folder in engines/ and one entry here.
 */
import type { Layer } from "effect"
import type { Config } from "../config.ts"
import type { Engine } from "./engine.ts"
import * as sqlite from "./sqlite/engine.ts"

export interface EngineEntry {
  /** Matches the engine id from aim.toml. */
  readonly matches: (id: string) => boolean
  readonly layer: (id: string, config: Config) => Layer.Layer<Engine>
}

export const engines: ReadonlyArray<EngineEntry> = [
  { matches: (id) => id === "sqlite", layer: () => sqlite.layer },
]

/** Engine ids users may write; shown when an id is unknown. */
export const knownEngines = ["sqlite"]

export function findEngine(id: string): EngineEntry | undefined {
  return engines.find((e) => e.matches(id))
}
