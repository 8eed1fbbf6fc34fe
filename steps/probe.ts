/**
 * probe: what a verified migration does to the rows its change cannot take. For each hazard
 * (model/hazards.ts: NULLs where NOT NULL comes, duplicates where a key comes, orphans, rows
 * outside a new CHECK, values a narrowed or converted type cannot keep, a removed ENUM label...),
 * UP runs once more on a copy of the history that holds one row which fits the schema before the
 * change and meets the hazard's condition (two rows sharing their key, for a key), and the outcome
 * says what UP did with it: refused it (`up-fails`, the safe answer), changed its values
 * (`values-change`: MySQL's non-strict truncation, SQLite's type affinity, a rounding cast), lost
 * it (`rows-lost`), or kept it as it was (`kept`: the engine does not enforce what the change
 * declares). Where no such row can be written the hazard is `unprobed`, with why. A probe never
 * fails the run; an engine that breaks during one makes it `unprobed` too. Copies come from the
 * snapshot's image where the engine copies databases cheaply, else from a fresh database that
 * replays the history; as many run at once as the engine's `concurrentDatabases`.
 * Resources: one throwaway database per probe, released as soon as that probe ends.
 */
import { Effect } from "effect"
import { Engine, type RowImage } from "../engines/engine.ts"
import { applyScript, historyDatabase } from "../engines/replay.ts"
import type { DataHazard } from "../model/hazards.ts"
import { nameKey } from "../model/names.ts"
import { pairedTables } from "../model/table-pairs.ts"
import type { Candidate, ProofGround } from "./plan.ts"

/** What UP did with a row that breaks the change. */
export type ProbeOutcome = "up-fails" | "values-change" | "rows-lost" | "kept" | "unprobed"

/** One hazard and what its probe found. */
export interface ProbedHazard {
  readonly hazard: DataHazard
  readonly outcome: ProbeOutcome
  /** The database's refusal, the values before and after, or why no probe ran. */
  readonly detail: string
}

/**
 * Outcomes a user should look at before running the migration on data: UP alters or loses such
 * rows, or keeps rows that break a constraint the schema now declares (MariaDB's MODIFY COLUMN with
 * a column CHECK does not check the rows it has).
 */
export const isWarning = (p: ProbedHazard) =>
  p.outcome === "values-change" || p.outcome === "rows-lost" || (p.outcome === "kept" && p.hazard.enforced)

function compare(before: RowImage, after: RowImage): { outcome: ProbeOutcome; detail: string } {
  if (after.length < before.length)
    return { outcome: "rows-lost", detail: `${before.length} row(s) before UP, ${after.length} after` }
  const changed = before.findIndex((row, i) => row !== after[i])
  if (changed !== -1)
    return { outcome: "values-change", detail: `${before[changed]} became ${after[changed]}` }
  return { outcome: "kept", detail: `UP keeps ${before.join(", ")} as it was` }
}

const probeOne = (
  hazard: DataHazard,
  all: ReadonlyArray<DataHazard>,
  candidate: Candidate,
  { history, current, desired, image, renames }: ProofGround,
) =>
  Effect.gen(function* () {
    const engine = yield* Engine
    const db = yield* historyDatabase(engine, history, image)
    const seed = yield* db.seed(current, { avoid: all.filter((h) => h.enforced), probe: hazard })
    if (!seed.probe?.met)
      return { outcome: "unprobed", detail: seed.probe?.reason ?? "no row was written" } as const
    // The probe table's columns that exist before and after, whatever UP does to their definition:
    // a changed value is what a probe looks for.
    const key = nameKey(current, desired)
    const columns = pairedTables(current, desired, renames).find(
      (p) => key(p.before.table) === key(hazard.table),
    )
    const before = columns ? yield* db.readRows(columns.before.table, columns.before.columns) : []
    const up = yield* applyScript(engine, db, candidate.up, "UP", true, candidate.trusted === true).pipe(
      Effect.map(() => undefined),
      Effect.catchTags({
        StatementFailed: (e) => Effect.succeed(e.reason),
        SqlSyntaxError: (e) => Effect.succeed(e.reason),
      }),
    )
    if (up !== undefined) return { outcome: "up-fails", detail: up } as const
    const violations = yield* db.foreignKeyViolations
    if (violations.length > 0)
      return { outcome: "up-fails", detail: `rows break foreign keys: ${violations.join("; ")}` } as const
    if (!columns) return { outcome: "rows-lost", detail: `${hazard.table} is gone after UP` } as const
    return compare(before, yield* db.readRows(columns.after.table, columns.after.columns))
  }).pipe(
    Effect.scoped,
    // A probe only informs: an engine that breaks during one leaves the hazard unprobed.
    Effect.catch((e) => Effect.succeed({ outcome: "unprobed" as const, detail: e.message })),
    Effect.map((r): ProbedHazard => ({ hazard, outcome: r.outcome, detail: r.detail })),
  )

/**
 * Step: probe each hazard of a verified candidate (see the module header) on the ground it was
 * proven on (steps/plan.ts), at most `concurrentDatabases` at once, in the order given.
 */
export const probeHazards = Effect.fn("aim/steps/probe")(function* (
  candidate: Candidate,
  hazards: ReadonlyArray<DataHazard>,
  ground: ProofGround,
) {
  const engine = yield* Engine
  // One probe per condition: a key and the unique index behind it find the same rows.
  const distinct = hazards.filter((h, i) => hazards.findIndex((o) => o.check === h.check) === i)
  return yield* Effect.forEach(distinct, (h) => probeOne(h, hazards, candidate, ground), {
    concurrency: engine.concurrentDatabases ?? 1,
  })
})
