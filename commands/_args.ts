/**
 * _args: the flags every command shares, spread into each command's args, and how they become the
 * ConfigFlags that config.ts merges with aim.toml.
 */
import type { ArgsDef } from "citty"
import type { ConfigFlags } from "../config.ts"
import { engineChoices } from "../engines/versions.ts"
import { formats } from "../formats/registry.ts"

/** The flags of every project command: where the project is, and how to print. */
export const projectArgs = {
  dir: {
    type: "string",
    description: "Where to look for aim.toml: this folder, then each parent",
    default: ".",
  },
  engine: { type: "string", description: `Database engine: ${engineChoices}` },
  format: {
    type: "string",
    description: `Migration format: ${Object.keys(formats).join(", ")}`,
  },
  schema: { type: "string", description: "Desired-schema file (default schema.sql)" },
  migrations: { type: "string", description: "Migrations folder (default migrations)" },
  env: { type: "string", description: "KEY=VALUE for the environment (repeatable)" },
  quiet: { type: "boolean", description: "No progress lines", alias: ["q"] },
  json: { type: "boolean", description: "Print one JSON document on stdout (no progress, no colour)" },
  color: { type: "boolean", description: "Colour on a terminal (--no-color to turn off)", default: true },
  debug: { type: "boolean", description: "Show stack traces of internal errors" },
} as const satisfies ArgsDef

/** The model that judges custom validation rules, and for `generate` writes what the planner cannot. */
export const modelArg = {
  model: { type: "string", description: "Generator: builtin, or <provider>-<model>" },
} as const satisfies ArgsDef

/** What only `generate` takes: who writes the migration, how hard to try, and whether with a DOWN. */
export const generatorArgs = {
  ...modelArg,
  "max-retries": { type: "string", description: "Attempts after a failed verification (default 3)" },
  "max-tokens": { type: "string", description: "Output token limit for a model (default 16384)" },
  strategy: { type: "string", description: "With a model: auto (default), llm (always ask) or builtin" },
  context: { type: "string", description: "Extra instructions for the generator" },
  down: { type: "boolean", description: "Write a DOWN migration (--no-down to skip)", default: true },
} as const satisfies ArgsDef

/**
 * Every `--env` value: citty keeps only the last of a repeated flag. A trailing `--env` with no value
 * is kept as "" so that config.ts rejects it rather than it being silently ignored.
 */
export function envValues(rawArgs: ReadonlyArray<string>): string[] {
  const values: string[] = []
  rawArgs.forEach((arg, i) => {
    if (arg === "--env") values.push(rawArgs[i + 1] ?? "")
    else if (arg.startsWith("--env=")) values.push(arg.slice("--env=".length))
  })
  return values
}

export function toConfigFlags(args: Record<string, unknown>, rawArgs: ReadonlyArray<string>): ConfigFlags {
  const str = (key: string) => (typeof args[key] === "string" ? (args[key] as string) : undefined)
  return {
    engine: str("engine"),
    format: str("format"),
    schema: str("schema"),
    migrations: str("migrations"),
    "max-retries": str("max-retries"),
    "max-tokens": str("max-tokens"),
    model: str("model"),
    strategy: str("strategy"),
    context: str("context"),
    "no-down": args.down === false ? true : undefined,
    env: envValues(rawArgs),
  }
}
