/**
 * order: the one dependency order every engine's plan goes through. A planner turns the change list
 * into steps (statements with the references of the changes they make, model/refs.ts); this module
 * orders them as a graph: whatever creates an object comes before whatever needs it, whatever
 * still relies on an object comes before whatever removes it, and a name is freed before it is
 * taken again. Among steps the graph leaves free, a lower `phase` and then the planner's own order
 * go first, so a planner states its preferred layout and the graph corrects it where it would
 * fail. A cycle is broken by splitting a step that offers a split (a table created without its
 * foreign keys, which are added once every table exists; a table dropped after its foreign keys
 * went); a cycle with nothing to split keeps the planner's order. Pure.
 */
import type { Change, ChangeRefs, ObjectRef, RenameHints, Schema, Table } from "../model.ts"
import { diffSchemas, invertRenames } from "../model/diff.ts"
import type { PlannedSteps } from "./engine.ts"

/** Statements that make (part of) one or more changes, with what they need, remove and create. */
export interface PlanStep extends ChangeRefs {
  readonly statements: ReadonlyArray<string>
  /** The planner's layout: among steps the graph does not order, lower phases go first. */
  readonly phase: number
  /**
   * The same effect as several steps that the graph can order apart, offered when this step may
   * sit in a cycle (CREATE TABLE without its foreign keys, then ALTER TABLE ... ADD FOREIGN KEY).
   */
  readonly split?: (() => ReadonlyArray<PlanStep>) | undefined
}

/** A step with no references: it goes where its phase puts it. */
export const fixedStep = (statements: ReadonlyArray<string>, phase: number): PlanStep => ({
  statements,
  phase,
  needs: [],
  creates: [],
  removes: [],
  removedNeeds: [],
})

const refKey = (r: ObjectRef) => `${r.kind}\u0000${r.table ?? ""}\u0000${r.name}`
/** `columns` of a table stands for each of its columns too. */
const columnsKey = (table: string) => `columns\u0000\u0000${table}`

/** Who creates and who removes each reference, `column` references also filed under their table. */
function index(steps: ReadonlyArray<PlanStep>, pick: (s: PlanStep) => ReadonlyArray<ObjectRef>) {
  const by = new Map<string, number[]>()
  const add = (key: string, i: number) => by.set(key, [...(by.get(key) ?? []), i])
  steps.forEach((s, i) => {
    for (const r of pick(s)) {
      add(refKey(r), i)
      if (r.kind === "column" && r.table !== undefined) add(columnsKey(r.table), i)
    }
  })
  return by
}

/** The graph's edges: `after[i]` holds the steps that must come after step i. */
function edges(steps: ReadonlyArray<PlanStep>): Array<Set<number>> {
  const after = steps.map(() => new Set<number>())
  const creators = index(steps, (s) => s.creates)
  const removers = index(steps, (s) => s.removes)
  const link = (first: number, then: number) => {
    if (first !== then) after[first]?.add(then)
  }
  steps.forEach((step, i) => {
    for (const r of step.needs) for (const c of creators.get(refKey(r)) ?? []) link(c, i)
    for (const r of step.removedNeeds) for (const d of removers.get(refKey(r)) ?? []) link(i, d)
    // A name is freed before it is taken again; aggregate references have no name to free.
    for (const r of step.creates) {
      if (r.kind === "keys" || r.kind === "columns") continue
      for (const d of removers.get(refKey(r)) ?? []) link(d, i)
    }
  })
  return after
}

/** Steps that sit on a cycle among `remaining` (strongly connected components of more than one). */
function onCycles(remaining: ReadonlySet<number>, after: ReadonlyArray<Set<number>>): Set<number> {
  const indexOf = new Map<number, number>()
  const low = new Map<number, number>()
  const stack: number[] = []
  const onStack = new Set<number>()
  const found = new Set<number>()
  let counter = 0
  const visit = (v: number) => {
    indexOf.set(v, counter)
    low.set(v, counter)
    counter++
    stack.push(v)
    onStack.add(v)
    for (const w of after[v] ?? []) {
      if (!remaining.has(w)) continue
      if (!indexOf.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, indexOf.get(w) as number))
    }
    if (low.get(v) === indexOf.get(v)) {
      const component: number[] = []
      for (;;) {
        const w = stack.pop() as number
        onStack.delete(w)
        component.push(w)
        if (w === v) break
      }
      if (component.length > 1) for (const w of component) found.add(w)
    }
  }
  for (const v of remaining) if (!indexOf.has(v)) visit(v)
  return found
}

