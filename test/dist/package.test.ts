/**
 * The package as npm users get it: `npm pack` on this checkout (prepack builds the bundle), then
 * `npm install ./aim-<version>.tgz` into an empty folder on a machine whose PATH holds only node,
 * npm, npx and sh (no Bun, no repository), and `npx aim` there: init, diff, generate and validate
 * on SQLite, from the project folder and from a subfolder; the validation rules' parser and
 * embedded PostgreSQL (PGlite, a dependency loaded from node_modules) from the bundle's chunks.
 * The installed package holds no sources, so what runs is the bundle. A checkout, in turn, runs its
 * sources and not a bundle left in dist/.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs"
import { join, resolve } from "node:path"
import { cleanEnv, installTarball, nodeOnlyPath, packTarball, type Ran, runIn } from "../../build/pack.ts"
import pkg from "../../package.json" with { type: "json" }
import { makeTemp, removeTemp } from "../e2e/_cli.ts"

const ROOT = resolve(import.meta.dir, "../..")
let temp: string
let path: string
let tarball: string
let app: string
let install: Ran

beforeAll(() => {
  temp = makeTemp("aim-package-")
  path = nodeOnlyPath(temp)
  tarball = packTarball(join(temp, "packed"), path)
  app = join(temp, "app")
  install = installTarball(tarball, app, path)
}, 300_000)

afterAll(() => removeTemp(temp))

/** `npx aim ...args` in `cwd` (under the app) with the node-only PATH. */
const npxAim = (args: ReadonlyArray<string>, cwd = app, extra: Record<string, string> = {}) =>
  runIn(
    ["npx", "aim", ...args],
    cwd,
    cleanEnv(path, { AIM_CACHE_DIR: process.env.AIM_CACHE_DIR, NO_COLOR: "1", ...extra }),
  )

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? filesUnder(join(dir, entry.name), `${prefix}${entry.name}/`)
      : [`${prefix}${entry.name}`],
  )
}

