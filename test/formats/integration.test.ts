/**
 * How the formats meet the pipeline: `forProject` binds a format to the project (sqitch needs the
 * engine, the project name and the planner), and only a format's index files may replace an existing
 * file, which the writer then swaps in atomically; every other rendered path that exists is refused.
 */
import { afterEach, describe, expect, test } from "bun:test"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { Effect } from "effect"
import {
  type FolderFile,
  type FormatShape,
  type NewMigration,
  replaceablePaths,
} from "../../formats/format.ts"
import { formats } from "../../formats/registry.ts"
import { findEngine } from "../../engines/registry.ts"
import { parsePlan, sqitchProjectName } from "../../formats/sqitch.ts"
import { write } from "../../steps/write.ts"

const migration: NewMigration = {
  version: "000002",
  description: "create tags",
  up: "CREATE TABLE tags (id INTEGER PRIMARY KEY);\n",
  down: "DROP TABLE tags;\n",
  createdAt: new Date("2026-01-02T03:04:05Z"),
}

const context = {
  sqitchEngine: "sqlite",
  project: "shop",
  env: { SQITCH_FULLNAME: "Ada Planner", SQITCH_EMAIL: "ada@example.com", HOME: "/nonexistent" },
}

const bound = (format: FormatShape) => format.forProject?.(context) ?? format

let dir = ""
afterEach(() => rmSync(dir, { recursive: true, force: true }))

function folderOnDisk(files: ReadonlyArray<FolderFile>): string {
  dir = mkdtempSync(join(tmpdir(), "aim-format-write-"))
  for (const file of files) {
    mkdirSync(dirname(join(dir, file.path)), { recursive: true })
    writeFileSync(join(dir, file.path), file.content)
  }
  return dir
}

function listed(folder: string): string[] {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(folder.length + 1))
    .sort()
}

describe("forProject", () => {
  test("binds sqitch to the engine, the project name and the planner from the environment", () => {
    const files = bound(formats.sqitch as FormatShape).render(migration, [])
    const plan = files.find((f) => f.path === "sqitch.plan")?.content ?? ""
    const parsed = parsePlan(plan)
    if (typeof parsed === "string") throw new Error(parsed)
    expect(parsed.project).toBe("shop")
    expect(plan).toContain("create_tags 2026-01-02T03:04:05Z Ada Planner <ada@example.com> # create tags")
    expect(files.find((f) => f.path === "sqitch.conf")?.content).toContain("\tengine = sqlite\n")
    expect(files.find((f) => f.path === "deploy/create_tags.sql")?.content).toStartWith(
      "-- Deploy shop:create_tags to sqlite\n",
    )
  })

  test("a planner given with the migration wins over the environment", () => {
    const files = bound(formats.sqitch as FormatShape).render(
      { ...migration, planner: { name: "Given", email: "given@example.com" } },
      [],
    )
    expect(files.find((f) => f.path === "sqitch.plan")?.content).toContain("Given <given@example.com>")
  })

  test("engine keys and project names as Sqitch takes them", () => {
    // Each engine's capabilities name its Sqitch engine (lib/App/Sqitch/Engine/*.pm; MariaDB runs on mysql).
    const key = (id: string) => findEngine(id)?.capabilities(id).sqitchEngine
    expect(key("sqlite")).toBe("sqlite")
    expect(key("postgres-17")).toBe("pg")
    expect(key("postgres")).toBe("pg")
    expect(key("mariadb-11")).toBe("mysql")
    expect(key("oracle-23")).toBeUndefined()
    expect(sqitchProjectName("my-app")).toBe("my-app")
    // A name Sqitch refuses (ends in punctuation) falls back to the default project name.
    expect(sqitchProjectName("app-")).toBeUndefined()
    const files = (formats.sqitch as FormatShape)
      .forProject?.({ ...context, project: "app-" })
      .render(migration, [])
    expect(files?.find((f) => f.path === "sqitch.plan")?.content).toContain("%project=aim\n")
  })

  test("the other formats have nothing to bind", () => {
    for (const [id, format] of Object.entries(formats)) {
      if (id !== "sqitch") expect(format.forProject).toBeUndefined()
    }
  })
})

describe("only index files replace existing files", () => {
  for (const [id, format] of Object.entries(formats)) {
    test(`${id}: a rendered path that exists is ${id === "sqitch" ? "sqitch.plan, swapped in" : "refused"}`, async () => {
      const shape = bound(format)
      // The folder after one earlier render, and the same migration rendered again on top of it:
      // every path that collides must be refused, except an index file the format extends.
      const first = shape.render(migration, [])
      const again = shape.render(migration, first)
      const existing =
        id === "sqitch" ? first : again.map((f) => ({ ...f, content: `-- earlier ${f.path}\n` }))
      const folder = folderOnDisk(existing)
      const before = listed(folder)
      const request = {
        folder,
        shownFolder: "migrations",
        files: again,
        replaces: replaceablePaths(shape, again, existing),
      }
      const result = await Effect.runPromise(Effect.result(write(request)))
      if (id === "sqitch") {
        expect(request.replaces).toEqual(["sqitch.plan"])
        expect(result._tag).toBe("Success")
        const plan = readFileSync(join(folder, "sqitch.plan"), "utf8")
        // The plan was extended (the second render took a fresh name), the first change kept.
        expect(plan).toStartWith(first.find((f) => f.path === "sqitch.plan")?.content ?? "?")
        expect(plan).toContain("\ncreate_tags_2 ")
        expect(listed(folder)).toContain("deploy/create_tags_2.sql")
        expect(listed(folder).some((p) => p.includes(".tmp"))).toBe(false)
      } else {
        expect(request.replaces).toEqual([])
        expect(result._tag).toBe("Failure")
        if (result._tag === "Failure") expect(result.failure._tag).toBe("WriteFailed")
        // Nothing changed on disk.
        expect(listed(folder)).toEqual(before)
        for (const file of existing) expect(readFileSync(join(folder, file.path), "utf8")).toBe(file.content)
      }
    })
  }
})

describe("no down", () => {
  for (const [id, format] of Object.entries(formats)) {
    test(`${id}: a migration without a down writes only the up direction`, () => {
      const files = bound(format).render({ ...migration, down: undefined }, [])
      const text = files.map((f) => `${f.path}\n${f.content}`).join("\n")
      expect(text).not.toContain("DROP TABLE tags")
      expect(files.some((f) => /(^|\/)(revert\/|U\d)|\.down\.sql$/.test(f.path))).toBe(false)
    })
  }

  test("refinery drops a down even when given one", () => {
    const files = bound(formats.refinery as FormatShape).render(migration, [])
    expect(files.map((f) => f.path)).toEqual(["V000002__create_tags.sql"])
    expect(files[0]?.content).not.toContain("DROP TABLE")
  })
})
