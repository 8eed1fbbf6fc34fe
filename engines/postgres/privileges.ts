/**
 * privileges: the privileges of one grantee on one object, as the catalog reads them and as the
 * planner writes them. A grantee's privileges are kept where they differ from what the object has
 * when created (https://www.postgresql.org/docs/current/ddl-priv.html: the owner holds everything,
 * PUBLIC may EXECUTE a function, and so on): as `GRANT ...` for privileges given beyond that, `GRANT
 * ... WITH GRANT OPTION` for those the grantee may pass on, and `REVOKE ...` for those taken from
 * it. The same text is read back here to plan the way from one set to another: REVOKE what goes,
 * GRANT what comes. Default privileges (ALTER DEFAULT PRIVILEGES) are written the same way with
 * their prefix. Pure.
 */
import { quoteIdent } from "./names.ts"
import { splitTopLevel, topLevelKeywords } from "./sql-text.ts"

/** One privilege, on the whole object or on one column of it. */
export interface Privilege {
  readonly type: string
  readonly column?: string | undefined
}

/** What a grantee holds on an object: each privilege with whether it may grant it on. */
export type PrivilegeSet = ReadonlyMap<string, { readonly privilege: Privilege; readonly grantable: boolean }>

/** The order PostgreSQL lists privileges in (aclchk.c). */
const order = [
  "SELECT",
  "INSERT",
  "UPDATE",
  "DELETE",
  "TRUNCATE",
  "REFERENCES",
  "TRIGGER",
  "MAINTAIN",
  "EXECUTE",
  "USAGE",
  "CREATE",
  "CONNECT",
  "TEMPORARY",
]

const keyOf = (p: Privilege) => (p.column === undefined ? p.type : `${p.type}\u0000${p.column}`)

export function privilegeSet(
  entries: ReadonlyArray<{ readonly privilege: Privilege; readonly grantable: boolean }>,
): PrivilegeSet {
  return new Map(entries.map((e) => [keyOf(e.privilege), e]))
}

/** `SELECT, UPDATE (a, b)`: whole-object privileges, then each column privilege with its columns. */
export function privilegeList(privileges: ReadonlyArray<Privilege>): string {
  const rank = (t: string) => (order.indexOf(t) === -1 ? order.length : order.indexOf(t))
  const whole = [...new Set(privileges.filter((p) => p.column === undefined).map((p) => p.type))].sort(
    (a, b) => rank(a) - rank(b),
  )
  const columns = new Map<string, string[]>()
  for (const p of privileges)
    if (p.column !== undefined) columns.set(p.type, [...(columns.get(p.type) ?? []), p.column])
  const perColumn = [...columns]
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([type, list]) => `${type} (${[...list].sort().map(quoteIdent).join(", ")})`)
  return [...whole, ...perColumn].join(", ")
}

/** Reads `SELECT, UPDATE (a, "B")` back. */
function parseList(text: string): Privilege[] {
  return splitTopLevel(text).flatMap((item) => {
    const open = item.indexOf("(")
    if (open === -1) return [{ type: item.trim().toUpperCase() }]
    const type = item.slice(0, open).trim().toUpperCase()
    return splitTopLevel(item.slice(open + 1, item.lastIndexOf(")"))).map((c) => ({
      type,
      column: c.startsWith('"') ? c.slice(1, -1).replaceAll('""', '"') : c,
    }))
  })
}

/**
 * The statements that take a grantee from `from` to `to` on `target` (`TABLE t`, `ON TABLES` for
 * default privileges); `prefix` is `ALTER DEFAULT PRIVILEGES ...` for those. Revokes come first.
 */
export function privilegeStatements(
  prefix: string,
  target: string,
  grantee: string,
  from: PrivilegeSet,
  to: PrivilegeSet,
): string[] {
  const gone: Privilege[] = []
  const optionGone: Privilege[] = []
  const plain: Privilege[] = []
  const grantable: Privilege[] = []
  for (const [k, was] of from) {
    const now = to.get(k)
    if (!now) gone.push(was.privilege)
    else if (was.grantable && !now.grantable) optionGone.push(was.privilege)
  }
  for (const [k, now] of to) {
    const was = from.get(k)
    if (was && (was.grantable || !now.grantable)) continue
    if (now.grantable) grantable.push(now.privilege)
    else if (!was) plain.push(now.privilege)
  }
  const out: string[] = []
  if (gone.length > 0) out.push(`${prefix}REVOKE ${privilegeList(gone)} ON ${target} FROM ${grantee}`)
  if (optionGone.length > 0)
    out.push(`${prefix}REVOKE GRANT OPTION FOR ${privilegeList(optionGone)} ON ${target} FROM ${grantee}`)
  if (plain.length > 0) out.push(`${prefix}GRANT ${privilegeList(plain)} ON ${target} TO ${grantee}`)
  if (grantable.length > 0)
    out.push(`${prefix}GRANT ${privilegeList(grantable)} ON ${target} TO ${grantee} WITH GRANT OPTION`)
  return out
}

