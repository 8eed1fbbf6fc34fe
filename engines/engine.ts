/**
 * engine: the contract every database engine fulfils. Steps only talk to this service; which
 * engine (and, later, which backend of it) runs is decided once, when the CLI builds the layer.
 * Resources: `ephemeral` hands out a throwaway database that lives as long as the caller's scope.
 */
import { Context, Effect, Schema as S, type Scope } from "effect"
import type { EngineSettings } from "../config.ts"
import { type DataHazard, type HazardRules, standardHazardRules } from "../model/hazards.ts"
import { type TypeRules, standardTypeRules } from "../model/types.ts"
import type { DmlReader } from "../sql/dml.ts"
import type { Identifiers } from "../sql/identifiers.ts"
import { LexError, standardDialect } from "../sql/lexer.ts"
import type { Change, Schema, Statement, Table } from "../model.ts"
import type { Planner, PlanStep } from "./order.ts"

/**
 * A statement the database rejected, named by file and line (and column, where the database says
 * where in the statement it stopped: see engines/error-position.ts).
 */
export class StatementFailed extends S.TaggedError<StatementFailed>()("StatementFailed", {
  source: S.String,
  line: S.Number,
  column: S.optional(S.Number),
  /** Where in `statement` (0-based) the database stopped, as the engine read it from the error. */
  offset: S.optional(S.Number),
  statement: S.String,
  reason: S.String,
}) {
  // Bun gives every Error a `column` (where it was constructed); without one of our own the
  // message would point into aim's source, so an absent column is set to undefined explicitly.
  constructor(props: {
    readonly source: string
    readonly line: number
    readonly column?: number | undefined
    readonly offset?: number | undefined
    readonly statement: string
    readonly reason: string
  }) {
    super({ ...props, column: props.column, offset: props.offset })
  }

  override get message() {
    const shown = this.statement.length > 200 ? `${this.statement.slice(0, 200)}...` : this.statement
    const at = this.column === undefined ? `${this.line}` : `${this.line}:${this.column}`
    return `${this.source}:${at}: ${this.reason}\n  in: ${shown.replace(/\s+/g, " ")}`
  }
}

/** SQL text that cannot even be split into statements (an unterminated string or comment). */
export class SqlSyntaxError extends S.TaggedError<SqlSyntaxError>()("SqlSyntaxError", {
  source: S.String,
  line: S.Number,
  reason: S.String,
}) {
  override get message() {
    return `${this.source}:${this.line}: ${this.reason}`
  }
}

/**
 * An engine's `split`, from its splitter: text the splitter cannot read (an unterminated string,
 * comment or body) is a SqlSyntaxError naming the file and the line where it starts.
 */
export const splitWith =
  (cut: (sql: string, source: string) => ReadonlyArray<Statement>) => (sql: string, source: string) =>
    Effect.try({
      try: () => cut(sql, source),
      catch: (error) =>
        new SqlSyntaxError({
          source,
          line: error instanceof LexError ? error.line : 1,
          reason: error instanceof Error ? error.message : String(error),
        }),
    })

/** The engine itself failed: a server would not start, a catalog query broke. */
export class EngineFailed extends S.TaggedError<EngineFailed>()("EngineFailed", {
  engine: S.String,
  action: S.String,
  reason: S.String,
}) {
  override get message() {
    return `${this.engine}: cannot ${this.action}: ${this.reason}`
  }
}

/** The planner met a change it cannot express safely. */
export class PlanFailed extends S.TaggedError<PlanFailed>()("PlanFailed", {
  reason: S.String,
}) {
  override get message() {
    return `The built-in planner cannot write this migration: ${this.reason}`
  }
}

/**
 * What an engine takes from aim.toml: its own `[engines.<name>]` settings (backend, url), and the
 * file they came from, for messages. Never the whole configuration.
 */
export interface EngineOptions {
  readonly settings?: EngineSettings | undefined
  readonly source?: string | undefined
}

