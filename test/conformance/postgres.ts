/**
 * conformance (PostgreSQL): measure aim's PostgreSQL catalog code, planner and seeding on the
 * psqldef cases of sqldef and the migra fixtures (../shared/corpus, see its README). Each case runs
 * through the real engine layer of one backend and the steps `aim generate` takes
 * (test/engines/_steps-case.ts, shared with the contract suite): `current` is the history's only
 * migration, replayed into a throwaway database; `desired` is schema.sql; the built-in plan; verify
 * on a third database holding rows (UP reaches `desired` with the rows of unchanged columns intact,
 * DOWN comes back). Input the server rejects, and cases sqldef itself rejects (`error:`), are "not
 * applicable"; sqldef options aim cannot honour are "skipped". The layer (so a local cluster or
 * PGlite's template) lives for the whole run; its throwaway databases go with each case.
 *
 *   bun run test/conformance/postgres.ts [--suite psqldef|migra] [--filter <substring>] [--verbose] [--corpus <dir>]
 *       [--backend url|local|embedded] [--every <n>] [--results <file>]
 *
 * --backend defaults to url: AIM_POSTGRES_URL, else the machine's server at 127.0.0.1:5432.
 * --every n runs every n-th selected case (a deterministic sample); --results writes one line per
 * case (suite, file, name, outcome, reason; tab-separated) to compare runs.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { Effect, ManagedRuntime } from "effect"
import postgres from "postgres"
import { Engine } from "../../engines/engine.ts"
import { postgresTestLayer } from "../engines/_backends.ts"
import { PG_TEST_URL } from "../_servers.ts"
import { type CaseOutcome, caseOutcome, runThroughSteps } from "../engines/_steps-case.ts"
import { postgresCapabilities } from "../../engines/postgres/capabilities.ts"
import { aimRenameComments, compareVersions, hasRenameHints, RenameTally } from "./_corpus.ts"

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
  /** sqldef wrote rename hints into `desired` (now written as aim's comments). */
  readonly renameHints?: boolean | undefined
  /** Roles the case's server must have (sqldef's managed_roles). */
  readonly roles?: ReadonlyArray<string> | undefined
}

/** How a case went: the steps' outcome, or skipped before it ran. */
export type PgOutcome = CaseOutcome | { readonly kind: "skipped"; readonly reason: string }

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
 * Nor are `managed_roles` and `manage`, which limit which grantees, extensions and functions sqldef
 * looks at: aim compares them all, and verification judges the result (the roles such a case names
 * must exist: see `urlRoles`).
 */
function skipReason(c: RawCase, version: string): string | undefined {
  if (c.min_version !== undefined && compareVersions(version, String(c.min_version)) < 0)
    return `needs PostgreSQL >= ${c.min_version}, server is ${version}`
  if (c.max_version !== undefined && compareVersions(version, String(c.max_version)) > 0)
    return `needs PostgreSQL <= ${c.max_version}, server is ${version}`
  if (c.flavor !== undefined) return `flavor ${c.flavor}`
  if (c.user !== undefined) return `runs as database user ${c.user} (aim has no users)`
  if (c.offline === true) return "offline (sqldef-only mode without a database)"
  const config = Object.entries(c.config ?? {}).filter(([, on]) => on)
  if (config.length > 0) return `config ${config.map(([k]) => k).join(", ")} (no equivalent in aim)`
  return undefined
}

