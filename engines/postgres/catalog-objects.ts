/**
 * catalog-objects: everything in a PostgreSQL schema besides tables, read from the catalog
 * (https://www.postgresql.org/docs/current/catalogs.html): pg_namespace, pg_extension, pg_index,
 * pg_sequence, pg_type with pg_enum and pg_range, pg_class views and materialized views, pg_proc,
 * pg_trigger and pg_description, with the definitions PostgreSQL itself prints (pg_get_indexdef,
 * pg_get_viewdef, pg_get_functiondef, pg_get_triggerdef, https://www.postgresql.org/docs/current/functions-info.html),
 * and what each depends on from pg_depend (views through their pg_rewrite rule).
 */
import type { SchemaObject } from "../../model.ts"
import { notExtensionMember, parseJson, userNamespace } from "./catalog-filter.ts"
import { checkExpression, type TableCatalog } from "./catalog-tables.ts"
import { normalizeSql } from "./lexer.ts"
import { mentionedNames, stripParens } from "./sql-text.ts"
import { makeObjectName, modelName, quoteIdent, quoteLiteral, quoteName } from "./names.ts"
import { type SequenceRow, sequenceClauses } from "./sequence-options.ts"
import type { PgSession } from "./session.ts"

/** An object with the catalog identity its dependencies and comments are found by. */
interface Found {
  readonly catalog: string
  readonly oid: string
  readonly object: Omit<SchemaObject, "dependsOn" | "key"> & { readonly key?: string }
  /** How COMMENT ON names it ("VIEW v", "FUNCTION f(integer)"); undefined when it takes no comment. */
  readonly commentTarget?: string | undefined
  /** The pg_class row of a composite type, whose columns carry the type's dependencies. */
  readonly relation?: string | undefined
}

const clean = (sql: string) => sql.trim().replace(/;$/, "")

/** A routine definition with its dollar-quoted body opened up, so the body's names are tokens again. */
const unquotedBody = (definition: string) => definition.replace(/\$(\w*)\$([^]*?)\$\1\$/g, " $2 ")

/** `CREATE INDEX i ON ONLY public.t USING btree (a)` -> `CREATE INDEX i ON t (a)`. */
export function tidyIndexDef(def: string): string {
  return def
    .replace(/ ON (ONLY )?public\./, " ON ")
    .replace(/ ON ONLY /, " ON ")
    .replace(/ USING btree /, " ")
}

async function readSchemas(session: PgSession): Promise<Found[]> {
  // pg_namespace; `public` is where unqualified names live and is never created or dropped.
  const rows = await session.query<{ oid: string; name: string }>(`
    SELECT n.oid::int8::text AS oid, n.nspname AS name FROM pg_namespace n
    WHERE ${userNamespace("n")} AND n.nspname <> 'public' AND ${notExtensionMember("pg_namespace", "n.oid")}`)
  return rows.map((r) => ({
    catalog: "pg_namespace",
    oid: r.oid,
    object: { kind: "schema", name: r.name, definition: `CREATE SCHEMA ${quoteIdent(r.name)}` },
    commentTarget: `SCHEMA ${quoteIdent(r.name)}`,
  }))
}

async function readExtensions(session: PgSession): Promise<Found[]> {
  // pg_extension; plpgsql is installed in every database. The version is written where it is not
  // the one CREATE EXTENSION installs by default (pg_available_extensions.default_version).
  const rows = await session.query<{
    oid: string
    name: string
    schema: string
    version: string
    default: string | null
  }>(`
    SELECT e.oid::int8::text AS oid, e.extname AS name, n.nspname AS schema, e.extversion AS version,
      (SELECT a.default_version FROM pg_available_extensions a WHERE a.name = e.extname) AS default
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql'`)
  return rows.map((r) => ({
    catalog: "pg_extension",
    oid: r.oid,
    object: {
      kind: "extension",
      name: r.name,
      definition: `CREATE EXTENSION IF NOT EXISTS ${quoteIdent(r.name)}${r.schema === "public" ? "" : ` WITH SCHEMA ${quoteIdent(r.schema)}`}${r.version === r.default ? "" : ` VERSION ${quoteLiteral(r.version)}`}`,
    },
  }))
}

