/**
 * _run: what every project command does around its own work: load aim.toml and flags into a
 * Config, put `[env]` into the environment, pick the engine layer, report phases (one dimmed line
 * each with its time, and a spinner while one runs, on a terminal), and turn a failure into one
 * message and an exit code (2 for bad configuration or usage, 1 for the rest); with --json the
 * failure is also a JSON document on stdout.
 */
import { isAbsolute, relative } from "node:path"
import { Cause, Effect, Layer, Logger, LogLevel } from "effect"
import { applyEnvironment, type Config, ConfigError, loadConfig } from "../config.ts"
import { Engine, type EngineFailed } from "../engines/engine.ts"
import { findEngine, knownEngines } from "../engines/registry.ts"
import { unknownVersion } from "../engines/versions.ts"
import { Progress } from "../workflow.ts"
import { envValues, toConfigFlags } from "./_args.ts"
import { dim, makeOutput, type Output } from "./_output.ts"

export interface CommandContext {
  readonly args: Record<string, unknown>
  readonly rawArgs: ReadonlyArray<string>
}

/** One finished phase, as --json reports it. */
export interface PhaseTiming {
  readonly name: string
  readonly millis: number
  readonly detail?: string | undefined
}

/** What a project command's work gets besides the Config: where to print, and the phases so far. */
export interface RunContext {
  readonly output: Output
  readonly phases: ReadonlyArray<PhaseTiming>
}

/** Exit code of a failure: configuration and usage problems are 2, everything else 1. */
export function exitCodeOf(error: unknown): number {
  return error instanceof ConfigError ? 2 : 1
}

/** How the CLI finds its project: upward from --dir (or here), paths shown from where the user stands. */
export const cliLookup = { upward: true, from: process.cwd() } as const

export function errorMessage(error: unknown): string {
  // aim.toml is found by its absolute path; the user is shown it from where they stand.
  if (error instanceof ConfigError && isAbsolute(error.source))
    return new ConfigError({
      source: relative(process.cwd(), error.source) || ".",
      line: error.line,
      reason: error.reason,
    }).message
  if (error instanceof Error) return error.message
  return String(error)
}

/** The `_tag` of a tagged error, else the class name; what --json reports as `error.tag`. */
export function errorTag(error: unknown): string {
  if (typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string")
    return error._tag
  return error instanceof Error ? error.name : "Error"
}

/** The --json document of a failure. */
export const errorDocument = (tag: string, message: string, exitCode: number) => ({
  error: { tag, message },
  exitCode,
})

/** Print the failure and give the exit code; defects (bugs in aim) get their stack only with --debug. */
export const reportFailures = <R>(
  effect: Effect.Effect<number, unknown, R>,
  output: Output,
  debug: boolean,
) =>
  effect.pipe(
    Effect.catchCause((cause) => {
      if (Cause.hasInterruptsOnly(cause)) return Effect.failCause(cause as Cause.Cause<never>)
      const failure = Cause.findErrorOption(cause)
      if (failure._tag === "Some") {
        const code = exitCodeOf(failure.value)
        output.err(`aim: ${errorMessage(failure.value)}`)
        if (output.json)
          output.document(errorDocument(errorTag(failure.value), errorMessage(failure.value), code))
        return Effect.succeed(code)
      }
      const defect = Cause.squash(cause)
      output.err(`aim: internal error: ${errorMessage(defect)}`)
      if (debug && defect instanceof Error && defect.stack) output.err(defect.stack)
      else output.err("Run again with --debug for details, and report it if it persists.")
      if (output.json) output.document(errorDocument("InternalError", errorMessage(defect), 1))
      return Effect.succeed(1)
    }),
  )

export function engineLayer(config: Config): Layer.Layer<Engine, EngineFailed | ConfigError> | ConfigError {
  const version = unknownVersion(config.engine)
  if (version) return new ConfigError({ source: config.file ?? "--engine", reason: version })
  const entry = findEngine(config.engine)
  if (!entry) {
    return new ConfigError({
      source: config.file ?? "--engine",
      reason: `unknown engine "${config.engine}" (this version of aim supports: ${knownEngines.join(", ")})`,
    })
  }
  return entry.layer(config.engine, config)
}

/** What the spinner says while a phase runs. */
const waitingFor: Record<string, string> = {
  engine: "starting the database engine",
  snapshot: "replaying the migrations and loading the schema",
  plan: "planning the migration",
  verify: "verifying on a fresh database",
  generate: "waiting for the model",
  rules: "checking the validation rules",
  write: "writing the files",
  validate: "checking every migration",
}

const showMillis = (millis: number) =>
  millis < 1000 ? `${Math.round(millis)} ms` : `${(millis / 1000).toFixed(1)} s`

/**
 * What the engines log at Info and above (a dead run's leftovers removed, a backend passed over and
 * why, a throwaway database that could not be dropped) as one `aim: ...` line each on stderr, in
 * place of Effect's default format; nothing with --quiet.
 */
export const noticeLogger = (output: Output) =>
  Logger.layer([
    Logger.make(({ message, logLevel }) => {
      if (!output.notices || !LogLevel.isGreaterThanOrEqualTo(logLevel, "Info")) return
      const parts = Array.isArray(message) ? message : [message]
      output.err(`aim: ${parts.map((part) => (typeof part === "string" ? part : String(part))).join(" ")}`)
    }),
  ])

/** Load the project and run `work` with its engine; the result is the process exit code. */
export function projectCommand(
  context: CommandContext,
  work: (config: Config, run: RunContext) => Effect.Effect<number, unknown, Engine>,
  options: { requireFile?: boolean } = {},
): Effect.Effect<number> {
  const output = makeOutput({
    quiet: context.args.quiet === true,
    color: context.args.color as boolean | undefined,
    json: context.args.json === true,
  })
  const phases: PhaseTiming[] = []
  const report = (name: string, millis: number, detail?: string) => {
    phases.push({ name, millis: Math.round(millis), detail })
    if (output.progress)
      output.err(
        dim(output.color, `  ${name.padEnd(9)} ${detail ? `${detail} ` : ""}(${showMillis(millis)})`),
      )
  }
  const progress = {
    phase: report,
    begin: (name: string) => output.spin(waitingFor[name] ?? name),
  }
  const flags = { ...toConfigFlags(context.args, context.rawArgs), env: envValues(context.rawArgs) }
  const program = Effect.gen(function* () {
    const config = yield* loadConfig(
      String(context.args.dir ?? "."),
      flags,
      options.requireFile ?? true,
      cliLookup,
    )
    applyEnvironment(config)
    const layer = engineLayer(config)
    if (layer instanceof ConfigError) return yield* layer
    // The layer is built (a server or container started) when first provided: time it as a phase.
    const stopSpinner = progress.begin("engine")
    const started = performance.now()
    const withEngine = Effect.gen(function* () {
      const engine = yield* Engine
      stopSpinner()
      report("engine", performance.now() - started, engine.description)
      // Verified on another server than the one asked: said on every run, also on a pipe, with
      // --quiet and with --json, since a CI log is where it would otherwise go unseen.
      if (engine.server?.mismatch) output.err(`aim: warning: ${engine.server.mismatch}`)
      return yield* work(config, { output, phases })
    })
    return yield* withEngine.pipe(
      Effect.provide(layer),
      Effect.ensuring(Effect.sync(stopSpinner)),
      Effect.provideService(Progress, progress),
    )
  })
  return reportFailures(program, output, context.args.debug === true).pipe(
    Effect.provide(noticeLogger(output)),
  )
}
