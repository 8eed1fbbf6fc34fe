/**
 * conformance (MySQL/MariaDB): measure aim on sqldef's mysqldef cases (../shared/corpus, see its
 * README). Per case, the steps `aim generate` takes (test/engines/_steps-case.ts, shared with the
 * contract suite): `current` is replayed into one throwaway database and `desired` loaded into
 * another, both are snapshotted, the built-in planner writes UP and DOWN, and the verify step applies
 * UP to a third database holding `current` plus seeded rows, checks it reaches `desired` exactly,
 * and that DOWN returns to `current` with the rows intact. Cases for another flavor or version,
 * and input the server rejects, are "not applicable"; sqldef options aim cannot honour are "skipped".
 * One engine layer serves the whole run, so a docker or local server is started once.
 * A measurement tool: exits 0 whatever the results, unless --strict is given.
 *
 *   bun run test/conformance/mysql.ts --engine mariadb [--version 10.11] [--filter x] [--verbose] [--strict] [--corpus dir]
 *   (the server comes from AIM_MARIADB_URL / AIM_MYSQL_URL, else Docker, else a local mariadbd/mysqld)
 */
import { join, resolve } from "node:path"
import { Effect, ManagedRuntime } from "effect"
import { Engine } from "../../engines/engine.ts"
import { plainVersion } from "../../engines/mysql/flavor.ts"
import { snapshotSchema } from "../../steps/snapshot.ts"
import { mysqlTestLayer } from "../engines/_backends.ts"
import { type CaseOutcome, caseOutcome, runThroughSteps } from "../engines/_steps-case.ts"
import { mysqlCapabilities } from "../../engines/mysql/capabilities.ts"
import {
  aimRenameComments,
  compareVersions,
  hasRenameHints,
  loadSqldefCases,
  RenameTally,
  type SqldefCase,
} from "./_corpus.ts"

type Case = SqldefCase

type Outcome = CaseOutcome | { readonly kind: "skipped"; readonly reason: string }

function parseArgs(argv: ReadonlyArray<string>) {
  const options = {
    engine: "",
    version: "",
    filter: "",
    verbose: false,
    strict: false,
    corpus: resolve(import.meta.dir, "../../../shared/corpus"),
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const value = () => {
      const v = argv[++i]
      if (v === undefined) throw new Error(`${arg} needs a value`)
      return v
    }
    if (arg === "--engine") options.engine = value()
    else if (arg === "--version") options.version = value()
    else if (arg === "--filter") options.filter = value()
    else if (arg === "--corpus") options.corpus = resolve(value())
    else if (arg === "--verbose") options.verbose = true
    else if (arg === "--strict") options.strict = true
    else throw new Error(`unknown argument ${arg}`)
  }
  if (options.engine !== "mysql" && options.engine !== "mariadb")
    throw new Error("--engine must be mysql or mariadb")
  options.version ||= options.engine === "mysql" ? "8.0" : "10.11"
  return options
}

/**
 * `flavor: mariadb` runs only on MariaDB, `!mariadb` everywhere else; `tidb` cases never run here.
 * Versions compare as sqldef compares them, numerically (so MariaDB 10.11 satisfies min 8.0).
 */
export function notApplicable(c: Case, engine: "mysql" | "mariadb", version: string): string | undefined {
  if (c.flavor !== undefined) {
    const f = c.flavor.trim()
    const negated = f.startsWith("!")
    const name = negated ? f.slice(1) : f
    if (negated ? name === engine : name !== engine) return `flavor ${f} (this is ${engine})`
  }
  if (c.min_version !== undefined && compareVersions(version, String(c.min_version)) < 0)
    return `needs version >= ${c.min_version}, server is ${version}`
  if (c.max_version !== undefined && compareVersions(version, String(c.max_version)) > 0)
    return `needs version <= ${c.max_version}, server is ${version}`
  return undefined
}

/** sqldef options aim has no equivalent for. */
export function skipReason(c: Case): string | undefined {
  if (c.error !== undefined) return `sqldef rejects this input (error: ${String(c.error).split("\n")[0]})`
  if (c.user !== undefined) return `runs as database user ${c.user} (aim has no users)`
  if (c.managed_roles !== undefined) return "managed_roles (aim does not manage privileges)"
  if (c.manage !== undefined) return "manage (aim does not manage privileges)"
  if (c.offline === true) return "offline (sqldef-only mode without a database)"
  const config = Object.entries(c.config ?? {}).filter(([, on]) => on)
  if (config.length > 0) return `config ${config.map(([k]) => k).join(", ")} (no equivalent in aim)`
  return undefined
}

