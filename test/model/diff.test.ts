import { describe, expect, test } from "bun:test"
import { dataConditions, describeChange, renderChanges } from "../../model/changes.ts"
import { diffSchemas, invertRenames } from "../../model/diff.ts"
import type { Change, ObjectRef, Schema, SchemaObject, Table } from "../../model.ts"
import { renderTable } from "../../engines/sqlite/render.ts"
import { schemaOfSql } from "../e2e/_cli.ts"
import { column, foreignKey, table } from "../rules/_schemas.ts"

/** One line per change: its kind and what it is about, the way a reader checks a list. */
const lines = (changes: ReadonlyArray<Change>) => changes.map(describeChange)
const diffSql = (from: string, to: string) => diffSchemas(schemaOfSql(from), schemaOfSql(to))
const refs = (list: ReadonlyArray<ObjectRef>) =>
  list.map((r) => `${r.kind}:${r.table === undefined ? "" : `${r.table}.`}${r.name}`)

// PostgreSQL-shaped schemas, written by hand as engines/postgres/catalog.ts reads them.
const col = column
const tbl = table
const obj = (kind: SchemaObject["kind"], name: string, more: Partial<SchemaObject> = {}): SchemaObject => ({
  kind,
  name,
  definition: `${kind} ${name}`,
  key: `${kind} ${name}`,
  dependsOn: [],
  ...more,
})
const pg = (tables: Table[], objects: SchemaObject[] = []): Schema => ({
  engine: "postgres",
  version: "17",
  tables,
  objects,
})

