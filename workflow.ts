/**
 * workflow: which steps run, in what order, and what runs together. The only module that knows
 * the order; steps never call each other. Each workflow needs an `Engine` in its context (cli.ts
 * provides the one aim.toml names) and reports each phase, with its time, to the `Progress` reference.
 */
import { basename } from "node:path"
import { Context, Duration, Effect, Schema as S } from "effect"
import { type Config, ConfigError, shownPath } from "./config.ts"
import { renderChanges, summarizeChanges } from "./model/changes.ts"
import { findAmbiguities } from "./model/ambiguity.ts"
import { Engine } from "./engines/engine.ts"
import { findEngine } from "./engines/registry.ts"
import { replaceablePaths, safeName, type FolderFile, type FormatShape } from "./formats/format.ts"
import { formats } from "./formats/registry.ts"
import type { Change, Finding, Migration, Schema } from "./model.ts"
import { readFolder, readHistory, readSchemaSource } from "./project/read.ts"
import { lockProject } from "./project/lock.ts"
import { checkHistory } from "./steps/check-history.ts"
import { diff } from "./steps/diff.ts"
import {
  declaredRenames,
  decideRenames,
  type RenameDecisions,
  type RenameQuestions,
  renameComment,
  renameHint,
} from "./steps/renames.ts"
import type { RenameCandidate } from "./model/ambiguity.ts"
import { RENAMED_FROM } from "./sql/rename-comments.ts"
import { enforceRules, type MigrationUnderRules, validate as validateRules } from "./steps/validate.ts"
import { resolveRules, type RuleSet } from "./rules/resolve.ts"
import { type ModelSpec, parseModelSpec } from "./llm/model-spec.ts"
import { Provider } from "./llm/provider.ts"
import { providerLayer } from "./llm/registry.ts"
import { type GenerationUsage, generate, type TransportPolicy, type Verdict } from "./steps/generate.ts"
import { type Candidate, type ProofGround, plan } from "./steps/plan.ts"
import { type ProbedHazard, probeHazards } from "./steps/probe.ts"
import { rememberWrittenMigration, snapshot, takeSnapshots } from "./steps/snapshot.ts"
import { verify, type VerifyReport } from "./steps/verify.ts"
import { write } from "./steps/write.ts"

/**
 * Where phase timings go; the default drops them (library use, --quiet, pipes). `begin`, when
 * given, is told a phase started and returns what to call when it ends, however it ends (the CLI
 * shows a spinner meanwhile).
 */
export const Progress = Context.Reference<{
  readonly phase: (name: string, millis: number, detail?: string) => void
  readonly begin?: (name: string) => () => void
}>("aim/workflow/Progress", { defaultValue: () => ({ phase: () => {} }) })

/**
 * Who answers whether a likely rename is one. By default nobody is asked (library use, a pipe, CI,
 * --json): the rename stays open, for a model under strategy "auto" or for a hint naming the
 * comment to add. The CLI gives `ask` on a terminal.
 */
export const Questions = Context.Reference<{ readonly ask?: RenameQuestions | undefined }>(
  "aim/workflow/Questions",
  { defaultValue: () => ({}) },
)

/** Run `effect` as a named phase and report its duration. */
const phase = <A, E, R>(name: string, effect: Effect.Effect<A, E, R>, detail?: (a: A) => string) =>
  Effect.gen(function* () {
    const progress = yield* Progress
    const end = progress.begin?.(name)
    const [elapsed, result] = yield* Effect.timed(effect).pipe(Effect.ensuring(Effect.sync(() => end?.())))
    progress.phase(name, Duration.toMillis(elapsed), detail?.(result))
    return result
  })

/**
 * The project's format, bound to the project (engine, folder name, environment), or a ConfigError for an
 * unknown format.
 */
export function formatOf(config: Config) {
  const format = formats[config.format]
  if (!format) {
    return new ConfigError({
      source: config.file ?? "--format",
      reason: `unknown format "${config.format}" (known formats: ${Object.keys(formats).join(", ")})`,
    })
  }
  // Bound to the project: some formats' files name the engine, the project or the planner (sqitch).
  const context = {
    sqitchEngine: findEngine(config.engine)?.capabilities(config.engine).sqitchEngine,
    project: basename(config.root),
    env: { ...process.env, ...config.env },
  }
  return format.forProject?.(context) ?? format
}

const loadFormat = (config: Config) => {
  const format = formatOf(config)
  return format instanceof ConfigError ? Effect.fail(format) : Effect.succeed(format)
}

