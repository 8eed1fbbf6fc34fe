/**
 * fixtures: the projects the benchmark runs aim on, written into temp folders. A history is what a
 * real team's golang-migrate folder looks like after a while: tables created with a few columns,
 * indexes and foreign keys, columns added later, indexes created and dropped, views created and
 * replaced. The same seeded sequence of changes is rendered in each dialect (SQLite, PostgreSQL,
 * MariaDB), so every engine replays the same history. schema.sql is the schema the history builds,
 * written as plain CREATE statements, plus one pending change (a new column), so `aim diff` has one
 * line to show and `aim generate` one migration to prove. Holds no resources: the caller removes
 * the folder.
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"

export type Dialect = "sqlite" | "postgres" | "mariadb"

/** `history`: N migrations of mixed changes. `wide`: few migrations that build many tables. */
export type FixtureShape =
  | { readonly kind: "history"; readonly migrations: number }
  | { readonly kind: "wide"; readonly tables: number }
  | { readonly kind: "empty" }

export interface Migration {
  readonly up: string
  readonly down: string
}

export interface Fixture {
  readonly migrations: ReadonlyArray<Migration>
  readonly schema: string
  readonly tables: number
}

/** Column types and DDL spellings that differ between the three dialects. */
interface Spelling {
  readonly id: string
  readonly ref: string
  readonly timestamp: string
  readonly dropIndex: (index: string, table: string) => string
  /** Text each migration's UP is wrapped in when a client replays it (golang-migrate's transaction). */
  readonly begin: string
  readonly commit: string
}

const spellings: Record<Dialect, Spelling> = {
  sqlite: {
    id: "INTEGER PRIMARY KEY",
    ref: "INTEGER",
    timestamp: "TIMESTAMP",
    dropIndex: (index) => `DROP INDEX ${index};`,
    begin: "BEGIN;",
    commit: "COMMIT;",
  },
  postgres: {
    id: "BIGSERIAL PRIMARY KEY",
    ref: "BIGINT",
    timestamp: "TIMESTAMPTZ",
    dropIndex: (index) => `DROP INDEX ${index};`,
    begin: "BEGIN;",
    commit: "COMMIT;",
  },
  // MariaDB commits around every DDL statement, so a wrapping transaction would change nothing.
  mariadb: {
    id: "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY",
    ref: "BIGINT",
    timestamp: "DATETIME",
    dropIndex: (index, table) => `DROP INDEX ${index} ON ${table};`,
    begin: "",
    commit: "",
  },
}

/**
 * Column names with the type a team would give them; every type is valid in CREATE TABLE and in
 * ALTER TABLE ADD COLUMN on all three dialects (SQLite refuses non-constant defaults there).
 */
const words: ReadonlyArray<readonly [string, string]> = [
  ["name", "VARCHAR(100) NOT NULL DEFAULT ''"],
  ["title", "VARCHAR(255)"],
  ["status", "VARCHAR(32) NOT NULL DEFAULT 'new'"],
  ["email", "VARCHAR(255)"],
  ["code", "VARCHAR(32)"],
  ["note", "TEXT"],
  ["amount", "DECIMAL(12,2)"],
  ["quantity", "INTEGER NOT NULL DEFAULT 0"],
  ["priority", "INTEGER"],
  ["region", "VARCHAR(64)"],
  ["label", "VARCHAR(100)"],
  ["source", "VARCHAR(64)"],
  ["rating", "INTEGER"],
  ["summary", "TEXT"],
  ["active", "BOOLEAN NOT NULL DEFAULT FALSE"],
  ["score", "DECIMAL(6,2)"],
  ["phone", "VARCHAR(32)"],
  ["city", "VARCHAR(100)"],
  ["country", "VARCHAR(2)"],
  ["due_on", "DATE"],
]

/** Types an index may cover on MariaDB without a prefix length (not TEXT). */
const indexable = (type: string) => !type.startsWith("TEXT")

const nouns = [
  "accounts",
  "users",
  "teams",
  "projects",
  "orders",
  "invoices",
  "payments",
  "products",
  "categories",
  "comments",
  "posts",
  "tags",
  "events",
  "sessions",
  "addresses",
  "shipments",
  "suppliers",
  "reviews",
  "tickets",
  "messages",
]

/** A small seeded PRNG (mulberry32), so every run and every dialect gets the same history. */
function random(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(items: ReadonlyArray<T>): T => items[Math.floor(next() * items.length)] as T,
  }
}

interface Column {
  readonly name: string
  /** Dialect-neutral type text; `ref` and `timestamp` are spelled per dialect. */
  readonly type: string
}

interface Table {
  readonly name: string
  readonly columns: Column[]
  /** Parent table of `<parent>_id`, when the table has one. */
  readonly parent?: string | undefined
  readonly indexes: Map<string, { readonly columns: ReadonlyArray<string>; readonly unique: boolean }>
}

