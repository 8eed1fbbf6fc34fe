/**
 * A domain whose base type or collation changes, which ALTER DOMAIN cannot do: a new domain with
 * its checks (named as before) replaces it, every column of it is cast to the new one (arrays too),
 * a view over such a column is made again, defaults are put back, and a note says so. Other changes
 * stay ALTER DOMAIN.
 */
import { expect } from "bun:test"
import { type PgFeatureCase, pgFeatureSuite } from "./_pg-features.ts"

const schema = (base: string, check: string) => `
CREATE DOMAIN code AS ${base} CHECK (${check}) CONSTRAINT not_blank CHECK (VALUE <> '');
CREATE TABLE items (id integer, c code DEFAULT 'A1', tags code[]);
CREATE VIEW item_codes AS SELECT id, c FROM items;`

const cases: PgFeatureCase[] = [
  {
    name: "a domain on a wider base type is made anew with its columns, view and default",
    from: schema("varchar(10)", "length(VALUE) < 10"),
    to: schema("text", "length(VALUE) < 10"),
    up: [
      /DROP VIEW item_codes/,
      /CREATE DOMAIN code_aim_new AS text CONSTRAINT code_check CHECK \(length\(VALUE\) < 10\) CONSTRAINT not_blank CHECK \(VALUE <> ''::text\)/,
      /ALTER TABLE items ALTER COLUMN c TYPE code_aim_new USING c::text/,
      /ALTER TABLE items ALTER COLUMN tags TYPE code_aim_new\[\] USING tags::text\[\]/,
      /DROP DOMAIN code/,
      /ALTER DOMAIN code_aim_new RENAME TO code/,
      /ALTER TABLE items ALTER COLUMN c SET DEFAULT 'A1'/,
      /CREATE VIEW item_codes/,
    ],
    check: (outcome) => {
      const notes = "candidate" in outcome ? (outcome.candidate?.notes ?? []) : []
      expect(notes.join("\n")).toContain("Domain code changes in a way ALTER DOMAIN cannot make")
    },
  },
  {
    name: "a domain's check changes in place, unless an array of it is in use",
    from: schema("text", "length(VALUE) < 10").replace(", tags code[]", ""),
    to: schema("text", "length(VALUE) < 20").replace(", tags code[]", ""),
    up: [
      /ALTER DOMAIN code DROP CONSTRAINT code_check/,
      /ALTER DOMAIN code ADD CHECK \(length\(VALUE\) < 20\)/,
    ],
    never: [/code_aim_new/],
  },
  {
    name: "a check of a domain an array column uses changes by a new domain",
    from: schema("text", "length(VALUE) < 10"),
    to: schema("text", "length(VALUE) < 20"),
    up: [/CREATE DOMAIN code_aim_new AS text CONSTRAINT code_check CHECK \(length\(VALUE\) < 20\)/],
  },
]

pgFeatureSuite("domains", cases)
