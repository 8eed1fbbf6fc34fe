/**
 * Bad input: the reference for what aim does with every kind of mistake or fault it can meet. Each
 * case runs the real CLI in a sandbox (_harness.ts) and asserts all of: exit code 1 or 2; one
 * `aim: ` line naming the file, line or setting at fault; no stack trace; the project tree (every
 * file's content, links, FIFOs) unchanged and no .aim.lock left; the run's private TMPDIR empty
 * (aim's prefixes: aim-pg-, aim-mariadb-, aim-mysql-); no process using it; and for the servers,
 * no throwaway database left (PostgreSQL: none owned by the case's own role; MariaDB: no new aim_).
 *
 * Tests run as root, for whom chmod 000 changes nothing, so "unreadable" is modelled by what root
 * cannot read either: a dangling symlink, a FIFO (which would block a naive read forever) and a
 * folder where a file should be.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test"
import { mkdirSync, symlinkSync } from "node:fs"
import { join } from "node:path"
import { type FakeServer, type Reply, startFakeServer } from "../llm/fake-server.ts"
import {
  closePgAdmin,
  disposeSandbox,
  dropPgRole,
  expectNothingLeft,
  expectOneMessage,
  MARIADB_URL,
  makePgRole,
  makeSandbox,
  mariadbAimDatabases,
  mariadbAvailable,
  mariadbLeftSince,
  type PgRole,
  pgAvailable,
  pgDatabasesOf,
  runAim,
  snapshotTree,
  writeProject,
} from "./_harness.ts"

setDefaultTimeout(120_000)

const hasPg = await pgAvailable()
const hasMariadb = mariadbAvailable()
if (!hasPg) console.warn("bad-input: PostgreSQL cases skipped: no server at the admin URL")
if (!hasMariadb) console.warn("bad-input: MariaDB cases skipped: no server at the admin URL")

/** `mkfifo` through the shell tool: node:fs has no mkfifo. */
function mkfifo(path: string) {
  const r = Bun.spawnSync(["mkfifo", path])
  if (r.exitCode !== 0) throw new Error(`mkfifo ${path} failed`)
}

const sqliteToml = 'engine = "sqlite"\nformat = "migrate"\n'
const users = "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n"

/** A SQLite project with one migration behind schema.sql (so generate has work to do). */
const sqliteProject = (extra: Record<string, string | Uint8Array> = {}) => ({
  "aim.toml": sqliteToml,
  "schema.sql": `${users}CREATE TABLE posts (id INTEGER PRIMARY KEY, body TEXT);\n`,
  "migrations/000001_users.up.sql": users,
  "migrations/000001_users.down.sql": "DROP TABLE users;\n",
  ...extra,
})

const pgToml = 'engine = "postgres-15"\n\n[engines.postgres]\nbackend = "url"\n'
const mariadbToml = 'engine = "mariadb-10.11"\n\n[engines.mariadb]\nbackend = "url"\n'

/** A model on the fake server, always asked (strategy llm), one retry. */
const modelToml = (extra = "") =>
  `engine = "sqlite"\nmodel = "openai-gpt-test"\nstrategy = "llm"\nmax_retries = 1\n${extra}`

type Server = "sqlite" | "postgres" | "mariadb"

interface Case {
  readonly name: string
  readonly server?: Server
  readonly files: Record<string, string | Uint8Array>
  /** Special entries (links, FIFOs, folders) made after the files. */
  readonly prepare?: (project: string) => void
  readonly args?: ReadonlyArray<string>
  /** Replies of a fake model; the case's env then points OpenAI at it. */
  readonly model?: ReadonlyArray<Reply>
  readonly env?: (ctx: { role?: PgRole }) => Record<string, string | undefined>
  readonly code: 1 | 2
  readonly mentions: ReadonlyArray<string>
}