/** What an engine's planner returns for one direction: unordered steps, and notes for the user. */
export interface PlannedSteps {
  readonly steps: ReadonlyArray<PlanStep>
  /** Things the planner wants the user to know (a rebuild, a value carried over). */
  readonly notes: ReadonlyArray<string>
}

/**
 * An engine's `plan`, from its planner: a PlanFailed the planner throws (a change it cannot express)
 * is the Effect's failure; anything else thrown is a defect, a bug to report.
 */
export const planWith = (planner: Planner) => (changes: ReadonlyArray<Change>, from: Schema, to: Schema) =>
  Effect.suspend(() => {
    try {
      return Effect.succeed(planner(changes, from, to))
    } catch (error) {
      if (error instanceof PlanFailed) return Effect.fail(error)
      throw error
    }
  })

/** Rows read back from a table for the survival check: one canonical string per row, sorted. */
export type RowImage = ReadonlyArray<string>

export interface ApplyOptions {
  /** Run the statements in one transaction, as the user's migration runner does. */
  readonly transaction: boolean
  /**
   * The statements come from the user's own files (history, schema.sql), not from a model. An
   * engine may let trusted statements do what only a privileged role can (PostgreSQL: CREATE
   * EXTENSION of an untrusted extension) and holds untrusted ones to a sandbox.
   */
  readonly trusted: boolean
}

/** Which tables a verification filled with synthesized rows before UP, and which it left empty and why. */
export interface SeedReport {
  /** Tables that received synthesized rows, with how many. */
  readonly seeded: ReadonlyArray<{ readonly table: string; readonly rows: number }>
  /** Tables left empty, with why (a check constraint no synthesized value satisfies, ...). */
  readonly skipped: ReadonlyArray<{ readonly table: string; readonly reason: string }>
  /**
   * Tables that took rows as they are, but no row that fits the schema after the change as well:
   * proven only empty, with the conditions (model/hazards.ts) every row aim tried met.
   */
  readonly provenEmpty: ReadonlyArray<{ readonly table: string; readonly conditions: ReadonlyArray<string> }>
  /** With a probe: whether its table got the row (or rows) that meet its condition, and why not. */
  readonly probe?: { readonly met: boolean; readonly reason?: string | undefined } | undefined
}

/**
 * What sample rows must do besides fitting the schema they are written into (engines/seed.ts):
 * avoid the rows a change refuses, or, for a hazard probe, be such a row.
 */
export interface SeedConditions {
  /**
   * Hazards whose rows the schema after the change refuses: each table's rows avoid its own, and
   * take values from the parents of the foreign keys that come. A table no row avoids them in is
   * left empty and reported as proven empty.
   */
  readonly avoid?: ReadonlyArray<DataHazard> | undefined
  /**
   * Only this hazard's table, and the tables its rows need as parents, get rows: one row that meets
   * its condition (two sharing their key, for a key that comes).
   */
  readonly probe?: DataHazard | undefined
}

/**
 * A throwaway database's state, kept so that later throwaway databases start from a copy of it
 * instead of replaying what built it. It lives as long as the scope of the database it was kept from.
 */
export interface DatabaseImage {
  /**
   * A new throwaway database holding a copy of the image, as isolated as one from `ephemeral`: the
   * same sandbox for untrusted SQL, the same connection settings, released with the caller's scope.
   * Nothing run in a copy reaches the image or another copy.
   */
  readonly clone: Effect.Effect<Database, EngineFailed, Scope.Scope>
  /**
   * The image as bytes that outlive the run, on engines whose databases have such a form (SQLite:
   * the serialized database); `EngineShape.imageFromBytes` turns them back into an image.
   */
  readonly bytes?: Uint8Array | undefined
}