async function readIndexes(session: PgSession): Promise<Found[]> {
  // pg_index; indexes that back a PRIMARY KEY, UNIQUE or EXCLUDE constraint belong to the table, and an
  // index attached to a partitioned table's index (pg_inherits) is its parent's.
  const rows = await session.query<{
    oid: string
    schema: string
    name: string
    table_schema: string
    table: string
    def: string
    valid: boolean
  }>(`
    SELECT ic.oid::int8::text AS oid, n.nspname AS schema, ic.relname AS name, tn.nspname AS table_schema,
      t.relname AS table, pg_get_indexdef(i.indexrelid) AS def, i.indisvalid AS valid
    FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ic.relnamespace
    JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
    WHERE t.relkind IN ('r', 'p', 'm') AND ${userNamespace("tn")} AND ${notExtensionMember("pg_class", "t.oid")}
      AND NOT EXISTS (SELECT 1 FROM pg_constraint co WHERE co.conindid = i.indexrelid AND co.conrelid = i.indrelid AND co.contype IN ('p', 'u', 'x'))
      AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid)`)
  return rows.map((r) => ({
    catalog: "pg_class",
    oid: r.oid,
    object: {
      kind: "index",
      name: modelName(r.schema, r.name),
      table: modelName(r.table_schema, r.table),
      // A partitioned table's index made ON ONLY stays invalid until every partition's index is
      // attached: that state is kept; once valid it is the same index as one made without ONLY.
      definition: r.valid ? tidyIndexDef(r.def) : tidyIndexDef(r.def).replace(" ON ", " ON ONLY "),
    },
    commentTarget: `INDEX ${quoteName(modelName(r.schema, r.name))}`,
  }))
}

async function readSequences(
  session: PgSession,
  serialSequencesOf: Promise<ReadonlySet<string>>,
): Promise<Found[]> {
  // pg_sequence; identity sequences (pg_depend deptype 'i') are part of their column, and so are the
  // sequences folded into serial columns. OWNED BY of the rest is pg_depend deptype 'a'.
  const rows = await session.query<
    SequenceRow & {
      oid: string
      schema: string
      name: string
      owner_schema: string | null
      owner: string | null
      column: string | null
    }
  >(`
    SELECT c.oid::int8::text AS oid, n.nspname AS schema, c.relname AS name, format_type(s.seqtypid, NULL) AS type,
      s.seqstart::text AS start, s.seqincrement::text AS increment, s.seqmin::text AS min, s.seqmax::text AS max,
      s.seqcache::text AS cache, s.seqcycle AS cycle, tn.nspname AS owner_schema, t.relname AS owner, a.attname AS column
    FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
    LEFT JOIN pg_class t ON t.oid = d.refobjid LEFT JOIN pg_namespace tn ON tn.oid = t.relnamespace
    LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
    WHERE ${userNamespace("n")} AND ${notExtensionMember("pg_class", "c.oid")} AND (d.deptype IS NULL OR d.deptype = 'a')`)
  const serialSequences = await serialSequencesOf
  return rows
    .filter((r) => !serialSequences.has(r.oid))
    .map((r) => {
      const name = modelName(r.schema, r.name)
      const clauses = [...(r.type === "bigint" ? [] : [`AS ${r.type}`]), ...sequenceClauses(r, r.type)]
      let definition = `CREATE SEQUENCE ${quoteName(name)}${clauses.length > 0 ? ` ${clauses.join(" ")}` : ""}`
      const owner = r.owner !== null ? modelName(r.owner_schema ?? "public", r.owner) : undefined
      if (owner !== undefined && r.column !== null)
        definition += `;\nALTER SEQUENCE ${quoteName(name)} OWNED BY ${quoteName(owner)}.${quoteIdent(r.column)}`
      return {
        catalog: "pg_class",
        oid: r.oid,
        object: { kind: "sequence" as const, name, table: owner, definition },
        commentTarget: `SEQUENCE ${quoteName(name)}`,
      }
    })
}

interface TypeRow {
  oid: string
  relid: string
  schema: string
  name: string
  type: string
  labels: string | null
  base: string | null
  notnull: boolean
  default: string | null
  collation: string | null
  checks: string | null
  attributes: string | null
  subtype: string | null
}

