/**
 * versions: the released majors of each server engine, so that an engine id naming one that does
 * not exist (`postgres-99`, `mariadb-9`) is refused with the list instead of being accepted and
 * failing later with a missing image or a version warning. A minor may follow a known major
 * (`mariadb-10.11`, `mysql-8.4`). Pure data; holds nothing.
 */

/** PostgreSQL majors aim reads: 10 (pg_sequence, declarative partitioning) to the newest release. */
const POSTGRES = { oldest: 10, newest: 19 }
/** MySQL counts 5.7 as a major of its own; 8 covers 8.0 and 8.4 LTS, 9 the innovation releases. */
const MYSQL = ["5.7", "8", "9"]
/** MariaDB's series; 10 from 10.2, whose information_schema quotes defaults as aim reads them. */
const MARIADB = ["10", "11", "12"]
/**
 * The minors of each series that has ended, so `mariadb-10.99` is refused; a series still
 * releasing (MySQL 9, MariaDB 12) takes any minor, since its next one may be newer than this list.
 */
const ENDED_SERIES_MINORS: Record<string, ReadonlyArray<number>> = {
  "mysql-8": [0, 1, 2, 3, 4],
  "mariadb-10": [2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
  "mariadb-11": [0, 1, 2, 3, 4, 5, 6, 7, 8],
}

const postgresMajors = Array.from({ length: POSTGRES.newest - POSTGRES.oldest + 1 }, (_, i) =>
  String(POSTGRES.oldest + i),
)

/** The engine ids aim takes, for help texts and messages. */
export const engineChoices = `sqlite, postgres-${POSTGRES.oldest} to postgres-${POSTGRES.newest}, ${MYSQL.map((v) => `mysql-${v}`).join(", ")}, ${MARIADB.map((v) => `mariadb-${v}`).join(", ")}`

/**
 * Why `id` names a version that does not exist, or undefined when it is fine (or not a server
 * engine's id at all: the registry judges those).
 */
export function unknownVersion(id: string): string | undefined {
  const match = /^(postgres|mysql|mariadb)-(\d+)(?:\.(\d+))?$/.exec(id)
  if (!match) return undefined
  const [, family, major, minor] = match as unknown as [string, string, string, string | undefined]
  // Since 10 a PostgreSQL major is one number; `postgres-15.4` is left to the registry, which refuses it.
  if (family === "postgres")
    return postgresMajors.includes(major)
      ? undefined
      : `unknown engine "${id}": aim takes postgres-${POSTGRES.oldest} to postgres-${POSTGRES.newest}`
  const known = family === "mysql" ? MYSQL : MARIADB
  if (minor !== undefined && known.includes(`${major}.${minor}`)) return undefined
  const minors = ENDED_SERIES_MINORS[`${family}-${major}`]
  if (
    known.includes(major) &&
    (minor === undefined || minors === undefined || minors.includes(Number(minor)))
  )
    return undefined
  if (known.includes(major) && minors !== undefined)
    return `unknown engine "${id}": ${family} ${major} has minors ${major}.${minors[0]} to ${major}.${minors.at(-1)}`
  return `unknown engine "${id}": aim takes ${known.map((v) => `${family}-${v}`).join(", ")} (a minor may follow: ${family === "mysql" ? "mysql-8.4" : "mariadb-10.11"})`
}
