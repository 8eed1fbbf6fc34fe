/**
 * plan-privileges: what each grantee may do on an object a migration creates. A new object starts
 * with what its type gives (privileges.ts `basePrivileges`) and with the default privileges in force
 * for the role that runs the migration (ALTER DEFAULT PRIVILEGES without FOR ROLE: global ones
 * replace what the type gives, per-schema ones add to it;
 * https://www.postgresql.org/docs/current/sql-alterdefaultprivileges.html). The planner changes
 * default privileges after everything it creates, so that start is the old schema's; from there
 * each grantee is brought to what the new schema says, revoking what it should not have. Pure.
 */
import type { Column, Schema, SchemaObject, Table } from "../../model.ts"
import { quoteIdent, quoteName, splitName } from "./names.ts"
import { basePrivileges, type PrivilegeSet, privilegeStatements, readPrivileges } from "./privileges.ts"
import { serialOf } from "./render.ts"

/** What ALTER DEFAULT PRIVILEGES calls the objects a target names. */
export type DefaultsKind = "TABLES" | "SEQUENCES" | "FUNCTIONS" | "SCHEMAS"

/** An object the migration creates, as GRANT names it (`TABLE app.users`), with the defaults that reach it. */
export interface CreatedTarget {
  readonly target: string
  readonly defaults: DefaultsKind
  /** The schema it is created in (`public` for an unqualified name); none for a schema. */
  readonly schema: string | undefined
}

/** Each grantee's privileges on `created` right after CREATE, under the default privileges of `schema`. */
export function startingPrivileges(created: CreatedTarget, schema: Schema): Map<string, PrivilegeSet> {
  const start = new Map<string, PrivilegeSet>()
  const global = "ALTER DEFAULT PRIVILEGES "
  const inSchema =
    created.schema === undefined ? undefined : `${global}IN SCHEMA ${quoteIdent(created.schema)} `
  const entries = schema.objects.filter(
    (o) => o.kind === "grant" && o.name.startsWith("ALTER DEFAULT PRIVILEGES "),
  )
  for (const o of entries) {
    const shape = readPrivileges(o.definition, new Map())
    if (shape.target !== created.defaults || shape.prefix !== global) continue
    start.set(
      shape.grantee,
      readPrivileges(o.definition, basePrivileges(global, shape.target, shape.grantee, schema.version)).set,
    )
  }
  for (const o of entries) {
    const shape = readPrivileges(o.definition, new Map())
    if (shape.target !== created.defaults || inSchema === undefined || shape.prefix !== inSchema) continue
    const base = start.get(shape.grantee) ?? basePrivileges("", created.target, shape.grantee, schema.version)
    start.set(shape.grantee, new Map([...base, ...readPrivileges(o.definition, new Map()).set]))
  }
  return start
}

/**
 * The statements that give a created object the privileges `to` lists for it, from what it starts
 * with in `from` (default privileges included); empty when it starts right.
 */
export function createdObjectGrants(created: CreatedTarget, from: Schema, to: Schema): string[] {
  const start = startingPrivileges(created, from)
  const wanted = new Map<string, PrivilegeSet>()
  for (const o of to.objects) {
    if (o.kind !== "grant" || !o.name.startsWith(`${created.target} TO `)) continue
    const shape = readPrivileges(o.definition, new Map())
    if (shape.prefix !== "" || shape.target !== created.target) continue
    wanted.set(
      shape.grantee,
      readPrivileges(o.definition, basePrivileges("", created.target, shape.grantee, to.version)).set,
    )
  }
  const out: string[] = []
  for (const grantee of new Set([...start.keys(), ...wanted.keys()])) {
    const base = basePrivileges("", created.target, grantee, to.version)
    out.push(
      ...privilegeStatements(
        "",
        created.target,
        grantee,
        start.get(grantee) ?? base,
        wanted.get(grantee) ?? base,
      ),
    )
  }
  return out
}

/** `f(integer, text)` as GRANT names it: the name quoted, the argument list as the catalog prints it. */
const routine = (name: string) => {
  const open = name.indexOf("(")
  return `${quoteName(name.slice(0, open))}${name.slice(open)}`
}

/**
 * What a migration creates that privileges are on: new tables and the sequences of their serial
 * columns, serial columns added to a table, and the views, sequences, routines and schemas it
 * creates or makes again (`fresh`); each with the name its creation goes by, for ordering.
 */
export function createdObjects(
  tables: ReadonlyArray<Table>,
  addedColumns: ReadonlyArray<{ readonly table: string; readonly column: Column }>,
  fresh: ReadonlyArray<SchemaObject>,
): Array<{ target: CreatedTarget; name: string }> {
  const created: Array<{ target: CreatedTarget; name: string }> = []
  const schemaOf = (name: string) => splitName(name).schema
  const add = (target: string, defaults: DefaultsKind, schema: string | undefined, name: string) =>
    created.push({ target: { target, defaults, schema }, name })
  const serials = (table: string, column: Column) => {
    const serial = serialOf(table, column)
    if (serial) add(`SEQUENCE ${quoteName(serial.sequence)}`, "SEQUENCES", schemaOf(serial.sequence), table)
  }
  for (const t of tables) {
    add(`TABLE ${quoteName(t.name)}`, "TABLES", schemaOf(t.name), t.name)
    for (const c of t.columns) serials(t.name, c)
  }
  for (const { table, column } of addedColumns) serials(table, column)
  for (const o of fresh) {
    if (o.kind === "view" || o.kind === "materialized-view")
      add(`TABLE ${quoteName(o.name)}`, "TABLES", schemaOf(o.name), o.name)
    else if (o.kind === "sequence")
      add(`SEQUENCE ${quoteName(o.name)}`, "SEQUENCES", schemaOf(o.name), o.name)
    else if (o.kind === "function" || o.kind === "procedure" || o.kind === "aggregate")
      add(
        `${o.kind === "procedure" ? "PROCEDURE" : "FUNCTION"} ${routine(o.name)}`,
        "FUNCTIONS",
        schemaOf(o.name.replace(/\(.*$/s, "")),
        o.name,
      )
    else if (o.kind === "schema") add(`SCHEMA ${quoteIdent(o.name)}`, "SCHEMAS", undefined, o.name)
  }
  return created
}