async function readTypes(session: PgSession): Promise<Found[]> {
  // pg_type: typtype 'e' enum (labels from pg_enum), 'd' domain (checks from pg_constraint contypid),
  // 'c' composite (a pg_class of relkind 'c'), 'r' range (pg_range).
  const rows = await session.query<TypeRow>(`
    SELECT t.oid::int8::text AS oid, t.typrelid::int8::text AS relid, n.nspname AS schema, t.typname AS name, t.typtype::text AS type,
      CASE WHEN t.typtype = 'e' THEN array_to_json(ARRAY(SELECT e.enumlabel FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder))::text END AS labels,
      CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END AS base,
      t.typnotnull AS notnull, t.typdefault AS default,
      CASE WHEN t.typtype = 'd' AND t.typcollation <> 0 AND t.typcollation <> bt.typcollation THEN quote_ident(co.collname) END AS collation,
      CASE WHEN t.typtype = 'd' THEN array_to_json(ARRAY(SELECT json_build_array(c.conname, pg_get_constraintdef(c.oid, true))
        FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c' ORDER BY c.conname))::text END AS checks,
      CASE WHEN t.typtype = 'c' THEN array_to_json(ARRAY(SELECT json_build_array(a.attname, format_type(a.atttypid, a.atttypmod))
        FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum))::text END AS attributes,
      CASE WHEN t.typtype = 'r' THEN (SELECT format_type(r.rngsubtype, NULL) FROM pg_range r WHERE r.rngtypid = t.oid) END AS subtype
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    LEFT JOIN pg_type bt ON bt.oid = t.typbasetype LEFT JOIN pg_collation co ON co.oid = t.typcollation
    LEFT JOIN pg_class tc ON tc.oid = t.typrelid
    WHERE ${userNamespace("n")} AND ${notExtensionMember("pg_type", "t.oid")}
      AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND tc.relkind = 'c'))`)
  return rows.map((r) => {
    const name = modelName(r.schema, r.name)
    const q = quoteName(name)
    if (r.type === "e") {
      const labels = parseJson<string[]>(r.labels)
      return {
        catalog: "pg_type",
        oid: r.oid,
        object: {
          kind: "enum" as const,
          name,
          definition: `CREATE TYPE ${q} AS ENUM (${labels.map(quoteLiteral).join(", ")})`,
        },
        commentTarget: `TYPE ${q}`,
      }
    }
    if (r.type === "d") {
      const parts = [`CREATE DOMAIN ${q} AS ${r.base}`]
      if (r.collation !== null) parts.push(`COLLATE ${r.collation}`)
      if (r.default !== null) parts.push(`DEFAULT ${r.default}`)
      if (r.notnull) parts.push("NOT NULL")
      for (const [conname, def] of parseJson<Array<[string, string]>>(r.checks)) {
        const named =
          conname === makeObjectName(r.name, undefined, "check") ? "" : `CONSTRAINT ${quoteIdent(conname)} `
        parts.push(`${named}CHECK (${checkExpression(def)})`)
      }
      return {
        catalog: "pg_type",
        oid: r.oid,
        object: { kind: "domain" as const, name, definition: parts.join(" ") },
        commentTarget: `DOMAIN ${q}`,
      }
    }
    if (r.type === "r") {
      return {
        catalog: "pg_type",
        oid: r.oid,
        object: {
          kind: "type" as const,
          name,
          definition: `CREATE TYPE ${q} AS RANGE (SUBTYPE = ${r.subtype})`,
        },
        commentTarget: `TYPE ${q}`,
      }
    }
    const attributes = parseJson<Array<[string, string]>>(r.attributes)
    return {
      catalog: "pg_type",
      oid: r.oid,
      object: {
        kind: "type" as const,
        name,
        definition: `CREATE TYPE ${q} AS (${attributes.map(([a, t]) => `${quoteIdent(a)} ${t}`).join(", ")})`,
      },
      commentTarget: `TYPE ${q}`,
      relation: r.relid,
    }
  })
}

