/**
 * aim as a library: a workflow of the user's own, composed from aim's steps (snapshot, diff) and a
 * step that aim does not have (a JSON change report), run without the planner.
 */
import { afterEach, beforeEach, describe, expect, setDefaultTimeout, test } from "bun:test"
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import {
  type Change,
  describeChange,
  diff,
  diffProject,
  Engine,
  formats,
  loadConfig,
  Progress,
  readFolder,
  readHistory,
  readSchemaSource,
  snapshot,
  sqliteLayer,
} from "../../mod.ts"
import { makeProject, removeTemp, write } from "./_cli.ts"

setDefaultTimeout(30_000)

let dir: string

beforeEach(() => {
  dir = makeProject()
  write(
    dir,
    "migrations/000001_start.up.sql",
    "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, fax TEXT);\nCREATE TABLE legacy (id INTEGER);\n",
  )
  write(dir, "migrations/000001_start.down.sql", "DROP TABLE legacy;\nDROP TABLE users;\n")
  write(
    dir,
    "schema.sql",
    `CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT);
CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id), body TEXT);
CREATE INDEX posts_user ON posts (user_id);
`,
  )
})
afterEach(() => removeTemp(dir))

interface Report {
  readonly tables: { readonly now: number; readonly wanted: number }
  readonly changes: ReadonlyArray<{ readonly kind: Change["kind"]; readonly description: string }>
}

/** The user's own step: describe the changes and keep them in a JSON file. No planner involved. */
const writeReport = Effect.fn("my/report")(function* (
  path: string,
  changes: ReadonlyArray<Change>,
  counts: Report["tables"],
) {
  const engine = yield* Engine
  const report: Report = {
    tables: counts,
    changes: changes.map((c) => ({ kind: c.kind, description: describeChange(c) })),
  }
  yield* Effect.sync(() =>
    writeFileSync(path, `${JSON.stringify({ engine: engine.id, ...report }, null, 2)}\n`),
  )
  return report
})

/** The custom workflow: read the project, snapshot both sides, diff, report. */
const reportWorkflow = (root: string) =>
  Effect.gen(function* () {
    const config = yield* loadConfig(root, {})
    const format = formats[config.format]
    if (!format) return yield* Effect.die(new Error(`no format ${config.format}`))
    const history = yield* readHistory(config, format, yield* readFolder(config))
    const source = yield* readSchemaSource(config)
    const { current, desired } = yield* snapshot(history, source)
    const changes = yield* diff(current, desired)
    return yield* writeReport(join(root, "changes.json"), changes, {
      now: current.tables.length,
      wanted: desired.tables.length,
    })
  })

describe("a custom workflow from mod.ts", () => {
  test("snapshot + diff + a step of the user's own, run with sqliteLayer", async () => {
    const report = await Effect.runPromise(reportWorkflow(dir).pipe(Effect.provide(sqliteLayer)))

    expect(report.tables).toEqual({ now: 2, wanted: 2 })
    const descriptions = report.changes.map((c) => c.description)
    expect(descriptions).toContain("drop table legacy")
    expect(descriptions).toContain("create table posts")
    expect(descriptions).toContain("create index posts_user")
    expect(descriptions).toContain("add column users.email")
    expect(descriptions).toContain("drop column users.fax")

    const file = JSON.parse(readFileSync(join(dir, "changes.json"), "utf8"))
    expect(file.engine).toBe("sqlite")
    expect(file.changes).toEqual(report.changes)
    // Nothing was planned or written to the migrations folder.
    expect(readdirSync(join(dir, "migrations")).sort()).toEqual([
      "000001_start.down.sql",
      "000001_start.up.sql",
    ])
  })

  test("a failure in the user's files comes back as a typed error, not a crash", async () => {
    write(dir, "schema.sql", "CREATE TABLE broken (id INTEGER,,);\n")
    const outcome = await Effect.runPromise(
      reportWorkflow(dir).pipe(
        Effect.provide(sqliteLayer),
        Effect.match({ onFailure: (e) => e, onSuccess: () => undefined }),
      ),
    )
    expect(outcome).toBeDefined()
    expect((outcome as { _tag: string })._tag).toBe("StatementFailed")
    expect((outcome as Error).message).toContain("schema.sql:1")
    expect(existsSync(join(dir, "changes.json"))).toBe(false)
  })

  test("the ready-made diffProject reports its phases to a Progress of the user's own", async () => {
    const phases: string[] = []
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const config = yield* loadConfig(dir, {})
        return yield* diffProject(config)
      }).pipe(
        Effect.provide(sqliteLayer),
        Effect.provideService(Progress, { phase: (name) => phases.push(name) }),
      ),
    )
    expect(phases).toEqual(["snapshot"])
    expect(result.history).toHaveLength(1)
    expect(result.text).toContain("+ CREATE TABLE posts")
    expect(result.text).toContain("- CREATE TABLE legacy")
  })
})