/** A view, function or trigger that exists but fails when used, with what the database said. */
export interface BrokenObject {
  readonly kind: "view" | "materialized-view" | "function" | "procedure" | "trigger"
  /** As the catalog names it: qualified outside the default schema ("audit.recent"); a function with its arguments. */
  readonly name: string
  readonly reason: string
}

/** One throwaway database, alive until the scope that produced it closes. */
export interface Database {
  readonly apply: (
    statements: ReadonlyArray<Statement>,
    options: ApplyOptions,
    // EngineFailed: the server went away (a lost connection is not the statement's fault).
  ) => Effect.Effect<void, StatementFailed | EngineFailed>
  readonly snapshot: Effect.Effect<Schema, EngineFailed>
  /**
   * Insert synthesized rows into every table of `schema`, respecting keys, FKs and checks, and the
   * conditions given (rows that fit the schema after a change too, or a probe's row).
   */
  readonly seed: (schema: Schema, conditions?: SeedConditions) => Effect.Effect<SeedReport, EngineFailed>
  /**
   * The rows of `table`, its `columns` only. `alongside` names the other tables whose rows the same
   * check reads: an engine whose tables hold rows of other tables (a PostgreSQL partitioned table,
   * whose rows are its partitions') counts only the rows no table alongside accounts for.
   */
  readonly readRows: (
    table: string,
    columns: ReadonlyArray<string>,
    alongside?: ReadonlyArray<string>,
  ) => Effect.Effect<RowImage, EngineFailed>
  /** Rows that break a foreign key, as "table -> parent" descriptions; empty when all hold. */
  readonly foreignKeyViolations: Effect.Effect<ReadonlyArray<string>, EngineFailed>
  /**
   * Optional: use what was created, so an object that loads but fails on first use (a SQLite view
   * on a missing table) is found now: every view is read (no rows), and every function and trigger
   * body is checked where the engine can. Yields the objects that fail; changes nothing.
   */
  readonly brokenObjects?: Effect.Effect<ReadonlyArray<BrokenObject>, EngineFailed> | undefined
  /**
   * Optional capability, for engines that copy a database more cheaply than they replay a history
   * (SQLite: a serialized copy in memory; PostgreSQL servers: CREATE DATABASE ... TEMPLATE): keep
   * this database's current state as an image. This database is not used afterwards, and the image
   * lasts as long as the scope it was acquired in. Yields undefined when the state cannot be copied
   * exactly (a SQLite connection holding TEMP objects or changed settings). Without an image,
   * callers replay the history into a fresh `ephemeral` database, as on engines that leave this
   * out (MySQL and MariaDB have no cheap copy).
   */
  readonly keepAsImage?: Effect.Effect<DatabaseImage | undefined, EngineFailed> | undefined
}

/**
 * What an engine is, as far as code outside engines/ must know: everything else is behind the
 * contract's functions. The defaults are here, in one place (`capabilities`); an engine states only
 * where it differs.
 */
export interface Capabilities {
  /**
   * DDL runs inside a transaction and is rolled back with it (SQLite, PostgreSQL). Where it is not
   * (MySQL commits around each DDL statement), a migration's statements run without one unless all
   * of them are DML.
   */
  readonly transactionalDdl: boolean
  /** How the engine's types hold values, for the rules and ambiguity detection (model/types.ts). */
  readonly types: TypeRules
  /**
   * The engine's real parser for the statements that delete or rewrite rows, which the rules look
   * for; without one they fall back to tokens, which can only err towards flagging.
   */
  readonly dml: DmlReader | undefined
  /** Sqitch's key for the engine (lib/App/Sqitch/Engine/*.pm), written in sqitch.conf and script headers. */
  readonly sqitchEngine: string | undefined
  /** How names are written and folded, for what aim reads of schema.sql itself (its rename comments). */
  readonly identifiers: Identifiers
  /**
   * How the dialect writes the conditions that find the rows a change would break, and how its
   * types convert values (model/hazards.ts): what sample rows, hazard probes and check queries use.
   */
  readonly hazards: HazardRules
}