/**
 * sqldef's own test database is `mysqldef_test`, and a few cases name it; aim's throwaway databases
 * have other names, so the qualifier is dropped (the case then means the current database, as there).
 */
const unqualify = (sql: string | undefined) => (sql ?? "").replace(/`?mysqldef_test`?\./g, "")

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2))
  const runtime = ManagedRuntime.make(mysqlTestLayer(`${options.engine}-${options.version}`))
  try {
    const all = loadSqldefCases(join(options.corpus, "sqldef/cmd/mysqldef"))
    const cases = all.filter((c) => c.name.includes(options.filter))
    const { description, version } = await runtime.runPromise(
      Effect.gen(function* () {
        const engine = yield* Engine
        const empty = yield* snapshotSchema({ path: "empty.sql", text: "" })
        return { description: engine.description, version: plainVersion(empty.version) }
      }),
    )
    console.log(`conformance: ${description}`)
    const counts = { pass: 0, fail: 0, "not-applicable": 0, skipped: 0 }
    const reasons = new Map<string, number>()
    const quiet: string[] = []
    const renames = new RenameTally()
    const ids = mysqlCapabilities(options.engine as "mysql" | "mariadb").identifiers
    for (const c of cases) {
      const skip = skipReason(c)
      const na = skip ? undefined : notApplicable(c, options.engine as "mysql" | "mariadb", version)
      let outcome: Outcome
      let scripts = ""
      if (skip) outcome = { kind: "skipped", reason: skip }
      else if (na) outcome = { kind: "not-applicable", reason: na }
      else {
        // sqldef's rename hints, written as aim's comments: aim reads them as a user's schema.sql would say them.
        const desired = aimRenameComments(unqualify(c.desired), ids).text
        const exit = await runtime.runPromiseExit(
          runThroughSteps({ current: unqualify(c.current), desired, renameComments: true }),
        )
        outcome = caseOutcome(exit)
        if (outcome.kind === "fail" && outcome.candidate)
          scripts = `    UP:\n${indent(outcome.candidate.up)}\n    DOWN:\n${indent(outcome.candidate.down ?? "")}`
      }
      counts[outcome.kind]++
      if (hasRenameHints(c.desired)) renames.add(outcome)
      if (outcome.kind === "fail") {
        console.log(`FAIL ${c.name} (${c.file}): ${outcome.reason}`)
        const key = `${outcome.reason.split(":")[0]}: ${outcome.reason
          .replace(/`[^`]*`/g, "`x`")
          .replace(/'[^']*'/g, "'x'")
          .replace(/\d+/g, "N")
          .slice(outcome.reason.indexOf(":") + 2, outcome.reason.indexOf(":") + 70)}`
        reasons.set(key, (reasons.get(key) ?? 0) + 1)
        if (options.verbose) console.log(`${indent(outcome.detail)}\n${scripts}`)
      } else if (outcome.kind !== "pass")
        quiet.push(`  ${outcome.kind === "skipped" ? "skipped" : "n/a    "}  ${c.name}: ${outcome.reason}`)
    }
    for (const line of quiet) console.log(line)
    if (reasons.size > 0) {
      console.log("top failure reasons:")
      for (const [reason, n] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 10))
        console.log(`  ${n}  ${reason}`)
    }
    const of = options.filter ? `${cases.length} matching, ${all.length} in all` : `${all.length}`
    console.log(
      `${options.engine} ${version}: ${counts.pass} passed, ${counts.fail} failed, ${counts["not-applicable"]} not applicable, ${counts.skipped} skipped (of ${of})`,
    )
    console.log(`${options.engine} ${version}: ${renames.line}`)
    return options.strict && counts.fail > 0 ? 1 : 0
  } finally {
    await runtime.dispose()
  }
}

const indent = (s: string) =>
  s
    .trimEnd()
    .split("\n")
    .map((l) => `      ${l}`)
    .join("\n")

if (import.meta.main)
  main().then(
    (code) => process.exit(code),
    (error) => {
      console.error(`conformance: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
      process.exit(2)
    },
  )
