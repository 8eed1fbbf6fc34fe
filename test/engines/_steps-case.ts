/**
 * _steps-case: one change case through the steps `aim generate` takes, with whichever engine is in
 * the context: the schema before is the only migration of a history, replayed into a throwaway
 * database (never read from the snapshot cache, so every run measures the replay), the schema after
 * is schema.sql, loaded into another; then the built-in plan, and verify on a third database holding
 * rows (UP reaches schema.sql, rows survive, DOWN comes back). Shared by the contract suite
 * (contract.test.ts) and the conformance runners (test/conformance/), which classify the outcome
 * with `caseOutcome`.
 */
import { Cause, Effect, Exit } from "effect"
import { Engine } from "../../engines/engine.ts"
import { replayHistory } from "../../engines/replay.ts"
import type { Migration, RenameHints } from "../../model.ts"
import { diffSchemas } from "../../model/diff.ts"
import { type Candidate, plan } from "../../steps/plan.ts"
import { declaredRenames } from "../../steps/renames.ts"
import { snapshotSchema } from "../../steps/snapshot.ts"
import { verify } from "../../steps/verify.ts"

/** Where a case's two schemas come from, as failures name them. */
export const CURRENT = "migrations/000001_current.up.sql"
export const SCHEMA = "schema.sql"

export interface StepsCase {
  readonly current: string
  readonly desired: string
  readonly renames?: RenameHints | undefined
  /** Take the renames from `desired`'s `-- aim:renamed-from` comments, as `aim generate` does. */
  readonly renameComments?: boolean | undefined
}

/** The planned candidate, undefined when the two schemas already agree (`aim generate` stops there). */
export const runThroughSteps = (c: StepsCase) =>
  Effect.gen(function* () {
    const engine = yield* Engine
    const history: Migration[] =
      c.current.trim() === ""
        ? []
        : [{ version: "000001", name: "current", up: c.current, upPath: CURRENT, transaction: true }]
    const replayed = Effect.scoped(
      Effect.gen(function* () {
        const db = yield* engine.ephemeral
        yield* replayHistory(engine, db, history)
        return yield* db.snapshot
      }),
    )
    const [current, desired] = yield* Effect.all(
      [replayed, snapshotSchema({ path: SCHEMA, text: c.desired })],
      { concurrency: 2 },
    )
    const renames = c.renameComments
      ? (yield* declaredRenames({ path: SCHEMA, text: c.desired }, current, desired)).hints
      : c.renames
    if (diffSchemas(current, desired, renames).length === 0) return undefined
    const candidate = yield* plan(current, desired, true, { renames })
    yield* verify(candidate, { history, current, desired, renames }).pipe(
      Effect.mapError((error) => Object.assign(error, { candidate })),
    )
    return candidate
  })

export type CaseOutcome =
  | { readonly kind: "pass"; readonly candidate?: Candidate | undefined }
  | {
      readonly kind: "fail"
      readonly reason: string
      readonly detail: string
      readonly candidate?: Candidate | undefined
    }
  | { readonly kind: "not-applicable"; readonly reason: string }

const firstLine = (text: string) => text.split("\n")[0] ?? ""

/** How a run of `runThroughSteps` went: input the engine cannot load is not applicable, not a failure. */
export function caseOutcome(exit: Exit.Exit<Candidate | undefined, unknown>): CaseOutcome {
  if (Exit.isSuccess(exit)) return { kind: "pass", candidate: exit.value }
  const failure = Cause.findErrorOption(exit.cause)
  if (failure._tag === "None") {
    const defect = Cause.squash(exit.cause)
    return {
      kind: "fail",
      reason: `defect: ${firstLine(String(defect))}`,
      detail: defect instanceof Error ? (defect.stack ?? defect.message) : String(defect),
    }
  }
  const error = failure.value as {
    _tag?: string
    message?: string
    source?: string
    reason?: string
    phase?: string
    diff?: string
    table?: string
    candidate?: Candidate
  }
  const text = error.message ?? String(error)
  if (
    (error._tag === "StatementFailed" || error._tag === "SqlSyntaxError") &&
    (error.source === CURRENT || error.source === SCHEMA)
  )
    return {
      kind: "not-applicable",
      reason: `${error.source === CURRENT ? "current" : "desired"} does not load: ${firstLine(error.reason ?? text)}`,
    }
  const candidate = error.candidate
  switch (error._tag) {
    case "MigrationFailed":
      return {
        kind: "fail",
        reason: `${error.phase} fails: ${firstLine(error.reason ?? "")}`,
        detail: text,
        candidate,
      }
    case "SchemaDrift": {
      const first = (error.diff ?? "").split("\n").find((l) => l.trim() !== "") ?? ""
      return {
        kind: "fail",
        reason: `${error.phase} drifts: ${first.trim().slice(0, 120)}`,
        detail: error.diff ?? text,
        candidate,
      }
    }
    case "RowsChanged":
      return {
        kind: "fail",
        reason: `${error.phase} changes rows of ${error.table}`,
        detail: text,
        candidate,
      }
    case "ForeignKeysBroken":
      return { kind: "fail", reason: `${error.phase} breaks foreign keys`, detail: text, candidate }
    default:
      return { kind: "fail", reason: `${error._tag ?? "Error"}: ${firstLine(text)}`, detail: text, candidate }
  }
}