/** An engine's capabilities: the defaults, with the differences it states. */
export function capabilities(
  differences: Partial<Omit<Capabilities, "types">> & { readonly types?: Partial<TypeRules> },
): Capabilities {
  return {
    transactionalDdl: true,
    dml: undefined,
    sqitchEngine: undefined,
    identifiers: { dialect: standardDialect, unquoted: "lower", defaultSchema: "public" },
    hazards: standardHazardRules,
    ...differences,
    types: { ...standardTypeRules, ...differences.types },
  }
}

/** The server version an engine id asks for and the one that really runs, on engines that run servers. */
export interface ServerVersions {
  /** "15" for `postgres-15`; undefined when the id asks for none (plain `postgres`: the newest). */
  readonly asked: string | undefined
  /** The version that runs, without a distribution's suffix: "16.4". */
  readonly running: string
  /** One sentence when the server that runs is not the one asked, for a warning every run prints; else undefined. */
  readonly mismatch: string | undefined
}

/**
 * The engine contract: what an engine in engines/ provides (id, description, capabilities, split, ephemeral
 * databases, plan, renderTable).
 */
export interface EngineShape {
  /** "sqlite", "postgres-17", ... as written in aim.toml. */
  readonly id: string
  /** Human name of the SQL dialect, for prompts and messages. */
  readonly dialect: string
  /**
   * One line on what really runs and why, shown once per run: "PostgreSQL 18.6 (embedded PGlite):
   * no url set, no Docker daemon, no initdb on PATH". Say it when the version differs from the one asked.
   */
  readonly description: string
  /** The asked and the running server version, where the engine knows both before its first database. */
  readonly server?: ServerVersions | undefined
  /**
   * What decides the schema a history builds here, besides aim's own code: the engine and the
   * server that really runs. The snapshot cache keys on it; without it, on the description. It
   * leaves out what varies from run to run without changing a schema (why a backend was chosen,
   * whether a data folder came from a cache), which would otherwise turn every such run into a miss.
   */
  readonly snapshotIdentity?: string | undefined
  readonly capabilities: Capabilities
  readonly split: (sql: string, source: string) => Effect.Effect<ReadonlyArray<Statement>, SqlSyntaxError>
  readonly ephemeral: Effect.Effect<Database, EngineFailed, Scope.Scope>
  /**
   * How many throwaway databases work at once without slowing each other: several on a server,
   * one (the default) for an engine that runs in aim's own process. Hazard probes read it.
   */
  readonly concurrentDatabases?: number | undefined
  /**
   * Optional, on engines whose images have bytes (`DatabaseImage.bytes`): the image those bytes
   * hold, as an earlier run kept them (the snapshot cache stores them beside a history's schema),
   * or undefined when they are not a database this engine can copy.
   */
  readonly imageFromBytes?: ((bytes: Uint8Array) => Effect.Effect<DatabaseImage | undefined>) | undefined
  /**
   * The steps that make `changes` (the change list from `from` to `to`), each with the references
   * of the changes it makes; engines/order.ts orders them. DOWN is the same call for the change
   * list from `to` back to `from` (steps/plan.ts), never a path of its own.
   */
  readonly plan: (
    changes: ReadonlyArray<Change>,
    from: Schema,
    to: Schema,
  ) => Effect.Effect<PlannedSteps, PlanFailed>
  /** Canonical DDL of one table, for display and diffs. */
  readonly renderTable: (table: Table) => string
  /**
   * What a model must know to write this dialect's migrations (what ALTER TABLE can and cannot do,
   * how a rebuild keeps rows), one rule per entry; shown in the generation prompt.
   */
  readonly promptRules?: ReadonlyArray<string> | undefined
}

/**
 * The engine service every step uses: throwaway databases, the SQL splitter, the planner and the table
 * renderer of one database engine.
 */
export class Engine extends Context.Service<Engine, EngineShape>()("aim/engines/Engine") {}
