/**
 * conformance: measure aim on sqldef's declarative test cases (../shared/corpus, see its README).
 * Each case goes through the steps `aim generate` takes (test/engines/_steps-case.ts, shared with the
 * contract suite): its `current` is the history's only migration and its `desired` is schema.sql;
 * the built-in planner writes the migration (no LLM) and the case passes when there was nothing to
 * do or the migration was verified. Input the engine cannot load is "not applicable"; sqldef
 * options aim cannot honour are "skipped".
 * This is a measurement tool: it exits 0 whatever the results, unless --strict is given.
 *
 *   bun run conformance --engine sqlite [--filter <substring>] [--verbose] [--strict] [--corpus <dir>]
 *   bun run conformance --engine postgres [--suite psqldef|migra] [--filter <substring>]   (test/conformance/postgres.ts)
 *   bun run conformance --engine mariadb|mysql [--filter <substring>]                       (test/conformance/mysql.ts)
 */
import { Database } from "bun:sqlite"
import { join, resolve } from "node:path"
import { ManagedRuntime } from "effect"
import { layer as sqliteLayer } from "../../engines/sqlite/engine.ts"
import { type CaseOutcome, caseOutcome, runThroughSteps } from "../engines/_steps-case.ts"
import { sqliteCapabilities } from "../../engines/sqlite/capabilities.ts"
import {
  aimRenameComments,
  compareVersions,
  hasRenameHints,
  loadSqldefCases,
  RenameTally,
  type SqldefCase,
} from "./_corpus.ts"

/** Where each engine's cases live in the corpus, and how to ask the engine for its version. */
const suites: Record<string, { folder: string; version: () => string }> = {
  sqlite: {
    folder: "sqldef/cmd/sqlite3def",
    version: () => {
      const db = new Database(":memory:")
      try {
        return db.query<{ v: string }, []>("SELECT sqlite_version() AS v").get()?.v ?? "0"
      } finally {
        db.close()
      }
    },
  },
}

/** A mistake in how the tool was called: shown without a stack trace. */
class UsageError extends Error {}

type Case = SqldefCase

type Outcome = CaseOutcome | { readonly kind: "skipped"; readonly reason: string }

function parseArgs(argv: ReadonlyArray<string>) {
  const options = {
    engine: "",
    filter: "",
    verbose: false,
    strict: false,
    corpus: resolve(import.meta.dir, "../../../shared/corpus"),
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const value = () => {
      const v = argv[++i]
      if (v === undefined) throw new UsageError(`${arg} needs a value`)
      return v
    }
    if (arg === "--engine") options.engine = value()
    else if (arg === "--filter") options.filter = value()
    else if (arg === "--corpus") options.corpus = resolve(value())
    else if (arg === "--verbose") options.verbose = true
    else if (arg === "--strict") options.strict = true
    else throw new UsageError(`unknown argument ${arg}`)
  }
  if (!options.engine)
    throw new UsageError(`--engine is required (one of: ${Object.keys(suites).join(", ")})`)
  return options
}

/**
 * Why aim cannot run this case as sqldef means it, or undefined when it can. `enable_drop: false`
 * only makes sqldef comment its drops out; aim always writes them, and verification still judges the
 * result, so it is no reason to skip. `legacy_ignore_quotes` only changes how sqldef quotes names in
 * its own output; aim compares catalogs, where quoting leaves no trace.
 */
function skipReason(c: Case, engineVersion: string): string | undefined {
  if (c.error !== undefined) return `sqldef rejects this input (error: ${c.error.split("\n")[0]})`
  if (c.min_version !== undefined && compareVersions(engineVersion, c.min_version) < 0)
    return `needs version >= ${c.min_version}, engine has ${engineVersion}`
  if (c.max_version !== undefined && compareVersions(engineVersion, c.max_version) > 0)
    return `needs version <= ${c.max_version}, engine has ${engineVersion}`
  if (c.flavor !== undefined) return `flavor ${c.flavor} (aim has no database flavors)`
  if (c.user !== undefined) return `runs as database user ${c.user} (aim has no users)`
  if (c.managed_roles !== undefined) return "managed_roles (aim does not manage privileges)"
  if (c.manage !== undefined) return "manage (aim does not manage extensions, functions or privileges)"
  if (c.offline === true) return "offline (sqldef-only mode without a database)"
  const config = Object.entries(c.config ?? {}).filter(([, on]) => on)
  if (config.length > 0) return `config ${config.map(([k]) => k).join(", ")} (no equivalent in aim)`
  return undefined
}

