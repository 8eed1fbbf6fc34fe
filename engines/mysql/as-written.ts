/**
 * as-written: the DDL a MySQL/MariaDB migration carries, read back as the user wrote it rather than
 * as SHOW CREATE prints it. The planners copy a table's and a view's stored text into migrations,
 * and the server's text says more than the user did: MariaDB stores a `JSON` column as `longtext
 * CHARACTER SET utf8mb4 COLLATE utf8mb4_bin ... CHECK (json_valid(col))`
 * (https://mariadb.com/kb/en/json-data-type/), every table names its ENGINE, DEFAULT CHARSET and
 * COLLATE even when they are the database's defaults, and a view is one line of lower-case SQL.
 * These give back `json`, leave out the options that only repeat the database's defaults (so the
 * migration takes the defaults of the database it runs in, as schema.sql did), and lay a view's
 * query out over lines. What is compared (the normalized columns, options and view keys) is not
 * touched, so verification compares exactly what it did before. Pure; holds nothing.
 */
import type { Table } from "../../model.ts"
import { matchingParen, skipQuoted } from "./lexer.ts"

/** The database's defaults a table option may merely repeat. */
export interface DatabaseDefaults {
  readonly charset?: string | undefined
  readonly collation?: string | undefined
  readonly engine?: string | undefined
}

const escapeName = (name: string) => name.replaceAll("`", "``").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** MariaDB's spelling of a JSON column, `longtext ... CHECK (json_valid(col))`, as `json ...`. */
export function jsonColumnLine(line: string, name: string): string {
  const quoted = `\`${escapeName(name)}\``
  return line
    .replace(
      new RegExp(`^(${quoted})\\s+longtext(?:\\s+CHARACTER SET \\w+)?(?:\\s+COLLATE \\w+)?`, "i"),
      "$1 json",
    )
    .replace(new RegExp(`\\s+CHECK\\s*\\(json_valid\\(${quoted}\\)\\)`, "i"), "")
}

/** The option tail of CREATE TABLE without ENGINE, DEFAULT CHARSET and COLLATE equal to the defaults. */
function withoutDefaultOptions(tail: string, defaults: DatabaseDefaults): string {
  const same = (value: string, against: string | undefined) =>
    against !== undefined && value.toLowerCase() === against.toLowerCase()
  return tail
    .replace(/\s*ENGINE\s*=\s*(\w+)/i, (all, value: string) => (same(value, defaults.engine) ? "" : all))
    .replace(/\s*DEFAULT CHARSET\s*=\s*(\w+)/i, (all, value: string) =>
      same(value, defaults.charset) ? "" : all,
    )
    .replace(/\s*(?<!DEFAULT )COLLATE\s*=\s*(\w+)/i, (all, value: string) =>
      same(value, defaults.collation) ? "" : all,
    )
}

/**
 * `table` with its definition (and its JSON columns' definitions, used when a column is added back)
 * as the user wrote them: `json` for MariaDB's JSON columns, no options that repeat the database's
 * defaults.
 */
export function asWrittenTable(table: Table, jsonIsLongtext: boolean, defaults?: DatabaseDefaults): Table {
  const json = jsonIsLongtext ? table.columns.filter((c) => c.type === "JSON") : []
  let definition = table.definition
  for (const column of json)
    if (column.definition !== undefined)
      definition = definition.replace(column.definition, jsonColumnLine(column.definition, column.name))
  if (defaults) {
    const close = matchingParen(definition, definition.indexOf("("))
    if (close !== -1) {
      const tail = definition.slice(close + 1)
      const partition = tail.search(/(\/\*!\d+\s*)?PARTITION BY/i)
      const options = partition === -1 ? tail : tail.slice(0, partition)
      const rest = partition === -1 ? "" : tail.slice(partition)
      const kept = withoutDefaultOptions(options, defaults).trim()
      definition = `${definition.slice(0, close + 1)}${kept ? ` ${kept}` : ""}${rest ? `\n${rest}` : ""}`
    }
  }
  if (json.length === 0 && definition === table.definition) return table
  return {
    ...table,
    definition,
    columns: table.columns.map((c) =>
      json.includes(c) && c.definition !== undefined
        ? { ...c, definition: jsonColumnLine(c.definition, c.name) }
        : c,
    ),
  }
}

/** Clauses that start a line of a laid-out query, longest first so `LEFT JOIN` wins over `JOIN`. */
const CLAUSES = [
  "union all",
  "union",
  "group by",
  "order by",
  "left outer join",
  "right outer join",
  "left join",
  "right join",
  "inner join",
  "cross join",
  "straight_join",
  "join",
  "from",
  "where",
  "having",
  "window",
  "limit",
]

/** Keywords printed in capitals, as schema.sql usually spells them. */
const KEYWORDS = new Set(
  "select distinct as from where and or not in is null like between on using group by order having limit offset union all asc desc case when then else end exists with join left right inner outer cross straight_join window over partition rows range current row preceding following unbounded interval".split(
    " ",
  ),
)

/**
 * A view's query laid out over lines: the SELECT on a line of its own after `AS`, and each FROM,
 * JOIN, WHERE, GROUP BY, HAVING, ORDER BY, LIMIT and UNION of the outer query starting a line;
 * keywords in capitals. Quoted names and strings are left as they are, and only spaces are changed
 * between tokens, so the server reads the same view from it.
 */
export function layoutView(definition: string): string {
  const as = /\bAS\s+(\(?\s*(?:select|with)\b)/i.exec(definition)
  if (!as) return definition
  const head = definition.slice(0, as.index).trimEnd()
  const body = definition.slice(as.index + as[0].length - (as[1] as string).length)
  let out = ""
  let depth = 0
  let afterUnion = false
  for (let i = 0; i < body.length; ) {
    const c = body[i] as string
    if (c === "'" || c === '"' || c === "`") {
      const end = skipQuoted(body, i)
      out += body.slice(i, end)
      i = end
      continue
    }
    if (c === "(") depth++
    if (c === ")") depth--
    const word = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(body.slice(i))?.[0]
    if (word === undefined || /[A-Za-z0-9_$]/.test(body[i - 1] ?? "")) {
      out += c
      i++
      continue
    }
    const clause =
      depth === 0
        ? CLAUSES.find((k) => new RegExp(`^${k.replace(/ /g, "\\s+")}\\b`, "i").test(body.slice(i)))
        : undefined
    if (clause !== undefined) {
      const text = new RegExp(`^${clause.replace(/ /g, "\\s+")}`, "i").exec(body.slice(i))?.[0] ?? clause
      out = `${out.trimEnd()}\n${clause.toUpperCase()}`
      afterUnion = clause.startsWith("union")
      i += text.length
      continue
    }
    // The query after UNION starts a line of its own, as the first one does.
    if (afterUnion && word.toLowerCase() === "select") out = `${out.trimEnd()}\n`
    afterUnion = false
    out += KEYWORDS.has(word.toLowerCase()) ? word.toUpperCase() : word
    i += word.length
  }
  return `${head} AS\n${out.trim()}`
}
