/**
 * sequence-options: the options of a sequence (https://www.postgresql.org/docs/current/sql-createsequence.html)
 * written as the shortest clause list that recreates it, leaving out every value that is the default
 * for the sequence's type and direction. Shared by standalone sequences, identity columns and serial
 * columns, so a sequence written with and without its defaults reads the same.
 */

export interface SequenceRow {
  readonly type: string
  readonly start: string
  readonly increment: string
  readonly min: string
  readonly max: string
  readonly cache: string
  readonly cycle: boolean
}

const ranges: Record<string, { min: bigint; max: bigint }> = {
  smallint: { min: -32768n, max: 32767n },
  integer: { min: -2147483648n, max: 2147483647n },
  bigint: { min: -9223372036854775808n, max: 9223372036854775807n },
}

/**
 * The clauses that differ from the defaults of `type`. `anyType` also treats the bounds of every
 * integer type as defaults: a serial column's sequence is `AS integer` when written as `serial` and
 * `AS bigint` when written out by hand, and both mean the same column.
 */
export function sequenceClauses(row: SequenceRow, type: string, anyType = false): string[] {
  const range = ranges[type] ?? (ranges.bigint as { min: bigint; max: bigint })
  const increment = BigInt(row.increment)
  const ascending = increment > 0n
  const isMin = (v: bigint) =>
    ascending ? v === 1n : v === range.min || (anyType && Object.values(ranges).some((r) => r.min === v))
  const isMax = (v: bigint) =>
    ascending ? v === range.max || (anyType && Object.values(ranges).some((r) => r.max === v)) : v === -1n
  const min = BigInt(row.min)
  const max = BigInt(row.max)
  const clauses: string[] = []
  if (increment !== 1n) clauses.push(`INCREMENT BY ${increment}`)
  if (!isMin(min)) clauses.push(`MINVALUE ${min}`)
  if (!isMax(max)) clauses.push(`MAXVALUE ${max}`)
  if (BigInt(row.start) !== (ascending ? min : max)) clauses.push(`START WITH ${row.start}`)
  if (BigInt(row.cache) !== 1n) clauses.push(`CACHE ${row.cache}`)
  if (row.cycle) clauses.push("CYCLE")
  return clauses
}
