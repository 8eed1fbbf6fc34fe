/**
 * _ask: the questions aim asks on a terminal (is this a rename?), one line each on stderr, the
 * answer read from stdin. Only when stdin and stderr are both terminals, no --json was given and
 * the environment does not say CI: off a terminal aim never asks. Holds a line reader only while a question waits; Ctrl-C there is
 * the terminal's own (the process gets SIGINT and cleans up as anywhere else), and end of input
 * (Ctrl-D) is a no.
 */
import { createInterface } from "node:readline"
import { Effect } from "effect"
import type { RenameQuestions } from "../steps/renames.ts"
import type { Output } from "./_output.ts"

/** Whether the environment says this is a CI run (`CI` set, as CI services set it, and not to false). */
const inCi = () => {
  const ci = process.env.CI?.trim().toLowerCase()
  return ci !== undefined && ci !== "" && ci !== "false" && ci !== "0"
}

/** The questions of this run, or undefined when aim must not ask. */
export function terminalQuestions(output: Output): RenameQuestions | undefined {
  if (output.json || inCi() || !process.stdin.isTTY || !process.stderr.isTTY) return undefined
  return {
    confirm: (question) =>
      Effect.callback<boolean>((resume) => {
        // Not in raw mode: the terminal echoes the answer and turns Ctrl-C into SIGINT.
        const reader = createInterface({ input: process.stdin, output: process.stderr, terminal: false })
        let answered = false
        reader.question(`${question} `, (answer) => {
          answered = true
          reader.close()
          resume(Effect.succeed(/^\s*y(es)?\s*$/i.test(answer)))
        })
        reader.once("close", () => {
          if (!answered) resume(Effect.succeed(false))
        })
        return Effect.sync(() => reader.close())
      }),
    say: (line) => output.err(line),
  }
}
