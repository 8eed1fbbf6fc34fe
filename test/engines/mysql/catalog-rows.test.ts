/**
 * Catalog normalization on captured rows: what MySQL 8 reports (no server of it runs here) and what
 * MariaDB 10.11 reports for the same table must read as the same columns, checks and keys.
 */
import { describe, expect, test } from "bun:test"
import { flavorOf } from "../../../engines/mysql/flavor.ts"
import {
  type CatalogRows,
  type ColumnRow,
  normalizeCatalog,
  normalizeEvent,
  normalizeType,
  normalizeView,
  tableOptions,
} from "../../../engines/mysql/catalog.ts"

const mysql = flavorOf("mysql", "8.0")
const mariadb = flavorOf("mariadb", "10.11")

const column = (c: Partial<ColumnRow> & Pick<ColumnRow, "name" | "columnType" | "dataType">): ColumnRow => ({
  table: "p",
  position: 1,
  nullable: true,
  default: null,
  extra: "",
  charset: null,
  collation: null,
  generation: null,
  comment: "",
  ...c,
})

const empty = { views: [], triggers: [], routines: [], events: [], foreignKeys: [] }

// CREATE TABLE p (id INT PRIMARY KEY, name VARCHAR(20) DEFAULT 'it''s', j JSON, c INT CHECK (c > 0),
//   status ENUM('a','b') CHECK (status IN ('a','b')), ts TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
//   ON UPDATE CURRENT_TIMESTAMP, dt DATETIME DEFAULT (NOW() + INTERVAL 1 DAY), d DECIMAL(5,2) DEFAULT 1.5,
//   b BIT(3) DEFAULT b'101', n INT DEFAULT NULL)
const mysqlRows: CatalogRows = {
  ...empty,
  version: "8.0.36",
  database: "aim_x",
  tables: [
    {
      name: "p",
      collation: "utf8mb4_0900_ai_ci",
      createTable:
        "CREATE TABLE `p` (\n  `id` int NOT NULL,\n  `name` varchar(20) DEFAULT 'it''s',\n  `j` json DEFAULT NULL,\n  `c` int DEFAULT NULL,\n  `status` enum('a','b') DEFAULT NULL,\n  `ts` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,\n  `dt` datetime DEFAULT ((now() + interval 1 day)),\n  `d` decimal(5,2) DEFAULT '1.50',\n  `b` bit(3) DEFAULT b'101',\n  `n` int DEFAULT NULL,\n  PRIMARY KEY (`id`),\n  CONSTRAINT `p_chk_1` CHECK ((`c` > 0)),\n  CONSTRAINT `p_chk_2` CHECK ((`status` in (_utf8mb4'a',_utf8mb4'b')))\n) ENGINE=InnoDB AUTO_INCREMENT=7 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci",
    },
  ],
  columns: [
    column({ name: "id", columnType: "int", dataType: "int", nullable: false }),
    column({
      name: "name",
      columnType: "varchar(20)",
      dataType: "varchar",
      default: "it's",
      charset: "utf8mb4",
      collation: "utf8mb4_0900_ai_ci",
    }),
    column({ name: "j", columnType: "json", dataType: "json" }),
    column({ name: "c", columnType: "int", dataType: "int" }),
    column({
      name: "status",
      columnType: "enum('a','b')",
      dataType: "enum",
      charset: "utf8mb4",
      collation: "utf8mb4_0900_ai_ci",
    }),
    column({
      name: "ts",
      columnType: "timestamp",
      dataType: "timestamp",
      nullable: false,
      default: "CURRENT_TIMESTAMP",
      extra: "DEFAULT_GENERATED on update CURRENT_TIMESTAMP",
    }),
    column({
      name: "dt",
      columnType: "datetime",
      dataType: "datetime",
      default: "(now() + interval 1 day)",
      extra: "DEFAULT_GENERATED",
    }),
    column({ name: "d", columnType: "decimal(5,2)", dataType: "decimal", default: "1.50" }),
    column({ name: "b", columnType: "bit(3)", dataType: "bit", default: "b'101'" }),
    column({ name: "n", columnType: "int", dataType: "int" }),
  ],
  checks: [
    { table: "p", name: "p_chk_1", clause: "(`c` > 0)" },
    { table: "p", name: "p_chk_2", clause: "(`status` in (_utf8mb4'a',_utf8mb4'b'))" },
  ],
}

