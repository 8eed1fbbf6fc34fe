/**
 * A statement the database rejects is named by its exact line and column, in schema.sql and in a
 * migration file alike, on every engine: PostgreSQL's error position (url server and embedded
 * PGlite), SQLite's `near "token"`, MariaDB's `near '...' at line N`. The schema has a missing comma
 * on line 17, inside a statement that starts on line 14.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test"
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { MARIADB_TEST_URL, mysqlVersion, PG_TEST_URL, pgAnswers } from "../_servers.ts"
import { aim, makeTemp, migrationFiles, removeTemp, STACK_FRAME, write } from "./_cli.ts"

setDefaultTimeout(120_000)

const temp = makeTemp("aim-error-lines-")
afterAll(() => removeTemp(temp))

const hasPg = await pgAnswers()
const hasMariadb = (await mysqlVersion()) !== undefined

/** Thirteen lines of a good table, then a statement from line 14 whose line 17 lacks its comma. */
const schema = (types: { id: string; text: string }) =>
  [
    "-- Blog schema",
    "",
    "CREATE TABLE authors (",
    `  id ${types.id} PRIMARY KEY,`,
    `  name ${types.text} NOT NULL`,
    ");",
    "",
    "-- Posts are written by authors.",
    "-- Each has a title and a body.",
    "",
    "",
    "",
    "",
    "CREATE TABLE posts (",
    `  id ${types.id} PRIMARY KEY,`,
    `  author_id ${types.id} NOT NULL,`,
    `  title ${types.text} NOT NULL DEFAULT 'untitled' body ${types.text}`,
    ");",
    "",
  ].join("\n")

const engines = [
  { name: "sqlite", toml: 'engine = "sqlite"\n', env: {}, run: true, id: "INTEGER", text: "TEXT" },
  {
    name: "postgres (url)",
    toml: 'engine = "postgres-15"\n[engines.postgres]\nbackend = "url"\n',
    env: { AIM_POSTGRES_URL: PG_TEST_URL },
    run: hasPg,
    id: "integer",
    text: "text",
  },
  {
    name: "postgres (embedded)",
    toml: 'engine = "postgres-17"\n[engines.postgres]\nbackend = "embedded"\n',
    env: {},
    run: true,
    id: "integer",
    text: "text",
  },
  {
    name: "mariadb (url)",
    toml: 'engine = "mariadb-10.11"\n[engines.mariadb]\nbackend = "url"\n',
    env: { AIM_MARIADB_URL: MARIADB_TEST_URL },
    run: hasMariadb,
    id: "int",
    text: "varchar(100)",
  },
]

for (const engine of engines) {
  describe.skipIf(!engine.run)(engine.name, () => {
    test("schema.sql and a migration name the exact line and column of the error", async () => {
      const dir = join(temp, engine.name.replace(/\W+/g, "-"))
      mkdirSync(join(dir, "migrations"), { recursive: true })
      write(dir, "aim.toml", engine.toml)
      const broken = schema({ id: engine.id, text: engine.text })
      write(dir, "schema.sql", broken)
      // Every engine stops at "body", the word after the missing comma: line 17, after the default.
      const column = (broken.split("\n")[16]?.indexOf(" body") ?? 0) + 2
      const fromSchema = await aim(["diff"], { cwd: dir, env: engine.env })
      expect(fromSchema.code).toBe(1)
      expect(fromSchema.stderr).toStartWith(`aim: schema.sql:17:${column}: `)
      expect(fromSchema.stderr).not.toMatch(STACK_FRAME)

      write(dir, "migrations/000001_blog.up.sql", broken)
      write(dir, "migrations/000001_blog.down.sql", "DROP TABLE posts;\nDROP TABLE authors;\n")
      write(dir, "schema.sql", "")
      const fromMigration = await aim(["diff"], { cwd: dir, env: engine.env })
      expect(fromMigration.code).toBe(1)
      expect(fromMigration.stderr).toStartWith(`aim: migrations/000001_blog.up.sql:17:${column}: `)
      expect(migrationFiles(dir)).toEqual(["000001_blog.down.sql", "000001_blog.up.sql"])
    })
  })
}