/** A privilege object's definition read back: prefix, target, grantee and the set it holds against `base`. */
export function readPrivileges(
  definition: string,
  base: PrivilegeSet,
): { prefix: string; target: string; grantee: string; set: PrivilegeSet } {
  const set = new Map(base)
  let prefix = ""
  let target = ""
  let grantee = ""
  for (const statement of definition.split(";\n")) {
    const marks = topLevelKeywords(statement, ["GRANT", "REVOKE", "ON", "TO", "FROM", "WITH GRANT OPTION"])
    const at = (word: string) => marks.find((m) => m.word === word)
    const verb = marks.find((m) => m.word === "GRANT" || m.word === "REVOKE")
    const on = at("ON")
    const who = at(verb?.word === "GRANT" ? "TO" : "FROM")
    if (!verb || !on || !who) continue
    prefix = statement.slice(0, verb.start)
    target = statement.slice(on.start + 3, who.start).trim()
    const option = at("WITH GRANT OPTION")
    grantee = statement.slice(who.start + who.word.length, option?.start ?? statement.length).trim()
    const privileges = parseList(statement.slice(verb.start + verb.word.length, on.start))
    for (const privilege of privileges) {
      if (verb.word === "REVOKE") set.delete(keyOf(privilege))
      else set.set(keyOf(privilege), { privilege, grantable: option !== undefined })
    }
  }
  return { prefix, target, grantee, set }
}

/**
 * What `grantee` holds on `target` when nothing was granted or revoked (for default privileges,
 * `prefix` says which): PUBLIC may EXECUTE functions and procedures and use types, and, in the
 * `public` schema, USAGE (and CREATE before PostgreSQL 15). Everything else starts empty; the
 * owner's own privileges are never compared.
 */
export function basePrivileges(
  prefix: string,
  target: string,
  grantee: string,
  version: string,
): PrivilegeSet {
  if (grantee !== "PUBLIC") return new Map()
  const of = (...types: string[]) =>
    privilegeSet(types.map((type) => ({ privilege: { type }, grantable: false })))
  if (prefix === "") {
    if (/^(FUNCTION|PROCEDURE|ROUTINE) /.test(target)) return of("EXECUTE")
    if (/^(TYPE|DOMAIN) /.test(target)) return of("USAGE")
    if (target === "SCHEMA public")
      return Number.parseInt(version, 10) >= 15 ? of("USAGE") : of("USAGE", "CREATE")
    return new Map()
  }
  // Schema-wide default privileges add to the global ones: they start empty.
  if (/ IN SCHEMA /.test(prefix)) return new Map()
  if (target === "FUNCTIONS" || target === "ROUTINES") return of("EXECUTE")
  if (target === "TYPES") return of("USAGE")
  return new Map()
}

/**
 * The statements that take a grantee's privileges on an object from `before` to `after` (either a
 * `grant` object of the catalog; undefined for what the object starts with).
 */
export function grantChange(
  before: { readonly definition: string } | undefined,
  after: { readonly definition: string } | undefined,
  version: string,
): string[] {
  const any = (after ?? before) as { readonly definition: string }
  const shape = readPrivileges(any.definition, new Map())
  const base = basePrivileges(shape.prefix, shape.target, shape.grantee, version)
  const from = before ? readPrivileges(before.definition, base).set : base
  const to = after ? readPrivileges(after.definition, base).set : base
  return privilegeStatements(shape.prefix, shape.target, shape.grantee, from, to)
}

/** What a privilege object is on (`TABLE app.users`, `TABLES` for default privileges). */
export const grantTarget = (o: { readonly definition: string }) =>
  readPrivileges(o.definition, new Map()).target
