/**
 * seed: the one loop that fills a throwaway database with synthesized rows before verification, so
 * it proves that a migration keeps data and not merely that it reaches the right shape. Tables go
 * parents first; each gets a few rows; a foreign key takes values read back from its parent's rows,
 * a self-reference the row's own key; the first guess for each column comes from the engine, and a
 * rejected row is retried one column at a time with the alternatives the engine offers (the
 * literals a CHECK names, the default, NULL...), keeping each change the database accepts. A table
 * no row satisfies is reported with the database's last refusal, not failed.
 *
 * Rows also fit the schema after the change where they can (`SeedConditions.avoid`): each row is
 * written in a transaction, the conditions of the change's hazards (model/hazards.ts) are counted,
 * and a row that meets one is rolled back and tried again with values that fit both versions (a
 * kept ENUM label, a shorter string, a parent of a foreign key that comes). A table where no row
 * avoids them is left empty and reported as proven empty. A hazard probe (`probe`) turns this
 * around: only its table and the parents it needs get rows, and its table gets the one row (two, for
 * a key) that meets the hazard's condition. What a value is and how a row is written are the
 * engine's (`RowWriter`, in engines/<name>/seed.ts). Holds nothing.
 */
import type { DataHazard } from "../model/hazards.ts"
import type { Column, ForeignKey, Schema, Table } from "../model.ts"
import type { SeedConditions, SeedReport } from "./engine.ts"
import { parentsFirst } from "./order.ts"

/** Rows each table gets. */
export const ROWS = 3

/** Leave the column out of the INSERT, so its DEFAULT applies. */
export const DEFAULT = Symbol("default")
export type Candidate<V> = V | typeof DEFAULT

/** How an engine writes synthesized rows; `V` is its value (a bound parameter, or SQL text). */
export interface RowWriter<V> {
  /** The parent's values a foreign key of a new row can take, one list per parent row. */
  readonly parentRows: (table: Table, fk: ForeignKey) => Promise<ReadonlyArray<ReadonlyArray<V>>>
  /** A value the database fills itself (generated, identity, serial): never written. */
  readonly fillsItself: (column: Column) => boolean
  /** The first value to try for `column` in row `row` (0-based). */
  readonly guess: (table: Table, column: Column, row: number) => V
  /** What to try, in order, when the database rejects the row. */
  readonly alternatives: (table: Table, column: Column, row: number) => ReadonlyArray<Candidate<V>>
  /** A column of a self-referencing key: the row's own key (`copy`), or NULL where the column may be. */
  readonly selfReference: "copy" | "null-where-nullable"
  /** NULL as a value. */
  readonly nullValue: V
  /** A value written as SQL text (a literal a hazard names). */
  readonly raw: (sql: string) => V
  /** Write one row; throws the database's refusal. */
  readonly insert: (table: Table, values: ReadonlyArray<readonly [string, V]>) => Promise<void>
  /** The number a `SELECT count(*) ...` returns. */
  readonly count: (sql: string) => Promise<number>
  /** Open, keep and undo the transaction one row and the checks on it run in. */
  readonly begin: () => Promise<void>
  readonly commit: () => Promise<void>
  readonly rollback: () => Promise<void>
  /** Tables that take their rows another way (a PostgreSQL partition, through its parent). */
  readonly skip?: ((table: Table) => boolean) | undefined
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error))

/** A foreign key that a change brings, as the seeding loop follows one. */
const comingKey = (h: DataHazard): ForeignKey | undefined =>
  h.parent === undefined
    ? undefined
    : {
        columns: h.parent.columns,
        table: h.parent.table,
        referencedColumns: h.parent.referencedColumns,
        onDelete: "NO ACTION",
        onUpdate: "NO ACTION",
        deferrable: false,
        initiallyDeferred: false,
      }

/** `table` and every table its rows need first (its parents, theirs, ...). */
function withParents(tables: ReadonlyArray<Table>, name: string, key: (n: string) => string): Set<string> {
  const byName = new Map(tables.map((t) => [key(t.name), t]))
  const needed = new Set<string>()
  const queue = [key(name)]
  while (queue.length > 0) {
    const k = queue.pop() as string
    if (needed.has(k)) continue
    needed.add(k)
    for (const fk of byName.get(k)?.foreignKeys ?? [])
      if (byName.has(key(fk.table))) queue.push(key(fk.table))
  }
  return needed
}

