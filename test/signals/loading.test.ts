/**
 * A signal while aim is still loading (the first few hundred milliseconds, before the command runs):
 * cli.ts records it and aim exits 130 / 143 having touched nothing. In a file of its own so the
 * heavier signal suites do not slow the test process down and the signal lands while aim loads.
 */
import { describe, setDefaultTimeout, test } from "bun:test"
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
        run = spawnOnTty(box, ["generate"], {})
        await Bun.sleep(30)
        process.kill(run.pid, signal)
        await expectCleanStop(box, run, signal, before)
      } finally {
        await stopRun(run)
        disposeSandbox(box)
      }
    })
  }
})
