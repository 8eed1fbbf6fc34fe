/**
 * Tables with parents (PARTITION OF, INHERITS): a partition's own NOT NULL and defaults are seen and
 * planned while the parent's changes reach it; partitions attached, detached and re-bounded (every
 * table leaves its old parent before any joins, so moved bounds never overlap); a child leaving
 * one parent and another joining it; a parent dropping a column a child keeps (ONLY, so the child
 * keeps its rows); foreign keys on and to partitioned tables, and a partitioned index.
 */
import { expect } from "bun:test"
import { type PgFeatureCase, pgFeatureSuite } from "./_pg-features.ts"

const cases: PgFeatureCase[] = [
  {
    name: "partitions carry NOT NULL and defaults of their own, and keep them when the parent's change",
    from: `CREATE TABLE m (a int NOT NULL, b text, c int DEFAULT 0) PARTITION BY LIST (a);
CREATE TABLE m1 PARTITION OF m FOR VALUES IN (1);
CREATE TABLE m2 PARTITION OF m (b DEFAULT 'x', c NOT NULL) FOR VALUES IN (2);`,
    to: `CREATE TABLE m (a int NOT NULL, b text, c int DEFAULT 5) PARTITION BY LIST (a);
CREATE TABLE m1 PARTITION OF m (b NOT NULL DEFAULT 'one') FOR VALUES IN (1);
CREATE TABLE m2 PARTITION OF m (c DEFAULT 7) FOR VALUES IN (2);
CREATE TABLE m3 PARTITION OF m (b DEFAULT 'three') FOR VALUES IN (3);
COMMENT ON COLUMN m3.b IS 'bee';`,
    up: [
      /CREATE TABLE m3 PARTITION OF m FOR VALUES IN \(3\)/,
      /ALTER TABLE m3 ALTER COLUMN b SET DEFAULT 'three'/,
      /ALTER TABLE m ALTER COLUMN c SET DEFAULT 5/,
      /ALTER TABLE m1 ALTER COLUMN b SET NOT NULL/,
      /ALTER TABLE m2 ALTER COLUMN c SET DEFAULT 7/,
    ],
    never: [/ADD COLUMN/],
  },
  {
    name: "a partition detached, a table attached, a bound moved: every detach before any attach",
    from: `CREATE TABLE m (a int NOT NULL, b text) PARTITION BY RANGE (a);
CREATE TABLE m1 PARTITION OF m FOR VALUES FROM (0) TO (50);
CREATE TABLE m2 PARTITION OF m FOR VALUES FROM (50) TO (100);
CREATE TABLE loose (a int NOT NULL CHECK (a >= 100 AND a < 200), b text);`,
    to: `CREATE TABLE m (a int NOT NULL, b text) PARTITION BY RANGE (a);
CREATE TABLE m1 PARTITION OF m FOR VALUES FROM (0) TO (60);
CREATE TABLE m2 (a int NOT NULL, b text);
CREATE TABLE loose PARTITION OF m (CHECK (a >= 100 AND a < 200)) FOR VALUES FROM (100) TO (200);`,
    up: [
      /DETACH PARTITION/,
      /DETACH PARTITION/,
      /ATTACH PARTITION/,
      /ATTACH PARTITION m1 FOR VALUES FROM \(0\) TO \(60\)/,
    ],
  },
  {
    name: "a child leaves its parent (keeping none of its columns) while another table joins it",
    from: `CREATE TABLE base (id int, note text DEFAULT 'n');
CREATE TABLE kid (extra int) INHERITS (base);
CREATE TABLE orphan (id int, note text, extra int);`,
    to: `CREATE TABLE base (id int, note text DEFAULT 'n');
CREATE TABLE kid (extra int);
CREATE TABLE orphan (extra int) INHERITS (base);`,
    up: [/ALTER TABLE kid NO INHERIT base/, /DROP COLUMN IF EXISTS id/, /ALTER TABLE orphan INHERIT base/],
    down: [
      /ALTER TABLE orphan NO INHERIT base/,
      /ALTER TABLE kid ADD COLUMN id/,
      /ALTER TABLE kid INHERIT base/,
    ],
  },
  {
    name: "a parent drops a column its child keeps as its own (migra's inherit2)",
    from: `create table timestamp_base (created_at timestamp default now(), e integer);
create table a (a1 integer, a2 integer) inherits (timestamp_base);`,
    to: `create table timestamp_base (created_at timestamp default now());
create table a (a1 integer, a2 integer) inherits (timestamp_base);
alter table a drop column a2;
alter table a add column e integer;`,
    up: [/ALTER TABLE ONLY timestamp_base DROP COLUMN e/, /ALTER TABLE a DROP COLUMN a2/],
    down: [/ALTER TABLE timestamp_base ADD COLUMN e integer/],
  },
  {
    name: "foreign keys on and to a partitioned table, and an index on it",
    from: `CREATE TABLE customers (id int PRIMARY KEY);
CREATE TABLE orders (id int, region int, customer int, PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE orders_1 PARTITION OF orders FOR VALUES IN (1);`,
    to: `CREATE TABLE customers (id int PRIMARY KEY);
CREATE TABLE orders (id int, region int, customer int REFERENCES customers, PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE orders_1 PARTITION OF orders FOR VALUES IN (1);
CREATE TABLE orders_2 PARTITION OF orders FOR VALUES IN (2);
CREATE TABLE lines (order_id int, region int, FOREIGN KEY (order_id, region) REFERENCES orders);
CREATE INDEX orders_customer ON orders (customer);`,
    up: [
      /CREATE TABLE orders_2 PARTITION OF orders/,
      /ALTER TABLE orders ADD FOREIGN KEY \(customer\) REFERENCES customers/,
      /ALTER TABLE lines ADD FOREIGN KEY \(order_id, region\) REFERENCES orders/,
    ],
  },
]