async function readViews(session: PgSession): Promise<Found[]> {
  // pg_class relkind 'v' and 'm'; check_option lives in reloptions.
  const rows = await session.query<{
    oid: string
    schema: string
    name: string
    kind: string
    def: string
    reloptions: string | null
  }>(`
    SELECT c.oid::int8::text AS oid, n.nspname AS schema, c.relname AS name, c.relkind::text AS kind,
      pg_get_viewdef(c.oid, true) AS def, array_to_json(c.reloptions)::text AS reloptions
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('v', 'm') AND ${userNamespace("n")} AND ${notExtensionMember("pg_class", "c.oid")}`)
  return rows.map((r) => {
    const name = modelName(r.schema, r.name)
    const options = parseJson<string[] | null>(r.reloptions) ?? []
    const check = options.find((o) => o.startsWith("check_option="))?.slice(13)
    const withOptions = options.filter((o) => !o.startsWith("check_option=")).sort()
    const materialized = r.kind === "m"
    const head = `CREATE ${materialized ? "MATERIALIZED VIEW" : "VIEW"} ${quoteName(name)}${withOptions.length > 0 ? ` WITH (${withOptions.join(", ")})` : ""}`
    const body = clean(r.def)
    const tail = check ? ` WITH ${check.toUpperCase()} CHECK OPTION` : ""
    return {
      catalog: "pg_class",
      oid: r.oid,
      object: {
        kind: materialized ? ("materialized-view" as const) : ("view" as const),
        name,
        definition: `${head} AS\n${body}${tail}`,
      },
      commentTarget: `${materialized ? "MATERIALIZED VIEW" : "VIEW"} ${quoteName(name)}`,
    }
  })
}

async function readFunctions(session: PgSession): Promise<Found[]> {
  // pg_proc prokind 'f' (function) and 'p' (procedure); aggregates and window functions are left out.
  const rows = await session.query<{
    oid: string
    schema: string
    name: string
    kind: string
    args: string
    def: string
  }>(`
    SELECT p.oid::int8::text AS oid, n.nspname AS schema, p.proname AS name, p.prokind::text AS kind,
      pg_get_function_identity_arguments(p.oid) AS args, pg_get_functiondef(p.oid) AS def
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE p.prokind IN ('f', 'p') AND ${userNamespace("n")} AND ${notExtensionMember("pg_proc", "p.oid")}`)
  return rows.map((r) => {
    const word = r.kind === "p" ? "PROCEDURE" : "FUNCTION"
    const name = `${modelName(r.schema, r.name)}(${r.args})`
    return {
      catalog: "pg_proc",
      oid: r.oid,
      object: {
        kind: r.kind === "p" ? ("procedure" as const) : ("function" as const),
        name,
        definition: clean(
          r.def.replace(new RegExp(`^CREATE OR REPLACE ${word} public\\.`), `CREATE OR REPLACE ${word} `),
        ),
      },
      commentTarget: `${word} ${quoteName(modelName(r.schema, r.name))}(${r.args})`,
    }
  })
}

/** CREATE AGGREGATE options other than the defaults, from pg_aggregate's columns. */
interface AggregateRow {
  oid: string
  schema: string
  name: string
  args: string
  kind: string
  sfunc: string
  stype: string
  sspace: number
  finalfunc: string | null
  finalextra: boolean
  finalmodify: string
  combinefunc: string | null
  serialfunc: string | null
  deserialfunc: string | null
  initcond: string | null
  msfunc: string | null
  minvfunc: string | null
  mstype: string | null
  msspace: number
  mfinalfunc: string | null
  mfinalextra: boolean
  mfinalmodify: string
  minitcond: string | null
  sortop: string | null
  parallel: string
}

const modify: Record<string, string> = { r: "READ_ONLY", s: "SHAREABLE", w: "READ_WRITE" }
const parallel: Record<string, string> = { s: "SAFE", r: "RESTRICTED" }

