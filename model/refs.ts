/**
 * refs: what each change of a change list needs, removes and creates, as object references (kind +
 * name), read from the two schemas alone: a table needs its schema, the types, sequences and
 * functions its columns and checks name, the tables it is a partition or child of, and the keys of
 * the tables its foreign keys reference; a view, trigger or routine needs what its catalog entry
 * says it depends on; an index or constraint needs its table's columns. Ordering (engines/order.ts)
 * reads only these references, so every engine shares one dependency graph. Pure.
 */
import type {
  Change,
  ChangeRefs,
  Column,
  ObjectRef,
  Schema,
  SchemaObject,
  Table,
  TableConstraint,
} from "../model.ts"
import type { NameKey } from "./names.ts"

/** A change before its references are attached. */
export type BareChange = Change extends infer C
  ? C extends unknown
    ? Omit<C, keyof ChangeRefs>
    : never
  : never

const typeKinds = new Set(["enum", "domain", "type"])
const routineKinds = new Set(["function", "procedure"])

/** The identifier-like words of some SQL text, quotes removed (inside string literals too). */
function wordsOf(text: string): string[] {
  const words: string[] = []
  for (const m of text.matchAll(
    /"((?:[^"]|"")+)"|`((?:[^`]|``)+)`|([A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*)/g,
  ))
    words.push(m[1]?.replaceAll('""', '"') ?? m[2]?.replaceAll("``", "`") ?? (m[3] as string))
  return words
}

