/**
 * _run: what every project command does around its own work: load aim.toml and flags into a
 * Config, put `[env]` into the environment, pick the engine layer, report phases, and turn a
 * failure into one message and an exit code (2 for bad configuration or usage, 1 for the rest).
 */
import { Cause, Effect, Layer } from "effect"
import { applyEnvironment, type Config, ConfigError, loadConfig } from "../config.ts"
import { Engine, type EngineFailed } from "../engines/engine.ts"
import { findEngine, knownEngines } from "../engines/registry.ts"
import { Progress } from "../workflow.ts"
import { envValues, toConfigFlags } from "./_args.ts"
import { dim, makeOutput, type Output } from "./_output.ts"

export interface CommandContext {
  readonly args: Record<string, unknown>
  readonly rawArgs: ReadonlyArray<string>
}

/** Exit code of a failure: configuration and usage problems are 2, everything else 1. */
export function exitCodeOf(error: unknown): number {
  return error instanceof ConfigError ? 2 : 1
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message
  return String(error)
}

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
        output.err(`aim: ${errorMessage(failure.value)}`)
        return Effect.succeed(exitCodeOf(failure.value))
      }
      const defect = Cause.squash(cause)
      output.err(`aim: internal error: ${errorMessage(defect)}`)
      if (debug && defect instanceof Error && defect.stack) output.err(defect.stack)
      else output.err("Run again with --debug for details, and report it if it persists.")
      return Effect.succeed(1)
    }),
  )

export function engineLayer(config: Config): Layer.Layer<Engine, EngineFailed | ConfigError> | ConfigError {
  const entry = findEngine(config.engine)
  if (!entry) {
    return new ConfigError({
      source: config.file ?? "--engine",
      reason: `unknown engine "${config.engine}" (this version of aim supports: ${knownEngines.join(", ")})`,
    })
  }
  return entry.layer(config.engine, config)
}

/** Load the project and run `work` with its engine; the result is the process exit code. */
export function projectCommand(
  context: CommandContext,
  work: (config: Config, output: Output) => Effect.Effect<number, unknown, Engine>,
  options: { requireFile?: boolean } = {},
): Effect.Effect<number> {
  const output = makeOutput({
    quiet: context.args.quiet === true,
    color: context.args.color as boolean | undefined,
  })
  const flags = { ...toConfigFlags(context.args, context.rawArgs), env: envValues(context.rawArgs) }
  const program = Effect.gen(function* () {
    const config = yield* loadConfig(String(context.args.dir ?? "."), flags, options.requireFile ?? true)
    applyEnvironment(config)
    const layer = engineLayer(config)
    if (layer instanceof ConfigError) return yield* layer
    const progress = {
      phase: (name: string, millis: number, detail?: string) => {
        if (output.progress)
          output.err(dim(output.color, `  ${name.padEnd(9)} ${detail ?? ""} (${Math.round(millis)} ms)`))
      },
    }
    const withEngine = Effect.gen(function* () {
      const engine = yield* Engine
      if (output.progress) output.err(dim(output.color, `  engine    ${engine.description}`))
      return yield* work(config, output)
    })
    return yield* withEngine.pipe(Effect.provide(layer), Effect.provideService(Progress, progress))
  })
  return reportFailures(program, output, context.args.debug === true)
}
