/**
 * Aggregates (pg_aggregate, written out as CREATE AGGREGATE with their non-default options) and
 * rules (pg_rewrite, but a view's own): created, changed (dropped and created, with what depends on
 * them), dropped; a rule that reads a column whose type changes is dropped and made again around it.
 */
import { type PgFeatureCase, pgFeatureSuite } from "./_pg-features.ts"

const base = `CREATE TABLE t (id integer, v text);
CREATE TABLE log (id integer, at timestamptz DEFAULT now());
CREATE FUNCTION add_state(integer, integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'select $1 + $2';
CREATE FUNCTION sub_state(integer, integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'select $1 - $2';`

const cases: PgFeatureCase[] = [
  {
    name: "aggregates and rules created, and dropped by DOWN",
    from: base,
    to: `${base}
CREATE AGGREGATE my_sum(integer) (SFUNC = add_state, STYPE = integer, INITCOND = '0', PARALLEL = SAFE);
CREATE AGGREGATE my_msum(integer) (SFUNC = add_state, STYPE = integer, MSFUNC = add_state, MINVFUNC = sub_state, MSTYPE = integer, MINITCOND = '0', SORTOP = >);
CREATE VIEW totals AS SELECT my_sum(id) AS s FROM t;
CREATE RULE "log it" AS ON INSERT TO t DO ALSO INSERT INTO log (id) VALUES (new.id);
CREATE RULE no_delete AS ON DELETE TO t DO INSTEAD NOTHING;
COMMENT ON AGGREGATE my_sum(integer) IS 'sum';
COMMENT ON RULE no_delete ON t IS 'keep rows';`,
    up: [
      /CREATE AGGREGATE my_sum\(integer\) \(SFUNC = add_state, STYPE = integer, INITCOND = '0', PARALLEL = SAFE\)/,
      /CREATE VIEW totals/,
    ],
    upHas: [
      /CREATE AGGREGATE my_msum\(integer\) \(SFUNC = add_state, STYPE = integer, MSFUNC = add_state, MINVFUNC = sub_state, MSTYPE = integer, MINITCOND = '0', SORTOP = >\)/,
      /CREATE RULE "log it" AS\s+ON INSERT TO t DO\s+INSERT INTO log \(id\)/,
      /CREATE RULE no_delete AS\s+ON DELETE TO t DO INSTEAD NOTHING/,
      /COMMENT ON AGGREGATE my_sum\(integer\) IS 'sum'/,
      /COMMENT ON RULE no_delete ON t IS 'keep rows'/,
    ],
    downHas: [/DROP AGGREGATE my_sum\(integer\)/, /DROP RULE "log it" ON t/],
  },
  {
    name: "an aggregate that changes is made again with the view on it; a rule reading a retyped column too",
    from: `${base}
CREATE AGGREGATE my_sum(integer) (SFUNC = add_state, STYPE = integer, INITCOND = '0');
CREATE VIEW totals AS SELECT my_sum(id) AS s FROM t;
CREATE RULE "log it" AS ON INSERT TO t DO ALSO INSERT INTO log (id) VALUES (new.id);`,
    to: `${base.replace("log (id integer", "log (id bigint")}
CREATE AGGREGATE my_sum(integer) (SFUNC = add_state, STYPE = integer, INITCOND = '100');
CREATE VIEW totals AS SELECT my_sum(id) AS s FROM t;
CREATE RULE "log it" AS ON INSERT TO t DO ALSO INSERT INTO log (id) VALUES (new.id);`,
    up: [
      /DROP RULE "log it" ON t/,
      /DROP VIEW totals/,
      /DROP AGGREGATE my_sum\(integer\)/,
      /CREATE AGGREGATE my_sum\(integer\) \(SFUNC = add_state, STYPE = integer, INITCOND = '100'\)/,
      /ALTER TABLE log ALTER COLUMN id TYPE bigint/,
      /CREATE VIEW totals/,
      /CREATE RULE "log it"/,
    ],
  },
]

pgFeatureSuite("aggregates and rules", cases)