type Attempt = "kept" | "refused" | "breaks" | "misses"

/** Fill every table of `schema` through `writer`; say which tables got rows and which could not. */
export async function seedRows<V>(
  schema: Schema,
  writer: RowWriter<V>,
  key: (name: string) => string = (n) => n,
  conditions: SeedConditions = {},
): Promise<SeedReport> {
  const probe = conditions.probe
  const avoid = (conditions.avoid ?? []).filter((h) => h !== probe)
  const on = (table: Table, list: ReadonlyArray<DataHazard>) =>
    list.filter((h) => key(h.table) === key(table.name))
  // The keys rows follow: the schema's own, and those the change brings (so rows fit both versions).
  const tables = schema.tables.map((t) => {
    const coming = on(t, avoid).flatMap((h) => comingKey(h) ?? [])
    return coming.length === 0 ? t : { ...t, foreignKeys: [...t.foreignKeys, ...coming] }
  })
  const needed = probe ? withParents(tables, probe.table, key) : undefined
  const seeded: Array<{ table: string; rows: number }> = []
  const skipped: Array<{ table: string; reason: string }> = []
  const provenEmpty: Array<{ table: string; conditions: string[] }> = []
  let probed: SeedReport["probe"] = probe ? { met: false, reason: `no table ${probe.table}` } : undefined
  for (const table of parentsFirst(tables, key)) {
    if (writer.skip?.(table) || (needed && !needed.has(key(table.name)))) continue
    const target = probe && key(probe.table) === key(table.name) ? probe : undefined
    // A condition the database cannot evaluate before the change (it calls a function the change
    // creates) cannot guide the rows; the table's empty state is where that shows, harmlessly.
    const fails = (h: DataHazard) =>
      writer.count(h.check).then(
        () => undefined,
        (error: unknown) => message(error),
      )
    const mine: DataHazard[] = []
    for (const h of on(table, avoid)) if ((await fails(h)) === undefined) mine.push(h)
    const unusable = target ? await fails(target) : undefined
    if (unusable !== undefined) {
      probed = { met: false, reason: `its check query does not run before the change: ${unusable}` }
      continue
    }
    const self = (fk: ForeignKey) => key(fk.table) === key(table.name)
    const references: Array<{ columns: ReadonlyArray<string>; rows: ReadonlyArray<ReadonlyArray<V>> }> = []
    for (const fk of table.foreignKeys)
      if (!self(fk) && fk.referencedColumns.length > 0)
        references.push({ columns: fk.columns, rows: await writer.parentRows(table, fk) })
    const columns = table.columns.filter((c) => !writer.fillsItself(c))
    const wanted = target ? (target.duplicate ? 2 : 1) : ROWS
    let inserted = 0
    let lastError = ""
    const broken = new Set<string>()
    const guarded = target !== undefined || mine.length > 0
    /** Write a row; with conditions, in a transaction kept only when they hold. */
    const attempt = async (
      values: ReadonlyMap<string, Candidate<V>>,
      avoiding: ReadonlyArray<DataHazard>,
      mustMeet: DataHazard | undefined,
    ): Promise<Attempt> => {
      const used = [...values].filter((entry): entry is [string, V] => entry[1] !== DEFAULT)
      if (guarded) await writer.begin()
      try {
        await writer.insert(table, used)
        if (guarded) {
          for (const h of avoiding)
            if ((await writer.count(h.check)) > 0) {
              broken.add(h.condition)
              await writer.rollback()
              return "breaks"
            }
          if (mustMeet && (await writer.count(mustMeet.check)) === 0) {
            await writer.rollback()
            return "misses"
          }
          await writer.commit()
        }
        return "kept"
      } catch (error) {
        lastError = message(error)
        if (guarded) await writer.rollback().catch(() => undefined)
        return "refused"
      }
    }
    const rowsKept: Array<ReadonlyMap<string, Candidate<V>>> = []
    for (let row = 0; row < wanted; row++) {
      const base = new Map<string, Candidate<V>>()
      for (const c of columns) base.set(c.name, writer.guess(table, c, row))
      const fixed = new Set<string>()
      for (const ref of references) {
        const parentRow = ref.rows[row % Math.max(1, ref.rows.length)]
        ref.columns.forEach((name, i) => {
          base.set(name, parentRow?.[i] ?? writer.nullValue)
          fixed.add(name)
        })
      }
      // A row that points at itself satisfies a self-reference without needing an earlier row.
      for (const fk of table.foreignKeys.filter(self))
        fk.columns.forEach((name, i) => {
          const own = base.get(fk.referencedColumns[i] ?? "") ?? writer.nullValue
          const nullable = !table.columns.find((c) => c.name === name)?.notNull
          base.set(name, writer.selfReference === "null-where-nullable" && nullable ? writer.nullValue : own)
          if (writer.selfReference === "null-where-nullable") fixed.add(name)
        })
      // A probe's second row repeats the first one's key.
      const meets = target && row === wanted - 1 ? target : undefined
      if (target?.duplicate && row > 0)
        for (const name of target.duplicate) {
          const first = rowsKept[0]?.get(name)
          if (first !== undefined) {
            base.set(name, first)
            fixed.add(name)
          }
        }
      // Values the hazards suggest: a probe's breaking ones (for the row that must meet its condition),
      // else the ones that fit both versions.
      const suggested = new Map<string, V[]>()
      const suggest = (values: Readonly<Record<string, ReadonlyArray<string>>>) => {
        for (const [name, list] of Object.entries(values))
          if (!fixed.has(name) && columns.some((c) => c.name === name))
            suggested.set(name, [...(suggested.get(name) ?? []), ...list.map(writer.raw)])
      }
      if (meets) suggest(meets.breaking)
      // Each row starts at its own place in a list of fitting values, so rows differ where a key comes.
      const rotate = (list: ReadonlyArray<string>) => [
        ...list.slice(row % Math.max(1, list.length)),
        ...list.slice(0, row % Math.max(1, list.length)),
      ]
      for (const h of mine)
        suggest(Object.fromEntries(Object.entries(h.fitting).map(([c, list]) => [c, rotate(list)])))
      const hinted = new Map(base)
      for (const [name, list] of suggested) if (list[0] !== undefined) hinted.set(name, list[0])
      const bases = suggested.size === 0 ? [base] : meets ? [hinted, base] : [base, hinted]
      // A probe's row breaks its own hazard and, where it can, no other (so the outcome is its own).
      const passes = target && mine.length > 0 ? [mine, []] : [mine]
      let kept: ReadonlyMap<string, Candidate<V>> | undefined
      search: for (const avoiding of passes) {
        for (const start of bases) {
          if ((await attempt(start, avoiding, meets)) === "kept") {
            kept = start
            break search
          }
        }
        // Change one column at a time, keeping the first alternative the database accepts.
        for (const start of suggested.size > 0 ? [hinted, base] : [base])
          for (const column of columns) {
            if (fixed.has(column.name)) continue
            const options = [
              ...(suggested.get(column.name) ?? []),
              ...writer.alternatives(table, column, row),
            ]
            for (const alternative of options) {
              const values = new Map(start).set(column.name, alternative)
              if ((await attempt(values, avoiding, meets)) === "kept") {
                kept = values
                break search
              }
            }
          }
      }
      if (kept) {
        inserted++
        rowsKept.push(kept)
        if (meets) probed = { met: true }
      } else if (meets) {
        probed = { met: false, reason: lastError || `no row aim could write meets ${target?.condition}` }
      }
    }
    if (inserted > 0) seeded.push({ table: table.name, rows: inserted })
    else if (broken.size > 0 && !target) provenEmpty.push({ table: table.name, conditions: [...broken] })
    else skipped.push({ table: table.name, reason: lastError || "no row could be synthesized" })
  }
  return { seeded, skipped, provenEmpty, ...(probed ? { probe: probed } : {}) }
}
