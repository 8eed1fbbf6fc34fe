/**
 * planner: the MySQL/MariaDB steps for a change list, deterministic and offline. Each changed table
 * gets one ALTER TABLE (CHANGE/ADD/DROP/MODIFY COLUMN, keys, checks), so the server copies it at
 * most once (https://dev.mysql.com/doc/refman/8.0/en/alter-table.html). Foreign keys are steps of
 * their own: dropped before the columns and indexes they use change (also those the change list
 * leaves alone but whose columns or index change under them) and added after; a new table carries
 * its foreign keys unless it sits in a cycle, when they are added once every table exists. Triggers,
 * routines and events are written without DELIMITER, one statement each. engines/order.ts orders
 * the steps. Pure; holds no resources.
 */
import { sameColumn } from "../../model/diff.ts"
import { nameKey } from "../../model/names.ts"
import type { Change, CheckConstraint, Column, ForeignKey, Schema, SchemaObject, Table } from "../../model.ts"
import type { PlannedSteps } from "../engine.ts"
import type { PlanStep } from "../order.ts"
import { creationOf, removalOf, stepFor } from "../plan-steps.ts"
import { groupByTable, renamedBefore, renamesIn } from "../table-changes.ts"
import type { Flavor } from "./flavor.ts"
import { splitCreateTable } from "./catalog.ts"
import { backtickedNames, matchingParen, normalizeExpression, quoteName, splitTopLevel } from "./lexer.ts"

const q = quoteName

interface ConstraintLine {
  readonly name: string
  readonly kind: "FOREIGN KEY" | "CHECK"
  readonly text: string
}

/** `CONSTRAINT ...` items of a table's SHOW CREATE TABLE text, with their real names. */
function constraintLines(table: Table): ConstraintLine[] {
  return splitCreateTable(table.definition).keyLines.flatMap((line) => {
    const m = /^CONSTRAINT\s+(`(?:[^`]|``)*`)\s+(FOREIGN KEY|CHECK)\b/i.exec(line)
    if (!m) return []
    return [
      {
        name: backtickedNames(m[1] as string)[0] ?? "",
        kind: (m[2] as string).toUpperCase() as ConstraintLine["kind"],
        text: line,
      },
    ]
  })
}

const parenNames = (text: string, from: number) => {
  const open = text.indexOf("(", from)
  return {
    names: backtickedNames(text.slice(open, matchingParen(text, open) + 1)),
    end: matchingParen(text, open),
  }
}

/** The real constraint name and definition of a foreign key, from the table's stored text. */
function foreignKeyLine(table: Table, fk: ForeignKey): ConstraintLine | undefined {
  return constraintLines(table).find((c) => {
    if (c.kind !== "FOREIGN KEY") return false
    if (fk.name !== undefined) return c.name === fk.name
    const cols = parenNames(c.text, c.text.search(/FOREIGN KEY/i))
    const ref = /REFERENCES\s+(`(?:[^`]|``)*`)/i.exec(c.text)
    return cols.names.join() === fk.columns.join() && backtickedNames(ref?.[1] ?? "")[0] === fk.table
  })
}

function checkLine(table: Table, check: CheckConstraint): ConstraintLine | undefined {
  return constraintLines(table).find((c) => {
    if (c.kind !== "CHECK") return false
    if (check.name !== undefined) return c.name === check.name
    const clause = c.text.slice(c.text.search(/\bCHECK\b/i) + 5)
    return normalizeExpression(clause) === check.expression
  })
}

/**
 * The foreign key as the target table defines it. A default-looking name (`posts_ibfk_1`) is kept
 * when the target has an index of that name, since the server names the index it creates for a
 * named key after it; otherwise the name is left out, as the user left it out, and the server picks
 * the next free one (also when a foreign key that stays holds it).
 */
