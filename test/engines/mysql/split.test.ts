import { describe, expect, test } from "bun:test"
import { SplitError, splitStatements } from "../../../engines/mysql/split.ts"

const sqls = (text: string) => splitStatements(text, "t.sql").map((s) => s.sql)

describe("mysql split", () => {
  test("quotes, backticks and comments keep their semicolons", () => {
    const text = `-- a; comment
INSERT INTO t VALUES ('a;b', "c;d", 'it''s; \\'x\\';');  # hash; comment
CREATE TABLE \`we;ird\` (a int /* c; */);
/*!40101 SET NAMES utf8mb4 */;
SELECT 1`
    expect(sqls(text)).toEqual([
      `INSERT INTO t VALUES ('a;b', "c;d", 'it''s; \\'x\\';')`,
      "CREATE TABLE `we;ird` (a int /* c; */)",
      "/*!40101 SET NAMES utf8mb4 */",
      "SELECT 1",
    ])
  })

  test("line numbers point at each statement's first line", () => {
    const statements = splitStatements("SELECT 1;\n\n# note\nSELECT\n 2;", "f.sql")
    expect(statements.map((s) => s.line)).toEqual([1, 4])
  })

  test("DELIMITER lines as the mysql client writes them", () => {
    const text = `CREATE TABLE t (a int);
DELIMITER $$
CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW
BEGIN
  IF NEW.a < 0 THEN SET NEW.a = 0; END IF;
END$$
CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END $$
DELIMITER ;
INSERT INTO t VALUES (1);`
    const out = sqls(text)
    expect(out).toHaveLength(4)
    expect(out[1]).toStartWith("CREATE TRIGGER tr")
    expect(out[1]).toEndWith("END")
    expect(out[2]).toBe("CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END")
    expect(out[3]).toBe("INSERT INTO t VALUES (1)")
  })

  test("BEGIN ... END bodies without DELIMITER", () => {
    const text = `CREATE DEFINER=\`root\`@\`%\` PROCEDURE p(IN n INT)
BEGIN
  DECLARE i INT DEFAULT 0;
  WHILE i < n DO SET i = i + 1; END WHILE;
  CASE n WHEN 1 THEN SELECT IF(n > 0, 1, 2); ELSE BEGIN SELECT REPEAT('a', 2); END; END CASE;
  lbl: LOOP LEAVE lbl; END LOOP;
END;
CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO BEGIN DELETE FROM t; DELETE FROM u; END;
CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW SET @x = 1;
BEGIN;
SELECT CASE WHEN 1 THEN 2 END;
COMMIT;`
    const out = sqls(text)
    expect(out.map((s) => s.split(/\s+/).slice(0, 2).join(" "))).toEqual([
      "CREATE DEFINER=`root`@`%`",
      "CREATE EVENT",
      "CREATE TRIGGER",
      "BEGIN",
      "SELECT CASE",
      "COMMIT",
    ])
    expect(out[0]).toEndWith("END LOOP;\nEND")
  })

  test("an unterminated string is a SplitError on its line", () => {
    try {
      splitStatements("SELECT 1;\nSELECT 'oops;", "f.sql")
      throw new Error("expected a SplitError")
    } catch (error) {
      expect(error).toBeInstanceOf(SplitError)
      expect((error as SplitError).line).toBe(2)
    }
  })
})
