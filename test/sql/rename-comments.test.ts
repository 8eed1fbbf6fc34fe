import { describe, expect, test } from "bun:test"
import { mysqlCapabilities } from "../../engines/mysql/capabilities.ts"
import { postgresCapabilities } from "../../engines/postgres/capabilities.ts"
import { sqliteCapabilities } from "../../engines/sqlite/capabilities.ts"
import { findRenameComments, type RenameComment } from "../../sql/rename-comments.ts"

const sqlite = sqliteCapabilities.identifiers.dialect
const postgres = postgresCapabilities.identifiers.dialect
const mysql = mysqlCapabilities("mariadb").identifiers.dialect

/** Each comment as `line: old -> target` or `line: problem`, the way a reader checks them. */
const read = (sql: string, dialect = sqlite) =>
  findRenameComments(sql, dialect).map((c: RenameComment) => {
    if (c.problem !== undefined) return `${c.line}: ${c.problem}`
    const name = (parts: ReadonlyArray<{ text: string; quoted: boolean }>) =>
      parts.map((p) => (p.quoted ? `"${p.text}"` : p.text)).join(".")
    const target =
      c.target.kind === "table"
        ? `table ${name(c.target.table)}`
        : `column ${name(c.target.table)}.${name([c.target.column])}`
    return `${c.line}: ${name(c.from)} -> ${target}`
  })

describe("rename comments: what each one annotates", () => {
  test("at the end of a column's line, before or after its comma, or on the line of CREATE TABLE", () => {
    const sql = `CREATE TABLE clients ( -- aim:renamed-from customers
  id INT PRIMARY KEY,
  full_name TEXT NOT NULL, -- aim:renamed-from name
  note TEXT -- aim:renamed-from remark
);`
    expect(read(sql)).toEqual([
      "1: customers -> table clients",
      "3: name -> column clients.full_name",
      "4: remark -> column clients.note",
    ])
  })

  test("alone on the line above, past other comment lines but not past a blank line", () => {
    const sql = `-- aim:renamed-from customers
-- Who buys.
CREATE TABLE clients (
  id INT PRIMARY KEY,
  -- aim:renamed-from name
  full_name TEXT
);
-- aim:renamed-from old_orders

CREATE TABLE orders (id INT);`
    expect(read(sql)).toEqual([
      "1: customers -> table clients",
      "5: name -> column clients.full_name",
      "8: aim:renamed-from old_orders is not at the end of a line that defines a table or column, nor alone on the line above one",
    ])
  })

  test("a block comment in the header or in a column; a column spread over lines; quoted and qualified names", () => {
    const sql = `CREATE TABLE "New Users" /* aim:renamed-from "old users" */ (
  "Full Name" TEXT
    NOT NULL, -- aim:renamed-from "full name"
  b INT /* aim:renamed-from a */ DEFAULT 1
);`
    expect(read(sql)).toEqual([
      '1: "old users" -> table "New Users"',
      '3: "full name" -> column "New Users"."Full Name"',
      '4: a -> column "New Users".b',
    ])
    expect(
      read("CREATE TABLE audit.entries ( -- aim:renamed-from audit.log\n  id int\n);", postgres),
    ).toEqual(["1: audit.log -> table audit.entries"])
  })

  test("each engine's own quoting and comments: MySQL backticks and # comments", () => {
    const sql =
      "CREATE TABLE `t` (\n  `b` INT, # aim:renamed-from `a b`\n  c INT -- aim:renamed-from d\n) ENGINE=InnoDB;"
    expect(read(sql, mysql)).toEqual(['2: "a b" -> column "t"."b"', '3: d -> column "t".c'])
  })

  test("a marker inside a string is not a comment; prose that mentions aim: is not a directive", () => {
    const sql = `-- aim: keep this table small
CREATE TABLE t (a TEXT DEFAULT '-- aim:renamed-from x');`
    expect(read(sql)).toEqual([])
  })

  test("what cannot be read is a problem on its line", () => {
    const sql = `CREATE TABLE t (
  a INT, b INT, -- aim:renamed-from c
  CONSTRAINT k UNIQUE (a), -- aim:renamed-from j
  d INT -- aim:renamed-from
);
CREATE INDEX i ON t (a); -- aim:renamed-from old_i
CREATE TABLE u (id INT); -- aim:renamed-from v
-- aim:rename-from w
CREATE VIEW v AS SELECT 1; -- aim:renamed-from x y`
    expect(read(sql)).toEqual([
      "2: aim:renamed-from stands on a line that defines more than one thing; put each table or column on a line of its own, or the comment alone on the line above the one it is about",
      "3: aim:renamed-from annotates a constraint or index, not a column: only tables and columns are renamed",
      "4: aim:renamed-from needs one name after it, the old name of the table or column (quoted where it needs quotes)",
      "6: aim:renamed-from old_i is not at the end of a line that defines a table or column, nor alone on the line above one",
      "7: aim:renamed-from stands on a line that defines more than one thing; put each table or column on a line of its own, or the comment alone on the line above the one it is about",
      "8: unknown directive aim:rename-from (aim reads aim:renamed-from <old name> in schema.sql)",
      "9: aim:renamed-from needs one name after it, the old name of the table or column (quoted where it needs quotes)",
    ])
  })

  test("a one-line table takes the comment on the line above", () => {
    expect(read("-- aim:renamed-from v\nCREATE TABLE u (id INT);")).toEqual(["1: v -> table u"])
  })
})
