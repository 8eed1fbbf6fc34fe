/**
 * _hazard-cases: changes that real rows can pass, one per table and per SQL family, and the steps
 * `aim generate` takes to plan and verify one (returning the report, the candidate and both
 * schemas), for the tests of sample rows that fit both versions and of hazard probes.
 */
import { Effect } from "effect"
import { Engine } from "../../engines/engine.ts"
import { replayHistory } from "../../engines/replay.ts"
import type { Migration } from "../../model.ts"
import { plan } from "../../steps/plan.ts"
import { snapshotSchema } from "../../steps/snapshot.ts"
import { verify } from "../../steps/verify.ts"
import type { EngineFamily } from "../engines/_backends.ts"

/** Plan and verify the change from `from` (the history) to `to` (schema.sql); the verification report. */
export const verified = (from: string, to: string) =>
  Effect.gen(function* () {
    const engine = yield* Engine
    const history: Migration[] = [
      { version: "1", name: "init", up: from, upPath: "1.up.sql", transaction: true },
    ]
    const current = yield* Effect.scoped(
      Effect.gen(function* () {
        const db = yield* engine.ephemeral
        yield* replayHistory(engine, db, history)
        return yield* db.snapshot
      }),
    )
    const desired = yield* snapshotSchema({ path: "schema.sql", text: to })
    const candidate = yield* plan(current, desired, true)
    const report = yield* verify(candidate, { history, current, desired })
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
