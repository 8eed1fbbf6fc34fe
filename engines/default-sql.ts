/**
 * default-sql: a column default as valid DDL. Catalogs report an expression default without the
 * parentheses it was written with (SQLite's `datetime('now')` for `DEFAULT (datetime('now'))`;
 * MySQL's `uuid()`); SQLite takes only a literal or a parenthesized expression after DEFAULT, MySQL
 * 8 only a literal, CURRENT_TIMESTAMP or a parenthesized expression, and MariaDB the same forms. So
 * anything but a literal, a keyword constant or a single word gets its parentheses back. Pure.
 */

const literal =
  /^(?:[+-]?\s*(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[A-Za-z_]*'(?:[^']|'')*'|(?:NULL|TRUE|FALSE|CURRENT_(?:TIMESTAMP|DATE|TIME)(?:\(\d*\))?|LOCALTIME(?:STAMP)?(?:\(\d*\))?|[A-Za-z_][A-Za-z_0-9]*))$/i

/** Whether `text` is one parenthesized group from its first character to its last. */
function wrapped(text: string): boolean {
  if (!text.startsWith("(") || !text.endsWith(")")) return false
  let depth = 0
  let quote: string | undefined
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quote) {
      if (c === quote) quote = undefined
      continue
    }
    if (c === "'" || c === '"' || c === "`") quote = c
    else if (c === "(") depth++
    else if (c === ")" && --depth === 0 && i < text.length - 1) return false
  }
  return true
}

/** `expression` as it may follow DEFAULT: as it is when a literal, else in parentheses. */
export function defaultSql(expression: string): string {
  const text = expression.trim()
  return literal.test(text) || wrapped(text) ? text : `(${text})`
}