async function readAggregates(session: PgSession): Promise<Found[]> {
  // pg_aggregate with its pg_proc row (https://www.postgresql.org/docs/current/catalog-pg-aggregate.html);
  // PostgreSQL prints no CREATE AGGREGATE, so the options are written here, defaults left out.
  const fn = (column: string) => `CASE WHEN a.${column} = 0 THEN NULL ELSE a.${column}::regproc::text END`
  const rows = await session.query<AggregateRow>(`
    SELECT p.oid::int8::text AS oid, n.nspname AS schema, p.proname AS name,
      pg_get_function_identity_arguments(p.oid) AS args, a.aggkind::text AS kind,
      a.aggtransfn::regproc::text AS sfunc, format_type(a.aggtranstype, NULL) AS stype, a.aggtransspace AS sspace,
      ${fn("aggfinalfn")} AS finalfunc, a.aggfinalextra AS finalextra, a.aggfinalmodify::text AS finalmodify,
      ${fn("aggcombinefn")} AS combinefunc, ${fn("aggserialfn")} AS serialfunc, ${fn("aggdeserialfn")} AS deserialfunc,
      a.agginitval AS initcond, ${fn("aggmtransfn")} AS msfunc, ${fn("aggminvtransfn")} AS minvfunc,
      CASE WHEN a.aggmtranstype = 0 THEN NULL ELSE format_type(a.aggmtranstype, NULL) END AS mstype, a.aggmtransspace AS msspace,
      ${fn("aggmfinalfn")} AS mfinalfunc, a.aggmfinalextra AS mfinalextra, a.aggmfinalmodify::text AS mfinalmodify,
      a.aggminitval AS minitcond,
      CASE WHEN a.aggsortop = 0 THEN NULL ELSE (SELECT o.oprname FROM pg_operator o WHERE o.oid = a.aggsortop) END AS sortop,
      p.proparallel::text AS parallel
    FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE ${userNamespace("n")} AND ${notExtensionMember("pg_proc", "p.oid")}`)
  return rows.map((r) => {
    const name = `${modelName(r.schema, r.name)}(${r.args})`
    const ordered = r.kind !== "n"
    const options = [`SFUNC = ${r.sfunc}`, `STYPE = ${r.stype}`]
    if (r.sspace !== 0) options.push(`SSPACE = ${r.sspace}`)
    if (r.finalfunc !== null) options.push(`FINALFUNC = ${r.finalfunc}`)
    if (r.finalextra) options.push("FINALFUNC_EXTRA")
    if (r.finalmodify !== (ordered ? "w" : "r")) options.push(`FINALFUNC_MODIFY = ${modify[r.finalmodify]}`)
    if (r.combinefunc !== null) options.push(`COMBINEFUNC = ${r.combinefunc}`)
    if (r.serialfunc !== null) options.push(`SERIALFUNC = ${r.serialfunc}`)
    if (r.deserialfunc !== null) options.push(`DESERIALFUNC = ${r.deserialfunc}`)
    if (r.initcond !== null) options.push(`INITCOND = ${quoteLiteral(r.initcond)}`)
    if (r.msfunc !== null) options.push(`MSFUNC = ${r.msfunc}`)
    if (r.minvfunc !== null) options.push(`MINVFUNC = ${r.minvfunc}`)
    if (r.mstype !== null) options.push(`MSTYPE = ${r.mstype}`)
    if (r.msspace !== 0) options.push(`MSSPACE = ${r.msspace}`)
    if (r.mfinalfunc !== null) options.push(`MFINALFUNC = ${r.mfinalfunc}`)
    if (r.mfinalextra) options.push("MFINALFUNC_EXTRA")
    if (r.mstype !== null && r.mfinalmodify !== "r")
      options.push(`MFINALFUNC_MODIFY = ${modify[r.mfinalmodify]}`)
    if (r.minitcond !== null) options.push(`MINITCOND = ${quoteLiteral(r.minitcond)}`)
    if (r.sortop !== null) options.push(`SORTOP = ${r.sortop}`)
    if (parallel[r.parallel]) options.push(`PARALLEL = ${parallel[r.parallel]}`)
    if (r.kind === "h") options.push("HYPOTHETICAL")
    const target = `${quoteName(modelName(r.schema, r.name))}(${r.args})`
    return {
      catalog: "pg_proc",
      oid: r.oid,
      object: {
        kind: "aggregate" as const,
        name,
        definition: `CREATE AGGREGATE ${target} (${options.join(", ")})`,
      },
      commentTarget: `AGGREGATE ${target}`,
    }
  })
}

/** A row of an object that lives on a table and is named within it (a trigger, a rule). */
interface OnTableRow {
  oid: string
  name: string
  schema: string
  table: string
  def: string
}

/** Objects named `<name> ON <table>`, from the rows of `catalog`, with the definitions PostgreSQL prints. */
function onTable(catalog: string, kind: "trigger" | "rule", rows: ReadonlyArray<OnTableRow>): Found[] {
  return rows.map((r) => {
    const table = modelName(r.schema, r.table)
    return {
      catalog,
      oid: r.oid,
      object: { kind, name: `${r.name} ON ${table}`, table, definition: clean(r.def) },
      commentTarget: `${kind.toUpperCase()} ${quoteIdent(r.name)} ON ${quoteName(table)}`,
    }
  })
}

