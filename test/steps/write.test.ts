import { afterEach, describe, expect, test } from "bun:test"
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { write } from "../../steps/write.ts"

let folder = ""
afterEach(() => rmSync(folder, { recursive: true, force: true }))
const fresh = () => {
  folder = mkdtempSync(join(tmpdir(), "aim-write-"))
  return folder
}

describe("write", () => {
  test("writes every file, creating sub-folders, and leaves no temporary file", async () => {
    const dir = fresh()
    const written = await Effect.runPromise(
      write({
        folder: dir,
        shownFolder: "migrations",
        files: [
          { path: "1_a.up.sql", content: "A" },
          { path: "deploy/x.sql", content: "X" },
        ],
      }),
    )
    expect(written).toEqual(["migrations/1_a.up.sql", "migrations/deploy/x.sql"])
    expect(readFileSync(join(dir, "deploy/x.sql"), "utf8")).toBe("X")
    expect(readdirSync(dir).sort()).toEqual(["1_a.up.sql", "deploy"])
  })

  test("refuses to overwrite, and writes none of the files", async () => {
    const dir = fresh()
    writeFileSync(join(dir, "1_a.down.sql"), "keep me")
    const error = await Effect.runPromise(
      write({
        folder: dir,
        shownFolder: "migrations",
        files: [
          { path: "1_a.up.sql", content: "A" },
          { path: "new/1_a.sql", content: "B" },
          { path: "1_a.down.sql", content: "B" },
        ],
      }).pipe(Effect.flip),
    )
    expect(error._tag).toBe("WriteFailed")
    expect(error.file).toBe("migrations/1_a.down.sql")
    expect(readdirSync(dir)).toEqual(["1_a.down.sql"])
    expect(readFileSync(join(dir, "1_a.down.sql"), "utf8")).toBe("keep me")
  })

  test("an index file named as replaceable is swapped in whole", async () => {
    const dir = fresh()
    writeFileSync(join(dir, "sqitch.plan"), "old")
    await Effect.runPromise(
      write({
        folder: dir,
        shownFolder: "m",
        files: [{ path: "sqitch.plan", content: "new" }],
        replaces: ["sqitch.plan"],
      }),
    )
    expect(readFileSync(join(dir, "sqitch.plan"), "utf8")).toBe("new")
    expect(readdirSync(dir)).toEqual(["sqitch.plan"])
  })
})
