/**
 * Sample rows fit both versions of the schema, on every engine and backend this machine has: a
 * change real rows can pass (NOT NULL, a CHECK naming its values, UNIQUE, a foreign key to an
 * existing table, a narrowed varchar, a removed ENUM label) verifies with rows in every table
 * instead of being refused because of aim's own rows; a table where no row fits both versions (a
 * NOT NULL column added without a default) is proven empty and named, except on MySQL-family
 * servers, which give such a column an implicit value instead of failing.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test"
import { Effect, ManagedRuntime } from "effect"
import type { Engine } from "../../engines/engine.ts"
import { verify } from "../../steps/verify.ts"
import { type TestBackend, testBackends } from "../engines/_backends.ts"
import { fitting, verified } from "./_hazard-cases.ts"

setDefaultTimeout(120_000)

const backends = await testBackends()
for (const b of backends)
  if (b.skip) console.warn(`skipped: rows that fit both versions on ${b.name}: ${b.skip}`)

function suite(backend: TestBackend) {
  let runtime: ManagedRuntime.ManagedRuntime<Engine, unknown>
  beforeAll(() => {
    runtime = ManagedRuntime.make(backend.layer())
  })
  afterAll(() => runtime.dispose())

  test("a change real rows can pass verifies with rows in every table, none refused", async () => {
    const { from, to } = fitting[backend.family]
    const { report } = await runtime.runPromise(verified(from, to))
    expect(report.seed.provenEmpty).toEqual([])
    expect(report.seed.skipped).toEqual([])
    const rows = Object.fromEntries(report.seed.seeded.map((s) => [s.table, s.rows]))
    for (const table of ["nn", "ck", "uq", "fk", "nw"])
      expect({ table, rows: rows[table] }).toEqual({ table, rows: 3 })
    expect(report.hazards.length).toBeGreaterThanOrEqual(5)
  })

  test("a NOT NULL column that may be a renamed one: a rename is proven with rows, the planner's drop and add on none", async () => {
    const from = "CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL);"
    const to = "CREATE TABLE t (id INT PRIMARY KEY, full_name VARCHAR(20) NOT NULL);"
    const { planned, renamed } = await runtime.runPromise(
      Effect.gen(function* () {
        const v = yield* verified(from, to)
        const rename = {
          up: "ALTER TABLE t RENAME COLUMN name TO full_name;",
          down: "ALTER TABLE t RENAME COLUMN full_name TO name;",
          notes: [],
        }
        const renamed = yield* verify(rename, { history: v.history, current: v.current, desired: v.desired })
        return { planned: v.report, renamed }
      }),
    )
    expect(renamed.seed.seeded).toEqual([{ table: "t", rows: 3 }])
    expect(renamed.seed.provenEmpty).toEqual([])
    if (backend.family !== "mariadb") {
      expect(planned.seed.provenEmpty).toEqual([{ table: "t", conditions: ["1 = 1"] }])
    }
  })

  test("a NOT NULL column added without a default: the table is proven empty and named", async () => {
    const { report } = await runtime.runPromise(
      verified(
        "CREATE TABLE kept (id INT PRIMARY KEY); CREATE TABLE t (id INT PRIMARY KEY);",
        "CREATE TABLE kept (id INT PRIMARY KEY); CREATE TABLE t (id INT PRIMARY KEY, code INT NOT NULL);",
      ),
    )
    const tables = report.seed.seeded.map((s) => s.table)
    if (backend.family === "mariadb") {
      // The server gives the column its implicit 0 instead of failing: the rows stay.
      expect(report.seed.provenEmpty).toEqual([])
      expect(tables).toContain("t")
    } else {
      expect(report.seed.provenEmpty).toEqual([{ table: "t", conditions: ["1 = 1"] }])
      expect(tables).toEqual(["kept"])
    }
  })
}

for (const backend of backends)
  describe.skipIf(backend.skip !== undefined)(`rows that fit both versions: ${backend.name}`, () =>
    suite(backend),
  )
