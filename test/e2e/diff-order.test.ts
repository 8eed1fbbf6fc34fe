/**
 * `aim diff` reads like the schema: a table's columns in the order schema.sql declares them (also
 * when the history added one with ALTER TABLE, which puts it last), and defaults in valid SQL: the
 * `+` block of a new table runs as it is shown. Also the helpers behind it, on their own.
 */
import { Database } from "bun:sqlite"
import { afterEach, beforeEach, describe, expect, test } from "bun:test"
import { defaultSql } from "../../engines/default-sql.ts"
import { inOrderOf } from "../../model/column-order.ts"
import type { Column, Table } from "../../model.ts"
import { aim, makeProject, removeTemp, write } from "./_cli.ts"

let dir: string
beforeEach(() => {
  dir = makeProject()
})
afterEach(() => removeTemp(dir))

/** The SQL of the `+` lines of a diff block that starts with `+ CREATE TABLE name`. */
function addedTable(diff: string, name: string): string {
  const lines = diff.split("\n")
  const start = lines.findIndex((l) => l.startsWith(`+ CREATE TABLE ${name} `))
  const end = lines.findIndex((l, i) => i > start && l === "+ );")
  return lines
    .slice(start, end + 1)
    .map((l) => l.slice(2))
    .join("\n")
}

describe("aim diff", () => {
  test("a new table's columns come in declared order, and its text runs as SQL", async () => {
    write(
      dir,
      "schema.sql",
      "CREATE TABLE notes (\n  id INTEGER PRIMARY KEY,\n  zeta TEXT,\n  created TEXT NOT NULL DEFAULT (datetime('now')),\n  alpha TEXT DEFAULT 'a',\n  n REAL DEFAULT -1.5,\n  total INT DEFAULT (1 + 2)\n);\n",
    )
    const r = await aim(["diff"], { cwd: dir })
    expect(r.code).toBe(0)
    const sql = addedTable(r.stdout, "notes")
    expect(sql.split("\n").map((l) => l.trim().split(" ")[0])).toEqual([
      "CREATE",
      "id",
      "zeta",
      "created",
      "alpha",
      "n",
      "total",
      "PRIMARY",
      ");",
    ])
    expect(sql).toContain("DEFAULT (datetime('now'))")
    const db = new Database(":memory:")
    db.run(sql)
    db.run("INSERT INTO notes (id) VALUES (1)")
    expect(db.query("SELECT alpha, total FROM notes").get()).toEqual({ alpha: "a", total: 3 })
    db.close()
  })

  test("a column the history added last is shown where schema.sql declares it, as the one change", async () => {
    write(
      dir,
      "migrations/000001_notes.up.sql",
      "CREATE TABLE notes (id INTEGER PRIMARY KEY, zeta TEXT, alpha TEXT);\n",
    )
    write(dir, "migrations/000001_notes.down.sql", "DROP TABLE notes;\n")
    write(dir, "migrations/000002_mid.up.sql", "ALTER TABLE notes ADD COLUMN mid TEXT;\n")
    write(dir, "migrations/000002_mid.down.sql", "ALTER TABLE notes DROP COLUMN mid;\n")
    write(
      dir,
      "schema.sql",
      "CREATE TABLE notes (id INTEGER PRIMARY KEY, zeta TEXT, mid TEXT, extra INT, alpha TEXT);\n",
    )
    const r = await aim(["diff"], { cwd: dir })
    expect(r.stdout.split("\n").slice(0, 7)).toEqual([
      "  CREATE TABLE notes (",
      "    id INTEGER,",
      "    zeta TEXT,",
      "    mid TEXT,",
      "+   extra INT,",
      "    alpha TEXT,",
      "    PRIMARY KEY (id)",
    ])
  })
})

describe("defaultSql", () => {
  test("literals stay bare; expressions get their parentheses back", () => {
    const bare = [
      "'x'",
      "'it''s'",
      "-1",
      "- 1",
      "1.5e3",
      "NULL",
      "TRUE",
      "CURRENT_TIMESTAMP",
      "CURRENT_TIMESTAMP(6)",
    ]
    for (const text of [...bare, "X'00ff'", "b'101'", "(1 + 2)"]) expect(defaultSql(text)).toBe(text)
    expect(defaultSql("datetime('now')")).toBe("(datetime('now'))")
    expect(defaultSql("uuid()")).toBe("(uuid())")
    expect(defaultSql("(a) || (b)")).toBe("((a) || (b))")
    expect(defaultSql("'a' || 'b'")).toBe("('a' || 'b')")
  })
})

describe("inOrderOf", () => {
  const column = (name: string): Column => ({ name, type: "INT", notNull: false })
  const table = (...names: string[]): Table => ({
    name: "t",
    columns: names.map(column),
    uniques: [],
    checks: [],
    foreignKeys: [],
    options: [],
    definition: "",
  })
  const order = (t: Table) => t.columns.map((c) => c.name)

  test("puts the old columns in the new order; a dropped one stays after its old neighbour", () => {
    expect(
      order(inOrderOf(table("id", "zeta", "alpha", "mid"), table("id", "zeta", "mid", "alpha"))),
    ).toEqual(["id", "zeta", "mid", "alpha"])
    // "gone" had no column before it, so it stays first.
    expect(order(inOrderOf(table("gone", "id", "old", "b", "a"), table("a", "id", "b")))).toEqual([
      "gone",
      "a",
      "id",
      "old",
      "b",
    ])
  })
})
