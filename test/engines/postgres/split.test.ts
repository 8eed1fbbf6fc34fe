import { describe, expect, test } from "bun:test"
import { PgLexError, splitStatements } from "../../../engines/postgres/split.ts"

const texts = (sql: string) => splitStatements(sql, "t.sql").map((s) => s.sql)

describe("splitStatements", () => {
  test("keeps semicolons inside strings, quoted names, dollar quotes and comments", () => {
    const sql = [
      "SELECT 'a;b', E'it\\'s;', \"x;y\" FROM t; -- c;",
      "/* outer /* nested; */ still comment; */ SELECT 2;",
      "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 1; END $body$;",
      "DO $$ BEGIN PERFORM 1; END $$",
    ].join("\n")
    expect(texts(sql)).toEqual([
      "SELECT 'a;b', E'it\\'s;', \"x;y\" FROM t",
      "SELECT 2",
      "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 1; END $body$",
      "DO $$ BEGIN PERFORM 1; END $$",
    ])
  })

  test("keeps a BEGIN ATOMIC body whole, CASE ... END inside it included", () => {
    const sql = `CREATE FUNCTION g(a int) RETURNS int LANGUAGE sql
BEGIN ATOMIC
  SELECT CASE WHEN a > 0 THEN 1 ELSE 0 END;
  SELECT 2;
END;
SELECT 3;`
    const statements = splitStatements(sql, "t.sql")
    expect(statements.map((s) => s.line)).toEqual([1, 6])
    expect(statements[0]?.sql.endsWith("END")).toBe(true)
    expect(statements[1]?.sql).toBe("SELECT 3")
  })

  test("reports 1-based lines and the source", () => {
    const statements = splitStatements("\n\nSELECT 1;\n  SELECT\n 2;", "m.sql")
    expect(statements.map((s) => [s.line, s.source])).toEqual([
      [3, "m.sql"],
      [4, "m.sql"],
    ])
  })

  test("throws PgLexError with the line of unterminated input", () => {
    for (const [sql, line] of [
      ["SELECT 1;\nSELECT 'open", 2],
      ["SELECT 1;\n\n/* never /* closed */", 3],
      ["SELECT $x$ body", 1],
      ['SELECT "name', 1],
    ] as const) {
      let caught: unknown
      try {
        splitStatements(sql, "t.sql")
      } catch (error) {
        caught = error
      }
      expect(caught).toBeInstanceOf(PgLexError)
      expect((caught as PgLexError).line).toBe(line)
    }
  })
})
