/**
 * split: cutting a script into statements, once for every dialect. A statement ends at a terminator
 * token (`;`, or what the mysql client's DELIMITER set) unless it is inside a body the dialect's
 * `BodyTracker` says a terminator does not end (SQLite's CREATE TRIGGER ... BEGIN ... END,
 * PostgreSQL's BEGIN ATOMIC ... END, MySQL's compound statements). Each statement keeps its first
 * line, so a failure can name file and line; input the lexer cannot read, or a body left open, is a
 * LexError with its line. Pure; holds no resources.
 */
import { keyword, LexError, type Token } from "./lexer.ts"

/** One statement of a script and its place in it. */
export interface Piece {
  /** From the statement's first significant token through its last (the terminator left out). */
  readonly text: string
  readonly start: number
  /** Offset just past the statement's terminator when it has one, else past its last token. */
  readonly end: number
  /** 1-based line of the first character. */
  readonly line: number
  readonly terminated: boolean
  /** A terminator inside a body, or a dollar-quoted body holding one: the statement holds `;` of its own. */
  readonly innerTerminator: boolean
  /** The statement's bare words, upper-cased. */
  readonly words: ReadonlyArray<string>
}

/**
 * Follows one statement's tokens to tell whether a terminator stands inside a body. `step` sees
 * each significant token of the statement (with the script's tokens around it) and may return how
 * many of the following tokens it read too (`END IF`).
 */
export interface BodyTracker {
  readonly step: (tokens: ReadonlyArray<Token>, i: number) => number | undefined
  /** Inside a body, given the statement's text so far: a terminator here does not end it. */
  readonly inBody: (textSoFar: string) => boolean
  /** Why the script cannot end here (a body left open), or undefined. */
  readonly openAtEnd?: (() => string | undefined) | undefined
}

const isTerminator = (t: Token) => t.kind === "delimiter" || (t.kind === "punct" && t.text === ";")

/**
 * The statements of `sql`, from its significant tokens (spaces and comments left out; a dialect
 * keeps what it runs, such as MySQL's executable comments). Empty statements (a lone `;`) are dropped.
 */
export function cutStatements(sql: string, tokens: ReadonlyArray<Token>, bodies: () => BodyTracker): Piece[] {
  const pieces: Piece[] = []
  let first = -1
  let last = -1
  let tracker = bodies()
  let inner = false
  let words: string[] = []
  const close = (terminator: Token | undefined) => {
    const a = tokens[first] as Token
    const b = tokens[last] as Token
    pieces.push({
      text: sql.slice(a.start, b.start + b.text.length),
      start: a.start,
      end: terminator ? terminator.start + terminator.text.length : b.start + b.text.length,
      line: a.line,
      terminated: terminator !== undefined,
      innerTerminator: inner,
      words,
    })
    first = -1
    tracker = bodies()
    inner = false
    words = []
  }
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token
    if (isTerminator(token)) {
      if (first === -1) continue
      const start = (tokens[first] as Token).start
      if (tracker.inBody(sql.slice(start, token.start))) {
        inner = true
        continue
      }
      close(token)
      continue
    }
    if (first === -1) first = i
    last = i
    if (token.kind === "dollar" && token.text.includes(";")) inner = true
    const word = keyword(token)
    if (word !== undefined) words.push(word)
    // Tokens the tracker read ahead (the IF of END IF) belong to the statement but say nothing more.
    const read = tracker.step(tokens, i) ?? 0
    for (let k = 1; k <= read && i + 1 < tokens.length; k++) last = ++i
  }
  if (first !== -1) {
    const open = tracker.openAtEnd?.()
    if (open !== undefined) throw new LexError(open, (tokens[first] as Token).line)
    close(undefined)
  }
  return pieces
}
