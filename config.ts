/**
 * config: aim.toml + flags + environment -> one Config. Precedence: flags over aim.toml over
 * defaults; for environment variables, `--env` over the shell over `[env]`. Every key is checked, so
 * a typo is an error naming the key, the file and its line rather than a setting silently ignored.
 */
import { existsSync, readFileSync, statSync } from "node:fs"
import { join, resolve } from "node:path"
import { parseTOML } from "confbox"
import { Effect, Schema as S } from "effect"
import { parseModelSpec } from "./llm/model-spec.ts"
import { findUpward, pathFrom } from "./project/locate.ts"

/**
 * A setting aim cannot use (unknown key, bad value, missing aim.toml), naming the file or flag and the line;
 * the CLI exits 2.
 */
export class ConfigError extends S.TaggedError<ConfigError>()("ConfigError", {
  /** The file or flag at fault. */
  source: S.String,
  line: S.optional(S.Number),
  reason: S.String,
}) {
  // Bun gives every Error a `line` (where it was constructed); without a line of our own the
  // message would point into aim's source, so an absent line is set to undefined explicitly.
  constructor(props: {
    readonly source: string
    readonly line?: number | undefined
    readonly reason: string
  }) {
    super({ ...props, line: props.line })
  }

  override get message() {
    return `${this.source}${this.line ? `:${this.line}` : ""}: ${this.reason}`
  }
}

export interface EngineSettings {
  readonly backend?: string | undefined
  readonly url?: string | undefined
}

export interface CustomRule {
  readonly id: string
  readonly rule?: string | undefined
  readonly level?: string | undefined
}

/**
 * The project's settings, decoded and merged: aim.toml, then flags, then defaults; paths are relative to
 * `root`.
 */
export interface Config {
  /** The project folder: where aim.toml is, and what relative paths start from. */
  readonly root: string
  /** Path of aim.toml, undefined when the project runs from flags alone. */
  readonly file?: string | undefined
  /**
   * The folder the user stands in (the CLI's working folder): messages name project files relative
   * to it (see `shownPath`). Undefined for a library caller: messages then name them relative to `root`.
   */
  readonly from?: string | undefined
  readonly engine: string
  readonly format: string
  readonly schema: string
  readonly migrations: string
  readonly maxRetries: number
  readonly maxTokens: number
  readonly model?: string | undefined
  readonly context?: string | undefined
  /** Who writes the migration when a model is set: see `Strategy`; "auto" when absent. */
  readonly strategy?: Strategy | undefined
  /** Seconds to wait for one answer from the model before it counts as a (retried) timeout; 120 when absent. */
  readonly modelTimeout?: number | undefined
  readonly noDown: boolean
  readonly env: Readonly<Record<string, string>>
  readonly validation: { readonly disabled: ReadonlyArray<string>; readonly rules: ReadonlyArray<CustomRule> }
  readonly engines: Readonly<Record<string, EngineSettings>>
}

/** The flags every command shares, as citty hands them over. */
export interface ConfigFlags {
  readonly engine?: string | undefined
  readonly format?: string | undefined
  readonly schema?: string | undefined
  readonly migrations?: string | undefined
  readonly "max-retries"?: string | undefined
  readonly "max-tokens"?: string | undefined
  readonly model?: string | undefined
  readonly context?: string | undefined
  readonly strategy?: string | undefined
  readonly "no-down"?: boolean | undefined
  /** KEY=VALUE, one or many. */
  readonly env?: string | ReadonlyArray<string> | undefined
}

export const CONFIG_FILE = "aim.toml"

/**
 * `auto`: the planner's migration when it verifies and nothing in the change is ambiguous (a
 * possible rename, a lossy type change, an enum value removed), else the model. `llm`: always the
 * model. `builtin`: never the model. Without a model (or with model = "builtin") only the planner runs.
 */
export const strategies = ["auto", "llm", "builtin"] as const
export type Strategy = (typeof strategies)[number]

const topLevel: Record<string, "string" | "integer" | "boolean" | "table"> = {
  engine: "string",
  format: "string",
  schema: "string",
  migrations: "string",
  max_retries: "integer",
  max_tokens: "integer",
  model: "string",
  context: "string",
  strategy: "string",
  model_timeout: "integer",
  no_down: "boolean",
  env: "table",
  validation: "table",
  engines: "table",
}

/** Line of `key = ...` in the TOML text, to point at it. */
function lineOf(text: string, key: string): number | undefined {
  const index = text
    .split("\n")
    .findIndex((l) => new RegExp(`^\\s*"?${key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"?\\s*=`).test(l))
  return index === -1 ? undefined : index + 1
}

const kindOf = (v: unknown) =>
  Array.isArray(v)
    ? "array"
    : Number.isInteger(v)
      ? "integer"
      : typeof v === "object" && v !== null
        ? "table"
        : typeof v

