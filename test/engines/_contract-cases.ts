/**
 * _contract-cases: the change cases every engine runs (contract.test.ts): a schema before (the
 * history's only migration) and after (schema.sql), optionally rename hints, and what the UP script
 * must show. Each is planned by aim's built-in planner and verified as `aim generate` verifies it:
 * UP on a copy of the history holding rows, the schema reached, the rows kept, DOWN back. Several
 * pin an ordering mistake the planners once made: an index dropped while a foreign key still needs
 * it, a foreign key created before the unique index it references, a CHECK or DEFAULT or generated
 * column created before the function it calls, a view before the columns it reads, a trigger before
 * its function, a partition before its parent, a sequence before or after its owner column.
 */
import type { RenameHints } from "../../model.ts"
import type { EngineFamily } from "./_backends.ts"

export interface ContractCase {
  readonly name: string
  /** The SQL of the schema before and after, per family; a family without SQL does not run the case. */
  readonly from: Partial<Record<EngineFamily, string>>
  readonly to: Partial<Record<EngineFamily, string>>
  readonly renames?: RenameHints | undefined
  /** Patterns the UP script must match, in this order (statement order is what the case pins). */
  readonly upInOrder?: ReadonlyArray<RegExp> | undefined
  /** Patterns neither UP nor DOWN may match (a declared rename is never a drop and an add). */
  readonly neither?: ReadonlyArray<RegExp> | undefined
}

/** What a declared rename must never be written as. */
const noDropAndAdd = [/\bDROP\s+(TABLE|COLUMN)\b/i, /\bADD\s+COLUMN\b/i]

/** The same SQL for every family. */
const all = (sql: string): Record<EngineFamily, string> => ({ sqlite: sql, postgres: sql, mariadb: sql })

