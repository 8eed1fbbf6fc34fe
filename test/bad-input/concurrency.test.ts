/**
 * Runs at the same time. Three `aim generate` in one project: the project lock (project/lock.ts)
 * lets one write and the others wait, then find nothing to generate (or give up after the wait
 * limit with a message) — never two migrations with one version, no .aim.lock left. Two projects
 * against the same url server at once (PostgreSQL, MariaDB): neither sees the other's throwaway
 * databases, both write the migration their own schema.sql asks for, and no database is left.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import {
  closePgAdmin,
  disposeSandbox,
  dropPgRole,
  longHistory,
  MARIADB_URL,
  makePgRole,
  makeSandbox,
  mariadbAimDatabases,
  mariadbAvailable,
  mariadbLeftSince,
  type PgRole,
  pgAvailable,
  pgDatabasesOf,
  runAim,
  type Sandbox,
  writeProject,
} from "./_harness.ts"

setDefaultTimeout(240_000)

const hasPg = await pgAvailable()
const hasMariadb = mariadbAvailable()

const upFiles = (box: Sandbox) =>
  readdirSync(join(box.project, "migrations"))
    .filter((f) => f.endsWith(".up.sql"))
    .sort()

describe("one project, three runs at once", () => {
  test("one writes, the others wait and find nothing to do; one migration per version", async () => {
    const box = makeSandbox("aim-conc-")
    try {
      writeProject(box, { "aim.toml": 'engine = "sqlite"\n', ...longHistory(300) })
      const runs = await Promise.all([1, 2, 3].map(() => runAim(box, ["generate"])))
      const summary = runs.map(
        (r) =>
          `exit ${r.code} in ${Math.round(r.millis)} ms: ${(r.stdout + r.stderr).trim().split("\n").at(-1)}`,
      )
      console.log(`concurrency: same project\n  ${summary.join("\n  ")}`)
      const wrote = runs.filter((r) => r.code === 0 && r.stdout.includes("Wrote "))
      const nothing = runs.filter((r) => r.code === 0 && r.stdout.includes("Nothing to generate"))
      const locked = runs.filter((r) => r.code === 1 && r.stderr.startsWith("aim: Another aim run"))
      expect(wrote.length, summary.join("\n")).toBe(1)
      expect(nothing.length + locked.length, summary.join("\n")).toBe(2)
      const ups = upFiles(box)
      const versions = ups.map((f) => f.split("_")[0])
      expect(new Set(versions).size).toBe(versions.length)
      expect(ups.length).toBe(301)
      expect(readdirSync(box.project)).not.toContain(".aim.lock")
      expect(readdirSync(box.tmp)).toEqual([])
    } finally {
      disposeSandbox(box)
    }
  })
})

/** Two projects on one server: the same history, different schema.sql. */
function twoProjects(engineToml: string, column: string): [Sandbox, Sandbox] {
  const boxes: [Sandbox, Sandbox] = [makeSandbox("aim-conc-"), makeSandbox("aim-conc-")]
  boxes.forEach((box, i) => {
    const files = longHistory(40, column)
    files["aim.toml"] = engineToml
    files["schema.sql"] = `${files["schema.sql"]}CREATE TABLE only_in_project_${i + 1} (${column});\n`
    writeProject(box, files)
  })
  return boxes
}

function expectOwnMigration(box: Sandbox, index: number) {
  const ups = upFiles(box)
  expect(ups.length).toBe(41)
  const up = readFileSync(join(box.project, "migrations", ups.at(-1) as string), "utf8")
  expect(up).toContain(`only_in_project_${index}`)
  expect(up).not.toContain(`only_in_project_${3 - index}`)
  expect(up).toContain("extra")
  expect(readdirSync(box.tmp)).toEqual([])
}

describe("two projects on one url server at once", () => {
  test
    .skipIf(!hasPg)
    .concurrent("PostgreSQL: both succeed with their own result, no database left", async () => {
      const boxes = twoProjects(
        'engine = "postgres-15"\n\n[engines.postgres]\nbackend = "url"\n',
        "id int PRIMARY KEY, v text",
      )
      let role: PgRole | undefined
      try {
        role = await makePgRole()
        const url = role.url
        const runs = await Promise.all(
          boxes.map((box) => runAim(box, ["generate"], { AIM_POSTGRES_URL: url })),
        )
        for (const [i, r] of runs.entries()) {
          expect({ i, code: r.code, stderr: r.stderr }).toEqual({ i, code: 0, stderr: "" })
          expectOwnMigration(boxes[i] as Sandbox, i + 1)
        }
        expect(await pgDatabasesOf(role)).toEqual([])
      } finally {
        await dropPgRole(role)
        for (const box of boxes) disposeSandbox(box)
      }
    })

  test
    .skipIf(!hasMariadb)
    .concurrent("MariaDB: both succeed with their own result, no database left", async () => {
      const boxes = twoProjects(
        'engine = "mariadb-10.11"\n\n[engines.mariadb]\nbackend = "url"\n',
        "id int PRIMARY KEY, v text",
      )
      try {
        const before = mariadbAimDatabases()
        const runs = await Promise.all(
          boxes.map((box) => runAim(box, ["generate"], { AIM_MARIADB_URL: MARIADB_URL })),
        )
        for (const [i, r] of runs.entries()) {
          expect({ i, code: r.code, stderr: r.stderr }).toEqual({ i, code: 0, stderr: "" })
          expectOwnMigration(boxes[i] as Sandbox, i + 1)
        }
        expect(await mariadbLeftSince(before)).toEqual([])
      } finally {
        for (const box of boxes) disposeSandbox(box)
      }
    })
})

afterAll(() => closePgAdmin())
