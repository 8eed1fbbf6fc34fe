import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { diffSchemas } from "../../../model/diff.ts"
import { readSchema } from "../../../engines/postgres/catalog.ts"
import type { Schema } from "../../../model.ts"
import { createDatabase, type TestDatabase } from "./_server.ts"

let db: TestDatabase

beforeAll(async () => {
  db = await createDatabase()
})
afterAll(async () => {
  await db?.drop()
})

const schemaOf = async (sql: string): Promise<Schema> => {
  await db.reset()
  await db.session.exec(sql)
  return readSchema(db.session)
}

describe("readSchema", () => {
  test("two spellings of one schema compare equal", async () => {
    const short = await schemaOf(`
      CREATE TABLE users (id serial PRIMARY KEY, email varchar(100) UNIQUE, age int CHECK (age > 0));
      CREATE TABLE posts (id int4 PRIMARY KEY, user_id int REFERENCES users, score int8 DEFAULT 0);
    `)
    const long = await schemaOf(`
      CREATE SEQUENCE public.users_id_seq AS integer;
      CREATE TABLE public.users (
        id integer NOT NULL DEFAULT nextval('public.users_id_seq'::regclass),
        email character varying(100),
        age integer,
        CONSTRAINT users_pkey PRIMARY KEY (id),
        CONSTRAINT users_email_key UNIQUE (email),
        CONSTRAINT users_age_check CHECK ((age > 0))
      );
      ALTER SEQUENCE users_id_seq OWNED BY public.users.id;
      CREATE TABLE posts (
        id integer CONSTRAINT posts_pkey PRIMARY KEY,
        user_id integer,
        score bigint DEFAULT (0),
        CONSTRAINT posts_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users (id)
      );
    `)
    expect(diffSchemas(short, long)).toEqual([])
    const users = long.tables.find((t) => t.name === "users")
    expect(users?.columns.find((c) => c.name === "id")).toMatchObject({
      type: "integer",
      notNull: true,
      default: undefined,
      extra: { serial: "users_id_seq" },
    })
    expect(users?.primaryKey?.name).toBeUndefined()
    expect(users?.checks).toEqual([{ name: undefined, expression: "age > 0" }])
    expect(long.objects.filter((o) => o.kind === "sequence")).toEqual([])
  })

  test("keeps constraint names that are not PostgreSQL's defaults", async () => {
    const schema = await schemaOf(`
      CREATE TABLE t (a int CONSTRAINT t_main PRIMARY KEY, b int CONSTRAINT positive CHECK (b > 0), c int, CONSTRAINT c_once UNIQUE (c));
    `)
    const t = schema.tables[0]
    expect(t?.primaryKey?.name).toBe("t_main")
    expect(t?.checks.map((c) => c.name)).toEqual(["positive"])
    expect(t?.uniques).toEqual([{ name: "c_once", columns: ["c"] }])
  })

  test("reads columns, options, objects and dependencies from the catalog", async () => {
    const schema = await schemaOf(`
      CREATE EXTENSION IF NOT EXISTS citext;
      CREATE SCHEMA audit;
      CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
      CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
      CREATE TYPE pair AS (a int, b text);
      CREATE TABLE people (
        id bigint GENERATED ALWAYS AS IDENTITY (START WITH 10) PRIMARY KEY,
        name text COLLATE "C" NOT NULL,
        nick citext,
        feeling mood DEFAULT 'ok',
        twice bigint GENERATED ALWAYS AS (id * 2) STORED,
        boxed pair
      );
      COMMENT ON TABLE people IS 'who';
      COMMENT ON COLUMN people.name IS 'full name';
      CREATE UNLOGGED TABLE audit.log (at date NOT NULL, what text) PARTITION BY RANGE (at);
      CREATE TABLE audit.log_2024 PARTITION OF audit.log FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
      CREATE INDEX people_sad ON people (lower(name)) INCLUDE (id) WHERE feeling = 'sad';
      CREATE VIEW happy AS SELECT id, name FROM people WHERE feeling = 'happy';
      CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
      CREATE TRIGGER people_touch BEFORE UPDATE ON people FOR EACH ROW EXECUTE FUNCTION touch();
    `)
    expect(schema.engine).toBe("postgres")
    expect(schema.version).toMatch(/^\d+\.\d+/)
    const people = schema.tables.find((t) => t.name === "people")
    const column = (name: string) => people?.columns.find((c) => c.name === name)
    expect(column("id")?.extra).toEqual({ identity: "ALWAYS (START WITH 10)" })
    expect(column("name")).toMatchObject({ collation: '"C"', notNull: true, extra: { comment: "full name" } })
    expect(column("nick")?.type).toBe("citext")
    expect(column("feeling")?.default).toBe("'ok'::mood")
    expect(column("twice")?.generated).toEqual({ expression: "id * 2", stored: true })
    expect(people?.options).toEqual(["COMMENT 'who'"])
    const log = schema.tables.find((t) => t.name === "audit.log")
    expect(log?.options).toEqual(["PARTITION BY RANGE (at)", "UNLOGGED"])
    expect(schema.tables.find((t) => t.name === "audit.log_2024")?.options).toEqual([
      "PARTITION OF audit.log FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
    ])
    const object = (kind: string, name: string) =>
      schema.objects.find((o) => o.kind === kind && o.name === name)
    expect(object("enum", "mood")?.definition).toBe("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')")
    expect(object("domain", "posint")?.definition).toBe("CREATE DOMAIN posint AS integer CHECK (VALUE > 0)")
    expect(object("type", "pair")?.definition).toBe("CREATE TYPE pair AS (a integer, b text)")
    expect(object("schema", "audit")).toBeDefined()
    expect(object("extension", "citext")).toBeDefined()
    expect(object("index", "people_sad")?.definition).toBe(
      "CREATE INDEX people_sad ON people (lower(name)) INCLUDE (id) WHERE (feeling = 'sad'::mood)",
    )
    expect(object("view", "happy")?.dependsOn).toEqual(["mood", "people"])
    expect(object("trigger", "people_touch ON people")?.dependsOn).toEqual(["people", "touch()"])
    // Members of the extension (citext's functions, operators, types) are not the user's.
    expect(schema.objects.filter((o) => o.kind === "function").map((o) => o.name)).toEqual(["touch()"])
    // Indexes that back constraints belong to their table.
    expect(schema.objects.some((o) => o.name === "people_pkey")).toBe(false)
  })
})
