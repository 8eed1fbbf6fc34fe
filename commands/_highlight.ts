/**
 * _highlight: SQL and `-`/`+` diffs painted for a terminal: keywords, strings, comments and numbers,
 * with ANSI escapes and no dependency. It only paints: the text with the escapes removed is the
 * text it was given, so nothing is lost when a terminal shows it. Holds no resources.
 */

type TokenKind = "keyword" | "string" | "comment" | "number" | "plain"

// Words that read as structure in DDL; identifiers and type names stay plain.
const KEYWORDS = new Set(
  `ADD ALTER ALWAYS AND AS ASC AUTOINCREMENT AUTO_INCREMENT BEGIN BETWEEN BY CASCADE CASE CHECK COLLATE
  COLUMN COMMENT COMMIT CONCURRENTLY CONSTRAINT CREATE CROSS CURRENT_TIMESTAMP DEFAULT DEFERRABLE DELETE
  DESC DISTINCT DO DROP EACH ELSE END ENUM EXISTS EXTENSION FALSE FOR FOREIGN FROM FULL FUNCTION GENERATED
  GROUP HAVING IDENTITY IF IN INDEX INNER INSERT INTO IS JOIN KEY LEFT LIKE LIMIT MATERIALIZED NO NOT NULL
  OF ON OR ORDER OUTER PRIMARY REFERENCES RENAME REPLACE RESTRICT RETURNS RIGHT ROLLBACK ROW SCHEMA SELECT
  SEQUENCE SET STORED TABLE TEMP TEMPORARY THEN TO TRIGGER TRUE TRUNCATE TYPE UNION UNIQUE UPDATE USING
  VALUES VIEW VIRTUAL WHEN WHERE WITH WITHOUT`.split(/\s+/),
)

interface Token {
  readonly kind: TokenKind
  readonly text: string
}

/** Split SQL into paintable pieces; anything unrecognised is plain, one character at a time. */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = []
  const pattern =
    /(--[^\n]*)|(\/\*[\s\S]*?(?:\*\/|$))|('(?:[^']|'')*'?)|(\$([A-Za-z_]*)\$[\s\S]*?(?:\$\5\$|$))|("(?:[^"]|"")*"?|`[^`]*`?)|(\b\d+(?:\.\d+)?\b)|([A-Za-z_][A-Za-z0-9_$]*)|(\s+|.)/gy
  for (const m of sql.matchAll(pattern)) {
    const [text] = m
    if (m[1] !== undefined || m[2] !== undefined) tokens.push({ kind: "comment", text })
    else if (m[3] !== undefined || m[4] !== undefined) tokens.push({ kind: "string", text })
    else if (m[7] !== undefined) tokens.push({ kind: "number", text })
    else if (m[8] !== undefined)
      tokens.push({ kind: KEYWORDS.has(text.toUpperCase()) ? "keyword" : "plain", text })
    else tokens.push({ kind: "plain", text })
  }
  return tokens
}

type Theme = Record<TokenKind, readonly [open: string, close: string] | undefined>

const esc = (code: string) => `\u001b[${code}m`

// Standalone SQL: colours of its own.
const fullTheme: Theme = {
  keyword: [esc("1;34"), esc("22;39")],
  string: [esc("33"), esc("39")],
  comment: [esc("90"), esc("39")],
  number: [esc("36"), esc("39")],
  plain: undefined,
}

// Inside a red or green diff line: only weight and slant, so the line keeps its colour.
const lineTheme: Theme = {
  keyword: [esc("1"), esc("22")],
  string: [esc("3"), esc("23")],
  comment: [esc("2"), esc("22")],
  number: undefined,
  plain: undefined,
}

function paintTokens(sql: string, theme: Theme): string {
  return tokenize(sql)
    .map((t) => {
      const codes = theme[t.kind]
      // Escapes stop at line ends, so each line of a multi-line comment or string reads on its own.
      return codes
        ? t.text
            .split("\n")
            .map((part) => (part ? `${codes[0]}${part}${codes[1]}` : part))
            .join("\n")
        : t.text
    })
    .join("")
}

/** SQL text highlighted for a terminal, or unchanged when `on` is false. */
export function highlightSql(on: boolean, sql: string): string {
  return on ? paintTokens(sql, fullTheme) : sql
}

/**
 * A diff as renderChanges writes it (`+ `, `- `, `  ` before each line): added lines green,
 * removed lines red, keywords in bold on every line; unchanged when `on` is false.
 */
export function highlightDiff(on: boolean, text: string): string {
  if (!on) return text
  return text
    .split("\n")
    .map((line) => {
      const marker = line[0]
      const rest = line.slice(1)
      if (marker === "+") return `${esc("32")}+${paintTokens(rest, lineTheme)}${esc("39")}`
      if (marker === "-") return `${esc("31")}-${paintTokens(rest, lineTheme)}${esc("39")}`
      return paintTokens(line, lineTheme)
    })
    .join("\n")
}

/** The text without its ANSI escapes. */
export const stripAnsi = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, "")
