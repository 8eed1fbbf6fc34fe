/**
 * plan: the engine's built-in planner writes UP and DOWN for the change, deterministically and
 * offline: the change list from model/diff.ts, the engine's steps, one dependency order. The result is a candidate: nothing is trusted before the verify step proves it.
 */
import { Effect } from "effect"
import { type DatabaseImage, Engine } from "../engines/engine.ts"
import { orderSteps, statementsOf } from "../engines/order.ts"
import type { Change, Migration, RenameHints, Schema } from "../model.ts"
import { diffSchemas, invertRenames } from "../model/diff.ts"

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
 * What a candidate is proven against (steps/verify.ts) and probed on (steps/probe.ts): the history
 * it follows and the schemas before and after it; where the engine keeps one, the snapshot step's
 * image of the replayed history; the renames the plan was given; and the change list between the
 * two schemas under those renames, worked out again where it is not given.
 */
export interface ProofGround {
  readonly history: ReadonlyArray<Migration>
  readonly current: Schema
  readonly desired: Schema
  readonly image?: DatabaseImage | undefined
  readonly renames?: RenameHints | undefined
  readonly changes?: ReadonlyArray<Change> | undefined
}

/**
 * The statements that take a database from `from` to `to`: the change list, the engine's steps for
 * it, and the one dependency order (engines/order.ts). UP and DOWN are both this, from either side.
 */
export const planDirection = Effect.fnUntraced(function* (
  from: Schema,
  to: Schema,
  changes: ReadonlyArray<Change>,
) {
  const engine = yield* Engine
  const planned = yield* engine.plan(changes, from, to)
  return { statements: statementsOf(orderSteps(planned.steps)), notes: planned.notes }
})

/** What `plan` may be given besides the schemas: the UP change list when the diff step made it already, and the renames. */
export interface PlanOptions {
  readonly changes?: ReadonlyArray<Change> | undefined
  readonly renames?: RenameHints | undefined
}

/**
 * Step: the built-in planner's UP (and DOWN when `withDown`) for the change from `current` to `desired`;
 * fails with PlanFailed when it cannot write it. DOWN is planned from the other side, with the
 * renames turned around.
 */
export const plan = Effect.fn("aim/steps/plan")(function* (
  current: Schema,
  desired: Schema,
  withDown: boolean,
  options: PlanOptions = {},
) {
  const changes = options.changes ?? diffSchemas(current, desired, options.renames)
  const up = yield* planDirection(current, desired, changes)
  const down = withDown
    ? yield* planDirection(desired, current, diffSchemas(desired, current, invertRenames(options.renames)))
    : undefined
  return {
    up: renderScript(up.statements),
    down: down ? renderScript(down.statements) : undefined,
    notes: up.notes,
    trusted: true,
  } satisfies Candidate
})
