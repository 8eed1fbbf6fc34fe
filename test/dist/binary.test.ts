/**
 * The standalone binary: `npm run build` makes dist/aim, and that one file runs aim on a machine
 * with no Node.js, no Bun and no node_modules. The test builds it once per run (or reuses a
 * dist/aim newer than every source file), copies it to a temp folder outside the repository and
 * runs it there with PATH=/usr/bin:/bin, HOME in the temp folder and nothing else inherited, on
 * SQLite and on embedded PostgreSQL, every major PGlite ships (their files come from inside the
 * binary).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import pkg from "../../package.json" with { type: "json" }
import { makeTemp, removeTemp } from "../e2e/_cli.ts"

const ROOT = resolve(import.meta.dir, "../..")
const DIST = join(ROOT, "dist/aim")

/** The newest mtime of what goes into the binary: aim's sources, the build files and the lockfile. */
function newestSource(): number {
  const skip = new Set(["node_modules", "dist", "test", "examples", "bench", ".git"])
  let newest = 0
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!skip.has(entry.name) && !entry.name.startsWith(".")) walk(join(dir, entry.name))
      } else if (/\.(ts|json)$/.test(entry.name)) {
        newest = Math.max(newest, statSync(join(dir, entry.name)).mtimeMs)
      }
    }
  }
  walk(ROOT)
  return newest
}

let temp: string
let binary: string

beforeAll(() => {
  if (!existsSync(DIST) || statSync(DIST).mtimeMs < newestSource()) {
    const build = Bun.spawnSync([process.execPath, "run", "build/compile.ts"], {
      cwd: ROOT,
      stdout: "pipe",
      stderr: "pipe",
    })
    if (build.exitCode !== 0) throw new Error(`npm run build failed:\n${build.stderr.toString()}`)
  }
  temp = makeTemp("aim-binary-")
  binary = join(temp, "aim")
  copyFileSync(DIST, binary)
}, 300_000)

afterAll(() => removeTemp(temp))

/** Run the copied binary in `cwd` with nothing from this environment but the test's cache folder. */
async function run(args: ReadonlyArray<string>, cwd: string, extraEnv: Record<string, string> = {}) {
  const child = Bun.spawn([binary, ...args], {
    cwd,
    env: {
      PATH: "/usr/bin:/bin",
      HOME: temp,
      ...(process.env.AIM_CACHE_DIR ? { AIM_CACHE_DIR: process.env.AIM_CACHE_DIR } : {}),
      ...extraEnv,
    },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  })
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ])
  return { code, stdout, stderr }
}

function project(name: string): string {
  const dir = join(temp, name)
  mkdirSync(dir)
  return dir
}

describe("dist/aim", () => {
  test("sits outside the repository with no node_modules reachable", () => {
    for (let dir = temp; dir !== dirname(dir); dir = dirname(dir))
      expect(existsSync(join(dir, "node_modules"))).toBe(false)
  })

  test("--version prints the package version", async () => {
    const result = await run(["--version"], temp)
    expect(result.code).toBe(0)
    expect(result.stdout.trim()).toBe(pkg.version)
  })

  test("init, diff and generate on SQLite", async () => {
    const dir = project("sqlite")
    expect((await run(["init", "--engine", "sqlite"], dir)).code).toBe(0)
    writeFileSync(
      join(dir, "schema.sql"),
      "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);\n",
    )
    const diff = await run(["diff", "--json"], dir)
    expect(diff.code).toBe(0)
    expect(JSON.parse(diff.stdout).changes).toEqual([
      expect.objectContaining({ kind: "create-table", name: "notes" }),
    ])
    const generated = await run(["generate"], dir)
    expect(generated.code).toBe(0)
    expect(readdirSync(join(dir, "migrations")).sort()).toEqual([
      "000001_create_table_notes.down.sql",
      "000001_create_table_notes.up.sql",
    ])
    expect((await run(["diff", "--exit-code"], dir)).code).toBe(0)
  })

  test("init, diff and generate on embedded PostgreSQL", async () => {
    const dir = project("postgres")
    expect((await run(["init", "--engine", "postgres-17"], dir)).code).toBe(0)
    writeFileSync(join(dir, "aim.toml"), '\n[engines.postgres]\nbackend = "embedded"\n', { flag: "a" })
    writeFileSync(
      join(dir, "schema.sql"),
      "CREATE TYPE mood AS ENUM ('ok', 'great');\nCREATE TABLE notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, mood mood NOT NULL DEFAULT 'ok');\n",
    )
    const diff = await run(["diff", "--json"], dir)
    expect(diff.code).toBe(0)
    const doc = JSON.parse(diff.stdout)
    expect(doc.engine.description).toContain("embedded PGlite")
    expect(doc.changes.map((c: { name: string }) => c.name).sort()).toEqual(["mood", "notes"])
    const generated = await run(["generate", "--json"], dir)
    expect(generated.code).toBe(0)
    const written = JSON.parse(generated.stdout)
    expect(written.status).toBe("written")
    expect(written.files).toHaveLength(2)
    for (const file of written.files) expect(existsSync(join(dir, file.path))).toBe(true)
    expect((await run(["diff", "--exit-code"], dir)).code).toBe(0)
  }, 120_000)

  test("every PostgreSQL major embedded runs from the files inside the binary", async () => {
    // A cache folder of its own, so each release's initdb runs from the binary too.
    const cache = join(temp, "majors-cache")
    const majors = [16, 17, 18, 19]
    const runs = await Promise.all(
      majors.map(async (major) => {
        const dir = project(`postgres-${major}`)
        writeFileSync(
          join(dir, "aim.toml"),
          `engine = "postgres-${major}"\n[engines.postgres]\nbackend = "embedded"\n`,
        )
        writeFileSync(join(dir, "schema.sql"), "CREATE TABLE t (id int PRIMARY KEY);\n")
        mkdirSync(join(dir, "migrations"))
        return run(["diff", "--json"], dir, { AIM_CACHE_DIR: cache })
      }),
    )
    const seen = runs.map((result) => ({
      code: result.code,
      stderr: result.stderr,
      running: result.code === 0 ? JSON.parse(result.stdout).engine.server.running.split(".")[0] : undefined,
    }))
    expect(seen).toEqual(majors.map((major) => ({ code: 0, stderr: "", running: String(major) })))
  }, 180_000)

  test("the docker backend without a container runtime fails with one clear line", async () => {
    const dir = project("docker")
    writeFileSync(join(dir, "aim.toml"), 'engine = "postgres-17"\n[engines.postgres]\nbackend = "docker"\n')
    writeFileSync(join(dir, "schema.sql"), "CREATE TABLE t (id int);\n")
    const result = await run(["diff"], dir, { DOCKER_HOST: `unix://${join(temp, "no-docker.sock")}` })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^aim: .*Docker/)
    expect(result.stderr).not.toContain("    at ")
  }, 60_000)
})
