/**
 * Hazard probes on every engine and backend this machine has: UP runs once more for each hazard on
 * a copy holding a row that breaks it, and the outcome says what UP did: refused it (NOT NULL, a
 * CHECK, a key, a foreign key, a narrowed type, a removed ENUM label), changed its values (SQLite's
 * affinity, a rounding numeric), kept it where the engine enforces nothing (SQLite's declared
 * lengths), or lost it (an UP that deletes the rows it cannot take).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test"
import { Effect, ManagedRuntime } from "effect"
import type { Engine } from "../../engines/engine.ts"
import { probeHazards } from "../../steps/probe.ts"
import { type EngineFamily, type TestBackend, testBackends } from "../engines/_backends.ts"
import { fitting, verified } from "./_hazard-cases.ts"

setDefaultTimeout(120_000)

const refused = { nn: "up-fails", ck: "up-fails", uq: "up-fails", fk: "up-fails" }
/** What UP does with each table's breaking row (`fitting` in _hazard-cases.ts). */
const outcomes: Record<EngineFamily, Record<string, string>> = {
  // SQLite records a declared length and enforces none.
  sqlite: { ...refused, nw: "kept" },
  postgres: { ...refused, nw: "up-fails", en: "up-fails" },
  mariadb: { ...refused, nw: "up-fails", en: "up-fails" },
}

/** A type change whose rows come out with other values, per family. */
const altering: Record<EngineFamily, { from: string; to: string }> = {
  sqlite: {
    from: "CREATE TABLE t (id INTEGER PRIMARY KEY, n TEXT);",
    to: "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER);",
  },
  postgres: {
    from: "CREATE TABLE t (id int PRIMARY KEY, n numeric(10,3));",
    to: "CREATE TABLE t (id int PRIMARY KEY, n numeric(10,2));",
  },
  mariadb: {
    from: "CREATE TABLE t (id int PRIMARY KEY, n decimal(10,3));",
    to: "CREATE TABLE t (id int PRIMARY KEY, n decimal(10,2));",
  },
}

const backends = await testBackends()
for (const b of backends) if (b.skip) console.warn(`skipped: hazard probes on ${b.name}: ${b.skip}`)

function suite(backend: TestBackend) {
  let runtime: ManagedRuntime.ManagedRuntime<Engine, unknown>
  beforeAll(() => {
    runtime = ManagedRuntime.make(backend.layer())
  })
  afterAll(() => runtime.dispose())
  /** Plan and verify the change, then probe its hazards; `up` may rewrite the planner's UP. */
  const probe = (from: string, to: string, up: (planned: string) => string = (u) => u) =>
    runtime.runPromise(
      Effect.gen(function* () {
        const v = yield* verified(from, to)
        const candidate = { ...v.candidate, up: up(v.candidate.up) }
        const probed = yield* probeHazards(candidate, v.report.hazards, {
          history: v.history,
          current: v.current,
          desired: v.desired,
        })
        return { report: v.report, probed }
      }),
    )

  test("a row that breaks each change: UP refuses it, or keeps it where nothing is enforced", async () => {
    const { from, to } = fitting[backend.family]
    const { probed } = await probe(from, to)
    const byTable: Record<string, string> = {}
    for (const p of probed)
      byTable[p.hazard.table] = [
        ...new Set([...(byTable[p.hazard.table]?.split(",") ?? []), p.outcome]),
      ].join(",")
    expect(byTable).toEqual(outcomes[backend.family])
    // Each refusal is the database's own message about that row ("Data truncated for column 'note'"
    // on MariaDB, "contains null values" on PostgreSQL, "NOT NULL constraint failed: nn.note" on SQLite).
    const notNull = probed.find((p) => p.hazard.table === "nn")
    expect(notNull?.detail).toMatch(/note/i)
  })

  test("a type change that alters values: values-change, with the row before and after", async () => {
    const { from, to } = altering[backend.family]
    const change = (await probe(from, to)).probed.find((p) => p.outcome === "values-change")
    expect(change).toBeDefined()
    expect(change?.detail).toContain("became")
  })

  test("an UP that deletes the rows it cannot take: rows-lost, never a failure of the run", async () => {
    const { probed } = await probe(
      "CREATE TABLE t (id INT PRIMARY KEY, note VARCHAR(20));",
      "CREATE TABLE t (id INT PRIMARY KEY, note VARCHAR(20) NOT NULL);",
      (up) => `DELETE FROM t WHERE note IS NULL;\n${up}`,
    )
    expect(probed.map((p) => [p.hazard.condition.replaceAll("`", ""), p.outcome])).toEqual([
      ["t.note IS NULL", "rows-lost"],
    ])
  })

  test.skipIf(backend.family !== "postgres")(
    "a CHECK on a function the change creates: the table keeps its rows, the hazard is unprobed with why",
    async () => {
      const { report, probed } = await probe(
        "CREATE TABLE t (a integer);",
        "CREATE FUNCTION positive(x integer) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT x > 0'; CREATE TABLE t (a integer CHECK (positive(a)));",
      )
      expect(report.seed.seeded).toEqual([{ table: "t", rows: 3 }])
      expect(probed.map((p) => p.outcome)).toEqual(["unprobed"])
      expect(probed[0]?.detail).toContain("does not run before the change")
    },
  )
}

for (const backend of backends)
  describe.skipIf(backend.skip !== undefined)(`hazard probes: ${backend.name}`, () => suite(backend))
