import { describe, expect, test } from "bun:test"
import type { Capabilities } from "../../engines/engine.ts"
import { mysqlCapabilities } from "../../engines/mysql/capabilities.ts"
import { postgresCapabilities } from "../../engines/postgres/capabilities.ts"
import { sqliteCapabilities } from "../../engines/sqlite/capabilities.ts"
import type { RenameHints, Schema, SchemaObject } from "../../model.ts"
import { diffSchemas } from "../../model/diff.ts"
import { findHazards } from "../../model/hazards.ts"
import { column, foreignKey, pgEnum, schema, table } from "../rules/_schemas.ts"

const mysql = mysqlCapabilities("mariadb")

function hazards(caps: Capabilities, before: Schema, after: Schema, renames?: RenameHints) {
  return findHazards(diffSchemas(before, after, renames), before, after, caps.hazards, caps.types, renames)
}

const orders = (engine: string, ...cols: ReturnType<typeof column>[]) =>
  schema(engine, [table("orders", [column("id", "integer", { notNull: true }), ...cols])])

describe("the rows a change would break, as SQL on the table before it", () => {
  test("NOT NULL: the NULLs, qualified by the table", () => {
    const found = hazards(
      postgresCapabilities,
      orders("postgres", column("note", "text")),
      orders("postgres", column("note", "text", { notNull: true })),
    )
    expect(found).toMatchObject([
      {
        kind: "not-null",
        table: "orders",
        columns: ["note"],
        condition: "orders.note IS NULL",
        check: "SELECT count(*) FROM orders WHERE orders.note IS NULL",
        enforced: true,
        breaking: { note: ["NULL"] },
      },
    ])
  })

  test("a NOT NULL column added without a default: every row; MySQL fills it instead of failing", () => {
    const before = orders("postgres")
    const after = orders("postgres", column("note", "text", { notNull: true }))
    expect(hazards(postgresCapabilities, before, after)).toMatchObject([
      { columns: ["note"], condition: "1 = 1", check: "SELECT count(*) FROM orders", enforced: true },
    ])
    expect(hazards(mysql, before, after)).toMatchObject([
      { check: "SELECT count(*) FROM `orders`", enforced: false },
    ])
  })

  test("a NOT NULL column beside a dropped one it may be renamed from: reported as maybe renamed", () => {
    const found = hazards(
      sqliteCapabilities,
      orders("sqlite", column("name", "TEXT", { notNull: true })),
      orders("sqlite", column("full_name", "TEXT", { notNull: true })),
    )
    expect(found).toMatchObject([
      { columns: ["full_name"], condition: "1 = 1", enforced: true, maybeRenamed: true },
    ])
  })

  test("a key: rows sharing their values with another row; a column the change adds takes one value", () => {
    const before = orders("mariadb", column("a", "INT(11)"), column("b", "INT(11)"))
    const after = schema("mariadb", [
      table("orders", [...(before.tables[0]?.columns ?? []), column("c", "INT(11)", { notNull: true })], {
        uniques: [{ name: "ab", columns: ["a", "b"] }],
        primaryKey: { columns: ["c"], autoincrement: false },
      }),
    ])
    const found = hazards(mysql, before, after).filter((h) => h.kind === "unique")
    expect(found.map((h) => h.condition).sort()).toEqual([
      "(SELECT count(*) FROM `orders`) > 1",
      "(`orders`.`a`, `orders`.`b`) IN (SELECT `a`, `b` FROM `orders` GROUP BY `a`, `b` HAVING count(*) > 1)",
    ])
    expect(found.find((h) => h.columns.length === 2)?.duplicate).toEqual(["a", "b"])
  })

  test("a unique index: its expressions, its WHERE, and a MySQL key prefix", () => {
    const index = (definition: string, on = "orders"): SchemaObject => ({
      kind: "index",
      name: "ux",
      table: on,
      definition,
      key: definition,
      dependsOn: [on],
    })
    const pg = hazards(
      postgresCapabilities,
      orders("postgres", column("email", "text"), column("live", "boolean")),
      schema("postgres", orders("postgres", column("email", "text"), column("live", "boolean")).tables, [
        index("CREATE UNIQUE INDEX ux ON orders (lower(email) text_pattern_ops DESC) WHERE live"),
      ]),
    )
    expect(pg).toMatchObject([
      {
        columns: ["email"],
        condition:
          "lower(email) IN (SELECT lower(email) FROM orders WHERE live GROUP BY lower(email) HAVING count(*) > 1) AND (live)",
      },
    ])
    const my = hazards(
      mysql,
      orders("mariadb", column("email", "VARCHAR(100)")),
      schema("mariadb", orders("mariadb", column("email", "VARCHAR(100)")).tables, [
        index("CREATE UNIQUE INDEX `ux` ON `orders` (`email`(5))"),
      ]),
    )
    expect(my[0]?.condition).toBe(
      "LEFT(`email`, 5) IN (SELECT LEFT(`email`, 5) FROM `orders` GROUP BY LEFT(`email`, 5) HAVING count(*) > 1)",
    )
  })

  test("a foreign key: orphans, with a parent that exists before; any value when the parent is new", () => {
    const customers = table("customers", [column("id", "integer", { notNull: true })])
    const before = schema("postgres", [customers, table("orders", [column("customer_id", "integer")])])
    const withKey = (parent: string) =>
      table("orders", [column("customer_id", "integer")], {
        foreignKeys: [foreignKey("fk", ["customer_id"], parent, ["id"])],
      })
    const found = hazards(postgresCapabilities, before, schema("postgres", [customers, withKey("customers")]))
    expect(found).toMatchObject([
      {
        kind: "foreign-key",
        condition:
          "orders.customer_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM customers AS parent WHERE parent.id = orders.customer_id)",
        parent: { table: "customers", columns: ["customer_id"], referencedColumns: ["id"] },
      },
    ])
    const fresh = hazards(
      postgresCapabilities,
      before,
      schema("postgres", [customers, table("accounts", [column("id", "integer")]), withKey("accounts")]),
    )
    expect(fresh).toMatchObject([{ condition: "orders.customer_id IS NOT NULL", parent: undefined }])
  })

  test("a CHECK: rows where it is false (NULL passes), in the names the table had before a rename", () => {
    const before = orders("postgres", column("qty", "integer"))
    const after = schema("postgres", [
      table("orders", [column("id", "integer", { notNull: true }), column("quantity", "integer")], {
        checks: [{ expression: "quantity > 0 AND quantity < 100" }],
      }),
    ])
    const found = hazards(postgresCapabilities, before, after, {
      columns: [{ table: "orders", from: "qty", to: "quantity" }],
    })
    expect(found).toMatchObject([
      { kind: "check", columns: ["qty"], condition: "NOT (qty > 0 AND qty < 100)", enforced: true },
    ])
    expect(found[0]?.breaking.qty).toContain("0")
    expect(found[0]?.fitting.qty).toContain("1")
  })

  test("PostgreSQL: a CHECK kept with NO INHERIT after it is counted by its expression", () => {
    const after = schema("postgres", [
      table("orders", [column("id", "integer", { notNull: true })], {
        checks: [{ expression: "(id > 2) NO INHERIT" }],
      }),
    ])
    expect(hazards(postgresCapabilities, orders("postgres"), after)[0]?.condition).toBe("NOT ((id > 2))")
  })

  test("a CHECK on a column the change adds is none: no query on the table before can find its rows", () => {
    const after = schema("postgres", [
      table("orders", [column("id", "integer", { notNull: true }), column("qty", "integer")], {
        checks: [{ expression: "qty > 0" }],
      }),
    ])
    expect(hazards(postgresCapabilities, orders("postgres"), after)).toEqual([])
  })

  test("narrowed types: lengths, integer ranges, decimal digits and rounding, text that must parse", () => {
    const before = orders(
      "postgres",
      column("code", "character varying(20)"),
      column("n", "integer"),
      column("amount", "numeric(10,3)"),
      column("count", "text"),
    )
    const after = orders(
      "postgres",
      column("code", "character(1)"),
      column("n", "smallint"),
      column("amount", "numeric(5,2)"),
      column("count", "integer"),
    )
    const found = hazards(postgresCapabilities, before, after)
    expect(found.map((h) => [h.condition, h.enforced, h.breaking[h.columns[0] as string]])).toEqual([
      ["char_length(orders.code) > 1", true, ["'xx'"]],
      ["(orders.n < -32768 OR orders.n > 32767)", true, ["32768", "-32769"]],
      ["abs(round(orders.amount, 2)) >= 1000", true, ["1000"]],
      ["orders.amount <> round(orders.amount, 2)", false, ["0.001"]],
      ["NOT (orders.count ~ '^[[:space:]]*[-+]?[0-9]+[[:space:]]*$')", true, ["'x'"]],
    ])
  })

  test("ENUM and SET labels removed (MySQL), an enum type that loses a label (PostgreSQL)", () => {
    const my = hazards(
      mysql,
      orders("mariadb", column("status", "ENUM('new','paid','void')"), column("tags", "SET('a','b','c')")),
      orders("mariadb", column("status", "ENUM('new','paid')"), column("tags", "SET('a','b')")),
    )
    expect(
      my.map((h) => [h.condition, h.breaking[h.columns[0] as string], h.fitting[h.columns[0] as string]]),
    ).toEqual([
      ["`orders`.`status` IN ('void')", ["'void'"], ["'new'", "'paid'"]],
      ["(FIND_IN_SET('c', `orders`.`tags`) > 0)", ["'c'"], ["'a'", "'b'"]],
    ])
    const pg = hazards(
      postgresCapabilities,
      schema("postgres", orders("postgres", column("m", "mood")).tables, [pgEnum("mood", ["happy", "sad"])]),
      schema("postgres", orders("postgres", column("m", "mood")).tables, [pgEnum("mood", ["happy"])]),
    )
    expect(pg).toMatchObject([{ table: "orders", columns: ["m"], condition: "orders.m::text IN ('sad')" }])
    // Text becoming an enum type of the schema's own: values outside its labels.
    const text = hazards(
      postgresCapabilities,
      schema("postgres", orders("postgres", column("m", "text")).tables, [pgEnum("mood", ["happy"])]),
      schema("postgres", orders("postgres", column("m", "mood")).tables, [pgEnum("mood", ["happy"])]),
    )
    expect(text[0]?.condition).toBe("orders.m::text NOT IN ('happy')")
  })

  test("SQLite: declared lengths are not enforced, and type affinity changes values", () => {
    const found = hazards(
      sqliteCapabilities,
      orders(
        "sqlite",
        column("code", "VARCHAR(20)"),
        column("n", "TEXT"),
        column("r", "REAL"),
        column("t", "INTEGER"),
      ),
      orders(
        "sqlite",
        column("code", "VARCHAR(5)"),
        column("n", "INTEGER"),
        column("r", "INTEGER"),
        column("t", "TEXT"),
      ),
    )
    expect(found.map((h) => [h.condition, h.enforced])).toEqual([
      ["length(orders.code) > 5", false],
      ["(typeof(orders.n) = 'text' AND CAST(orders.n AS NUMERIC) = orders.n)", false],
      ["(typeof(orders.r) = 'real' AND orders.r = CAST(orders.r AS INTEGER))", false],
      ["typeof(orders.t) IN ('integer', 'real')", false],
    ])
  })

  test("a generated column's new expression: rows whose value it would replace; MySQL AUTO_INCREMENT: zeros", () => {
    const pg = hazards(
      postgresCapabilities,
      orders("postgres", column("a", "integer"), column("b", "integer")),
      orders(
        "postgres",
        column("a", "integer"),
        column("b", "integer", { generated: { expression: "a * 2", stored: true } }),
      ),
    )
    expect(pg).toMatchObject([
      { kind: "generated", condition: "orders.b IS DISTINCT FROM (a * 2)", enforced: false },
    ])
    const my = hazards(
      mysql,
      orders("mariadb", column("n", "INT(11)", { notNull: true })),
      orders("mariadb", column("n", "INT(11)", { notNull: true, extra: { auto_increment: "true" } })),
    )
    expect(my).toMatchObject([{ kind: "identity", condition: "`orders`.`n` = 0", enforced: false }])
  })
})
