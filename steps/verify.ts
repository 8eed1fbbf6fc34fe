/**
 * verify: apply a candidate migration to a fresh database and prove that UP reaches the desired
 * schema exactly, that existing rows survive, and that DOWN restores the previous schema and rows.
 * The database gets synthesized rows in every table before UP, and both directions run the way the
 * user's runner runs them (one transaction, foreign keys enforced). The same check judges every
 * generator, built-in or LLM. After each direction the views are read and the function and trigger
 * bodies checked (engines/exercise.ts), so a migration that leaves one unusable is refused. The database starts as a copy of the replayed history when the snapshot
 * step kept one (an image, on engines that copy databases cheaply), else the history is replayed
 * into a fresh one; both start from the same state, so the verdict is the same. The sample rows fit
 * both versions of the schema wherever a row can (model/hazards.ts finds the rows the change would
 * refuse, and engines/seed.ts avoids them), so a change is never refused because of aim's own rows;
 * a table no row fits both versions of stays empty and the report names it.
 * Resources: one throwaway database per call, released when the step's scope closes.
 */
import { Effect, Schema as S } from "effect"
import { renderChanges } from "../model/changes.ts"
import { diffSchemas, sameColumn } from "../model/diff.ts"
import { pairedTables, type TablePair } from "../model/table-pairs.ts"
import { type DataHazard, findHazards } from "../model/hazards.ts"
import { nameKey } from "../model/names.ts"
import {
  type BrokenObject,
  type Database,
  Engine,
  type RowImage,
  type SeedReport,
} from "../engines/engine.ts"
import { checkObjects, mayHoldBrokenObjects } from "../engines/exercise.ts"
import { applyScript, historyDatabase } from "../engines/replay.ts"
import type { RenameHints, Schema } from "../model.ts"
import type { Candidate, ProofGround } from "./plan.ts"

const Phase = S.Literals(["up", "down"])

/** The migration's own SQL failed on a database that holds the history and sample rows. */
export class MigrationFailed extends S.TaggedError<MigrationFailed>()("MigrationFailed", {
  phase: Phase,
  line: S.Number,
  statement: S.String,
  reason: S.String,
}) {
  override get message() {
    const hint =
      this.phase === "down"
        ? "\nThe change cannot be undone with the data in place (a dropped column or table takes its values with it). Give the column a default in schema.sql, or skip DOWN with --no-down (no_down = true in aim.toml)."
        : ""
    return `The ${this.phase.toUpperCase()} migration fails at line ${this.line}: ${this.reason}\n  in: ${this.statement.replace(/\s+/g, " ").slice(0, 200)}${hint}`
  }
}

/**
 * Verification failure: after UP (or DOWN) the database does not match the expected schema; carries the
 * difference.
 */
export class SchemaDrift extends S.TaggedError<SchemaDrift>()("SchemaDrift", {
  phase: Phase,
  diff: S.String,
}) {
  override get message() {
    const target = this.phase === "up" ? "schema.sql" : "the schema before UP"
    return `The ${this.phase.toUpperCase()} migration does not reach ${target} (- what it built, + what was expected):\n${this.diff}`
  }
}

/** Verification failure: rows present before UP are missing or changed after it (or after DOWN). */
export class RowsChanged extends S.TaggedError<RowsChanged>()("RowsChanged", {
  phase: Phase,
  table: S.String,
  detail: S.String,
}) {
  override get message() {
    return `After ${this.phase.toUpperCase()}, table ${this.table} lost or changed rows: ${this.detail}`
  }
}

/** Verification failure: after UP or DOWN some rows violate a foreign key. */
export class ForeignKeysBroken extends S.TaggedError<ForeignKeysBroken>()("ForeignKeysBroken", {
  phase: Phase,
  violations: S.Array(S.String),
}) {
  override get message() {
    return `After ${this.phase.toUpperCase()}, rows break foreign keys: ${this.violations.slice(0, 5).join("; ")}`
  }
}

/**
 * What a successful verification checked: the seeded tables, how many tables' rows were compared, and whether
 * DOWN was run.
 */
