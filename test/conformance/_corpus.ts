/**
 * _corpus: reading sqldef's test cases (../shared/corpus, see its README), shared by the engines'
 * conformance runners: the case shape, the YAML files of a folder, and version comparison for
 * `min_version` / `max_version`.
 */
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import type { Identifiers } from "../../sql/identifiers.ts"
import { findRenameComments } from "../../sql/rename-comments.ts"

/** One sqldef case; `current` missing means the empty schema. */
export interface SqldefCase {
  readonly name: string
  readonly file: string
  readonly current?: string
  readonly desired?: string
  readonly error?: string
  readonly min_version?: string
  readonly max_version?: string
  readonly flavor?: string
  readonly user?: string
  readonly managed_roles?: ReadonlyArray<string>
  readonly manage?: unknown
  readonly offline?: boolean
  readonly enable_drop?: boolean
  readonly legacy_ignore_quotes?: boolean
  readonly config?: Readonly<Record<string, unknown>>
}

/** Every case of every `tests*.yml` in `folder`, files in name order. */
export function loadSqldefCases(folder: string): SqldefCase[] {
  const cases: SqldefCase[] = []
  for (const file of readdirSync(folder)
    .filter((f) => /^tests.*\.ya?ml$/.test(f))
    .sort()) {
    const data = (Bun.YAML.parse(readFileSync(join(folder, file), "utf8")) ?? {}) as Record<string, unknown>
    for (const [name, body] of Object.entries(data)) cases.push({ ...(body as object), name, file })
  }
  return cases
}

/** Dotted versions compared part by part as numbers ("10.11" > "10.9"); missing parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const x = a.split(".").map(Number)
  const y = b.split(".").map(Number)
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}

/** sqldef's rename hint: `-- @renamed from=old` or `/* @renamed from=old *\/`, the old name bare or in double quotes. */
const sqldefHint = /@renamed\s+from=("(?:[^"]|"")*"|[^\s*]+)/g

/** Whether a case's desired schema holds sqldef rename hints. */
export const hasRenameHints = (desired: string | undefined) => /@renamed\b/.test(desired ?? "")

/**
 * `desired` with sqldef's rename hints written as aim's comments (`aim:renamed-from old`, the name
 * quoted the engine's way), so that aim reads them as a user's schema.sql would say them. Hints on
 * what aim does not rename (an index, a type, an enum value) stay as sqldef wrote them, and mean
 * nothing to aim. `translated` counts the hints aim reads.
 */
export function aimRenameComments(desired: string, ids: Identifiers): { text: string; translated: number } {
  const quote = ids.dialect.nameQuotes[0] ?? '"'
  const lines = desired.split("\n")
  const written = lines.map((line) =>
    line.replace(sqldefHint, (_, name: string) => {
      const bare = name.startsWith('"') ? name.slice(1, -1).replaceAll('""', '"') : name
      return `aim:renamed-from ${name.startsWith('"') ? `${quote}${bare.replaceAll(quote, quote + quote)}${quote}` : bare}`
    }),
  )
  const refused = new Set(
    findRenameComments(written.join("\n"), ids.dialect).flatMap((c) =>
      c.problem === undefined ? [] : [c.line],
    ),
  )
  const text = written.map((line, i) => (refused.has(i + 1) ? (lines[i] as string) : line)).join("\n")
  return { text, translated: findRenameComments(text, ids.dialect).length }
}

/**
 * The cases whose desired schema holds sqldef rename hints, tallied: passed with a rename statement
 * in UP, passed with nothing to do (the history already has the new names), passed otherwise (a
 * drop and a create: what happens to hints aim does not read), failed, and neither run nor failed.
 */
export class RenameTally {
  private readonly counts = { cases: 0, renamed: 0, nothing: 0, otherwise: 0, fail: 0, other: 0 }

  add(outcome: { readonly kind: string; readonly candidate?: { readonly up: string } | undefined }): void {
    this.counts.cases++
    if (outcome.kind === "fail") this.counts.fail++
    else if (outcome.kind !== "pass") this.counts.other++
    else if (outcome.candidate === undefined) this.counts.nothing++
    else if (/\bRENAME\b|\bCHANGE\s+COLUMN\b/i.test(outcome.candidate.up)) this.counts.renamed++
    else this.counts.otherwise++
  }

  get line(): string {
    const c = this.counts
    return `rename cases (sqldef @renamed): ${c.cases}: pass ${c.renamed + c.nothing + c.otherwise} (${c.renamed} by renaming, ${c.nothing} with nothing to do, ${c.otherwise} by dropping and creating), fail ${c.fail}, not run ${c.other}`
  }
}