cases.push({
  name: "PARTITION BY changes (plain to partitioned, back, a new key): rebuilt with their rows",
  from: `CREATE TABLE r2p (id serial PRIMARY KEY, d date NOT NULL, v int);
CREATE INDEX r2p_v ON r2p (v);
COMMENT ON INDEX r2p_v IS 'by v';
CREATE TABLE p2r (id int GENERATED ALWAYS AS IDENTITY, d date NOT NULL, v int) PARTITION BY RANGE (d);
CREATE TABLE p2r_all PARTITION OF p2r DEFAULT;
CREATE TABLE k (a int, b int) PARTITION BY LIST (a);
CREATE TABLE k_all PARTITION OF k DEFAULT;
CREATE VIEW r2p_view AS SELECT id, v FROM r2p;
CREATE SEQUENCE tick OWNED BY p2r.v;`,
  to: `CREATE TABLE r2p (id serial, d date NOT NULL, v int, PRIMARY KEY (id, d)) PARTITION BY RANGE (d);
CREATE TABLE r2p_old PARTITION OF r2p FOR VALUES FROM (MINVALUE) TO ('2000-01-01');
CREATE TABLE r2p_rest PARTITION OF r2p DEFAULT;
CREATE INDEX r2p_v ON r2p (v);
COMMENT ON INDEX r2p_v IS 'by v';
CREATE TABLE p2r (id int GENERATED ALWAYS AS IDENTITY, d date NOT NULL, v int);
CREATE TABLE k (a int, b int) PARTITION BY LIST (b);
CREATE TABLE k_all PARTITION OF k DEFAULT;
CREATE VIEW r2p_view AS SELECT id, v FROM r2p;
CREATE SEQUENCE tick OWNED BY p2r.v;`,
  up: [
    /CREATE TABLE r2p_aim_rows AS SELECT id, d, v FROM r2p/,
    /DROP TABLE r2p/,
    /CREATE TABLE r2p \(/,
    /CREATE TABLE r2p_rest PARTITION OF r2p DEFAULT/,
    /INSERT INTO r2p \(id, d, v\) SELECT id, d, v FROM r2p_aim_rows/,
    /CREATE INDEX r2p_v ON r2p/,
    /COMMENT ON INDEX r2p_v/,
  ],
  check: (outcome) => {
    const notes = "candidate" in outcome ? (outcome.candidate?.notes ?? []) : []
    expect(notes.join("\n")).toContain("Table r2p changes how it is partitioned")
  },
})

cases.push({
  name: "a partitioned index with a partition's own index attached, and one still ON ONLY",
  from: `CREATE TABLE m (a int, b int) PARTITION BY LIST (a);
CREATE TABLE m1 PARTITION OF m FOR VALUES IN (1);
CREATE TABLE m2 PARTITION OF m FOR VALUES IN (2);`,
  to: `CREATE TABLE m (a int, b int) PARTITION BY LIST (a);
CREATE TABLE m1 PARTITION OF m FOR VALUES IN (1);
CREATE TABLE m2 PARTITION OF m FOR VALUES IN (2);
CREATE INDEX m_a ON ONLY m (a);
CREATE INDEX m1_a ON m1 (a);
CREATE INDEX m2_a ON m2 (a);
ALTER INDEX m_a ATTACH PARTITION m1_a;
ALTER INDEX m_a ATTACH PARTITION m2_a;
CREATE INDEX m_b ON ONLY m (b);`,
  up: [/CREATE INDEX m_a ON m \(a\)/],
  upHas: [/CREATE INDEX m_b ON ONLY m \(b\)/],
})

pgFeatureSuite("inheritance and partitions", cases)
