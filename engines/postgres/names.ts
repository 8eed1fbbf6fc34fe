/**
 * names: how aim spells PostgreSQL names. The model holds names unquoted, bare for the `public`
 * schema and qualified otherwise ("audit.log"); SQL text quotes each part only where PostgreSQL
 * would (the rule of quote_ident, https://www.postgresql.org/docs/current/functions-string.html).
 * Also PostgreSQL's own choice of default constraint names, so a constraint written with and without
 * its default name reads the same.
 */

/** Keywords that are not UNRESERVED (`SELECT word FROM pg_get_keywords() WHERE catcode <> 'U'`, PostgreSQL 15). */
const reserved = new Set(
  `all analyse analyze and any array as asc asymmetric authorization between bigint binary bit boolean both case cast char character check coalesce collate collation column concurrently constraint create cross current_catalog current_date current_role current_schema current_time current_timestamp current_user dec decimal default deferrable desc distinct do else end except exists extract false fetch float for foreign freeze from full grant greatest group grouping having ilike in initially inner inout int integer intersect interval into is isnull join json json_array json_arrayagg json_exists json_object json_objectagg json_query json_scalar json_serialize json_table json_value lateral leading least left like limit localtime localtimestamp merge_action national natural nchar none normalize not notnull null nullif numeric offset on only or order out outer overlaps overlay placing position precision primary real references returning right row select session_user setof similar smallint some substring symmetric system_user table tablesample then time timestamp to trailing treat trim true union unique user using values varchar variadic verbose when where window with xmlattributes xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable`.split(
    " ",
  ),
)

/** One identifier as quote_ident writes it. */
export function quoteIdent(name: string): string {
  if (/^[a-z_][a-z0-9_$]*$/.test(name) && !reserved.has(name)) return name
  return `"${name.replaceAll('"', '""')}"`
}

/** The model's name of an object in `schema`: bare in `public`, qualified elsewhere. */
export const modelName = (schema: string, name: string) => (schema === "public" ? name : `${schema}.${name}`)

/** Schema and bare name of a model name. */
export function splitName(name: string): { schema: string; name: string } {
  const dot = name.indexOf(".")
  return dot === -1 ? { schema: "public", name } : { schema: name.slice(0, dot), name: name.slice(dot + 1) }
}

/** A model name as SQL: `audit.log`, `"Users"`, `audit."Log"`. */
export function quoteName(name: string): string {
  const { schema, name: bare } = splitName(name)
  return schema === "public" ? quoteIdent(bare) : `${quoteIdent(schema)}.${quoteIdent(bare)}`
}

/** A string literal. */
export const quoteLiteral = (text: string) => `'${text.replaceAll("'", "''")}'`

const NAMEDATALEN = 64
const bytes = (s: string) => Buffer.byteLength(s)

function clip(s: string, max: number): string {
  let out = s
  while (bytes(out) > max) out = out.slice(0, -1)
  return out
}

/**
 * PostgreSQL's makeObjectName (src/backend/commands/indexcmds.c): `name1_name2_label`, the longer
 * of the two names shortened first so that the whole fits in NAMEDATALEN - 1 bytes.
 */
export function makeObjectName(name1: string, name2: string | undefined, label: string): string {
  let n1 = bytes(name1)
  let n2 = name2 === undefined ? 0 : bytes(name2)
  const overhead = (name2 === undefined ? 0 : 1) + label.length + 1
  const avail = NAMEDATALEN - 1 - overhead
  while (n1 + n2 > avail) {
    if (n1 > n2) n1--
    else n2--
  }
  const parts = [clip(name1, n1)]
  if (name2 !== undefined) parts.push(clip(name2, n2))
  parts.push(label)
  return parts.join("_")
}

/** Default names PostgreSQL gives unnamed constraints on `table` (bare name, no schema). */
export const defaultNames = {
  primaryKey: (table: string) => makeObjectName(table, undefined, "pkey"),
  unique: (table: string, columns: ReadonlyArray<string>) => makeObjectName(table, columns.join("_"), "key"),
  foreignKey: (table: string, columns: ReadonlyArray<string>) =>
    makeObjectName(table, columns.join("_"), "fkey"),
  /** A check on one column is `table_column_check`; one on several (or none) is `table_check`. */
  check: (table: string, columns: ReadonlyArray<string>) =>
    makeObjectName(table, columns.length === 1 ? columns[0] : undefined, "check"),
  exclusion: (table: string, columns: ReadonlyArray<string>) =>
    makeObjectName(table, columns.join("_"), "excl"),
  sequence: (table: string, column: string) => makeObjectName(table, column, "seq"),
}

/** One identifier at the start of `text` (quoted or bare, folded as PostgreSQL folds it) and the rest. */
function readIdent(text: string): { ident: string; rest: string } | undefined {
  const quoted = /^"((?:[^"]|"")+)"/.exec(text)
  if (quoted)
    return { ident: (quoted[1] as string).replaceAll('""', '"'), rest: text.slice(quoted[0].length) }
  const bare = /^[A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*/.exec(text)
  return bare ? { ident: bare[0].toLowerCase(), rest: text.slice(bare[0].length) } : undefined
}

/**
 * The possibly qualified name at the start of `text` as a model name (`audit."Log"` -> `audit.Log`,
 * `public.t` -> `t`) and the text after it; undefined when `text` does not start with a name.
 */
export function readName(text: string): { name: string; rest: string } | undefined {
  const first = readIdent(text.trimStart())
  if (!first) return undefined
  if (!first.rest.startsWith(".")) return { name: first.ident, rest: first.rest }
  const second = readIdent(first.rest.slice(1))
  return second ? { name: modelName(first.ident, second.ident), rest: second.rest } : undefined
}
