/**
 * The conformance runner judges a case alike on every backend it runs on: through the engine layer
 * and the steps of `aim generate` (engineRunner), for the url backend (the machine's PostgreSQL 15)
 * and for embedded PGlite (PostgreSQL 18, whose catalog keeps NOT NULL in pg_constraint). Small
 * inline cases, one per outcome, so no corpus is needed.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test"
import { engineRunner, type PgCase } from "../../conformance/postgres.ts"
import { pgAnswers } from "../../_servers.ts"

// Three throwaway databases a case; creating one on a busy shared server takes a second or more.
setDefaultTimeout(120_000)

const make = (name: string, current: string, desired: string, skip?: string): PgCase => ({
  suite: "psqldef",
  name,
  file: "inline",
  current,
  desired,
  skip,
})

const cases: ReadonlyArray<[PgCase, string]> = [
  [
    make("add column", "CREATE TABLE t (a int);", "CREATE TABLE t (a int, b text NOT NULL DEFAULT '');"),
    "pass",
  ],
  [make("nothing to do", "CREATE TABLE t (a int);", "CREATE TABLE t (a int);"), "pass"],
  [
    make(
      "move not null",
      "CREATE TABLE t (a int NOT NULL, b int);",
      "CREATE TABLE t (a int, b int NOT NULL);",
    ),
    "pass",
  ],
  // DOWN adds back a NOT NULL column UP dropped, with no value for the rows it kept: DOWN fails.
  [
    make("a dropped NOT NULL column", "CREATE TABLE t (a int, b int NOT NULL);", "CREATE TABLE t (a int);"),
    "fail",
  ],
  [
    make(
      "named not null and check",
      "CREATE TABLE t (a int CONSTRAINT a_nn NOT NULL, b int CHECK (b > 0));",
      "CREATE TABLE t (a int NOT NULL, b int CHECK (b > 0) NOT NULL);",
    ),
    "pass",
  ],
  [
    make("current does not load", "CREATE TABLE t (a no_such_type);", "CREATE TABLE t (a int);"),
    "not-applicable",
  ],
  [make("desired does not load", "", "CREATE TABLE t (a int REFERENCES missing (id));"), "not-applicable"],
  [make("sqldef option", "", "CREATE TABLE t (a int);", "flavor test"), "skipped"],
]

const hasServer = await pgAnswers()
if (!hasServer)
  console.warn("skipped: conformance outcomes on the url backend, no server answers at 127.0.0.1:5432")

describe("conformance: every backend classifies a case alike", () => {
  for (const backend of ["url", "embedded"] as const) {
    describe.skipIf(backend === "url" && !hasServer)(`backend ${backend}`, () => {
      let runner: Awaited<ReturnType<typeof engineRunner>>
      beforeAll(async () => {
        // Embedded runs postgres-18, whose catalog keeps NOT NULL in pg_constraint.
        runner = await engineRunner(backend, backend === "embedded" ? "postgres-18" : "postgres-17")
      })
      afterAll(() => runner?.close())

      test("every outcome", async () => {
        expect(runner.version).toMatch(/^\d+\.\d+/)
        for (const [c, kind] of cases) {
          const outcome = await runner.run(c)
          expect([c.name, outcome.kind, "reason" in outcome ? outcome.reason : ""]).toEqual([
            c.name,
            kind,
            expect.any(String),
          ])
          if (kind === "not-applicable" && "reason" in outcome)
            expect(outcome.reason).toStartWith(c.name.startsWith("current") ? "current" : "desired")
        }
      })
    })
  }
})