/** What `diffProject` found: the history, both schemas, the changes, and the changes as `-`/`+` text. */
export interface DiffResult {
  /** The migrations folder as read, for formats that keep an index file. */
  readonly folder: ReadonlyArray<FolderFile>
  readonly history: ReadonlyArray<Migration>
  readonly current: Schema
  readonly desired: Schema
  readonly changes: ReadonlyArray<Change>
  /** The changes as text (`-` history only, `+` schema.sql only). */
  readonly text: string
  /** The renames this run makes (declared in schema.sql, confirmed on a terminal) and those left open. */
  readonly renames: RenameDecisions
  /** The likely renames left open, each with the comment that would declare it and a hint saying so. */
  readonly renameCandidates: ReadonlyArray<OpenRename>
}

/** A likely rename nobody decided, with the comment that declares it and the hint that says where. */
export type OpenRename = RenameCandidate & { readonly comment: string; readonly hint: string }

/**
 * Read the project, take both snapshots, settle the renames and compare. With `keepImage`, the
 * database the history was replayed into stays in the caller's scope as an image for verification
 * to copy; with `asking`, a likely rename is asked about where the context can ask (`Questions`).
 */
const readProject = Effect.fnUntraced(function* (config: Config, keepImage: boolean, asking: boolean) {
  const engine = yield* Engine
  const format = yield* loadFormat(config)
  const folder = yield* readFolder(config)
  const history = yield* readHistory(config, format, folder)
  const source = yield* readSchemaSource(config)
  const migrations = `${history.length} migration${history.length === 1 ? "" : "s"}`
  const { current, desired, image } = yield* phase(
    "snapshot",
    takeSnapshots(history, source, { keepImage }),
    (s) =>
      `${s.fromCache ? `${migrations} from the snapshot cache` : `replayed ${migrations}`}, loaded ${config.schema}`,
  )
  const declared = yield* declaredRenames(source, current, desired)
  const questions = asking ? (yield* Questions).ask : undefined
  const renames = yield* decideRenames(current, desired, declared, questions, source.path)
  const changes = yield* diff(current, desired, renames.hints)
  const ids = engine.capabilities.identifiers
  const result = {
    folder,
    history,
    current,
    desired,
    changes,
    text: renderChanges(changes, { from: current, to: desired, renderTable: engine.renderTable }),
    renames,
    renameCandidates: renames.open.map((c) => ({
      ...c,
      comment: renameComment(c, ids),
      hint: renameHint(c, ids, source.path),
    })),
  } satisfies DiffResult
  return { result, image }
})

/** Replay the history, load schema.sql, and compare. */
export const diffProject = Effect.fn("aim/workflow/diff")(function* (config: Config) {
  return (yield* readProject(config, false, false)).result
}, Effect.scoped)

/** Options of `generateMigration`: dry run, file description, clock and model backoff. */
export interface GenerateOptions {
  readonly dryRun: boolean
  /** Description for the file name; derived from the changes when absent. */
  readonly name?: string | undefined
  /** Injected for reproducible versions and sqitch timestamps. */
  readonly now?: Date | undefined
  /** Backoff for a model's transport failures (429, 5xx, timeouts); steps/generate.ts has the default. */
  readonly transport?: TransportPolicy | undefined
}

/** How a model wrote the migration, for the run's report. */
export type GenerationReport = GenerationUsage

/**
 * What `generateMigration` did: nothing to generate, written or dry run, with the migration, its proof,
 * findings and files.
 */
export interface GenerateResult {
  readonly status: "nothing-to-generate" | "written" | "dry-run"
  readonly diff: DiffResult
  readonly up?: string | undefined
  readonly down?: string | undefined
  readonly notes: ReadonlyArray<string>
  readonly verification?: VerifyReport | undefined
  /** Each hazard of the change and what UP did with a row that breaks it (steps/probe.ts). */
  readonly hazards?: ReadonlyArray<ProbedHazard> | undefined
  /** Set when a model wrote the migration; undefined when the built-in planner did. */
  readonly generation?: GenerationReport | undefined
  /** Why a configured model was not asked (strategy "auto" with an unambiguous change). */
  readonly modelSkipped?: string | undefined
  /** What the validation rules found (warnings only: an error-level finding stops the run). */
  readonly findings?: ReadonlyArray<Finding> | undefined
  /** Paths relative to the project folder. */
  readonly files: ReadonlyArray<FolderFile>
}

