/**
 * After `aim generate` writes a migration, the snapshot cache already holds what the new history
 * builds (the schema verification read after UP), so the next `aim diff` replays nothing: its
 * snapshot phase says "from the snapshot cache", its result equals an AIM_NO_CACHE=1 run's, and the
 * cached schema is byte for byte the one a fresh replay stores. On SQLite, and on the machine's
 * PostgreSQL and MariaDB servers through the url backend (skipped, with the reason, when they do not
 * answer). Each run gets its own cache folder, removed afterwards.
 */
import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { MARIADB_TEST_URL, mysqlVersion, PG_TEST_URL, pgAnswers } from "../_servers.ts"
import { aim, makeProject, makeTemp, migrationFiles, removeTemp, write } from "./_cli.ts"

setDefaultTimeout(120_000)

const PG_URL = PG_TEST_URL
const MARIADB_URL = MARIADB_TEST_URL

const hasPg = await pgAnswers(PG_URL)
if (!hasPg) console.warn(`skipped: PostgreSQL cache after generate, no server answers at ${PG_URL}`)

const hasMariadb = (await mysqlVersion(MARIADB_URL)) !== undefined
if (!hasMariadb) console.warn(`skipped: MariaDB cache after generate, no server answers at ${MARIADB_URL}`)

const folders: string[] = []
afterEach(() => {
  for (const f of folders.splice(0)) removeTemp(f)
})

interface Case {
  readonly toml: string
  readonly env: Record<string, string | undefined>
  readonly history: string
  readonly schema: string
}

const cases: ReadonlyArray<{ name: string; skip: boolean; make: () => Case }> = [
  {
    name: "SQLite",
    skip: false,
    make: () => ({
      toml: 'engine = "sqlite"\nformat = "migrate"\n',
      env: {},
      history: `CREATE TABLE authors (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL);
CREATE TABLE books (id INTEGER PRIMARY KEY, author_id INT NOT NULL REFERENCES authors(id), title TEXT);
CREATE INDEX books_title ON books (title);
CREATE VIEW titles AS SELECT title FROM books;
`,
      schema: `CREATE TABLE authors (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL CHECK (name <> ''), bio TEXT);
CREATE TABLE books (id INTEGER PRIMARY KEY, author_id INT NOT NULL REFERENCES authors(id), title TEXT);
CREATE INDEX books_title ON books (title);
CREATE VIEW titles AS SELECT title FROM books;
`,
    }),
  },
  {
    name: "PostgreSQL url",
    skip: !hasPg,
    make: () => ({
      toml: 'engine = "postgres-15"\nformat = "migrate"\n\n[engines.postgres]\nbackend = "url"\n',
      env: { AIM_POSTGRES_URL: PG_URL },
      history: `CREATE TABLE authors (id serial PRIMARY KEY, name text NOT NULL);
CREATE TABLE books (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, author_id int NOT NULL REFERENCES authors (id), title text);
CREATE SEQUENCE tickets START 100 INCREMENT 7;
CREATE VIEW titles AS SELECT title FROM books;
`,
      schema: `CREATE TABLE authors (id serial PRIMARY KEY, name text NOT NULL CHECK (name <> ''), bio text);
CREATE TABLE books (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, author_id int NOT NULL REFERENCES authors (id), title text);
CREATE SEQUENCE tickets START 100 INCREMENT 7;
CREATE VIEW titles AS SELECT title FROM books;
`,
    }),
  },
  {
    name: "MariaDB url",
    skip: !hasMariadb,
    make: () => ({
      toml: 'engine = "mariadb-10.11"\nformat = "migrate"\n\n[engines.mariadb]\nbackend = "url"\n',
      env: { AIM_MARIADB_URL: MARIADB_URL },
      history: `CREATE TABLE authors (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50) NOT NULL);
CREATE TABLE books (id BIGINT AUTO_INCREMENT PRIMARY KEY, author_id INT NOT NULL, title VARCHAR(100),
  CONSTRAINT fk_author FOREIGN KEY (author_id) REFERENCES authors (id));
`,
      schema: `CREATE TABLE authors (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50) NOT NULL, bio TEXT);
CREATE TABLE books (id BIGINT AUTO_INCREMENT PRIMARY KEY, author_id INT NOT NULL, title VARCHAR(100),
  CONSTRAINT fk_author FOREIGN KEY (author_id) REFERENCES authors (id));
`,
    }),
  },
]

/** The `aim diff --json` document without its timings, and the snapshot phase's note. */
function diffDocument(stdout: string) {
  const doc = JSON.parse(stdout) as { phases: Array<{ name: string; detail?: string }> }
  const snapshot = doc.phases.find((p) => p.name === "snapshot")?.detail ?? ""
  const { phases: _, ...rest } = doc
  return { rest, snapshot }
}

const snapshotFiles = (cache: string) =>
  readdirSync(join(cache, "snapshots"))
    .filter((f) => f.endsWith(".json"))
    .sort()

describe("aim generate leaves the new history's snapshot in the cache", () => {
  for (const { name, skip, make } of cases) {
    test.skipIf(skip)(
      `${name}: the next aim diff replays nothing and agrees with AIM_NO_CACHE=1`,
      async () => {
        const c = make()
        const dir = makeProject()
        const cache = makeTemp("aim-cache-")
        const fresh = makeTemp("aim-cache-")
        folders.push(dir, cache, fresh)
        write(dir, "aim.toml", c.toml)
        write(dir, "migrations/000001_start.up.sql", c.history)
        write(dir, "migrations/000001_start.down.sql", "SELECT 1;\n")
        write(dir, "schema.sql", c.schema)
        const env = { ...c.env, AIM_CACHE_DIR: cache, AIM_NO_CACHE: undefined }

        const generated = await aim(["generate", "--json"], { cwd: dir, env })
        expect(generated.stderr).toBe("")
        expect(generated.code).toBe(0)
        expect(JSON.parse(generated.stdout).status).toBe("written")
        expect(migrationFiles(dir).filter((f) => f.endsWith(".up.sql"))).toHaveLength(2)
        // The old history's snapshot and the new one's.
        expect(snapshotFiles(cache)).toHaveLength(2)

        const next = await aim(["diff", "--json"], { cwd: dir, env })
        expect(next.code).toBe(0)
        const cached = diffDocument(next.stdout)
        expect(cached.snapshot).toContain("2 migrations from the snapshot cache")

        const uncached = await aim(["diff", "--json"], { cwd: dir, env: { ...env, AIM_NO_CACHE: "1" } })
        expect(uncached.code).toBe(0)
        const replayed = diffDocument(uncached.stdout)
        expect(replayed.snapshot).toContain("replayed 2 migrations")
        expect(cached.rest).toEqual(replayed.rest)
        expect(cached.rest).toMatchObject({ changes: [] })

        // A cold run with an empty cache replays the new history and stores its snapshot under the
        // same key: the same bytes generate stored.
        const cold = await aim(["diff", "--json"], { cwd: dir, env: { ...env, AIM_CACHE_DIR: fresh } })
        expect(cold.code).toBe(0)
        const [stored] = snapshotFiles(fresh)
        expect(stored).toBeDefined()
        expect(snapshotFiles(cache)).toContain(stored as string)
        expect(readFileSync(join(cache, "snapshots", stored as string), "utf8")).toBe(
          readFileSync(join(fresh, "snapshots", stored as string), "utf8"),
        )
      },
    )
  }
})
