/**
 * tidy: one spelling for a piece of SQLite SQL, so expressions and types read the same however
 * the user spaced, quoted or cased them. Keywords are upper-cased, names keep their case and lose
 * needless quotes, spacing follows one rule. The result is both shown to people and compared.
 */
import { isReserved, quoteName, significant, type Token, tokenize, unquote } from "./lexer.ts"

function spelling(token: Token): string {
  if (token.kind === "word") return isReserved(token.text) ? token.text.toUpperCase() : token.text
  if (token.kind === "quoted") return quoteName(unquote(token.text))
  if (token.kind === "blob") return token.text.toUpperCase()
  return token.text
}

export function tidySql(sql: string): string {
  const tokens = significant(tokenize(sql))
  let out = ""
  tokens.forEach((token, i) => {
    const previous = tokens[i - 1]
    const text = spelling(token)
    if (i > 0 && previous) {
      const p = previous.text
      const glued =
        p === "(" ||
        p === "." ||
        token.text === ")" ||
        token.text === "," ||
        token.text === "." ||
        // A call or a sized type: lower(x), VARCHAR(10); keywords such as IN keep their space.
        (token.text === "(" && (previous.kind === "quoted" || (previous.kind === "word" && !isReserved(p))))
      if (!glued) out += " "
    }
    out += text
  })
  return out
}

/** Remove parentheses that wrap a whole expression: `(0)` and `0` mean the same default. */
export function stripOuterParens(sql: string): string {
  let text = sql.trim()
  for (;;) {
    if (!text.startsWith("(") || !text.endsWith(")")) return text
    const tokens = significant(tokenize(text))
    let depth = 0
    let closesAtEnd = true
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i] as Token
      if (t.text === "(") depth++
      else if (t.text === ")") depth--
      if (depth === 0 && i < tokens.length - 1) {
        closesAtEnd = false
        break
      }
    }
    if (!closesAtEnd) return text
    text = text.slice(1, -1).trim()
  }
}
