import { describe, expect, test } from "bun:test"
import { splitStatements } from "../../../engines/sqlite/split.ts"
import { LexError } from "../../../engines/sqlite/lexer.ts"

describe("splitStatements", () => {
  test("keeps trigger bodies, CASE ... END and quoted semicolons inside one statement", () => {
    const sql = [
      "-- a comment; with a semicolon",
      "CREATE TABLE a (x INT, y TEXT DEFAULT 'a;b');",
      "CREATE TRIGGER t AFTER INSERT ON a BEGIN",
      "  UPDATE a SET y = CASE WHEN new.x > 1 THEN 'big;' ELSE 'small' END;",
      '  INSERT INTO a VALUES (1, ";");',
      "END;",
      "/* block ; comment */ CREATE VIEW v AS SELECT * FROM a;",
      ";;",
      "BEGIN; COMMIT",
    ].join("\n")
    const statements = splitStatements(sql, "m.sql")
    expect(statements.map((s) => s.line)).toEqual([2, 3, 7, 9, 9])
    expect(statements[1]?.sql.startsWith("CREATE TRIGGER t")).toBe(true)
    expect(statements[1]?.sql.endsWith("END")).toBe(true)
    expect(statements[2]?.sql).toBe("CREATE VIEW v AS SELECT * FROM a")
    expect(statements[4]?.sql).toBe("COMMIT")
  })

  test("an unterminated string is a lexing error with its line", () => {
    expect(() => splitStatements("SELECT 1;\nSELECT 'oops", "x.sql")).toThrow(LexError)
    try {
      splitStatements("SELECT 1;\nSELECT 'oops", "x.sql")
    } catch (error) {
      expect((error as LexError).line).toBe(2)
    }
  })

  test("a temp trigger is recognised too", () => {
    const statements = splitStatements(
      "CREATE TEMP TRIGGER t AFTER DELETE ON a BEGIN DELETE FROM b; END; SELECT 1",
      "s",
    )
    expect(statements).toHaveLength(2)
  })
})
