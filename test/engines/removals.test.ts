/** The words a stopped run uses for what its clean-up removed (engines/removals.ts). */
import { expect, test } from "bun:test"
import { countRemoval, describeRemovals, removalsSoFar } from "../../engines/removals.ts"

test("counts removals by kind and says what happened between two counts", () => {
  const before = removalsSoFar()
  expect(describeRemovals(before, removalsSoFar())).toBe("nothing to clean up")
  countRemoval("database")
  expect(describeRemovals(before, removalsSoFar())).toBe("removed 1 throwaway database")
  countRemoval("database")
  expect(describeRemovals(before, removalsSoFar())).toBe("removed 2 throwaway databases")
  countRemoval("server")
  countRemoval("container")
  expect(describeRemovals(before, removalsSoFar())).toBe(
    "removed 2 throwaway databases, stopped 1 server and removed 1 container",
  )
})
