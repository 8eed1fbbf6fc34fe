/**
 * _pg-features: runs PostgreSQL change cases on every PostgreSQL backend that behaves differently:
 * the url server (the machine's PostgreSQL, as a user's server: aim creates no roles there), the
 * local backend (aim's own cluster, where it creates the roles a schema names) and embedded PGlite
 * at two majors (17 and 18, whose catalogs differ). Each case goes through the steps of `aim
 * generate` (_steps-case.ts): planned from the catalogs of two real databases, UP run on a seeded
 * copy of the history must reach schema.sql exactly with its rows, DOWN must come back. A case
 * states what UP and DOWN must hold, in order. One engine layer per backend serves a file's cases.
 * Roles a case names as `{reader}` get a name of this run's own (`aim_t<hex>_reader`, so runs on a
 * shared server never collide); on the url server the suite creates them first and drops them
 * after, as a user's server would have them; the other backends create them by themselves.
 */
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test"
import { ManagedRuntime } from "effect"
import postgres from "postgres"
import { findLocalInstalls } from "../../../engines/postgres/backends/local-install.ts"
import { PG_TEST_URL, pgAnswers } from "../../_servers.ts"
import { postgresTestLayer } from "../_backends.ts"
import { type CaseOutcome, caseOutcome, runThroughSteps } from "../_steps-case.ts"

// Throwaway databases on a shared server, a local cluster's or PGlite's first start take seconds.
setDefaultTimeout(180_000)

export type PgBackendName = "url" | "local" | "embedded-17" | "embedded-18"

export interface PgFeatureCase {
  readonly name: string
  readonly from: string
  readonly to: string
  /** Patterns UP must match, in this order. */
  readonly up?: ReadonlyArray<RegExp> | undefined
  /** Patterns DOWN must match, in this order. */
  readonly down?: ReadonlyArray<RegExp> | undefined
  /** Patterns UP must match, in any order. */
  readonly upHas?: ReadonlyArray<RegExp> | undefined
  /** Patterns DOWN must match, in any order. */
  readonly downHas?: ReadonlyArray<RegExp> | undefined
  /** Patterns neither script may match. */
  readonly never?: ReadonlyArray<RegExp> | undefined
  /** Backends the case does not run on, with why. */
  readonly only?: ReadonlyArray<PgBackendName> | undefined
  /** Extra checks on the outcome (a failure's reason, the notes). */
  readonly check?: ((outcome: CaseOutcome, backend: PgBackendName) => void) | undefined
  /** When set, the case must fail, and its reason match. */
  readonly fails?: RegExp | undefined
}

const hasServer = await pgAnswers()
const hasLocal = findLocalInstalls().length > 0

const backends: ReadonlyArray<{
  name: PgBackendName
  skip?: string
  layer: () => ReturnType<typeof postgresTestLayer>
}> = [
  {
    name: "url",
    skip: hasServer ? undefined : "no PostgreSQL server answers at 127.0.0.1:5432",
    layer: () => postgresTestLayer("url", PG_TEST_URL),
  },
  {
    name: "local",
    skip: hasLocal ? undefined : "no initdb and pg_ctl on PATH",
    layer: () => postgresTestLayer("local"),
  },
  { name: "embedded-17", layer: () => postgresTestLayer("embedded", undefined, "postgres-17") },
  { name: "embedded-18", layer: () => postgresTestLayer("embedded", undefined, "postgres-18") },
]

/** This run's role names: `{reader}` in a case's SQL becomes `aim_t<hex>_reader`. */
const run = randomBytes(4).toString("hex")
export const roleName = (placeholder: string) => `aim_t${run}_${placeholder}`
const withRoles = (sql: string) => sql.replace(/\{(\w+)\}/g, (_, r: string) => roleName(r))
const rolesOf = (c: PgFeatureCase) => [
  ...new Set([...`${c.from}${c.to}`.matchAll(/\{(\w+)\}/g)].map((m) => roleName(m[1] as string))),
]

