#!/usr/bin/env bun
/**
 * cli: the thin front. Parse the command line with citty, refuse unknown commands and flags with
 * exit code 2, then run the command's program under NodeRuntime.runMain, which interrupts it on
 * SIGINT/SIGTERM so every scope (throwaway databases, temp files) closes before the process exits.
 */
import { NodeRuntime } from "@effect/platform-node"
import { type ArgsDef, type CommandDef, runCommand, showUsage } from "citty"
import { Effect, Exit } from "effect"
import pkg from "./package.json" with { type: "json" }
import { diff } from "./commands/diff.ts"
import { generate } from "./commands/generate.ts"
import { init } from "./commands/init.ts"
import { validate } from "./commands/validate.ts"

// biome-ignore lint/suspicious/noExplicitAny: citty's command types are invariant in their args.
const commands: Record<string, CommandDef<any>> = { init, diff, generate, validate }

const main = {
  meta: {
    name: "aim",
    version: pkg.version,
    description: "Write SQL migrations from schema.sql and prove them before they touch disk",
  },
  subCommands: commands,
}

function usageError(message: string, command?: string): never {
  process.stderr.write(`aim: ${message}\nRun \`aim ${command ? `${command} ` : ""}--help\` for usage.\n`)
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
  for (const arg of rawArgs) {
    if (arg === "--") break
    const match = /^--?([^=]+)/.exec(arg)
    if (!match || /^-\d/.test(arg)) continue
    if (!known.has(match[1] as string)) return arg
  }
  return undefined
}

async function run(rawArgs: string[]) {
  const [name, ...rest] = rawArgs
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    await showUsage(main)
    process.exit(name === undefined ? 2 : 0)
  }
  if (name === "--version" || name === "-v") {
    process.stdout.write(`${pkg.version}\n`)
    return
  }
  const command = commands[name]
  if (!command) usageError(`unknown command "${name}" (commands: ${Object.keys(commands).join(", ")})`)
  if (rest.includes("--help") || rest.includes("-h")) {
    await showUsage(command, main)
    return
  }
  const unknown = unknownFlag(rest, (command.args ?? {}) as ArgsDef)
  if (unknown) usageError(`unknown option "${unknown}" for "aim ${name}"`, name)
  let program: Effect.Effect<number>
  try {
    program = (await runCommand(command, { rawArgs: rest })).result as Effect.Effect<number>
  } catch (error) {
    usageError(error instanceof Error ? error.message.replace(/\u001b\[[0-9;]*m/g, "") : String(error), name)
  }
  let signalCode = 130
  process.once("SIGTERM", () => {
    signalCode = 143
  })
  NodeRuntime.runMain(program, {
    disableErrorReporting: true,
    teardown: (exit, onExit) =>
      onExit(Exit.isSuccess(exit) ? Number(exit.value) : Exit.hasInterrupts(exit) ? signalCode : 1),
  })
}

await run(process.argv.slice(2))
