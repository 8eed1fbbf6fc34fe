import { describe, expect, test } from "bun:test"
import { addNotNullWithoutDefault } from "../../rules/add-not-null-without-default.ts"
import { destructiveDml } from "../../rules/destructive-dml.ts"
import { dropColumn } from "../../rules/drop-column.ts"
import { dropIndex } from "../../rules/drop-index.ts"
import { dropTable } from "../../rules/drop-table.ts"
import { narrowingTypeChange } from "../../rules/narrowing-type-change.ts"
import { removeEnumValue } from "../../rules/remove-enum-value.ts"
import { planBothWays } from "../../engines/order.ts"
import { planSqlite } from "../../engines/sqlite/planner.ts"
import { schemaOfSql } from "../e2e/_cli.ts"
import { column, index, judge, pgEnum, schema, table, up } from "./_schemas.ts"

const users = (engine: string, ...extra: ReturnType<typeof column>[]) =>
  table("users", [column("id", engine === "postgres" ? "INTEGER" : "INTEGER"), ...extra])

describe("drop-table", () => {
  test("a dropped table is flagged at its DROP statement, with the line", async () => {
    const before = schema("sqlite", [users("sqlite"), table("posts", [column("id", "INTEGER")])])
    const after = schema("sqlite", [users("sqlite")])
    const found = judge(dropTable, before, after, await up("\n\nDROP TABLE posts;", "sqlite"))
    expect(found).toEqual([
      {
        rule: "drop-table",
        level: "warning",
        message: expect.stringContaining("posts"),
        statement: "DROP TABLE posts",
        line: 3,
      },
    ])
  })
  test("a renamed table is not a drop (SQLite, PostgreSQL, MySQL spellings)", async () => {
    const before = schema("sqlite", [table("posts", [column("id", "INTEGER")])])
    const after = schema("sqlite", [table("articles", [column("id", "INTEGER")])])
    expect(
      judge(dropTable, before, after, await up("ALTER TABLE posts RENAME TO articles", "sqlite")),
    ).toEqual([])
    expect(
      judge(
        dropTable,
        before,
        after,
        await up('ALTER TABLE IF EXISTS ONLY "posts" RENAME TO articles', "postgresql"),
      ),
    ).toEqual([])
    expect(judge(dropTable, before, after, await up("RENAME TABLE `posts` TO `articles`", "mysql"))).toEqual(
      [],
    )
  })
  test("renamed then dropped is still a drop", async () => {
    const before = schema("sqlite", [table("posts", [column("id", "INTEGER")])])
    const after = schema("sqlite", [])
    const found = judge(
      dropTable,
      before,
      after,
      await up("ALTER TABLE posts RENAME TO old_posts; DROP TABLE old_posts", "sqlite"),
    )
    expect(found.map((f) => [f.rule, f.statement])).toEqual([["drop-table", "DROP TABLE old_posts"]])
  })
})

describe("drop-column", () => {
  test("a dropped column is flagged; its table's drop is not double-counted", async () => {
    const before = schema("postgres", [
      users("postgres", column("bio", "TEXT")),
      table("t", [column("a", "TEXT")]),
    ])
    const after = schema("postgres", [users("postgres")])
    const found = judge(
      dropColumn,
      before,
      after,
      await up("ALTER TABLE users DROP COLUMN bio; DROP TABLE t", "postgresql"),
    )
    expect(found.map((f) => [f.rule, f.statement])).toEqual([
      ["drop-column", "ALTER TABLE users DROP COLUMN bio"],
    ])
  })
  test("RENAME COLUMN (any dialect) and MySQL CHANGE are renames", async () => {
    const before = schema("mysql", [users("mysql", column("bio", "text"))])
    const after = schema("mysql", [users("mysql", column("about", "text"))])
    for (const [sql, g] of [
      ["ALTER TABLE users RENAME COLUMN bio TO about", "sqlite"],
      ["ALTER TABLE users RENAME bio TO about", "postgresql"],
      ["ALTER TABLE `users` CHANGE `bio` `about` text", "mysql"],
    ] as const)
      expect(judge(dropColumn, before, after, await up(sql, g))).toEqual([])
  })
  test("a column kept through a table rename is not dropped", async () => {
    const before = schema("sqlite", [table("a", [column("x", "TEXT"), column("y", "TEXT")])])
    const after = schema("sqlite", [table("b", [column("x", "TEXT"), column("z", "TEXT")])])
    const found = judge(
      dropColumn,
      before,
      after,
      await up("ALTER TABLE a RENAME TO b; ALTER TABLE b RENAME COLUMN y TO z", "sqlite"),
    )
    expect(found).toEqual([])
  })
})

