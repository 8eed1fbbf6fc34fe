/**
 * Every format end to end, through the real CLI on SQLite: a new user's project whose history aim
 * wrote (init, generate twice, then once more with --no-down) passes `aim validate`; and a folder
 * written by hand in each tool's style is read as its runner reads it: `aim validate` passes on it
 * and `aim diff` shows exactly the change pending in schema.sql.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test"
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { formats } from "../../formats/registry.ts"
import { aim, makeTemp, removeTemp } from "../e2e/_cli.ts"
import { handwritten, PENDING } from "./_handwritten.ts"

// Generous: each test spawns the CLI several times, and the machine may be busy with other suites.
setDefaultTimeout(180_000)

const temps: string[] = []
afterAll(() => {
  for (const dir of temps) removeTemp(dir)
})

const env = { SQITCH_FULLNAME: "Ada Planner", SQITCH_EMAIL: "ada@example.com" }

/** Every file under the migrations folder, paths relative to it, sorted. */
function migrationFiles(project: string): string[] {
  const root = join(project, "migrations")
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(root.length + 1))
    .sort()
}

async function run(project: string, ...args: string[]) {
  mkdirSync(project, { recursive: true })
  const result = await aim([...args, "--dir", project], { cwd: project, env })
  if (result.code !== 0)
    throw new Error(`aim ${args.join(" ")} exited ${result.code}\n${result.stdout}\n${result.stderr}`)
  return result.stdout
}

const V1 = "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n"
const V2 = `CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT);
CREATE INDEX users_email ON users (email);
CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users (id), title TEXT NOT NULL);
`

/** Files that hold a down direction, per format, for the --no-down check. */
const holdsDown = (format: string, path: string, content: string): boolean => {
  switch (format) {
    case "goose":
      return /^-- \+goose Down/m.test(content)
    case "dbmate":
      return /^-- migrate:down[^\n]*\n\s*\S/m.test(content)
    case "sqitch":
      return path.startsWith("revert/")
    case "flyway":
      return /(^|\/)U[^/]*$/.test(path)
    default:
      return path.endsWith(".down.sql")
  }
}

describe.concurrent("a history aim writes", () => {
  for (const format of Object.keys(formats)) {
    test(`${format}: init, generate twice, then with --no-down (only an UP written), validate`, async () => {
      const parent = makeTemp("aim-format-e2e-")
      temps.push(parent)
      const project = join(parent, "shop")
      await run(project, "init", "--engine", "sqlite", "--format", format)
      writeFileSync(join(project, "schema.sql"), V1)
      await run(project, "generate", "--quiet")
      const first = migrationFiles(project)
      writeFileSync(join(project, "schema.sql"), V2)
      await run(project, "generate", "--quiet")
      const second = migrationFiles(project)
      expect(second.length).toBeGreaterThan(first.length)
      const withDown = format !== "refinery"

      // Per format: what the folder must look like to its runner.
      const text = (path: string) => readFileSync(join(project, "migrations", path), "utf8")
      if (format === "refinery") expect(second.every((p) => /^V\d+__\w+\.sql$/.test(p))).toBe(true)
      if (format === "sqitch") {
        const plan = text("sqitch.plan")
        expect(plan).toStartWith("%syntax-version=1.0.0\n%project=shop\n\n")
        expect(plan.match(/ Ada Planner <ada@example\.com> # /g)).toHaveLength(2)
        expect(text("sqitch.conf")).toContain("\tengine = sqlite\n")
      }
      if (format === "dbmate") expect(second).toHaveLength(2)

      // A third migration without a down: only its UP is written, and the history still validates.
      writeFileSync(join(project, "schema.sql"), V2 + PENDING)
      await run(project, "generate", "--quiet", "--no-down")
      const added = migrationFiles(project).filter((p) => !second.includes(p))
      expect(added.length).toBeGreaterThan(0)
      for (const path of added) expect(holdsDown(format, path, text(path))).toBe(false)
      expect(added.map(text).join("\n")).toContain("CREATE TABLE tags")
      // validate replays all three: each UP, each DOWN restores, UP again, and the end equals schema.sql.
      expect(await run(project, "validate")).toContain(
        `3 migrations valid: UP applies, ${withDown ? "2" : "0"} of 3 have a DOWN`,
      )
    })
  }
})

describe.concurrent("a folder written by hand in the tool's style", () => {
  for (const [format, folder] of Object.entries(handwritten)) {
    test(`${format}: validate passes, diff shows exactly the pending change`, async () => {
      const project = makeTemp("aim-format-e2e-")
      temps.push(project)
      writeFileSync(
        join(project, "aim.toml"),
        `engine = "sqlite"\nformat = "${format}"\nschema = "schema.sql"\nmigrations = "migrations"\n`,
      )
      for (const [path, content] of Object.entries(folder.files)) {
        mkdirSync(dirname(join(project, "migrations", path)), { recursive: true })
        writeFileSync(join(project, "migrations", path), content)
      }
      writeFileSync(join(project, "schema.sql"), folder.schema)
      const valid = await run(project, "validate")
      const downs =
        folder.downs === folder.migrations
          ? "each DOWN"
          : `${folder.downs} of ${folder.migrations} have a DOWN`
      expect(valid).toContain(`${folder.migrations} migrations valid: UP applies, ${downs}`)

      writeFileSync(join(project, "schema.sql"), folder.schema + PENDING)
      const diff = await run(project, "diff")
      expect(diff).toContain("\n1 change between the migrations and schema.sql.")
      const changed = diff.split("\n").filter((l) => /^[+-]/.test(l))
      expect(changed[0]).toBe("+ CREATE TABLE tags (")
      expect(changed.every((l) => l.startsWith("+"))).toBe(true)
      expect(changed.join("\n")).toContain("label TEXT NOT NULL")
    })
  }
})
