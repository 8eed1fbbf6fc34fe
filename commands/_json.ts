/**
 * _json: the pieces of the --json documents that several commands share: the engine that ran,
 * each change as a small object, and the phase timings. The README's "JSON output" section
 * documents the shapes; they only grow (new keys), so tools can rely on the ones there.
 */
import { describeChange } from "../model/compare.ts"
import type { EngineShape } from "../engines/engine.ts"
import type { Change } from "../model.ts"

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

/** A change as `{ kind, object, name, summary }`: `object` is "table" or the schema object's kind. */
export function changeDocument(change: Change) {
  const summary = describeChange(change)
  switch (change.kind) {
    case "create-table":
    case "drop-table":
      return { kind: change.kind, object: "table", name: change.table.name, summary }
    case "alter-table":
      return { kind: change.kind, object: "table", name: change.after.name, summary }
    case "create-object":
    case "drop-object":
      return { kind: change.kind, object: change.object.kind, name: change.object.name, summary }
    case "replace-object":
      return { kind: change.kind, object: change.after.kind, name: change.after.name, summary }
  }
}
