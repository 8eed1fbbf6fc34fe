import { describe, expect, test } from "bun:test"
import { needsNoTransaction, opensTransaction, splitSql } from "../../formats/_statements.ts"
import { FormatError, type NewMigration } from "../../formats/format.ts"
import { goose, gooseLineEndsStatement } from "../../formats/goose.ts"
import type { Migration } from "../../model.ts"
import { failure, folder, ok } from "./_read.ts"

/** The SQL lines of a text, blank lines dropped: read keeps file line numbers with blank lines. */
const sqlLines = (text: string | undefined) => (text ?? "").split("\n").filter((l) => l.trim() !== "")

const lineOf = (text: string, start: string) => text.split("\n").findIndex((l) => l.startsWith(start)) + 1

const createFunction = `-- +goose Up
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION touch_updated_at() RETURNS trigger AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

CREATE TRIGGER users_touch BEFORE UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- +goose Down
DROP TRIGGER users_touch ON users;
-- +goose StatementBegin
DROP FUNCTION touch_updated_at()
-- +goose StatementEnd
`

const realFolder = folder({
  "00001_create_users.sql": `-- +goose Up
-- Users of the app.
CREATE TABLE users (
  id bigserial PRIMARY KEY,
  email text NOT NULL
);

-- +goose Down
DROP TABLE users;
`,
  "00002_touch_function.sql": createFunction,
  "3_add_index.sql": `-- +goose NO TRANSACTION
-- +goose Up
CREATE INDEX CONCURRENTLY users_email ON users (email);

-- +goose Down
DROP INDEX CONCURRENTLY users_email;
`,
  "20240105120000_seed.sql": `-- +goose Up
-- +goose ENVSUB ON
INSERT INTO users (email) VALUES ('\${ADMIN_EMAIL}');
-- +goose ENVSUB OFF
`,
  "README.md": "# migrations",
  "helpers.go": "package migrations",
  "00004_register_test.go": "package migrations",
  "notes.sql": "SELECT 1;",
  "0_zero.sql": "-- +goose Up\nSELECT 1;",
  "archive/00001_old.sql": "-- +goose Up\nSELECT 1;",
})