export interface VerifyReport {
  readonly seed: SeedReport
  /** Tables whose rows were compared after UP (and after DOWN). */
  readonly tablesChecked: number
  /** The rows the change would refuse or alter, as the sample rows avoided them (steps/probe.ts probes them). */
  readonly hazards: ReadonlyArray<DataHazard>
  readonly downChecked: boolean
  /**
   * The schema read back after UP (before DOWN ran): what the history plus this migration builds.
   * Equal to what a replay of that history builds, because sample rows leave the normalized schema
   * alone (sequence positions and AUTO_INCREMENT counters are not part of it).
   */
  readonly afterUp: Schema
}

/** A renamed column whose definition changes too, as each side names it. */
interface RenamedColumn {
  readonly before: { readonly table: string; readonly column: string }
  readonly after: { readonly table: string; readonly column: string }
}

/**
 * The declared column renames that also change the column's definition (type, NOT NULL...): their
 * values may be converted, so they are not compared as they are, but they must arrive.
 */
function renamedAndChanged(current: Schema, desired: Schema, renames?: RenameHints): RenamedColumn[] {
  const key = nameKey(current, desired)
  const tableFrom = new Map((renames?.tables ?? []).map((r) => [key(r.to), key(r.from)]))
  return (renames?.columns ?? []).flatMap((r) => {
    const after = desired.tables.find((t) => key(t.name) === key(r.table))
    const before = current.tables.find((t) => key(t.name) === (tableFrom.get(key(r.table)) ?? key(r.table)))
    const was = before?.columns.find((c) => key(c.name) === key(r.from))
    const now = after?.columns.find((c) => key(c.name) === key(r.to))
    if (!before || !after || !was || !now || sameColumn(was, now)) return []
    return [
      { before: { table: before.name, column: was.name }, after: { table: after.name, column: now.name } },
    ]
  })
}

/**
 * Values of renamed and changed columns arrive under the new name (and come back under the old one):
 * a conversion may respell them, but it keeps them apart, while a column dropped and added again
 * holds one value (NULL or its default) in every row.
 */
const checkArrivals = Effect.fnUntraced(function* (
  db: Database,
  phase: "up" | "down",
  expected: ReadonlyMap<string, RowImage>,
  columns: ReadonlyArray<RenamedColumn>,
) {
  for (const c of columns) {
    const before = expected.get(`${c.before.table}\u0000${c.before.column}`) ?? []
    const { table, column } = phase === "up" ? c.after : c.before
    const distinct = new Set(before).size
    const now = new Set(yield* db.readRows(table, [column])).size
    if (distinct >= 2 && now < distinct)
      return yield* new RowsChanged({
        phase,
        table,
        detail: `the values of ${c.before.table}.${c.before.column} did not arrive in ${table}.${column}: ${distinct} different values before, ${now} after`,
      })
  }
})

function describeRowChange(before: RowImage, after: RowImage): string {
  if (before.length !== after.length) return `${before.length} rows before, ${after.length} after`
  const missing = before.filter((row, i) => row !== after[i])
  return `row ${missing[0]} became ${after[before.indexOf(missing[0] as string)]}`
}

const checkRows = Effect.fnUntraced(function* (
  db: Database,
  phase: "up" | "down",
  expected: ReadonlyMap<string, RowImage>,
  tables: ReadonlyArray<TablePair>,
) {
  for (const surviving of tables) {
    // After UP the table and its columns carry their new names; after DOWN their old ones again.
    const { table, columns } = phase === "up" ? surviving.after : surviving.before
    const before = expected.get(surviving.before.table) ?? []
    const after = yield* db.readRows(
      table,
      columns,
      tables.map((t) => (phase === "up" ? t.after.table : t.before.table)),
    )
    if (before.length !== after.length || before.some((row, i) => row !== after[i])) {
      return yield* new RowsChanged({ phase, table, detail: describeRowChange(before, after) })
    }
  }
})

