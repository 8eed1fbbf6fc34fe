/**
 * engine-id: which engine ids the PostgreSQL engine serves (`postgres-<major>`, and plain
 * `postgres` for the newest) and the major version each asks for. Kept apart from engine.ts so the
 * registry can match ids without loading the engine's drivers. Holds nothing.
 */

/** The oldest major aim reads: the catalog code relies on pg_sequence and declarative partitioning (10). */
export const OLDEST_MAJOR = 10

export const matchesEngineId = (id: string) => /^postgres(-\d+)?$/.test(id)

/** `postgres-17` -> 17, `postgres` -> undefined (newest); an error for ids aim cannot serve. */
export function askedMajor(id: string): number | undefined | Error {
  const match = /^postgres(?:-(\d+))?$/.exec(id)
  if (!match)
    return new Error(`"${id}" is not a PostgreSQL engine id (write postgres-<major>, e.g. postgres-17)`)
  if (match[1] === undefined) return undefined
  const major = Number(match[1])
  return major >= OLDEST_MAJOR
    ? major
    : new Error(`${id} is not supported: aim needs PostgreSQL ${OLDEST_MAJOR} or newer`)
}
