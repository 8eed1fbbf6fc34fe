/**
 * capabilities: what code outside engines/ must know of MySQL and MariaDB (engines/engine.ts has the
 * defaults). DDL commits implicitly (https://dev.mysql.com/doc/refman/8.0/en/implicit-commit.html);
 * types per https://dev.mysql.com/doc/refman/8.0/en/storage-requirements.html: TINYINT(1) is the
 * boolean, a bare DECIMAL is decimal(10,0), REAL is DOUBLE (unless REAL_AS_FLOAT) while a bare FLOAT
 * is single precision, the TEXT and BLOB kinds have byte limits, utf8mb4 takes up to 4 bytes a
 * character, times default to no fractional digits, and TIMESTAMP ends in 2038. Sqitch drives both through its `mysql` engine. The hazard
 * conditions quote names with backticks, use CHAR_LENGTH, REGEXP, `<=>`, FIND_IN_SET and LEFT for a
 * key prefix; a NOT NULL column added without a default takes its type's implicit value
 * (https://dev.mysql.com/doc/refman/8.0/en/data-type-defaults.html), and a column that becomes
 * AUTO_INCREMENT numbers its zeros anew (unless NO_AUTO_VALUE_ON_ZERO). Kept apart from engine.ts so the
 * formats and the registry read it without the driver.
 */
import { standardHazardRules } from "../../model/hazards.ts"
import { capabilities } from "../engine.ts"
import { mysqlDml } from "./dml.ts"
import { mysqlDialect, quoteName, quoteString } from "./lexer.ts"
import type { FlavorName } from "./flavor.ts"

const textBytes = {
  TINYTEXT: 255,
  TEXT: 65535,
  MEDIUMTEXT: 16777215,
  LONGTEXT: 4294967295,
  TINYBLOB: 255,
  BLOB: 65535,
  MEDIUMBLOB: 16777215,
  LONGBLOB: 4294967295,
}

export const mysqlCapabilities = (flavor: FlavorName) =>
  capabilities({
    transactionalDdl: false,
    types: {
      tinyint1IsBoolean: true,
      bareDecimalPrecision: 10,
      realDigits: 15,
      bareFloatIsSingle: true,
      textBytes,
      bytesPerCharacter: 4,
      defaultTimePrecision: 0,
      timestampIsNarrow: true,
    },
    dml: () => mysqlDml(flavor === "mysql" ? "MySQL" : "MariaDB"),
    sqitchEngine: "mysql",
    identifiers: { dialect: mysqlDialect, unquoted: "as-written", defaultSchema: undefined },
    hazards: {
      ...standardHazardRules,
      lexer: mysqlDialect,
      quoteTable: quoteName,
      quoteColumn: quoteName,
      literal: quoteString,
      charLength: (expr) => `CHAR_LENGTH(${expr})`,
      byteLength: (expr) => `LENGTH(${expr})`,
      matches: (expr, pattern) => `${expr} REGEXP ${pattern}`,
      distinct: (a, b) => `NOT (${a} <=> ${b})`,
      asText: (expr) => `CAST(${expr} AS CHAR)`,
      implicitNotNullValues: true,
      setMember: (expr, label) => `FIND_IN_SET(${label}, ${expr}) > 0`,
      keyPrefix: (expr, length) => `LEFT(${expr}, ${length})`,
      numbering: (before, after, column) =>
        after.extra?.auto_increment !== undefined && before.extra?.auto_increment === undefined
          ? { condition: `${column} = 0`, enforced: false, breaking: ["0"], fitting: ["1", "2", "3"] }
          : undefined,
    },
  })