describe("the packed tarball", () => {
  test("holds the bundle, the bin, the README, the licence and package.json, nothing else", () => {
    const listed = runIn(["tar", "-tzf", tarball], temp, { PATH: "/usr/bin:/bin" })
    expect(listed.code).toBe(0)
    const files = listed.stdout
      .trim()
      .split("\n")
      .map((f) => f.replace(/^package\//, ""))
      .sort()
    expect(files.filter((f) => !f.startsWith("dist/js/"))).toEqual([
      "LICENSE",
      "README.md",
      "bin/aim.js",
      "package.json",
    ])
    const bundle = files.filter((f) => f.startsWith("dist/js/"))
    expect(bundle).toContain("dist/js/cli.js")
    expect(bundle.every((f) => f.endsWith(".js"))).toBe(true)
  })

  test("installs with only Node.js and npm, without engine warnings, fetching only what the bundle loads", () => {
    // The README promises Node.js 20 and newer; npm names any package that asks for more.
    expect(install.stderr).not.toContain("EBADENGINE")
    const packages = readdirSync(join(app, "node_modules")).filter((name) => !name.startsWith("."))
    expect(packages).not.toContain("effect")
    expect(packages).not.toContain("testcontainers")
    const manifest = JSON.parse(readFileSync(join(app, "node_modules", "aim", "package.json"), "utf8"))
    expect(Object.keys(manifest.dependencies).sort()).toEqual([
      "@electric-sql/pglite",
      "bun",
      "libpg-query",
      "pglite-16",
      "pglite-17",
      "pglite-19",
    ])
  })

  test("the installed command is bin/aim.js, and the package has no sources to run but the bundle", () => {
    expect(realpathSync(join(app, "node_modules", ".bin", "aim"))).toBe(
      realpathSync(join(app, "node_modules", "aim", "bin", "aim.js")),
    )
    const installed = filesUnder(join(app, "node_modules", "aim"))
    expect(installed.filter((f) => f.endsWith(".ts"))).toEqual([])
    expect(installed).toContain("dist/js/cli.js")
  })
})

describe("npx aim, installed", () => {
  test("--version, and bunx runs the same command", () => {
    const version = npxAim(["--version"])
    expect(version.stderr).toBe("")
    expect(version.stdout.trim()).toBe(pkg.version)
    const bunx = runIn(
      [join(app, "node_modules", ".bin", "bunx"), "aim", "--version"],
      app,
      cleanEnv(path, { NO_COLOR: "1" }),
    )
    expect(bunx.stdout.trim()).toBe(pkg.version)
  })

  test("init, diff, generate and validate on SQLite, from the project and from a subfolder", () => {
    expect(npxAim(["init", "--engine", "sqlite"]).code).toBe(0)
    writeFileSync(
      join(app, "schema.sql"),
      "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);\n",
    )
    const diff = npxAim(["diff", "--json"])
    expect(diff.code).toBe(0)
    expect(JSON.parse(diff.stdout).changes).toEqual([
      expect.objectContaining({ kind: "create-table", name: "notes" }),
    ])
    const generated = npxAim(["generate"])
    expect(generated.stderr).not.toContain("aim:")
    expect(generated.code).toBe(0)
    expect(readdirSync(join(app, "migrations")).sort()).toEqual([
      "000001_create_table_notes.down.sql",
      "000001_create_table_notes.up.sql",
    ])
    expect(npxAim(["validate"]).code).toBe(0)

    const sub = join(app, "migrations")
    writeFileSync(join(app, "schema.sql"), "CREATE TABLE notes (id INTEGER PRIMARY KEY);\n")
    const pending = npxAim(["diff", "--exit-code"], sub)
    expect(pending.code).toBe(1)
    expect(pending.stdout).toContain("../schema.sql")
    // Dropping a column is destructive: the drop-column rule (sql-parser-cst, in its own chunk) says so.
    const rules = npxAim(["generate", "--no-down"], sub)
    expect(rules.code).toBe(0)
    expect(`${rules.stdout}${rules.stderr}`).toContain("drop-column")
    expect(rules.stdout).toContain("Wrote 000002_")
    expect(npxAim(["diff", "--exit-code"], sub).code).toBe(0)
    expect(npxAim(["validate"], sub).code).toBe(0)
  })

  test("embedded PostgreSQL, with PGlite loaded from node_modules", () => {
    const dir = join(app, "pg")
    mkdirSync(dir)
    writeFileSync(join(dir, "aim.toml"), 'engine = "postgres-17"\n[engines.postgres]\nbackend = "embedded"\n')
    writeFileSync(
      join(dir, "schema.sql"),
      "CREATE TABLE notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text NOT NULL);\n",
    )
    const diff = npxAim(["diff", "--json"], dir)
    expect(diff.stderr).not.toContain("aim:")
    expect(diff.code).toBe(0)
    expect(JSON.parse(diff.stdout).changes).toEqual([
      expect.objectContaining({ kind: "create-table", name: "notes" }),
    ])
  }, 120_000)

  test("the docker backend, bundled in, says in one line that no container runtime answers", () => {
    const dir = join(app, "docker")
    mkdirSync(dir)
    writeFileSync(join(dir, "aim.toml"), 'engine = "postgres-17"\n[engines.postgres]\nbackend = "docker"\n')
    writeFileSync(join(dir, "schema.sql"), "CREATE TABLE t (id int);\n")
    const result = npxAim(["diff"], dir, { DOCKER_HOST: `unix://${join(temp, "no-docker.sock")}` })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^aim: .*Docker/)
    expect(result.stderr.trim().split("\n")).toHaveLength(1)
  }, 60_000)
})

test("a checkout runs its sources, not a bundle left in dist/", () => {
  // The repository has .git and dist/js holds the bundle npm pack just made; bin/aim.js must pick
  // cli.ts. A bundle that cannot start proves which one ran.
  const stale = join(ROOT, "dist", "js")
  const hadBundle = existsSync(stale)
  const backup = `${stale}.test-backup-${process.pid}`
  if (hadBundle) cpSync(stale, backup, { recursive: true })
  try {
    mkdirSync(stale, { recursive: true })
    writeFileSync(join(stale, "cli.js"), 'throw new Error("stale bundle ran")\n')
    const result = runIn(["node", join(ROOT, "bin", "aim.js"), "--version"], temp, cleanEnv(path))
    expect(result.stderr).toBe("")
    expect(result.stdout.trim()).toBe(pkg.version)
  } finally {
    rmSync(stale, { recursive: true, force: true })
    if (hadBundle) cpSync(backup, stale, { recursive: true })
    rmSync(backup, { recursive: true, force: true })
  }
})