describe("goose read", () => {
  test("orders a folder of sequential and timestamp versions numerically, ignoring non-migrations", () => {
    const history = ok(goose.read(realFolder, "db/migrations/"))
    expect(history.map((m) => m.version)).toEqual(["00001", "00002", "3", "20240105120000"])
    expect(history.map((m) => m.name)).toEqual(["create_users", "touch_function", "add_index", "seed"])
    expect(history[0]?.upPath).toBe("db/migrations/00001_create_users.sql")
    expect(history[0]?.downPath).toBe("db/migrations/00001_create_users.sql")
  })

  test("keeps a StatementBegin block intact, at its line in the file", () => {
    const history = ok(goose.read(realFolder, ""))
    const m = history[1] as Migration
    expect(sqlLines(m.up)).toEqual([
      "CREATE OR REPLACE FUNCTION touch_updated_at() RETURNS trigger AS $$",
      "BEGIN",
      "  NEW.updated_at := now();",
      "  RETURN NEW;",
      "END;",
      "$$ LANGUAGE plpgsql;",
      "CREATE TRIGGER users_touch BEFORE UPDATE ON users",
      "  FOR EACH ROW EXECUTE FUNCTION touch_updated_at();",
    ])
    expect(m.up).not.toContain("+goose")
    expect(lineOf(m.up, "CREATE TRIGGER")).toBe(lineOf(createFunction, "CREATE TRIGGER"))
    expect(lineOf(m.down ?? "", "DROP TRIGGER")).toBe(lineOf(createFunction, "DROP TRIGGER"))
    // The block's last statement had no `;`: it gets one so it stays a statement of its own.
    expect(sqlLines(m.down)).toEqual([
      "DROP TRIGGER users_touch ON users;",
      "DROP FUNCTION touch_updated_at();",
    ])
    expect(m.transaction).toBe(true)
  })

  test("NO TRANSACTION marks the migration; ENVSUB is ignored and the text kept", () => {
    const history = ok(goose.read(realFolder, ""))
    expect(history.map((m) => m.transaction)).toEqual([true, true, false, true])
    const seed = history[3] as Migration
    expect(sqlLines(seed.up)).toEqual(["INSERT INTO users (email) VALUES ('${ADMIN_EMAIL}');"])
    expect(seed.down).toBeUndefined()
    expect(seed.downPath).toBeUndefined()
  })

  test("annotations are case-insensitive", () => {
    const history = ok(
      goose.read(folder({ "1_a.sql": "--+goose up\nSELECT 1;\n-- +goose DOWN\nSELECT 2;\n" }), ""),
    )
    expect(sqlLines(history[0]?.up)).toEqual(["SELECT 1;"])
    expect(sqlLines(history[0]?.down)).toEqual(["SELECT 2;"])
  })

  test("a version used twice, at any width, is a clash naming both files", () => {
    const error = failure(
      goose.read(
        folder({ "00001_a.sql": "-- +goose Up\nSELECT 1;\n", "1_b.sql": "-- +goose Up\nSELECT 2;\n" }),
        "m/",
      ),
    )
    expect(error._tag).toBe("FormatError")
    expect(error.format).toBe("goose")
    expect(["m/00001_a.sql", "m/1_b.sql"]).toContain(error.file)
    expect(error.reason).toContain("also used by")
  })

  test("a Go migration is refused: aim cannot replay it", () => {
    const error = failure(goose.read(folder({ "00002_backfill.go": "package migrations" }), "m/"))
    expect(error.file).toBe("m/00002_backfill.go")
    expect(error.reason).toContain("Go migration")
  })

  test("goose's parse errors name the file", () => {
    const cases: Record<string, [string, string]> = {
      "no Up": ["SELECT 1;\n", "before '-- +goose Up'"],
      "only comments": ["-- nothing here\n", "no '-- +goose Up'"],
      "Down first": ["-- +goose Down\nSELECT 1;\n", "must follow '-- +goose Up'"],
      "two Ups": ["-- +goose Up\nSELECT 1;\n-- +goose Up\nSELECT 2;\n", "duplicate"],
      "unclosed block": [
        "-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n",
        "without '-- +goose StatementEnd'",
      ],
      "stray end": ["-- +goose Up\n-- +goose StatementEnd\n", "must follow '-- +goose StatementBegin'"],
      "unknown annotation": ["-- +goose Sideways\n", "unknown annotation"],
      "indented annotation": ["  -- +goose Up\nSELECT 1;\n", "leading whitespace"],
      "missing semicolon": ["-- +goose Up\nSELECT 1\n-- +goose Down\nSELECT 2;\n", "missing semicolon"],
      "missing semicolon at end": [
        "-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 2\n",
        "missing semicolon",
      ],
    }
    for (const [what, [content, reason]] of Object.entries(cases)) {
      const error = failure(goose.read(folder({ "00007_broken.sql": content }), "db/"))
      expect(error.file, what).toBe("db/00007_broken.sql")
      expect(error.format, what).toBe("goose")
      expect(error.reason, what).toContain(reason)
    }
  })
})

describe("goose nextVersion", () => {
  const now = new Date(Date.UTC(2024, 4, 6, 7, 8, 9))
  const history = (versions: string[]): Migration[] =>
    versions.map((version) => ({ version, name: "x", up: "", upPath: "", transaction: true }))

  test("sequential folders count on at their width", () => {
    expect(goose.nextVersion(history(["00001", "00002"]), now)).toBe("00003")
    expect(goose.nextVersion(history(["1", "2", "9"]), now)).toBe("10")
  })

  test("timestamp folders, and empty ones, take a timestamp", () => {
    expect(goose.nextVersion(history(["20240101000000", "20240102000000"]), now)).toBe("20240506070809")
    expect(goose.nextVersion([], now)).toBe("20240506070809")
  })
})

