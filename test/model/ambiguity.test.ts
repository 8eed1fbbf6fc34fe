import { describe, expect, test } from "bun:test"
import { findAmbiguities } from "../../model/ambiguity.ts"
import { isWidening } from "../../model/types.ts"
import { diffSchemas } from "../../model/diff.ts"
import type { Schema } from "../../model.ts"
import { schemaOfSql } from "../e2e/_cli.ts"

const kinds = (from: string, to: string) => findAmbiguities(diffSchemas(schemaOfSql(from), schemaOfSql(to)))

describe("ambiguity", () => {
  test("a dropped and an added column of a compatible type may be a rename", () => {
    const found = kinds(
      "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);",
      "CREATE TABLE users (id INTEGER PRIMARY KEY, full_name TEXT NOT NULL);",
    )
    expect(found).toEqual([
      {
        kind: "renamed-column",
        detail: "users.name may have been renamed to full_name",
        rename: { kind: "column", table: "users", from: "name", to: "full_name" },
      },
    ])
  })

  test("each side of a possible rename is used once; an answered one is no longer open", () => {
    const changes = diffSchemas(
      schemaOfSql("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT);"),
      schemaOfSql("CREATE TABLE t (id INTEGER PRIMARY KEY, c TEXT, d TEXT);"),
    )
    expect(findAmbiguities(changes).map((a) => a.detail)).toEqual([
      "t.a may have been renamed to c",
      "t.b may have been renamed to d",
    ])
    const answered = [{ kind: "column" as const, table: "t", from: "a", to: "c" }]
    expect(findAmbiguities(changes, undefined, answered).map((a) => a.detail)).toEqual([
      "t.b may have been renamed to d",
    ])
  })

  test("a dropped table and a created one with similar columns may be a rename", () => {
    const found = kinds(
      "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, born TEXT);",
      "CREATE TABLE persons (id INTEGER PRIMARY KEY, name TEXT, born TEXT);",
    )
    expect(found.map((a) => a.kind)).toEqual(["renamed-table"])
  })

  test("a narrowing type change is lossy; a widening one is not", () => {
    expect(
      kinds("CREATE TABLE t (a VARCHAR(200));", "CREATE TABLE t (a VARCHAR(20));").map((a) => a.kind),
    ).toEqual(["lossy-type"])
    expect(kinds("CREATE TABLE t (a TEXT);", "CREATE TABLE t (a INTEGER);").map((a) => a.kind)).toEqual([
      "lossy-type",
    ])
    expect(kinds("CREATE TABLE t (a VARCHAR(20));", "CREATE TABLE t (a TEXT);")).toEqual([])
    expect(kinds("CREATE TABLE t (a INT);", "CREATE TABLE t (a BIGINT);")).toEqual([])
    expect(isWidening("NUMERIC(10,2)", "NUMERIC(12,2)")).toBe(true)
    expect(isWidening("NUMERIC(10,2)", "NUMERIC(10,1)")).toBe(false)
  })

  test("an enum losing a value is flagged, in a column type or an enum type", () => {
    // MySQL's column enums; SQLite cannot declare one, so the schemas are built by hand.
    const table = (type: string): Schema => ({
      engine: "mysql",
      version: "8",
      tables: [
        {
          name: "t",
          columns: [{ name: "s", type, notNull: false }],
          uniques: [],
          checks: [],
          foreignKeys: [],
          options: [],
          definition: "",
        },
      ],
      objects: [],
    })
    const column = findAmbiguities(diffSchemas(table("ENUM('a','b')"), table("ENUM('a')")))
    expect(column).toEqual([{ kind: "enum-value-removed", detail: "t.s loses the value(s) 'b'" }])
    expect(findAmbiguities(diffSchemas(table("ENUM('a')"), table("ENUM('a','b')")))).toEqual([])
    const enumObject = (labels: string): Schema => ({
      engine: "postgres",
      version: "18",
      tables: [],
      objects: [
        {
          kind: "enum",
          name: "mood",
          definition: `CREATE TYPE mood AS ENUM (${labels})`,
          key: labels,
          dependsOn: [],
        },
      ],
    })
    const found = findAmbiguities(
      diffSchemas(enumObject("'sad', 'ok', 'happy'"), enumObject("'sad', 'happy'")),
    )
    expect(found).toEqual([{ kind: "enum-value-removed", detail: "enum mood loses the value(s) 'ok'" }])
  })

  test("adding a table, a column or an index is not ambiguous", () => {
    expect(
      kinds(
        "CREATE TABLE users (id INTEGER PRIMARY KEY);",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT); CREATE TABLE posts (id INTEGER, body TEXT); CREATE INDEX pb ON posts (body);",
      ),
    ).toEqual([])
  })
})