function foreignKeyClause(
  table: Table,
  fk: ForeignKey,
  taken: ReadonlySet<string>,
  indexNames: ReadonlySet<string>,
): string {
  const line = foreignKeyLine(table, fk)
  if (!line) {
    const actions = `${fk.onDelete !== "RESTRICT" ? ` ON DELETE ${fk.onDelete}` : ""}${fk.onUpdate !== "RESTRICT" ? ` ON UPDATE ${fk.onUpdate}` : ""}`
    const name = fk.name ? `CONSTRAINT ${q(fk.name)} ` : ""
    return `${name}FOREIGN KEY (${fk.columns.map(q).join(", ")}) REFERENCES ${q(fk.table)} (${fk.referencedColumns.map(q).join(", ")})${actions}`
  }
  const keepName = fk.name !== undefined || (indexNames.has(line.name) && !taken.has(line.name))
  return !keepName ? line.text.replace(/^CONSTRAINT\s+`(?:[^`]|``)*`\s+/i, "") : line.text
}

function checkClauseOf(table: Table, check: CheckConstraint): string {
  const line = checkLine(table, check)
  const text = line
    ? line.text.replace(/^CONSTRAINT\s+`(?:[^`]|``)*`\s+/i, "")
    : `CHECK (${check.expression})`
  return check.name === undefined ? text : `CONSTRAINT ${q(check.name)} ${text}`
}

const fkId = (fk: ForeignKey) => JSON.stringify(fk)
const checkId = (c: CheckConstraint) => JSON.stringify(c)

/** The CREATE TABLE text without the foreign keys in `omit`. */
function createWithout(table: Table, omit: ReadonlyArray<ForeignKey>): string {
  const definition = table.definition.trim().replace(/;$/, "")
  if (omit.length === 0) return definition
  const lines = new Set(omit.map((fk) => foreignKeyLine(table, fk)?.text).filter((t) => t !== undefined))
  const open = definition.indexOf("(")
  const close = matchingParen(definition, open)
  const items = splitTopLevel(definition.slice(open + 1, close)).filter((item) => !lines.has(item))
  return `${definition.slice(0, open)}(\n  ${items.join(",\n  ")}\n)${definition.slice(close + 1)}`
}

