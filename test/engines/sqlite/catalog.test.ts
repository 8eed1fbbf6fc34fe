import { Database } from "bun:sqlite"
import { describe, expect, test } from "bun:test"
import { diffSchemas } from "../../../model/diff.ts"
import { readSchema } from "../../../engines/sqlite/catalog.ts"

const schemaOf = (sql: string) => {
  const db = new Database(":memory:")
  db.exec(sql)
  const schema = readSchema(db)
  db.close()
  return schema
}

describe("readSchema", () => {
  test("reads columns, keys, checks, collations, generated columns, FKs and options from the catalog", () => {
    const schema = schemaOf(`
      CREATE TABLE parent (id INTEGER PRIMARY KEY AUTOINCREMENT, code TEXT COLLATE NOCASE UNIQUE);
      CREATE TABLE child (
        id INTEGER PRIMARY KEY,
        parent_id INT REFERENCES parent ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
        qty INT NOT NULL DEFAULT (0) CHECK (qty >= 0),
        total INT GENERATED ALWAYS AS (qty * 2) STORED
      );
      CREATE TABLE pair (a INT, b INT, PRIMARY KEY (a, b)) WITHOUT ROWID, STRICT;
      CREATE INDEX child_qty ON child (qty) WHERE qty > 0;
      CREATE VIEW big AS SELECT * FROM child WHERE qty > 10;
      CREATE TRIGGER child_log AFTER INSERT ON child BEGIN SELECT 1; END;
    `)
    const parent = schema.tables.find((t) => t.name === "parent")
    const child = schema.tables.find((t) => t.name === "child")
    const pair = schema.tables.find((t) => t.name === "pair")
    expect(parent?.primaryKey).toEqual({ columns: ["id"], autoincrement: true })
    expect(parent?.uniques).toEqual([{ columns: ["code"] }])
    expect(parent?.columns.find((c) => c.name === "code")?.collation).toBe("NOCASE")
    const qty = child?.columns.find((c) => c.name === "qty")
    expect(qty).toMatchObject({ type: "INT", notNull: true, default: "0" })
    expect(child?.checks).toEqual([{ expression: "qty >= 0" }])
    expect(child?.columns.find((c) => c.name === "total")?.generated).toEqual({
      expression: "qty * 2",
      stored: true,
    })
    expect(child?.foreignKeys).toEqual([
      {
        columns: ["parent_id"],
        table: "parent",
        referencedColumns: ["id"],
        onDelete: "CASCADE",
        onUpdate: "NO ACTION",
        deferrable: true,
        initiallyDeferred: true,
      },
    ])
    expect(pair?.options).toEqual(["STRICT", "WITHOUT ROWID"])
    expect(schema.objects.map((o) => `${o.kind}:${o.name}`)).toEqual([
      "index:child_qty",
      "trigger:child_log",
      "view:big",
    ])
    expect(schema.objects.find((o) => o.name === "big")?.dependsOn).toEqual(["child"])
  })

  test("two spellings of the same schema compare equal", () => {
    const a =
      schemaOf(`create table "T" (id integer primary key, name varchar(10) default 'x', ref int references u(id));
      create table u (id integer primary key); create index i on "T" (name);`)
    const b = schemaOf(`CREATE TABLE T (
        name VARCHAR(10) DEFAULT ('x'), id INTEGER PRIMARY KEY, -- order differs
        ref INT, FOREIGN KEY (ref) REFERENCES u);
      CREATE TABLE u (id INTEGER, PRIMARY KEY (id)); CREATE INDEX i ON T(name);`)
    expect(diffSchemas(a, b)).toEqual([])
  })

  test("a changed default, check or collation is a difference", () => {
    const base = schemaOf("CREATE TABLE t (a TEXT DEFAULT 'x' CHECK (a <> ''))")
    for (const [variant, kinds] of [
      ["CREATE TABLE t (a TEXT DEFAULT 'y' CHECK (a <> ''))", ["alter-column:default"]],
      [
        "CREATE TABLE t (a TEXT DEFAULT 'x' CHECK (a <> 'z'))",
        ["drop-constraint:check", "add-constraint:check"],
      ],
      ["CREATE TABLE t (a TEXT COLLATE NOCASE DEFAULT 'x' CHECK (a <> ''))", ["alter-column:collation"]],
    ] as const) {
      const found = diffSchemas(base, schemaOf(variant)).map((c) =>
        c.kind === "alter-column"
          ? `${c.kind}:${c.aspects.join()}`
          : `${c.kind}:${"constraint" in c ? c.constraint.type : ""}`,
      )
      expect(found).toEqual([...kinds])
    }
  })

  test("SQLite's own tables and virtual-table storage are left out", () => {
    const schema = schemaOf(
      "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT); CREATE VIRTUAL TABLE docs USING fts5(body);",
    )
    expect(schema.tables.map((t) => t.name)).toEqual(["t"])
    expect(schema.objects.map((o) => `${o.kind}:${o.name}`)).toEqual(["virtual-table:docs"])
  })
})
