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
  /** False when the engine marks it NOT VALID (rows already present are not checked); undefined: valid. */
  readonly valid?: false | undefined
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
  /** False when the engine marks it NOT VALID (rows already present are not checked); undefined: valid. */
  readonly valid?: false | undefined
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
  | "policy"
  | "grant"
  | "aggregate"
  | "rule"

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

/**
 * A reference to one thing a change needs, removes or creates: a table, a column, all columns of a
 * table, the keys and indexes of a table (what a foreign key into it needs), a named constraint, or
 * any schema object by its kind and name. Names are matched the way the engine matches them
 * (folded where it ignores case).
 */
export interface ObjectRef {
  /**
   * `columns` stands for every column of the table `name` at once (what a view or an index on the
   * table reads); `keys` for its primary key, unique constraints and indexes.
   */
  readonly kind: "table" | "column" | "columns" | "keys" | "constraint" | ObjectKind
  readonly name: string
  /** The table of a column or constraint. */
  readonly table?: string | undefined
}

/**
 * What an altered column changes: its type, NOT NULL, default, collation (or charset), generation
 * expression, identity (or auto-increment, or serial sequence), comment, other engine attributes
 * (MySQL ON UPDATE, INVISIBLE), and its position. Position is reported beside other aspects, never
 * as a change by itself: aim does not compare column order.
 */
export type ColumnAspect =
  | "type"
  | "nullability"
  | "default"
  | "collation"
  | "generated"
  | "identity"
  | "comment"
  | "attributes"
  | "position"

/** The kinds of table constraint a change can add, drop or alter. */
export type ConstraintType = "primary-key" | "unique" | "check" | "foreign-key" | "exclusion"

/**
 * One constraint of a table as the change list carries it: its type, its name (undefined where the
 * model leaves a default name out), whether it is valid (false for a PostgreSQL NOT VALID check or
 * foreign key; engines without the notion always say true), and its definition. Constraints an
 * engine keeps whole in the table's options (PostgreSQL EXCLUDE, UNIQUE NULLS NOT DISTINCT) carry
 * that text as `clause`.
 */
export type TableConstraint = {
  readonly name: string | undefined
  readonly valid: boolean
} & (
  | { readonly type: "primary-key"; readonly primaryKey: PrimaryKey }
  | { readonly type: "unique"; readonly unique: UniqueConstraint }
  | { readonly type: "check"; readonly check: CheckConstraint }
  | { readonly type: "foreign-key"; readonly foreignKey: ForeignKey }
  | { readonly type: "exclusion" | "unique" | "primary-key"; readonly clause: string }
)

/** What an altered constraint changes; `definition` covers anything else (columns, expression...). */
export type ConstraintAspect = "definition" | "validity" | "deferrable"

/**
 * What the changes of a change list share: the objects the change needs to exist when it runs
 * (created before it), the objects it removes and creates, and the objects what it removes
 * depended on (those are removed after it). Ordering reads only these (engines/order.ts).
 */
export interface ChangeRefs {
  readonly needs: ReadonlyArray<ObjectRef>
  readonly creates: ReadonlyArray<ObjectRef>
  readonly removes: ReadonlyArray<ObjectRef>
  /** What the removed object relied on: removed only after this change ran. */
  readonly removedNeeds: ReadonlyArray<ObjectRef>
}

/**
 * One fine-grained difference between two schemas, as `diffSchemas` (model/diff.ts) finds it. The
 * list is computed once and read by the planners, the rules, ambiguity detection, the model's
 * prompt, the diff text and `--json`. Table-level changes name their table as it is after the
 * change (`table`), and carry the table before and after where it exists on both sides.
 */
export type Change = ChangeRefs &
  (
    | { readonly kind: "create-table"; readonly table: Table }
    | { readonly kind: "drop-table"; readonly table: Table }
    | { readonly kind: "rename-table"; readonly before: Table; readonly after: Table }
    | { readonly kind: "add-column"; readonly table: string; readonly column: Column }
    | { readonly kind: "drop-column"; readonly table: string; readonly column: Column }
    /** A rename's aspects are what else changes with it (type, default...); empty for a plain rename. */
    | Alteration<"rename-column", Column, ColumnAspect>
    | Alteration<"alter-column", Column, ColumnAspect>
    | { readonly kind: "add-constraint"; readonly table: string; readonly constraint: TableConstraint }
    | { readonly kind: "drop-constraint"; readonly table: string; readonly constraint: TableConstraint }
    | Alteration<"alter-constraint", TableConstraint, ConstraintAspect>
    | { readonly kind: "add-index"; readonly table: string; readonly index: SchemaObject }
    | { readonly kind: "drop-index"; readonly table: string; readonly index: SchemaObject }
    | {
        readonly kind: "alter-index"
        readonly table: string
        readonly before: SchemaObject
        readonly after: SchemaObject
      }
    | {
        /** The same index under a new name: on a table or column the renames touch, named after it. */
        readonly kind: "rename-index"
        readonly table: string
        readonly before: SchemaObject
        readonly after: SchemaObject
      }
    | {
        /** Table-level options (engine, partitioning, comment, row security, WITHOUT ROWID...). */
        readonly kind: "alter-table"
        readonly before: Table
        readonly after: Table
        readonly removedOptions: ReadonlyArray<string>
        readonly addedOptions: ReadonlyArray<string>
      }
    | { readonly kind: "create-object"; readonly object: SchemaObject }
    | { readonly kind: "drop-object"; readonly object: SchemaObject }
    | { readonly kind: "replace-object"; readonly before: SchemaObject; readonly after: SchemaObject }
  )

/** Something of a table, before and after a change, with what changed (`aspects`). */
interface Alteration<K extends string, T, A> {
  readonly kind: K
  readonly table: string
  readonly before: T
  readonly after: T
  readonly aspects: ReadonlyArray<A>
}

/** The kinds of change, as `Change["kind"]` spells them. */
export type ChangeKind = Change["kind"]

/**
 * Renames the diff cannot see in two catalogs (a renamed table reads as a drop and a create), as
 * the user declares them: tables by old and new name, columns by the table's new name and the
 * column's old and new name. With them the diff reports a rename and what else changed.
 */
export interface RenameHints {
  readonly tables?: ReadonlyArray<{ readonly from: string; readonly to: string }> | undefined
  readonly columns?:
    | ReadonlyArray<{ readonly table: string; readonly from: string; readonly to: string }>
    | undefined
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