const cases: ReadonlyArray<Case> = [
  // --- schema.sql ---
  {
    name: "a syntax error in schema.sql names the file and line",
    files: sqliteProject({
      "schema.sql": `${users}\n-- posts\nCREATE TABLE posts (id INTEGER,, body TEXT);\n`,
    }),
    code: 1,
    mentions: ["schema.sql:4", "syntax error"],
  },
  {
    name: "schema.sql that is not UTF-8 is named",
    files: sqliteProject({ "schema.sql": new Uint8Array([...Buffer.from(users), 0x2d, 0x2d, 0xff, 0x0a]) }),
    code: 1,
    mentions: ["schema.sql", "UTF-8"],
  },
  {
    name: "schema.sql that is a dangling symlink is named",
    files: sqliteProject({ "schema.sql": "" }),
    prepare: (p) => {
      Bun.spawnSync(["rm", join(p, "schema.sql")])
      symlinkSync("/nonexistent/aim-schema.sql", join(p, "schema.sql"))
    },
    code: 1,
    mentions: ["schema.sql", "symbolic link"],
  },
  {
    name: "schema.sql that is a FIFO is refused at once, not read forever",
    files: sqliteProject({ "schema.sql": "" }),
    prepare: (p) => {
      Bun.spawnSync(["rm", join(p, "schema.sql")])
      mkfifo(join(p, "schema.sql"))
    },
    code: 1,
    mentions: ["schema.sql", "not a regular file"],
  },
  {
    name: "schema.sql that is a folder is named",
    files: sqliteProject({ "schema.sql": "" }),
    prepare: (p) => {
      Bun.spawnSync(["rm", join(p, "schema.sql")])
      mkdirSync(join(p, "schema.sql"))
    },
    code: 1,
    mentions: ["schema.sql", "folder"],
  },
  {
    name: "aim.toml without schema.sql names schema.sql",
    files: { "aim.toml": sqliteToml, "migrations/000001_users.up.sql": users },
    code: 1,
    mentions: ["schema.sql", "does not exist"],
  },
  {
    name: "an empty folder asks for aim init",
    files: {},
    code: 2,
    mentions: ["aim.toml", "aim init"],
  },
  {
    name: "a --schema that points nowhere names it",
    files: sqliteProject(),
    args: ["generate", "--schema", "db/missing.sql"],
    code: 1,
    mentions: ["db/missing.sql", "does not exist"],
  },
  // --- the migrations folder ---
  {
    name: "a migration that fails to replay names the file and line",
    files: sqliteProject({
      "migrations/000002_posts.up.sql":
        "CREATE TABLE posts (id INTEGER PRIMARY KEY);\n\nINSERT INTO nobody VALUES (1);\n",
    }),
    code: 1,
    mentions: ["migrations/000002_posts.up.sql:3", "nobody"],
  },
  {
    name: "clashing versions (migrate) name both files",
    files: sqliteProject({ "migrations/000001_posts.up.sql": "CREATE TABLE posts (id INTEGER);\n" }),
    code: 1,
    mentions: ["000001_users.up.sql", "000001_posts.up.sql"],
  },
  {
    name: "clashing versions (goose) name both files",
    files: {
      "aim.toml": 'engine = "sqlite"\nformat = "goose"\n',
      "schema.sql": users,
      "migrations/00001_users.sql": `-- +goose Up\n${users}`,
      "migrations/00001_posts.sql": "-- +goose Up\nCREATE TABLE posts (id INTEGER);\n",
    },
    code: 1,
    mentions: ["00001_users.sql", "00001_posts.sql"],
  },
  {
    name: "clashing versions (flyway) name both files, V1 and V1.0 being one version",
    files: {
      "aim.toml": 'engine = "sqlite"\nformat = "flyway"\n',
      "schema.sql": users,
      "migrations/V1__users.sql": users,
      "migrations/V1.0__posts.sql": "CREATE TABLE posts (id INTEGER);\n",
    },
    code: 1,
    mentions: ["V1__users.sql", "V1.0__posts.sql"],
  },
  {
    name: "clashing versions (dbmate) name both files",
    files: {
      "aim.toml": 'engine = "sqlite"\nformat = "dbmate"\n',
      "schema.sql": users,
      "migrations/20240101000000_users.sql": `-- migrate:up\n${users}\n-- migrate:down\nDROP TABLE users;\n`,
      "migrations/20240101000000_posts.sql":
        "-- migrate:up\nCREATE TABLE posts (id INTEGER);\n-- migrate:down\nDROP TABLE posts;\n",
    },
    code: 1,
    mentions: ["20240101000000_users.sql", "20240101000000_posts.sql"],
  },
  {
    name: "a migration that is not UTF-8 is named",
    files: sqliteProject({
      "migrations/000002_bad.up.sql": new Uint8Array([0x2d, 0x2d, 0x20, 0xc3, 0x28, 0x0a]),
    }),
    code: 1,
    mentions: ["migrations/000002_bad.up.sql", "UTF-8"],
  },
  {
    name: "a migration that is a dangling symlink is named (not an internal error)",
    files: sqliteProject(),
    prepare: (p) => symlinkSync("/nonexistent/aim-ghost.sql", join(p, "migrations/000002_ghost.up.sql")),
    code: 1,
    mentions: ["migrations/000002_ghost.up.sql", "symbolic link"],
  },
  {
    name: "a migration that is a FIFO is named (not skipped, not read forever)",
    files: sqliteProject(),
    prepare: (p) => mkfifo(join(p, "migrations/000002_fifo.up.sql")),
    code: 1,
    mentions: ["migrations/000002_fifo.up.sql", "not a regular file"],
  },
  {
    name: "a migrations path that is a file is named",
    files: { "aim.toml": sqliteToml, "schema.sql": users, migrations: "not a folder\n" },
    code: 1,
    mentions: ["migrations", "is not a folder"],
  },
  {
    name: "a format that clashes with the folder (goose over migrate's files) names a file and the format",
    files: sqliteProject(),
    args: ["generate", "--format", "goose"],
    code: 1,
    mentions: ["migrations/000001_users", "goose"],
  },
  // --- aim.toml ---
  {
    name: "invalid TOML names aim.toml and the line",
    files: sqliteProject({ "aim.toml": 'engine = "sqlite"\n\nformat = "migrate\n' }),
    code: 2,
    mentions: ["aim.toml:3", "invalid TOML"],
  },
  {
    name: "aim.toml that is a FIFO is refused at once",
    files: sqliteProject({ "aim.toml": "" }),
    prepare: (p) => {
      Bun.spawnSync(["rm", join(p, "aim.toml")])
      mkfifo(join(p, "aim.toml"))
    },
    code: 2,
    mentions: ["aim.toml", "not a regular file"],
  },
  {
    name: "an unknown key names it and its line",
    files: sqliteProject({ "aim.toml": 'engine = "sqlite"\nmigratons = "db"\n' }),
    code: 2,
    mentions: ['"migratons"', "aim.toml:2"],
  },
  {
    name: "an unknown key in [engines.postgres] names it and its line",
    files: sqliteProject({ "aim.toml": 'engine = "sqlite"\n\n[engines.postgres]\nuri = "postgres://x"\n' }),
    code: 2,
    mentions: ["engines.postgres.uri", "aim.toml:4"],
  },
  {
    name: "a value of the wrong type names the key and its line",
    files: sqliteProject({ "aim.toml": 'engine = "sqlite"\nmax_retries = "three"\n' }),
    code: 2,
    mentions: ["max_retries", "aim.toml:2"],
  },
  {
    name: "a model_timeout of 0 names the key and its line",
    files: sqliteProject({ "aim.toml": 'engine = "sqlite"\nmodel_timeout = 0\n' }),
    code: 2,
    mentions: ["model_timeout", "aim.toml:2"],
  },
  {
    name: "an unknown engine is named",
    files: sqliteProject({ "aim.toml": 'engine = "oracle-23"\n' }),
    code: 2,
    mentions: ['"oracle-23"', "aim.toml"],
  },
  {
    name: "an unknown format is named",
    files: sqliteProject({ "aim.toml": 'engine = "sqlite"\nformat = "liquibase"\n' }),
    code: 2,
    mentions: ['"liquibase"', "aim.toml"],
  },
  {
    name: "an unknown model provider names the key and its line",
    files: sqliteProject({ "aim.toml": 'engine = "sqlite"\nmodel = "nosuch-x"\n' }),
    code: 2,
    mentions: ['"nosuch-x"', "aim.toml:2"],
  },
  {
    name: "an unknown PostgreSQL backend names the setting",
    server: "postgres",
    files: sqliteProject({ "aim.toml": 'engine = "postgres-15"\n\n[engines.postgres]\nbackend = "cloud"\n' }),
    code: 2,
    mentions: ['"cloud"', "aim.toml"],
  },
  {
    name: 'backend = "url" without a URL names both places a URL can come from',
    server: "postgres",
    files: sqliteProject({ "aim.toml": pgToml }),
    env: () => ({ AIM_POSTGRES_URL: undefined }),
    code: 2,
    mentions: ["AIM_POSTGRES_URL", "aim.toml"],
  },
  // --- the command line ---
  {
    name: "a bad flag value names the flag and value",
    files: sqliteProject(),
    args: ["generate", "--strategy", "sometimes"],
    code: 2,
    mentions: ["--strategy", '"sometimes"'],
  },
  {
    name: "a --max-tokens that is not a whole number names the flag",
    files: sqliteProject(),
    args: ["generate", "--max-tokens=-5"],
    code: 2,
    mentions: ["--max-tokens", '"-5"'],
  },
  {
    name: "an unknown model on the command line names --model",
    files: sqliteProject(),
    args: ["generate", "--model", "nosuch-x"],
    code: 2,
    mentions: ["--model", '"nosuch-x"'],
  },
  {
    name: "an unknown flag is named",
    files: sqliteProject(),
    args: ["generate", "--frobnicate"],
    code: 2,
    mentions: ["--frobnicate", "aim generate --help"],
  },
  {
    name: "an unknown command is named",
    files: sqliteProject(),
    args: ["migrat"],
    code: 2,
    mentions: ['"migrat"', "generate"],
  },
  // --- the model ---
  {
    name: "a missing API key names the variable and aim auth",
    files: sqliteProject({
      "aim.toml": 'engine = "sqlite"\nmodel = "anthropic-claude-x"\nstrategy = "llm"\n',
    }),
    env: () => ({ ANTHROPIC_API_KEY: undefined }),
    code: 1,
    mentions: ["ANTHROPIC_API_KEY", "aim auth anthropic"],
  },
  {
    name: "a model that answers garbage on every attempt fails once, naming the model",
    files: sqliteProject({ "aim.toml": modelToml() }),
    model: [{ kind: "text", text: "Sure! Here is your migration: just add the table, you know how." }],
    code: 1,
    mentions: ["openai-gpt-test", "2 attempts", "no tool call", "nothing was written"],
  },
  {
    name: "a model whose SQL never verifies fails after its retries",
    files: sqliteProject({ "aim.toml": modelToml() }),
    model: [
      {
        kind: "tool",
        args: { up_sql: "CREATE TABLE posts (;", down_sql: "DROP TABLE posts;", description: "x" },
      },
    ],
    code: 1,
    mentions: ["openai-gpt-test", "2 attempts", "MigrationFailed", "line 1"],
  },
  {
    name: "a model that times out on every attempt fails, naming the timeout",
    files: sqliteProject({ "aim.toml": modelToml("model_timeout = 1\n") }),
    model: [{ kind: "hang", millis: 4_000 }],
    code: 1,
    mentions: ["openai", "no answer within 1 s", "model_timeout"],
  },
  // --- servers ---
  {
    name: "a PostgreSQL URL that refuses connections names the address and the setting",
    server: "postgres",
    files: sqliteProject({ "aim.toml": pgToml }),
    env: () => ({ AIM_POSTGRES_URL: "postgres://postgres@127.0.0.1:1/postgres" }),
    code: 1,
    mentions: ["127.0.0.1:1", "AIM_POSTGRES_URL"],
  },
  {
    name: "a MariaDB URL that refuses connections names the address and the setting",
    server: "mariadb",
    files: sqliteProject({ "aim.toml": mariadbToml }),
    env: () => ({ AIM_MARIADB_URL: "mysql://root@127.0.0.1:1" }),
    code: 1,
    mentions: ["127.0.0.1:1", "AIM_MARIADB_URL"],
  },
  {
    name: "PostgreSQL 15 lacks JSON_TABLE (17): schema.sql's line is named and no database is left",
    server: "postgres",
    files: {
      "aim.toml": pgToml,
      "schema.sql":
        "CREATE TABLE t (id int PRIMARY KEY, doc jsonb);\n\nCREATE VIEW v AS\n  SELECT jt.* FROM t, JSON_TABLE(t.doc, '$' COLUMNS (a int PATH '$.a')) AS jt;\n",
      "migrations/000001_t.up.sql": "CREATE TABLE t (id int PRIMARY KEY, doc jsonb);\n",
    },
    code: 1,
    // The statement starts on line 3; PostgreSQL 15 stops at COLUMNS, on line 4.
    mentions: ["schema.sql:4:45", "JSON_TABLE"],
  },
  {
    name: "a PostgreSQL migration that fails to replay names the file and line; no database is left",
    server: "postgres",
    files: {
      "aim.toml": pgToml,
      "schema.sql": "CREATE TABLE t (id int PRIMARY KEY);\nCREATE TABLE u (id int);\n",
      "migrations/000001_t.up.sql": "CREATE TABLE t (id int PRIMARY KEY);\n",
      "migrations/000002_u.up.sql": "CREATE TABLE u (id int);\nINSERT INTO u SELECT missing FROM t;\n",
    },
    code: 1,
    mentions: ["migrations/000002_u.up.sql:2", "missing"],
  },
  {
    name: "a MariaDB schema.sql syntax error names the line; no database is left",
    server: "mariadb",
    files: {
      "aim.toml": mariadbToml,
      "schema.sql": "CREATE TABLE t (id int PRIMARY KEY);\nCREATE TABLE u (id int,, x int);\n",
      "migrations/000001_t.up.sql": "CREATE TABLE t (id int PRIMARY KEY);\n",
    },
    code: 1,
    mentions: ["schema.sql:2"],
  },
]

