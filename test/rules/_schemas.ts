/**
 * _schemas: hand-made schemas and UP scripts for the rule tests: tables from `name: type` lists,
 * statements split on `;` and parsed in the named grammar, as the validate step does.
 */
import type { Capabilities } from "../../engines/engine.ts"
import { mysqlCapabilities } from "../../engines/mysql/capabilities.ts"
import { postgresCapabilities } from "../../engines/postgres/capabilities.ts"
import { sqliteCapabilities } from "../../engines/sqlite/capabilities.ts"
import type { Column, ForeignKey, Schema, SchemaObject, Statement, Table } from "../../model.ts"
import { parseStatements } from "../../rules/_parse.ts"
import type { BuiltinRule, UpStatement } from "../../rules/rule.ts"
import { diffSchemas } from "../../model/diff.ts"

export function column(name: string, type: string, extra: Partial<Column> = {}): Column {
  return { name, type, notNull: false, ...extra }
}

export function table(name: string, columns: ReadonlyArray<Column>, more: Partial<Table> = {}): Table {
  return {
    name,
    columns,
    uniques: [],
    checks: [],
    foreignKeys: [],
    options: [],
    definition: `CREATE TABLE ${name} (...)`,
    ...more,
  }
}

/** A foreign key with the default actions (NO ACTION, not deferrable), named. */
export function foreignKey(
  name: string,
  columns: ReadonlyArray<string>,
  table: string,
  referencedColumns: ReadonlyArray<string>,
): ForeignKey {
  return {
    name,
    columns,
    table,
    referencedColumns,
    onDelete: "NO ACTION",
    onUpdate: "NO ACTION",
    deferrable: false,
    initiallyDeferred: false,
  }
}

export function schema(
  engine: string,
  tables: ReadonlyArray<Table>,
  objects: ReadonlyArray<SchemaObject> = [],
): Schema {
  return { engine, version: "test", tables, objects }
}

export function index(name: string, on: string): SchemaObject {
  return {
    kind: "index",
    name,
    table: on,
    definition: `CREATE INDEX ${name} ON ${on} (x)`,
    key: name,
    dependsOn: [on],
  }
}

export function pgEnum(name: string, labels: ReadonlyArray<string>): SchemaObject {
  const definition = `CREATE TYPE ${name} AS ENUM (${labels.map((l) => `'${l}'`).join(", ")})`
  return { kind: "enum", name, definition, key: definition, dependsOn: [] }
}

/**
 * Statements split at `;`, lines counted as in a file; `;` inside $$...$$ or a BEGIN ... END body
 * does not end one. Enough for the test scripts here (the engines have the real splitters).
 */
export function split(sql: string): Statement[] {
  const out: Statement[] = []
  const protectedRanges = [...sql.matchAll(/\$\$[\s\S]*?\$\$|\bBEGIN\b[\s\S]*?\bEND\b/g)].map((m) => [
    m.index,
    m.index + m[0].length,
  ])
  let start = 0
  const cut = (end: number) => {
    const part = sql.slice(start, end)
    const text = part.trim()
    const offset = start + (part.length - part.trimStart().length)
    if (text)
      out.push({ sql: text, line: (sql.slice(0, offset).match(/\n/g)?.length ?? 0) + 1, source: "UP" })
  }
  for (let i = 0; i < sql.length; i++) {
    if (sql[i] !== ";" || protectedRanges.some(([a, b]) => i > (a as number) && i < (b as number))) continue
    cut(i)
    start = i + 1
  }
  cut(sql.length)
  return out
}

/** The capabilities of the engine a test names (by a schema's `engine`, or a grammar's name). */
const capabilitiesOf = (name: string): Capabilities =>
  name.startsWith("postgres")
    ? postgresCapabilities
    : name === "mariadb"
      ? mysqlCapabilities("mariadb")
      : name === "mysql"
        ? mysqlCapabilities("mysql")
        : sqliteCapabilities

/** UP's statements as the validate step reads them with `engine`'s parser; none with `undefined`. */
export const up = (sql: string, engine: string | undefined): Promise<UpStatement[]> =>
  parseStatements(split(sql), engine === undefined ? undefined : capabilitiesOf(engine).dml)

/** What the validate step hands a rule: both schemas, the change list between them, and UP. */
export const judge = (rule: BuiltinRule, before: Schema, after: Schema, up: ReadonlyArray<UpStatement>) =>
  rule.check({
    before,
    after,
    changes: diffSchemas(before, after),
    up,
    types: capabilitiesOf(before.engine).types,
  })
