/**
 * Cross-check of aim's built-in rules against squawk (squawk-cli, the PostgreSQL migration linter)
 * on test/rules/squawk-corpus: each file is a migration whose `-- before:` lines hold the schema
 * before it. aim's schema-based rules need both catalogs, so each file runs on a throwaway
 * PostgreSQL database through aim's PostgreSQL engine (the server at 127.0.0.1:5432, or
 * AIM_POSTGRES_URL); without a server the test is skipped and says so. Every disagreement on an
 * overlapping rule must be listed in `explained` with its reason, so a new one fails the test.
 */
import { describe, expect, test } from "bun:test"
import { readdirSync, readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { Effect, type Layer } from "effect"
import postgres from "postgres"
import type { Config, ConfigError } from "../../config.ts"
import { Engine, type EngineFailed } from "../../engines/engine.ts"
import { findEngine } from "../../engines/registry.ts"
import type { Finding } from "../../model.ts"
import { parseStatements } from "../../rules/_parse.ts"
import { builtinRules } from "../../rules/registry.ts"
import { judge } from "./_schemas.ts"

const corpus = resolve(import.meta.dir, "squawk-corpus")
const root = resolve(import.meta.dir, "../..")
const url = process.env.AIM_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres"

/** aim's rule -> squawk's rules that flag the same hazard. */
const overlap: Record<string, ReadonlyArray<string>> = {
  "drop-table": ["ban-drop-table"],
  "drop-column": ["ban-drop-column"],
  "narrowing-type-change": ["changing-column-type"],
  "add-not-null-without-default": ["adding-required-field", "adding-not-nullable-field"],
  "destructive-dml": ["ban-truncate-cascade"],
  "drop-index": ["require-concurrent-index-deletion"],
}

/** `file:aim-rule` -> why aim and squawk differ there. */
const explained: Record<string, string> = {
  // squawk's changing-column-type flags every ALTER COLUMN TYPE (it warns about the table rewrite
  // and its lock); aim's rule is about values lost, so widenings pass.
  "10_varchar_longer.sql:narrowing-type-change": "widening (varchar(200) to varchar(500)) loses nothing",
  "11_varchar_to_text.sql:narrowing-type-change": "widening (varchar to text) loses nothing",
  "13_int_to_bigint.sql:narrowing-type-change": "widening (integer to bigint) loses nothing",
  "17_numeric_wider.sql:narrowing-type-change": "widening (numeric(10,2) to numeric(14,4)) loses nothing",
  "21_timestamp_to_timestamptz.sql:narrowing-type-change": "timestamp to timestamptz keeps every instant",
  "39_enum_swap_remove_value.sql:narrowing-type-change":
    "the column goes from the old enum to the new one under the same name: the catalog sees no type change; the lost label is remove-enum-value's finding (squawk has no such rule)",
  // squawk's adding-not-nullable-field flags SET NOT NULL for its table scan under lock; aim's
  // rule flags it too, except where a default fills the gap. Here they agree; see 44 below.
  // TRUNCATE and DML: squawk only bans TRUNCATE ... CASCADE and has no rule on DELETE/UPDATE.
  "31_delete_without_where.sql:destructive-dml": "DELETE without WHERE: squawk has no rule for it",
  "33_update_without_where.sql:destructive-dml": "UPDATE without WHERE: squawk has no rule for it",
  "34_update_with_subquery_where_only.sql:destructive-dml":
    "the only WHERE is inside a subquery, so every row is rewritten: squawk has no rule for it",
  "36_truncate.sql:destructive-dml":
    "a plain TRUNCATE empties the table; squawk only bans TRUNCATE ... CASCADE",
  "38_cte_delete.sql:destructive-dml": "DELETE without WHERE inside a CTE: squawk has no rule for it",
  "44_add_column_and_backfill.sql:destructive-dml":
    "the backfill UPDATE has no WHERE: squawk has no rule for it",
  "45_do_block_delete.sql:destructive-dml":
    "DELETE without WHERE inside a DO block: squawk has no rule for it",
  // drop-index: squawk's rule is about the lock of a non-concurrent DROP INDEX; aim's about the
  // index being gone, however it is dropped, and not when its table goes with it.
  "29_drop_index_concurrently.sql:drop-index":
    "the index is gone either way; squawk only objects to the lock",
  "42_drop_table_and_index.sql:drop-index":
    "the index's table is dropped too: aim reports the table (drop-table), squawk the non-concurrent DROP INDEX",
  // A rename followed by a drop of the new name is a drop; squawk sees the DROP COLUMN, so they agree.
}

interface Case {
  readonly file: string
  readonly before: string
  readonly up: string
}

function readCase(file: string): Case {
  const text = readFileSync(join(corpus, file), "utf8")
  const lines = text.split("\n")
  const before = lines.filter((l) => l.startsWith("-- before: ")).map((l) => l.slice("-- before: ".length))
  // Comment lines stay in UP (blank) so the statements keep the lines squawk reports.
  const up = lines.map((l) => (l.startsWith("-- before: ") ? "" : l)).join("\n")
  return { file, before: before.join("\n"), up }
}

async function reachable(): Promise<string | undefined> {
  const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} })
  try {
    await sql`select 1`
    return undefined
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  } finally {
    await sql.end({ timeout: 1 })
  }
}