async function readRules(session: PgSession): Promise<Found[]> {
  // pg_rewrite; a view's own rule (_RETURN) is the view.
  const rows = await session.query<OnTableRow>(`
    SELECT r.oid::int8::text AS oid, r.rulename AS name, n.nspname AS schema, c.relname AS table,
      pg_get_ruledef(r.oid, true) AS def
    FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE r.rulename <> '_RETURN' AND ${userNamespace("n")} AND ${notExtensionMember("pg_class", "c.oid")}`)
  return onTable("pg_rewrite", "rule", rows)
}

async function readTriggers(session: PgSession): Promise<Found[]> {
  // pg_trigger; internal triggers implement foreign keys, and clones on partitions (tgparentid) are their parent's.
  const rows = await session.query<OnTableRow>(`
    SELECT tg.oid::int8::text AS oid, tg.tgname AS name, n.nspname AS schema, c.relname AS table,
      pg_get_triggerdef(tg.oid, true) AS def
    FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE NOT tg.tgisinternal AND tg.tgparentid = 0 AND ${userNamespace("n")} AND ${notExtensionMember("pg_class", "c.oid")}`)
  return onTable("pg_trigger", "trigger", rows)
}

const policyCommands: Record<string, string> = { r: "SELECT", a: "INSERT", w: "UPDATE", d: "DELETE" }

/** A role as GRANT, REVOKE and CREATE POLICY name it: PUBLIC, or the role's name quoted where needed. */
export const roleSql = (role: string) => (role === "PUBLIC" ? "PUBLIC" : quoteIdent(role))

async function readPolicies(session: PgSession): Promise<Found[]> {
  // pg_policy (https://www.postgresql.org/docs/current/catalog-pg-policy.html); role 0 is PUBLIC.
  const rows = await session.query<{
    oid: string
    name: string
    schema: string
    table: string
    command: string
    permissive: boolean
    roles: string
    using: string | null
    check: string | null
  }>(`
    SELECT p.oid::int8::text AS oid, p.polname AS name, n.nspname AS schema, c.relname AS table,
      p.polcmd::text AS command, p.polpermissive AS permissive,
      array_to_json(ARRAY(SELECT CASE WHEN r = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(r) END FROM unnest(p.polroles) r))::text AS roles,
      pg_get_expr(p.polqual, p.polrelid) AS using, pg_get_expr(p.polwithcheck, p.polrelid) AS check
    FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE ${userNamespace("n")} AND ${notExtensionMember("pg_class", "c.oid")}`)
  return rows.map((r) => {
    const table = modelName(r.schema, r.table)
    const roles = parseJson<string[]>(r.roles).sort()
    // The defaults (PERMISSIVE, FOR ALL, TO PUBLIC) are left out, so either spelling reads the same.
    const parts = [`CREATE POLICY ${quoteIdent(r.name)} ON ${quoteName(table)}`]
    if (!r.permissive) parts.push("AS RESTRICTIVE")
    const command = policyCommands[r.command]
    if (command) parts.push(`FOR ${command}`)
    if (!(roles.length === 1 && roles[0] === "PUBLIC")) parts.push(`TO ${roles.map(roleSql).join(", ")}`)
    if (r.using !== null) parts.push(`USING (${stripParens(r.using)})`)
    if (r.check !== null) parts.push(`WITH CHECK (${stripParens(r.check)})`)
    return {
      catalog: "pg_policy",
      oid: r.oid,
      object: { kind: "policy" as const, name: `${r.name} ON ${table}`, table, definition: parts.join(" ") },
      commentTarget: `POLICY ${quoteIdent(r.name)} ON ${quoteName(table)}`,
    }
  })
}

/**
 * The first OID a user's object can have: initdb's own objects, whose comments and dependencies
 * number in the thousands in every database, sit below it
 * (https://www.postgresql.org/docs/current/system-catalog-initial-data.html#SYSTEM-CATALOG-OID-ASSIGNMENT).
 */
const firstUserOid = 16384

