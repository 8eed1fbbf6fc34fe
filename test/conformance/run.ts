/**
 * conformance: measure aim on sqldef's declarative test cases (../shared/corpus, see its README).
 * Each case becomes a throwaway project whose only migration is the case's `current` and whose
 * schema.sql is its `desired`; aim generates a migration without an LLM (dry run, so nothing is
 * written) and the case passes when there was nothing to do or the migration was verified. Input
 * the engine cannot load is "not applicable"; sqldef options aim cannot honour are "skipped".
 * This is a measurement tool: it exits 0 whatever the results, unless --strict is given.
 *
 *   bun run conformance --engine sqlite [--filter <substring>] [--verbose] [--strict] [--corpus <dir>]
 *   bun run conformance --engine postgres [--suite psqldef|migra] [--filter <substring>]   (test/conformance/postgres.ts)
 *   bun run conformance --engine mariadb|mysql [--filter <substring>]                       (test/conformance/mysql.ts)
 */
import { Database } from "bun:sqlite"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { Cause, Effect, Exit, type Layer } from "effect"
import type { Config } from "../../config.ts"
import type { Engine } from "../../engines/engine.ts"
import { findEngine } from "../../engines/registry.ts"
import { plan } from "../../steps/plan.ts"
import { diffProject, type GenerateResult, generateMigration } from "../../workflow.ts"
import { compareVersions, loadSqldefCases, type SqldefCase } from "./_corpus.ts"

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

type Outcome =
  | { readonly kind: "pass" }
  | { readonly kind: "fail"; readonly reason: string; readonly detail: string }
  | { readonly kind: "not-applicable"; readonly reason: string }
  | { readonly kind: "skipped"; readonly reason: string }

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

function makeConfig(root: string, engine: string): Config {
  return {
    root,
    file: undefined,
    engine,
    format: "migrate",
    schema: "schema.sql",
    migrations: "migrations",
    maxRetries: 3,
    maxTokens: 16384,
    noDown: false,
    env: {},
    validation: { disabled: [], rules: [] },
    engines: {},
  }
}

const MIGRATION = "migrations/000001_current.up.sql"

/** sqldef's rename hint (`-- @renamed from=old`), which aim has no equivalent for. */
const renames = (c: Case) => /@renamed\b/.test(c.desired ?? "")

const firstLine = (text: string) => text.split("\n")[0] ?? ""

/**
 * Run `work` on a throwaway project for the case: its only migration is `current` (none when
 * `current` is empty), its schema.sql is `desired`. The folder is removed afterwards.
 */
async function withProject<A>(
  c: Case,
  engine: string,
  work: (config: Config, layer: Layer.Layer<Engine, unknown>) => Promise<A>,
): Promise<A> {
  const entry = findEngine(engine)
  if (!entry) throw new UsageError(`unknown engine "${engine}"`)
  const root = mkdtempSync(join(tmpdir(), "aim-conformance-"))
  try {
    if ((c.current ?? "").trim() !== "") {
      mkdirSync(join(root, "migrations"))
      writeFileSync(join(root, MIGRATION), c.current ?? "")
    }
    writeFileSync(join(root, "schema.sql"), c.desired ?? "")
    const config = makeConfig(root, engine)
    return await work(config, entry.layer(engine, config))
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

async function runCase(c: Case, engine: string): Promise<{ outcome: Outcome; result?: GenerateResult }> {
  return withProject(c, engine, async (config, layer) => {
    const exit = await Effect.runPromiseExit(
      generateMigration(config, { dryRun: true }).pipe(Effect.provide(layer)),
    )
    if (Exit.isSuccess(exit)) return { outcome: { kind: "pass" }, result: exit.value }
    const failure = Cause.findErrorOption(exit.cause)
    if (failure._tag === "None") {
      const defect = Cause.squash(exit.cause)
      const text = defect instanceof Error ? (defect.stack ?? defect.message) : String(defect)
      return { outcome: { kind: "fail", reason: `defect: ${firstLine(String(defect))}`, detail: text } }
    }
    const error = failure.value as { _tag?: string; message?: string; source?: string }
    const message = error.message ?? String(error)
    // The case's own SQL does not load on this engine: not aim's doing.
    if (
      (error._tag === "StatementFailed" || error._tag === "SqlSyntaxError") &&
      (error.source === "schema.sql" || error.source === MIGRATION)
    ) {
      const which = error.source === "schema.sql" ? "desired" : "current"
      return { outcome: { kind: "not-applicable", reason: `${which} does not load: ${firstLine(message)}` } }
    }
    return {
      outcome: { kind: "fail", reason: `${error._tag ?? "Error"}: ${firstLine(message)}`, detail: message },
    }
  })
}

/** UP and DOWN of a failing case, planned again without verification, for --verbose. */
async function plannedScripts(c: Case, engine: string): Promise<string> {
  return withProject(c, engine, async (config, layer) => {
    const exit = await Effect.runPromiseExit(
      Effect.gen(function* () {
        const d = yield* diffProject(config)
        return yield* plan(d.current, d.desired, true)
      }).pipe(Effect.provide(layer)),
    )
    if (!Exit.isSuccess(exit)) return "    (no plan)"
    const indent = (s: string | undefined) =>
      (s ?? "")
        .trimEnd()
        .split("\n")
        .map((l) => `      ${l}`)
        .join("\n")
    return `    UP:\n${indent(exit.value.up)}\n    DOWN:\n${indent(exit.value.down)}`
  })
}

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
  for (const c of cases) {
    const skip = skipReason(c, version)
    if (skip) {
      counts.skipped++
      quiet.push(`  skipped  ${c.name}: ${skip}`)
      continue
    }
    const { outcome, result } = await runCase(c, options.engine)
    counts[outcome.kind]++
    if (outcome.kind === "fail") {
      console.log(`FAIL ${c.name} (${c.file}): ${outcome.reason}`)
      if (options.verbose) {
        console.log(
          outcome.detail
            .split("\n")
            .map((l) => `    ${l}`)
            .join("\n"),
        )
        console.log(await plannedScripts(c, options.engine))
      }
    } else if (outcome.kind === "not-applicable") {
      quiet.push(`  n/a      ${c.name}: ${outcome.reason}`)
    } else if (renames(c) && /\bDROP\s+(TABLE|COLUMN)\b/i.test(result?.up ?? "")) {
      // Verified, but not what sqldef does: without the hint a renamed table or column reads as a
      // drop and a create, and its rows are not carried over (an index loses nothing that way).
      quiet.push(
        `  note     ${c.name}: passes by drop and re-create, losing the renamed data; aim reads no @renamed hints`,
      )
    }
  }
  for (const line of quiet) console.log(line)
  const of = options.filter ? `${cases.length} matching, ${all.length} in all` : `${all.length}`
  console.log(
    `${options.engine}: ${counts.pass} passed, ${counts.fail} failed, ${counts["not-applicable"]} not applicable, ${counts.skipped} skipped (of ${of})`,
  )
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