interface View {
  readonly name: string
  readonly table: string
  columns: ReadonlyArray<string>
}

/** The schema as the history builds it, kept to render schema.sql at the end. */
class Model {
  readonly tables: Table[] = []
  readonly views = new Map<string, View>()
  private indexCount = 0

  constructor(
    private readonly dialect: Dialect,
    private readonly rng: ReturnType<typeof random>,
  ) {}

  private get spell() {
    return spellings[this.dialect]
  }

  typeOf(column: Column): string {
    if (column.type === "ref") return this.spell.ref
    if (column.type === "timestamp") return `${this.spell.timestamp} NOT NULL DEFAULT CURRENT_TIMESTAMP`
    return column.type
  }

  columnSql(column: Column): string {
    return `${column.name} ${this.typeOf(column)}`
  }

  createTableSql(table: Table): string {
    const lines = [`id ${this.spell.id}`, ...table.columns.map((c) => this.columnSql(c))]
    if (table.parent) lines.push(`FOREIGN KEY (${table.parent}_id) REFERENCES ${table.parent} (id)`)
    return `CREATE TABLE ${table.name} (\n  ${lines.join(",\n  ")}\n);`
  }

  indexSql(table: string, name: string, index: { columns: ReadonlyArray<string>; unique: boolean }): string {
    return `CREATE ${index.unique ? "UNIQUE " : ""}INDEX ${name} ON ${table} (${index.columns.join(", ")});`
  }

  viewSql(view: View): string {
    return `CREATE VIEW ${view.name} AS SELECT ${view.columns.join(", ")} FROM ${view.table};`
  }

  /** A new table with 3 to 6 columns, a created_at stamp, maybe a parent, and one or two indexes. */
  createTable(): Migration {
    const n = this.tables.length
    const name =
      n < nouns.length ? (nouns[n] as string) : `${nouns[n % nouns.length]}_${Math.floor(n / nouns.length)}`
    const columns: Column[] = []
    const used = new Set<string>()
    const count = 3 + this.rng.int(4)
    while (columns.length < count) {
      const [word, type] = this.rng.pick(words)
      if (used.has(word)) continue
      used.add(word)
      columns.push({ name: word, type })
    }
    columns.push({ name: "created_at", type: "timestamp" })
    const parent = n > 0 && this.rng.next() < 0.5 ? this.tables[this.rng.int(n)]?.name : undefined
    if (parent) columns.push({ name: `${parent}_id`, type: "ref" })
    const table: Table = { name, columns, parent, indexes: new Map() }
    this.tables.push(table)
    const up = [this.createTableSql(table)]
    const first = columns.find((c) => indexable(c.type) && c.type !== "timestamp" && c.type !== "ref")
    if (first) up.push(this.addIndex(table, [first.name], first.name === "email" || first.name === "code"))
    if (this.rng.next() < 0.5) up.push(this.addIndex(table, ["created_at"], false))
    return { up: up.join("\n"), down: `DROP TABLE ${name};` }
  }

  private addIndex(table: Table, columns: ReadonlyArray<string>, unique: boolean): string {
    this.indexCount += 1
    const name = `ix_${table.name}_${this.indexCount}`
    const index = { columns, unique }
    table.indexes.set(name, index)
    return this.indexSql(table.name, name, index)
  }

  /** Which kind of change the next migration makes. */
  roll(): number {
    return this.rng.next()
  }

  private someTable(): Table {
    return this.rng.pick(this.tables)
  }

  addColumn(): Migration {
    const table = this.someTable()
    const [base, type] = this.rng.pick(words)
    const taken = new Set(table.columns.map((c) => c.name))
    let name = base
    for (let i = 2; taken.has(name); i++) name = `${base}_${i}`
    const column = { name, type }
    table.columns.push(column)
    return {
      up: `ALTER TABLE ${table.name} ADD COLUMN ${this.columnSql(column)};`,
      down: `ALTER TABLE ${table.name} DROP COLUMN ${name};`,
    }
  }

  createIndex(): Migration {
    const table = this.someTable()
    const candidates = table.columns.filter((c) => indexable(c.type) && c.type !== "ref")
    const picked = this.rng.pick(candidates)
    const second = this.rng.next() < 0.3 ? this.rng.pick(candidates) : undefined
    const columns = second && second.name !== picked.name ? [picked.name, second.name] : [picked.name]
    const up = this.addIndex(table, columns, false)
    const name = `ix_${table.name}_${this.indexCount}`
    return { up, down: this.spell.dropIndex(name, table.name) }
  }