/**
 * Which found object depends on which, from pg_depend deptype 'n' (normal dependencies). A view's
 * dependencies hang off its pg_rewrite rule, a composite type's off its pg_class row, a domain's off
 * its CHECK constraints (pg_constraint.contypid); a column of an array type depends on the element type.
 */
async function readDependencies(session: PgSession): Promise<Array<{ from: string; to: string }>> {
  const rows = await session.query<{ from: string; to: string }>(`
    SELECT DISTINCT
      CASE WHEN d.classid = 'pg_rewrite'::regclass THEN (SELECT CASE WHEN r.rulename = '_RETURN' THEN 'pg_class:' || r.ev_class::int8::text ELSE 'pg_rewrite:' || r.oid::int8::text END FROM pg_rewrite r WHERE r.oid = d.objid)
        WHEN d.classid = 'pg_constraint'::regclass THEN 'pg_type:' || (SELECT c.contypid FROM pg_constraint c WHERE c.oid = d.objid)::int8::text
        ELSE d.classid::regclass::text || ':' || d.objid::int8::text END AS from,
      CASE WHEN d.refclassid = 'pg_type'::regclass
        THEN 'pg_type:' || COALESCE((SELECT NULLIF(t.typelem, 0) FROM pg_type t WHERE t.oid = d.refobjid AND t.typcategory = 'A'), d.refobjid)::int8::text
        ELSE d.refclassid::regclass::text || ':' || d.refobjid::int8::text END AS to
    FROM pg_depend d
    WHERE d.deptype = 'n' AND d.objid >= ${firstUserOid} AND d.classid IN ('pg_rewrite'::regclass, 'pg_proc'::regclass, 'pg_type'::regclass, 'pg_class'::regclass, 'pg_constraint'::regclass, 'pg_policy'::regclass)
      AND d.refclassid IN ('pg_class'::regclass, 'pg_proc'::regclass, 'pg_type'::regclass)`)
  return rows
}

async function readComments(session: PgSession): Promise<Array<{ key: string; text: string }>> {
  // pg_description objsubid 0: comments on whole objects (columns and tables are read with the table).
  return session.query<{ key: string; text: string }>(`
    SELECT d.classoid::regclass::text || ':' || d.objoid::int8::text AS key, d.description AS text
    FROM pg_description d WHERE d.objsubid = 0 AND d.objoid >= ${firstUserOid}
      AND d.classoid IN ('pg_class'::regclass, 'pg_proc'::regclass, 'pg_type'::regclass, 'pg_namespace'::regclass, 'pg_trigger'::regclass, 'pg_policy'::regclass, 'pg_rewrite'::regclass)`)
}

/** The comment PostgreSQL's initdb gives the `public` schema. */
export const PUBLIC_SCHEMA_COMMENT = "standard public schema"

/**
 * Comments that are objects of their own without an object of the catalog to hang on: a table's or
 * domain's constraint (named by its real name, default or not), and the `public` schema's where it
 * is not initdb's (no comment at all included).
 */
async function readOtherComments(session: PgSession): Promise<SchemaObject[]> {
  const rows = await session.query<{
    name: string
    schema: string
    target: string
    domain: boolean
    text: string | null
  }>(`
    SELECT co.conname AS name, n.nspname AS schema, COALESCE(c.relname, t.typname) AS target,
      co.contypid <> 0 AS domain, d.description AS text
    FROM pg_description d JOIN pg_constraint co ON co.oid = d.objoid AND d.classoid = 'pg_constraint'::regclass AND d.objsubid = 0
    LEFT JOIN pg_class c ON c.oid = co.conrelid LEFT JOIN pg_type t ON t.oid = co.contypid
    JOIN pg_namespace n ON n.oid = COALESCE(c.relnamespace, t.typnamespace)
    WHERE ${userNamespace("n")} AND co.conparentid = 0
    UNION ALL
    SELECT NULL, 'public', 'public', false, obj_description(n.oid, 'pg_namespace')
    FROM pg_namespace n WHERE n.nspname = 'public'`)
  return rows.flatMap((r): SchemaObject[] => {
    if (r.name === null) {
      if (r.text === PUBLIC_SCHEMA_COMMENT) return []
      const definition = `COMMENT ON SCHEMA public IS ${r.text === null ? "NULL" : quoteLiteral(r.text)}`
      return [{ kind: "comment", name: "SCHEMA public", definition, key: definition, dependsOn: [] }]
    }
    const on = modelName(r.schema, r.target)
    const target = `CONSTRAINT ${quoteIdent(r.name)} ON ${r.domain ? "DOMAIN " : ""}${quoteName(on)}`
    const definition = `COMMENT ON ${target} IS ${quoteLiteral(r.text ?? "")}`
    return [
      {
        kind: "comment",
        name: target,
        table: r.domain ? undefined : on,
        definition,
        key: definition,
        dependsOn: [on],
      },
    ]
  })
}

