/**
 * Row-level security: ENABLE and FORCE ROW LEVEL SECURITY, and policies (pg_policy) created and
 * dropped; their USING, WITH CHECK and roles changed in place with ALTER POLICY; their command or
 * PERMISSIVE / RESTRICTIVE changed by a drop and a create; a policy that reads a column whose type
 * changes dropped and made again around it. Roles the policies name exist on every backend.
 */
import { type PgFeatureCase, pgFeatureSuite } from "./_pg-features.ts"

const table = "CREATE TABLE docs (id integer PRIMARY KEY, owner text, level smallint, body text);"
const secured = `${table}
ALTER TABLE docs ENABLE ROW LEVEL SECURITY;
ALTER TABLE docs FORCE ROW LEVEL SECURITY;
CREATE POLICY "Owners" ON docs USING (owner = current_user);
CREATE POLICY readers ON docs AS PERMISSIVE FOR SELECT TO {reader}, {auditor} USING (level < 3);
CREATE POLICY writers ON docs FOR INSERT TO {writer} WITH CHECK (level > 0);
CREATE POLICY no_secrets ON docs AS RESTRICTIVE FOR UPDATE USING (level <> 9) WITH CHECK (level <> 9);`
const changed = `${table}
ALTER TABLE docs ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Owners" ON docs USING (owner = session_user);
CREATE POLICY readers ON docs FOR SELECT TO {reader} USING (level < 5);
CREATE POLICY writers ON docs FOR UPDATE TO {writer} WITH CHECK (level > 0);
CREATE POLICY no_secrets ON docs AS PERMISSIVE FOR UPDATE USING (level <> 9) WITH CHECK (level <> 9);
CREATE POLICY archivists ON docs FOR DELETE TO {auditor} USING (level = 0);`

const cases: PgFeatureCase[] = [
  {
    name: "row security enabled and forced, policies of every kind created; DOWN takes them away",
    from: table,
    to: secured,
    up: [
      /ALTER TABLE docs ENABLE ROW LEVEL SECURITY/,
      /CREATE POLICY no_secrets ON docs AS RESTRICTIVE FOR UPDATE USING \(level <> 9\) WITH CHECK \(level <> 9\)/,
      /CREATE POLICY "Owners" ON docs USING \(owner = CURRENT_USER\)/,
      /CREATE POLICY readers ON docs FOR SELECT TO auditor, reader USING \(level < 3\)/,
      /CREATE POLICY writers ON docs FOR INSERT TO writer WITH CHECK \(level > 0\)/,
    ],
    down: [/DROP POLICY "Owners" ON docs/, /DISABLE ROW LEVEL SECURITY/],
  },
  {
    name: "USING and roles change in place; command and RESTRICTIVE by drop and create",
    from: secured,
    to: changed,
    up: [
      /DROP POLICY no_secrets ON docs/,
      /DROP POLICY writers ON docs/,
      /NO FORCE ROW LEVEL SECURITY/,
      /ALTER POLICY "Owners" ON docs USING \(owner = SESSION_USER\)/,
      /ALTER POLICY readers ON docs TO reader USING \(level < 5\)/,
      /CREATE POLICY archivists ON docs FOR DELETE TO auditor/,
      /CREATE POLICY no_secrets ON docs FOR UPDATE/,
      /CREATE POLICY writers ON docs FOR UPDATE TO writer/,
    ],
    never: [/DROP POLICY readers/, /DROP POLICY "Owners"/],
  },
  {
    name: "a policy reading a column whose type changes is dropped and made again around it",
    from: `${table} ALTER TABLE docs ENABLE ROW LEVEL SECURITY; CREATE POLICY low ON docs USING (level < 3);`,
    to: `${table.replace("level smallint", "level integer")} ALTER TABLE docs ENABLE ROW LEVEL SECURITY; CREATE POLICY low ON docs USING (level < 3);`,
    up: [
      /DROP POLICY low ON docs/,
      /ALTER COLUMN level TYPE integer/,
      /CREATE POLICY low ON docs USING \(level < 3\)/,
    ],
  },
]

pgFeatureSuite("row-level security", cases)