/** Dotted names (`audit.f`, `"Audit"."F"`) of some SQL text, each followed by whether `(` comes next. */
function namesOf(text: string): Array<{ name: string; called: boolean }> {
  const part = String.raw`(?:"(?:[^"]|"")+"|\x60(?:[^\x60]|\x60\x60)+\x60|[A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*)`
  const pattern = new RegExp(String.raw`${part}(?:\s*\.\s*${part})*(\s*\()?`, "g")
  return [...text.matchAll(pattern)].map((m) => ({
    name: wordsOf(m[0].replace(/\s*\($/, "")).join("."),
    called: m[1] !== undefined,
  }))
}

/**
 * The references of one schema's tables and objects: what each needs and what it brings. The diff
 * uses it for every change; planners use it for the steps they add around a change (a view dropped
 * and created again because a table it reads is rebuilt).
 */
export class SchemaRefs {
  private readonly tables = new Map<string, Table>()
  private readonly objects = new Map<string, SchemaObject[]>()
  /** Routines by their name without the argument list (`f`, `audit.f`). */
  private readonly routines = new Map<string, SchemaObject[]>()
  private readonly sequences: SchemaObject[]

  constructor(
    readonly schema: Schema,
    readonly key: NameKey,
  ) {
    for (const t of schema.tables) this.tables.set(key(t.name), t)
    for (const o of schema.objects) {
      if (o.kind === "index" || o.kind === "comment") continue
      this.objects.set(key(o.name), [...(this.objects.get(key(o.name)) ?? []), o])
      if (routineKinds.has(o.kind)) {
        const bare = key(o.name.replace(/\(.*$/s, ""))
        this.routines.set(bare, [...(this.routines.get(bare) ?? []), o])
      }
    }
    this.sequences = schema.objects.filter((o) => o.kind === "sequence")
  }

  ref(kind: ObjectRef["kind"], name: string, table?: string): ObjectRef {
    return table === undefined
      ? { kind, name: this.key(name) }
      : { kind, name: this.key(name), table: this.key(table) }
  }

  /** A table as something to depend on: it exists, with its columns. */
  table(name: string): ObjectRef[] {
    return [this.ref("table", name), this.ref("columns", name)]
  }

  /** What a name a catalog lists as a dependency stands for: a table, a view, a routine, a type... */
  named(name: string): ObjectRef[] {
    if (this.tables.has(this.key(name))) return this.table(name)
    return (this.objects.get(this.key(name)) ?? []).map((o) => this.ref(o.kind, o.name))
  }

  /** The schema a qualified name lives in, where the schema is an object of this catalog. */
  schemaOf(name: string): ObjectRef[] {
    const bare = name.replace(/\(.*$/s, "")
    const dot = bare.lastIndexOf(".")
    if (dot <= 0) return []
    const schema = bare.slice(0, dot).replace(/^"|"$/g, "")
    return (this.objects.get(this.key(schema)) ?? [])
      .filter((o) => o.kind === "schema")
      .map((o) => this.ref("schema", o.name))
  }

  /** Types, sequences and routines an expression or type name mentions. */
  mentioned(text: string): ObjectRef[] {
    const refs: ObjectRef[] = []
    for (const { name, called } of namesOf(text)) {
      if (called) for (const r of this.routines.get(this.key(name)) ?? []) refs.push(this.ref(r.kind, r.name))
      for (const o of this.objects.get(this.key(name)) ?? [])
        if (typeKinds.has(o.kind) || o.kind === "sequence") refs.push(this.ref(o.kind, o.name))
    }
    // nextval('audit.s'::regclass): a sequence named inside a string.
    for (const s of this.sequences) if (text.includes(`'${s.name}'`)) refs.push(this.ref("sequence", s.name))
    return refs
  }

  /** What a column's type, default and generation expression need, and the columns it reads. */
  column(table: Table, column: Column): ObjectRef[] {
    const refs = this.mentioned(`${column.type.replace(/\[\]$/, "")} ${column.default ?? ""}`)
    if (column.generated) {
      refs.push(...this.mentioned(column.generated.expression))
      const names = new Set(wordsOf(column.generated.expression).map(this.key))
      for (const other of table.columns)
        if (other !== column && names.has(this.key(other.name)))
          refs.push(this.ref("column", other.name, table.name))
    }
    return refs
  }

  /** What a constraint needs beyond its table: the functions a check calls, a foreign key's parent. */
  constraint(table: Table, c: TableConstraint): ObjectRef[] {
    if ("clause" in c) return this.mentioned(c.clause)
    if (c.type === "check") return this.mentioned(c.check.expression)
    if (c.type !== "foreign-key") return []
    const parent = c.foreignKey.table
    if (this.key(parent) === this.key(table.name)) return [this.ref("keys", parent)]
    return [...this.table(parent), this.ref("keys", parent)]
  }

  /**
   * Parents a table's options name: PARTITION OF p ..., INHERITS (p, q), each a name as the engine
   * quotes it (`"Sales 2020"`, `audit."Base"`), read back without its quotes.
   */
  parents(table: Table): string[] {
    return table.options.flatMap((o) => {
      if (o.startsWith("PARTITION OF "))
        return namesOf(o.slice(13))
          .slice(0, 1)
          .map((n) => n.name)
      const inherits = /^INHERITS \((.*)\)$/s.exec(o)
      return inherits ? namesOf(inherits[1] as string).map((n) => n.name) : []
    })
  }

  /** Everything a table needs to be created (and, removed, holds on to until it goes). */
  tableNeeds(table: Table): ObjectRef[] {
    const refs = [...this.schemaOf(table.name)]
    for (const c of table.columns) refs.push(...this.column(table, c).filter((r) => r.kind !== "column"))
    for (const c of constraintsOf(table)) refs.push(...this.constraint(table, c))
    for (const p of this.parents(table)) refs.push(...this.table(p))
    return refs
  }

  /** What a table brings into being: itself, its columns, its keys and its named constraints. */
  tableCreates(table: Table): ObjectRef[] {
    const refs = [...this.table(table.name), this.ref("keys", table.name)]
    for (const c of table.columns) refs.push(this.ref("column", c.name, table.name))
    for (const c of constraintsOf(table))
      if (c.name !== undefined) refs.push(this.ref("constraint", c.name, table.name))
    return refs
  }

  /** An object's own reference. */
  object(object: SchemaObject): ObjectRef {
    return this.ref(object.kind, object.name)
  }

  /** What a view, trigger, routine, type or sequence needs: its dependencies, its table, its schema. */
  objectNeeds(object: SchemaObject): ObjectRef[] {
    const refs = [...this.schemaOf(object.name)]
    if (object.table !== undefined) refs.push(...this.table(object.table))
    for (const d of object.dependsOn) refs.push(...this.named(d))
    if (object.kind === "index") refs.push(...this.mentioned(object.definition))
    const self = `${object.kind}:${this.key(object.name)}`
    return refs.filter((r) => `${r.kind}:${r.name}` !== self)
  }
}

/** A constraint's own reference (named ones only) and, for keys, the table's key set. */
function constraintRefs(r: SchemaRefs, table: string, c: TableConstraint): ObjectRef[] {
  const refs: ObjectRef[] = []
  if (c.name !== undefined) refs.push(r.ref("constraint", c.name, table))
  if (c.type === "primary-key" || c.type === "unique" || c.type === "exclusion")
    refs.push(r.ref("keys", table))
  return refs
}

const tableNamed = (schema: Schema, key: NameKey, name: string) =>
  schema.tables.find((t) => key(t.name) === key(name))

/** Column aspects after which whatever reads the column must be made again (a view, an index). */
const reshaping = new Set(["type", "collation", "generated"])

/** The references of one change, read from the schema before (`from`) and after (`to`). */
function refsOf(change: BareChange, from: SchemaRefs, to: SchemaRefs): ChangeRefs {
  const none: ObjectRef[] = []
  const refs = (
    needs: ObjectRef[],
    creates: ObjectRef[],
    removes: ObjectRef[] = none,
    removedNeeds: ObjectRef[] = none,
  ): ChangeRefs => ({ needs, creates, removes, removedNeeds })
  const before = (name: string) => tableNamed(from.schema, from.key, name)
  const after = (name: string) => tableNamed(to.schema, to.key, name)
  switch (change.kind) {
    case "create-table":
      return refs(to.tableNeeds(change.table), to.tableCreates(change.table))
    case "drop-table":
      return refs(none, none, from.tableCreates(change.table), from.tableNeeds(change.table))
    case "rename-table":
      return refs([from.ref("table", change.before.name)], to.tableCreates(change.after), [
        from.ref("table", change.before.name),
        from.ref("columns", change.before.name),
      ])
    case "add-column": {
      const table = after(change.table)
      return refs(
        [to.ref("table", change.table), ...(table ? to.column(table, change.column) : [])],
        [to.ref("column", change.column.name, change.table)],
      )
    }
    case "drop-column": {
      const table = before(change.table)
      return refs(
        none,
        none,
        [from.ref("column", change.column.name, change.table)],
        table ? from.column(table, change.column) : [],
      )
    }
    case "rename-column":
    case "alter-column": {
      const [old, now] = [before(change.table) ?? after(change.table), after(change.table)]
      const reshaped = change.kind === "rename-column" || change.aspects.some((a) => reshaping.has(a))
      return refs(
        [to.ref("table", change.table), ...(now ? to.column(now, change.after) : [])],
        reshaped ? [to.ref("column", change.after.name, change.table)] : none,
        reshaped ? [from.ref("column", change.before.name, change.table)] : none,
        old ? from.column(old, change.before) : [],
      )
    }
    case "add-constraint": {
      const table = after(change.table)
      return refs(
        [...to.table(change.table), ...(table ? to.constraint(table, change.constraint) : [])],
        constraintRefs(to, change.table, change.constraint),
      )
    }
    case "drop-constraint": {
      const table = before(change.table)
      return refs(none, none, constraintRefs(from, change.table, change.constraint), [
        ...from.table(change.table),
        ...(table ? from.constraint(table, change.constraint) : []),
      ])
    }
    case "alter-constraint": {
      const [old, now] = [before(change.table), after(change.table)]
      return refs(
        [...to.table(change.table), ...(now ? to.constraint(now, change.after) : [])],
        constraintRefs(to, change.table, change.after),
        constraintRefs(from, change.table, change.before),
        [...from.table(change.table), ...(old ? from.constraint(old, change.before) : [])],
      )
    }
    case "add-index":
      return refs(to.objectNeeds(change.index), [
        to.ref("index", change.index.name),
        to.ref("keys", change.table),
      ])
    case "drop-index":
      return refs(
        none,
        none,
        [from.ref("index", change.index.name), from.ref("keys", change.table)],
        from.objectNeeds(change.index),
      )
    case "alter-index":
      return refs(
        to.objectNeeds(change.after),
        [to.ref("index", change.after.name), to.ref("keys", change.table)],
        [from.ref("index", change.before.name), from.ref("keys", change.table)],
        from.objectNeeds(change.before),
      )
    case "rename-index":
      // After the table and column renames it follows; the index itself never goes away.
      return refs(
        to.objectNeeds(change.after),
        [to.ref("index", change.after.name)],
        [from.ref("index", change.before.name)],
      )
    case "alter-table": {
      const parents = (r: SchemaRefs, t: Table, options: ReadonlyArray<string>) =>
        r.parents({ ...t, options: [...options] }).flatMap((p) => r.table(p))
      return refs(
        [to.ref("table", change.after.name), ...parents(to, change.after, change.addedOptions)],
        none,
        none,
        parents(from, change.before, change.removedOptions),
      )
    }
    case "create-object":
      return refs(to.objectNeeds(change.object), [to.ref(change.object.kind, change.object.name)])
    case "drop-object":
      return refs(
        none,
        none,
        [from.ref(change.object.kind, change.object.name)],
        from.objectNeeds(change.object),
      )
    case "replace-object":
      return refs(
        to.objectNeeds(change.after),
        [to.ref(change.after.kind, change.after.name)],
        [from.ref(change.before.kind, change.before.name)],
        from.objectNeeds(change.before),
      )
  }
}

/** Each change with its references attached. */
export function attachRefs(
  changes: ReadonlyArray<BareChange>,
  from: Schema,
  to: Schema,
  key: NameKey,
): Change[] {
  const before = new SchemaRefs(from, key)
  const after = new SchemaRefs(to, key)
  return changes.map((c) => ({ ...c, ...refsOf(c, before, after) }) as Change)
}

/** The constraints of a table, in the model's order: key, uniques, checks, foreign keys, clauses. */
export function constraintsOf(table: Table): TableConstraint[] {
  const out: TableConstraint[] = []
  if (table.primaryKey)
    out.push({ type: "primary-key", name: table.primaryKey.name, valid: true, primaryKey: table.primaryKey })
  for (const unique of table.uniques) out.push({ type: "unique", name: unique.name, valid: true, unique })
  for (const check of table.checks)
    out.push({ type: "check", name: check.name, valid: check.valid !== false, check })
  for (const foreignKey of table.foreignKeys)
    out.push({ type: "foreign-key", name: foreignKey.name, valid: foreignKey.valid !== false, foreignKey })
  for (const option of table.options) {
    const clause = constraintClause(option)
    if (clause) out.push({ ...clause, valid: true, clause: option })
  }
  return out
}

/**
 * A table option that is a constraint written whole (`CONSTRAINT x EXCLUDE ...`, `UNIQUE NULLS NOT
 * DISTINCT (...)`): its type and name; undefined for any other option.
 */
export function constraintClause(
  option: string,
): { type: "exclusion" | "unique" | "primary-key"; name: string | undefined } | undefined {
  const m = /^(?:CONSTRAINT ("(?:[^"]|"")+"|\S+) )?(EXCLUDE|UNIQUE|PRIMARY KEY)\b/.exec(option)
  if (!m) return undefined
  const quoted = m[1]
  const name =
    quoted === undefined
      ? undefined
      : quoted.startsWith('"')
        ? quoted.slice(1, -1).replaceAll('""', '"')
        : quoted
  const word = m[2] as string
  return { type: word === "EXCLUDE" ? "exclusion" : word === "UNIQUE" ? "unique" : "primary-key", name }
}
