/**
 * A signal while aim is still loading (the first few hundred milliseconds, before the command runs):
 * cli.ts records it and aim exits 130 / 143 having touched nothing. In a file of its own so the
 * heavier signal suites do not slow the test process down and the signal lands while aim loads.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test"
import {
  disposeSandbox,
  longHistory,
  makeSandbox,
  snapshotTree,
  writeProject,
} from "../bad-input/_harness.ts"
import { codeOf, expectCleanStop, type Signal, spawnOnTty, stopRun, type TtyRun } from "./_tty.ts"

setDefaultTimeout(60_000)

const signals: ReadonlyArray<Signal> = ["SIGINT", "SIGTERM"]

describe("a signal while aim is loading", () => {
  for (const signal of signals) {
    test(`${signal}: exits ${codeOf(signal)} having touched nothing`, async () => {
      const box = makeSandbox("aim-sig-")
      let run: TtyRun | undefined
      try {
        writeProject(box, { "aim.toml": 'engine = "sqlite"\n', ...longHistory(3) })
        const before = snapshotTree(box.project)
        // Loading takes a few hundred milliseconds; a signal that comes before the runtime has
        // started aim's entry ends the process by the runtime's own handler (nothing of aim ran, so
        // nothing is touched and nothing said). On a busy machine that start can take longer than
        // the first delay, so later tries wait longer; one of them must land in aim's loading.
        for (const delay of [30, 80, 150]) {
          run = spawnOnTty(box, ["generate"], {})
          await Bun.sleep(delay)
          process.kill(run.pid, signal)
          const code = await run.exited
          const beforeEntry = code === codeOf(signal) && run.output().trim() === ""
          if (!beforeEntry) break
          expect(snapshotTree(box.project)).toEqual(before)
          console.log(`signals: ${signal} after ${delay} ms came before aim's entry; trying later`)
        }
        if (!run) throw new Error("no run")
        await expectCleanStop(box, run, signal, before)
      } finally {
        await stopRun(run)
        disposeSandbox(box)
      }
    })
  }
})
