/**
 * The MySQL/MariaDB engine against real servers: every backend this machine offers (url at
 * 127.0.0.1:3306 or AIM_MARIADB_URL, local mariadbd, docker when a daemon answers). A history that
 * adds columns with defaults and ON UPDATE, changes column types, swaps foreign keys and indexes, and
 * adds a view, a trigger and a procedure is planned and verified (UP then DOWN, seeded rows kept).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { spawnSync } from "node:child_process"
import { readdirSync } from "node:fs"
import { tmpdir } from "node:os"
import { Effect, Exit, Fiber, ManagedRuntime } from "effect"
import mysql from "mysql2/promise"
import { diffSchemas } from "../../../model/diff.ts"
import { Engine } from "../../../engines/engine.ts"
import { chooseBackend, findLocalServer } from "../../../engines/mysql/backends.ts"
import { layer } from "../../../engines/mysql/engine.ts"
import { flavorOf } from "../../../engines/mysql/flavor.ts"
import { normalizeCatalog, readCatalog } from "../../../engines/mysql/catalog.ts"
import { forCommandLineClient } from "../../../engines/mysql/split.ts"
import type { Migration } from "../../../model.ts"
import { plan } from "../../../steps/plan.ts"
import { snapshotHistory, snapshotSchema } from "../../../steps/snapshot.ts"
import { verify } from "../../../steps/verify.ts"
import { hostMark, tempPrefix, throwawayOwner } from "../../../engines/run-mark.ts"

const URL = process.env.AIM_MARIADB_URL ?? "mysql://root@127.0.0.1:3306/"
const flavor = flavorOf("mariadb", "10.11")

async function urlAnswers(): Promise<boolean> {
  try {
    const conn = await mysql.createConnection({ uri: URL, connectTimeout: 3000 })
    const [rows] = await conn.query("SELECT VERSION() AS v")
    await conn.end()
    return /mariadb/i.test(String((rows as Array<{ v: string }>)[0]?.v))
  } catch {
    return false
  }
}

/**
 * The throwaway databases this test process made on the url server (their names carry its pid,
 * run-mark.ts): other runs on the shared server make and drop their own all the time.
 */
async function aimDatabases(): Promise<string[]> {
  const conn = await mysql.createConnection({ uri: URL })
  try {
    const [rows] = await conn.query("SHOW DATABASES LIKE 'aim\\_%'")
    return (rows as Array<Record<string, string>>)
      .map((r) => Object.values(r)[0] as string)
      .filter((name) => {
        const owner = throwawayOwner(name)
        return owner?.pid === process.pid && owner.host === hostMark()
      })
  } finally {
    await conn.end()
  }
}

const migration = (version: string, up: string): Migration => ({
  version,
  name: `m${version}`,
  up,
  upPath: `migrations/${version}.up.sql`,
  transaction: true,
})

const history: Migration[] = [
  migration(
    "1",
    `CREATE TABLE authors (
       id INT AUTO_INCREMENT PRIMARY KEY,
       name VARCHAR(50) NOT NULL,
       email VARCHAR(100)
     );
     CREATE TABLE books (
       id INT AUTO_INCREMENT PRIMARY KEY,
       author_id INT NOT NULL,
       title VARCHAR(100) NOT NULL,
       price INT,
       flags BIT(4) DEFAULT b'0001',
       cover VARBINARY(16),
       KEY idx_title (title),
       CONSTRAINT fk_author FOREIGN KEY (author_id) REFERENCES authors (id)
     );`,
  ),
  migration(
    "2",
    `ALTER TABLE books ADD COLUMN created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP;
     ALTER TABLE authors ADD UNIQUE KEY uq_email (email);
     CREATE TABLE tags (name VARCHAR(20) PRIMARY KEY, kind ENUM('genre', 'mood') NOT NULL, meta JSON, CHECK (name <> ''));`,
  ),
]

const desired = `
CREATE TABLE authors (
  id INT AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(50) NOT NULL,
  email VARCHAR(100),
  status ENUM('active', 'retired') NOT NULL DEFAULT 'active',
  updated_at DATETIME DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  UNIQUE KEY uq_email (email)
);
CREATE TABLE books (
  id INT AUTO_INCREMENT PRIMARY KEY,
  author_id INT NOT NULL,
  title VARCHAR(200) NOT NULL,
  price DECIMAL(10,2),
  flags BIT(4) DEFAULT b'0001',
  cover VARBINARY(16),
  created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  KEY idx_price (price),
  CONSTRAINT fk_books_author FOREIGN KEY (author_id) REFERENCES authors (id) ON DELETE CASCADE
);
CREATE TABLE tags (name VARCHAR(20) PRIMARY KEY, kind ENUM('genre', 'mood') NOT NULL, meta JSON, CHECK (name <> ''));
CREATE VIEW book_titles AS SELECT b.id, b.title, a.name AS author FROM books b JOIN authors a ON a.id = b.author_id;
DELIMITER $$
CREATE TRIGGER books_title_trim BEFORE INSERT ON books FOR EACH ROW
BEGIN
  SET NEW.title = TRIM(NEW.title);
END$$
DELIMITER ;
CREATE PROCEDURE count_books(IN who INT, OUT n INT)
BEGIN
  SELECT COUNT(*) INTO n FROM books WHERE author_id = who;
END;
`

interface Backend {
  readonly name: string
  readonly skip?: string | undefined
  readonly options: { settings: { backend: string; url?: string } }
}