/** A file-name description from the changes: "create_posts_and_alter_users", "create_index_x"... */
export const describeChanges = (changes: ReadonlyArray<Change>): string => safeName(summarizeChanges(changes))

/** The model aim.toml names; undefined for none, or for the built-in planner. */
function modelOf(config: Config): Extract<ModelSpec, { kind: "llm" }> | undefined {
  const spec = config.model === undefined ? undefined : parseModelSpec(config.model)
  return spec === undefined || typeof spec === "string" || spec.kind === "builtin" ? undefined : spec
}

/**
 * `effect` with its model provider, chosen here and nowhere else: a Provider already in the context
 * (a library caller's own) wins over the one aim.toml names.
 */
const withModel = <A, E, R>(
  config: Config,
  spec: Extract<ModelSpec, { kind: "llm" }>,
  effect: Effect.Effect<A, E, R>,
) =>
  Effect.serviceOption(Provider).pipe(
    Effect.flatMap((given) =>
      given._tag === "Some"
        ? Effect.provideService(effect, Provider, given.value)
        : Effect.provide(effect, providerLayer(spec, { timeoutSeconds: config.modelTimeout ?? 120 })),
    ),
  )

/** Snapshot, diff, plan, verify, write: the main job. */
export const generateMigration = Effect.fn("aim/workflow/generate")(function* (
  config: Config,
  options: GenerateOptions,
) {
  // Held from reading the history to writing the files, so two runs cannot pick the same version.
  if (!options.dryRun) yield* lockProject(config.root)
  const format = yield* loadFormat(config)
  const rules = yield* loadRuleSet(config)
  const withDown = !config.noDown && format.supportsDown
  // The replayed history is kept as an image (where the engine can copy it) so that each
  // verification starts from a copy of it; it is released as soon as the candidate is proven.
  const { result, produced, hazards } = yield* Effect.scoped(
    Effect.gen(function* () {
      const { result, image } = yield* readProject(config, true, true)
      if (result.changes.length === 0) return { result, produced: undefined, hazards: undefined }
      // One ground for every proof and probe of this run: the renames are facts, so the rows
      // checks follow them and a drop and an add never pass for one.
      const ground: ProofGround = {
        history: result.history,
        current: result.current,
        desired: result.desired,
        image,
        renames: result.renames.hints,
        changes: result.changes,
      }
      const produced = yield* Effect.mapError(
        produceCandidate(config, result, withDown, options, ground),
        (e) => withRenameHints(e, result.renameCandidates),
      )
      // What the proven migration does to rows that break the change; never a reason to stop.
      const found = produced.verification.hazards
      const hazards =
        found.length === 0
          ? []
          : yield* phase(
              "probe",
              probeHazards(produced.candidate, found, ground),
              (probed) => `${probed.length} hazard(s) probed with rows that break the change`,
            )
      return { result, produced, hazards }
    }),
  )
  if (produced === undefined) {
    return { status: "nothing-to-generate", diff: result, notes: [], files: [] } satisfies GenerateResult
  }
  const { candidate, verification, generation, description, modelSkipped } = produced
  const migration = {
    before: result.current,
    after: result.desired,
    changes: result.changes,
    up: candidate.up,
    source: "UP",
  }
  const checked = yield* phase("rules", checkRules(config, rules, migration), rulesDetail)
  yield* Effect.mapError(enforceRules(checked, "UP"), (e) => withRenameHints(e, result.renameCandidates))
  const now = options.now ?? new Date()
  const files = renderFiles(format, result, {
    description: options.name ?? description ?? describeChanges(result.changes),
    up: candidate.up,
    down: candidate.down,
    now,
  })
  if (!options.dryRun) {
    yield* phase(
      "write",
      write({
        folder: `${config.root}/${config.migrations}`,
        shownFolder: shownPath(config, config.migrations),
        files: files.files,
        replaces: files.replaces,
      }),
      () => `${files.files.length} file(s) in ${config.migrations}`,
    )
    // Only the planner's own DDL: a model's UP may branch on the sample rows verify seeded (a DO
    // block, CREATE TABLE ... AS SELECT) and build something a replay of the empty history would not.
    if (verification && candidate.trusted === true)
      // Best effort, reading the folder included: the files are written whatever happens here.
      yield* readFolder(config).pipe(
        Effect.flatMap((folder) => readHistory(config, format, folder)),
        Effect.flatMap((after) =>
          rememberWrittenMigration(result.history, after, candidate.up, verification.afterUp),
        ),
        Effect.ignore,
      )
  }
  return {
    status: options.dryRun ? "dry-run" : "written",
    diff: result,
    up: candidate.up,
    down: candidate.down,
    // A model decided the likely renames it wrote; the planner, which cannot, says how to settle them.
    notes: [...(generation ? [] : result.renameCandidates.map((c) => c.hint)), ...candidate.notes],
    verification,
    hazards,
    generation,
    modelSkipped,
    findings: checked.findings,
    files: files.files.map((f) => ({
      path: shownPath(config, `${config.migrations}/${f.path}`),
      content: f.content,
    })),
  } satisfies GenerateResult
}, Effect.scoped)