export const contractCases: ReadonlyArray<ContractCase> = [
  {
    name: "a column added and a view that reads it",
    from: all("CREATE TABLE t (id INT PRIMARY KEY, a INT);"),
    to: all("CREATE TABLE t (id INT PRIMARY KEY, a INT, b INT); CREATE VIEW v AS SELECT id, a, b FROM t;"),
    upInOrder: [/ADD COLUMN .*\bb\b|CREATE TABLE/i, /CREATE VIEW/i],
  },
  {
    name: "a foreign key into a unique index created in the same migration",
    from: all("CREATE TABLE p (id INT NOT NULL); CREATE TABLE c (id INT PRIMARY KEY, p INT);"),
    to: all(
      "CREATE TABLE p (id INT NOT NULL); CREATE UNIQUE INDEX p_id ON p (id); CREATE TABLE c (id INT PRIMARY KEY, p INT REFERENCES p (id));",
    ),
    upInOrder: [/CREATE UNIQUE INDEX/i, /FOREIGN KEY|REFERENCES/i],
  },
  {
    name: "the unique index a foreign key relies on is replaced",
    from: all(
      "CREATE TABLE p (id INT NOT NULL); CREATE UNIQUE INDEX p_old ON p (id); CREATE TABLE c (id INT PRIMARY KEY, p INT REFERENCES p (id));",
    ),
    to: all(
      "CREATE TABLE p (id INT NOT NULL); CREATE UNIQUE INDEX p_new ON p (id); CREATE TABLE c (id INT PRIMARY KEY, p INT REFERENCES p (id));",
    ),
  },
  {
    name: "two new tables whose foreign keys point at each other",
    from: all("CREATE TABLE t0 (id INT PRIMARY KEY);"),
    to: {
      // SQLite takes a reference to a table not yet created; the servers need it added afterwards.
      sqlite:
        "CREATE TABLE t0 (id INT PRIMARY KEY); CREATE TABLE a (id INT PRIMARY KEY, b_id INT REFERENCES b (id)); CREATE TABLE b (id INT PRIMARY KEY, a_id INT REFERENCES a (id));",
      ...Object.fromEntries(
        (["postgres", "mariadb"] as const).map((f) => [
          f,
          "CREATE TABLE t0 (id INT PRIMARY KEY); CREATE TABLE a (id INT PRIMARY KEY, b_id INT); CREATE TABLE b (id INT PRIMARY KEY, a_id INT REFERENCES a (id)); ALTER TABLE a ADD FOREIGN KEY (b_id) REFERENCES b (id);",
        ]),
      ),
    },
  },
  {
    name: "a table renamed and a column renamed keep their rows",
    from: all("CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(40));"),
    to: all("CREATE TABLE people (id INT PRIMARY KEY, full_name VARCHAR(40));"),
    renames: {
      tables: [{ from: "users", to: "people" }],
      columns: [{ table: "people", from: "name", to: "full_name" }],
    },
    upInOrder: [/RENAME/i],
  },
  {
    name: "a renamed NOT NULL column with an index keeps its values both ways",
    from: all(
      "CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL); CREATE INDEX customers_name ON customers (name);",
    ),
    to: all(
      "CREATE TABLE customers (id INT PRIMARY KEY, full_name VARCHAR(100) NOT NULL); CREATE INDEX customers_name ON customers (full_name);",
    ),
    renames: { columns: [{ table: "customers", from: "name", to: "full_name" }] },
    upInOrder: [/RENAME COLUMN|CHANGE COLUMN/i],
    neither: [...noDropAndAdd, /DROP INDEX/i],
  },
  {
    name: "a renamed nullable column keeps its values both ways",
    from: all("CREATE TABLE t (id INT PRIMARY KEY, note VARCHAR(50));"),
    to: all("CREATE TABLE t (id INT PRIMARY KEY, comment VARCHAR(50));"),
    renames: { columns: [{ table: "t", from: "note", to: "comment" }] },
    upInOrder: [/RENAME COLUMN|CHANGE COLUMN/i],
    neither: noDropAndAdd,
  },
  {
    name: "a column renamed and retyped at once is renamed and retyped",
    from: all("CREATE TABLE t (id INT PRIMARY KEY, note VARCHAR(50));"),
    to: all("CREATE TABLE t (id INT PRIMARY KEY, comment VARCHAR(80) NOT NULL DEFAULT 'none');"),
    renames: { columns: [{ table: "t", from: "note", to: "comment" }] },
    upInOrder: [/RENAME COLUMN|CHANGE COLUMN/i],
    neither: [/\bDROP\s+COLUMN\b/i, /\bADD\s+COLUMN\b/i],
  },
  {
    name: "a renamed column that a view reads: the view reads the new name",
    from: all(
      "CREATE TABLE t (id INT PRIMARY KEY, note VARCHAR(50)); CREATE VIEW v AS SELECT id, note FROM t;",
    ),
    to: all(
      "CREATE TABLE t (id INT PRIMARY KEY, comment VARCHAR(50)); CREATE VIEW v AS SELECT id, comment FROM t;",
    ),
    renames: { columns: [{ table: "t", from: "note", to: "comment" }] },
    upInOrder: [/DROP VIEW/i, /RENAME COLUMN|CHANGE COLUMN/i, /CREATE VIEW/i],
    neither: noDropAndAdd,
  },
  {
    name: "a renamed column under a foreign key, and the column it references renamed too",
    from: all(
      "CREATE TABLE p (id INT PRIMARY KEY); CREATE TABLE c (id INT PRIMARY KEY, p_id INT NOT NULL REFERENCES p (id));",
    ),
    to: all(
      "CREATE TABLE p (pid INT PRIMARY KEY); CREATE TABLE c (id INT PRIMARY KEY, parent_id INT NOT NULL REFERENCES p (pid));",
    ),
    renames: {
      columns: [
        { table: "p", from: "id", to: "pid" },
        { table: "c", from: "p_id", to: "parent_id" },
      ],
    },
    upInOrder: [/RENAME COLUMN|CHANGE COLUMN/i],
    neither: [...noDropAndAdd, /DROP (PRIMARY KEY|FOREIGN KEY|CONSTRAINT)/i],
  },
  {
    name: "a renamed table that other tables reference with ON DELETE CASCADE keeps their rows",
    from: all(
      "CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(20)); CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT REFERENCES customers (id) ON DELETE CASCADE);",
    ),
    to: all(
      "CREATE TABLE clients (id INT PRIMARY KEY, name VARCHAR(20)); CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT REFERENCES clients (id) ON DELETE CASCADE);",
    ),
    renames: { tables: [{ from: "customers", to: "clients" }] },
    upInOrder: [/RENAME/i],
    neither: noDropAndAdd,
  },
  {
    name: "a renamed and rebuilt table that other tables reference with ON DELETE CASCADE keeps their rows",
    from: all(
      "CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(20)); CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT REFERENCES customers (id) ON DELETE CASCADE);",
    ),
    to: all(
      "CREATE TABLE clients (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL DEFAULT 'x'); CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT REFERENCES clients (id) ON DELETE CASCADE);",
    ),
    renames: { tables: [{ from: "customers", to: "clients" }] },
    upInOrder: [/RENAME/i],
  },
  {
    name: "renamed tables whose CHECK and foreign key change: each dropped under the name it has then",
    from: all(
      "CREATE TABLE p (id INT PRIMARY KEY, v INT CHECK (v > 0)); CREATE TABLE c (id INT PRIMARY KEY, p_id INT REFERENCES p (id));",
    ),
    to: all(
      "CREATE TABLE q (id INT PRIMARY KEY, v INT CHECK (v >= 0)); CREATE TABLE d (id INT PRIMARY KEY, p_id INT REFERENCES q (id) ON DELETE CASCADE);",
    ),
    renames: {
      tables: [
        { from: "p", to: "q" },
        { from: "c", to: "d" },
      ],
    },
    upInOrder: [/RENAME/i],
  },
  {
    name: "a renamed serial column and table: the sequence follows, keeping its position",
    from: { postgres: "CREATE TABLE customers (id serial PRIMARY KEY, name text);" },
    to: { postgres: "CREATE TABLE clients (cid serial PRIMARY KEY, name text);" },
    renames: {
      tables: [{ from: "customers", to: "clients" }],
      columns: [{ table: "clients", from: "id", to: "cid" }],
    },
    upInOrder: [/RENAME TO clients/i, /ALTER SEQUENCE customers_id_seq RENAME TO clients_cid_seq/i],
    neither: [...noDropAndAdd, /DROP SEQUENCE/i],
  },
  {
    name: "a column retyped under a view that reads it",
    from: all("CREATE TABLE t (id INT PRIMARY KEY, a INT); CREATE VIEW v AS SELECT id, a FROM t;"),
    to: all("CREATE TABLE t (id INT PRIMARY KEY, a BIGINT); CREATE VIEW v AS SELECT id, a FROM t;"),
  },
  {
    name: "a CHECK that calls a SQL function created in the same migration",
    from: { postgres: "CREATE TABLE t (a integer);" },
    to: {
      postgres:
        "CREATE FUNCTION positive(x integer) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT x > 0'; CREATE TABLE t (a integer CHECK (positive(a)));",
    },
    upInOrder: [/CREATE (OR REPLACE )?FUNCTION/i, /CHECK \(positive/i],
  },
  {
    name: "a DEFAULT that calls a SQL function reading another table",
    from: { postgres: "CREATE TABLE settings (v integer); CREATE TABLE t (a integer);" },
    to: {
      postgres:
        "CREATE TABLE settings (v integer); CREATE FUNCTION current_v() RETURNS integer LANGUAGE sql AS 'SELECT max(v) FROM settings'; CREATE TABLE t (a integer DEFAULT current_v());",
    },
    upInOrder: [/CREATE (OR REPLACE )?FUNCTION/i, /SET DEFAULT current_v\(\)/i],
  },
  {
    name: "a generated column over a SQL function created in the same migration",
    from: { postgres: "CREATE TABLE t (a integer);" },
    to: {
      postgres:
        "CREATE FUNCTION twice(x integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT x * 2'; CREATE TABLE t (a integer, b integer GENERATED ALWAYS AS (twice(a)) STORED);",
    },
    upInOrder: [/CREATE (OR REPLACE )?FUNCTION/i, /ADD COLUMN b/i],
  },
  {
    name: "a trigger and the function it executes",
    from: { postgres: "CREATE TABLE t (a integer, at timestamptz);" },
    to: {
      postgres:
        "CREATE TABLE t (a integer, at timestamptz); CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.at := now(); RETURN NEW; END $$; CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();",
    },
    upInOrder: [/CREATE (OR REPLACE )?FUNCTION/i, /CREATE TRIGGER/i],
  },
  {
    name: "a partitioned table and its partitions",
    from: { postgres: "CREATE TABLE keep (id integer);" },
    to: {
      postgres:
        "CREATE TABLE keep (id integer); CREATE TABLE events (at date NOT NULL, v integer) PARTITION BY RANGE (at); CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01'); CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');",
    },
    upInOrder: [/CREATE TABLE events /i, /PARTITION OF/i],
  },
  {
    name: "a sequence owned by the column whose default uses it",
    from: { postgres: "CREATE TABLE keep (id integer);" },
    to: {
      postgres:
        "CREATE TABLE keep (id integer); CREATE SEQUENCE ticket_no; CREATE TABLE tickets (no integer DEFAULT nextval('ticket_no'), title text); ALTER SEQUENCE ticket_no OWNED BY tickets.no;",
    },
    upInOrder: [/CREATE SEQUENCE/i, /CREATE TABLE tickets/i, /OWNED BY/i],
  },
  {
    name: "an enum loses a value while a table using it goes",
    from: {
      postgres:
        "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy'); CREATE TABLE t (m mood); CREATE TABLE gone (m mood);",
    },
    to: { postgres: "CREATE TYPE mood AS ENUM ('sad', 'happy'); CREATE TABLE t (m mood);" },
  },
]
