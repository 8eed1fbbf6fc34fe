/**
 * _json: the pieces of the --json documents that several commands share: the engine that ran,
 * each change as a small object, and the phase timings. The README's "JSON output" section
 * documents the shapes; they only grow (new keys), so tools can rely on the ones there.
 */
import { changeTable, constraintLabel, dataConditions, describeChange } from "../model/changes.ts"
import type { EngineShape } from "../engines/engine.ts"
import type { Change } from "../model.ts"
import type { OpenRename } from "../workflow.ts"

export const engineDocument = (engine: EngineShape) => ({
  id: engine.id,
  dialect: engine.dialect,
  description: engine.description,
  // The asked and the running server version; null on engines without a server (SQLite).
  server: engine.server
    ? {
        asked: engine.server.asked ?? null,
        running: engine.server.running,
        mismatch: engine.server.mismatch ?? null,
      }
    : null,
})

/** What a change is about: the kind of object (`object`) and its name. */
function subject(change: Change): { object: string; name: string } {
  if ("column" in change) return { object: "column", name: change.column.name }
  if ("constraint" in change)
    return { object: change.constraint.type, name: constraintLabel(change.constraint) }
  if ("index" in change) return { object: "index", name: change.index.name }
  if ("object" in change) return { object: change.object.kind, name: change.object.name }
  switch (change.kind) {
    case "create-table":
    case "drop-table":
      return { object: "table", name: change.table.name }
    case "rename-table":
    case "alter-table":
      return { object: "table", name: change.after.name }
    case "rename-column":
    case "alter-column":
      return { object: "column", name: change.after.name }
    case "alter-constraint":
      return { object: change.after.type, name: constraintLabel(change.after) }
    default:
      return { object: change.after.kind, name: change.after.name }
  }
}

/** The detail a change carries beyond its subject: renames, changed aspects, validity, options. */
function detail(change: Change) {
  switch (change.kind) {
    case "rename-table":
      return { from: change.before.name }
    case "rename-column":
      return { from: change.before.name, aspects: change.aspects }
    case "rename-index":
      return { from: change.before.name }
    case "alter-column":
      return { aspects: change.aspects }
    case "add-constraint":
    case "drop-constraint":
      return { valid: change.constraint.valid }
    case "alter-constraint":
      return { aspects: change.aspects, valid: change.after.valid }
    case "alter-table":
      return { removedOptions: change.removedOptions, addedOptions: change.addedOptions }
    default:
      return {}
  }
}

/**
 * A change as `{ kind, object, name, summary }` (`object`: "table", "column", a constraint type,
 * "index" or the schema object's kind), with `table` for what belongs to a table, the detail of its
 * kind (`from`, `aspects`, `valid`, options) and `dataConditions`: what rows must satisfy for it.
 */
export function changeDocument(change: Change) {
  const table = change.kind.endsWith("-table") ? undefined : changeTable(change)
  return {
    kind: change.kind,
    ...subject(change),
    summary: describeChange(change),
    ...(table === undefined ? {} : { table }),
    ...detail(change),
    dataConditions: dataConditions(change),
  }
}

/** A likely rename left open, as `{ kind, table?, from, to, comment, hint }`: `comment` declares it in schema.sql. */
export const candidateDocument = (c: OpenRename) => ({
  kind: c.kind,
  ...(c.kind === "column" ? { table: c.table } : {}),
  from: c.from,
  to: c.to,
  comment: c.comment,
  hint: c.hint,
})