/**
 * A refusal (a migration that does not verify, a rule at level error) while a likely rename was
 * left open: the message ends with the comments that would declare it, since a rename written as a
 * drop and an add is the usual cause. The error keeps its tag and fields.
 */
function withRenameHints<E>(error: E, open: ReadonlyArray<OpenRename>): E {
  if (open.length === 0 || !(error instanceof Error)) return error
  const message = `${error.message}\n${open.map((c) => `hint: ${c.hint}`).join("\n")}`
  return Object.defineProperty(error, "message", { value: message, configurable: true })
}

/** What the user settled about renames, as facts for a model's prompt. */
function renameFacts(renames: RenameDecisions): string[] {
  const name = (kind: "table" | "column", table: string, from: string) =>
    kind === "table" ? `table ${from}` : `${table}.${from}`
  return [
    ...renames.declared.map(
      (r) => `${name(r.kind, r.table, r.from)} was renamed to ${r.to} (schema.sql says so)`,
    ),
    ...renames.confirmed.map(
      (c) => `${name(c.kind, "table" in c ? c.table : "", c.from)} was renamed to ${c.to} (the user said so)`,
    ),
    ...renames.declined.map(
      (c) =>
        `${name(c.kind, "table" in c ? c.table : "", c.from)} was not renamed to ${c.to}: the one is dropped, the other is new (the user said so)`,
    ),
  ]
}

const verifyDetail = (r: VerifyReport) =>
  `UP${r.downChecked ? " and DOWN" : ""} proven on a fresh database ${r.seed.seeded.length > 0 ? `with rows that fit both versions in ${r.seed.seeded.length} table(s)` : "with no sample rows"}`

/**
 * Who writes the candidate, and its proof. The planner alone without a model, with model =
 * "builtin" or strategy "builtin". With a model, strategy "auto" keeps the planner's migration when
 * it verifies and nothing in the change is ambiguous; otherwise (and always under "llm") the model
 * writes it, each answer verified and failures fed back, the planner's draft in the prompt.
 */
const produceCandidate = Effect.fnUntraced(function* (
  config: Config,
  result: DiffResult,
  withDown: boolean,
  options: GenerateOptions,
  ground: ProofGround,
) {
  const spec = modelOf(config)
  const strategy = config.strategy ?? "auto"
  const renames = result.renames.hints
  const planned = plan(result.current, result.desired, withDown, { changes: result.changes, renames })
  const prove = (c: Candidate) => verify(c, ground)
  if (spec === undefined || strategy === "builtin") {
    const built = yield* phase("plan", planned, () => "built-in planner")
    // Words about a rename in --context reach only a model; the planner reads comments in schema.sql.
    const unread = config.context?.trim()
      ? [
          `--context is read only by a model, and none writes this migration; declare a rename in ${config.schema} with "-- ${RENAMED_FROM} <old name>"`,
        ]
      : []
    const candidate = { ...built, notes: [...unread, ...built.notes] }
    const verification = yield* phase("verify", prove(candidate), verifyDetail)
    return { candidate, verification, generation: undefined, description: undefined, modelSkipped: undefined }
  }
  // A failed verification is something to tell the model; anything else (the engine broke) stops the run.
  const judge = (c: Candidate) =>
    prove(c).pipe(
      Effect.map((report): Verdict<VerifyReport> => ({ ok: true, report })),
      Effect.catchTags({
        MigrationFailed: (e) => Effect.succeed(refused(e)),
        SchemaDrift: (e) => Effect.succeed(refused(e)),
        RowsChanged: (e) => Effect.succeed(refused(e)),
        ForeignKeysBroken: (e) => Effect.succeed(refused(e)),
        ObjectsBroken: (e) => Effect.succeed(refused(e)),
      }),
    )
  // With a model, a change the planner cannot write is the model's to write.
  const draft = yield* phase(
    "plan",
    planned.pipe(Effect.catchTag("PlanFailed", () => Effect.succeed(undefined))),
    (c) => (c ? "built-in planner (draft)" : "the built-in planner cannot write this change"),
  )
  const ambiguities = findAmbiguities(
    result.changes,
    (yield* Engine).capabilities.types,
    result.renames.declined,
  )
  let rejected: string | undefined
  if (draft && strategy === "auto" && ambiguities.length === 0) {
    const verdict = yield* phase("verify", judge(draft), (v) =>
      v.ok ? verifyDetail(v.report) : "draft rejected",
    )
    if (verdict.ok) {
      const modelSkipped = "the change holds nothing ambiguous and the built-in planner's migration verifies"
      return {
        candidate: draft,
        verification: verdict.report,
        generation: undefined,
        description: undefined,
        modelSkipped,
      }
    }
    rejected = verdict.detail
  }
  const request = {
    model: spec.spec,
    current: result.current,
    desired: result.desired,
    changes: result.changes,
    draft: draft ? { candidate: draft, rejected } : undefined,
    renameFacts: renameFacts(result.renames),
    ambiguities,
    context: config.context,
    withDown,
    maxRetries: config.maxRetries,
    maxTokens: config.maxTokens,
    transport: options.transport,
  }
  const generated = yield* phase(
    "generate",
    withModel(config, spec, generate(request, judge)),
    (g) => `${g.model}: ${g.attempts} attempt(s), verified`,
  )
  const { candidate, report, description, ...usage } = generated
  const generation: GenerationReport = {
    model: usage.model,
    attempts: usage.attempts,
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    waitMillis: usage.waitMillis,
    promptTokens: usage.promptTokens,
  }
  return { candidate, verification: report, generation, description, modelSkipped: undefined }
})

