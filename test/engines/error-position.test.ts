/**
 * Reading where a statement failed: each engine's offset reader on the errors its database really
 * gives (SQLite through bun:sqlite; MySQL's wording, which no server here produces, from captured
 * messages), and `pinpoint` turning an offset into the file's line and column, also for a
 * statement that starts in the middle of a line.
 */
import { Database } from "bun:sqlite"
import { describe, expect, test } from "bun:test"
import { StatementFailed } from "../../engines/engine.ts"
import { lineAndColumn, pinpoint } from "../../engines/error-position.ts"
import { errorOffset as mysqlOffset, shortReason } from "../../engines/mysql/error-offset.ts"
import { errorOffset as pgOffset } from "../../engines/postgres/error-offset.ts"
import { errorOffset as sqliteOffset } from "../../engines/sqlite/error-offset.ts"
import { splitStatements } from "../../engines/sqlite/split.ts"

/** The message SQLite gives for `sql`. */
function sqliteError(sql: string): string {
  const db = new Database(":memory:")
  try {
    db.run(sql)
    throw new Error(`no error from ${sql}`)
  } catch (error) {
    return (error as Error).message
  } finally {
    db.close()
  }
}

describe("SQLite", () => {
  test("a token that appears many times is found where the parser stopped", () => {
    const sql = "CREATE TABLE t (a int, b int, c int DEFAULT, d int)"
    const message = sqliteError(sql)
    expect(message).toBe('near ",": syntax error')
    expect(sqliteOffset(sql, message)).toBe(sql.indexOf("DEFAULT,") + "DEFAULT".length)
  })

  test("a keyword in the wrong place, an unrecognized token, and input that ends too soon", () => {
    const select = "SELECT a,\n  b\n  FROM FROM t"
    expect(sqliteOffset(select, sqliteError(select))).toBe(select.lastIndexOf("FROM"))
    const token = "CREATE TABLE t (a int DEFAULT 'oops)"
    const unrecognized = sqliteError(token)
    expect(unrecognized).toStartWith("unrecognized token")
    expect(sqliteOffset(token, unrecognized)).toBe(token.indexOf("'oops"))
    const short = "CREATE TABLE t (a int"
    expect(sqliteOffset(short, sqliteError(short))).toBe(short.length)
  })

  test("an error that names no place has no offset", () => {
    expect(sqliteOffset("DROP TABLE nope", sqliteError("DROP TABLE nope"))).toBeUndefined()
  })
})

describe("MySQL and MariaDB", () => {
  const mysqlMessage = (near: string, line: number) =>
    `You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near '${near}' at line ${line}`

  test("the quoted tail of the statement gives the exact offset", () => {
    const sql = "CREATE TABLE t (\n  a int,\n  b int\n  c int\n)"
    expect(mysqlOffset(sql, mysqlMessage("c int\n)", 4))).toBe(sql.indexOf("c int"))
  })

  test("a quote cut short is looked for from the line the server names", () => {
    const tail = `b int DEFAULT '${"x".repeat(100)}'`
    const sql = `CREATE TABLE t (a int,\n  a2 int,\n  ${tail}, c int,)`
    expect(mysqlOffset(sql, mysqlMessage(tail.slice(0, 80), 3))).toBe(sql.indexOf(tail))
    expect(mysqlOffset(sql, mysqlMessage("not in the statement", 1))).toBeUndefined()
    expect(mysqlOffset(sql, "Table 't' already exists")).toBeUndefined()
  })

  test("the reason is said shortly", () => {
    expect(shortReason(mysqlMessage("c int\n)", 4))).toBe("syntax error near 'c int )'")
    expect(shortReason(mysqlMessage("", 2))).toBe("syntax error at the end of the statement")
    expect(shortReason("Table 't' already exists")).toBe("Table 't' already exists")
  })
})

describe("PostgreSQL", () => {
  test("the error position, 1-based, becomes a 0-based offset; none without one", () => {
    expect(pgOffset(Object.assign(new Error('syntax error at or near "body"'), { position: "52" }))).toBe(51)
    expect(pgOffset(new Error("relation does not exist"))).toBeUndefined()
  })
})

describe("pinpoint", () => {
  test("line and column of an offset", () => {
    expect(lineAndColumn("ab\ncd\nef", 0)).toEqual({ line: 1, column: 1 })
    expect(lineAndColumn("ab\ncd\nef", 4)).toEqual({ line: 2, column: 2 })
    expect(lineAndColumn("ab\ncd\nef", 6)).toEqual({ line: 3, column: 1 })
  })

  test("an offset in a statement that starts mid-line is placed in the file", () => {
    const script = "-- one\nCREATE TABLE a (id int); CREATE TABLE b (x int,, y int);\n"
    const statements = splitStatements(script, "schema.sql")
    const second = statements[1]
    if (!second) throw new Error("two statements expected")
    const failed = new StatementFailed({
      source: "schema.sql",
      line: second.line,
      offset: second.sql.indexOf(",,") + 1,
      statement: second.sql,
      reason: 'near ",": syntax error',
    })
    const placed = pinpoint(failed, script, statements)
    const column = (script.split("\n")[1] ?? "").indexOf(",,") + 2
    expect({ line: placed.line, column: placed.column }).toEqual({ line: 2, column })
    expect(placed.message).toStartWith(`schema.sql:2:${placed.column}: near ","`)
  })

  test("without an offset the statement's first line stays, and no column is made up", () => {
    const failed = new StatementFailed({ source: "x.sql", line: 3, statement: "SELECT 1", reason: "no" })
    expect(failed.column).toBeUndefined()
    expect(failed.message).toStartWith("x.sql:3: no")
    expect(pinpoint(failed, "\n\nSELECT 1", [])).toBe(failed)
  })
})
