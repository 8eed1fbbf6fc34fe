/**
 * _cli: helpers for the end-to-end tests. `aim` spawns the real CLI (this Bun, cli.ts) in a folder,
 * with stdin ignored and NO_COLOR unset, so the tests see what a user piping the output sees.
 * The rest builds throwaway project folders and reads databases back with aim's own snapshot.
 */
import { Database } from "bun:sqlite"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { renderConfig } from "../../commands/init.ts"
import { readSchema } from "../../engines/sqlite/catalog.ts"
import type { Schema } from "../../model.ts"

export const CLI = resolve(import.meta.dir, "../../cli.ts")
export const SQLITE3 = "/usr/bin/sqlite3"

export interface Result {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Run `aim ...args` in `cwd` and wait for it. */
export async function aim(
  args: ReadonlyArray<string>,
  options: { cwd: string; env?: Record<string, string | undefined> },
): Promise<Result> {
  const env: Record<string, string | undefined> = { ...process.env, ...options.env }
  if (!options.env || !("NO_COLOR" in options.env)) delete env.NO_COLOR
  const child = Bun.spawn([process.execPath, CLI, ...args], {
    cwd: options.cwd,
    env,
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

/** A fresh folder under the OS temp folder; remove it with `removeTemp`. */
export function makeTemp(prefix = "aim-e2e-"): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

/**
 * A fresh project folder laid out as `aim init --engine sqlite` lays it out (aim.toml, schema.sql,
 * migrations/), without spawning the CLI; init itself is covered by init.test.ts.
 */
export function makeProject(schema = ""): string {
  const dir = makeTemp()
  writeFileSync(join(dir, "aim.toml"), renderConfig({ engine: "sqlite", format: "migrate" }))
  writeFileSync(join(dir, "schema.sql"), schema)
  mkdirSync(join(dir, "migrations"))
  return dir
}

export function removeTemp(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true })
}

export function write(dir: string, path: string, content: string | Uint8Array): void {
  writeFileSync(join(dir, path), content)
}

export function read(dir: string, path: string): string {
  return readFileSync(join(dir, path), "utf8")
}

/** File names in the project's migrations folder, sorted. */
export function migrationFiles(dir: string, folder = "migrations"): string[] {
  return readdirSync(join(dir, folder)).sort()
}

export const upFiles = (dir: string) => migrationFiles(dir).filter((f) => f.endsWith(".up.sql"))
export const downFiles = (dir: string) => migrationFiles(dir).filter((f) => f.endsWith(".down.sql"))

/** Pipe `sql` into the sqlite3 shell on `db`, stopping at the first error. */
export function sqlite3(db: string, sql: string): Result {
  const run = Bun.spawnSync([SQLITE3, "-bail", db], {
    stdin: Buffer.from(sql),
    stdout: "pipe",
    stderr: "pipe",
  })
  return { code: run.exitCode ?? -1, stdout: run.stdout.toString(), stderr: run.stderr.toString() }
}

/** Like `sqlite3` but fails the test (throws) when the shell reports an error. */
export function sqlite3ok(db: string, sql: string): string {
  const result = sqlite3(db, sql)
  if (result.code !== 0 || result.stderr !== "")
    throw new Error(`sqlite3 failed (${result.code}): ${result.stderr}\n--- input ---\n${sql}`)
  return result.stdout
}

/** The schema of a database file, read with aim's own snapshot. */
export function schemaOfFile(path: string): Schema {
  const db = new Database(path, { readonly: true })
  try {
    return readSchema(db)
  } finally {
    db.close()
  }
}

/** The schema that an SQL script builds in a fresh in-memory database. */
export function schemaOfSql(sql: string): Schema {
  const db = new Database(":memory:")
  try {
    db.exec(sql)
    return readSchema(db)
  } finally {
    db.close()
  }
}

/** ANSI escape sequences, which piped output must not contain. */
export const ANSI = /\u001b\[/

/** Lines that look like a JavaScript stack frame. */
export const STACK_FRAME = /^\s+at /m
