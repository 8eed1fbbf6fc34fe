/**
 * validate: run a RuleSet on one migration: the built-in rules decide exactly from the schema
 * before, the schema after and the UP statements (split by the engine, parsed in its grammar); each
 * custom rule is one isolated request to the model, which sees only the UP SQL and answers through
 * the `rule_verdict` tool. Custom requests run in parallel (bounded), each retried on transport
 * failures the provider marks retryable. Without a model, custom rules are reported as not
 * evaluated, never passed. Resources: none held beyond the model requests in flight.
 */
import { Effect, Option, Schedule, Schema as S } from "effect"
import { Engine } from "../engines/engine.ts"
import { ruleQuestion, ruleSystemPrompt, ruleVerdictTool } from "../llm/prompt.ts"
import { Provider, type ProviderShape } from "../llm/provider.ts"
import type { Change, Finding, Schema } from "../model.ts"
import { diffSchemas } from "../model/diff.ts"
import { parseStatements } from "../rules/_parse.ts"
import type { ResolvedCustom, RuleSet } from "../rules/resolve.ts"

const FindingSchema = S.Struct({
  rule: S.String,
  level: S.Literals(["error", "warning"]),
  message: S.String,
  statement: S.optional(S.String),
  line: S.optional(S.Number),
})

/** Error-level findings on a migration: the run stops before anything is written. */
export class RuleViolated extends S.TaggedError<RuleViolated>()("RuleViolated", {
  /** The UP file (or "UP" for a migration not yet written). */
  source: S.String,
  findings: S.Array(FindingSchema),
}) {
  override get message() {
    const lines = this.findings.map((f) => {
      const at = f.line !== undefined ? `${this.source}:${f.line}` : this.source
      const shown = f.statement ? `\n  in: ${f.statement.replace(/\s+/g, " ").slice(0, 200)}` : ""
      return `${at}: rule ${f.rule}: ${f.message}${shown}`
    })
    return `The migration breaks ${this.findings.length === 1 ? "a rule" : `${this.findings.length} rules`} set to error, so nothing was written:\n${lines.join("\n")}`
  }
}

/** A migration as the rules see it: the schemas before and after, and the UP SQL with where it came from. */
export interface MigrationUnderRules {
  readonly before: Schema
  readonly after: Schema
  /** The change list from `before` to `after`, when the caller has it already; computed otherwise. */
  readonly changes?: ReadonlyArray<Change> | undefined
  readonly up: string
  /** Where UP comes from, for statement positions ("UP" before it is written). */
  readonly source: string
}

/** What the rules found in one migration, and how many custom rules the model judged. */
export interface ValidationReport {
  /** Every finding, error and warning, built-ins first, then custom rules in their order. */
  readonly findings: ReadonlyArray<Finding>
  /** Custom rules the model judged (the rest are reported as not evaluated). */
  readonly customEvaluated: number
}

/** Model requests for custom rules in flight at once. */
export const customRuleConcurrency = 4

/** Transport retries for one custom-rule request: 3 more tries, 0.5 s, 1 s, 2 s apart. */
export const ruleRequestRetry = Schedule.exponential("500 millis", 2)

const judge = (
  provider: ProviderShape,
  custom: ResolvedCustom,
  up: string,
  dialect: string,
  maxTokens: number,
) =>
  provider
    .callTool({
      system: ruleSystemPrompt,
      turns: [
        {
          role: "user",
          content: ruleQuestion(custom.id, custom.rule, dialect, up),
        },
      ],
      tool: ruleVerdictTool,
      maxTokens,
    })
    .pipe(
      Effect.retry({ schedule: ruleRequestRetry, times: 3, while: (e) => e.retryable }),
      Effect.map((answer): Finding | undefined => {
        const args = answer.arguments as { status?: unknown; detail?: unknown } | undefined
        const detail = typeof args?.detail === "string" ? args.detail : ""
        if (args?.status === "pass") return undefined
        if (args?.status === "fail")
          return {
            rule: custom.id,
            level: custom.level,
            message: detail || "the model found the rule broken",
          }
        return {
          rule: custom.id,
          level: "warning",
          message: `not evaluated: ${provider.provider} answered without a valid rule_verdict call${answer.text ? ` ("${answer.text.slice(0, 120)}")` : ""}`,
        }
      }),
    )

/**
 * Step: run the resolved validation rules on one migration; built-ins decide exactly, custom rules go to the
 * model in parallel.
 */
export const validate = Effect.fn("aim/steps/validate")(function* (
  rules: RuleSet,
  migration: MigrationUnderRules,
  options: { readonly maxTokens?: number | undefined } = {},
) {
  const engine = yield* Engine
  const statements = yield* engine.split(migration.up, migration.source)
  const up = yield* Effect.promise(() => parseStatements(statements, engine.capabilities.dml))
  const input = {
    before: migration.before,
    after: migration.after,
    changes: migration.changes ?? diffSchemas(migration.before, migration.after),
    up,
    types: engine.capabilities.types,
  }
  const builtin = rules.builtins.flatMap(({ rule, level }) => rule.check(input).map((f) => ({ ...f, level })))
  if (rules.customs.length === 0) return { findings: builtin, customEvaluated: 0 } satisfies ValidationReport
  const provider = yield* Effect.serviceOption(Provider)
  if (Option.isNone(provider)) {
    const skipped = rules.customs.map(
      (c): Finding => ({
        rule: c.id,
        level: "warning",
        message: "not evaluated: custom rules need a model (set `model` in aim.toml or pass --model)",
      }),
    )
    return { findings: [...builtin, ...skipped], customEvaluated: 0 } satisfies ValidationReport
  }
  const verdicts = yield* Effect.forEach(
    rules.customs,
    (custom) => judge(provider.value, custom, migration.up, engine.dialect, options.maxTokens ?? 1024),
    { concurrency: customRuleConcurrency },
  )
  const custom = verdicts.filter((v): v is Finding => v !== undefined)
  return {
    findings: [...builtin, ...custom],
    customEvaluated: verdicts.length - custom.filter((f) => f.message.startsWith("not evaluated")).length,
  } satisfies ValidationReport
})

/** Fail with RuleViolated when the report holds error-level findings. */
export const enforceRules = (report: ValidationReport, source: string) => {
  const errors = report.findings.filter((f) => f.level === "error")
  return errors.length === 0 ? Effect.void : Effect.fail(new RuleViolated({ source, findings: errors }))
}
