/**
 * flavor: what differs between MySQL and MariaDB, chosen once from the engine id and the server's
 * version, so the catalog reader, planner and backends ask a flag instead of testing names.
 * Pure data; holds no resources.
 */

export type FlavorName = "mysql" | "mariadb"

export interface Flavor {
  readonly name: FlavorName
  /** "MySQL" or "MariaDB", for messages. */
  readonly title: string
  /** Major version asked for in the engine id ("9", "11", "10.11"), as written. */
  readonly requested: string
  /**
   * information_schema.COLUMNS.COLUMN_DEFAULT quotes string literals and spells NULL as the text
   * `NULL` (MariaDB 10.2.7+, https://mariadb.com/kb/en/information-schema-columns-table/); MySQL gives
   * the bare value and marks expressions with EXTRA `DEFAULT_GENERATED`
   * (https://dev.mysql.com/doc/refman/8.0/en/information-schema-columns-table.html).
   */
  readonly quotedDefaults: boolean
  /**
   * Integer display widths are deprecated and no longer reported (MySQL 8.0.19+, except
   * TINYINT(1) and ZEROFILL columns: https://dev.mysql.com/doc/relnotes/mysql/8.0/en/news-8-0-19.html);
   * MariaDB always reports them, so they are kept there.
   */
  readonly dropsDisplayWidths: boolean
  /**
   * JSON is an alias of LONGTEXT with a `json_valid` column CHECK
   * (https://mariadb.com/kb/en/json-data-type/); MySQL has a native JSON type.
   */
  readonly jsonIsLongtext: boolean
  /**
   * information_schema.CHECK_CONSTRAINTS has TABLE_NAME and LEVEL (Column/Table) on MariaDB
   * (https://mariadb.com/kb/en/information-schema-check_constraints-table/); MySQL's has neither
   * and is joined with TABLE_CONSTRAINTS (https://dev.mysql.com/doc/refman/8.0/en/information-schema-check-constraints-table.html).
   */
  readonly checksHaveTable: boolean
  /** How ALTER TABLE removes a CHECK: MySQL 8.0.16+ `DROP CHECK`, MariaDB `DROP CONSTRAINT`. */
  readonly dropCheck: "CHECK" | "CONSTRAINT"
  /** Default name patterns of unnamed CHECKs: MySQL `<table>_chk_<n>`, MariaDB `CONSTRAINT_<n>`. */
  readonly defaultCheckName: (table: string, name: string) => boolean
  /**
   * ALTER TABLE ... RENAME COLUMN exists (MySQL 8.0, MariaDB 10.5.2:
   * https://dev.mysql.com/doc/refman/8.0/en/alter-table.html, https://mariadb.com/kb/en/alter-table/);
   * before it a column is renamed with CHANGE, which restates its definition.
   */
  readonly renameColumn: boolean
  /** ALTER TABLE ... RENAME INDEX exists (MySQL 5.7, MariaDB 10.5.2); before it an index is dropped and made again. */
  readonly renameIndex: boolean
  /** Server binaries for the local backend, and how each initializes a data folder. */
  readonly serverBinaries: ReadonlyArray<string>
  readonly dockerImage: string
  /** Extra server arguments that turn durability off; `--skip-log-bin` only where binary logging exists. */
  readonly fastServerArgs: ReadonlyArray<string>
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** Parse `mysql-9`, `mysql-8.0`, `mariadb-11`, `mariadb-10.11`; undefined when the id is not one of them. */
export function parseEngineId(id: string): { flavor: FlavorName; version: string } | undefined {
  const m = /^(mysql|mariadb)-(\d+(?:\.\d+)?)$/.exec(id)
  if (!m) return undefined
  return { flavor: m[1] as FlavorName, version: m[2] as string }
}

const major = (version: string) => Number(version.split(".")[0])

/**
 * Whether every server the asked version stands for is at least `least`: `10` may be 10.0, so it
 * is not 10.5; parts not asked count as 0.
 */
function atLeast(requested: string, least: ReadonlyArray<number>): boolean {
  const have = requested.split(".").map(Number)
  for (let i = 0; i < least.length; i++) {
    const a = have[i] ?? 0
    const b = least[i] as number
    if (a !== b) return a > b
  }
  return true
}

export function flavorOf(name: FlavorName, requested: string): Flavor {
  const fast = ["--innodb-flush-log-at-trx-commit=0", "--sync-binlog=0"]
  if (name === "mariadb") {
    return {
      name,
      title: "MariaDB",
      requested,
      quotedDefaults: true,
      dropsDisplayWidths: false,
      jsonIsLongtext: true,
      checksHaveTable: true,
      dropCheck: "CONSTRAINT",
      defaultCheckName: (_table, n) => /^CONSTRAINT_\d+$/.test(n),
      renameColumn: atLeast(requested, [10, 5, 2]),
      renameIndex: atLeast(requested, [10, 5, 2]),
      serverBinaries: ["mariadbd", "mysqld"],
      dockerImage: `mariadb:${requested}`,
      fastServerArgs: [...fast, "--skip-log-bin"],
    }
  }
  // MySQL 5.7 has binary logging off by default; 8.0 turned it on.
  const old = major(requested) < 8
  return {
    name,
    title: "MySQL",
    requested,
    quotedDefaults: false,
    dropsDisplayWidths: !old,
    jsonIsLongtext: false,
    checksHaveTable: false,
    dropCheck: "CHECK",
    defaultCheckName: (table, n) => new RegExp(`^${escape(table)}_chk_\\d+$`).test(n),
    renameColumn: atLeast(requested, [8]),
    renameIndex: atLeast(requested, [5, 7]),
    serverBinaries: ["mysqld"],
    dockerImage: `mysql:${requested}`,
    fastServerArgs: old ? fast : [...fast, "--skip-log-bin"],
  }
}

/** True when a `SELECT VERSION()` string comes from MariaDB. */
export const isMariaDbVersion = (version: string) => /mariadb/i.test(version)

/** "10.11.19-MariaDB-0+deb12u1" -> "10.11.19". */
export const plainVersion = (version: string) => /^\d+(\.\d+)*/.exec(version)?.[0] ?? version

/** Whether a server version satisfies the version asked for: `11` takes 11.x, `10.11` takes 10.11.x. */
export function versionMatches(requested: string, actual: string): boolean {
  const want = requested.split(".")
  const have = plainVersion(actual).split(".")
  return want.every((part, i) => part === have[i])
}