/** Creates roles on the url server (as its admin) and returns how to drop them again. */
async function urlRoles(names: ReadonlyArray<string>): Promise<() => Promise<void>> {
  if (names.length === 0) return async () => {}
  const sql = postgres(PG_TEST_URL, { max: 1, onnotice: () => {} })
  for (const name of names) await sql.unsafe(`CREATE ROLE "${name}" NOLOGIN`)
  return async () => {
    for (const name of names) await sql.unsafe(`DROP ROLE IF EXISTS "${name}"`).catch(() => undefined)
    await sql.end({ timeout: 5 })
  }
}

/** The statements of a script, one per entry. */
const statements = (script: string | undefined) =>
  (script ?? "")
    .split(/;\n/)
    .map((s) => s.trim())
    .filter((s) => s !== "")

function inOrder(script: string, patterns: ReadonlyArray<RegExp>, which: string) {
  let at = 0
  for (const pattern of patterns) {
    const found = script.slice(at).search(pattern)
    if (found === -1) throw new Error(`${which} lacks ${pattern} after offset ${at}:\n${script}`)
    at += found + 1
  }
}

/** Describes `cases` on every backend `backendsFor` keeps (all by default). */
export function pgFeatureSuite(
  title: string,
  cases: ReadonlyArray<PgFeatureCase>,
  backendsFor: ReadonlyArray<PgBackendName> = ["url", "local", "embedded-17", "embedded-18"],
) {
  for (const backend of backends) {
    if (!backendsFor.includes(backend.name)) continue
    if (backend.skip) console.warn(`skipped: ${title} on ${backend.name}: ${backend.skip}`)
    describe.skipIf(backend.skip !== undefined)(`${title} (${backend.name})`, () => {
      let runtime: ManagedRuntime.ManagedRuntime<unknown, unknown> | undefined
      let dropRoles = async () => {}
      beforeAll(async () => {
        runtime = ManagedRuntime.make(backend.layer()) as ManagedRuntime.ManagedRuntime<unknown, unknown>
        if (backend.name === "url") dropRoles = await urlRoles([...new Set(cases.flatMap(rolesOf))])
      })
      afterAll(async () => {
        await runtime?.dispose()
        await dropRoles()
      })
      for (const c of cases) {
        if (c.only && !c.only.includes(backend.name)) continue
        test(c.name, async () => {
          const exit = await (runtime as ManagedRuntime.ManagedRuntime<unknown, unknown>).runPromiseExit(
            runThroughSteps({ current: withRoles(c.from), desired: withRoles(c.to) }) as never,
          )
          const outcome = caseOutcome(exit as never)
          const candidate = "candidate" in outcome ? outcome.candidate : undefined
          if (c.fails) {
            expect(outcome.kind).not.toBe("pass")
            expect("reason" in outcome ? outcome.reason : "").toMatch(c.fails)
          } else if (outcome.kind !== "pass")
            throw new Error(
              `${outcome.reason}\n${"detail" in outcome ? outcome.detail : ""}\nUP:\n${candidate?.up ?? ""}\nDOWN:\n${candidate?.down ?? ""}`,
            )
          const up = statements(candidate?.up).join(";\n").replaceAll(`aim_t${run}_`, "")
          const down = statements(candidate?.down).join(";\n").replaceAll(`aim_t${run}_`, "")
          inOrder(up, c.up ?? [], "UP")
          inOrder(down, c.down ?? [], "DOWN")
          for (const pattern of c.upHas ?? []) expect(up).toMatch(pattern)
          for (const pattern of c.downHas ?? []) expect(down).toMatch(pattern)
          for (const pattern of c.never ?? []) {
            expect(up).not.toMatch(pattern)
            expect(down).not.toMatch(pattern)
          }
          c.check?.(outcome, backend.name)
        })
      }
    })
  }
}
