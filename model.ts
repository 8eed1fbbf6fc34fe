/**
 * model: the data every part of aim shares. A `Schema` is a normalized catalog read from a real
 * database (never parsed from the user's text alone), so two databases built the same way compare
 * equal whatever spelling their DDL used. Engines fill it; steps compare, plan and render it.
 */

/** A column as the catalog reports it, normalized by the engine that read it. */
export interface Column {
  readonly name: string
  /** Declared type, normalized (upper case, single spaces). */
  readonly type: string
  readonly notNull: boolean
  /** Default expression, normalized; undefined when the column has none. */
  readonly default?: string | undefined
  readonly collation?: string | undefined
  readonly generated?: { readonly expression: string; readonly stored: boolean } | undefined
  /**
   * Engine-specific attributes that are part of the column's definition and compared with it
   * (PostgreSQL: identity; MySQL: on_update, charset, invisible; any engine: comment). Keys are
   * engine-chosen, values normalized text.
   */
  readonly extra?: Readonly<Record<string, string>> | undefined
  /** The column's definition as the user wrote it, used when a planner adds the column back. */
  readonly definition?: string | undefined
}

/** What a foreign key does to referencing rows on delete or update. */
export type ReferentialAction = "NO ACTION" | "RESTRICT" | "CASCADE" | "SET NULL" | "SET DEFAULT"

/** A foreign key of a table, normalized across engines. */
export interface ForeignKey {
  /** Constraint name where the engine keeps one that matters (PostgreSQL, MySQL); undefined for SQLite. */
  readonly name?: string | undefined
  readonly columns: ReadonlyArray<string>
  readonly table: string
  readonly referencedColumns: ReadonlyArray<string>
  readonly onDelete: ReferentialAction
  readonly onUpdate: ReferentialAction
  readonly deferrable: boolean
  readonly initiallyDeferred: boolean
  /** MATCH FULL where the engine has it (PostgreSQL); undefined means the default, MATCH SIMPLE. */
  readonly match?: "FULL" | undefined
}

/** A table's primary key: its columns in order, and its name where the engine keeps one. */
export interface PrimaryKey {
  readonly name?: string | undefined
  readonly columns: ReadonlyArray<string>
  readonly autoincrement: boolean
}

/** A UNIQUE constraint of a table: its columns in order and its name. */
export interface UniqueConstraint {
  readonly name?: string | undefined
  readonly columns: ReadonlyArray<string>
}

/** A CHECK constraint of a table: its expression as the database normalizes it, and its name. */
export interface CheckConstraint {
  readonly name?: string | undefined
  /** Normalized expression text. */
  readonly expression: string
}

/** A table in the normalized catalog: columns, keys, constraints and options. */
export interface Table {
  /** Qualified where the engine has schemas and the table is outside the default one ("audit.log"). */
  readonly name: string
  readonly columns: ReadonlyArray<Column>
  readonly primaryKey?: PrimaryKey | undefined
  readonly uniques: ReadonlyArray<UniqueConstraint>
  readonly checks: ReadonlyArray<CheckConstraint>
  readonly foreignKeys: ReadonlyArray<ForeignKey>
  /**
   * Engine options and table-level attributes, normalized and sorted (SQLite: WITHOUT ROWID,
   * STRICT; PostgreSQL: UNLOGGED, PARTITION BY ..., EXCLUDE ..., COMMENT ...; MySQL: ENGINE=...).
   */
  readonly options: ReadonlyArray<string>
  /** The CREATE statement as the database stores it; planners reuse it to create the table exactly. */
  readonly definition: string
}

/** Objects that are compared as a whole and replaced when they change: indexes, views, triggers... */
export type ObjectKind =
  | "index"
  | "view"
  | "trigger"
  | "virtual-table"
  | "schema"
  | "extension"
  | "sequence"
  | "enum"
  | "domain"
  | "type"
  | "function"
  | "procedure"
  | "materialized-view"
  | "event"
  | "comment"

/**
 * Anything in a schema that is not a table (index, view, trigger, enum, sequence...), kept as its definition.
 */
export interface SchemaObject {
  readonly kind: ObjectKind
  readonly name: string
  /** The table an index or trigger belongs to. */
  readonly table?: string | undefined
  /** The CREATE statement as the database stores it. */
  readonly definition: string
  /** Normalized text used for comparison (case, quoting and spacing folded). */
  readonly key: string
  /** Names of tables and views this object reads. */
  readonly dependsOn: ReadonlyArray<string>
}

/** The normalized catalog of one database: what snapshots produce and the diff compares. */
export interface Schema {
  readonly engine: string
  /** The version of the database that produced this snapshot, e.g. "3.51.0". */
  readonly version: string
  /**
   * True when the engine takes names that differ only in ASCII case for the same name (SQLite:
   * `Users` and `users` are one table), so comparison must match them rather than see a drop and a create.
   */
  readonly caseInsensitiveNames?: boolean | undefined
  readonly tables: ReadonlyArray<Table>
  readonly objects: ReadonlyArray<SchemaObject>
}

/** One SQL statement with where it came from, so a failure can name file and line. */
export interface Statement {
  readonly sql: string
  /** 1-based line of the statement's first character in its source. */
  readonly line: number
  readonly source: string
}

/** A migration as read from (or written to) the user's migrations folder. */
export interface Migration {
  /** Version as the format spells it ("000003", "20240101120000", "1.2.3"). */
  readonly version: string
  readonly name: string
  readonly up: string
  readonly down?: string | undefined
  /** Paths relative to the project, for messages. */
  readonly upPath: string
  readonly downPath?: string | undefined
  /** false when the format marks the migration to run outside a transaction. */
  readonly transaction: boolean
}

/** A structural difference between two schemas, as the diff step finds it. */
export type Change =
  | { readonly kind: "create-table"; readonly table: Table }
  | { readonly kind: "drop-table"; readonly table: Table }
  | {
      readonly kind: "alter-table"
      readonly before: Table
      readonly after: Table
      readonly addedColumns: ReadonlyArray<Column>
      readonly droppedColumns: ReadonlyArray<Column>
      readonly changedColumns: ReadonlyArray<{ readonly before: Column; readonly after: Column }>
      /** True when anything beyond columns differs: keys, checks, foreign keys, options. */
      readonly constraintsChanged: boolean
    }
  | { readonly kind: "create-object"; readonly object: SchemaObject }
  | { readonly kind: "drop-object"; readonly object: SchemaObject }
  | { readonly kind: "replace-object"; readonly before: SchemaObject; readonly after: SchemaObject }

/** What a generator produces: the statements of UP and DOWN. */
export interface Plan {
  readonly up: ReadonlyArray<string>
  readonly down: ReadonlyArray<string>
  /** Things the planner wants the user to know (a rebuild, a value carried over). */
  readonly notes: ReadonlyArray<string>
}

/** How serious a finding is: an `error` stops the run, a `warning` is printed. */
export type FindingLevel = "error" | "warning"

/** A rule's verdict on one statement of a migration. */
export interface Finding {
  readonly rule: string
  readonly level: FindingLevel
  readonly message: string
  readonly statement?: string | undefined
  readonly line?: number | undefined
}
