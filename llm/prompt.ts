/**
 * prompt: what aim says to a model, in one place. For writing a migration: the system prompt (the
 * dialect and its rules), the user prompt (both schemas as compact canonical DDL, the change list as
 * a diff, what looks ambiguous, the planner's draft and the user's notes) and the submit_migration
 * tool the answer must come through. For a custom validation rule: the rule_verdict tool and the
 * one question it answers. Pure; the providers (llm/*.ts) send these.
 */
import type { Ambiguity } from "../model/ambiguity.ts"
import { renderChanges } from "../model/changes.ts"
import type { Change, Schema, Table } from "../model.ts"
import type { ToolSpec } from "./provider.ts"

/** What the prompts need of the engine: its dialect's name, its rules for a model, its table DDL. */
export interface PromptEngine {
  readonly dialect: string
  readonly promptRules?: ReadonlyArray<string> | undefined
  readonly renderTable: (table: Table) => string
}

/** What the user prompt is about: the two schemas, their change list, a draft, the user's notes. */
export interface PromptRequest {
  readonly current: Schema
  readonly desired: Schema
  readonly changes: ReadonlyArray<Change>
  readonly draft?:
    | {
        readonly candidate: { readonly up: string; readonly down?: string | undefined }
        readonly rejected?: string | undefined
      }
    | undefined
  /** What the user settled about renames: facts, not guesses. */
  readonly renameFacts?: ReadonlyArray<string> | undefined
  readonly context?: string | undefined
  readonly withDown: boolean
}

export function submitMigrationTool(withDown: boolean): ToolSpec {
  const properties: Record<string, unknown> = {
    up_sql: {
      type: "string",
      description:
        "The UP script: SQL statements, each ending in a semicolon, that take the current schema to the desired one.",
    },
    ...(withDown
      ? {
          down_sql: {
            type: "string",
            description:
              "The DOWN script: SQL statements that take the desired schema back to the current one.",
          },
        }
      : {}),
    description: {
      type: "string",
      description:
        "A few words on what the migration does, for its file name (e.g. rename users.name to full_name).",
    },
  }
  return {
    name: "submit_migration",
    description: "Submit the complete migration. Call it exactly once per answer.",
    parameters: {
      type: "object",
      properties,
      required: withDown ? ["up_sql", "down_sql", "description"] : ["up_sql", "description"],
      additionalProperties: false,
    },
  }
}

export function systemPrompt(engine: PromptEngine, withDown: boolean): string {
  const rules = [
    "Answer only by calling the submit_migration tool with the complete SQL. Write nothing outside the tool call.",
    "up_sql must take the current schema to the desired schema exactly: tables, columns, types, defaults, constraints, indexes, views and triggers. Column order does not matter.",
    withDown
      ? "down_sql must take the desired schema back to the current schema exactly."
      : "Write no DOWN script: the project keeps UP migrations only.",
    "Existing rows must survive: when a column or table was renamed, rename it (never drop and re-add it); when a type changes, convert the values.",
    "Each script runs in one transaction with foreign keys enforced. Do not write BEGIN, COMMIT or ROLLBACK.",
    "End every statement with a semicolon.",
    "aim runs your scripts on a database that holds the existing migrations and sample rows in every table. If a check fails you get the failure and answer again with a corrected migration.",
    ...(engine.promptRules ?? []),
  ]
  return `You write SQL schema migrations for ${engine.dialect}.\n\nRules:\n${rules.map((r) => `- ${r}`).join("\n")}`
}

const tidy = (sql: string) => `${sql.trim().replace(/;\s*$/, "")};`

/** A schema as compact canonical DDL: each table as the engine renders it, then the other objects. */
function renderSchema(schema: Schema, engine: PromptEngine): string {
  const tables = [...schema.tables].sort((a, b) => a.name.localeCompare(b.name)).map(engine.renderTable)
  const objects = [...schema.objects]
    .sort((a, b) => `${a.kind}:${a.name}`.localeCompare(`${b.kind}:${b.name}`))
    .map((o) => tidy(o.definition))
  const all = [...tables, ...objects]
  return all.length === 0 ? "(empty)" : all.join("\n")
}

export function userPrompt(
  request: PromptRequest,
  engine: PromptEngine,
  ambiguities: ReadonlyArray<Ambiguity>,
): string {
  const sections = [
    `Write the migration that takes the ${engine.dialect} database from the current schema to the desired schema.`,
    `Current schema (what the existing migrations build):\n${renderSchema(request.current, engine)}`,
    `Desired schema (schema.sql):\n${renderSchema(request.desired, engine)}`,
    `Difference (- only in the current schema, + only in the desired one):\n${renderChanges(request.changes, { from: request.current, to: request.desired, renderTable: engine.renderTable })}`,
  ]
  const facts = request.renameFacts ?? []
  if (facts.length > 0) {
    sections.push(
      `Renames the user settled (facts: write each rename as a rename, keeping the values; aim checks that they arrive under the new name):\n${facts.map((f) => `- ${f}`).join("\n")}`,
    )
  }
  if (ambiguities.length > 0) {
    sections.push(
      `Decide these from the names and types, keeping the data:\n${ambiguities.map((a) => `- ${a.detail}`).join("\n")}`,
    )
  }
  const draft = request.draft
  if (draft) {
    const why = draft.rejected
      ? `It was rejected: ${draft.rejected}`
      : "It treats every difference literally."
    const down =
      draft.candidate.down !== undefined && request.withDown ? `\nDOWN:\n${draft.candidate.down}` : ""
    sections.push(`Draft from aim's built-in planner. ${why}\nUP:\n${draft.candidate.up}${down}`)
  }
  if (request.context?.trim()) sections.push(`Notes from the user:\n${request.context.trim()}`)
  return sections.join("\n\n")
}

/** The tool a custom rule's verdict comes through. */
export const ruleVerdictTool: ToolSpec = {
  name: "rule_verdict",
  description: "Report whether the migration satisfies the rule.",
  parameters: {
    type: "object",
    properties: {
      status: {
        type: "string",
        enum: ["pass", "fail"],
        description: "fail when the migration breaks the rule",
      },
      detail: {
        type: "string",
        description: "One or two sentences: why, naming the statement at fault when it fails",
      },
    },
    required: ["status", "detail"],
    additionalProperties: false,
  },
}

/** The system prompt of a custom rule's request. */
export const ruleSystemPrompt =
  "You review one SQL migration against one rule. Judge only this rule, only from the SQL shown. " +
  'Answer by calling the rule_verdict tool exactly once: status "fail" when the migration breaks the rule, ' +
  '"pass" otherwise, and a short detail.'

/** The one question of a custom rule's request: the rule, and the migration's UP in its dialect. */
export const ruleQuestion = (id: string, rule: string, dialect: string, up: string) =>
  `Rule (${id}): ${rule}\n\n${dialect} migration (UP):\n\`\`\`sql\n${up.trim()}\n\`\`\``