const indent = (s: string | undefined) =>
  (s ?? "")
    .trimEnd()
    .split("\n")
    .map((l) => `      ${l}`)
    .join("\n")

/**
 * The server engines have runners of their own (they reuse one server database across cases and run
 * two at a time); this entry hands them their arguments so one command measures every engine.
 */
const delegated: Record<string, { script: string; args: (engine: string) => string[] }> = {
  postgres: { script: "postgres.ts", args: () => [] },
  mariadb: { script: "mysql.ts", args: (engine) => ["--engine", engine] },
  mysql: { script: "mysql.ts", args: (engine) => ["--engine", engine] },
}

async function delegate(argv: ReadonlyArray<string>): Promise<number | undefined> {
  const at = argv.indexOf("--engine")
  const engine = at === -1 ? undefined : argv[at + 1]
  const target = engine === undefined ? undefined : delegated[engine.replace(/-.*$/, "")]
  if (!engine || !target) return undefined
  const rest = argv.filter((_, i) => i !== at && i !== at + 1)
  const child = Bun.spawn(
    [process.execPath, join(import.meta.dir, target.script), ...target.args(engine), ...rest],
    {
      stdio: ["inherit", "inherit", "inherit"],
    },
  )
  return await child.exited
}

async function main(): Promise<number> {
  const handedOver = await delegate(process.argv.slice(2))
  if (handedOver !== undefined) return handedOver
  const options = parseArgs(process.argv.slice(2))
  const suite = suites[options.engine]
  if (!suite) throw new UsageError(`no conformance suite for engine "${options.engine}"`)
  const all = loadSqldefCases(join(options.corpus, suite.folder))
  const cases = all.filter((c) => c.name.includes(options.filter))
  const version = suite.version()
  const counts = { pass: 0, fail: 0, "not-applicable": 0, skipped: 0 }
  const quiet: string[] = []
  const renames = new RenameTally()
  const runtime = ManagedRuntime.make(sqliteLayer)
  try {
    for (const c of cases) {
      const hinted = hasRenameHints(c.desired)
      const skip = skipReason(c, version)
      if (skip) {
        counts.skipped++
        if (hinted) renames.add({ kind: "skipped" })
        quiet.push(`  skipped  ${c.name}: ${skip}`)
        continue
      }
      // sqldef's rename hints, written as aim's comments: aim reads them as a user's schema.sql would say them.
      const desired = aimRenameComments(c.desired ?? "", sqliteCapabilities.identifiers).text
      const outcome: Outcome = caseOutcome(
        await runtime.runPromiseExit(
          runThroughSteps({ current: c.current ?? "", desired, renameComments: true }),
        ),
      )
      if (hinted) renames.add(outcome)
      counts[outcome.kind]++
      if (outcome.kind === "fail") {
        console.log(`FAIL ${c.name} (${c.file}): ${outcome.reason}`)
        if (options.verbose) {
          console.log(indent(outcome.detail).replace(/^ {2}/gm, ""))
          console.log(
            `    UP:\n${indent(outcome.candidate?.up)}\n    DOWN:\n${indent(outcome.candidate?.down)}`,
          )
        }
      } else if (outcome.kind === "not-applicable") {
        quiet.push(`  n/a      ${c.name}: ${outcome.reason}`)
      }
    }
  } finally {
    await runtime.dispose()
  }
  for (const line of quiet) console.log(line)
  const of = options.filter ? `${cases.length} matching, ${all.length} in all` : `${all.length}`
  console.log(
    `${options.engine}: ${counts.pass} passed, ${counts.fail} failed, ${counts["not-applicable"]} not applicable, ${counts.skipped} skipped (of ${of})`,
  )
  console.log(`${options.engine}: ${renames.line}`)
  return options.strict && counts.fail > 0 ? 1 : 0
}

main().then(
  (code) => process.exit(code),
  (error) => {
    const text =
      error instanceof UsageError
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error)
    console.error(`conformance: ${text}`)
    process.exit(2)
  },
)