  /** Drop an index an earlier migration created; falls back to creating one when none is left. */
  dropIndex(): Migration {
    const withIndexes = this.tables.filter((t) => t.indexes.size > 0)
    if (withIndexes.length === 0) return this.createIndex()
    const table = this.rng.pick(withIndexes)
    const [name, index] = this.rng.pick([...table.indexes])
    table.indexes.delete(name)
    return { up: this.spell.dropIndex(name, table.name), down: this.indexSql(table.name, name, index) }
  }

  /** Create a view over a table, or replace an existing view with a different column list. */
  view(): Migration {
    const existing = [...this.views.values()]
    if (existing.length > 0 && this.rng.next() < 0.4) {
      const view = this.rng.pick(existing)
      const before = this.viewSql(view)
      view.columns = this.viewColumns(this.tables.find((t) => t.name === view.table) as Table)
      return {
        up: `DROP VIEW ${view.name};\n${this.viewSql(view)}`,
        down: `DROP VIEW ${view.name};\n${before}`,
      }
    }
    const table = this.someTable()
    const name = `v_${table.name}_${this.views.size + 1}`
    const view: View = { name, table: table.name, columns: this.viewColumns(table) }
    this.views.set(name, view)
    return { up: this.viewSql(view), down: `DROP VIEW ${name};` }
  }

  private viewColumns(table: Table): string[] {
    const others = table.columns.filter(() => this.rng.next() < 0.6).map((c) => c.name)
    return ["id", ...others]
  }

  /** schema.sql: every table, index and view the history leaves, plus one pending column. */
  schemaSql(pending: boolean): string {
    const out: string[] = []
    const last = this.tables[this.tables.length - 1]
    for (const table of this.tables) {
      const columns =
        pending && table === last
          ? [...table.columns, { name: "pending_note", type: "VARCHAR(200)" }]
          : table.columns
      out.push(this.createTableSql({ ...table, columns }))
      for (const [name, index] of table.indexes) out.push(this.indexSql(table.name, name, index))
    }
    for (const view of this.views.values()) out.push(this.viewSql(view))
    return `${out.join("\n\n")}\n`
  }
}

/** The history and schema.sql of one shape in one dialect. */
export function buildFixture(dialect: Dialect, shape: FixtureShape): Fixture {
  const model = new Model(dialect, random(20_240_611))
  const migrations: Migration[] = []
  if (shape.kind === "empty") return { migrations, schema: "", tables: 0 }
  if (shape.kind === "wide") {
    // Ten tables per migration, with indexes and a view now and then: a big schema, a short history.
    for (let built = 0; built < shape.tables; built += 10) {
      const parts: Migration[] = []
      for (let i = 0; i < 10 && built + i < shape.tables; i++) parts.push(model.createTable())
      if (built % 40 === 0) parts.push(model.view())
      migrations.push({
        up: parts.map((p) => p.up).join("\n\n"),
        down: parts
          .map((p) => p.down)
          .reverse()
          .join("\n"),
      })
    }
  } else {
    for (let i = 0; i < shape.migrations; i++) {
      const roll = model.tables.length < 3 ? 0 : model.roll()
      migrations.push(
        roll < 0.2
          ? model.createTable()
          : roll < 0.55
            ? model.addColumn()
            : roll < 0.75
              ? model.createIndex()
              : roll < 0.9
                ? model.view()
                : roll < 0.95
                  ? model.dropIndex()
                  : combine(model.addColumn(), model.createIndex()),
      )
    }
  }
  return { migrations, schema: model.schemaSql(true), tables: model.tables.length }
}

function combine(a: Migration, b: Migration): Migration {
  return { up: `${a.up}\n${b.up}`, down: `${b.down}\n${a.down}` }
}

/** Write the fixture as a golang-migrate project: aim.toml, schema.sql, migrations/NNNNNN_*.sql. */
export function writeProject(dir: string, fixture: Fixture, aimToml: string): void {
  mkdirSync(join(dir, "migrations"), { recursive: true })
  writeFileSync(join(dir, "aim.toml"), aimToml)
  writeFileSync(join(dir, "schema.sql"), fixture.schema)
  fixture.migrations.forEach((m, i) => {
    const base = join(dir, "migrations", `${String(i + 1).padStart(6, "0")}_change_${i + 1}`)
    writeFileSync(`${base}.up.sql`, `${m.up}\n`)
    writeFileSync(`${base}.down.sql`, `${m.down}\n`)
  })
}

/** The whole history as one script for the engine's own client: each UP in its own transaction. */
export function historyScript(dialect: Dialect, fixture: Fixture): string {
  const begin = spellings[dialect].begin
  const commit = spellings[dialect].commit
  return fixture.migrations.map((m) => (begin ? `${begin}\n${m.up}\n${commit}\n` : `${m.up}\n`)).join("")
}
