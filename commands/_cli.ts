/**
 * _cli: the command line, behind the entry in cli.ts. Parse it with citty, refuse unknown commands
 * and flags with exit code 2, then run the command's program under NodeRuntime.runMain, which
 * interrupts it on SIGINT/SIGTERM so every scope (throwaway databases, servers, temp files) closes
 * before the process exits with 130 (SIGINT) or 143 (SIGTERM).
 */
// The subpath, not the package barrel: the barrel also loads Redis, WebSocket and socket modules
// aim never uses, about 200 ms of every start.
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { type ArgsDef, type CommandDef, renderUsage, runCommand } from "citty"
import { Effect, Exit } from "effect"
import pkg from "../package.json" with { type: "json" }
import { auth } from "./auth.ts"
import { diff } from "./diff.ts"
import { generate } from "./generate.ts"
import { init } from "./init.ts"
import { rules } from "./rules.ts"
import { validate } from "./validate.ts"
import { describeRemovals, removalsSoFar } from "../engines/removals.ts"
import type { EarlySignals } from "./_early-signals.ts"

// biome-ignore lint/suspicious/noExplicitAny: citty's command types are invariant in their args.
const commands: Record<string, CommandDef<any>> = { init, diff, generate, validate, rules, auth }

const main = {
  meta: {
    name: "aim",
    version: pkg.version,
    description: "Write SQL migrations from schema.sql and prove them before they touch disk",
  },
  subCommands: commands,
}

/** citty's usage text, plain on a pipe or with NO_COLOR. */
// biome-ignore lint/suspicious/noExplicitAny: citty's command types are invariant in their args.
async function printUsage(
  command: CommandDef<any>,
  parent: CommandDef<any> | undefined,
  stream: NodeJS.WriteStream,
) {
  // citty pads every column to the widest; the padding of the last column is trailing space.
  const text = (await renderUsage(command, parent)).replace(/[ \t]+((?:\u001b\[[0-9;]*m)*)$/gm, "$1")
  const plain = !stream.isTTY || process.env.NO_COLOR !== undefined
  stream.write(`${plain ? text.replace(/\u001b\[[0-9;]*m/g, "") : text}\n`)
}

function usageError(message: string, command?: string, rawArgs: ReadonlyArray<string> = []): never {
  process.stderr.write(`aim: ${message}\nRun \`aim ${command ? `${command} ` : ""}--help\` for usage.\n`)
  // A tool that asked for JSON gets its error document even when the command line itself is wrong.
  if (rawArgs.includes("--json"))
    process.stdout.write(
      `${JSON.stringify({ error: { tag: "UsageError", message }, exitCode: 2 }, null, 2)}\n`,
    )
  process.exit(2)
}

/** Flags citty would silently accept: anything not declared (with its --no- form for booleans). */
function unknownFlag(rawArgs: ReadonlyArray<string>, args: ArgsDef): string | undefined {
  const known = new Set<string>()
  for (const [name, def] of Object.entries(args)) {
    known.add(name)
    if (def.type === "boolean") known.add(`no-${name}`)
    const alias = "alias" in def ? def.alias : undefined
    for (const a of alias === undefined ? [] : Array.isArray(alias) ? alias : [alias]) known.add(a)
  }
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i] as string
    if (arg === "--") break
    const match = /^--?([^=]+)(=?)/.exec(arg)
    if (!match || /^-\d/.test(arg)) continue
    const name = match[1] as string
    if (!known.has(name)) return arg
    // The next word is this flag's value, even when it starts with "-" (`--name ---`).
    const def = args[name] ?? Object.values(args).find((d) => "alias" in d && [d.alias].flat().includes(name))
    if (def?.type === "string" && match[2] === "") i++
  }
  return undefined
}

export type { EarlySignals } from "./_early-signals.ts"

/** What an entry adds around every command's program (the binary provides PGlite's embedded files). */
export interface RunOptions {
  readonly provide?: (program: Effect.Effect<number>) => Effect.Effect<number>
}

const exitCodeOfSignal = (signal: "SIGINT" | "SIGTERM") => (signal === "SIGTERM" ? 143 : 130)

export async function run(rawArgs: string[], early: EarlySignals, options: RunOptions = {}) {
  const [name, ...rest] = rawArgs
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    // Without a command it is bad usage: the usage goes to stderr, with exit code 2.
    await printUsage(main, undefined, name === undefined ? process.stderr : process.stdout)
    process.exit(name === undefined ? 2 : 0)
  }
  if (name === "--version" || name === "-v") {
    process.stdout.write(`${pkg.version}\n`)
    return
  }
  const command = commands[name]
  if (!command)
    usageError(`unknown command "${name}" (commands: ${Object.keys(commands).join(", ")})`, undefined, rest)
  if (rest.includes("--help") || rest.includes("-h")) {
    await printUsage(command, main, process.stdout)
    return
  }
  const unknown = unknownFlag(rest, (command.args ?? {}) as ArgsDef)
  if (unknown) usageError(`unknown option "${unknown}" for "aim ${name}"`, name, rest)
  let program: Effect.Effect<number>
  try {
    program = (await runCommand(command, { rawArgs: rest })).result as Effect.Effect<number>
  } catch (error) {
    usageError(
      error instanceof Error ? error.message.replace(/\u001b\[[0-9;]*m/g, "") : String(error),
      name,
      rest,
    )
  }
  // A signal that came while aim was loading is dispatched to cli.ts's listener only on a turn of the
  // event loop; without this turn it would arrive after runMain, once a quick (synchronous) command
  // had already finished, and be lost.
  await new Promise((resolve) => setImmediate(resolve))
  const before = early.received()
  if (before) {
    process.stderr.write(`${before === "SIGTERM" ? "terminated" : "interrupted"}; nothing to clean up\n`)
    process.exit(exitCodeOfSignal(before))
  }
  // The first signal decides the exit code; what is removed from then on is the clean-up it caused.
  let signalCode: number | undefined
  let atSignal = removalsSoFar()
  for (const signal of ["SIGINT", "SIGTERM"] as const)
    process.once(signal, () => {
      if (signalCode !== undefined) return
      signalCode = exitCodeOfSignal(signal)
      atSignal = removalsSoFar()
    })
  NodeRuntime.runMain(options.provide ? options.provide(program) : program, {
    disableErrorReporting: true,
    teardown: (exit, onExit) => {
      if (Exit.isSuccess(exit) || !Exit.hasInterrupts(exit))
        return onExit(Exit.isSuccess(exit) ? Number(exit.value) : 1)
      // Every scope has closed: say in one line what the clean-up removed.
      const code = signalCode ?? 130
      process.stderr.write(
        `${code === 143 ? "terminated" : "interrupted"}; ${describeRemovals(atSignal, removalsSoFar())}\n`,
      )
      onExit(code)
    },
  })
  // runMain now listens for SIGINT/SIGTERM itself.
  early.release()
}
