/**
 * diff: the change list that takes the history's schema to schema.sql (model/diff.ts). No resources.
 */
import { Effect } from "effect"
import { diffSchemas } from "../model/diff.ts"
import type { Change, RenameHints, Schema } from "../model.ts"

/**
 * Step: the changes that take the history's schema to schema.sql (empty when they agree), with the
 * renames the user declared.
 */
export const diff = Effect.fn("aim/steps/diff")(function* (
  current: Schema,
  desired: Schema,
  renames?: RenameHints,
) {
  return diffSchemas(current, desired, renames) as ReadonlyArray<Change>
})
