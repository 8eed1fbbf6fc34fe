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
 * Two modes. By default (direct) the cases run on the url server through postgres.js connections of
 * their own, two reused database pairs emptied between cases: fast, for work on the catalog code.
 * With `--backend url|local|embedded` they run through the real engine layer of that backend
 * (engines/postgres/engine.ts) and the steps `aim generate` takes: snapshot of the replayed history
 * and of schema.sql, the built-in plan, and verify on a third throwaway database; the layer (so a
 * local cluster or PGlite's template) lives for the whole run. Outcomes are classified the same way.
 *
 *   bun run test/conformance/postgres.ts [--suite psqldef|migra] [--filter <substring>] [--verbose] [--corpus <dir>]
 *       [--backend url|local|embedded] [--every <n>] [--results <file>]
 *
 * --every n runs every n-th selected case (a deterministic sample); --results writes one line per
 * case (suite, file, name, outcome, reason; tab-separated) to compare runs.
 * The url server is AIM_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres) in direct
 * mode, and AIM_POSTGRES_URL, else that same server, with --backend url.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { Cause, Effect, Exit, ManagedRuntime } from "effect"
import { diffSchemas } from "../../model/diff.ts"
import { describeChange, renderChanges } from "../../model/changes.ts"
import { planBothWays } from "../../engines/order.ts"
import type { Config } from "../../config.ts"
import { Engine } from "../../engines/engine.ts"
import { layer } from "../../engines/postgres/engine.ts"
import { replayHistory } from "../../engines/replay.ts"
import type { Migration, Schema } from "../../model.ts"
import { plan } from "../../steps/plan.ts"
import { snapshotSchema } from "../../steps/snapshot.ts"
import { survivingColumns, verify } from "../../steps/verify.ts"
import { planPostgres } from "../../engines/postgres/planner.ts"
import { renderTable } from "../../engines/postgres/render.ts"
import { readRows, seedRows } from "../../engines/postgres/seed.ts"
import type { PgSession } from "../../engines/postgres/session.ts"
import { readSchema } from "../../engines/postgres/catalog.ts"
import { createDatabase, serverUrl, type TestDatabase } from "../engines/postgres/_server.ts"
import { compareVersions } from "./_corpus.ts"

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
    const plan = planBothWays(planPostgres, current, desired)
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
      const drift = diffSchemas(reached, expected)
      if (drift.length > 0) {
        const diff = renderChanges(drift, { from: reached, to: expected, renderTable })
        const first = drift[0] as (typeof drift)[number]
        return { kind: "fail", reason: `${phase} drifts: ${describeChange(first)}`, detail: diff, plan }
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

/** What the backend mode can run on: the engine's own backends (docker needs a daemon; same code as url). */
export const conformanceBackends = ["url", "local", "embedded"] as const
export type ConformanceBackend = (typeof conformanceBackends)[number]

const CURRENT = "migrations/000001_current.up.sql"
const SCHEMA = "schema.sql"

/** What makes one case fail in the steps, as the direct mode words it. */
function stepFailure(error: {
  _tag?: string
  message?: string
  phase?: string
  diff?: string
  table?: string
  reason?: string
}): { reason: string; detail: string } {
  const text = error.message ?? String(error)
  switch (error._tag) {
    case "MigrationFailed":
      return { reason: `${error.phase} fails: ${firstLine(error.reason ?? "")}`, detail: text }
    case "SchemaDrift": {
      const first = (error.diff ?? "").split("\n").find((l) => l.trim() !== "") ?? ""
      return { reason: `${error.phase} drifts: ${first.trim().slice(0, 120)}`, detail: error.diff ?? text }
    }
    case "RowsChanged":
      return { reason: `${error.phase} changes rows of ${error.table}`, detail: text }
    case "ForeignKeysBroken":
      return { reason: `${error.phase} breaks foreign keys`, detail: text }
    default:
      return { reason: `error: ${firstLine(text)}`, detail: text }
  }
}

/**
 * One case through the engine and the steps of `aim generate`: `current` is the project's only
 * migration (one transaction, as the runner applies it) and `desired` its schema.sql. The history's
 * snapshot is not read from the snapshot cache here, so every case measures the replay; otherwise
 * these are steps/snapshot.ts's snapshotHistory and snapshotSchema.
 */
const engineCase = (c: PgCase) =>
  Effect.gen(function* () {
    const engine = yield* Engine
    const history: Migration[] =
      c.current.trim() === ""
        ? []
        : [{ version: "000001", name: "current", up: c.current, upPath: CURRENT, transaction: true }]
    const replayed = Effect.scoped(
      Effect.gen(function* () {
        const db = yield* engine.ephemeral
        yield* replayHistory(engine, db, history)
        return yield* db.snapshot
      }),
    )
    // As in steps/snapshot.ts: both databases at once.
    const [current, desired] = yield* Effect.all(
      [replayed, snapshotSchema({ path: SCHEMA, text: c.desired })],
      { concurrency: 2 },
    )
    // `aim generate` stops at "nothing to do" when the catalogs match.
    if (diffSchemas(current, desired).length === 0) return { up: [], down: [] }
    const candidate = yield* plan(current, desired, true)
    // For display, one statement a line as the direct mode shows them (renderScript ends each with ";\n").
    const statements = (script: string) =>
      script
        .split(/;\n/)
        .map((s) => s.trim())
        .filter((s) => s !== "")
    const scripts = { up: statements(candidate.up), down: statements(candidate.down ?? "") }
    yield* verify(candidate, history, current, desired).pipe(
      Effect.mapError((error) => Object.assign(error, { scripts })),
    )
    return scripts
  })

/** Runs cases through the engine layer of one backend; `close` stops its server. */
export async function engineRunner(backend: ConformanceBackend) {
  const url = process.env.AIM_POSTGRES_URL ?? serverUrl
  const config: Config = {
    root: process.cwd(),
    file: undefined,
    engine: "postgres-17",
    format: "migrate",
    schema: SCHEMA,
    migrations: "migrations",
    maxRetries: 0,
    maxTokens: 0,
    noDown: false,
    env: {},
    validation: { disabled: [], rules: [] },
    engines: { postgres: { backend, url: backend === "url" ? url : undefined } },
  }
  const runtime = ManagedRuntime.make(layer("postgres-17", config))
  const description = await runtime.runPromise(
    Effect.gen(function* () {
      return (yield* Engine).description
    }),
  )
  const version = /^PostgreSQL (\S+)/.exec(description)?.[1]
  if (!version) throw new Error(`no server version in the engine's description: ${description}`)
  return {
    description,
    version,
    run: async (c: PgCase): Promise<CaseOutcome> => {
      if (c.skip) return { kind: "skipped", reason: c.skip }
      if (c.notApplicable) return { kind: "not-applicable", reason: c.notApplicable }
      const exit = await runtime.runPromiseExit(engineCase(c))
      if (Exit.isSuccess(exit)) return { kind: "pass", plan: exit.value }
      const failure = Cause.findErrorOption(exit.cause)
      if (failure._tag === "None") {
        const defect = Cause.squash(exit.cause)
        return {
          kind: "fail",
          reason: `defect: ${firstLine(String(defect))}`,
          detail: defect instanceof Error ? (defect.stack ?? defect.message) : String(defect),
        }
      }
      const error = failure.value as Parameters<typeof stepFailure>[0] & {
        source?: string
        scripts?: { up: string[]; down: string[] }
      }
      // The case's own SQL does not load (or split) on this server: not aim's doing.
      if (
        (error._tag === "StatementFailed" || error._tag === "SqlSyntaxError") &&
        (error.source === CURRENT || error.source === SCHEMA)
      ) {
        const side = error.source === CURRENT ? "current" : "desired"
        return { kind: "not-applicable", reason: `${side} does not load: ${firstLine(error.reason ?? "")}` }
      }
      return { kind: "fail", ...stepFailure(error), plan: error.scripts }
    },
    close: () => runtime.dispose(),
  }
}

type CaseOutcome = PgOutcome & { plan?: { up: readonly string[]; down: readonly string[] } }

/** Runs cases directly on the url server, two workers with a pair of databases each. */
async function directRunner() {
  const probe = await createDatabase("aim_test")
  const [row] = await probe.session.query<{ v: string }>("SELECT current_setting('server_version') AS v")
  await probe.drop()
  const version = (row?.v ?? "0").split(" ")[0] ?? "0"
  const pool: CaseDatabases[] = []
  return {
    description: `PostgreSQL ${version} (direct, ${serverUrl.replace(/:[^:@/]*@/, ":***@")})`,
    version,
    run: async (c: PgCase): Promise<CaseOutcome> => {
      const databases = pool.pop() ?? {
        work: await createDatabase("aim_test"),
        target: await createDatabase("aim_test"),
      }
      try {
        return await runPostgresCase(c, databases)
      } finally {
        pool.push(databases)
      }
    },
    close: async () => {
      await Promise.all(pool.flatMap((d) => [d.work.drop(), d.target.drop()]))
    },
  }
}

async function main(argv: ReadonlyArray<string>) {
  let filter = ""
  let suite = ""
  let verbose = false
  let corpus = defaultCorpus
  let backend: ConformanceBackend | undefined
  let every = 1
  let results: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === "--filter") filter = argv[++i] ?? ""
    else if (arg === "--suite") suite = argv[++i] ?? ""
    else if (arg === "--verbose") verbose = true
    else if (arg === "--corpus") corpus = resolve(argv[++i] ?? "")
    else if (arg === "--backend") {
      const name = argv[++i] ?? ""
      if (!(conformanceBackends as ReadonlyArray<string>).includes(name))
        throw new Error(`--backend must be one of ${conformanceBackends.join(", ")}, not "${name}"`)
      backend = name as ConformanceBackend
    } else if (arg === "--every") {
      every = Number(argv[++i])
      if (!Number.isInteger(every) || every < 1) throw new Error("--every needs a whole number >= 1")
    } else if (arg === "--results") results = resolve(argv[++i] ?? "")
    else throw new Error(`Unknown argument "${arg}"`)
  }
  const runner = backend ? await engineRunner(backend) : await directRunner()
  const version = runner.version
  console.log(`conformance: ${runner.description}`)
  const cases = loadPostgresCases(version, corpus)
    .filter(
      (c) =>
        (suite === "" || c.suite === suite) &&
        (filter === "" || c.name.includes(filter) || c.file.includes(filter)),
    )
    .filter((_, i) => i % every === 0)
  const counts: Record<string, Record<PgOutcome["kind"], number>> = {}
  const reasons = new Map<string, number>()
  const lines: string[] = []
  const started = Date.now()
  const report = (c: PgCase, outcome: CaseOutcome) => {
    const bucket = (counts[c.suite] ??= { pass: 0, fail: 0, "not-applicable": 0, skipped: 0 })
    bucket[outcome.kind]++
    lines.push(
      [c.suite, c.file, c.name, outcome.kind, "reason" in outcome ? outcome.reason : ""]
        .map((f) => f.replace(/[\t\n]+/g, " "))
        .join("\t"),
    )
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
  try {
    // Two workers: on two cores, two cases at a time (the direct mode gives each its own databases).
    const queue = [...cases]
    let shown = 0
    const worker = async () => {
      for (let c = queue.shift(); c !== undefined; c = queue.shift()) {
        report(c, await runner.run(c))
        if (lines.length % 50 === 0 && lines.length !== shown) {
          shown = lines.length
          console.error(`… ${shown}/${cases.length} cases, ${((Date.now() - started) / 1000).toFixed(0)} s`)
        }
      }
    }
    await Promise.all([worker(), worker()])
  } finally {
    await runner.close()
  }
  if (results) writeFileSync(results, `${lines.sort().join("\n")}\n`)
  console.log(
    `\nPostgreSQL ${version}${backend ? ` (backend ${backend})` : " (direct)"}, ${cases.length} cases${every > 1 ? ` (every ${every}th)` : ""} in ${((Date.now() - started) / 1000).toFixed(0)} s`,
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