function checkFile(file: string, text: string, data: Record<string, unknown>): ConfigError | undefined {
  const fail = (key: string, reason: string, section?: string) =>
    new ConfigError({
      source: file,
      line: lineOf(text, key) ?? (section ? lineOf(text, section) : undefined),
      reason,
    })
  for (const [key, value] of Object.entries(data)) {
    const expected = topLevel[key]
    if (!expected) return fail(key, `unknown key "${key}" (known keys: ${Object.keys(topLevel).join(", ")})`)
    if (kindOf(value) !== expected)
      return fail(key, `"${key}" must be ${expected === "integer" ? "an integer" : `a ${expected}`}`)
  }
  for (const [key, value] of Object.entries((data.env ?? {}) as Record<string, unknown>)) {
    if (typeof value !== "string") return fail(key, `[env] ${key} must be a string`)
  }
  const validation = (data.validation ?? {}) as Record<string, unknown>
  for (const key of Object.keys(validation)) {
    if (key !== "disabled" && key !== "rules")
      return fail(key, `unknown key "validation.${key}" (known keys: disabled, rules)`)
  }
  if (
    validation.disabled !== undefined &&
    (!Array.isArray(validation.disabled) || validation.disabled.some((d) => typeof d !== "string"))
  ) {
    return fail("disabled", `"validation.disabled" must be a list of rule ids`)
  }
  if (validation.rules !== undefined) {
    if (!Array.isArray(validation.rules))
      return fail("rules", `"validation.rules" must be a list of [[validation.rules]] tables`)
    for (const [i, rule] of validation.rules.entries()) {
      for (const [key, value] of Object.entries(rule as Record<string, unknown>)) {
        if (!["id", "rule", "level"].includes(key))
          return fail(
            key,
            `unknown key "${key}" in [[validation.rules]] entry ${i + 1} (known keys: id, rule, level)`,
          )
        if (typeof value !== "string")
          return fail(key, `"${key}" in [[validation.rules]] entry ${i + 1} must be a string`)
      }
    }
  }
  for (const [name, settings] of Object.entries((data.engines ?? {}) as Record<string, unknown>)) {
    if (kindOf(settings) !== "table") return fail(name, `[engines.${name}] must be a table`)
    for (const [key, value] of Object.entries(settings as Record<string, unknown>)) {
      if (!["backend", "url"].includes(key))
        return fail(key, `unknown key "engines.${name}.${key}" (known keys: backend, url)`, `engines.${name}`)
      if (typeof value !== "string") return fail(key, `"engines.${name}.${key}" must be a string`)
    }
  }
  return undefined
}

function readToml(file: string): Record<string, unknown> | ConfigError {
  let text: string
  try {
    // A FIFO would block aim (and its signal handling) until a writer came; a folder cannot be read.
    if (!statSync(file).isFile()) return new ConfigError({ source: file, reason: "is not a regular file" })
    text = new TextDecoder("utf-8", { fatal: true }).decode(readFileSync(file))
  } catch (error) {
    const reason =
      error instanceof TypeError ? "is not valid UTF-8" : `cannot be read: ${(error as Error).message}`
    return new ConfigError({ source: file, reason })
  }
  let data: Record<string, unknown>
  try {
    data = parseTOML(text) as Record<string, unknown>
  } catch (error) {
    const e = error as { line?: number; message?: string }
    const reason =
      (e.message ?? String(error)).split("\n")[0]?.replace(/^Invalid TOML document: /, "") ?? "invalid TOML"
    return new ConfigError({ source: file, line: e.line, reason: `invalid TOML: ${reason}` })
  }
  return checkFile(file, text, data) ?? data
}

function parseInteger(flag: string, value: string | undefined, fallback: number): number | ConfigError {
  if (value === undefined) return fallback
  if (!/^\d+$/.test(value))
    return new ConfigError({ source: `--${flag}`, reason: `expected a whole number, got "${value}"` })
  return Number(value)
}

function parseEnvFlags(values: ConfigFlags["env"]): Record<string, string> | ConfigError {
  const list = values === undefined ? [] : typeof values === "string" ? [values] : values
  const env: Record<string, string> = {}
  for (const item of list) {
    const eq = item.indexOf("=")
    if (eq <= 0) return new ConfigError({ source: "--env", reason: `expected KEY=VALUE, got "${item}"` })
    env[item.slice(0, eq)] = item.slice(eq + 1)
  }
  return env
}

/** Where a command looks for its project, and where its user stands. */
export interface ProjectLookup {
  /** Look for aim.toml in the start folder and then each parent, as git looks for .git. */
  readonly upward?: boolean | undefined
  /** See `Config.from`. */
  readonly from?: string | undefined
}

