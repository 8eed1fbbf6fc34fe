import { afterEach, describe, expect, test } from "bun:test"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { LOCK_FILE, lockProject } from "../../project/lock.ts"

let dir = ""
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe("lockProject", () => {
  test("a second holder waits, then is refused with the holder's pid; the lock goes with the scope", async () => {
    dir = mkdtempSync(join(tmpdir(), "aim-lock-"))
    const refused = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          yield* lockProject(dir)
          expect(readFileSync(join(dir, LOCK_FILE), "utf8")).toBe(String(process.pid))
          return yield* Effect.scoped(lockProject(dir, 300)).pipe(Effect.flip)
        }),
      ),
    )
    expect(refused._tag).toBe("ProjectLocked")
    expect(refused).toMatchObject({ pid: process.pid })
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false)
  })

  test("a lock left by a process that is gone is taken over", async () => {
    dir = mkdtempSync(join(tmpdir(), "aim-lock-"))
    const dead = Bun.spawnSync(["true"]).pid
    writeFileSync(join(dir, LOCK_FILE), String(dead))
    await Effect.runPromise(Effect.scoped(lockProject(dir, 0)))
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false)
  })
})
