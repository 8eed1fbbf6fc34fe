/**
 * rule: the contract of a built-in validation rule. A rule is a pure function of the schema before
 * the migration, the schema after it (both read from real databases by an engine) and the UP
 * statements (split by the engine, parsed by the engine's grammar); it returns findings that name
 * the statement and its line. The decision comes from the catalogs wherever it can, so a rename is
 * not a drop and a spelling of a type is not a change; the statements only locate the finding, or
 * decide what the catalogs cannot see (rows deleted by DML).
 */
import type { Change, Finding, Schema } from "../model.ts"
import type { TypeRules } from "../model/types.ts"
import type { DmlFact } from "../sql/dml.ts"
import type { Token } from "../sql/words.ts"

export type { DmlFact }

/** One statement of the UP script, with what the rules need to know about it. */
export interface UpStatement {
  readonly sql: string
  /** 1-based line of the statement in the UP file. */
  readonly line: number
  readonly tokens: ReadonlyArray<Token>
  /** Rows the statement deletes or rewrites (empty for DDL). */
  readonly dml: ReadonlyArray<DmlFact>
  /** Why the grammar could not parse the statement; undefined when it did. */
  readonly unparsed?: string | undefined
}

/** What a rule judges: the schemas before and after a migration, the change list between them, its UP. */
export interface RuleInput {
  readonly before: Schema
  readonly after: Schema
  /** The differences from `before` to `after` (model/diff.ts), computed once for every rule. */
  readonly changes: ReadonlyArray<Change>
  readonly up: ReadonlyArray<UpStatement>
  /** How the engine's types hold values (its capabilities), for the rules that judge type changes. */
  readonly types: TypeRules
}

/**
 * The rule contract: an id, a level, a description, and a check over the schemas, their change list
 * and the parsed UP statements.
 */
export interface BuiltinRule {
  /** The id users write in aim.toml; also the rule's file name. */
  readonly id: string
  /** One sentence on what the rule flags, shown by `aim rules`. */
  readonly description: string
  /** Findings at the default level ("warning"); the rule set applies the configured level. */
  readonly check: (input: RuleInput) => ReadonlyArray<Finding>
}

/** A finding at `statement`, or without one when no statement could be tied to it. */
export function finding(rule: string, message: string, statement: UpStatement | undefined): Finding {
  return { rule, level: "warning", message, statement: statement?.sql, line: statement?.line }
}