const runPhase = Effect.fnUntraced(function* (
  db: Database,
  phase: "up" | "down",
  sql: string,
  expected: Schema,
  renderTable: (t: Schema["tables"][number]) => string,
  trusted: boolean,
  brokenBefore: ReadonlyArray<BrokenObject>,
) {
  const engine = yield* Engine
  // A model's candidate is untrusted and runs in the engine's sandbox; the planner's is the user's own.
  yield* applyScript(engine, db, sql, phase.toUpperCase(), true, trusted).pipe(
    Effect.catchTag("StatementFailed", (e) =>
      Effect.fail(new MigrationFailed({ phase, line: e.line, statement: e.statement, reason: e.reason })),
    ),
    Effect.catchTag("SqlSyntaxError", (e) =>
      Effect.fail(new MigrationFailed({ phase, line: e.line, statement: "", reason: e.reason })),
    ),
  )
  const violations = yield* db.foreignKeyViolations
  if (violations.length > 0) return yield* new ForeignKeysBroken({ phase, violations })
  const reached = yield* db.snapshot
  const drift = diffSchemas(reached, expected)
  if (drift.length > 0) {
    // "-" is what the migration built, "+" what was expected.
    return yield* new SchemaDrift({
      phase,
      diff: renderChanges(drift, { from: reached, to: expected, renderTable }),
    })
  }
  // The schema is right; now use its views and functions, which the catalog cannot vouch for.
  if (mayHoldBrokenObjects(reached))
    yield* checkObjects(engine, db, { source: phase.toUpperCase(), sql }, brokenBefore)
  return reached
})

/**
 * Step: prove a candidate on a fresh database holding the history and sample rows: UP reaches the desired
 * schema, rows survive, DOWN restores the previous schema. The ground (steps/plan.ts) says what it
 * is proven against: with an image, the database is a copy of it instead of a replay; with renames
 * (those the plan was given), a renamed table's or column's rows are checked under its new name.
 */
export const verify = Effect.fn("aim/steps/verify")(function* (candidate: Candidate, ground: ProofGround) {
  const { history, current, desired, image, renames } = ground
  const engine = yield* Engine
  const hazards = findHazards(
    ground.changes ?? diffSchemas(current, desired, renames),
    current,
    desired,
    engine.capabilities.hazards,
    engine.capabilities.types,
    renames,
  )
  const trusted = candidate.trusted === true
  const tables = pairedTables(current, desired, renames, { unchangedOnly: true })
  const arriving = renamedAndChanged(current, desired, renames)
  /** UP and DOWN on a fresh copy of the history whose sample rows avoid `avoid`. */
  const prove = (avoid: ReadonlyArray<DataHazard>) =>
    Effect.gen(function* () {
      const db = yield* historyDatabase(engine, history, image)
      const seed = yield* db.seed(current, { avoid })
      const before = new Map<string, RowImage>()
      const read = tables.map((t) => t.before.table)
      for (const { before: b } of tables) before.set(b.table, yield* db.readRows(b.table, b.columns, read))
      for (const { before: b } of arriving)
        before.set(`${b.table}\u0000${b.column}`, yield* db.readRows(b.table, [b.column]))
      // Objects the history already leaves broken are not the migration's doing.
      const brokenBefore = mayHoldBrokenObjects(current) && db.brokenObjects ? yield* db.brokenObjects : []
      const afterUp = yield* runPhase(
        db,
        "up",
        candidate.up,
        desired,
        engine.renderTable,
        trusted,
        brokenBefore,
      )
      yield* checkRows(db, "up", before, tables)
      yield* checkArrivals(db, "up", before, arriving)
      if (candidate.down !== undefined) {
        yield* runPhase(db, "down", candidate.down, current, engine.renderTable, trusted, brokenBefore)
        yield* checkRows(db, "down", before, tables)
        yield* checkArrivals(db, "down", before, arriving)
      }
      return {
        seed,
        tablesChecked: tables.length,
        hazards,
        downChecked: candidate.down !== undefined,
        afterUp,
      } satisfies VerifyReport
    }).pipe(Effect.scoped)
  const sure = hazards.filter((h) => h.enforced && !h.maybeRenamed)
  const unsure = hazards.filter((h) => h.enforced && h.maybeRenamed)
  // A column that may be a renamed one keeps the rows, so a migration that renames it is proven
  // with them. The planner reads the change as a drop and an add; where its UP cannot take rows
  // for the new column, that table is proven only empty instead, as for any change no row fits.
  if (!trusted || unsure.length === 0) return yield* prove(sure)
  return yield* prove(sure).pipe(
    Effect.catchIf(
      (e) => e._tag === "MigrationFailed" && e.phase === "up",
      () => prove([...sure, ...unsure]),
    ),
  )
}, Effect.scoped)
