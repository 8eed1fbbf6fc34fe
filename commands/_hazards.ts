/**
 * _hazards: how a probed hazard reads: on the terminal one line under the verification line (the
 * rows that break the change, what UP does with them, and the query that counts them on a real
 * database), and in --json one object. Outcomes that alter or lose rows are warnings.
 */
import { isWarning, type ProbedHazard, type ProbeOutcome } from "../steps/probe.ts"
import { yellow } from "./_output.ts"

const verdicts: Record<ProbeOutcome, string> = {
  "up-fails": "UP fails while such rows exist",
  "values-change": "UP changes their values",
  "rows-lost": "UP deletes them",
  kept: "UP keeps them as they are (the database does not enforce this on rows it has)",
  unprobed: "not probed",
}

/** The rows a hazard is about, in words: the condition, or every row for a condition that always holds. */
const rows = (p: ProbedHazard) =>
  p.hazard.condition === "1 = 1" ? `every row of ${p.hazard.table}` : `rows where ${p.hazard.condition}`

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