describe("bad input", () => {
  for (const c of cases) {
    const server = c.server ?? "sqlite"
    const skip = (server === "postgres" && !hasPg) || (server === "mariadb" && !hasMariadb)
    test.skipIf(skip).concurrent(c.name, async () => {
      const box = makeSandbox()
      let role: PgRole | undefined
      let fake: FakeServer | undefined
      try {
        writeProject(box, c.files)
        c.prepare?.(box.project)
        const env: Record<string, string | undefined> = {}
        if (server === "postgres") {
          role = await makePgRole()
          env.AIM_POSTGRES_URL = role.url
        }
        if (server === "mariadb") env.AIM_MARIADB_URL = MARIADB_URL
        if (c.model) {
          fake = startFakeServer(c.model)
          env.OPENAI_BASE_URL = `${fake.url}/v1`
          env.OPENAI_API_KEY = "sk-aimtest-bad-input"
        }
        Object.assign(env, c.env?.({ role }) ?? {})
        const mariadbBefore = server === "mariadb" ? mariadbAimDatabases() : undefined
        const before = snapshotTree(box.project)
        const r = await runAim(box, c.args ?? ["generate"], env)
        expectOneMessage(r, c.code, c.mentions)
        expectNothingLeft(box, before)
        if (role) expect(await pgDatabasesOf(role)).toEqual([])
        if (mariadbBefore) expect(await mariadbLeftSince(mariadbBefore)).toEqual([])
      } finally {
        fake?.stop()
        await dropPgRole(role)
        disposeSandbox(box)
      }
    })
  }
})

afterAll(() => closePgAdmin())
