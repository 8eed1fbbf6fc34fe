/**
 * _hazards: how a probed hazard reads: on the terminal one line under the verification line (the
 * rows that break the change, what UP does with them, and the query that counts them on a real
 * database), and in --json one object. Outcomes that alter or lose rows are warnings.
 */
import type { DataHazard } from "../model/hazards.ts"
import { isWarning, type ProbedHazard, type ProbeOutcome } from "../steps/probe.ts"
import { yellow } from "./_output.ts"

const verdicts: Record<ProbeOutcome, string> = {
  "up-fails": "UP fails while such rows exist",
  "values-change": "UP changes their values",
  "rows-lost": "UP deletes them",
  kept: "UP keeps them as they are (the database does not enforce this on rows it has)",
  unprobed: "not probed",
}

/** The rows a condition finds, in words: every row for a condition that always holds. */
const rowsWhere = (condition: string, table: string) =>
  condition === "1 = 1" ? `every row of ${table}` : `rows where ${condition}`
const rows = (p: ProbedHazard) => rowsWhere(p.hazard.condition, p.hazard.table)

/** `note: t is proven only empty: ...`, with the changes whose conditions every sample row met. */
export function formatProvenEmpty(
  empty: { readonly table: string; readonly conditions: ReadonlyArray<string> },
  hazards: ReadonlyArray<DataHazard>,
): string {
  const why = empty.conditions.map((condition) => {
    const change = hazards.find((h) => h.table === empty.table && h.condition === condition)?.change
    const rows = rowsWhere(condition, empty.table)
    return change ? `${change}: ${rows} ${condition === "1 = 1" ? "breaks" : "break"} it` : rows
  })
  return `note: ${empty.table} is proven only empty: no sample row fits both versions (${why.join("; ")})`
}

/** One terminal line: `hazard: rows where ...: UP fails while such rows exist; count them: SELECT ...;` */
export function formatHazard(p: ProbedHazard, color: boolean): string {
  const level = isWarning(p) ? yellow(color, "warning: hazard") : "hazard"
  const why = p.outcome === "unprobed" ? ` (${p.detail})` : ""
  return `${level}: ${rows(p)} (${p.hazard.change}): ${verdicts[p.outcome]}${why}; count them: ${p.hazard.check};`
}

/** The --json form: `{ table, columns, condition, outcome, check, change, detail }`. */
export const hazardDocument = (p: ProbedHazard) => ({
  table: p.hazard.table,
  columns: p.hazard.columns,
  condition: p.hazard.condition,
  outcome: p.outcome,
  check: p.hazard.check,
  change: p.hazard.change,
  detail: p.detail,
})
