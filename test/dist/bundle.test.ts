/**
 * The bundle an installed package runs (build/bundle.ts, made by `npm run bundle` and prepack):
 * built fresh into dist/ for this run, then laid out as npm installs a package
 * (node_modules/aim/{package.json,bin,dist/js}) with no sources beside it, so a bin/aim.js that fell
 * back to cli.ts would fail. It runs SQLite with rules (their parsers load from chunks) and
 * embedded PostgreSQL (PGlite stays external and is found in node_modules), and a checkout (a
 * folder with .git) keeps running its sources.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { bundle, EXTERNAL } from "../../build/bundle.ts"
import pkg from "../../package.json" with { type: "json" }
import { makeTemp, removeTemp } from "../e2e/_cli.ts"

const ROOT = resolve(import.meta.dir, "../..")
const built = join(ROOT, "dist", `test-js-${process.pid}`)
let temp: string
let installed: string

beforeAll(() => {
  bundle(built)
  temp = makeTemp("aim-bundle-")
  installed = join(temp, "node_modules", "aim")
  mkdirSync(join(installed, "dist"), { recursive: true })
  cpSync(join(ROOT, "package.json"), join(installed, "package.json"))
  cpSync(join(ROOT, "bin"), join(installed, "bin"), { recursive: true })
  cpSync(built, join(installed, "dist", "js"), { recursive: true })
  // The external packages, where npm would have put them: beside aim in node_modules.
  for (const name of EXTERNAL) {
    const from = join(ROOT, "node_modules", name)
    const to = join(temp, "node_modules", name)
    mkdirSync(join(to, ".."), { recursive: true })
    if (existsSync(from) && !existsSync(to)) symlinkSync(from, to)
  }
}, 120_000)

afterAll(() => {
  rmSync(built, { recursive: true, force: true })
  removeTemp(temp)
})

async function run(entry: string, args: ReadonlyArray<string>, cwd: string) {
  const child = Bun.spawn([process.execPath, entry, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: "1" },
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

function project(name: string, toml: string, schema: string): string {
  const dir = join(temp, name)
  mkdirSync(join(dir, "migrations"), { recursive: true })
  writeFileSync(join(dir, "aim.toml"), toml)
  writeFileSync(join(dir, "schema.sql"), schema)
  return dir
}

describe("the bundle, installed as a package", () => {
  test("has no sources to fall back on", () => {
    expect(existsSync(join(installed, "cli.ts"))).toBe(false)
    expect(readdirSync(join(installed, "dist", "js"))).toContain("cli.js")
  })

  test("bin/aim.js answers --version from the bundle", async () => {
    const result = await run(join(installed, "bin", "aim.js"), ["--version"], temp)
    expect(result.stderr).toBe("")
    expect(result.stdout.trim()).toBe(pkg.version)
  })

  test("generates a SQLite migration, with the rules' parser loaded from its chunk", async () => {
    const dir = project(
      "sqlite",
      'engine = "sqlite"\nformat = "migrate"\n',
      "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);\n",
    )
    const generated = await run(join(installed, "bin", "aim.js"), ["generate"], dir)
    expect(generated.stderr).not.toContain("error")
    expect(generated.code).toBe(0)
    expect(readdirSync(join(dir, "migrations")).sort()).toEqual([
      "000001_create_table_notes.down.sql",
      "000001_create_table_notes.up.sql",
    ])
    writeFileSync(join(dir, "schema.sql"), "CREATE TABLE notes (id INTEGER PRIMARY KEY);\n")
    const rules = await run(join(installed, "bin", "aim.js"), ["generate", "--dry-run", "--no-down"], dir)
    // Dropping a column is destructive: the drop-column rule, parsed by sql-parser-cst, says so.
    expect(`${rules.stdout}${rules.stderr}`).toContain("drop-column")
  })

  test("runs embedded PostgreSQL with PGlite found in node_modules", async () => {
    const dir = project(
      "postgres",
      'engine = "postgres-17"\nformat = "migrate"\n\n[engines.postgres]\nbackend = "embedded"\n',
      "CREATE TABLE notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text NOT NULL);\n",
    )
    const diff = await run(join(installed, "bin", "aim.js"), ["diff", "--json"], dir)
    expect(diff.code).toBe(0)
    expect(JSON.parse(diff.stdout).changes).toEqual([
      expect.objectContaining({ kind: "create-table", name: "notes" }),
    ])
  }, 120_000)
})

test("a checkout runs its sources, not a bundle left in dist/", async () => {
  // The repository has .git and dist/js may hold an old bundle; bin/aim.js must pick cli.ts. A
  // bundle that cannot start proves which one ran.
  const stale = join(ROOT, "dist", "js")
  const hadBundle = existsSync(stale)
  const backup = `${stale}.test-backup-${process.pid}`
  if (hadBundle) cpSync(stale, backup, { recursive: true })
  try {
    mkdirSync(stale, { recursive: true })
    writeFileSync(join(stale, "cli.js"), 'throw new Error("stale bundle ran")\n')
    const result = await run(join(ROOT, "bin", "aim.js"), ["--version"], temp)
    expect(result.stderr).toBe("")
    expect(result.stdout.trim()).toBe(pkg.version)
  } finally {
    rmSync(stale, { recursive: true, force: true })
    if (hadBundle) cpSync(backup, stale, { recursive: true })
    rmSync(backup, { recursive: true, force: true })
  }
})
