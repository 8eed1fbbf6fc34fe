/**
 * capabilities: what code outside engines/ must know of MySQL and MariaDB (engines/engine.ts has the
 * defaults). DDL commits implicitly (https://dev.mysql.com/doc/refman/8.0/en/implicit-commit.html);
 * types per https://dev.mysql.com/doc/refman/8.0/en/storage-requirements.html: TINYINT(1) is the
 * boolean, a bare DECIMAL is decimal(10,0), REAL is DOUBLE (unless REAL_AS_FLOAT) while a bare FLOAT
 * is single precision, the TEXT and BLOB kinds have byte limits, utf8mb4 takes up to 4 bytes a
 * character, times default to no fractional digits, and TIMESTAMP ends in 2038. Sqitch drives both through its `mysql` engine. Kept apart from engine.ts so the
 * formats and the registry read it without the driver.
 */
import { capabilities } from "../engine.ts"
import { mysqlDml } from "./dml.ts"
import type { FlavorName } from "./flavor.ts"
import { mysqlDialect } from "./lexer.ts"

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
  })