/** Column names of an index object, from its CREATE INDEX text. */
function indexColumns(o: SchemaObject): string[] {
  const on = o.definition.search(/\bON\s+`/i)
  const open = o.definition.indexOf("(", o.definition.indexOf("`", on + 3) + 1)
  const list = o.definition.slice(open + 1, matchingParen(o.definition, open))
  return splitTopLevel(list).map((part) => backtickedNames(part)[0] ?? part)
}

const indexNamesOf = (schema: Schema, table: string) =>
  new Set(schema.objects.filter((o) => o.kind === "index" && o.table === table).map(indexName))

const indexName = (o: SchemaObject) => (o.table ? o.name.slice(o.table.length + 1) : o.name)

const isText = (c: Column) => /CHAR|TEXT|ENUM|SET\(/i.test(c.type)

function optionKey(option: string): string {
  return option.startsWith("PARTITION BY") ? "PARTITION" : (option.split("=")[0] as string)
}

/** Options to set, and options to reset because `after` no longer has them. */
function optionChanges(before: Table, after: Table): { set: string[]; partition: string | undefined | null } {
  const set: string[] = []
  const beforeMap = new Map(before.options.map((o) => [optionKey(o), o]))
  const afterMap = new Map(after.options.map((o) => [optionKey(o), o]))
  for (const [key, o] of afterMap) if (key !== "PARTITION" && beforeMap.get(key) !== o) set.push(o)
  for (const key of beforeMap.keys()) {
    if (key === "PARTITION" || afterMap.has(key)) continue
    set.push(key === "COMMENT" ? "COMMENT=''" : `${key}=DEFAULT`)
  }
  const bp = beforeMap.get("PARTITION")
  const ap = afterMap.get("PARTITION")
  // undefined: unchanged; null: remove partitioning; text: partition this way.
  const partition = bp === ap ? undefined : ap === undefined ? null : ap
  return { set, partition }
}

const tableCharset = (t: Table) => t.options.filter((o) => /^(DEFAULT CHARSET|COLLATE)=/.test(o)).join()

type Of<K extends Change["kind"]> = Extract<Change, { kind: K }>
type ConstraintChange = Of<"add-constraint" | "drop-constraint" | "alter-constraint">

const isForeignKeyChange = (c: Change): c is ConstraintChange =>
  (c.kind === "add-constraint" || c.kind === "drop-constraint"
    ? c.constraint.type
    : c.kind === "alter-constraint"
      ? c.after.type
      : "") === "foreign-key"

/** The foreign key a constraint change drops (`old`) or adds. */
function foreignKeyOf(c: ConstraintChange, old: boolean): ForeignKey | undefined {
  const side = c.kind === "alter-constraint" ? (old ? c.before : c.after) : c.constraint
  if (c.kind === "add-constraint" && old) return undefined
  if (c.kind === "drop-constraint" && !old) return undefined
  return "foreignKey" in side ? side.foreignKey : undefined
}

/** Phases: the planner's layout, which engines/order.ts keeps wherever the references allow it. */
const phase = {
  dropForeignKey: 20,
  dropIndex: 21,
  dropTable: 30,
  alterTable: 40,
  createTable: 50,
  createIndex: 60,
  addForeignKey: 70,
} as const
const dropPhase: Record<string, number> = { trigger: 10, event: 11, view: 12, procedure: 13, function: 14 }
const createPhase: Record<string, number> = { function: 80, procedure: 81, view: 82, trigger: 83, event: 84 }

/** The steps that make `changes` (from `from` to `to`) on MySQL or MariaDB. */
export function planMysql(
  changes: ReadonlyArray<Change>,
  from: Schema,
  to: Schema,
  flavor: Flavor,
): PlannedSteps {
  const notes: string[] = []
  const steps: PlanStep[] = []
  const key = nameKey(from, to)
  const pick = <K extends Change["kind"]>(...kinds: K[]) =>
    changes.filter((c): c is Of<K> => (kinds as string[]).includes(c.kind))
  const groups = groupByTable(changes, from, to)
  const renames = renamesIn(changes, key)
  const dropped = pick("drop-table")
  const droppedNames = new Set(dropped.map((c) => c.table.name))
  const createdNames = new Set(pick("create-table").map((c) => c.table.name))
  const newNameOf = new Map(groups.map((g) => [g.before.name, g.after.name]))
  const tableRefs = (name: string) => [
    { kind: "table" as const, name: key(name) },
    { kind: "columns" as const, name: key(name) },
    { kind: "keys" as const, name: key(name) },
  ]

  // Columns whose definition changes (or that go away), per table: foreign keys through them must be re-made.
  const touchedColumns = new Map<string, Set<string>>()
  for (const g of groups) {
    const set = new Set([
      ...g.altered.map((c) => c.before.name),
      ...g.renamedColumns.filter((r) => r.aspects.length > 0).map((r) => r.before.name),
      ...g.dropped.map((c) => c.name),
    ])
    if (tableCharset(g.before) !== tableCharset(g.after))
      for (const c of g.after.columns) if (isText(c) && c.collation === undefined) set.add(c.name)
    touchedColumns.set(g.before.name, set)
  }
  const touches = (table: string, columns: ReadonlyArray<string>) =>
    columns.some((c) => touchedColumns.get(table)?.has(c))

  // 1. Triggers, events, views and routines that change or go.
  for (const c of pick("drop-object", "replace-object")) {
    const o = c.kind === "drop-object" ? c.object : c.before
    const at = dropPhase[o.kind]
    if (at !== undefined)
      steps.push(removalOf(stepFor([c], [`DROP ${o.kind.toUpperCase()} ${q(o.name)}`], at)))
  }

  // 2. Indexes that go or change, on tables that stay. A foreign key that only that index serves is
  // dropped first and re-added after the new indexes: the server would refuse the DROP INDEX, and
  // creating the replacement first can make it drop an index it made for the key by itself.
  // Without RENAME INDEX, a renamed index is dropped and made again.
  const remadeIndexes = flavor.renameIndex ? [] : pick("rename-index")
  const indexDrops = [...pick("drop-index", "alter-index"), ...remadeIndexes].flatMap((c) => {
    const index = c.kind === "drop-index" ? c.index : c.before
    return droppedNames.has(index.table ?? "") ? [] : [{ change: c, index }]
  })
  const goingIndexes = new Set(indexDrops.map((d) => d.index.name))
  const covers = (columns: ReadonlyArray<string>, fkColumns: ReadonlyArray<string>) =>
    fkColumns.every((c, i) => columns[i] === c)
  const servedOnlyByGoingIndex = (table: Table, fk: ForeignKey) => {
    const staying = from.objects.filter(
      (o) => o.kind === "index" && o.table === table.name && !goingIndexes.has(o.name),
    )
    if (staying.some((o) => covers(indexColumns(o), fk.columns))) return false
    if (table.primaryKey && covers(table.primaryKey.columns, fk.columns)) return false
    return indexDrops.some((d) => d.index.table === table.name && covers(indexColumns(d.index), fk.columns))
  }
  // The parent's side: the key a foreign key references needs an index there too.
  const parentIndexGoes = (fk: ForeignKey) => {
    const parent = from.tables.find((t) => t.name === fk.table)
    if (!parent) return false
    const staying = from.objects.filter(
      (o) => o.kind === "index" && o.table === parent.name && !goingIndexes.has(o.name),
    )
    if (staying.some((o) => covers(indexColumns(o), fk.referencedColumns))) return false
    if (parent.primaryKey && covers(parent.primaryKey.columns, fk.referencedColumns)) return false
    return indexDrops.some(
      (d) => d.index.table === parent.name && covers(indexColumns(d.index), fk.referencedColumns),
    )
  }
  // An index goes before its table is renamed (the table's name then is the one before).
  for (const { change, index } of indexDrops)
    steps.push(
      removalOf(
        stepFor(
          [change],
          [`ALTER TABLE ${q(index.table ?? "")} DROP INDEX ${q(indexName(index))}`],
          phase.dropIndex,
        ),
      ),
    )

  // 3. Foreign keys that go or change, and those that run through a column, parent or index that
  // changes under them: dropped here; those that stay are added again in step 7.
  const fkChanges = changes.filter(isForeignKeyChange)
  const changedFks = new Map<string, ConstraintChange>()
  for (const c of fkChanges) {
    const fk = foreignKeyOf(c, true)
    if (fk) changedFks.set(`${key(c.table)}\u0000${fkId(fk)}`, c)
  }
  const takenFkNames = new Map<string, Set<string>>()
  const adds: Array<{ table: Table; fk: ForeignKey; change: ConstraintChange | undefined }> = []
  for (const before of from.tables) {
    if (droppedNames.has(before.name)) continue
    const name = newNameOf.get(before.name) ?? before.name
    const after = to.tables.find((t) => key(t.name) === key(name))
    const taken = new Set<string>()
    takenFkNames.set(name, taken)
    for (const fk of before.foreignKeys) {
      const fkName = fk.name ?? foreignKeyLine(before, fk)?.name
      const change = changedFks.get(`${key(name)}\u0000${fkId(fk)}`)
      const through =
        touches(before.name, fk.columns) ||
        touches(fk.table, fk.referencedColumns) ||
        droppedNames.has(fk.table) ||
        servedOnlyByGoingIndex(before, fk) ||
        parentIndexGoes(fk)
      if (!change && !through) {
        if (fkName) taken.add(fkName)
        continue
      }
      // Dropped before the table's rename, under the name it has then; added back under the new one.
      const statements = fkName ? [`ALTER TABLE ${q(before.name)} DROP FOREIGN KEY ${q(fkName)}`] : []
      steps.push(
        change
          ? removalOf(stepFor([change], statements, phase.dropForeignKey))
          : {
              ...stepFor([], statements, phase.dropForeignKey),
              removedNeeds: [...tableRefs(before.name), ...tableRefs(fk.table)],
            },
      )
      if (!change && after)
        adds.push({ table: after, fk: renames.foreignKey(before.name, fk), change: undefined })
    }
  }
  for (const c of fkChanges) {
    const fk = foreignKeyOf(c, false)
    const table = to.tables.find((t) => key(t.name) === key(c.table))
    if (fk && table) adds.push({ table, fk, change: c })
  }

  // 4. Tables that go. In a cycle of foreign keys between them, a table's keys go first.
  for (const c of dropped) {
    const t = c.table
    const full = stepFor([c], [`DROP TABLE ${q(t.name)}`], phase.dropTable)
    const fks = t.foreignKeys.filter((fk) => key(fk.table) !== key(t.name))
    const parents = new Set(fks.map((fk) => key(fk.table)))
    const split = () => [
      ...fks.flatMap((fk) => {
        const name = fk.name ?? foreignKeyLine(t, fk)?.name
        if (!name) return []
        const statement = `ALTER TABLE ${q(t.name)} DROP FOREIGN KEY ${q(name)}`
        return [{ ...stepFor([], [statement], phase.dropTable), removedNeeds: tableRefs(fk.table) }]
      }),
      { ...full, removedNeeds: full.removedNeeds.filter((r) => !parents.has(r.name)) },
    ]
    steps.push({ ...full, split: fks.length > 0 ? split : undefined })
  }

  // 5. Tables that stay: a rename, options (a new default charset applies to the columns modified
  // next), then one ALTER with every column, key and check change.
  for (const g of groups) {
    const { after } = g
    // Compared after its renames: a key over a renamed column is the same key.
    const before = renamedBefore(g, key)
    const out: string[] = []
    if (g.rename) out.push(`RENAME TABLE ${q(g.rename.before.name)} TO ${q(after.name)}`)
    const options = optionChanges(before, after)
    if (options.set.length > 0) out.push(`ALTER TABLE ${q(after.name)} ${options.set.join(" ")}`)
    const ops: string[] = []
    const pkChanged = JSON.stringify(before.primaryKey ?? null) !== JSON.stringify(after.primaryKey ?? null)
    if (pkChanged && before.primaryKey) ops.push("DROP PRIMARY KEY")
    const afterChecks = new Set(after.checks.map(checkId))
    const beforeChecks = new Set(before.checks.map(checkId))
    for (const c of before.checks) {
      if (afterChecks.has(checkId(c))) continue
      const name = c.name ?? checkLine(before, c)?.name
      if (name) ops.push(`DROP ${flavor.dropCheck} ${q(name)}`)
    }
    // Neither server can MODIFY a column into or out of being generated, or between VIRTUAL and
    // STORED in place (https://dev.mysql.com/doc/refman/8.0/en/alter-table-generated-columns.html):
    // such a column is dropped and added again; its values are computed anyway, or were.
    const regenerated = new Set(
      g.altered
        .filter(({ before: b, after: a }) => (b.generated?.stored ?? null) !== (a.generated?.stored ?? null))
        .map((c) => c.after.name),
    )
    // RENAME COLUMN touches nothing else; CHANGE renames a column and gives it its new definition
    // at once, for a rename that changes more, a server without RENAME COLUMN, or a column with a
    // CHECK of its own (MariaDB names that CHECK after the column, and RENAME COLUMN keeps the old name).
    for (const r of g.renamedColumns)
      ops.push(
        flavor.renameColumn && r.aspects.length === 0 && r.before.extra?.check === undefined
          ? `RENAME COLUMN ${q(r.before.name)} TO ${q(r.after.name)}`
          : `CHANGE COLUMN ${q(r.before.name)} ${r.after.definition ?? q(r.after.name)}`,
      )
    for (const c of g.dropped) ops.push(`DROP COLUMN ${q(c.name)}`)
    for (const name of regenerated) ops.push(`DROP COLUMN ${q(name)}`)
    const existing = new Set(before.columns.map((c) => c.name).filter((n) => !regenerated.has(n)))
    after.columns.forEach((c, i) => {
      if (existing.has(c.name)) return
      const previous = after.columns[i - 1]
      ops.push(`ADD COLUMN ${c.definition ?? q(c.name)}${previous ? ` AFTER ${q(previous.name)}` : " FIRST"}`)
    })
    const recharset = touchedColumns.get(g.before.name) ?? new Set()
    const renamedNow = new Set(g.renamedColumns.map((r) => r.after.name))
    for (const c of after.columns) {
      const old = before.columns.find((b) => b.name === c.name)
      if (!old || regenerated.has(c.name) || renamedNow.has(c.name)) continue
      if (!sameColumn(old, c) || recharset.has(c.name)) ops.push(`MODIFY COLUMN ${c.definition ?? q(c.name)}`)
    }
    if (pkChanged && after.primaryKey)
      ops.push(`ADD PRIMARY KEY (${after.primaryKey.columns.map(keyPart).join(", ")})`)
    for (const c of after.checks)
      if (!beforeChecks.has(checkId(c))) ops.push(`ADD ${checkClauseOf(after, c)}`)
    if (ops.length > 0) out.push(`ALTER TABLE ${q(after.name)} ${ops.join(", ")}`)
    if (options.partition === null) out.push(`ALTER TABLE ${q(after.name)} REMOVE PARTITIONING`)
    else if (options.partition !== undefined) out.push(`ALTER TABLE ${q(after.name)} ${options.partition}`)
    if (g.dropped.length > 0)
      notes.push(
        `Dropping column${g.dropped.length === 1 ? "" : "s"} ${g.dropped.map((c) => c.name).join(", ")} of ${after.name} loses their data.`,
      )
    // Its foreign keys are steps of their own (3 and 7).
    if (out.length > 0)
      steps.push(
        stepFor(
          g.changes.filter((c) => !isForeignKeyChange(c)),
          out,
          phase.alterTable,
        ),
      )
  }

  // 6. New tables, each with its foreign keys; in a cycle, without them, added as in step 7.
  const indexNamesOf = (table: string) =>
    new Set(to.objects.filter((o) => o.kind === "index" && o.table === table).map(indexName))
  const addForeignKey = (table: Table, fk: ForeignKey) =>
    `ALTER TABLE ${q(table.name)} ADD ${foreignKeyClause(table, fk, takenFkNames.get(table.name) ?? new Set(), indexNamesOf(table.name))}`
  const fkNeeds = (table: Table, fk: ForeignKey) => [...tableRefs(table.name), ...tableRefs(fk.table)]
  for (const c of pick("create-table")) {
    const t = c.table
    const full = stepFor([c], [createWithout(t, [])], phase.createTable)
    const fks = t.foreignKeys.filter((fk) => key(fk.table) !== key(t.name))
    const parents = new Set(fks.map((fk) => key(fk.table)))
    const split = () => [
      { ...full, statements: [createWithout(t, fks)], needs: full.needs.filter((r) => !parents.has(r.name)) },
      ...fks.map((fk) => ({
        ...stepFor([], [addForeignKey(t, fk)], phase.addForeignKey),
        needs: fkNeeds(t, fk),
      })),
    ]
    steps.push({ ...full, split: fks.length > 0 ? split : undefined })
  }

  // 7. Indexes of tables that stay (a new table's are in its CREATE TABLE), then foreign keys,
  // which then find the index they need.
  for (const c of [...pick("add-index", "alter-index"), ...remadeIndexes]) {
    const index = c.kind === "add-index" ? c.index : c.after
    if (!createdNames.has(index.table ?? ""))
      steps.push(creationOf(stepFor([c], [index.definition], phase.createIndex)))
  }
  if (flavor.renameIndex)
    for (const c of pick("rename-index"))
      steps.push(
        stepFor(
          [c],
          [`ALTER TABLE ${q(c.table)} RENAME INDEX ${q(indexName(c.before))} TO ${q(indexName(c.after))}`],
          phase.createIndex,
        ),
      )
  for (const { table, fk, change } of adds) {
    const statement = addForeignKey(table, fk)
    steps.push(
      change
        ? creationOf(stepFor([change], [statement], phase.addForeignKey))
        : { ...stepFor([], [statement], phase.addForeignKey), needs: fkNeeds(table, fk) },
    )
  }

  // 8. Routines, views, triggers and events that are new or changed; triggers in a stable order.
  const fresh = pick("create-object", "replace-object")
    .map((change) => ({ change, object: change.kind === "create-object" ? change.object : change.after }))
    .filter(({ object }) => createPhase[object.kind] !== undefined)
  const triggers = fresh
    .filter((f) => f.object.kind === "trigger")
    .sort((a, b) => a.object.key.localeCompare(b.object.key))
  for (const { change, object } of [...fresh.filter((f) => f.object.kind !== "trigger"), ...triggers])
    steps.push(creationOf(stepFor([change], [object.definition], createPhase[object.kind] as number)))
  return { steps, notes }
}

/** `name(10) DESC` -> `` `name`(10) DESC ``. */
function keyPart(part: string): string {
  const m = /^([^(\s]+)(.*)$/.exec(part)
  return m ? `${q(m[1] as string)}${m[2]}` : q(part)
}
