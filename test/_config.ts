/**
 * A Config for tests that build an engine layer directly (no aim.toml): the defaults a project
 * gets, the engine id, and its `[engines.*]` settings.
 */
import type { Config } from "../config.ts"

export const testConfig = (engine: string, engines: Config["engines"]): Config => ({
  root: "/tmp",
  file: undefined,
  engine,
  format: "migrate",
  schema: "schema.sql",
  migrations: "migrations",
  maxRetries: 0,
  maxTokens: 0,
  noDown: false,
  env: {},
  validation: { disabled: [], rules: [] },
  engines,
})