describe("narrowing-type-change", () => {
  const change = async (
    engine: string,
    from: string,
    to: string,
    grammar: "sqlite" | "postgresql" | "mysql",
  ) => {
    const before = schema(engine, [users(engine, column("c", from))])
    const after = schema(engine, [users(engine, column("c", to))])
    return judge(
      narrowingTypeChange,
      before,
      after,
      await up("ALTER TABLE users ALTER COLUMN c TYPE x", grammar),
    )
  }
  const narrows: Array<[string, string, string, "sqlite" | "postgresql" | "mysql"]> = [
    ["postgres", "CHARACTER VARYING(100)", "CHARACTER VARYING(20)", "postgresql"],
    ["postgres", "TEXT", "CHARACTER VARYING(20)", "postgresql"],
    ["postgres", "BIGINT", "INTEGER", "postgresql"],
    ["postgres", "NUMERIC(10,2)", "NUMERIC(10,1)", "postgresql"],
    ["postgres", "NUMERIC(10,2)", "NUMERIC(8,2)", "postgresql"],
    ["postgres", "TEXT", "INTEGER", "postgresql"],
    ["postgres", "TEXT", "DATE", "postgresql"],
    ["postgres", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITHOUT TIME ZONE", "postgresql"],
    ["postgres", "DOUBLE PRECISION", "REAL", "postgresql"],
    ["mysql", "varchar(255)", "varchar(50)", "mysql"],
    ["mysql", "int", "smallint", "mysql"],
    ["mysql", "int", "int unsigned", "mysql"],
    ["mysql", "decimal(12,4)", "decimal(12,2)", "mysql"],
    ["mysql", "datetime", "timestamp", "mysql"],
    ["mysql", "mediumtext", "text", "mysql"],
    ["sqlite", "VARCHAR(100)", "VARCHAR(10)", "sqlite"],
    ["sqlite", "TEXT", "INTEGER", "sqlite"],
    ["sqlite", "REAL", "INTEGER", "sqlite"],
  ]
  for (const [engine, from, to, g] of narrows)
    test(`${engine}: ${from} -> ${to} is flagged`, async () => {
      const found = await change(engine, from, to, g)
      expect(found.map((f) => f.rule)).toEqual(["narrowing-type-change"])
      expect(found[0]?.statement).toBe("ALTER TABLE users ALTER COLUMN c TYPE x")
    })
  const widens: Array<[string, string, string, "sqlite" | "postgresql" | "mysql"]> = [
    ["postgres", "CHARACTER VARYING(20)", "CHARACTER VARYING(100)", "postgresql"],
    ["postgres", "CHARACTER VARYING(20)", "TEXT", "postgresql"],
    ["postgres", "INTEGER", "BIGINT", "postgresql"],
    ["postgres", "NUMERIC(8,2)", "NUMERIC(12,4)", "postgresql"],
    ["postgres", "INTEGER", "TEXT", "postgresql"],
    ["postgres", "TIMESTAMP WITHOUT TIME ZONE", "TIMESTAMP WITH TIME ZONE", "postgresql"],
    ["postgres", "DATE", "TIMESTAMP WITHOUT TIME ZONE", "postgresql"],
    ["postgres", "JSON", "JSONB", "postgresql"],
    ["mysql", "varchar(50)", "varchar(255)", "mysql"],
    ["mysql", "int unsigned", "bigint", "mysql"],
    ["mysql", "timestamp", "datetime", "mysql"],
    ["mysql", "text", "mediumtext", "mysql"],
    ["sqlite", "INT", "SMALLINT", "sqlite"],
    ["sqlite", "INTEGER", "TEXT", "sqlite"],
  ]
  for (const [engine, from, to, g] of widens)
    test(`${engine}: ${from} -> ${to} is not flagged`, async () => {
      expect(await change(engine, from, to, g)).toEqual([])
    })
  test("SQLite says a declared length is not enforced", async () => {
    const [found] = await change("sqlite", "VARCHAR(100)", "VARCHAR(10)", "sqlite")
    expect(found?.message).toContain("SQLite does not enforce")
  })
})

describe("remove-enum-value", () => {
  test("PostgreSQL: an enum type changed in place (the swap-and-rename pattern) loses a value", async () => {
    const t = (type: string) => table("orders", [column("id", "INTEGER"), column("status", type)])
    const before = schema("postgres", [t("status")], [pgEnum("status", ["new", "paid", "void"])])
    const after = schema("postgres", [t("status")], [pgEnum("status", ["new", "paid"])])
    const sql = `ALTER TYPE status RENAME TO status_old;
CREATE TYPE status AS ENUM ('new', 'paid');
ALTER TABLE orders ALTER COLUMN status TYPE status USING status::text::status;
DROP TYPE status_old`
    const found = judge(removeEnumValue, before, after, await up(sql, "postgresql"))
    expect(found.map((f) => [f.rule, f.line])).toEqual([["remove-enum-value", 1]])
    expect(found[0]?.message).toContain("'void'")
  })
  test("PostgreSQL: a column moved to a new enum type with fewer labels", async () => {
    const before = schema(
      "postgres",
      [table("orders", [column("s", "status")])],
      [pgEnum("status", ["a", "b"])],
    )
    const after = schema(
      "postgres",
      [table("orders", [column("s", "status_v2")])],
      [pgEnum("status_v2", ["a"])],
    )
    const sql =
      "CREATE TYPE status_v2 AS ENUM ('a'); ALTER TABLE orders ALTER COLUMN s TYPE status_v2 USING s::text::status_v2; DROP TYPE status"
    const found = judge(removeEnumValue, before, after, await up(sql, "postgresql"))
    expect(found.map((f) => [f.rule, f.line, f.message.includes("'b'")])).toEqual([
      ["remove-enum-value", 1, true],
    ])
  })
  test("PostgreSQL: RENAME VALUE keeps the rows and is not flagged; adding a value is not either", async () => {
    const before = schema("postgres", [], [pgEnum("status", ["a", "b"])])
    const renamed = schema("postgres", [], [pgEnum("status", ["a", "c"])])
    const added = schema("postgres", [], [pgEnum("status", ["a", "b", "c"])])
    expect(
      judge(
        removeEnumValue,
        before,
        renamed,
        await up("ALTER TYPE status RENAME VALUE 'b' TO 'c'", "postgresql"),
      ),
    ).toEqual([])
    expect(
      judge(removeEnumValue, before, added, await up("ALTER TYPE status ADD VALUE 'c'", "postgresql")),
    ).toEqual([])
  })
  test("MySQL: ENUM and SET column types that lose labels", async () => {
    const t = (e: string, s: string) => table("t", [column("e", e), column("s", s)])
    const before = schema("mysql", [t("enum('a','b','c')", "set('x','y')")])
    const after = schema("mysql", [t("enum('a','b')", "set('x','y','z')")])
    const found = judge(
      removeEnumValue,
      before,
      after,
      await up("ALTER TABLE t MODIFY e enum('a','b')", "mysql"),
    )
    expect(found.map((f) => [f.rule, f.statement])).toEqual([
      ["remove-enum-value", "ALTER TABLE t MODIFY e enum('a','b')"],
    ])
  })
})

describe("add-not-null-without-default", () => {
  const before = schema("postgres", [users("postgres")])
  test("a NOT NULL column without default on an existing table", async () => {
    const after = schema("postgres", [users("postgres", column("email", "TEXT", { notNull: true }))])
    const found = judge(
      addNotNullWithoutDefault,
      before,
      after,
      await up("ALTER TABLE users ADD COLUMN email text NOT NULL", "postgresql"),
    )
    expect(found.map((f) => [f.rule, f.statement])).toEqual([
      ["add-not-null-without-default", "ALTER TABLE users ADD COLUMN email text NOT NULL"],
    ])
  })
  test("with a default, generated, identity, or on a new table: not flagged", async () => {
    for (const c of [
      column("email", "TEXT", { notNull: true, default: "''" }),
      column("n", "INTEGER", { notNull: true, generated: { expression: "id * 2", stored: true } }),
      column("seq", "BIGINT", { notNull: true, extra: { identity: "ALWAYS" } }),
    ])
      expect(judge(addNotNullWithoutDefault, before, schema("postgres", [users("postgres", c)]), [])).toEqual(
        [],
      )
    const created = schema("postgres", [
      users("postgres"),
      table("t", [column("a", "TEXT", { notNull: true })]),
    ])
    expect(judge(addNotNullWithoutDefault, before, created, [])).toEqual([])
  })
  test("an existing column made NOT NULL without a default", async () => {
    const b = schema("sqlite", [users("sqlite", column("name", "TEXT"))])
    const a = schema("sqlite", [users("sqlite", column("name", "TEXT", { notNull: true }))])
    expect(judge(addNotNullWithoutDefault, b, a, []).map((f) => f.rule)).toEqual([
      "add-not-null-without-default",
    ])
  })
})

describe("drop-index", () => {
  test("a dropped index of a surviving table; not a renamed one, nor one that goes with its table", async () => {
    const before = schema(
      "postgres",
      [users("postgres"), table("t", [column("a", "TEXT")])],
      [index("users_name", "users"), index("t_a", "t")],
    )
    const after = schema("postgres", [users("postgres")])
    const found = judge(
      dropIndex,
      before,
      after,
      await up("DROP INDEX CONCURRENTLY IF EXISTS users_name; DROP TABLE t", "postgresql"),
    )
    expect(found.map((f) => [f.rule, f.statement])).toEqual([
      ["drop-index", "DROP INDEX CONCURRENTLY IF EXISTS users_name"],
    ])
    const renamed = schema(
      "postgres",
      [users("postgres"), table("t", [column("a", "TEXT")])],
      [index("users_by_name", "users"), index("t_a", "t")],
    )
    expect(
      judge(
        dropIndex,
        before,
        renamed,
        await up("ALTER INDEX users_name RENAME TO users_by_name", "postgresql"),
      ),
    ).toEqual([])
  })
  test("MySQL: ALTER TABLE ... DROP INDEX", async () => {
    const before = schema("mysql", [users("mysql")], [index("name_idx", "users")])
    const after = schema("mysql", [users("mysql")])
    const found = judge(
      dropIndex,
      before,
      after,
      await up("ALTER TABLE `users` DROP INDEX `name_idx`", "mysql"),
    )
    expect(found.map((f) => f.statement)).toEqual(["ALTER TABLE `users` DROP INDEX `name_idx`"])
  })
})

describe("destructive-dml", () => {
  const s = schema("sqlite", [])
  const flagged = async (sql: string, g: "sqlite" | "postgresql" | "mysql" | "mariadb" | undefined) =>
    judge(destructiveDml, s, s, await up(sql, g)).map((f) => f.statement)
  test("PostgreSQL: TRUNCATE, DELETE/UPDATE without WHERE, DML in a CTE and a DO block; not filtered ones, nor rule bodies", async () => {
    const sql = `TRUNCATE a CASCADE;
DELETE FROM b;
DELETE FROM c WHERE id = 1;
UPDATE d SET x = (SELECT y FROM e WHERE e.id = d.id);
WITH gone AS (DELETE FROM f RETURNING *) SELECT count(*) FROM gone WHERE true;
DO $$ BEGIN UPDATE g SET x = 1; END $$;
CREATE RULE r AS ON INSERT TO h DO ALSO DELETE FROM i;
ALTER TABLE j ADD CONSTRAINT fk FOREIGN KEY (k) REFERENCES l (id) ON DELETE CASCADE`
    expect(await flagged(sql, "postgresql")).toEqual([
      "TRUNCATE a CASCADE",
      "DELETE FROM b",
      "UPDATE d SET x = (SELECT y FROM e WHERE e.id = d.id)",
      "WITH gone AS (DELETE FROM f RETURNING *) SELECT count(*) FROM gone WHERE true",
      "DO $$ BEGIN UPDATE g SET x = 1; END $$",
    ])
  })
  test("SQLite: UPDATE ... FROM, DELETE with RETURNING, trigger bodies skipped", async () => {
    const sql = `UPDATE OR REPLACE t SET a = 1;
DELETE FROM t RETURNING id;
UPDATE t SET a = u.b FROM u WHERE u.id = t.id;
CREATE TRIGGER trg AFTER INSERT ON a BEGIN DELETE FROM b; END`
    expect(await flagged(sql, "sqlite")).toEqual([
      "UPDATE OR REPLACE t SET a = 1",
      "DELETE FROM t RETURNING id",
    ])
  })
  test("MySQL and MariaDB: TRUNCATE, ORDER BY ... LIMIT without WHERE; a join-limited DELETE passes", async () => {
    for (const g of ["mysql", "mariadb"] as const) {
      const sql =
        "TRUNCATE TABLE t; DELETE FROM t ORDER BY id LIMIT 10; DELETE u FROM users u JOIN bans b ON b.id = u.id; UPDATE t SET a = 1 WHERE id = 2"
      expect(await flagged(sql, g)).toEqual(["TRUNCATE TABLE t", "DELETE FROM t ORDER BY id LIMIT 10"])
    }
  })
  test("a statement the parser rejects falls back to tokens and says so", async () => {
    const found = judge(
      destructiveDml,
      s,
      s,
      await up(
        "DELETE FROM t WHERE id IN (SELECT x FROM y WHERE z) ~~~ nonsense; UPDATE t SET ~~~ nonsense",
        "postgresql",
      ),
    )
    expect(found.map((f) => [f.line, f.message.includes("checked by tokens")])).toEqual([[1, true]])
    const noGrammar = judge(destructiveDml, s, s, await up("DELETE FROM t", undefined))
    expect(noGrammar.map((f) => f.message.includes("checked by tokens"))).toEqual([true])
  })
})

describe("rules on a SQLite rebuild point at the statement that changes the rows", () => {
  // The planner's own rebuild: the table and its children parked in temp tables, emptied, copied back.
  const before = schemaOfSql(`CREATE TABLE authors (id INTEGER PRIMARY KEY, note TEXT, code VARCHAR(20));
CREATE TABLE books (id INTEGER PRIMARY KEY, author_id INT REFERENCES authors (id) ON DELETE CASCADE);`)
  const after =
    schemaOfSql(`CREATE TABLE authors (id INTEGER PRIMARY KEY, note TEXT NOT NULL, code VARCHAR(5));
CREATE TABLE books (id INTEGER PRIMARY KEY, author_id INT REFERENCES authors (id) ON DELETE CASCADE);`)
  const script = planBothWays(planSqlite, before, after).up.join(";\n")
  const copyBack = /^INSERT INTO authors \(.*\) SELECT .* FROM temp\.aim_old_authors$/

  test("emptying a table whose rows are parked and copied back is not destructive-dml", async () => {
    expect(script).toContain("DELETE FROM books")
    expect(judge(destructiveDml, before, after, await up(script, "sqlite"))).toEqual([])
  })

  test("a DELETE whose rows are not all put back, or put back from elsewhere, still is", async () => {
    const partial = `CREATE TEMP TABLE keep AS SELECT * FROM books WHERE id > 1;
DELETE FROM books;
INSERT INTO books SELECT * FROM temp.keep`
    const elsewhere = `CREATE TEMP TABLE keep AS SELECT * FROM books;
DELETE FROM books;
INSERT INTO books SELECT * FROM other`
    for (const sql of [partial, elsewhere])
      expect((await up(sql, "sqlite")).flatMap((s) => s.dml).length).toBe(1)
    expect(judge(destructiveDml, before, after, await up(partial, "sqlite")).map((f) => f.statement)).toEqual(
      ["DELETE FROM books"],
    )
    expect(
      judge(destructiveDml, before, after, await up(elsewhere, "sqlite")).map((f) => f.statement),
    ).toEqual(["DELETE FROM books"])
  })

  test("add-not-null-without-default and narrowing-type-change name the copy back, not CREATE TEMP TABLE", async () => {
    const statements = await up(script, "sqlite")
    for (const rule of [addNotNullWithoutDefault, narrowingTypeChange]) {
      const found = judge(rule, before, after, statements)
      expect(found).toHaveLength(1)
      expect(found[0]?.statement).toMatch(copyBack)
    }
  })
})
