/**
 * _corpus: reading sqldef's test cases (../shared/corpus, see its README), shared by the engines'
 * conformance runners: the case shape, the YAML files of a folder, and version comparison for
 * `min_version` / `max_version`.
 */
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"

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