describe("goose render", () => {
  const base: NewMigration = {
    version: "00005",
    description: "Add touch trigger!",
    up: createFunction
      .split("-- +goose Down")[0]
      ?.replace(/-- \+goose \w+\n/g, "")
      .trim() as string,
    down: "DROP TRIGGER users_touch ON users;\nDROP FUNCTION touch_updated_at();",
    createdAt: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
  }

  test("writes one file with Up and Down, wrapping statements that hold a `;`", () => {
    const files = goose.render(base, [])
    expect(files.map((f) => f.path)).toEqual(["00005_add_touch_trigger.sql"])
    const content = files[0]?.content ?? ""
    expect(content.startsWith("-- +goose Up\n")).toBe(true)
    expect(content).toContain(
      "-- +goose StatementBegin\nCREATE OR REPLACE FUNCTION touch_updated_at() RETURNS trigger AS $$\nBEGIN\n  NEW.updated_at := now();\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql;\n-- +goose StatementEnd\n",
    )
    // The trigger statement holds no `;` of its own: goose's line rule handles it.
    expect(content).toContain("\nCREATE TRIGGER users_touch BEFORE UPDATE ON users\n")
    expect(content.match(/StatementBegin/g)?.length).toBe(1)
    expect(content).toContain(
      "\n-- +goose Down\nDROP TRIGGER users_touch ON users;\nDROP FUNCTION touch_updated_at();\n",
    )
    expect(content).not.toContain("NO TRANSACTION")
  })

  test("wraps SQLite trigger bodies and DO blocks", () => {
    const up = [
      "CREATE TRIGGER log_insert AFTER INSERT ON users BEGIN",
      "  INSERT INTO log (what) VALUES ('insert');",
      "  UPDATE counters SET n = n + 1;",
      "END;",
      "DO $$ BEGIN PERFORM 1; END $$;",
      "INSERT INTO notes VALUES ('semi; colon');",
    ].join("\n")
    const content = goose.render({ ...base, up, down: undefined }, [])[0]?.content ?? ""
    expect(content.match(/-- \+goose StatementBegin/g)?.length).toBe(2)
    expect(content).toContain("-- +goose StatementBegin\nCREATE TRIGGER log_insert")
    expect(content).toContain("END;\n-- +goose StatementEnd\n")
    expect(content).toContain(
      "-- +goose StatementBegin\nDO $$ BEGIN PERFORM 1; END $$;\n-- +goose StatementEnd\n",
    )
    expect(content).toContain("\nINSERT INTO notes VALUES ('semi; colon');\n")
    expect(content).not.toContain("+goose Down")
  })

  test("a multi-line string whose line ends in `;` is wrapped, since goose would cut it there", () => {
    const content = goose.render({ ...base, up: "INSERT INTO t VALUES ('a;\nb');", down: undefined }, [])[0]
      ?.content
    expect(content).toBe(
      "-- +goose Up\n-- +goose StatementBegin\nINSERT INTO t VALUES ('a;\nb');\n-- +goose StatementEnd\n",
    )
  })

  test("marks NO TRANSACTION when a statement cannot run in one", () => {
    const content =
      goose.render({ ...base, up: "CREATE INDEX CONCURRENTLY i ON users (email);", down: undefined }, [])[0]
        ?.content ?? ""
    expect(content.startsWith("-- +goose NO TRANSACTION\n-- +goose Up\n")).toBe(true)
    expect(ok(goose.read([{ path: "1_x.sql", content }], ""))[0]?.transaction).toBe(false)
  })

  test("read(render(x)) gives x back", () => {
    const files = goose.render(base, [])
    const [m] = ok(goose.read(files, "db/"))
    expect(m?.version).toBe("00005")
    expect(m?.name).toBe("add_touch_trigger")
    expect(sqlLines(m?.up)).toEqual(sqlLines(base.up))
    expect(sqlLines(m?.down)).toEqual(sqlLines(base.down))
    expect(m?.transaction).toBe(true)
  })

  test("a new version never reuses an existing file name", () => {
    const history = ok(goose.read(realFolder, ""))
    const version = goose.nextVersion(history, new Date(Date.UTC(2024, 4, 6)))
    const files = goose.render({ ...base, version }, realFolder)
    for (const f of files) expect(realFolder.map((e) => e.path)).not.toContain(f.path)
    expect(ok(goose.read([...realFolder, ...files], "")).at(-1)?.version).toBe(version)
  })
})

