/**
 * workflow: which steps run, in what order, and what runs together. The only module that knows
 * the order; steps never call each other. Each workflow needs an `Engine` in its context (cli.ts
 * provides the one aim.toml names) and reports each phase, with its time, to the `Progress` reference.
 */
import { Context, Duration, Effect, Schema as S } from "effect"
import { type Config, ConfigError } from "./config.ts"
import { compareSchemas, describeChange, renderChanges } from "./compare.ts"
import { Engine } from "./engines/engine.ts"
import { safeName, type FolderFile, type FormatShape } from "./formats/format.ts"
import { formats } from "./formats/registry.ts"
import type { Change, Migration, Schema } from "./model.ts"
import { readFolder, readHistory, readSchemaSource } from "./project.ts"
import { lockProject } from "./project-lock.ts"
import { checkHistory } from "./steps/check-history.ts"
import { diff } from "./steps/diff.ts"
import { plan } from "./steps/plan.ts"
import { snapshot } from "./steps/snapshot.ts"
import { verify, type VerifyReport } from "./steps/verify.ts"
import { write } from "./steps/write.ts"

/** Where phase timings go; the default drops them (library use, --quiet, pipes). */
export const Progress = Context.Reference<{
  readonly phase: (name: string, millis: number, detail?: string) => void
}>("aim/workflow/Progress", { defaultValue: () => ({ phase: () => {} }) })

/** Run `effect` as a named phase and report its duration. */
const phase = <A, E, R>(name: string, effect: Effect.Effect<A, E, R>, detail?: (a: A) => string) =>
  Effect.gen(function* () {
    const progress = yield* Progress
    const [elapsed, result] = yield* Effect.timed(effect)
    progress.phase(name, Duration.toMillis(elapsed), detail?.(result))
    return result
  })

export function formatOf(config: Config) {
  const format = formats[config.format]
  if (!format) {
    return new ConfigError({
      source: config.file ?? "--format",
      reason: `unknown format "${config.format}" (known formats: ${Object.keys(formats).join(", ")})`,
    })
  }
  return format
}

const loadFormat = (config: Config) => {
  const format = formatOf(config)
  return format instanceof ConfigError ? Effect.fail(format) : Effect.succeed(format)
}

export interface DiffResult {
  /** The migrations folder as read, for formats that keep an index file. */
  readonly folder: ReadonlyArray<FolderFile>
  readonly history: ReadonlyArray<Migration>
  readonly current: Schema
  readonly desired: Schema
  readonly changes: ReadonlyArray<Change>
  /** The changes as text (`-` history only, `+` schema.sql only). */
  readonly text: string
}

/** Replay the history, load schema.sql, and compare. */
export const diffProject = Effect.fn("aim/workflow/diff")(function* (config: Config) {
  const engine = yield* Engine
  const format = yield* loadFormat(config)
  const folder = yield* readFolder(config)
  const history = yield* readHistory(config, format, folder)
  const source = yield* readSchemaSource(config)
  const { current, desired } = yield* phase(
    "snapshot",
    snapshot(history, source),
    () => `replayed ${history.length} migration${history.length === 1 ? "" : "s"}, loaded ${config.schema}`,
  )
  const changes = yield* diff(current, desired)
  return {
    folder,
    history,
    current,
    desired,
    changes,
    text: renderChanges(changes, engine.renderTable),
  } satisfies DiffResult
})

export interface GenerateOptions {
  readonly dryRun: boolean
  /** Description for the file name; derived from the changes when absent. */
  readonly name?: string | undefined
  /** Injected for reproducible versions and sqitch timestamps. */
  readonly now?: Date | undefined
}

export interface GenerateResult {
  readonly status: "nothing-to-generate" | "written" | "dry-run"
  readonly diff: DiffResult
  readonly up?: string | undefined
  readonly down?: string | undefined
  readonly notes: ReadonlyArray<string>
  readonly verification?: VerifyReport | undefined
  /** Paths relative to the project folder. */
  readonly files: ReadonlyArray<FolderFile>
}