describe("diffSchemas: the change list", () => {
  test("columns are added, dropped and altered, each alter saying which aspects changed", () => {
    const changes = diffSql(
      "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INT, c TEXT DEFAULT 'x');",
      "CREATE TABLE t (id INTEGER PRIMARY KEY, c TEXT DEFAULT 'y' COLLATE NOCASE, a TEXT NOT NULL, b BIGINT, d TEXT);",
    )
    // c moved before a and b: each changed column that moved also says "position".
    expect(lines(changes)).toEqual([
      "add column t.d",
      "change column t.a (nullability, position)",
      "change column t.b (type, position)",
      "change column t.c (default, collation, position)",
    ])
  })

  test("a schema read back from JSON (as the snapshot cache keeps it) equals itself", () => {
    const fk = {
      name: undefined,
      columns: ["p"],
      table: "p",
      referencedColumns: ["id"],
      onDelete: "CASCADE",
      onUpdate: "NO ACTION",
      deferrable: false,
      initiallyDeferred: false,
      match: undefined,
    } as const
    const schema = pg([
      tbl("p", [col("id", "integer", { default: undefined })], {
        primaryKey: { name: undefined, columns: ["id"], autoincrement: false },
      }),
      tbl("t", [col("p", "integer", { collation: undefined })], {
        foreignKeys: [fk],
        checks: [{ name: undefined, expression: "p > 0" }],
      }),
    ])
    expect(diffSchemas(schema, JSON.parse(JSON.stringify(schema)))).toEqual([])
  })

  test("column order alone is no change; a column that also moved says so", () => {
    expect(diffSql("CREATE TABLE t (a INT, b INT);", "CREATE TABLE t (b INT, a INT);")).toEqual([])
  })

  test("a named constraint whose definition changes is altered; an unnamed one is dropped and added", () => {
    const named = diffSchemas(
      pg([tbl("t", [col("a", "integer")], { checks: [{ name: "positive", expression: "a > 0" }] })]),
      pg([tbl("t", [col("a", "integer")], { checks: [{ name: "positive", expression: "a >= 0" }] })]),
    )
    expect(named.map((c) => c.kind)).toEqual(["alter-constraint"])
    expect(named[0]).toMatchObject({ aspects: ["definition"] })
    const unnamed = diffSql("CREATE TABLE t (a INT CHECK (a > 0));", "CREATE TABLE t (a INT CHECK (a >= 0));")
    expect(unnamed.map((c) => c.kind)).toEqual(["drop-constraint", "add-constraint"])
  })

  test("a constraint that only becomes valid (or NOT VALID) is altered with its validity", () => {
    const fk = foreignKey("t_p_fkey", ["p"], "p", ["id"])
    const parent = tbl("p", [col("id", "integer", { notNull: true })], {
      primaryKey: { columns: ["id"], autoincrement: false },
    })
    const before = pg([parent, tbl("t", [col("p", "integer")], { foreignKeys: [{ ...fk, valid: false }] })])
    const after = pg([parent, tbl("t", [col("p", "integer")], { foreignKeys: [fk] })])
    const [change] = diffSchemas(before, after)
    expect(change).toMatchObject({
      kind: "alter-constraint",
      table: "t",
      aspects: ["validity"],
      before: { type: "foreign-key", name: "t_p_fkey", valid: false },
      after: { type: "foreign-key", name: "t_p_fkey", valid: true },
    })
    expect(dataConditions(change as Change)).toEqual(["foreign-key"])
    expect(diffSchemas(after, before)[0]).toMatchObject({ kind: "alter-constraint", aspects: ["validity"] })
  })

  test("constraints kept whole in the options (EXCLUDE) are constraints; other options are an alter-table", () => {
    const exclude = 'CONSTRAINT "no_overlap" EXCLUDE USING gist (r WITH &&)'
    const changes = diffSchemas(
      pg([tbl("t", [col("r", "tstzrange")])]),
      pg([tbl("t", [col("r", "tstzrange")], { options: [exclude, "UNLOGGED"] })]),
    )
    expect(changes.map((c) => c.kind)).toEqual(["add-constraint", "alter-table"])
    expect(changes[0]).toMatchObject({
      constraint: { type: "exclusion", name: "no_overlap", clause: exclude },
    })
    expect(changes[1]).toMatchObject({ addedOptions: ["UNLOGGED"], removedOptions: [] })
  })

  test("indexes are added, dropped and altered as changes of their table", () => {
    const changes = diffSql(
      "CREATE TABLE t (a INT, b INT); CREATE INDEX ia ON t (a); CREATE INDEX ib ON t (b);",
      "CREATE TABLE t (a INT, b INT); CREATE UNIQUE INDEX ia ON t (a); CREATE INDEX ic ON t (a, b);",
    )
    expect(
      changes.map((c) => `${c.kind} ${"table" in c && typeof c.table === "string" ? c.table : ""}`),
    ).toEqual(["drop-index t", "alter-index t", "add-index t"])
    expect(changes.map(dataConditions)).toEqual([[], ["unique"], []])
  })

  test("data conditions: what rows must satisfy for each change", () => {
    const changes = diffSql(
      "CREATE TABLE t (a INT, b TEXT);",
      "CREATE TABLE t (a INT NOT NULL, b INT, c INT NOT NULL, d INT NOT NULL DEFAULT 0, UNIQUE (a));",
    )
    expect(changes.map((c) => [describeChange(c), dataConditions(c)])).toEqual([
      ["add column t.c", ["not-null"]],
      ["add column t.d", []],
      ["change column t.a (nullability)", ["not-null"]],
      ["change column t.b (type)", ["type"]],
      ["add unique constraint unique (a) on t", ["unique"]],
    ])
  })
})

describe("diffSchemas: renames the user declares", () => {
  const from = "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);"
  const to = "CREATE TABLE people (id INTEGER PRIMARY KEY, full_name TEXT NOT NULL);"

  test("without hints a renamed table and column read as a drop and a create", () => {
    expect(diffSql(from, to).map((c) => c.kind)).toEqual(["drop-table", "create-table"])
  })

  test("with hints they are renames, and what else changed is an aspect of the rename", () => {
    const hints = {
      tables: [{ from: "users", to: "people" }],
      columns: [{ table: "people", from: "name", to: "full_name" }],
    }
    const changes = diffSchemas(schemaOfSql(from), schemaOfSql(to), hints)
    expect(lines(changes)).toEqual([
      "rename table users to people",
      "rename column people.name to full_name (and change nullability)",
    ])
    // DOWN: the same hints turned around.
    const back = diffSchemas(schemaOfSql(to), schemaOfSql(from), invertRenames(hints))
    expect(lines(back)).toEqual([
      "rename table people to users",
      "rename column users.full_name to name (and change nullability)",
    ])
  })

  test("a hint the schemas do not bear out is ignored", () => {
    const hints = {
      tables: [{ from: "nobody", to: "people" }],
      columns: [{ table: "people", from: "x", to: "y" }],
    }
    expect(diffSchemas(schemaOfSql(from), schemaOfSql(to), hints).map((c) => c.kind)).toEqual([
      "drop-table",
      "create-table",
    ])
  })
})

