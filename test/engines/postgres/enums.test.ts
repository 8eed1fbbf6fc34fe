/**
 * An enum value added and used in the same migration: PostgreSQL refuses to use a value ALTER TYPE
 * ... ADD VALUE added before its transaction commits, so the planner makes the type anew (a new
 * type's values are usable at once) and says why; a value added and not used stays an ADD VALUE.
 * Both run inside the one transaction the migration runs in.
 */
import { expect } from "bun:test"
import { type PgFeatureCase, pgFeatureSuite } from "./_pg-features.ts"

const before = `CREATE TYPE state AS ENUM ('draft', 'live');
CREATE TABLE posts (id integer PRIMARY KEY, s state NOT NULL DEFAULT 'draft');
CREATE VIEW live AS SELECT id FROM posts WHERE s = 'live';`

const cases: PgFeatureCase[] = [
  {
    name: "a new value used by a default, a check, a view and an index makes the type anew",
    from: before,
    to: `CREATE TYPE state AS ENUM ('draft', 'review', 'live');
CREATE TABLE posts (id integer PRIMARY KEY, s state NOT NULL DEFAULT 'review', CHECK (s <> 'review' OR id > 0));
CREATE VIEW live AS SELECT id FROM posts WHERE s = 'live';
CREATE VIEW waiting AS SELECT id FROM posts WHERE s = 'review';
CREATE INDEX waiting_posts ON posts (id) WHERE s = 'review';`,
    up: [
      /DROP VIEW live/,
      /CREATE TYPE state_aim_new AS ENUM \('draft', 'review', 'live'\)/,
      /ALTER TABLE posts ALTER COLUMN s TYPE state_aim_new USING s::text::state_aim_new/,
      /DROP TYPE state/,
      /ALTER TYPE state_aim_new RENAME TO state/,
      /SET DEFAULT 'review'::state/,
    ],
    never: [/ADD VALUE/],
    check: (outcome) => {
      const notes = "candidate" in outcome ? (outcome.candidate?.notes ?? []) : []
      expect(notes.join("\n")).toContain("Enum state gains 'review', which this migration also uses")
    },
  },
  {
    name: "a new value nothing uses yet is ADD VALUE",
    from: before,
    to: before.replace("('draft', 'live')", "('draft', 'review', 'live', 'gone')"),
    up: [/ALTER TYPE state ADD VALUE 'review' BEFORE 'live'/, /ALTER TYPE state ADD VALUE 'gone'/],
    // DOWN takes the values away again, which only a new type can do.
    check: (outcome) =>
      expect("candidate" in outcome ? outcome.candidate?.up : "").not.toContain("state_aim_new"),
  },
]

pgFeatureSuite("enum values", cases)
