/**
 * remove-enum-value: a value an enum allowed before is no longer allowed, so rows holding it make
 * the migration fail or lose the value. Covers PostgreSQL enum types (objects of kind "enum",
 * whether changed in place or swapped for a new type, renamed or not) and MySQL ENUM and SET
 * column types. A label renamed with ALTER TYPE ... RENAME VALUE keeps its rows and is not flagged.
 */
import type { Schema, SchemaObject } from "../model.ts"
import { altersWith, columnFate, locate, mentions, renames } from "./_ddl.ts"
import { sameName } from "../sql/words.ts"
import { classify, enumLabels } from "../model/types.ts"
import { type BuiltinRule, finding, type UpStatement } from "./rule.ts"

/** Enum types of a schema by name. A type name may be written quoted or schema-qualified. */
function enumTypes(schema: Schema): SchemaObject[] {
  return schema.objects.filter((o) => o.kind === "enum")
}

const typeName = (type: string) => type.replace(/"/g, "").replace(/\[\]$/, "")

export const removeEnumValue: BuiltinRule = {
  id: "remove-enum-value",
  description:
    "A value is removed from an enum type or a MySQL ENUM/SET column (a renamed value is not removed).",
  check: ({ before, after, changes, up, types }) => {
    const moves = renames(up)
    const renamedValues = moves.flatMap((r) => (r.kind === "enum-value" ? [r] : []))
    const removed = (type: string, was: ReadonlyArray<string>, now: ReadonlyArray<string>) =>
      was.filter(
        (label) =>
          !now.includes(label) &&
          !renamedValues.some(
            (r) => r.from === label && now.includes(r.to) && sameName(typeName(r.type), typeName(type)),
          ),
      )
    const findings = []
    const flagged = new Set<string>()
    const typeStatement = (name: string, extra?: string) =>
      locate(
        up,
        (s: UpStatement) =>
          (mentions(s, name) || (extra !== undefined && mentions(s, extra))) &&
          /^(CREATE|ALTER|DROP)$/.test(s.tokens[0]?.value ?? "") &&
          s.tokens.some((t) => t.value === "TYPE"),
        name,
      )

    // PostgreSQL: the same enum type before and after (changed in place, or swapped and renamed back).
    for (const change of changes) {
      if (change.kind !== "replace-object" || change.after.kind !== "enum") continue
      const lost = removed(
        change.after.name,
        enumLabels(change.before.definition),
        enumLabels(change.after.definition),
      )
      if (lost.length === 0) continue
      flagged.add(change.after.name.toLowerCase())
      findings.push(
        finding(
          "remove-enum-value",
          `Enum type ${change.after.name} loses ${lost.map((l) => `'${l}'`).join(", ")}; rows holding ${lost.length === 1 ? "it" : "them"} make the migration fail.`,
          typeStatement(change.after.name),
        ),
      )
    }

    // Columns whose type moves from one enum to another (a PostgreSQL type swapped for a new name,
    // or a MySQL ENUM/SET definition changed).
    const beforeEnums = new Map(enumTypes(before).map((o) => [typeName(o.name).toLowerCase(), o]))
    const afterEnums = new Map(enumTypes(after).map((o) => [typeName(o.name).toLowerCase(), o]))
    const labelsOf = (type: string, enums: Map<string, SchemaObject>) => {
      const named =
        enums.get(typeName(type).toLowerCase()) ?? enums.get(`public.${typeName(type).toLowerCase()}`)
      if (named) return { labels: enumLabels(named.definition), name: named.name }
      const c = classify(type, types)
      return c.kind === "enum" || c.kind === "set" ? { labels: c.labels, name: undefined } : undefined
    }
    for (const table of before.tables) {
      for (const column of table.columns) {
        const fate = columnFate(moves, table.name, column.name)
        const now = after.tables
          .find((t) => sameName(t.name, fate.table))
          ?.columns.find((c) => sameName(c.name, fate.column))
        if (!now || now.type === column.type) continue
        const was = labelsOf(column.type, beforeEnums)
        const is = labelsOf(now.type, afterEnums)
        if (!was || !is) continue
        if (is.name !== undefined && flagged.has(is.name.toLowerCase())) continue
        const lost = removed(now.type, was.labels, is.labels)
        if (lost.length === 0) continue
        const statement = locate(
          up,
          (s) =>
            ["ALTER", "MODIFY", "CHANGE"].some(
              (verb) =>
                altersWith(s, fate.table, fate.column, verb) || altersWith(s, table.name, column.name, verb),
            ),
          fate.table,
        )
        findings.push(
          finding(
            "remove-enum-value",
            `Column ${fate.table}.${fate.column} changes from ${column.type} to ${now.type} and loses ${lost.map((l) => `'${l}'`).join(", ")}; rows holding ${lost.length === 1 ? "it" : "them"} make the migration fail.`,
            statement,
          ),
        )
      }
    }
    return findings
  },
}
