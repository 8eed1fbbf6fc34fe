/**
 * exercise: use what a script created before trusting it. A database accepts some objects it
 * cannot run (SQLite takes a view on a table that does not exist; PostgreSQL keeps an SQL function
 * whose table a migration dropped; MySQL a view whose column was dropped), and a schema read from
 * the catalog looks fine while every use of the object fails. The steps that load schema.sql,
 * verify a migration and prove the history ask the database for such objects after each script
 * (`Database.brokenObjects`) and fail the same way: naming the script and, where the script
 * creates the object, the line of its CREATE. Holds nothing.
 */
import { Effect, Schema as S } from "effect"
import type { Schema, Statement } from "../model.ts"
import type { BrokenObject, Database, EngineShape } from "./engine.ts"

const BrokenAt = S.Struct({
  kind: S.String,
  name: S.String,
  reason: S.String,
  /** The line of the script's statement that creates the object, when it has one. */
  line: S.optional(S.Number),
})

const failure = (kind: string) =>
  kind === "view" || kind === "materialized-view" ? "cannot be read" : "fails its body check"

/** A script left objects that fail when used: which script, which objects, and why. */
export class ObjectsBroken extends S.TaggedError<ObjectsBroken>()("ObjectsBroken", {
  /** The script: "schema.sql", a migration's file, or "UP" / "DOWN" for one not yet written. */
  source: S.String,
  objects: S.Array(BrokenAt),
}) {
  override get message() {
    return this.objects
      .map((o) => {
        const at = o.line !== undefined ? `${this.source}:${o.line}` : `After ${this.source}`
        return `${at}: ${o.kind.replace("-", " ")} ${o.name} ${failure(o.kind)}: ${o.reason.replace(/\s+/g, " ").trim()}`
      })
      .join("\n")
  }
}

/** Kinds of objects a database can hold broken: the ones `brokenObjects` looks at. */
const exercisable = new Set(["view", "materialized-view", "trigger", "function", "procedure"])

/** Whether `schema` holds anything that can be broken, so a check is worth a round trip. */
export const mayHoldBrokenObjects = (schema: Schema) => schema.objects.some((o) => exercisable.has(o.kind))

const identifier = String.raw`(?:"(?:[^"]|"")*"|\x60(?:[^\x60]|\x60\x60)*\x60|\[[^\]]*\]|[\w$]+)`
const createHead = new RegExp(
  String.raw`^CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:TEMP|TEMPORARY|RECURSIVE|MATERIALIZED|CONSTRAINT|ALGORITHM\s*=\s*\w+|SQL\s+SECURITY\s+\w+|DEFINER\s*=\s*\S+)\s+)*(VIEW|TRIGGER|FUNCTION|PROCEDURE)\s+(?:IF\s+NOT\s+EXISTS\s+)?(${identifier}(?:\s*\.\s*${identifier})*)`,
  "i",
)
const leadingComments = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/

/** The last part of a name as SQL spells it, unquoted: `app."Recent"` -> Recent. */
function bareName(name: string): string {
  const parts = name.match(new RegExp(identifier, "g")) ?? [name]
  const last = (parts.at(-1) ?? name).trim()
  const quoted = /^["\x60[]/.test(last)
  return quoted
    ? last
        .slice(1, -1)
        .replace(/""/g, '"')
        .replace(/\x60\x60/g, "\x60")
    : last
}

/** The line of the last statement in `statements` that creates `object`; undefined when none does. */
export function definitionLine(
  statements: ReadonlyArray<Statement>,
  object: BrokenObject,
): number | undefined {
  const kind = object.kind === "materialized-view" ? "view" : object.kind
  // The catalog's name, unquoted: "app.Recent" (qualified outside the default schema), a function
  // with its arguments, a PostgreSQL trigger as "name ON table".
  const unqualified = object.name.replace(/\(.*$/s, "").replace(/ ON .*$/s, "")
  const wanted = unqualified.slice(unqualified.indexOf(".") + 1).toLowerCase()
  let line: number | undefined
  for (const statement of statements) {
    const head = createHead.exec(statement.sql.replace(leadingComments, ""))
    if (!head || head[1]?.toLowerCase() !== kind) continue
    if (bareName(head[2] ?? "").toLowerCase() !== wanted) continue
    // The statement's line is where it starts; comments before CREATE push the CREATE down.
    const skipped = statement.sql.match(leadingComments)?.[0] ?? ""
    line = statement.line + (skipped.match(/\n/g)?.length ?? 0)
  }
  return line
}

/**
 * Fail with ObjectsBroken when `db` holds objects that fail when used, other than `known` (objects
 * that were broken before the script ran, which are not its doing). `script` is the script that
 * just ran, to find the line that creates each object.
 */
export const checkObjects = Effect.fnUntraced(function* (
  engine: EngineShape,
  db: Database,
  script: { readonly source: string; readonly sql?: string | undefined },
  known: ReadonlyArray<BrokenObject> = [],
) {
  if (!db.brokenObjects) return
  const broken = (yield* db.brokenObjects).filter(
    (b) => !known.some((k) => k.kind === b.kind && k.name === b.name),
  )
  if (broken.length === 0) return
  const statements =
    script.sql === undefined
      ? []
      : yield* engine.split(script.sql, script.source).pipe(Effect.catch(() => Effect.succeed([])))
  return yield* new ObjectsBroken({
    source: script.source,
    objects: broken.map((o) => ({ ...o, line: definitionLine(statements, o) })),
  })
})
