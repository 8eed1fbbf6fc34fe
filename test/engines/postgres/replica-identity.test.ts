/**
 * REPLICA IDENTITY (DEFAULT, FULL, NOTHING, USING INDEX): read from pg_class.relreplident and
 * pg_index.indisreplident, set once the index it names exists (on a new table too), set again where
 * the plan makes that index again, and back to DEFAULT.
 */
import { type PgFeatureCase, pgFeatureSuite } from "./_pg-features.ts"

const tables = `CREATE TABLE a (id integer NOT NULL, v text);
CREATE TABLE b (id integer NOT NULL, v text);
CREATE TABLE c (id integer NOT NULL, v text NOT NULL);`

const cases: PgFeatureCase[] = [
  {
    name: "FULL, NOTHING and USING INDEX set, on existing and new tables; DOWN back to DEFAULT",
    from: tables,
    to: `${tables}
ALTER TABLE a REPLICA IDENTITY FULL;
ALTER TABLE b REPLICA IDENTITY NOTHING;
CREATE UNIQUE INDEX c_id ON c (id);
ALTER TABLE c REPLICA IDENTITY USING INDEX c_id;
CREATE TABLE d (id integer NOT NULL);
CREATE UNIQUE INDEX "D key" ON d (id);
ALTER TABLE d REPLICA IDENTITY USING INDEX "D key";`,
    up: [/CREATE UNIQUE INDEX c_id ON c/, /ALTER TABLE c REPLICA IDENTITY USING INDEX c_id/],
    upHas: [
      /ALTER TABLE a REPLICA IDENTITY FULL/,
      /ALTER TABLE b REPLICA IDENTITY NOTHING/,
      /ALTER TABLE d REPLICA IDENTITY USING INDEX "D key"/,
    ],
    downHas: [/ALTER TABLE a REPLICA IDENTITY DEFAULT/, /ALTER TABLE b REPLICA IDENTITY DEFAULT/],
  },
  {
    name: "the replica identity's index made again is named the replica identity again",
    from: `${tables} CREATE UNIQUE INDEX c_id ON c (id); ALTER TABLE c REPLICA IDENTITY USING INDEX c_id;`,
    to: `${tables} CREATE UNIQUE INDEX c_id ON c (id) INCLUDE (v); ALTER TABLE c REPLICA IDENTITY USING INDEX c_id;`,
    up: [
      /DROP INDEX c_id/,
      /CREATE UNIQUE INDEX c_id ON c .*INCLUDE \(v\)/,
      /ALTER TABLE c REPLICA IDENTITY USING INDEX c_id/,
    ],
  },
]

pgFeatureSuite("replica identity", cases)