/** A project path (relative to the root, or absolute) as messages show it: see `Config.from`. */
export const shownPath = (config: Pick<Config, "root" | "from">, path: string): string =>
  pathFrom(config.root, config.from, path)

/**
 * Load the project's configuration from `start` (with `lookup.upward`, from the nearest folder
 * holding aim.toml at or above it). `requireFile` is false only for commands that can run from
 * flags alone.
 */
export const loadConfig = Effect.fnUntraced(function* (
  start: string,
  flags: ConfigFlags,
  requireFile = true,
  lookup: ProjectLookup = {},
) {
  const root = (lookup.upward ? findUpward(start, CONFIG_FILE) : undefined) ?? resolve(start)
  const file = join(root, CONFIG_FILE)
  let data: Record<string, unknown> = {}
  if (existsSync(file)) {
    const read = readToml(file)
    if (read instanceof ConfigError) return yield* read
    data = read
  } else if (requireFile && !flags.engine) {
    return yield* new ConfigError({
      source: file,
      reason: `not found${lookup.upward ? " here or in a parent folder" : ""}; run \`aim init --engine sqlite\` to create a project here`,
    })
  }
  const str = (key: string) => data[key] as string | undefined
  const engine = flags.engine ?? str("engine")
  if (!engine)
    return yield* new ConfigError({
      source: file,
      reason: `"engine" is required (for example engine = "sqlite")`,
    })
  const maxRetries = parseInteger(
    "max-retries",
    flags["max-retries"],
    (data.max_retries as number | undefined) ?? 3,
  )
  if (maxRetries instanceof ConfigError) return yield* maxRetries
  const maxTokens = parseInteger(
    "max-tokens",
    flags["max-tokens"],
    (data.max_tokens as number | undefined) ?? 16384,
  )
  if (maxTokens instanceof ConfigError) return yield* maxTokens
  const modelTimeout = (data.model_timeout as number | undefined) ?? 120
  // Where a value came from, to point at it: the flag, or the key's line in aim.toml.
  const origin = (key: string, flag: string, fromFlag: boolean) =>
    fromFlag ? { source: flag } : { source: file, line: lineOf(readFileSync(file, "utf8"), key) }
  if (modelTimeout < 1)
    return yield* new ConfigError({
      ...origin("model_timeout", "", false),
      reason: `"model_timeout" must be at least 1 (seconds)`,
    })
  const model = flags.model ?? str("model")
  const spec = model === undefined ? undefined : parseModelSpec(model)
  if (typeof spec === "string")
    return yield* new ConfigError({ ...origin("model", "--model", flags.model !== undefined), reason: spec })
  const strategy = flags.strategy ?? str("strategy") ?? "auto"
  if (!(strategies as ReadonlyArray<string>).includes(strategy)) {
    return yield* new ConfigError({
      ...origin("strategy", "--strategy", flags.strategy !== undefined),
      reason: `unknown strategy "${strategy}" (known: ${strategies.join(", ")})`,
    })
  }
  if (strategy === "llm" && (spec === undefined || spec.kind === "builtin")) {
    return yield* new ConfigError({
      ...origin("strategy", "--strategy", flags.strategy !== undefined),
      reason: `strategy "llm" needs a model: set model = "<provider>-<model>" in aim.toml or pass --model`,
    })
  }
  const envFlags = parseEnvFlags(flags.env)
  if (envFlags instanceof ConfigError) return yield* envFlags
  const fileEnv = (data.env ?? {}) as Record<string, string>
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(fileEnv)) if (process.env[k] === undefined) env[k] = v
  Object.assign(env, envFlags)
  const validation = (data.validation ?? {}) as { disabled?: string[]; rules?: CustomRule[] }
  const config: Config = {
    root,
    file: existsSync(file) ? file : undefined,
    from: lookup.from === undefined ? undefined : resolve(lookup.from),
    engine,
    format: flags.format ?? str("format") ?? "migrate",
    schema: flags.schema ?? str("schema") ?? "schema.sql",
    migrations: flags.migrations ?? str("migrations") ?? "migrations",
    maxRetries,
    maxTokens,
    model,
    context: flags.context ?? str("context"),
    strategy: strategy as Strategy,
    modelTimeout,
    noDown: flags["no-down"] ?? (data.no_down as boolean | undefined) ?? false,
    env,
    validation: { disabled: validation.disabled ?? [], rules: validation.rules ?? [] },
    engines: (data.engines ?? {}) as Record<string, EngineSettings>,
  }
  return config
})

/** Put the configured variables into the process environment (SDKs read them from there). */
export function applyEnvironment(config: Config): void {
  for (const [k, v] of Object.entries(config.env)) process.env[k] = v
}
