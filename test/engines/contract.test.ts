/**
 * The contract suite: every engine and backend this machine has runs the same change cases
 * (_contract-cases.ts) through the steps of `aim generate` (_steps-case.ts): plan, verify UP on a
 * database holding rows, DOWN back. A backend that cannot run here is skipped, and says why; a case
 * written for other families does not run on it. So no engine falls behind another without a test
 * saying so. One engine layer per backend serves all its cases (a local cluster starts once).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test"
import { ManagedRuntime } from "effect"
import { type TestBackend, testBackends } from "./_backends.ts"
import { contractCases } from "./_contract-cases.ts"
import { caseOutcome, runThroughSteps } from "./_steps-case.ts"

// Throwaway databases on shared servers, and a local cluster's first start, take seconds.
setDefaultTimeout(120_000)

const backends = await testBackends()
for (const b of backends) if (b.skip) console.warn(`skipped: contract cases on ${b.name}: ${b.skip}`)

function contract(backend: TestBackend) {
  let runtime: ManagedRuntime.ManagedRuntime<unknown, unknown> | undefined
  beforeAll(() => {
    runtime = ManagedRuntime.make(backend.layer()) as ManagedRuntime.ManagedRuntime<unknown, unknown>
  })
  afterAll(async () => {
    await runtime?.dispose()
  })
  for (const c of contractCases) {
    const from = c.from[backend.family]
    const to = c.to[backend.family]
    if (from === undefined || to === undefined) continue
    test(c.name, async () => {
      const exit = await (runtime as ManagedRuntime.ManagedRuntime<unknown, unknown>).runPromiseExit(
        runThroughSteps({ current: from, desired: to, renames: c.renames }) as never,
      )
      const outcome = caseOutcome(exit as never)
      if (outcome.kind !== "pass")
        throw new Error(
          `${outcome.reason}\n${"detail" in outcome ? outcome.detail : ""}\nUP:\n${outcome.kind === "fail" ? (outcome.candidate?.up ?? "") : ""}`,
        )
      const up = outcome.candidate?.up ?? ""
      expect(up).not.toBe("")
      for (const pattern of c.neither ?? []) {
        expect(up).not.toMatch(pattern)
        expect(outcome.candidate?.down ?? "").not.toMatch(pattern)
      }
      let at = 0
      for (const pattern of c.upInOrder ?? []) {
        const found = up.slice(at).search(pattern)
        if (found === -1) throw new Error(`UP lacks ${pattern} after offset ${at}:\n${up}`)
        at += found + 1
      }
    })
  }
}

for (const backend of backends)
  describe.skipIf(backend.skip !== undefined)(`contract: ${backend.name}`, () => contract(backend))
