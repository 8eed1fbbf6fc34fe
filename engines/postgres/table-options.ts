/**
 * table-options: the PostgreSQL table options of the model that name other tables, read back into
 * model names. The catalog writes them with every name quoted where PostgreSQL needs it
 * (`PARTITION OF "Sales 2020" FOR VALUES ...`, `INHERITS (audit."Base", log)`), so they can be
 * pasted into SQL as they are and read back here without guessing where a name ends. Pure.
 */
import type { Table } from "../../model.ts"
import { quoteName, readName } from "./names.ts"
import { splitTopLevel, stripParens } from "./sql-text.ts"

/** The option `PARTITION OF <parent> <bound>`, as the catalog writes it. */
export const partitionOption = (parent: string, bound: string) => `PARTITION OF ${quoteName(parent)} ${bound}`

/** The option `INHERITS (<parents>)`, as the catalog writes it. */
export const inheritsOption = (parents: ReadonlyArray<string>) =>
  `INHERITS (${parents.map(quoteName).join(", ")})`

/** The parent (a model name) and the bound of a partition; undefined for any other table. */
export function partitionOf(table: Table): { parent: string; bound: string } | undefined {
  const option = table.options.find((o) => o.startsWith("PARTITION OF "))
  const read = option === undefined ? undefined : readName(option.slice("PARTITION OF ".length))
  return read ? { parent: read.name, bound: read.rest.trim() } : undefined
}

/** The parents (model names) a table inherits from, in order; empty when it inherits from none. */
export function inheritsFrom(table: Table): string[] {
  const option = table.options.find((o) => o.startsWith("INHERITS "))
  if (option === undefined) return []
  return splitTopLevel(stripParens(option.slice("INHERITS ".length))).flatMap((p) => {
    const read = readName(p)
    return read ? [read.name] : []
  })
}

/** Every table `table` is a partition or child of. */
export const parentsOf = (table: Table): string[] => {
  const partition = partitionOf(table)
  return partition ? [partition.parent] : inheritsFrom(table)
}

export const isPartition = (table: Table) => partitionOf(table) !== undefined
