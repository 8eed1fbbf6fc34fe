/**
 * generate: ask a model for the migration and keep asking, in the same conversation, until one
 * verifies. The prompt (llm/prompt.ts) holds the dialect and its rules, both schemas as compact
 * canonical DDL, the change list, what looks ambiguous, the planner's draft and the user's context.
 * The model answers through one tool, `submit_migration`; an answer that is not a usable call (free text, SQL
 * outside the tool, malformed arguments) is fed back like a failed verification, never a crash.
 * Two budgets: `maxRetries` more attempts after a rejected candidate, and a transport budget per
 * call for 429/5xx/timeouts/resets (backoff with jitter, or the server's retry-after). A rejected
 * key stops at once. Resources: none of its own; the checker and the provider hold theirs.
 */
import { Duration, Effect, Schedule, Schema as S } from "effect"
import { type Ambiguity, findAmbiguities } from "../model/ambiguity.ts"
import { Engine } from "../engines/engine.ts"
import { submitMigrationTool, systemPrompt, userPrompt } from "../llm/prompt.ts"
import { type ChatTurn, Provider, ProviderFailed, type ToolAnswer } from "../llm/provider.ts"
import type { Change, Schema } from "../model.ts"
import type { Candidate } from "./plan.ts"

/** Every attempt's failure, when the budget ran out without a candidate that verifies. */
export class GenerationFailed extends S.TaggedError<GenerationFailed>()("GenerationFailed", {
  model: S.String,
  attempts: S.Array(S.Struct({ attempt: S.Number, problem: S.String, detail: S.String })),
}) {
  override get message() {
    const lines = this.attempts.map((a) => {
      const detail = a.detail.split("\n").slice(0, 6).join("\n      ")
      return `  attempt ${a.attempt} (${a.problem}): ${detail}`
    })
    return `${this.model} gave no migration that verifies in ${this.attempts.length} attempt${this.attempts.length === 1 ? "" : "s"}; nothing was written.\n${lines.join("\n")}`
  }
}

/** The model ran out of output tokens before finishing its answer. */
export class OutputTruncated extends S.TaggedError<OutputTruncated>()("OutputTruncated", {
  model: S.String,
  maxTokens: S.Number,
}) {
  override get message() {
    return `The answer from ${this.model} was cut off at max_tokens = ${this.maxTokens} before the migration was complete; raise max_tokens in aim.toml (or --max-tokens). Nothing was written.`
  }
}

/** The checker's verdict on one candidate: proven, or refused with what to tell the model. */
export type Verdict<A> =
  | { readonly ok: true; readonly report: A }
  | { readonly ok: false; readonly problem: string; readonly detail: string }

/** How often and how long to retry a model call after a retryable transport failure (429, 5xx, timeout). */
export interface TransportPolicy {
  /** Retries of one call after a retryable transport failure. */
  readonly retries: number
  readonly baseDelay: Duration.Input
  readonly maxDelay: Duration.Input
}

/** The default backoff for a model's transport failures: 5 retries from 1 s, capped at 30 s. */
export const defaultTransport: TransportPolicy = { retries: 5, baseDelay: "1 second", maxDelay: "30 seconds" }

/** The longest wait a retry-after header can ask for before aim gives up waiting on it. */
const longestRetryAfter = Duration.minutes(2)

/**
 * Backoff with jitter for transport failures, only while the failure says it is retryable; when
 * the server names a wait (retry-after) that wait is used instead.
 */
export const transportRetry = (policy: TransportPolicy) =>
  Schedule.min([Schedule.exponential(policy.baseDelay), Schedule.spaced(policy.maxDelay)]).pipe(
    Schedule.jittered,
    Schedule.setInputType<ProviderFailed>(),
    Schedule.modifyDelay(({ input, duration }) =>
      Effect.succeed(
        input.retryAfter === undefined
          ? duration
          : Duration.min(Duration.millis(input.retryAfter * 1000), longestRetryAfter),
      ),
    ),
    Schedule.upTo({ times: policy.retries }),
    Schedule.while(({ input }) => input.retryable),
  )

/** What the model is asked: the two schemas, the changes, the planner's draft, instructions and limits. */
export interface GenerationRequest {
  /** `<provider>-<model>` as configured, for messages. */
  readonly model: string
  readonly current: Schema
  readonly desired: Schema
  readonly changes: ReadonlyArray<Change>
  /** The built-in planner's candidate, when it could write one, and why it was not used as is. */
  readonly draft?: { readonly candidate: Candidate; readonly rejected?: string | undefined } | undefined
  /** What the user settled about renames (declared in schema.sql, answered on a terminal): facts. */
  readonly renameFacts?: ReadonlyArray<string> | undefined
  /**
   * What in the change is for the model to decide (model/ambiguity.ts), likely renames the user
   * answered no to left out; worked out from `changes` alone when not given.
   */
  readonly ambiguities?: ReadonlyArray<Ambiguity> | undefined
  readonly context?: string | undefined
  readonly withDown: boolean
  readonly maxRetries: number
  readonly maxTokens: number
  readonly transport?: TransportPolicy | undefined
}

/** What asking the model cost: which model, how many attempts, tokens, time waited, prompt size. */
export interface GenerationUsage {
  /** `<provider>-<model>` as configured. */
  readonly model: string
  readonly attempts: number
  readonly inputTokens: number
  readonly outputTokens: number
  /** Time spent waiting on the provider, transport retries included. */
  readonly waitMillis: number
  /** Size of the first prompt (system + user), estimated at four characters per token. */
  readonly promptTokens: number
}

/** A migration a model wrote and that verified, with its proof and what asking cost. */
export interface Generation<A> extends GenerationUsage {
  readonly candidate: Candidate
  readonly report: A
  /** A few words from the model, for the file name. */
  readonly description: string
}