// The same statement on MariaDB 10.11 (captured from the server on this machine).
const mariadbRows: CatalogRows = {
  ...empty,
  version: "10.11.19-MariaDB",
  database: "aim_y",
  tables: [
    {
      name: "p",
      collation: "utf8mb4_general_ci",
      createTable:
        "CREATE TABLE `p` (\n  `id` int(11) NOT NULL,\n  `name` varchar(20) DEFAULT 'it''s',\n  `j` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT NULL CHECK (json_valid(`j`)),\n  `c` int(11) DEFAULT NULL CHECK (`c` > 0),\n  `status` enum('a','b') DEFAULT NULL CHECK (`status` in ('a','b')),\n  `ts` timestamp NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(),\n  `dt` datetime DEFAULT (current_timestamp() + interval 1 day),\n  `d` decimal(5,2) DEFAULT 1.50,\n  `b` bit(3) DEFAULT b'101',\n  `n` int(11) DEFAULT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci",
    },
  ],
  columns: [
    column({ name: "id", columnType: "int(11)", dataType: "int", nullable: false }),
    column({
      name: "name",
      columnType: "varchar(20)",
      dataType: "varchar",
      default: "'it''s'",
      charset: "utf8mb4",
      collation: "utf8mb4_general_ci",
    }),
    column({
      name: "j",
      columnType: "longtext",
      dataType: "longtext",
      default: "NULL",
      charset: "utf8mb4",
      collation: "utf8mb4_bin",
    }),
    column({ name: "c", columnType: "int(11)", dataType: "int", default: "NULL" }),
    column({
      name: "status",
      columnType: "enum('a','b')",
      dataType: "enum",
      default: "NULL",
      charset: "utf8mb4",
      collation: "utf8mb4_general_ci",
    }),
    column({
      name: "ts",
      columnType: "timestamp",
      dataType: "timestamp",
      nullable: false,
      default: "current_timestamp()",
      extra: "on update current_timestamp()",
    }),
    column({
      name: "dt",
      columnType: "datetime",
      dataType: "datetime",
      default: "(current_timestamp() + interval 1 day)",
    }),
    column({ name: "d", columnType: "decimal(5,2)", dataType: "decimal", default: "1.50" }),
    column({ name: "b", columnType: "bit(3)", dataType: "bit", default: "b'101'" }),
    column({ name: "n", columnType: "int(11)", dataType: "int", default: "NULL" }),
  ],
  checks: [
    { table: "p", name: "j", clause: "json_valid(`j`)", level: "Column" },
    { table: "p", name: "c", clause: "`c` > 0", level: "Column" },
    { table: "p", name: "status", clause: "`status` in ('a','b')", level: "Column" },
  ],
}

const columnsOf = (rows: CatalogRows, flavor = rows === mysqlRows ? mysql : mariadb) => {
  const table = normalizeCatalog(rows, flavor).tables[0]
  return new Map(table?.columns.map((c) => [c.name, { ...c, definition: undefined }]))
}

