/**
 * split: cut a MySQL/MariaDB script into statements with their line numbers, as the `mysql` client
 * does (https://dev.mysql.com/doc/refman/8.0/en/mysql-commands.html, `delimiter`): quotes,
 * backticks, `--`, `#` and `/* *\/` comments, `/*! ... *\/` executable comments kept as text,
 * and `DELIMITER xx` lines that change the terminator. Without DELIMITER, the BEGIN ... END body of
 * CREATE TRIGGER/PROCEDURE/FUNCTION/EVENT keeps its inner `;`
 * (https://dev.mysql.com/doc/refman/8.0/en/stored-programs-defining.html). Pure; holds no resources.
 */
import type { Statement } from "../../model.ts"

export class SplitError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message)
  }
}

interface Word {
  readonly upper: string
  readonly start: number
}

/** Statement openers whose body may hold `;` inside BEGIN ... END. */
const COMPOUND = /^\s*(CREATE|ALTER)\b[\s\S]*?\b(TRIGGER|PROCEDURE|FUNCTION|EVENT)\b/i
/** Words after which IF, LOOP, WHILE and REPEAT start a block statement rather than call a function. */
const STATEMENT_START = new Set([";", "BEGIN", "THEN", "ELSE", "DO", "LOOP", "REPEAT", ":"])

export function splitStatements(sql: string, source: string): Statement[] {
  const statements: Statement[] = []
  let delimiter = ";"
  let start = -1
  let startLine = 1
  let line = 1
  let depth = 0
  /** Significant words and punctuation of the pending statement, for block tracking. */
  let words: Word[] = []
  let i = 0
  const n = sql.length

  const push = (end: number) => {
    if (start !== -1) {
      const text = sql.slice(start, end).trim()
      if (text !== "") statements.push({ sql: text, line: startLine, source })
    }
    start = -1
    depth = 0
    words = []
  }
  const begin = () => {
    if (start === -1) {
      start = i
      startLine = line
    }
  }
  const atLineStart = () => {
    let j = i - 1
    while (j >= 0 && (sql[j] === " " || sql[j] === "\t")) j--
    return j < 0 || sql[j] === "\n"
  }
  const isCompound = () => start !== -1 && COMPOUND.test(sql.slice(start, i))

  const track = (upper: string) => {
    const previous = words[words.length - 1]?.upper
    words.push({ upper, start: i })
    if (upper === "END") {
      if (depth > 0) depth--
      return
    }
    if (previous === "END") {
      // END IF / END CASE / END LOOP / END WHILE / END REPEAT close what END already counted.
      if (["IF", "CASE", "LOOP", "WHILE", "REPEAT"].includes(upper)) return
    }
    if (upper === "BEGIN" || upper === "CASE") depth++
    else if (["IF", "LOOP", "WHILE", "REPEAT"].includes(upper) && previous && STATEMENT_START.has(previous))
      depth++
  }

  while (i < n) {
    const c = sql[i] as string
    const next = sql[i + 1]
    if (c === "\n") {
      line++
      i++
      continue
    }
    if (c === " " || c === "\t" || c === "\r") {
      i++
      continue
    }
    // DELIMITER is a client command: only at the start of a line, between statements.
    if (start === -1 && atLineStart() && /^delimiter[ \t]/i.test(sql.slice(i, i + 10))) {
      const end = sql.indexOf("\n", i)
      const rest = sql.slice(i + 9, end === -1 ? n : end).trim()
      if (rest === "") throw new SplitError(line, "DELIMITER needs a terminator, e.g. DELIMITER $$")
      delimiter = rest.split(/\s+/)[0] as string
      i = end === -1 ? n : end
      continue
    }
    if (c === "#" || (c === "-" && next === "-" && (i + 2 >= n || /\s/.test(sql[i + 2] as string)))) {
      const end = sql.indexOf("\n", i)
      i = end === -1 ? n : end
      continue
    }
    if (c === "/" && next === "*") {
      const executable = sql[i + 2] === "!" || sql[i + 2] === "M"
      const end = sql.indexOf("*/", i + 2)
      if (end === -1) throw new SplitError(line, "unterminated /* comment")
      if (executable) begin()
      for (let j = i; j < end; j++) if (sql[j] === "\n") line++
      i = end + 2
      continue
    }
    if (sql.startsWith(delimiter, i)) {
      const inBody = delimiter === ";" && depth > 0 && isCompound()
      if (!inBody) {
        push(i)
        i += delimiter.length
        continue
      }
      words.push({ upper: ";", start: i })
      i++
      continue
    }
    begin()
    if (c === "'" || c === '"' || c === "`") {
      const opened = line
      let j = i + 1
      for (;;) {
        if (j >= n) throw new SplitError(opened, `unterminated ${c === "`" ? "quoted name" : "string"}`)
        const d = sql[j]
        if (d === "\n") line++
        if (d === "\\" && c !== "`") {
          if (sql[j + 1] === "\n") line++
          j += 2
          continue
        }
        if (d === c) {
          if (sql[j + 1] === c) {
            j += 2
            continue
          }
          break
        }
        j++
      }
      words.push({ upper: "'", start: i })
      i = j + 1
      continue
    }
    if (/[A-Za-z_$0-9]/.test(c)) {
      let j = i
      // `END$$`: a custom delimiter may follow a word without a space, and `$` is a name character.
      while (j < n && /[A-Za-z_$0-9]/.test(sql[j] as string) && !sql.startsWith(delimiter, j)) j++
      track(sql.slice(i, j).toUpperCase())
      i = j
      continue
    }
    if (c === ":") words.push({ upper: ":", start: i })
    else if (c !== ";") words.push({ upper: c, start: i })
    i++
  }
  push(n)
  return statements
}

/**
 * A script the `mysql`/`mariadb` command-line client runs as written: statements whose body holds
 * `;` (BEGIN ... END of a trigger or routine) are fenced with `DELIMITER $$`, since that client cuts
 * at every `;` it sees. Drivers and migration runners take the plain form; only the client needs this.
 */
export function forCommandLineClient(script: string, source = "script"): string {
  return splitStatements(script, source)
    .map((s) =>
      /;/.test(s.sql.replace(/'(?:[^'\\]|\\.|'')*'/g, "''"))
        ? `DELIMITER $$\n${s.sql}$$\nDELIMITER ;`
        : `${s.sql};`,
    )
    .join("\n")
}