/**
 * Tokens in `text`, estimated at four characters per token: the rule of thumb OpenAI and Anthropic
 * both give for English and code. Good to ~20% for sizing a prompt; never used for billing.
 */
export const estimateTokens = (text: string) => Math.ceil(text.length / 4)

type Read =
  | { readonly ok: true; readonly candidate: Candidate; readonly description: string }
  | { readonly ok: false; readonly problem: string; readonly detail: string }

const looksLikeSql = (text: string) => /\b(CREATE|ALTER|DROP|INSERT|UPDATE)\s+\w+/i.test(text)

/** The tool call's arguments as a candidate, or what to tell the model about its answer. */
export function readAnswer(answer: ToolAnswer, withDown: boolean): Read {
  const args = answer.arguments
  if (args === undefined) {
    return looksLikeSql(answer.text)
      ? {
          ok: false,
          problem: "SQL outside the tool",
          detail: "You wrote the SQL as text. Put it in submit_migration's up_sql and down_sql instead.",
        }
      : {
          ok: false,
          problem: "no tool call",
          detail: "You answered without calling submit_migration. Call it with the complete migration.",
        }
  }
  if (typeof args !== "object" || args === null || Array.isArray(args)) {
    return {
      ok: false,
      problem: "malformed arguments",
      detail: "The arguments of submit_migration were not a JSON object. Call it again with valid JSON.",
    }
  }
  const record = args as Record<string, unknown>
  const wrong = (["up_sql", ...(withDown ? ["down_sql"] : []), "description"] as const).filter(
    (k) => typeof record[k] !== "string",
  )
  if (wrong.length > 0) {
    return {
      ok: false,
      problem: "malformed arguments",
      detail: `submit_migration needs string fields ${wrong.join(", ")}; they were missing or not strings.`,
    }
  }
  const up = record.up_sql as string
  if (up.trim() === "") {
    return {
      ok: false,
      problem: "malformed arguments",
      detail: "up_sql was empty; it must hold the UP script.",
    }
  }
  const script = (sql: string) => (sql.trim() === "" ? "" : `${sql.trim()}\n`)
  return {
    ok: true,
    candidate: {
      up: script(up),
      down: withDown ? script(record.down_sql as string) : undefined,
      notes: [],
    },
    description: (record.description as string).trim(),
  }
}

/** The model's answer as the assistant turn of the conversation, for the next attempt's context. */
function assistantTurn(answer: ToolAnswer): string {
  if (answer.arguments === undefined) return answer.text.trim() || "(no answer)"
  const args =
    typeof answer.arguments === "string" ? answer.arguments : JSON.stringify(answer.arguments, null, 1)
  return `${answer.text.trim() ? `${answer.text.trim()}\n` : ""}submit_migration(${args})`
}

/** Ask, verify with `check`, feed failures back; the first candidate that verifies wins. */
export const generate = <A, E, R>(
  request: GenerationRequest,
  check: (candidate: Candidate) => Effect.Effect<Verdict<A>, E, R>,
) =>
  Effect.gen(function* () {
    const engine = yield* Engine
    const provider = yield* Provider
    const policy = request.transport ?? defaultTransport
    const system = systemPrompt(engine, request.withDown)
    const first = userPrompt(
      request,
      engine,
      request.ambiguities ?? findAmbiguities(request.changes, engine.capabilities.types),
    )
    const turns: ChatTurn[] = [{ role: "user", content: first }]
    const tool = submitMigrationTool(request.withDown)
    const failures: Array<{ attempt: number; problem: string; detail: string }> = []
    let inputTokens = 0
    let outputTokens = 0
    let waitMillis = 0
    const ask = () =>
      provider.callTool({ system, turns: [...turns], tool, maxTokens: request.maxTokens }).pipe(
        Effect.retry(transportRetry(policy)),
        Effect.mapError((e) =>
          e.retryable
            ? new ProviderFailed({ ...e, reason: `${e.reason}; gave up after ${policy.retries} retries` })
            : e,
        ),
      )
    const refuse = (attempt: number, answer: ToolAnswer, problem: string, detail: string, ran: boolean) => {
      failures.push({ attempt, problem, detail })
      turns.push({ role: "assistant", content: assistantTurn(answer) })
      turns.push({
        role: "user",
        content: `${ran ? "aim ran your migration and it failed" : "Your answer could not be used"} (${problem}):\n${detail}\n\nCall submit_migration again with the corrected, complete migration.`,
      })
    }
    for (let attempt = 1; attempt <= request.maxRetries + 1; attempt++) {
      const [waited, answer] = yield* Effect.timed(ask())
      waitMillis += Duration.toMillis(waited)
      inputTokens += answer.inputTokens
      outputTokens += answer.outputTokens
      const read = readAnswer(answer, request.withDown)
      if (!read.ok) {
        if (answer.stopReason === "max-tokens")
          return yield* new OutputTruncated({ model: request.model, maxTokens: request.maxTokens })
        refuse(attempt, answer, read.problem, read.detail, false)
        continue
      }
      const verdict = yield* check(read.candidate)
      if (!verdict.ok) {
        refuse(attempt, answer, verdict.problem, verdict.detail, true)
        continue
      }
      return {
        candidate: read.candidate,
        report: verdict.report,
        description: read.description,
        model: request.model,
        attempts: attempt,
        inputTokens,
        outputTokens,
        waitMillis,
        promptTokens: estimateTokens(system + first),
      } satisfies Generation<A>
    }
    return yield* new GenerationFailed({ model: request.model, attempts: failures })
  }).pipe(Effect.withSpan("aim/steps/generate"))