/**
 * Every object but tables, each with what it depends on: its table, and the tables, views, types and
 * functions it reads (for triggers, the function they execute). Comments become objects of their own.
 */
export async function readObjects(
  session: PgSession,
  tableCatalog: Promise<Pick<TableCatalog, "names" | "serialSequences">>,
): Promise<SchemaObject[]> {
  // All queries are sent at once; the tables, read alongside, are needed only to process the rows.
  const serialSequences = tableCatalog.then((t) => t.serialSequences)
  const otherComments = readOtherComments(session)
  const [groups, dependencies, comments, { names: tableNames }] = await Promise.all([
    Promise.all([
      readSchemas(session),
      readExtensions(session),
      readIndexes(session),
      readSequences(session, serialSequences),
      readTypes(session),
      readViews(session),
      readFunctions(session),
      readTriggers(session),
      readPolicies(session),
      readAggregates(session),
      readRules(session),
    ]),
    readDependencies(session),
    readComments(session),
    tableCatalog,
  ])
  const found = groups.flat()
  const nameOf = new Map<string, string>()
  for (const [oid, name] of tableNames) nameOf.set(`pg_class:${oid}`, name)
  for (const f of found) nameOf.set(`${f.catalog}:${f.oid}`, f.object.name)
  for (const f of found) if (f.relation !== undefined) nameOf.set(`pg_class:${f.relation}`, f.object.name)
  const dependsOn = new Map<string, Set<string>>()
  for (const d of dependencies) {
    const from = nameOf.get(d.from)
    const to = nameOf.get(d.to)
    if (from === undefined || to === undefined || from === to) continue
    const set = dependsOn.get(d.from) ?? new Set()
    set.add(to)
    dependsOn.set(d.from, set)
  }
  const routine = new Set(["function", "procedure"])
  const relations = [
    ...tableNames.values(),
    ...found
      .filter((f) => f.object.kind === "view" || f.object.kind === "materialized-view")
      .map((f) => f.object.name),
  ].filter((n) => !n.includes("."))
  const objects: SchemaObject[] = found.map((f) => {
    const names = new Set(dependsOn.get(`${f.catalog}:${f.oid}`) ?? [])
    if (f.object.table !== undefined) names.add(f.object.table)
    // A SQL function's body is checked against the tables and views it names when it is created,
    // but pg_depend records nothing for it (only BEGIN ATOMIC bodies are tracked).
    if (routine.has(f.object.kind) && /\bLANGUAGE sql\b/.test(f.object.definition))
      for (const name of mentionedNames(unquotedBody(f.object.definition), relations)) names.add(name)
    if (f.object.kind === "trigger") {
      const fn = /EXECUTE (?:FUNCTION|PROCEDURE) (.+)\(/.exec(f.object.definition)?.[1]
      const target = found.find((o) => o.object.kind === "function" && o.object.name.startsWith(`${fn}(`))
      if (target) names.add(target.object.name)
    }
    return {
      ...f.object,
      key: normalizeSql(f.object.definition),
      dependsOn: [...names].sort(),
    }
  })
  const byKey = new Map(found.map((f) => [`${f.catalog}:${f.oid}`, f]))
  for (const c of comments) {
    const target = byKey.get(c.key)
    if (!target?.commentTarget) continue
    const definition = `COMMENT ON ${target.commentTarget} IS ${quoteLiteral(c.text)}`
    objects.push({
      kind: "comment",
      name: target.commentTarget,
      definition,
      key: definition,
      dependsOn: [target.object.name],
    })
  }
  objects.push(...(await otherComments))
  return objects.sort((a, b) => `${a.kind}:${a.name}`.localeCompare(`${b.kind}:${b.name}`))
}
