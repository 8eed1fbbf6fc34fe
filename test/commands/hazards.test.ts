import { describe, expect, test } from "bun:test"
import { formatHazard, formatProvenEmpty, hazardDocument } from "../../commands/_hazards.ts"
import type { DataHazard } from "../../model/hazards.ts"
import type { ProbedHazard, ProbeOutcome } from "../../steps/probe.ts"

const hazard = (more: Partial<DataHazard> = {}): DataHazard => ({
  kind: "check",
  change: "add check check (qty > 0) on ck",
  table: "ck",
  columns: ["qty"],
  condition: "NOT (qty > 0)",
  check: "SELECT count(*) FROM ck WHERE NOT (qty > 0)",
  enforced: true,
  breaking: {},
  fitting: {},
  ...more,
})
const probed = (outcome: ProbeOutcome, more: Partial<DataHazard> = {}): ProbedHazard => ({
  hazard: hazard(more),
  outcome,
  detail: "the database said so",
})

describe("a hazard on the terminal and in --json", () => {
  test("one line: the rows, the change, what UP does, and the query that counts them", () => {
    expect(formatHazard(probed("up-fails"), false)).toBe(
      "hazard: rows where NOT (qty > 0) (add check check (qty > 0) on ck): UP fails while such rows exist; count them: SELECT count(*) FROM ck WHERE NOT (qty > 0);",
    )
  })

  test("rows altered, lost, or kept against a constraint the schema now declares are warnings", () => {
    const warned = (p: ProbedHazard) => formatHazard(p, false).startsWith("warning: hazard:")
    expect(warned(probed("values-change", { enforced: false }))).toBe(true)
    expect(warned(probed("rows-lost"))).toBe(true)
    expect(warned(probed("kept"))).toBe(true)
    // A declared length SQLite never enforces: kept, and said, but no warning.
    expect(warned(probed("kept", { enforced: false }))).toBe(false)
    expect(warned(probed("up-fails"))).toBe(false)
    expect(formatHazard(probed("unprobed"), false)).toContain("not probed (the database said so)")
  })

  test("every row, for a NOT NULL column added without a default; the JSON document's keys", () => {
    const every = probed("up-fails", { condition: "1 = 1", check: "SELECT count(*) FROM t", table: "t" })
    expect(formatHazard(every, false)).toStartWith("hazard: every row of t (")
    expect(formatProvenEmpty({ table: "t", conditions: ["1 = 1"] }, [every.hazard])).toBe(
      "note: t is proven only empty: no sample row fits both versions (add check check (qty > 0) on ck: every row of t breaks it)",
    )
    expect(Object.keys(hazardDocument(every))).toEqual([
      "table",
      "columns",
      "condition",
      "outcome",
      "check",
      "change",
      "detail",
    ])
  })
})