const urlUp = await urlAnswers()
const local = findLocalServer(flavor)
const docker = await Effect.runPromise(chooseBackend(flavor, { backend: "docker" }, {}))
const backends: Backend[] = [
  {
    name: "url",
    skip: urlUp ? undefined : `no MariaDB answers at ${URL.replace(/:[^:@/]*@/, ":***@")}`,
    options: { settings: { backend: "url", url: URL } },
  },
  {
    name: "local",
    skip: local ? undefined : "no mariadbd and mariadb-install-db on this machine",
    options: { settings: { backend: "local" } },
  },
  {
    name: "docker",
    skip: docker.kind === "docker" ? undefined : docker.why,
    options: { settings: { backend: "docker" } },
  },
]

for (const backend of backends) {
  const suite = backend.skip ? describe.skip : describe
  if (backend.skip) console.log(`mysql engine: skipping the ${backend.name} backend: ${backend.skip}`)
  suite(`mariadb engine, ${backend.name} backend`, () => {
    let runtime: ManagedRuntime.ManagedRuntime<Engine, never>
    beforeAll(() => {
      // The url backend is chosen from the config, not from a variable a developer may have set.
      delete process.env.AIM_MARIADB_URL
      runtime = ManagedRuntime.make(layer("mariadb-10.11", backend.options))
    })
    afterAll(async () => {
      await runtime.dispose()
    })

    test("a history with column, key, view, trigger and procedure changes is planned and verified both ways", async () => {
      const result = await runtime.runPromise(
        Effect.gen(function* () {
          const engine = yield* Engine
          const current = yield* snapshotHistory(history)
          const target = yield* snapshotSchema({ path: "schema.sql", text: desired })
          const candidate = yield* plan(current, target, true)
          const report = yield* verify(candidate, { history, current, desired: target })
          return { engine, current, target, candidate, report }
        }),
      )
      expect(result.engine.description).toContain(backend.name === "docker" ? "Docker" : backend.name)
      expect(result.report.downChecked).toBe(true)
      expect(result.report.seed.seeded.map((s) => s.table).sort()).toEqual(["authors", "books", "tags"])
      expect(result.report.seed.skipped).toEqual([])
      expect(result.candidate.up).toContain("DROP FOREIGN KEY `fk_author`")
      expect(result.candidate.up).toContain("MODIFY COLUMN `price` decimal(10,2)")
      expect(result.candidate.up).not.toContain("DELIMITER")
      const kinds = result.target.objects.map((o) => `${o.kind}:${o.name}`)
      expect(kinds).toContain("view:book_titles")
      expect(kinds).toContain("trigger:books_title_trim")
      expect(kinds).toContain("procedure:count_books")
      const authors = result.target.tables.find((t) => t.name === "authors")
      expect(authors?.columns.find((c) => c.name === "updated_at")?.extra?.on_update).toBe(
        "CURRENT_TIMESTAMP",
      )
      expect(
        result.target.tables.find((t) => t.name === "tags")?.columns.find((c) => c.name === "meta")?.type,
      ).toBe("JSON")

      if (backend.name === "url") {
        // The mariadb client runs the history and the generated UP on a database of its own.
        const client = spawnSync("mariadb", ["--version"])
        if (client.status === 0) {
          const name = `aim_client_${Date.now()}`
          const u = new globalThis.URL(URL)
          const args = ["-u", u.username || "root", "-h", u.hostname, "-P", u.port || "3306"]
          const admin = await mysql.createConnection({ uri: URL })
          await admin.query(`CREATE DATABASE ${name}`)
          try {
            // The client cuts at every ";", so bodies get the DELIMITER fence that client needs.
            const script = forCommandLineClient(
              `${history.map((m) => m.up).join("\n")}\n${result.candidate.up}`,
            )
            const run = spawnSync("mariadb", [...args, name], { input: script, encoding: "utf8" })
            expect(run.stderr).toBe("")
            expect(run.status).toBe(0)
            const conn = await mysql.createConnection({ uri: URL, database: name, dateStrings: true })
            const query = async (sql: string, params?: ReadonlyArray<unknown>) =>
              (await conn.query(sql, params as unknown[]))[0] as Array<Record<string, unknown>>
            const reached = normalizeCatalog(await readCatalog(query, flavor), flavor)
            await conn.end()
            expect(diffSchemas(result.target, reached)).toEqual([])
          } finally {
            await admin.query(`DROP DATABASE ${name}`)
            await admin.end()
          }
        }
      }
    }, 120_000)

    test("an interrupted scope still drops its throwaway database", async () => {
      const before = urlUp ? await aimDatabases() : []
      const fiber = runtime.runFork(
        Effect.scoped(
          Effect.gen(function* () {
            const engine = yield* Engine
            const db = yield* engine.ephemeral
            yield* db.apply([{ sql: "CREATE TABLE t (a INT)", line: 1, source: "t.sql" }], {
              transaction: false,
              trusted: true,
            })
            yield* Effect.never
          }),
        ),
      )
      if (backend.name === "url") {
        for (let i = 0; i < 100 && (await aimDatabases()).length <= before.length; i++) await Bun.sleep(50)
        expect((await aimDatabases()).length).toBe(before.length + 1)
      } else await Bun.sleep(500)
      const exit = await runtime.runPromise(Fiber.interrupt(fiber).pipe(Effect.andThen(Fiber.await(fiber))))
      expect(Exit.hasInterrupts(exit)).toBe(true)
      if (backend.name === "url") expect(await aimDatabases()).toEqual(before)
    }, 60_000)
  })
}

describe("mariadb engine, clean-up", () => {
  test.skipIf(!urlUp)("no aim_ database is left on the url server", async () => {
    expect(await aimDatabases()).toEqual([])
  })
  test.skipIf(!local)("no local server folder is left in the temp folder", () => {
    expect(readdirSync(tmpdir()).filter((f) => f.startsWith(tempPrefix("mariadb")))).toEqual([])
  })
})