/** A file-name description from the changes: "create_posts_and_alter_users", "create_index_x"... */
export function describeChanges(changes: ReadonlyArray<Change>): string {
  if (changes.length === 1) return safeName(describeChange(changes[0] as Change))
  const tableWords = changes.flatMap((c) =>
    c.kind === "create-table"
      ? [`create ${c.table.name}`]
      : c.kind === "drop-table"
        ? [`drop ${c.table.name}`]
        : c.kind === "alter-table"
          ? [`alter ${c.after.name}`]
          : [],
  )
  const words =
    tableWords.length > 0
      ? tableWords
      : changes.map((c) =>
          c.kind === "replace-object"
            ? `replace ${c.after.name}`
            : `${c.kind.split("-")[0]} ${c.kind === "create-object" || c.kind === "drop-object" ? c.object.name : ""}`,
        )
  return safeName(words.length <= 3 ? words.join(" and ") : "update schema")
}

/** Snapshot, diff, plan, verify, write: the main job. */
export const generateMigration = Effect.fn("aim/workflow/generate")(function* (
  config: Config,
  options: GenerateOptions,
) {
  // Held from reading the history to writing the files, so two runs cannot pick the same version.
  if (!options.dryRun) yield* lockProject(config.root)
  const format = yield* loadFormat(config)
  const result = yield* diffProject(config)
  if (result.changes.length === 0) {
    return { status: "nothing-to-generate", diff: result, notes: [], files: [] } satisfies GenerateResult
  }
  const withDown = !config.noDown && format.supportsDown
  const candidate = yield* phase(
    "plan",
    plan(result.current, result.desired, withDown),
    () => "built-in planner",
  )
  const verification = yield* phase(
    "verify",
    verify(candidate, result.history, result.current, result.desired),
    (r) =>
      `UP${r.downChecked ? " and DOWN" : ""} proven on a fresh database with rows in ${r.seed.seeded.length} table(s)`,
  )
  const now = options.now ?? new Date()
  const files = renderFiles(format, result, {
    description: options.name ?? describeChanges(result.changes),
    up: candidate.up,
    down: candidate.down,
    now,
  })
  if (!options.dryRun) {
    yield* phase(
      "write",
      write({
        folder: `${config.root}/${config.migrations}`,
        shownFolder: config.migrations,
        files: files.files,
        replaces: files.replaces,
      }),
    )
  }
  return {
    status: options.dryRun ? "dry-run" : "written",
    diff: result,
    up: candidate.up,
    down: candidate.down,
    notes: candidate.notes,
    verification,
    files: files.files.map((f) => ({ path: `${config.migrations}/${f.path}`, content: f.content })),
  } satisfies GenerateResult
}, Effect.scoped)

function renderFiles(
  format: FormatShape,
  project: DiffResult,
  migration: { description: string; up: string; down?: string | undefined; now: Date },
) {
  const files = format.render(
    {
      version: format.nextVersion(project.history, migration.now),
      description: migration.description,
      up: migration.up,
      down: migration.down,
      createdAt: migration.now,
    },
    project.folder,
  )
  // A format hands back an existing path only for its index file (sqitch.plan), which it extends.
  const existing = new Set(project.folder.map((f) => f.path))
  return { files, replaces: files.filter((f) => existing.has(f.path)).map((f) => f.path) }
}

/** Every existing migration proven in order, and the result equal to schema.sql. */
export const validateProject = Effect.fn("aim/workflow/validate")(function* (config: Config) {
  const format = yield* loadFormat(config)
  const history = yield* readHistory(config, format, yield* readFolder(config))
  const source = yield* readSchemaSource(config)
  const { desired } = yield* phase("snapshot", snapshot([], source), () => `loaded ${config.schema}`)
  return yield* phase(
    "validate",
    checkHistory(history, desired),
    (r) => `${r.migrations} migration(s), ${r.downsChecked} DOWN(s) checked`,
  )
})
