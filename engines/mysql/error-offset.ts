/**
 * error-offset: where in a statement MySQL or MariaDB stopped, read from a parse error: `... for the
 * right syntax to use near 'body text, x int)' at line 4` quotes the statement from the culprit on
 * (cut after some 80 characters) and names the statement's own line. When the quote is the
 * statement's whole tail the offset is exact; otherwise the quote is looked for from that line on.
 * Pure; holds nothing.
 */

/** 0-based offset in `sql` of the place a parse error `message` points at, or undefined. */
export function errorOffset(sql: string, message: string): number | undefined {
  const match = /near '([\s\S]*)' at line (\d+)$/.exec(message)
  if (!match) return undefined
  const near = match[1] as string
  if (sql.endsWith(near)) return sql.length - near.length
  let from = 0
  for (let line = 1; line < Number(match[2]); line++) {
    const next = sql.indexOf("\n", from)
    if (next === -1) return undefined
    from = next + 1
  }
  const at = sql.indexOf(near, from)
  return at === -1 ? undefined : at
}

/**
 * A parse error said shortly: `syntax error near 'body text, x int )'`. The server's own wording
 * sends the reader to the manual and numbers lines within the statement, which the file position
 * in front of it already says better; other messages are kept as they are.
 */
export function shortReason(message: string): string {
  const match = /^You have an error in your SQL syntax;[\s\S]*? near '([\s\S]*)' at line \d+$/.exec(message)
  if (!match) return message
  const near = (match[1] as string).replace(/\s+/g, " ").trim()
  return near === ""
    ? "syntax error at the end of the statement"
    : `syntax error near '${near.length > 60 ? `${near.slice(0, 60)}...` : near}'`
}
