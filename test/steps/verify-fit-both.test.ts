/**
 * Sample rows fit both versions of the schema, on every engine and backend this machine has: a
 * change real rows can pass (NOT NULL, a CHECK naming its values, UNIQUE, a foreign key to an
 * existing table, a narrowed varchar, a removed ENUM label) verifies with rows in every table
 * instead of being refused because of aim's own rows; a table where no row fits both versions (a
 * NOT NULL column added without a default) is proven empty and named, except on MySQL-family
 * servers, which give such a column an implicit value instead of failing.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test"
import { Effect, ManagedRuntime } from "effect"
import { Engine } from "../../engines/engine.ts"
import { replayHistory } from "../../engines/replay.ts"
import type { Migration } from "../../model.ts"
import { plan } from "../../steps/plan.ts"
import { snapshotSchema } from "../../steps/snapshot.ts"
import { verify } from "../../steps/verify.ts"
import { type EngineFamily, type TestBackend, testBackends } from "../engines/_backends.ts"

setDefaultTimeout(120_000)

/** Plan and verify the change from `from` (the history) to `to` (schema.sql); the verification report. */
export const verified = (from: string, to: string) =>
  Effect.gen(function* () {
    const engine = yield* Engine
    const history: Migration[] = [{ version: "1", name: "init", up: from, upPath: "1.up.sql", transaction: true }]
    const current = yield* Effect.scoped(
      Effect.gen(function* () {
        const db = yield* engine.ephemeral
        yield* replayHistory(engine, db, history)
        return yield* db.snapshot
      }),
    )
    const desired = yield* snapshotSchema({ path: "schema.sql", text: to })
    const candidate = yield* plan(current, desired, true)
    const report = yield* verify(candidate, history, current, desired)
    return { report, candidate, history, current, desired }
  })

/** Changes real rows can pass, per family: each on a table of its own. */
export const fitting: Record<EngineFamily, { from: string; to: string }> = {
  sqlite: {
    from: `CREATE TABLE parents (id INTEGER PRIMARY KEY);
CREATE TABLE nn (id INTEGER PRIMARY KEY, note TEXT);
CREATE TABLE ck (id INTEGER PRIMARY KEY, status TEXT);
CREATE TABLE uq (id INTEGER PRIMARY KEY, email TEXT);
CREATE TABLE fk (id INTEGER PRIMARY KEY, parent_id INT);
CREATE TABLE nw (id INTEGER PRIMARY KEY, code VARCHAR(20));`,
    to: `CREATE TABLE parents (id INTEGER PRIMARY KEY);
CREATE TABLE nn (id INTEGER PRIMARY KEY, note TEXT NOT NULL);
CREATE TABLE ck (id INTEGER PRIMARY KEY, status TEXT CHECK (status IN ('open', 'done')));
CREATE TABLE uq (id INTEGER PRIMARY KEY, email TEXT UNIQUE);
CREATE TABLE fk (id INTEGER PRIMARY KEY, parent_id INT REFERENCES parents (id));
CREATE TABLE nw (id INTEGER PRIMARY KEY, code VARCHAR(5));`,
  },
  postgres: {
    from: `CREATE TYPE mood AS ENUM ('happy', 'sad', 'meh');
CREATE TYPE level AS ENUM ('low', 'high');
CREATE TABLE parents (id int PRIMARY KEY);
CREATE TABLE nn (id int PRIMARY KEY, note text);
CREATE TABLE ck (id int PRIMARY KEY, status text);
CREATE TABLE uq (id int PRIMARY KEY, email text);
CREATE TABLE fk (id int PRIMARY KEY, parent_id int);
CREATE TABLE nw (id int PRIMARY KEY, code varchar(20), flag varchar(10));
CREATE TABLE en (id int PRIMARY KEY, m mood, l text);`,
    to: `CREATE TYPE mood AS ENUM ('happy', 'meh');
CREATE TYPE level AS ENUM ('low', 'high');
CREATE TABLE parents (id int PRIMARY KEY);
CREATE TABLE nn (id int PRIMARY KEY, note text NOT NULL);
CREATE TABLE ck (id int PRIMARY KEY, status text CHECK (status IN ('open', 'done')));
CREATE TABLE uq (id int PRIMARY KEY, email text UNIQUE);
CREATE TABLE fk (id int PRIMARY KEY, parent_id int REFERENCES parents (id));
CREATE TABLE nw (id int PRIMARY KEY, code varchar(5), flag char(1));
CREATE TABLE en (id int PRIMARY KEY, m mood, l level);`,
  },
  mariadb: {
    from: `CREATE TABLE parents (id int PRIMARY KEY);
CREATE TABLE nn (id int PRIMARY KEY, note text);
CREATE TABLE ck (id int PRIMARY KEY, status varchar(10));
CREATE TABLE uq (id int PRIMARY KEY, email varchar(50));
CREATE TABLE fk (id int PRIMARY KEY, parent_id int);
CREATE TABLE nw (id int PRIMARY KEY, code varchar(20));
CREATE TABLE en (id int PRIMARY KEY, status enum('new','paid','void'), tags set('a','b','c'));`,
    to: `CREATE TABLE parents (id int PRIMARY KEY);
CREATE TABLE nn (id int PRIMARY KEY, note text NOT NULL);
CREATE TABLE ck (id int PRIMARY KEY, status varchar(10), CONSTRAINT ck_status CHECK (status IN ('open', 'done')));
CREATE TABLE uq (id int PRIMARY KEY, email varchar(50) UNIQUE);
CREATE TABLE fk (id int PRIMARY KEY, parent_id int, CONSTRAINT fk_parent FOREIGN KEY (parent_id) REFERENCES parents (id));
CREATE TABLE nw (id int PRIMARY KEY, code varchar(5));
CREATE TABLE en (id int PRIMARY KEY, status enum('new','paid'), tags set('a','b'));`,
  },
}