function squawkFindings(files: ReadonlyArray<string>): Map<string, Set<string>> {
  const run = Bun.spawnSync(
    [join(root, "node_modules/.bin/squawk"), "--reporter", "json", ...files.map((f) => join(corpus, f))],
    {
      stdout: "pipe",
      stderr: "pipe",
    },
  )
  const found = new Map<string, Set<string>>()
  for (const f of files) found.set(f, new Set())
  for (const v of JSON.parse(run.stdout.toString()) as Array<{ file: string; rule_name: string }>)
    found.get(v.file.split("/").at(-1) as string)?.add(v.rule_name)
  return found
}

const aimFindings = (cases: ReadonlyArray<Case>) =>
  Effect.gen(function* () {
    const engine = yield* Engine
    const results = new Map<string, Finding[]>()
    for (const c of cases) {
      const findings = yield* Effect.scoped(
        Effect.gen(function* () {
          const db = yield* engine.ephemeral
          yield* db.apply(yield* engine.split(c.before, `${c.file} (before)`), {
            transaction: true,
            trusted: true,
          })
          const before = yield* db.snapshot
          const statements = yield* engine.split(c.up, c.file)
          // One statement at a time, outside a transaction: DROP INDEX CONCURRENTLY refuses one.
          yield* db.apply(statements, { transaction: false, trusted: true })
          const after = yield* db.snapshot
          const up = yield* Effect.promise(() => parseStatements(statements, engine.capabilities.dml))
          return builtinRules.flatMap((r) => judge(r, before, after, up))
        }),
      )
      results.set(c.file, [...findings])
    }
    return results
  })

const reason = await reachable()
const files = readdirSync(corpus)
  .filter((f) => f.endsWith(".sql"))
  .sort()

describe("aim's built-in rules against squawk", () => {
  test("the corpus has at least 40 PostgreSQL migrations", () => {
    expect(files.length).toBeGreaterThanOrEqual(40)
  })

  test.skipIf(reason !== undefined)(
    `every disagreement on an overlapping rule is explained${reason ? ` (skipped: no PostgreSQL at ${url}: ${reason})` : ""}`,
    async () => {
      const entry = findEngine("postgres")
      if (!entry) throw new Error("no postgres engine in the registry")
      const config = {
        root,
        engine: "postgres",
        format: "migrate",
        schema: "schema.sql",
        migrations: "migrations",
        maxRetries: 0,
        maxTokens: 1024,
        noDown: false,
        env: {},
        validation: { disabled: [], rules: [] },
        engines: { postgres: { backend: "url", url } },
      } satisfies Config
      const layer = entry.layer("postgres", config) as Layer.Layer<Engine, EngineFailed | ConfigError>
      const aim = await Effect.runPromise(aimFindings(files.map(readCase)).pipe(Effect.provide(layer)))
      const squawk = squawkFindings(files)
      let agreements = 0
      const disagreements: string[] = []
      const table: string[] = []
      for (const file of files) {
        for (const [rule, theirs] of Object.entries(overlap)) {
          const ours = (aim.get(file) ?? []).some((f) => f.rule === rule)
          const them = theirs.some((r) => squawk.get(file)?.has(r))
          if (ours === them) agreements++
          else {
            disagreements.push(`${file}:${rule}`)
            table.push(`${file}:${rule} aim=${ours} squawk=${them}`)
          }
        }
      }
      const compared = files.length * Object.keys(overlap).length
      console.log(
        `squawk cross-check: ${agreements}/${compared} agree; ${disagreements.length} explained disagreements`,
      )
      if (process.env.AIM_SQUAWK_VERBOSE) console.log(table.join("\n"))
      expect(disagreements.sort()).toEqual(Object.keys(explained).sort())
      // The rules squawk has no counterpart for, checked on the same corpus.
      const ruleAt = (file: string, rule: string) =>
        (aim.get(file) ?? []).filter((f) => f.rule === rule).map((f) => f.line)
      expect(ruleAt("39_enum_swap_remove_value.sql", "remove-enum-value")).toEqual([3])
      expect(ruleAt("41_enum_rename_value.sql", "remove-enum-value")).toEqual([])
      expect(ruleAt("40_enum_add_value.sql", "remove-enum-value")).toEqual([])
      expect(ruleAt("06_rename_column.sql", "drop-column")).toEqual([])
      expect(ruleAt("07_rename_table.sql", "drop-table")).toEqual([])
      expect(ruleAt("43_rename_and_retype.sql", "narrowing-type-change")).toEqual([3])
    },
    120_000,
  )
})