describe("statement splitter used by goose render", () => {
  const texts = (sql: string) => splitSql(sql).map((s) => s.text)

  test("quotes, identifiers and comments hide their `;`", () => {
    const sql = [
      "-- a; comment",
      `CREATE TABLE "a;b" (x text DEFAULT 'it''s; here', y text DEFAULT E'\\'; still');`,
      "/* outer /* nested; */ still comment; */ SELECT `c;d` FROM t;",
    ].join("\n")
    expect(texts(sql)).toEqual([
      `CREATE TABLE "a;b" (x text DEFAULT 'it''s; here', y text DEFAULT E'\\'; still');`,
      "SELECT `c;d` FROM t;",
    ])
    expect(splitSql(sql).map((s) => [s.line, s.innerSemicolon])).toEqual([
      [2, false],
      [3, false],
    ])
  })

  test("dollar quotes, with and without a tag", () => {
    const sql =
      "DO $$ BEGIN RAISE NOTICE 'x;'; END $$;\nCREATE FUNCTION f() RETURNS int AS $fn$ SELECT 1; $fn$ LANGUAGE sql;\nSELECT $1;"
    const statements = splitSql(sql)
    expect(statements.map((s) => s.innerSemicolon)).toEqual([true, true, false])
    expect(statements.map((s) => s.words[0])).toEqual(["DO", "CREATE", "SELECT"])
  })

  test("trigger bodies end at their own END, past CASE ... END and END IF", () => {
    const sql = [
      "CREATE TEMP TRIGGER t AFTER INSERT ON a BEGIN",
      "  UPDATE a SET x = CASE WHEN new.x > 0 THEN 1 ELSE 0 END;",
      "  SELECT new.end FROM a;",
      "END;",
      "CREATE DEFINER=`root`@`localhost` TRIGGER m BEFORE INSERT ON a FOR EACH ROW BEGIN",
      "  IF NEW.x < 0 THEN SET NEW.x = 0; END IF;",
      "  CASE NEW.y WHEN 1 THEN SET NEW.z = 1; ELSE SET NEW.z = 2; END CASE;",
      "END;",
      "SELECT 1;",
    ].join("\n")
    const statements = splitSql(sql)
    expect(statements.length).toBe(3)
    expect(statements.map((s) => s.line)).toEqual([1, 5, 9])
    expect(statements.map((s) => s.innerSemicolon)).toEqual([true, true, false])
    expect(statements[0]?.text.endsWith("FROM a;\nEND;")).toBe(true)
  })

  test("BEGIN ATOMIC bodies, and a table with a column named begin", () => {
    expect(
      texts("CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END; SELECT 3;"),
    ).toEqual([
      "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;",
      "SELECT 3;",
    ])
    expect(texts('CREATE TABLE events ("begin" int, finish int); SELECT 1;').length).toBe(2)
  })

  test("an unterminated last statement and lone semicolons", () => {
    const statements = splitSql(";;SELECT 1;\n;\nSELECT 2 -- done")
    expect(statements.map((s) => [s.text, s.terminated])).toEqual([
      ["SELECT 1;", true],
      ["SELECT 2", false],
    ])
  })

  test("transaction helpers", () => {
    expect(needsNoTransaction("CREATE UNIQUE INDEX CONCURRENTLY i ON t (x);")).toBe(true)
    expect(needsNoTransaction("VACUUM;")).toBe(true)
    expect(needsNoTransaction("-- CREATE INDEX CONCURRENTLY\nCREATE INDEX i ON t (x);")).toBe(false)
    expect(needsNoTransaction("INSERT INTO t VALUES ('VACUUM');")).toBe(false)
    expect(opensTransaction("BEGIN;\nSELECT 1;\nCOMMIT;")).toBe(true)
    expect(opensTransaction("CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END;")).toBe(false)
    expect(opensTransaction("CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;")).toBe(
      false,
    )
  })

  test("goose's line rule: the last word before a `--` comment ends with `;`", () => {
    expect(gooseLineEndsStatement("SELECT 1;")).toBe(true)
    expect(gooseLineEndsStatement("SELECT 1; -- trailing")).toBe(true)
    expect(gooseLineEndsStatement("SELECT 1 -- not; here")).toBe(false)
    expect(gooseLineEndsStatement("SELECT 1; /* c */")).toBe(false)
  })
})
