/**
 * The example projects in examples/, one per engine, each with a pending change: `aim diff` and
 * `aim generate --dry-run` must find and prove it. Each run works on a copy in a temp folder, so
 * the examples are never written to. PostgreSQL runs twice (the machine's server through
 * AIM_POSTGRES_URL, and embedded PGlite), MariaDB on the machine's server; MySQL runs only when a
 * MySQL server is available (AIM_MYSQL_URL, Docker or a local mysqld) and says so when it is not.
 */
import { afterAll, describe, expect, test } from "bun:test"
import { appendFileSync, cpSync, readdirSync, statSync } from "node:fs"
import { join, relative, resolve } from "node:path"
import { aim, makeTemp, removeTemp } from "../e2e/_cli.ts"

const EXAMPLES = resolve(import.meta.dir, "../../examples")
const POSTGRES_URL = process.env.AIM_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres"
const MARIADB_URL = process.env.AIM_MARIADB_URL ?? "mysql://root@127.0.0.1:3306"

const temps: string[] = []
afterAll(() => {
  for (const dir of temps) removeTemp(dir)
})

/** Every file under `dir` with its size and mtime, to prove a run left the examples alone. */
function fingerprint(dir: string): string[] {
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory()
        ? walk(join(d, e.name))
        : [
            `${relative(dir, join(d, e.name))} ${statSync(join(d, e.name)).size} ${statSync(join(d, e.name)).mtimeMs}`,
          ],
    )
  return walk(dir).sort()
}

/** A copy of examples/<name> in a temp folder, with `extraToml` appended to its aim.toml. */
function copyExample(name: string, extraToml = ""): string {
  // The temp folder itself is removed afterwards, not only the copy inside it.
  const parent = makeTemp("aim-example-")
  temps.push(parent)
  const dir = join(parent, name)
  cpSync(join(EXAMPLES, name), dir, { recursive: true })
  if (extraToml) appendFileSync(join(dir, "aim.toml"), `\n${extraToml}\n`)
  return dir
}

interface DiffDocument {
  readonly different: boolean
  readonly migrations: number
  readonly changes: ReadonlyArray<{ kind: string; object: string; name: string; table?: string }>
  readonly engine: { id: string; description: string }
}
interface GenerateDocument {
  readonly status: string
  readonly written: boolean
  readonly files: ReadonlyArray<{ path: string; content: string }>
}

/** `aim diff` and `aim generate --dry-run` on a copy of the example, in text and in JSON. */
async function checkExample(
  name: string,
  env: Record<string, string | undefined>,
  extraToml = "",
  expectedChanges: ReadonlyArray<string> = [],
) {
  const before = fingerprint(join(EXAMPLES, name))
  const dir = copyExample(name, extraToml)
  const text = await aim(["diff"], { cwd: dir, env })
  // The machine's servers may be older than the example asks (PostgreSQL 15 for postgres-17): then
  // one line says so, and nothing else is on stderr.
  expect(text.stderr.replace(/^aim: warning: \S+ was asked, but .+ runs.*\n/, "")).toBe("")
  expect(text.code).toBe(0)
  expect(text.stdout).toContain("+ ")
  expect(text.stdout).not.toContain("\u001b[")

  const diff = await aim(["diff", "--json", "--exit-code"], { cwd: dir, env })
  expect(diff.code).toBe(1)
  const diffDoc = JSON.parse(diff.stdout) as DiffDocument
  expect(diffDoc.different).toBe(true)
  expect(diffDoc.migrations).toBe(1)
  // Tables and objects are a change's `name`; a column, constraint or index names its table as `table`.
  const named = diffDoc.changes.flatMap((c) => [c.name, ...(c.table === undefined ? [] : [c.table])])
  for (const change of expectedChanges) expect(named).toContain(change)

  const dry = await aim(["generate", "--dry-run"], { cwd: dir, env })
  expect(dry.code).toBe(0)
  expect(dry.stdout).toContain("Dry run: nothing was written")
  const generated = await aim(["generate", "--dry-run", "--json"], { cwd: dir, env })
  expect(generated.code).toBe(0)
  const doc = JSON.parse(generated.stdout) as GenerateDocument
  expect(doc.status).toBe("dry-run")
  expect(doc.written).toBe(false)
  expect(doc.files.map((f) => f.path.replace(/\d+/, "N"))).toEqual([
    expect.stringMatching(/^migrations\/N_.*\.up\.sql$/),
    expect.stringMatching(/^migrations\/N_.*\.down\.sql$/),
  ])
  expect(readdirSync(join(dir, "migrations")).length).toBe(2)
  expect(fingerprint(join(EXAMPLES, name))).toEqual(before)
  return diffDoc
}

// The url backend refuses a MariaDB server for a mysql engine, so a machine with only MariaDB has none.
const mysqlMissing = await (async () => {
  if (process.env.AIM_MYSQL_URL) return undefined
  const dir = copyExample("mysql")
  const probe = await aim(["diff", "--json"], { cwd: dir })
  if (probe.code === 0) return undefined
  const doc = JSON.parse(probe.stdout) as { error?: { tag: string; message: string } }
  return doc.error?.tag === "EngineFailed" ? doc.error.message : undefined
})()

describe("examples", () => {
  test("sqlite", async () => {
    await checkExample("sqlite", {}, "", ["posts", "users", "recent_posts"])
  })

  test("postgres on the machine's server (url backend)", async () => {
    const doc = await checkExample("postgres", { AIM_POSTGRES_URL: POSTGRES_URL }, "", [
      "order_status",
      "customers",
      "open_orders",
      "orders_unshipped",
    ])
    expect(doc.engine.description).toContain("url")
  })

  test("postgres embedded (PGlite)", async () => {
    const doc = await checkExample(
      "postgres",
      { AIM_POSTGRES_URL: undefined },
      '[engines.postgres]\nbackend = "embedded"',
      ["order_status", "customers", "open_orders", "orders_unshipped"],
    )
    expect(doc.engine.description).toContain("PGlite")
  })

  test("mariadb on the machine's server (url backend)", async () => {
    await checkExample("mariadb", { AIM_MARIADB_URL: MARIADB_URL }, "", [
      "posts",
      "tags",
      "posts.posts_by_status",
    ])
  })

  if (mysqlMissing) console.log(`examples: mysql skipped: ${mysqlMissing}`)
  test.skipIf(mysqlMissing !== undefined)("mysql", async () => {
    await checkExample("mysql", {}, "", ["posts", "tags", "posts.posts_by_status"])
  })
})