const backends = await testBackends()
for (const b of backends) if (b.skip) console.warn(`skipped: rows that fit both versions on ${b.name}: ${b.skip}`)

function suite(backend: TestBackend) {
  let runtime: ManagedRuntime.ManagedRuntime<Engine, unknown>
  beforeAll(() => {
    runtime = ManagedRuntime.make(backend.layer())
  })
  afterAll(() => runtime.dispose())

  test("a change real rows can pass verifies with rows in every table, none refused", async () => {
    const { from, to } = fitting[backend.family]
    const { report } = await runtime.runPromise(verified(from, to))
    expect(report.seed.provenEmpty).toEqual([])
    expect(report.seed.skipped).toEqual([])
    const rows = Object.fromEntries(report.seed.seeded.map((s) => [s.table, s.rows]))
    for (const table of ["nn", "ck", "uq", "fk", "nw"]) expect({ table, rows: rows[table] }).toEqual({ table, rows: 3 })
    expect(report.hazards.length).toBeGreaterThanOrEqual(5)
  })

  test("a NOT NULL column added without a default: the table is proven empty and named", async () => {
    const { report } = await runtime.runPromise(
      verified(
        "CREATE TABLE kept (id INT PRIMARY KEY); CREATE TABLE t (id INT PRIMARY KEY);",
        "CREATE TABLE kept (id INT PRIMARY KEY); CREATE TABLE t (id INT PRIMARY KEY, code INT NOT NULL);",
      ),
    )
    const tables = report.seed.seeded.map((s) => s.table)
    if (backend.family === "mariadb") {
      // The server gives the column its implicit 0 instead of failing: the rows stay.
      expect(report.seed.provenEmpty).toEqual([])
      expect(tables).toContain("t")
    } else {
      expect(report.seed.provenEmpty).toEqual([{ table: "t", conditions: ["1 = 1"] }])
      expect(tables).toEqual(["kept"])
    }
  })
}

for (const backend of backends)
  describe.skipIf(backend.skip !== undefined)(`rows that fit both versions: ${backend.name}`, () => suite(backend))
