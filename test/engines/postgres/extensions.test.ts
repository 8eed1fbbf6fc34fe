/**
 * Extension versions and schemas: a newer version is ALTER EXTENSION ... UPDATE TO, the server's
 * default a bare UPDATE, an older one a drop and a create at that version (extensions update
 * forwards only; a note says so), one whose number the catalog leaves out (the default) decided by
 * the server's update paths when the migration runs; another schema is SET SCHEMA. PGlite carries
 * no contrib extensions unless a program loads them, so this runs on the servers only.
 */
import { expect } from "bun:test"
import { type PgFeatureCase, pgFeatureSuite } from "./_pg-features.ts"

const cases: PgFeatureCase[] = [
  {
    name: "versions up, down, to and from the default, and a new schema",
    from: `CREATE SCHEMA ext;
CREATE EXTENSION pg_trgm VERSION '1.3';
CREATE EXTENSION hstore VERSION '1.4';
CREATE EXTENSION citext;
CREATE EXTENSION cube VERSION '1.4';
CREATE EXTENSION seg;`,
    to: `CREATE SCHEMA ext;
CREATE EXTENSION pg_trgm VERSION '1.4';
CREATE EXTENSION hstore;
CREATE EXTENSION citext VERSION '1.4';
CREATE EXTENSION cube VERSION '1.2';
CREATE EXTENSION seg WITH SCHEMA ext;`,
    upHas: [
      /ALTER EXTENSION pg_trgm UPDATE TO '1.4'/,
      /ALTER EXTENSION hstore UPDATE(;|$)/m,
      /DO \$aim\$ BEGIN IF EXISTS .* THEN ALTER EXTENSION citext UPDATE TO '1.4'; ELSE DROP EXTENSION citext; CREATE EXTENSION IF NOT EXISTS citext VERSION '1.4'; END IF; END \$aim\$/,
      /DROP EXTENSION cube;\nCREATE EXTENSION IF NOT EXISTS cube VERSION '1.2'/,
      /ALTER EXTENSION seg SET SCHEMA ext/,
    ],
    downHas: [
      /DROP EXTENSION pg_trgm;\nCREATE EXTENSION IF NOT EXISTS pg_trgm VERSION '1.3'/,
      /ALTER EXTENSION cube UPDATE TO '1.4'/,
    ],
    check: (outcome) => {
      const notes = "candidate" in outcome ? (outcome.candidate?.notes ?? []) : []
      expect(notes.join("\n")).toContain("Extension cube may go back to version 1.2")
    },
  },
]

pgFeatureSuite("extensions", cases, ["url", "local"])
