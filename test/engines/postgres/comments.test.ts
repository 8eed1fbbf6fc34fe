/**
 * Comments on constraints, indexes and the public schema are part of the schema: seen, planned,
 * and kept when the plan has to drop and add again what they are on. A widened referenced column
 * leaves the foreign keys into it alone (PostgreSQL rebuilds them itself), so they keep their
 * comments; where both sides of a key change type, the key is dropped and added again, comment and all.
 */
import { expect } from "bun:test"
import { type PgFeatureCase, pgFeatureSuite } from "./_pg-features.ts"

const schema = (parent: string, child: string, extra = "") => `
CREATE TABLE accounts (id ${parent} PRIMARY KEY, code text);
CREATE TABLE a1 (account ${child} REFERENCES accounts);
CREATE TABLE a2 (account ${child} CONSTRAINT "A2 account" REFERENCES accounts);
CREATE TABLE a3 (account integer REFERENCES accounts, n integer CONSTRAINT positive CHECK (n > 0));
CREATE INDEX a3_n ON a3 (n);
COMMENT ON CONSTRAINT a1_account_fkey ON a1 IS 'who owns it';
COMMENT ON CONSTRAINT "A2 account" ON a2 IS 'billing';
COMMENT ON CONSTRAINT a3_account_fkey ON a3 IS 'audit';
COMMENT ON INDEX a3_n IS 'by n';
${extra}`

const cases: PgFeatureCase[] = [
  {
    name: "widening the referenced column alone keeps every foreign key and its comment",
    from: schema("integer", "integer"),
    to: schema("bigint", "integer"),
    up: [/ALTER TABLE accounts ALTER COLUMN id TYPE bigint/],
    never: [/DROP CONSTRAINT/, /ADD FOREIGN KEY/, /COMMENT ON/],
  },
  {
    name: "both sides of two keys change type: those keys are dropped and added again with their comments",
    from: schema("integer", "integer"),
    to: schema("bigint", "bigint"),
    upHas: [
      /ALTER TABLE a1 DROP CONSTRAINT a1_account_fkey/,
      /ALTER TABLE a2 DROP CONSTRAINT "A2 account"/,
      /COMMENT ON CONSTRAINT a1_account_fkey ON a1 IS 'who owns it'/,
      /COMMENT ON CONSTRAINT "A2 account" ON a2 IS 'billing'/,
    ],
    never: [/a3_account_fkey/],
  },
  {
    name: "constraint, index and public schema comments are seen, changed and removed",
    from: schema("integer", "integer"),
    to: schema("integer", "integer", "COMMENT ON SCHEMA public IS 'the app';")
      .replace("'who owns it'", "'whose it is'")
      .replace("COMMENT ON INDEX a3_n IS 'by n';", "")
      .replace(
        "COMMENT ON CONSTRAINT a3_account_fkey ON a3 IS 'audit';",
        "COMMENT ON CONSTRAINT positive ON a3 IS 'checked';",
      ),
    upHas: [
      /COMMENT ON CONSTRAINT a1_account_fkey ON a1 IS 'whose it is'/,
      /COMMENT ON CONSTRAINT positive ON a3 IS 'checked'/,
      /COMMENT ON CONSTRAINT a3_account_fkey ON a3 IS NULL/,
      /COMMENT ON INDEX a3_n IS NULL/,
      /COMMENT ON SCHEMA public IS 'the app'/,
    ],
    downHas: [/COMMENT ON SCHEMA public IS 'standard public schema'/],
  },
  {
    name: "the public schema's comment removed altogether",
    from: "CREATE TABLE t (id integer);",
    to: "CREATE TABLE t (id integer); COMMENT ON SCHEMA public IS NULL;",
    up: [/COMMENT ON SCHEMA public IS NULL/],
    check: (outcome) =>
      expect("candidate" in outcome ? outcome.candidate?.down : "").toContain(
        "COMMENT ON SCHEMA public IS 'standard public schema'",
      ),
  },
]

pgFeatureSuite("comments", cases)