/**
 * The steps in dependency order, with the steps of cycles split where they offer a split. Ties go
 * to the lower phase, then to the planner's order.
 */
export function orderSteps(input: ReadonlyArray<PlanStep>): PlanStep[] {
  let steps = [...input]
  for (let round = 0; ; round++) {
    const after = edges(steps)
    const waiting = steps.map(() => 0)
    for (const next of after) for (const j of next) waiting[j] = (waiting[j] ?? 0) + 1
    const done: number[] = []
    const remaining = new Set(steps.map((_, i) => i))
    const pick = (candidates: Iterable<number>) => {
      let best: number | undefined
      for (const i of candidates) {
        const s = steps[i] as PlanStep
        const b = best === undefined ? undefined : (steps[best] as PlanStep)
        if (b === undefined || s.phase < b.phase || (s.phase === b.phase && i < (best as number))) best = i
      }
      return best
    }
    while (remaining.size > 0) {
      let next = pick([...remaining].filter((i) => waiting[i] === 0))
      if (next === undefined) {
        // A cycle. Split what can be split and start again; else keep the planner's order for one step.
        const cycle = onCycles(remaining, after)
        const splittable = [...cycle].filter((i) => steps[i]?.split !== undefined)
        if (splittable.length > 0 && round < 8) break
        next = pick(cycle.size > 0 ? cycle : remaining) as number
      }
      remaining.delete(next)
      done.push(next)
      for (const j of after[next] ?? []) waiting[j] = (waiting[j] ?? 0) - 1
    }
    if (remaining.size === 0) return done.map((i) => steps[i] as PlanStep)
    const cycle = onCycles(remaining, after)
    steps = steps.flatMap((s, i) => (cycle.has(i) && s.split ? [...s.split()] : [s]))
  }
}

/**
 * Tables with their parents (by foreign key) before them; self-references and cycles keep the input
 * order. Not for DDL, which the graph above orders: for work that moves rows, where a child's rows
 * need their parent's (seeding, the rows a SQLite rebuild parks and puts back).
 */
export function parentsFirst(
  tables: ReadonlyArray<Table>,
  key: (name: string) => string = (n) => n,
): Table[] {
  const byName = new Map(tables.map((t) => [key(t.name), t]))
  const done = new Set<string>()
  const order: Table[] = []
  const visit = (t: Table, path: Set<string>) => {
    const k = key(t.name)
    if (done.has(k) || path.has(k)) return
    path.add(k)
    for (const fk of t.foreignKeys) {
      const parent = byName.get(key(fk.table))
      if (parent && parent !== t) visit(parent, path)
    }
    done.add(k)
    order.push(t)
  }
  for (const t of tables) visit(t, new Set())
  return order
}

/** The statements of ordered steps, one list. */
export const statementsOf = (steps: ReadonlyArray<PlanStep>) => steps.flatMap((s) => s.statements)

/** An engine's planner as a plain function (what `EngineShape.plan` wraps): steps for a change list. */
export type Planner = (changes: ReadonlyArray<Change>, from: Schema, to: Schema) => PlannedSteps

/**
 * UP and DOWN with a plain planner: each direction's change list, the planner's steps, this order.
 * What steps/plan.ts does with the engine service, for callers that hold a planner function.
 */
export function planBothWays(planner: Planner, from: Schema, to: Schema, renames?: RenameHints) {
  const up = planner(diffSchemas(from, to, renames), from, to)
  const down = planner(diffSchemas(to, from, invertRenames(renames)), to, from)
  return {
    up: statementsOf(orderSteps(up.steps)),
    down: statementsOf(orderSteps(down.steps)),
    notes: up.notes,
  }
}
