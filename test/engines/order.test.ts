import { describe, expect, test } from "bun:test"
import { orderSteps, type PlanStep } from "../../engines/order.ts"
import type { ObjectRef } from "../../model.ts"

/** A step named by its one statement, with references written as `kind:name` (`column:t.c`). */
function step(
  name: string,
  phase: number,
  refs: Partial<Record<"needs" | "creates" | "removes" | "removedNeeds", string[]>> = {},
  split?: () => PlanStep[],
): PlanStep {
  const parse = (text: string): ObjectRef => {
    const [kind, rest] = text.split(":") as [ObjectRef["kind"], string]
    if (kind === "column") {
      const [table, name] = rest.split(".") as [string, string]
      return { kind, table, name }
    }
    return { kind, name: rest }
  }
  return {
    statements: [name],
    phase,
    needs: (refs.needs ?? []).map(parse),
    creates: (refs.creates ?? []).map(parse),
    removes: (refs.removes ?? []).map(parse),
    removedNeeds: (refs.removedNeeds ?? []).map(parse),
    split,
  }
}
const names = (steps: ReadonlyArray<PlanStep>) => steps.flatMap((s) => s.statements)

describe("orderSteps", () => {
  test("without references, phases and then the planner's order decide", () => {
    expect(names(orderSteps([step("b", 2), step("a", 1), step("c", 2)]))).toEqual(["a", "b", "c"])
  })

  test("what creates an object comes before what needs it, whatever the phases say", () => {
    const ordered = orderSteps([
      step("add fk", 1, { needs: ["keys:p"] }),
      step("add unique", 5, { creates: ["keys:p"] }),
    ])
    expect(names(ordered)).toEqual(["add unique", "add fk"])
  })

  test("what still relies on an object goes before what removes it", () => {
    const ordered = orderSteps([
      step("drop index", 1, { removes: ["keys:p"] }),
      step("drop fk", 5, { removedNeeds: ["keys:p"] }),
    ])
    expect(names(ordered)).toEqual(["drop fk", "drop index"])
  })

  test("a name is freed before it is taken again", () => {
    const ordered = orderSteps([
      step("create index i", 1, { creates: ["index:i"] }),
      step("drop index i", 2, { removes: ["index:i"] }),
    ])
    expect(names(ordered)).toEqual(["drop index i", "create index i"])
  })

  test("`columns` of a table waits for each of its columns", () => {
    const ordered = orderSteps([
      step("create view", 1, { needs: ["columns:t"] }),
      step("add t.b", 5, { creates: ["column:t.b"] }),
      step("drop view", 9, { removedNeeds: ["columns:t"] }),
      step("retype t.a", 5, { removes: ["column:t.a"], creates: ["column:t.a"] }),
    ])
    // The view is dropped before the column it reads is retyped, and created after every column change.
    expect(names(ordered)).toEqual(["add t.b", "drop view", "retype t.a", "create view"])
  })

  test("a cycle is broken by splitting a step that offers a split", () => {
    // Two new tables whose foreign keys point at each other: one is created without its key,
    // which is added once both exist.
    const a = step("create a", 1, { creates: ["keys:a"], needs: ["keys:b"] }, () => [
      step("create a (no fk)", 1, { creates: ["keys:a"] }),
      step("a: add fk", 3, { needs: ["keys:a", "keys:b"] }),
    ])
    const b = step("create b", 1, { creates: ["keys:b"], needs: ["keys:a"] })
    expect(names(orderSteps([a, b]))).toEqual(["create a (no fk)", "create b", "a: add fk"])
  })

  test("a cycle with nothing to split keeps the planner's order instead of failing", () => {
    const ordered = orderSteps([
      step("x", 1, { creates: ["view:x"], needs: ["view:y"] }),
      step("y", 1, { creates: ["view:y"], needs: ["view:x"] }),
      step("z", 0, { needs: ["view:x"] }),
    ])
    // x goes first (the planner put it first); then what waited on it, by phase.
    expect(names(ordered)).toEqual(["x", "z", "y"])
  })

  test("ordering an ordered list again changes nothing", () => {
    const input = [
      step("drop fk", 5, { removedNeeds: ["keys:p"] }),
      step("create v", 1, { needs: ["columns:t"] }),
      step("drop index", 1, { removes: ["keys:p"] }),
      step("add t.c", 3, { creates: ["column:t.c"] }),
    ]
    const once = orderSteps(input)
    expect(names(orderSteps(once))).toEqual(names(once))
  })
})
