/**
 * Hostile model output: SQL written by a model must only ever run in throwaway databases aim made.
 * A fake model (test/llm/fake-server.ts, OpenAI protocol) answers, one attempt after another, with
 * statements aimed outside the throwaway database: DROP DATABASE of the user's real database (also
 * after a COMMIT that ends aim's transaction), a psql `\!` shell escape, a table in another
 * database, COPY ... TO PROGRAM, and on SQLite ATTACH of a real database file and VACUUM INTO a new
 * file. Afterwards the sentinel database, the sentinel files and the project are as they were, no
 * file appeared, and aim reports that no candidate verified (exit 1, nothing written).
 *
 * The PostgreSQL URL is a superuser's, as a developer's local URL usually is: that is the case where
 * a statement can reach beyond its database.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test"
import { Database } from "bun:sqlite"
import { randomBytes } from "node:crypto"
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { type Reply, startFakeServer } from "../llm/fake-server.ts"
import {
  closePgAdmin,
  disposeSandbox,
  dropPgRole,
  expectNothingLeft,
  expectOneMessage,
  makePgRole,
  makeSandbox,
  type PgRole,
  pgAdmin,
  pgAvailable,
  pgDatabasesOf,
  runAim,
  snapshotTree,
  tempLeft,
  writeProject,
} from "./_harness.ts"

setDefaultTimeout(180_000)

const hasPg = await pgAvailable()

const answer = (up_sql: string): Reply => ({
  kind: "tool",
  args: { up_sql, down_sql: "DROP TABLE posts;", description: "add posts" },
})

/** A place the database server's OS user (postgres) may delete from: a hostile COPY TO PROGRAM could. */
function sentinelFolder(root: string) {
  const folder = join(root, "sentinel")
  mkdirSync(folder)
  chmodSync(folder, 0o777)
  const file = join(folder, "keep-me.txt")
  writeFileSync(file, "sentinel\n")
  return { folder, file }
}

const modelToml = (engine: string, attempts: number) =>
  `engine = "${engine}"\nmodel = "openai-gpt-test"\nstrategy = "llm"\nmax_retries = ${attempts - 1}\n`