describe("diffSchemas: what a declared rename carries with it", () => {
  const columnRename = { columns: [{ table: "t", from: "a", to: "b" }] }

  test("a CHECK, an index and a generated column over a renamed column are no change of their own", () => {
    const changes = diffSchemas(
      schemaOfSql(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT CHECK (a > 0), g INT GENERATED ALWAYS AS (a * 2)); CREATE INDEX t_a ON t (a);",
      ),
      schemaOfSql(
        'CREATE TABLE t (id INTEGER PRIMARY KEY, "b" INT CHECK (b > 0), g INT GENERATED ALWAYS AS (B * 2)); CREATE INDEX t_a ON t (b);',
      ),
      columnRename,
    )
    expect(lines(changes)).toEqual(["rename column t.a to b"])
  })

  test("a CHECK that says more than the rename is still a change", () => {
    const changes = diffSchemas(
      schemaOfSql("CREATE TABLE t (id INTEGER PRIMARY KEY, a INT CHECK (a > 0));"),
      schemaOfSql("CREATE TABLE t (id INTEGER PRIMARY KEY, b INT CHECK (b > 1));"),
      columnRename,
    )
    expect(lines(changes)[0]).toBe("rename column t.a to b")
    expect(changes.length).toBeGreaterThan(1)
  })

  test("an index of a renamed table keeps its name and definition; one named after its column is renamed", () => {
    const changes = diffSchemas(
      schemaOfSql(
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, p INT, q INT); CREATE INDEX keep ON orders (q); CREATE INDEX p ON orders (p);",
      ),
      schemaOfSql(
        "CREATE TABLE purchases (id INTEGER PRIMARY KEY, parent INT, q INT); CREATE INDEX keep ON purchases (q); CREATE INDEX parent ON purchases (parent);",
      ),
      {
        tables: [{ from: "orders", to: "purchases" }],
        columns: [{ table: "purchases", from: "p", to: "parent" }],
      },
    )
    expect(lines(changes)).toEqual([
      "rename table orders to purchases",
      "rename column purchases.p to parent",
      "rename index p to parent",
    ])
  })

  test("an index named under its table (as MySQL's are) follows the table's rename", () => {
    const index = (table: string, column: string): SchemaObject =>
      obj("index", `${table}.idx`, { table, key: `INDEX idx ON ${table} (${column})`, dependsOn: [table] })
    const changes = diffSchemas(
      pg([tbl("a", [col("x", "integer")])], [index("a", "x")]),
      pg([tbl("b", [col("x", "integer")])], [index("b", "x")]),
      { tables: [{ from: "a", to: "b" }] },
    )
    expect(lines(changes)).toEqual(["rename table a to b"])
  })

  test("without the rename the same schemas read as a drop and a create, indexes and all", () => {
    const changes = diffSchemas(
      schemaOfSql("CREATE TABLE t (id INTEGER PRIMARY KEY, a INT CHECK (a > 0)); CREATE INDEX t_a ON t (a);"),
      schemaOfSql("CREATE TABLE t (id INTEGER PRIMARY KEY, b INT CHECK (b > 0)); CREATE INDEX t_a ON t (b);"),
    )
    expect(lines(changes)).toContain("drop column t.a")
    expect(lines(changes)).toContain("replace index t_a")
  })
})

