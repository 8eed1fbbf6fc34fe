/**
 * unenforceable-foreign-key on catalogs SQLite reads: a foreign key to a non-unique column is
 * flagged at the statement that gives the child table its keys when the migration makes it, and
 * without a statement when the history already held it; a key made enforceable by the migration
 * (a UNIQUE index on the parent) is not flagged.
 */
import { describe, expect, test } from "bun:test"
import { unenforceableForeignKey } from "../../rules/unenforceable-foreign-key.ts"
import { schemaOfSql } from "../e2e/_cli.ts"
import { judge, up } from "./_schemas.ts"

const parent = "CREATE TABLE parent (id INTEGER PRIMARY KEY, code TEXT);\n"
const child = "CREATE TABLE child (id INTEGER PRIMARY KEY, code TEXT REFERENCES parent (code));"

describe("unenforceable-foreign-key", () => {
  test("made by the migration: flagged at the CREATE TABLE, with its line", async () => {
    const found = judge(
      unenforceableForeignKey,
      schemaOfSql(parent),
      schemaOfSql(parent + child),
      await up(`\n${child}`, "sqlite"),
    )
    expect(found).toEqual([
      {
        rule: "unenforceable-foreign-key",
        level: "warning",
        message: expect.stringContaining(
          "child (code) -> parent (code) references no key of parent: parent has no PRIMARY KEY, UNIQUE constraint or unique index on (code)",
        ),
        statement: child.slice(0, -1),
        line: 2,
      },
    ])
  })

  test("held by the history: flagged without a statement; fixed by the migration: not flagged", async () => {
    const held = schemaOfSql(parent + child)
    const other = "CREATE TABLE other (id INTEGER PRIMARY KEY);"
    const kept = judge(
      unenforceableForeignKey,
      held,
      schemaOfSql(parent + child + other),
      await up(other, "sqlite"),
    )
    expect(kept.map((f) => [f.rule, f.statement])).toEqual([["unenforceable-foreign-key", undefined]])
    const unique = "CREATE UNIQUE INDEX parent_code ON parent (code);"
    expect(
      judge(unenforceableForeignKey, held, schemaOfSql(parent + child + unique), await up(unique, "sqlite")),
    ).toEqual([])
  })
})
