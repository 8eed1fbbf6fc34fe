/**
 * plan: the engine's built-in planner writes UP and DOWN for the change, deterministically and
 * offline. The result is a candidate: nothing is trusted before the verify step proves it.
 */
import { Effect } from "effect"
import { Engine } from "../engines/engine.ts"
import type { Schema } from "../model.ts"

/** Statements as the text of a migration file, each ending in `;` on its own line(s). */
export function renderScript(statements: ReadonlyArray<string>): string {
  return statements.length === 0 ? "" : `${statements.map((s) => `${s.trim()};`).join("\n")}\n`
}

/**
 * A migration proposed by the planner or a model, not yet verified: UP, optional DOWN, and notes for the
 * user.
 */
export interface Candidate {
  readonly up: string
  /** Undefined with `no_down` or for a format without a down direction. */
  readonly down?: string | undefined
  readonly notes: ReadonlyArray<string>
  /**
   * True when the SQL comes from aim's own planner (derived from the user's files), so it may use
   * privileges the sandbox lacks; a model's candidate leaves it unset and runs sandboxed.
   */
  readonly trusted?: boolean | undefined
}

/**
 * Step: the built-in planner's UP (and DOWN when `withDown`) for the change from `current` to `desired`;
 * fails with PlanFailed when it cannot write it.
 */
export const plan = Effect.fn("aim/steps/plan")(function* (
  current: Schema,
  desired: Schema,
  withDown: boolean,
) {
  const engine = yield* Engine
  const planned = yield* engine.plan(current, desired)
  return {
    up: renderScript(planned.up),
    down: withDown ? renderScript(planned.down) : undefined,
    notes: planned.notes,
    trusted: true,
  } satisfies Candidate
})