describe("diffSchemas: what each change needs, removes and creates", () => {
  test("a foreign key needs the keys of the table it references", () => {
    const changes = diffSql(
      "CREATE TABLE p (id INT);",
      "CREATE TABLE p (id INT UNIQUE); CREATE TABLE c (p INT REFERENCES p (id));",
    )
    const create = changes.find((c) => c.kind === "create-table")
    const unique = changes.find((c) => c.kind === "add-constraint")
    expect(refs(create?.needs ?? [])).toEqual(["table:p", "columns:p", "keys:p"])
    expect(refs(unique?.creates ?? [])).toEqual(["keys:p"])
  })

  test("a view needs the tables it reads with all their columns; dropped, it held on to them", () => {
    const changes = diffSql(
      "CREATE TABLE t (a INT); CREATE VIEW v AS SELECT a FROM t;",
      "CREATE TABLE t (a INT, b INT); CREATE VIEW w AS SELECT a, b FROM t;",
    )
    const created = changes.find((c) => c.kind === "create-object")
    const dropped = changes.find((c) => c.kind === "drop-object")
    const added = changes.find((c) => c.kind === "add-column")
    expect(refs(created?.needs ?? [])).toEqual(["table:t", "columns:t"])
    expect(refs(dropped?.removedNeeds ?? [])).toEqual(["table:t", "columns:t"])
    expect(refs(added?.creates ?? [])).toEqual(["column:t.b"])
  })

  test("a check, a default and a generated column need the functions they call; a column its type", () => {
    const fn = obj("function", "is_even(integer)")
    const mood = obj("enum", "mood")
    const after = pg(
      [
        tbl(
          "t",
          [
            col("a", "integer", { default: "next_a()" }),
            col("m", "mood"),
            col("g", "integer", { generated: { expression: "is_even(a)", stored: true } }),
          ],
          { checks: [{ name: "even", expression: "is_even(a)" }] },
        ),
      ],
      [fn, obj("function", "next_a()"), mood],
    )
    const [create] = diffSchemas(pg([], [fn, obj("function", "next_a()"), mood]), after)
    expect(refs(create?.needs ?? []).sort()).toEqual([
      "enum:mood",
      "function:is_even(integer)",
      "function:is_even(integer)",
      "function:next_a()",
    ])
  })

  test("a partition needs its parent; a trigger its table and function; a qualified name its schema", () => {
    const parent = tbl("events", [col("at", "date")], { options: ["PARTITION BY RANGE (at)"] })
    const part = tbl("events_2024", [], {
      options: ["PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')"],
    })
    const audit = tbl("audit.log", [col("x", "integer")])
    const trigger = obj("trigger", "touch ON events", { table: "events", dependsOn: ["touch()"] })
    const changes = diffSchemas(
      pg([]),
      pg([parent, part, audit], [obj("function", "touch()"), trigger, obj("schema", "audit")]),
    )
    const needsOf = (kind: string, name: string) =>
      refs(
        changes.find(
          (c) =>
            c.kind === kind &&
            ((c.kind === "create-table" && c.table.name === name) ||
              (c.kind === "create-object" && c.object.name === name)),
        )?.needs ?? [],
      )
    expect(needsOf("create-table", "events_2024")).toEqual(["table:events", "columns:events"])
    expect(needsOf("create-table", "audit.log")).toEqual(["schema:audit"])
    expect(needsOf("create-object", "touch ON events")).toEqual([
      "table:events",
      "columns:events",
      "function:touch()",
    ])
  })

  test("an altered column's type re-makes what reads it; a changed default does not", () => {
    const changes = diffSql("CREATE TABLE t (a INT, b INT);", "CREATE TABLE t (a TEXT, b INT DEFAULT 1);")
    expect(changes.map((c) => [describeChange(c), refs(c.removes), refs(c.creates)])).toEqual([
      ["change column t.a (type)", ["column:t.a"], ["column:t.a"]],
      ["change column t.b (default)", [], []],
    ])
  })
})

describe("renderChanges", () => {
  test("a table's changes show as one block: the table before against the table after", () => {
    const from = schemaOfSql("CREATE TABLE t (a INT, b INT);")
    const to = schemaOfSql("CREATE TABLE t (a INT NOT NULL, c INT);")
    const text = renderChanges(diffSchemas(from, to), { from, to, renderTable })
    expect(text.split("\n").filter((l) => l.startsWith("+") || l.startsWith("-"))).toEqual([
      "-   a INT,",
      "-   b INT",
      "+   a INT NOT NULL,",
      "+   c INT",
    ])
  })
})
