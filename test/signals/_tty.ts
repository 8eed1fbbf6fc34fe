/**
 * _tty: spawn the CLI on a pseudo-terminal (so it prints its phase lines) and check what a
 * signalled run left behind. Shared by the signal suites; holds nothing between calls.
 */
import { expect } from "bun:test"
import { readdirSync } from "node:fs"
import { join } from "node:path"
import {
  mariadbLeftSince,
  type PgRole,
  pgDatabasesOf,
  processesUsing,
  type Sandbox,
  sandboxEnv,
  snapshotTree,
} from "../bad-input/_harness.ts"
import { CLI, STACK_FRAME } from "../e2e/_cli.ts"

export type Signal = "SIGINT" | "SIGTERM"
export const codeOf = (signal: Signal) => (signal === "SIGINT" ? 130 : 143)

export interface TtyRun {
  readonly pid: number
  /** Everything the run wrote to its terminal so far, escape sequences and carriage returns removed. */
  readonly output: () => string
  /** Resolves when the output matches `pattern`; rejects after `millis`. */
  readonly waitFor: (pattern: RegExp, millis?: number) => Promise<void>
  /** Types `text` at the run's terminal, as a user at the keyboard would. */
  readonly type: (text: string) => void
  readonly exited: Promise<number>
}

export function spawnOnTty(
  box: Sandbox,
  args: ReadonlyArray<string>,
  env: Record<string, string | undefined>,
): TtyRun {
  let text = ""
  const decoder = new TextDecoder()
  const proc = Bun.spawn([process.execPath, CLI, ...args], {
    cwd: box.project,
    env: sandboxEnv(box, env),
    terminal: {
      cols: 200,
      data: (_term, data) => {
        // Spinner frames end in "\r" or erase the line (CSI 2K): both become line breaks.
        text += decoder
          .decode(data, { stream: true })
          .replace(/\u001b\[2K|\r/g, "\n")
          .replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "")
      },
    },
  })
  const exited = proc.exited
  return {
    pid: proc.pid,
    output: () => text,
    type: (input) => {
      proc.terminal?.write(input)
    },
    exited,
    waitFor: async (pattern, millis = 120_000) => {
      const deadline = Date.now() + millis
      let done = false
      exited.then(() => {
        done = true
      })
      while (!pattern.test(text)) {
        if (done) throw new Error(`the run ended before ${pattern}:\n${text}`)
        if (Date.now() > deadline) throw new Error(`no ${pattern} within ${millis} ms:\n${text}`)
        await Bun.sleep(20)
      }
    },
  }
}

/** What a signalled run must leave: a complete migration or none, nothing else. */
export async function expectCleanStop(
  box: Sandbox,
  run: TtyRun,
  signal: Signal,
  before: Record<string, string>,
  options: { mayComplete?: boolean; role?: PgRole; mariadbBefore?: Set<string> } = {},
) {
  const signalled = performance.now()
  const code = await run.exited
  const latency = Math.round(performance.now() - signalled)
  const output = run.output()
  const context = `exit ${code} after ${latency} ms\n${output}`
  expect(output, context).not.toMatch(STACK_FRAME)
  expect(output, context).not.toContain("internal error")
  const files = readdirSync(join(box.project, "migrations"))
  const added = files.filter((f) => before[`migrations/${f}`] === undefined)
  if (options.mayComplete && added.length > 0) {
    // The run got to its write before the signal was handled: the whole migration, UP and DOWN,
    // is there (the exit code is then 0, or the signal's when it came between write and exit).
    expect([0, codeOf(signal)], context).toContain(code)
    expect(added.filter((f) => f.endsWith(".up.sql")).length, context).toBe(1)
    expect(added.filter((f) => f.endsWith(".down.sql")).length, context).toBe(1)
    expect(added.length, context).toBe(2)
  } else {
    expect(code, context).toBe(codeOf(signal))
    expect(snapshotTree(box.project), context).toEqual(before)
  }
  expect(
    added.filter((f) => f.includes(".aim-")),
    context,
  ).toEqual([])
  expect(readdirSync(box.project)).not.toContain(".aim.lock")
  expect(readdirSync(box.tmp), context).toEqual([])
  expect(processesUsing(box.tmp), context).toEqual([])
  if (options.role) expect(await pgDatabasesOf(options.role), context).toEqual([])
  if (options.mariadbBefore) expect(await mariadbLeftSince(options.mariadbBefore), context).toEqual([])
  // A stopped run says in one line what its clean-up did ("interrupted; removed 2 throwaway databases").
  const said = output.split("\n").filter((l) => /^(interrupted|terminated); /.test(l.trim()))
  if (code === codeOf(signal)) {
    expect(said, context).toHaveLength(1)
    expect(said[0]?.trim(), context).toStartWith(signal === "SIGINT" ? "interrupted; " : "terminated; ")
  } else expect(said, context).toEqual([])
  return { code, latency, said: said[0]?.trim() }
}

/** End a run a failed test left behind, so it cannot write into a sandbox being removed. */
export async function stopRun(run: TtyRun | undefined) {
  if (!run) return
  try {
    process.kill(run.pid, "SIGKILL")
  } catch {}
  await run.exited
}

/**
 * Signal the run; false when it had already exited (on a loaded machine the test may see a phase
 * line only after the run finished). The caller then checks "complete or nothing" only.
 */
export function sendSignal(run: TtyRun, signal: Signal): boolean {
  try {
    process.kill(run.pid, signal)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") {
      console.warn(
        `signals: the run ended before ${signal} could be sent; only "complete or nothing" is checked`,
      )
      return false
    }
    throw error
  }
}