const refused = (e: { readonly _tag: string; readonly message: string }): Verdict<never> => ({
  ok: false,
  problem: e._tag,
  detail: e.message,
})

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
  // Only a format's index files (sqitch.plan) may replace an existing file; the writer refuses any other.
  return { files, replaces: replaceablePaths(format, files, project.folder) }
}

/** Every existing migration proven in order, and the result equal to schema.sql. */
export const validateProject = Effect.fn("aim/workflow/validate")(function* (
  config: Config,
  options: { readonly rules?: boolean | undefined } = {},
) {
  const format = yield* loadFormat(config)
  const rules = options.rules ? yield* loadRuleSet(config) : undefined
  const history = yield* readHistory(config, format, yield* readFolder(config))
  const source = yield* readSchemaSource(config)
  const { desired } = yield* phase("snapshot", snapshot([], source), () => `loaded ${config.schema}`)
  const report = yield* phase(
    "validate",
    checkHistory(history, desired),
    (r) => `${r.migrations} migration(s), ${r.downsChecked} DOWN(s) checked`,
  )
  if (!rules) return { ...report, findings: undefined }
  // Each migration judged on its own before/after schemas; its findings name its UP file.
  const findings = yield* phase(
    "rules",
    Effect.forEach(report.states, ({ migration, before, after }) =>
      checkRules(config, rules, { before, after, up: migration.up, source: migration.upPath }).pipe(
        Effect.map((r) => r.findings.map((f) => ({ ...f, source: migration.upPath }))),
      ),
    ).pipe(Effect.map((all) => all.flat())),
    (all) => `${all.length} finding(s) in ${report.states.length} migration(s)`,
  )
  return { ...report, findings }
})

function loadRuleSet(config: Config) {
  const set = resolveRules(config.validation, config.file ?? "aim.toml")
  return set instanceof ConfigError ? Effect.fail(set) : Effect.succeed(set)
}

const rulesDetail = (r: { findings: ReadonlyArray<Finding>; customEvaluated: number }) =>
  `${r.findings.length} finding(s)${r.customEvaluated > 0 ? `, ${r.customEvaluated} custom rule(s) judged by the model` : ""}`

/**
 * Run the validation rules on one migration. Custom rules get the configured model (a Provider
 * already in the context wins); without one they are reported as not evaluated.
 */
const checkRules = Effect.fnUntraced(function* (
  config: Config,
  rules: RuleSet,
  migration: MigrationUnderRules,
) {
  const run = validateRules(rules, migration, { maxTokens: Math.min(config.maxTokens, 2048) })
  const spec = modelOf(config)
  // Built-in rules need no model; custom ones are reported as not evaluated without one.
  if (rules.customs.length === 0 || spec === undefined) return yield* run
  return yield* withModel(config, spec, run)
})
