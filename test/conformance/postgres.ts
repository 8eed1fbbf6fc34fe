/**
 * conformance (PostgreSQL): measure aim's PostgreSQL catalog code, planner and seeding on the
 * psqldef cases of sqldef and the migra fixtures (../shared/corpus, see its README). Per case: two
 * throwaway databases on the machine's server, one loaded with `current` (then seeded), one with
 * `desired`; both are snapshotted, the built-in planner writes UP and DOWN, UP runs in one transaction
 * on the seeded database and must reach `desired` exactly with the rows of unchanged columns intact,
 * DOWN must return to `current` the same way (the checks of steps/verify.ts). Input the server
 * rejects, and cases sqldef itself rejects (`error:`), are "not applicable"; sqldef options aim
 * cannot honour are "skipped". Databases are dropped after each case, whatever happened.
 *
 *   bun run test/conformance/postgres.ts [--suite psqldef|migra] [--filter <substring>] [--verbose] [--corpus <dir>]
 */
import { readdirSync, readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { compareSchemas, nameKey, renderChanges, sameColumn } from "../../compare.ts"
import type { Schema } from "../../model.ts"
import { planPostgres } from "../../engines/postgres/planner.ts"
import { renderTable } from "../../engines/postgres/render.ts"
import { readRows, seedRows } from "../../engines/postgres/seed.ts"
import type { PgSession } from "../../engines/postgres/session.ts"
import { readSchema } from "../../engines/postgres/snapshot.ts"
import { createDatabase, type TestDatabase } from "../engines/postgres/_server.ts"

export interface PgCase {
  readonly suite: "psqldef" | "migra"
  readonly name: string
  readonly file: string
  readonly current: string
  readonly desired: string
  /** Why the case is not run, when sqldef options ask for something aim cannot do. */
  readonly skip?: string | undefined
  /** Why the case cannot apply at all (sqldef's own `error:` cases). */
  readonly notApplicable?: string | undefined
}

export type PgOutcome =
  | { readonly kind: "pass" }
  | { readonly kind: "fail"; readonly reason: string; readonly detail: string }
  | { readonly kind: "not-applicable"; readonly reason: string }
  | { readonly kind: "skipped"; readonly reason: string }

const defaultCorpus = resolve(import.meta.dir, "../../../shared/corpus")

interface RawCase {
  current?: string
  desired?: string
  error?: string
  min_version?: string
  max_version?: string
  flavor?: string
  user?: string
  managed_roles?: unknown
  manage?: unknown
  offline?: boolean
  config?: Record<string, boolean>
}

const versionParts = (v: string) => v.split(".").map((n) => Number(n))
function compareVersions(a: string, b: string): number {
  const x = versionParts(a)
  const y = versionParts(b)
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}

/**
 * Why aim cannot run a case as sqldef means it. `enable_drop` only makes sqldef comment its drops
 * out and `legacy_ignore_quotes` only changes how sqldef quotes its own output: neither is a reason.
 */
function skipReason(c: RawCase, version: string): string | undefined {
  if (c.min_version !== undefined && compareVersions(version, String(c.min_version)) < 0)
    return `needs PostgreSQL >= ${c.min_version}, server is ${version}`
  if (c.max_version !== undefined && compareVersions(version, String(c.max_version)) > 0)
    return `needs PostgreSQL <= ${c.max_version}, server is ${version}`
  if (c.flavor !== undefined) return `flavor ${c.flavor}`
  if (c.user !== undefined) return `runs as database user ${c.user} (aim has no users)`
  if (c.managed_roles !== undefined) return "managed_roles (aim does not manage privileges)"
  if (c.manage !== undefined) return "manage (aim does not manage privileges or ownership)"
  if (c.offline === true) return "offline (sqldef-only mode without a database)"
  const config = Object.entries(c.config ?? {}).filter(([, on]) => on)
  if (config.length > 0) return `config ${config.map(([k]) => k).join(", ")} (no equivalent in aim)`
  return undefined
}

/** Every psqldef case and migra fixture, in file and name order. */
export function loadPostgresCases(version: string, corpus = defaultCorpus): PgCase[] {
  const cases: PgCase[] = []
  const folder = join(corpus, "sqldef/cmd/psqldef")
  for (const file of readdirSync(folder)
    .filter((f) => /^tests.*\.yml$/.test(f))
    .sort()) {
    const data = (Bun.YAML.parse(readFileSync(join(folder, file), "utf8")) ?? {}) as Record<string, RawCase>
    for (const [name, c] of Object.entries(data)) {
      cases.push({
        suite: "psqldef",
        name,
        file,
        current: c.current ?? "",
        desired: c.desired ?? "",
        skip: skipReason(c, version),
        notApplicable:
          c.error !== undefined ? `sqldef rejects this input: ${String(c.error).split("\n")[0]}` : undefined,
      })
    }
  }
  const fixtures = join(corpus, "migra/tests/FIXTURES")
  for (const name of readdirSync(fixtures).sort()) {
    const read = (f: string) => {
      try {
        return readFileSync(join(fixtures, name, f), "utf8")
      } catch {
        return ""
      }
    }
    cases.push({
      suite: "migra",
      name,
      file: `migra/${name}`,
      current: read("a.sql"),
      desired: read("b.sql"),
    })
  }
  return cases
}

const firstLine = (text: string) => text.split("\n")[0] ?? ""
const message = (error: unknown) => (error instanceof Error ? error.message : String(error))

/** Tables that exist before and after, with the columns whose definition the migration leaves alone. */
function survivingColumns(current: Schema, desired: Schema) {
  const key = nameKey(current, desired)
  const after = new Map(desired.tables.map((t) => [key(t.name), t]))
  return current.tables.flatMap((table) => {
    const target = after.get(key(table.name))
    if (!target) return []
    const columns = table.columns
      .filter((c) => {
        const twin = target.columns.find((t) => key(t.name) === key(c.name))
        return twin !== undefined && sameColumn(c, twin)
      })
      .map((c) => c.name)
    return [{ table: table.name, columns }]
  })
}

async function applyInTransaction(session: PgSession, statements: ReadonlyArray<string>) {
  await session.exec("BEGIN")
  try {
    for (const statement of statements) {
      try {
        await session.exec(statement)
      } catch (error) {
        throw new Error(`${message(error)}\n  in: ${statement.replace(/\s+/g, " ").slice(0, 300)}`)
      }
    }
    await session.exec("COMMIT")
  } catch (error) {
    await session.exec("ROLLBACK").catch(() => {})
    throw error
  }
}

/** Two databases a case runs on: `work` holds current and takes the migration, `target` holds desired. */
export interface CaseDatabases {
  readonly work: TestDatabase
  readonly target: TestDatabase
}

/**
 * Runs one case and says how it went: on the given databases (emptied first), or on two fresh ones
 * that are dropped afterwards.
 */
export async function runPostgresCase(
  c: PgCase,
  databases?: CaseDatabases,
): Promise<PgOutcome & { plan?: { up: readonly string[]; down: readonly string[] } }> {
  if (c.skip) return { kind: "skipped", reason: c.skip }
  if (c.notApplicable) return { kind: "not-applicable", reason: c.notApplicable }
  const work = databases?.work ?? (await createDatabase("aim_test"))
  const target = databases?.target ?? (await createDatabase("aim_test"))
  if (databases) await Promise.all([work.reset(), target.reset()])
  try {
    try {
      if (c.current.trim() !== "") await work.session.exec(c.current)
    } catch (error) {
      return { kind: "not-applicable", reason: `current does not load: ${firstLine(message(error))}` }
    }
    try {
      if (c.desired.trim() !== "") await target.session.exec(c.desired)
    } catch (error) {
      return { kind: "not-applicable", reason: `desired does not load: ${firstLine(message(error))}` }
    }
    const current = await readSchema(work.session)
    const desired = await readSchema(target.session)
    const plan = planPostgres(current, desired)
    await seedRows(work.session, current)
    const tables = survivingColumns(current, desired)
    const before = new Map<string, ReadonlyArray<string>>()
    for (const { table, columns } of tables) before.set(table, await readRows(work.session, table, columns))
    for (const [phase, statements, expected] of [
      ["up", plan.up, desired],
      ["down", plan.down, current],
    ] as const) {
      try {
        await applyInTransaction(work.session, statements)
      } catch (error) {
        return {
          kind: "fail",
          reason: `${phase} fails: ${firstLine(message(error))}`,
          detail: message(error),
          plan,
        }
      }
      const reached = await readSchema(work.session)
      const drift = compareSchemas(expected, reached)
      if (drift.length > 0) {
        const diff = renderChanges(compareSchemas(reached, expected), renderTable)
        const first = drift[0]
        const what = first
          ? `${first.kind} ${"table" in first ? first.table.name : "after" in first ? first.after.name : first.object.name}`
          : ""
        return { kind: "fail", reason: `${phase} drifts: ${what}`, detail: diff, plan }
      }
      for (const { table, columns } of tables) {
        const now = await readRows(work.session, table, columns)
        const then = before.get(table) ?? []
        if (now.length !== then.length || now.some((r, i) => r !== then[i]))
          return {
            kind: "fail",
            reason: `${phase} changes rows of ${table}`,
            detail: `${then.join("\n")}\n->\n${now.join("\n")}`,
            plan,
          }
      }
    }
    return { kind: "pass", plan }
  } catch (error) {
    return { kind: "fail", reason: `error: ${firstLine(message(error))}`, detail: message(error) }
  } finally {
    if (!databases) await Promise.all([work.drop(), target.drop()])
  }
}

async function main(argv: ReadonlyArray<string>) {
  let filter = ""
  let suite = ""
  let verbose = false
  let corpus = defaultCorpus
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === "--filter") filter = argv[++i] ?? ""
    else if (arg === "--suite") suite = argv[++i] ?? ""
    else if (arg === "--verbose") verbose = true
    else if (arg === "--corpus") corpus = resolve(argv[++i] ?? "")
    else throw new Error(`Unknown argument "${arg}"`)
  }
  const probe = await createDatabase("aim_test")
  const [row] = await probe.session.query<{ v: string }>("SELECT current_setting('server_version') AS v")
  await probe.drop()
  const version = (row?.v ?? "0").split(" ")[0] ?? "0"
  const cases = loadPostgresCases(version, corpus).filter(
    (c) =>
      (suite === "" || c.suite === suite) &&
      (filter === "" || c.name.includes(filter) || c.file.includes(filter)),
  )
  const counts: Record<string, Record<PgOutcome["kind"], number>> = {}
  const reasons = new Map<string, number>()
  const started = Date.now()
  const report = (c: PgCase, outcome: Awaited<ReturnType<typeof runPostgresCase>>) => {
    const bucket = (counts[c.suite] ??= { pass: 0, fail: 0, "not-applicable": 0, skipped: 0 })
    bucket[outcome.kind]++
    if (outcome.kind === "fail") {
      const reason = outcome.reason.replace(/"[^"]*"/g, '"…"').slice(0, 90)
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1)
      console.log(`FAIL ${c.suite} ${c.name} (${c.file}): ${outcome.reason}`)
      if (verbose) {
        console.log(outcome.detail.replace(/^/gm, "    "))
        if (outcome.plan)
          console.log(
            `    UP:\n${outcome.plan.up.map((s) => `      ${s};`).join("\n")}\n    DOWN:\n${outcome.plan.down.map((s) => `      ${s};`).join("\n")}`,
          )
      }
    } else if (verbose)
      console.log(
        `${outcome.kind.padEnd(14)} ${c.suite} ${c.name}${"reason" in outcome ? `: ${outcome.reason}` : ""}`,
      )
  }
  // Two workers on two cores, each with its own pair of databases, emptied between cases.
  const queue = [...cases]
  const worker = async () => {
    const databases = { work: await createDatabase("aim_test"), target: await createDatabase("aim_test") }
    try {
      for (let c = queue.shift(); c !== undefined; c = queue.shift())
        report(c, await runPostgresCase(c, databases))
    } finally {
      await Promise.all([databases.work.drop(), databases.target.drop()])
    }
  }
  await Promise.all([worker(), worker()])
  console.log(
    `\nPostgreSQL ${version}, ${cases.length} cases in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  )
  for (const [name, n] of Object.entries(counts))
    console.log(
      `${name}: pass ${n.pass}, fail ${n.fail}, not applicable ${n["not-applicable"]}, skipped ${n.skipped}`,
    )
  const top = [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 15)
  if (top.length > 0)
    console.log(
      `\nTop failure reasons:\n${top.map(([r, n]) => `  ${String(n).padStart(4)}  ${r}`).join("\n")}`,
    )
}

if (import.meta.main) await main(process.argv.slice(2))