describe("mysql/mariadb catalog normalization", () => {
  test("CURRENT_TIMESTAMP and current_timestamp() are one default, ON UPDATE goes to extra", () => {
    for (const rows of [mysqlRows, mariadbRows]) {
      const ts = columnsOf(rows).get("ts")
      expect(ts?.default).toBe("CURRENT_TIMESTAMP")
      expect(ts?.extra).toEqual({ on_update: "CURRENT_TIMESTAMP" })
      expect(columnsOf(rows).get("dt")?.default).toBe("CURRENT_TIMESTAMP + interval 1 day")
    }
  })

  test("literal defaults read the same whether the server quotes them or not", () => {
    const my = columnsOf(mysqlRows)
    const maria = columnsOf(mariadbRows)
    for (const name of ["name", "d", "b", "n"])
      expect(my.get(name)?.default).toBe(maria.get(name)?.default as string)
    expect(my.get("name")?.default).toBe("'it''s'")
    expect(my.get("d")?.default).toBe("1.50")
    expect(my.get("n")?.default).toBeUndefined()
  })

  test("MariaDB's JSON (LONGTEXT + json_valid) reads as MySQL's JSON", () => {
    for (const rows of [mysqlRows, mariadbRows]) {
      const j = columnsOf(rows).get("j")
      expect(j?.type).toBe("JSON")
      expect(j?.collation).toBeUndefined()
      expect(j?.extra).toBeUndefined()
    }
  })

  test("CHECKs: MySQL's table-level rows with default names and introducers, MariaDB's column-level rows", () => {
    const my = normalizeCatalog(mysqlRows, mysql).tables[0]
    expect(my?.checks).toEqual([
      { name: undefined, expression: "c > 0" },
      { name: undefined, expression: "status in ('a','b')" },
    ])
    const maria = columnsOf(mariadbRows)
    expect(maria.get("c")?.extra).toEqual({ check: "c > 0" })
    expect(maria.get("status")?.extra).toEqual({ check: "status in ('a','b')" })
  })

  test("display widths: dropped as MySQL 8 does, kept on MariaDB, TINYINT(1) and ZEROFILL untouched", () => {
    expect(normalizeType("int(11)", mysql)).toBe("INT")
    expect(normalizeType("bigint(20) unsigned", mysql)).toBe("BIGINT UNSIGNED")
    expect(normalizeType("tinyint(1)", mysql)).toBe("TINYINT(1)")
    expect(normalizeType("int(5) unsigned zerofill", mysql)).toBe("INT(5) UNSIGNED ZEROFILL")
    expect(normalizeType("int(11)", mariadb)).toBe("INT(11)")
    expect(normalizeType("enum('a','B')", mariadb)).toBe("ENUM('a','B')")
  })

  test("AUTO_INCREMENT=n is not a table option; the rest are, sorted", () => {
    expect(
      tableOptions(
        " ENGINE=InnoDB AUTO_INCREMENT=7 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci COMMENT='a b'",
      ),
    ).toEqual(["COLLATE=utf8mb4_0900_ai_ci", "COMMENT='a b'", "DEFAULT CHARSET=utf8mb4", "ENGINE=InnoDB"])
    expect(normalizeCatalog(mysqlRows, mysql).tables[0]?.definition).not.toContain("AUTO_INCREMENT=7")
  })

  test("views lose DEFINER, default ALGORITHM and SQL SECURITY and their database qualifier, not their body", () => {
    const create =
      "CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` SQL SECURITY DEFINER VIEW `v` AS select `aim_x`.`p`.`id` AS `id` from `aim_x`.`p` where (`aim_x`.`p`.`c` > 0) WITH CASCADED CHECK OPTION"
    expect(normalizeView(create, "aim_x")).toBe(
      "CREATE VIEW `v` AS select `p`.`id` AS `id` from `p` where (`p`.`c` > 0) WITH CASCADED CHECK OPTION",
    )
    expect(
      normalizeView(
        "CREATE ALGORITHM=MERGE DEFINER=`a`@`%` SQL SECURITY INVOKER VIEW `v` AS select 1 AS `1`",
        "d",
      ),
    ).toBe("CREATE ALGORITHM=MERGE SQL SECURITY INVOKER VIEW `v` AS select 1 AS `1`")
  })

  test("events lose the STARTS the server filled in at creation, not one the user wrote", () => {
    const create =
      "CREATE DEFINER=`root`@`localhost` EVENT `e` ON SCHEDULE EVERY 1 DAY STARTS '2026-01-01 10:00:00' ON COMPLETION NOT PRESERVE ENABLE DO DELETE FROM t"
    expect(
      normalizeEvent({ name: "e", create, starts: "2026-01-01 10:00:00", created: "2026-01-01 10:00:01" }),
    ).toBe("CREATE EVENT `e` ON SCHEDULE EVERY 1 DAY ON COMPLETION NOT PRESERVE ENABLE DO DELETE FROM t")
    expect(
      normalizeEvent({ name: "e", create, starts: "2026-01-01 10:00:00", created: "2025-06-01 09:00:00" }),
    ).toContain("STARTS '2026-01-01 10:00:00'")
  })

  test("default foreign key names are folded, chosen ones kept; NO ACTION reads as RESTRICT", () => {
    const rows: CatalogRows = {
      ...mysqlRows,
      foreignKeys: [
        {
          table: "p",
          name: "p_ibfk_1",
          column: "c",
          position: 1,
          referencedTable: "q",
          referencedColumn: "id",
          onUpdate: "NO ACTION",
          onDelete: "CASCADE",
        },
        {
          table: "p",
          name: "fk_n",
          column: "n",
          position: 1,
          referencedTable: "q",
          referencedColumn: "id",
          onUpdate: "RESTRICT",
          onDelete: "SET NULL",
        },
      ],
    }
    const fks = normalizeCatalog(rows, mysql).tables[0]?.foreignKeys
    expect(fks?.map((f) => [f.name, f.onUpdate, f.onDelete])).toEqual([
      [undefined, "RESTRICT", "CASCADE"],
      ["fk_n", "RESTRICT", "SET NULL"],
    ])
  })
})
