/**
 * NOT VALID checks and foreign keys (pg_constraint.convalidated): read as not valid, kept not valid
 * when created with a table (added after CREATE TABLE, which has no NOT VALID) or added to one, made
 * valid with VALIDATE CONSTRAINT instead of a drop and an add, and turned back by DOWN.
 */
import { type PgFeatureCase, pgFeatureSuite } from "./_pg-features.ts"

const parent = "CREATE TABLE p (id integer PRIMARY KEY);"
const plain = `${parent} CREATE TABLE t (id integer, p_id integer, n integer);`
const notValid = `${plain}
ALTER TABLE t ADD CONSTRAINT t_p FOREIGN KEY (p_id) REFERENCES p NOT VALID;
ALTER TABLE t ADD CONSTRAINT n_positive CHECK (n > 0) NOT VALID;
ALTER TABLE t ADD CHECK (id <> 0) NOT VALID;`
const valid = `${plain}
ALTER TABLE t ADD CONSTRAINT t_p FOREIGN KEY (p_id) REFERENCES p;
ALTER TABLE t ADD CONSTRAINT n_positive CHECK (n > 0);
ALTER TABLE t ADD CHECK (id <> 0);`

const cases: PgFeatureCase[] = [
  {
    name: "a new table's NOT VALID constraints are added after it, NOT VALID",
    from: parent,
    to: notValid,
    up: [
      /CREATE TABLE t/,
      /ALTER TABLE t ADD CONSTRAINT n_positive CHECK \(n > 0\) NOT VALID/,
      /ALTER TABLE t ADD CONSTRAINT t_p FOREIGN KEY \(p_id\) REFERENCES p \(id\) NOT VALID/,
    ],
  },
  {
    name: "NOT VALID constraints added to a table with rows stay NOT VALID",
    from: plain,
    to: notValid,
    up: [/ADD CHECK \(id <> 0\) NOT VALID/, /ADD CONSTRAINT t_p FOREIGN KEY .* NOT VALID/],
    down: [/DROP CONSTRAINT t_p/],
  },
  {
    name: "becoming valid is VALIDATE CONSTRAINT, and DOWN makes them NOT VALID again",
    from: notValid,
    to: valid,
    up: [/VALIDATE CONSTRAINT t_id_check/, /VALIDATE CONSTRAINT t_p/],
    down: [/DROP CONSTRAINT t_p/, /ADD CONSTRAINT t_p FOREIGN KEY .* NOT VALID/],
    never: [/ADD CONSTRAINT t_p FOREIGN KEY \(p_id\) REFERENCES p \(id\)(?! NOT VALID)/],
  },
]

pgFeatureSuite("constraint validity", cases)