/** The roles a case says its server has: sqldef's `managed_roles` and `manage.privilege` targets. */
function rolesOf(c: RawCase): string[] {
  const managed = Array.isArray(c.managed_roles) ? (c.managed_roles as unknown[]).map(String) : []
  const privilege = (c.manage as { privilege?: Array<{ target?: unknown }> } | undefined)?.privilege ?? []
  const targets = privilege.map((p) => String(p.target ?? "")).filter((t) => /^\w+$/.test(t))
  return [...new Set([...managed, ...targets])].filter((r) => r !== "PUBLIC")
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
        // sqldef's rename hints, written as aim's comments: aim reads them as a user's schema.sql would say them.
        desired: aimRenameComments(c.desired ?? "", postgresCapabilities.identifiers).text,
        renameHints: hasRenameHints(c.desired),
        skip: skipReason(c, version),
        roles: rolesOf(c),
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

/** What the backend mode can run on: the engine's own backends (docker needs a daemon; same code as url). */
export const conformanceBackends = ["url", "local", "embedded"] as const
export type ConformanceBackend = (typeof conformanceBackends)[number]

/** Runs cases through the engine layer of one backend; `close` stops its server. */
export async function engineRunner(backend: ConformanceBackend, engine = "postgres-17") {
  const url = process.env.AIM_POSTGRES_URL ?? PG_TEST_URL
  const runtime = ManagedRuntime.make(postgresTestLayer(backend, backend === "url" ? url : undefined, engine))
  const description = await runtime.runPromise(
    Effect.gen(function* () {
      return (yield* Engine).description
    }),
  )
  const version = /^PostgreSQL (\S+)/.exec(description)?.[1]
  if (!version) throw new Error(`no server version in the engine's description: ${description}`)
  const roles = backend === "url" ? urlRoles(url) : undefined
  const attempt = async (c: PgCase) =>
    caseOutcome(
      await runtime.runPromiseExit(
        runThroughSteps({ current: c.current, desired: c.desired, renameComments: true }),
      ),
    )
  return {
    description,
    version,
    run: async (c: PgCase): Promise<PgOutcome> => {
      if (c.skip) return { kind: "skipped", reason: c.skip }
      if (c.notApplicable) return { kind: "not-applicable", reason: c.notApplicable }
      if (!roles) return attempt(c)
      await roles.ensure(c.roles ?? [])
      // A role only the case's SQL names (a migra fixture's): the server gets it, as the user's would have it.
      let outcome = await attempt(c)
      for (let tries = 0; tries < 4 && outcome.kind === "not-applicable"; tries++) {
        const missing = /role "(.+)" does not exist/.exec(outcome.reason)?.[1]
        if (missing === undefined) break
        await roles.ensure([missing])
        outcome = await attempt(c)
      }
      return outcome
    },
    close: async () => {
      await runtime.dispose()
      await roles?.drop()
    },
  }
}

/**
 * The roles cases need on the url server (a user's server has the roles its schema grants to; aim
 * creates none there): created when missing, and those this run created dropped when it ends.
 */
function urlRoles(url: string) {
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  const created = new Set<string>()
  const ident = (name: string) => `"${name.replaceAll('"', '""')}"`
  return {
    ensure: async (names: ReadonlyArray<string>) => {
      for (const name of names) {
        if (created.has(name)) continue
        const [row] = await sql`SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = ${name}) AS held`
        if (row?.held) continue
        await sql.unsafe(`CREATE ROLE ${ident(name)} NOLOGIN`).then(
          () => created.add(name),
          () => undefined,
        )
      }
    },
    drop: async () => {
      for (const name of created)
        await sql.unsafe(`DROP ROLE IF EXISTS ${ident(name)}`).catch(() => undefined)
      await sql.end({ timeout: 5 })
    },
  }
}

async function main(argv: ReadonlyArray<string>) {
  let filter = ""
  let suite = ""
  let verbose = false
  let corpus = defaultCorpus
  let backend: ConformanceBackend = "url"
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
  const runner = await engineRunner(backend)
  const version = runner.version
  console.log(`conformance: ${runner.description}`)
  // A corpus that cannot be read still lets the runner drop its throwaway databases and roles.
  const all = await Promise.resolve()
    .then(() => loadPostgresCases(version, corpus))
    .catch(async (error) => {
      await runner.close()
      throw error
    })
  const cases = all
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
  const renames = new RenameTally()
  const report = (c: PgCase, outcome: PgOutcome) => {
    if (c.renameHints) renames.add(outcome)
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
        if (outcome.candidate)
          console.log(
            `    UP:\n${outcome.candidate.up.replace(/^/gm, "      ")}\n    DOWN:\n${(outcome.candidate.down ?? "").replace(/^/gm, "      ")}`,
          )
      }
    } else if (verbose)
      console.log(
        `${outcome.kind.padEnd(14)} ${c.suite} ${c.name}${"reason" in outcome ? `: ${outcome.reason}` : ""}`,
      )
  }
  try {
    // Two workers: on two cores, two cases at a time, each on throwaway databases of its own.
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
    `\nPostgreSQL ${version} (backend ${backend}), ${cases.length} cases${every > 1 ? ` (every ${every}th)` : ""} in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  )
  for (const [name, n] of Object.entries(counts))
    console.log(
      `${name}: pass ${n.pass}, fail ${n.fail}, not applicable ${n["not-applicable"]}, skipped ${n.skipped}`,
    )
  console.log(`psqldef ${renames.line}`)
  const top = [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 15)
  if (top.length > 0)
    console.log(
      `\nTop failure reasons:\n${top.map(([r, n]) => `  ${String(n).padStart(4)}  ${r}`).join("\n")}`,
    )
}

if (import.meta.main) await main(process.argv.slice(2))
