/**
 * seed: the one loop that fills a throwaway database with synthesized rows before verification, so
 * it proves that a migration keeps data and not merely that it reaches the right shape. Tables go
 * parents first; each gets a few rows; a foreign key takes values read back from its parent's rows,
 * a self-reference the row's own key; the first guess for each column comes from the engine, and a
 * rejected row is retried one column at a time with the alternatives the engine offers (the
 * literals a CHECK names, the default, NULL...), keeping each change the database accepts. A table
 * no row satisfies is reported with the database's last refusal, not failed. What a value is and
 * how a row is written are the engine's (`RowWriter`, in engines/<name>/seed.ts). Holds nothing.
 */
import type { Column, ForeignKey, Schema, Table } from "../model.ts"
import type { SeedReport } from "./engine.ts"
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
  /** Write one row; throws the database's refusal. */
  readonly insert: (table: Table, values: ReadonlyArray<readonly [string, V]>) => Promise<void>
  /** Tables that take their rows another way (a PostgreSQL partition, through its parent). */
  readonly skip?: ((table: Table) => boolean) | undefined
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error))

/** Fill every table of `schema` through `writer`; say which tables got rows and which could not. */
export async function seedRows<V>(
  schema: Schema,
  writer: RowWriter<V>,
  key: (name: string) => string = (n) => n,
): Promise<SeedReport> {
  const seeded: Array<{ table: string; rows: number }> = []
  const skipped: Array<{ table: string; reason: string }> = []
  for (const table of parentsFirst(schema.tables, key)) {
    if (writer.skip?.(table)) continue
    const self = (fk: ForeignKey) => key(fk.table) === key(table.name)
    const references: Array<{ columns: ReadonlyArray<string>; rows: ReadonlyArray<ReadonlyArray<V>> }> = []
    for (const fk of table.foreignKeys)
      if (!self(fk) && fk.referencedColumns.length > 0)
        references.push({ columns: fk.columns, rows: await writer.parentRows(table, fk) })
    const columns = table.columns.filter((c) => !writer.fillsItself(c))
    let inserted = 0
    let lastError = ""
    const tryInsert = async (values: ReadonlyMap<string, Candidate<V>>) => {
      const used = [...values].filter((entry): entry is [string, V] => entry[1] !== DEFAULT)
      try {
        await writer.insert(table, used)
        return true
      } catch (error) {
        lastError = message(error)
        return false
      }
    }
    for (let row = 0; row < ROWS; row++) {
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
      let ok = await tryInsert(base)
      // Change one column at a time, keeping the first alternative the database accepts.
      for (const column of columns) {
        if (ok) break
        if (fixed.has(column.name)) continue
        for (const alternative of writer.alternatives(table, column, row)) {
          if (await tryInsert(new Map(base).set(column.name, alternative))) {
            ok = true
            break
          }
        }
      }
      if (ok) inserted++
    }
    if (inserted > 0) seeded.push({ table: table.name, rows: inserted })
    else skipped.push({ table: table.name, reason: lastError || "no row could be synthesized" })
  }
  return { seeded, skipped }
}
