/**
 * diff: the structural changes that take the history's schema to schema.sql. No resources.
 */
import { Effect } from "effect"
import { compareSchemas } from "../model/compare.ts"
import type { Change, Schema } from "../model.ts"

/** Step: the structural changes that take the history's schema to schema.sql (empty when they agree). */
export const diff = Effect.fn("aim/steps/diff")(function* (current: Schema, desired: Schema) {
  return compareSchemas(current, desired) as ReadonlyArray<Change>
})
