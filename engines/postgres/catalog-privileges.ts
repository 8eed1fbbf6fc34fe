/**
 * catalog-privileges: who may do what, read from the access control lists of the catalog
 * (pg_class.relacl for tables, views and sequences, pg_attribute.attacl for columns, pg_proc.proacl,
 * pg_namespace.nspacl, pg_default_acl; https://www.postgresql.org/docs/current/ddl-priv.html),
 * each expanded with aclexplode (a missing ACL is the owner's alone: a `public` schema made anew by
 * hand, unlike initdb's, gives PUBLIC nothing). The owner's own privileges are left out (throwaway databases are
 * owned by roles of their own), and so is who granted what: what a grantee may do is the schema.
 * Each grantee's privileges on one object become one `grant` object (privileges.ts writes it), kept
 * only where they differ from what the object starts with.
 */
import type { SchemaObject } from "../../model.ts"
import { notExtensionMember, userNamespace } from "./catalog-filter.ts"
import { modelName, quoteIdent, quoteName } from "./names.ts"
import { basePrivileges, type Privilege, privilegeSet, privilegeStatements } from "./privileges.ts"
import type { PgSession } from "./session.ts"

interface AclRow {
  /** `TABLE`, `SEQUENCE`, `FUNCTION`, `PROCEDURE`, `SCHEMA` or a default privilege's object type. */
  kind: string
  schema: string
  name: string
  args: string | null
  column: string | null
  /** The table a sequence belongs to (OWNED BY, identity), so its grants follow the table. */
  owner_schema: string | null
  owner_table: string | null
  /** For default privileges: the role they apply to, when it is not the current user. */
  role: string | null
  grantee: string
  /** Null for the empty entry every ACL gets for PUBLIC. */
  privilege: string | null
  grantable: boolean
}

/**
 * The entries of an ACL but the owner's, plus one empty entry for PUBLIC: an ACL that took from
 * PUBLIC what it starts with (a function's EXECUTE) lists nothing for it.
 */
const explode = (acl: string, owner: string) =>
  `LATERAL (SELECT CASE WHEN e.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(e.grantee) END AS grantee, e.privilege_type AS privilege, e.is_grantable AS grantable
    FROM aclexplode(${acl}) e WHERE e.grantee <> ${owner}
    UNION ALL SELECT 'PUBLIC', NULL, false) a`

const query = `
SELECT CASE WHEN c.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END AS kind, n.nspname AS schema, c.relname AS name,
  NULL AS args, NULL AS column, tn.nspname AS owner_schema, t.relname AS owner_table, NULL AS role, a.*
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_depend d ON c.relkind = 'S' AND d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
LEFT JOIN pg_class t ON t.oid = d.refobjid LEFT JOIN pg_namespace tn ON tn.oid = t.relnamespace,
${explode("c.relacl", "c.relowner")}
WHERE c.relacl IS NOT NULL AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND ${userNamespace("n")} AND ${notExtensionMember("pg_class", "c.oid")}
UNION ALL
SELECT 'TABLE', n.nspname, c.relname, NULL, at.attname, NULL, NULL, NULL, a.*
FROM pg_attribute at JOIN pg_class c ON c.oid = at.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace,
${explode("at.attacl", "c.relowner")}
WHERE at.attacl IS NOT NULL AND at.attnum > 0 AND NOT at.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND ${userNamespace("n")} AND ${notExtensionMember("pg_class", "c.oid")}
UNION ALL
SELECT CASE WHEN p.prokind = 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, n.nspname, p.proname,
  pg_get_function_identity_arguments(p.oid), NULL, NULL, NULL, NULL, a.*
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace,
${explode("p.proacl", "p.proowner")}
WHERE p.proacl IS NOT NULL AND ${userNamespace("n")} AND ${notExtensionMember("pg_proc", "p.oid")}
UNION ALL
SELECT 'SCHEMA', n.nspname, n.nspname, NULL, NULL, NULL, NULL, NULL, a.*
FROM pg_namespace n, ${explode("COALESCE(n.nspacl, acldefault('n', n.nspowner))", "n.nspowner")}
WHERE (n.nspacl IS NOT NULL OR n.nspname = 'public') AND ${userNamespace("n")} AND ${notExtensionMember("pg_namespace", "n.oid")}
UNION ALL
SELECT 'DEFAULT ' || d.defaclobjtype::text, COALESCE(n.nspname, ''), '', NULL, NULL, NULL, NULL,
  CASE WHEN d.defaclrole = current_user::regrole THEN NULL ELSE pg_get_userbyid(d.defaclrole) END, a.*
FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace,
${explode("d.defaclacl", "d.defaclrole")}`

const defaultTargets: Record<string, string> = {
  r: "TABLES",
  S: "SEQUENCES",
  f: "FUNCTIONS",
  T: "TYPES",
  n: "SCHEMAS",
}

/** Every grantee's privileges on every object that differ from what the object starts with. */
export async function readPrivileges(session: PgSession, version: string): Promise<SchemaObject[]> {
  const rows = await session.query<AclRow>(query)
  const groups = new Map<
    string,
    { row: AclRow; entries: Array<{ privilege: Privilege; grantable: boolean }> }
  >()
  for (const row of rows) {
    const id = JSON.stringify([row.kind, row.schema, row.name, row.args, row.role, row.grantee])
    const group = groups.get(id) ?? { row, entries: [] }
    if (row.privilege !== null)
      group.entries.push({
        privilege: { type: row.privilege, column: row.column ?? undefined },
        grantable: row.grantable,
      })
    groups.set(id, group)
  }
  const out: SchemaObject[] = []
  for (const { row, entries } of groups.values()) {
    const grantee = row.grantee === "PUBLIC" ? "PUBLIC" : quoteIdent(row.grantee)
    let prefix = ""
    let target: string
    let table: string | undefined
    const dependsOn: string[] = []
    if (row.kind.startsWith("DEFAULT ")) {
      const type = row.kind.slice(8)
      prefix = `ALTER DEFAULT PRIVILEGES${row.role !== null ? ` FOR ROLE ${quoteIdent(row.role)}` : ""}${row.schema !== "" ? ` IN SCHEMA ${quoteIdent(row.schema)}` : ""} `
      target = defaultTargets[type] ?? type
      if (row.schema !== "" && row.schema !== "public") dependsOn.push(row.schema)
    } else if (row.kind === "SCHEMA") {
      target = `SCHEMA ${quoteIdent(row.name)}`
      if (row.name !== "public") dependsOn.push(row.name)
    } else if (row.kind === "FUNCTION" || row.kind === "PROCEDURE") {
      const name = modelName(row.schema, row.name)
      target = `${row.kind} ${quoteName(name)}(${row.args ?? ""})`
      dependsOn.push(`${name}(${row.args ?? ""})`)
    } else {
      const name = modelName(row.schema, row.name)
      target = `${row.kind} ${quoteName(name)}`
      table =
        row.owner_table !== null
          ? modelName(row.owner_schema ?? "public", row.owner_table)
          : row.kind === "TABLE"
            ? name
            : undefined
      dependsOn.push(name)
    }
    const base = basePrivileges(prefix, target, grantee, version)
    const statements = privilegeStatements(prefix, target, grantee, base, privilegeSet(entries))
    if (statements.length === 0) continue
    const name = `${prefix}${target} TO ${grantee}`
    const definition = statements.join(";\n")
    out.push({
      kind: "grant",
      name,
      table,
      definition,
      key: definition,
      dependsOn: [...new Set(dependsOn)].sort(),
    })
  }
  return out.sort((a, b) => a.name.localeCompare(b.name))
}
