/**
 * plan-steps: how planners build the steps engines/order.ts orders. A step made for changes of the
 * change list carries their references; a step a planner adds around a change (a view dropped before
 * the table it reads is rebuilt, and created again after) carries the references of the object it
 * drops or creates, read from the schema the way the diff reads them (model/refs.ts). Also the
 * objects that depend, directly or through one another, on a set of names: what such a change
 * forces a planner to drop and make again. Pure.
 */
import type { Change, ObjectRef, Schema, SchemaObject } from "../model.ts"
import type { NameKey } from "../model/names.ts"
import { nameKey } from "../model/names.ts"
import { SchemaRefs } from "../model/refs.ts"
import type { PlanStep } from "./order.ts"

const union = (lists: ReadonlyArray<ReadonlyArray<ObjectRef>>) => {
  const seen = new Map<string, ObjectRef>()
  for (const list of lists)
    for (const r of list) seen.set(`${r.kind}\u0000${r.table ?? ""}\u0000${r.name}`, r)
  return [...seen.values()]
}

/** A step that makes `changes` with `statements`: their references, together. */
export function stepFor(
  changes: ReadonlyArray<Change>,
  statements: ReadonlyArray<string>,
  phase: number,
  extra: Partial<Pick<PlanStep, "needs" | "creates" | "removes" | "removedNeeds" | "split">> = {},
): PlanStep {
  return {
    statements,
    phase,
    needs: union([...changes.map((c) => c.needs), extra.needs ?? []]),
    creates: union([...changes.map((c) => c.creates), extra.creates ?? []]),
    removes: union([...changes.map((c) => c.removes), extra.removes ?? []]),
    removedNeeds: union([...changes.map((c) => c.removedNeeds), extra.removedNeeds ?? []]),
    split: extra.split,
  }
}

/** The part of a step that takes things away: for a change split into a drop here and a create later. */
export const removalOf = (step: PlanStep): PlanStep => ({ ...step, needs: [], creates: [] })

/** The part of a step that brings things in. */
export const creationOf = (step: PlanStep): PlanStep => ({ ...step, removes: [], removedNeeds: [] })

/** Builds steps that drop or create objects of one schema that the change list leaves alone. */
export class ObjectSteps {
  /** The references of the schema's tables and objects, for steps a planner shapes itself. */
  readonly refs: SchemaRefs

  constructor(schema: Schema, key: NameKey) {
    this.refs = new SchemaRefs(schema, key)
  }

  /** Drops `object` (of this schema): before whatever removes what it needs. */
  drop(object: SchemaObject, statements: ReadonlyArray<string>, phase: number): PlanStep {
    return {
      statements,
      phase,
      needs: [],
      creates: [],
      removes: [this.refs.object(object)],
      removedNeeds: this.refs.objectNeeds(object),
    }
  }

  /** Creates `object` (of this schema): after whatever creates what it needs. */
  create(object: SchemaObject, statements: ReadonlyArray<string>, phase: number): PlanStep {
    return {
      statements,
      phase,
      needs: this.refs.objectNeeds(object),
      creates: [this.refs.object(object)],
      removes: [],
      removedNeeds: [],
    }
  }
}

/** Drop and create steps for objects of `from` and `to` (matching names the way the two schemas do). */
export function objectSteps(from: Schema, to: Schema) {
  const key = nameKey(from, to)
  return { key, before: new ObjectSteps(from, key), after: new ObjectSteps(to, key) }
}

/**
 * Objects of `objects` that `include` accepts and that depend on any of `names` (keyed), directly or
 * through another such object: what must be dropped and made again when those names are rebuilt.
 */
export function dependents(
  objects: ReadonlyArray<SchemaObject>,
  names: ReadonlySet<string>,
  key: NameKey,
  include: (o: SchemaObject) => boolean,
): SchemaObject[] {
  const hit = new Set<SchemaObject>()
  const hitNames = new Set<string>()
  let grew = true
  while (grew) {
    grew = false
    for (const o of objects) {
      if (hit.has(o) || !include(o)) continue
      if (o.dependsOn.some((d) => names.has(key(d)) || hitNames.has(key(d)))) {
        hit.add(o)
        hitNames.add(key(o.name))
        grew = true
      }
    }
  }
  return objects.filter((o) => hit.has(o))
}