describe("hostile SQL from a model runs only in aim's throwaway databases", () => {
  /**
   * With a superuser URL, aim verifies each candidate as a sandbox role that owns only its throwaway
   * database (engines/postgres/backends/throwaway.ts), and refuses COMMIT/BEGIN in a candidate
   * (engines/postgres/database.ts): DROP DATABASE of another database and COPY ... TO PROGRAM fail.
   */
  const pgGroups: ReadonlyArray<{
    name: string
    replies: (sentinel: { db: string; file: string; folder: string }) => ReadonlyArray<Reply>
  }> = [
    {
      name: "DROP DATABASE of the user's database, inside and after aim's transaction",
      replies: ({ db }) => [
        answer(`DROP DATABASE ${db};\nCREATE TABLE posts (id int PRIMARY KEY);`),
        answer(`COMMIT;\nDROP DATABASE ${db};\nBEGIN;\nCREATE TABLE posts (id int PRIMARY KEY);`),
      ],
    },
    {
      name: "a psql shell escape and COPY ... TO PROGRAM",
      replies: ({ file, folder }) => [
        answer(`\\! rm -rf ${file}\nCREATE TABLE posts (id int PRIMARY KEY);`),
        answer(`COPY (SELECT 1) TO PROGRAM 'rm -rf ${file}';\nCREATE TABLE posts (id int PRIMARY KEY);`),
        answer(
          `CREATE TABLE posts (id int PRIMARY KEY);\nCOPY (SELECT 1) TO PROGRAM 'touch ${folder}/created-by-model';`,
        ),
      ],
    },
    {
      name: "tables in another database",
      replies: ({ db }) => [
        answer(`CREATE TABLE ${db}.public.t (id int);\nCREATE TABLE posts (id int PRIMARY KEY);`),
        answer(`ALTER TABLE ${db}.public.keep RENAME TO gone;\nCREATE TABLE posts (id int PRIMARY KEY);`),
        answer(`DROP TABLE ${db}.public.keep;\nCREATE TABLE posts (id int PRIMARY KEY);`),
      ],
    },
  ]
  for (const group of pgGroups) {
    test.skipIf(!hasPg)(`PostgreSQL url (superuser), ${group.name}: the sentinels survive`, async () => {
      const box = makeSandbox("aim-hostile-")
      const fake = startFakeServer()
      const sentinelDb = `sentinel_${randomBytes(6).toString("hex")}`
      let role: PgRole | undefined
      try {
        const { folder, file } = sentinelFolder(box.root)
        await pgAdmin().unsafe(`CREATE DATABASE ${sentinelDb}`)
        const replies = [
          ...group.replies({ db: sentinelDb, file, folder }),
          // Never verifies: keeps the run failing so that every hostile answer is tried.
          answer("CREATE TABLE posts (;"),
        ]
        fake.script(replies)
        writeProject(box, {
          "aim.toml": `${modelToml("postgres-15", replies.length)}\n[engines.postgres]\nbackend = "url"\n`,
          "schema.sql":
            "CREATE TABLE users (id int PRIMARY KEY);\nCREATE TABLE posts (id int PRIMARY KEY);\n",
          "migrations/000001_users.up.sql": "CREATE TABLE users (id int PRIMARY KEY);\n",
        })
        role = await makePgRole({ superuser: true })
        const before = snapshotTree(box.project)
        const r = await runAim(box, ["generate"], {
          AIM_POSTGRES_URL: role.url,
          OPENAI_BASE_URL: `${fake.url}/v1`,
          OPENAI_API_KEY: "sk-aimtest-hostile",
        })
        console.log(
          `hostile: postgres, ${group.name}: exit ${r.code}\n${r.stderr}${r.code === 0 ? r.stdout : ""}`,
        )
        // What matters most first: the user's database and files outside aim's throwaway databases.
        const rows = await pgAdmin()`SELECT datname FROM pg_database WHERE datname = ${sentinelDb}`
        expect(rows.map((row) => row.datname)).toEqual([sentinelDb])
        expect(existsSync(file)).toBe(true)
        expect(readdirSync(folder)).toEqual(["keep-me.txt"])
        expect(await pgDatabasesOf(role)).toEqual([])
        expectOneMessage(r, 1, ["openai-gpt-test", `${replies.length} attempts`, "nothing was written"])
        expect(fake.requests.length).toBe(replies.length)
        expectNothingLeft(box, before)
      } finally {
        fake.stop()
        await pgAdmin()
          .unsafe(`DROP DATABASE IF EXISTS ${sentinelDb} WITH (FORCE)`)
          .catch(() => undefined)
        await dropPgRole(role)
        disposeSandbox(box)
      }
    })
  }

  /**
   * Each answer is verified in a copy of the replayed history (the template database, see
   * engines/postgres/backends/throwaway.ts): answers that go after the template (any other aim_
   * database, its sandbox role) fail, and an answer that wrecks its own copy only fails itself. The
   * last answer then verifies in a copy as the history built it, and is written.
   */
  test.skipIf(!hasPg)(
    "PostgreSQL url (superuser): answers cannot reach the template or the next copy",
    async () => {
      const box = makeSandbox("aim-hostile-")
      const fake = startFakeServer()
      let role: PgRole | undefined
      try {
        const others = (what: string) => `DO $$ DECLARE n text; BEGIN FOR n IN ${what} LOOP`
        const replies = [
          answer(
            `${others("SELECT datname FROM pg_database WHERE datname LIKE 'aim\\_%' AND datname <> current_database()")} EXECUTE format('ALTER DATABASE %I ALLOW_CONNECTIONS true', n); EXECUTE format('ALTER DATABASE %I RENAME TO %I', n, n || '_x'); END LOOP; END $$;\nCREATE TABLE posts (id int PRIMARY KEY);`,
          ),
          answer(
            `${others("SELECT rolname FROM pg_roles WHERE rolname LIKE 'aim\\_%' AND rolname <> current_user")} EXECUTE format('ALTER ROLE %I LOGIN PASSWORD %L', n, 'known'); END LOOP; END $$;\nCREATE TABLE posts (id int PRIMARY KEY);`,
          ),
          answer("DROP TABLE users;\nCREATE TABLE posts (id int PRIMARY KEY);"),
          answer("CREATE TABLE posts (id int PRIMARY KEY);"),
        ]
        fake.script(replies)
        writeProject(box, {
          "aim.toml": `${modelToml("postgres-15", replies.length)}\n[engines.postgres]\nbackend = "url"\n`,
          "schema.sql":
            "CREATE TABLE users (id int PRIMARY KEY);\nCREATE TABLE posts (id int PRIMARY KEY);\n",
          "migrations/000001_users.up.sql": "CREATE TABLE users (id int PRIMARY KEY);\n",
        })
        role = await makePgRole({ superuser: true })
        const r = await runAim(box, ["generate"], {
          AIM_POSTGRES_URL: role.url,
          OPENAI_BASE_URL: `${fake.url}/v1`,
          OPENAI_API_KEY: "sk-aimtest-hostile",
          // Replayed, not read from the snapshot cache (the tests above cached this history): the
          // replayed database is then the template every answer is verified in a copy of.
          AIM_NO_CACHE: "1",
        })
        console.log(`hostile: postgres, template and copies: exit ${r.code}\n${r.stderr}`)
        expect(r.code, r.stderr).toBe(0)
        expect(fake.requests.length).toBe(replies.length)
        // What each refused answer was told: the server refused the first two, the third lacked users.
        const feedback = fake.requests.slice(1).map((q) => JSON.stringify(q.body))
        expect(feedback[0]).toMatch(/must be owner of database|permission denied/)
        expect(feedback[1]).toMatch(/permission denied|must have CREATEROLE|privilege/)
        expect(feedback[2]).toContain("SchemaDrift")
        const written = readdirSync(join(box.project, "migrations")).filter((f) => f.endsWith(".up.sql"))
        expect(written).toHaveLength(2)
        // The template was the URL role's (the admin's) while it lived; nothing of it is left.
        expect(await pgDatabasesOf(role)).toEqual([])
        expect(tempLeft(box)).toEqual([])
      } finally {
        fake.stop()
        await dropPgRole(role)
        disposeSandbox(box)
      }
    },
  )

  test("SQLite: an answer that wrecks its copy of the history does not reach the next one", async () => {
    const box = makeSandbox("aim-hostile-")
    const fake = startFakeServer()
    try {
      const replies = [
        answer("DROP TABLE users;\nCREATE TABLE posts (id INTEGER PRIMARY KEY);"),
        answer("PRAGMA foreign_keys = OFF;\nCREATE TEMP TABLE t (x);\nCREATE TABLE posts (;"),
        answer("CREATE TABLE posts (id INTEGER PRIMARY KEY);"),
      ]
      fake.script(replies)
      writeProject(box, {
        "aim.toml": modelToml("sqlite", replies.length),
        "schema.sql":
          "CREATE TABLE users (id INTEGER PRIMARY KEY);\nCREATE TABLE posts (id INTEGER PRIMARY KEY);\n",
        "migrations/000001_users.up.sql": "CREATE TABLE users (id INTEGER PRIMARY KEY);\n",
      })
      const r = await runAim(box, ["generate"], {
        OPENAI_BASE_URL: `${fake.url}/v1`,
        OPENAI_API_KEY: "sk-aimtest-hostile",
      })
      expect(r.code, r.stderr).toBe(0)
      expect(fake.requests.length).toBe(replies.length)
      const written = readdirSync(join(box.project, "migrations")).filter((f) => f.endsWith(".up.sql"))
      expect(written).toHaveLength(2)
      expect(tempLeft(box)).toEqual([])
    } finally {
      fake.stop()
      disposeSandbox(box)
    }
  })

  test("SQLite: ATTACH and VACUUM INTO cannot reach files", async () => {
    const box = makeSandbox("aim-hostile-")
    const fake = startFakeServer()
    try {
      const { folder, file } = sentinelFolder(box.root)
      const realDb = join(folder, "app.db")
      const db = new Database(realDb)
      db.exec("CREATE TABLE keep (id INTEGER PRIMARY KEY); INSERT INTO keep VALUES (1), (2);")
      db.close()
      const replies = [
        answer(
          `BEGIN;\nCOMMIT;\nATTACH DATABASE '${realDb}' AS other;\nDROP TABLE other.keep;\nDETACH DATABASE other;\nCREATE TABLE posts (id INTEGER PRIMARY KEY);`,
        ),
        answer(
          `ATTACH DATABASE '${realDb}' AS other;\nDROP TABLE other.keep;\nDETACH DATABASE other;\nCREATE TABLE posts (id INTEGER PRIMARY KEY);`,
        ),
        answer(
          `ATTACH DATABASE '${folder}/new.db' AS other;\nCREATE TABLE other.t (id INTEGER);\nDETACH DATABASE other;\nCREATE TABLE posts (id INTEGER PRIMARY KEY);`,
        ),
        answer(`CREATE TABLE posts (id INTEGER PRIMARY KEY);\nVACUUM INTO '${folder}/copy.db';`),
        answer("CREATE TABLE posts (;"),
      ]
      fake.script(replies)
      writeProject(box, {
        "aim.toml": modelToml("sqlite", replies.length),
        "schema.sql":
          "CREATE TABLE users (id INTEGER PRIMARY KEY);\nCREATE TABLE posts (id INTEGER PRIMARY KEY);\n",
        "migrations/000001_users.up.sql": "CREATE TABLE users (id INTEGER PRIMARY KEY);\n",
      })
      const before = snapshotTree(box.project)
      const r = await runAim(box, ["generate"], {
        OPENAI_BASE_URL: `${fake.url}/v1`,
        OPENAI_API_KEY: "sk-aimtest-hostile",
      })
      console.log(
        `hostile: sqlite exit ${r.code}\n${r.stderr}\nsentinel folder: ${readdirSync(folder).join(", ")}`,
      )
      const check = new Database(realDb, { readonly: true })
      const kept = check.query("SELECT count(*) AS n FROM sqlite_master WHERE name = 'keep'").get() as {
        n: number
      }
      check.close()
      expect(kept.n).toBe(1)
      expect(readdirSync(folder).sort()).toEqual(["app.db", "keep-me.txt"])
      expect(existsSync(file)).toBe(true)
      expectOneMessage(r, 1, ["openai-gpt-test", `${replies.length} attempts`, "nothing was written"])
      expect(fake.requests.length).toBe(replies.length)
      expectNothingLeft(box, before)
    } finally {
      fake.stop()
      disposeSandbox(box)
    }
  })
})

afterAll(() => closePgAdmin())
