/**
 * renames: the renames schema.sql declares with `-- aim:renamed-from <old name>` comments
 * (sql/rename-comments.ts), checked against the two schemas. A comment applies while its old name
 * exists in what the migrations build; once a migration made the rename, the comment is settled and
 * changes nothing, so it may stay. A comment that annotates nothing, names what neither side has,
 * keeps an old name that schema.sql still defines, or claims an old name another comment claims, is
 * an error naming schema.sql and its line. A likely rename nobody declared is asked about on a
 * terminal (`decideRenames`), or left open with the comment that would declare it. No resources.
 */
import { Effect, Schema as S } from "effect"
import { Engine } from "../engines/engine.ts"
import type { RenameHints, Schema, Table } from "../model.ts"
import { type RenameCandidate, renameCandidates, sameCandidate } from "../model/ambiguity.ts"
import { diffSchemas } from "../model/diff.ts"
import { nameKey } from "../model/names.ts"
import type { SchemaSource } from "../project/read.ts"
import {
  type Identifiers,
  storedName,
  storedTableName,
  writtenName,
  writtenTableName,
} from "../sql/identifiers.ts"
import { LexError } from "../sql/lexer.ts"
import { findRenameComments, RENAMED_FROM, type RenameComment } from "../sql/rename-comments.ts"

/** A rename comment in schema.sql that cannot be applied, with its line. */
export class RenameCommentError extends S.TaggedError<RenameCommentError>()("RenameCommentError", {
  file: S.String,
  line: S.Number,
  reason: S.String,
}) {
  override get message() {
    return `${this.file}:${this.line}: ${this.reason}`
  }
}

/** One rename a comment declares: a table's (`table` is its new name) or a column's of `table`. */
export interface DeclaredRename {
  readonly line: number
  readonly kind: "table" | "column"
  /** The table as schema.sql names it (for a table: its new name). */
  readonly table: string
  readonly from: string
  readonly to: string
}

/** What the comments of schema.sql declare, split by whether the migrations still need it. */
export interface DeclaredRenames {
  /** The renames this run makes, as the diff, the planner and verification take them. */
  readonly hints: RenameHints
  /** The renames behind `hints`, with their lines. */
  readonly applied: ReadonlyArray<DeclaredRename>
  /** Renames a migration already made: their comments change nothing. */
  readonly settled: ReadonlyArray<DeclaredRename>
}

type Problem = { readonly line: number; readonly reason: string }

const schemaOf = (name: string) => (name.includes(".") ? name.slice(0, name.indexOf(".")) : "")

/**
 * The renames `comments` declare, checked against what the migrations build (`current`) and what
 * schema.sql builds (`desired`); the first problem by line when one cannot apply.
 */
export function resolveRenames(
  comments: ReadonlyArray<RenameComment>,
  ids: Identifiers,
  current: Schema,
  desired: Schema,
): DeclaredRenames | Problem {
  const key = nameKey(current, desired)
  const tableIn = (schema: Schema, name: string) => schema.tables.find((t) => key(t.name) === key(name))
  const problems: Problem[] = []
  const applied: DeclaredRename[] = []
  const settled: DeclaredRename[] = []
  const claimed = new Map<string, number>()
  const annotated = new Map<string, number>()
  /** True the first time `id` is claimed; a second claim is a problem naming both lines. */
  const claim = (seen: Map<string, number>, id: string, line: number, what: string) => {
    const first = seen.get(id)
    if (first === undefined) {
      seen.set(id, line)
      return true
    }
    problems.push({ line, reason: `${what} (also on line ${first})` })
    return false
  }
  const valid = comments.flatMap((c) => {
    if (c.problem !== undefined) {
      problems.push({ line: c.line, reason: c.problem })
      return []
    }
    return [c]
  })
  const tableRenamedTo = new Map<string, string>()
  for (const c of valid) {
    if (c.target.kind !== "table") continue
    const to = storedTableName(c.target.table, ids)
    const from = storedTableName(c.from, ids)
    const say = (reason: string) =>
      problems.push({ line: c.line, reason: `${RENAMED_FROM} ${from}: ${reason}` })
    if (!tableIn(desired, to)) {
      say(`table ${to} is not in what schema.sql builds`)
      continue
    }
    if (key(from) === key(to)) {
      say(`that is the table's own name`)
      continue
    }
    if (!claim(annotated, `table\u0000${key(to)}`, c.line, `table ${to} is marked renamed twice`)) continue
    if (!claim(claimed, `table\u0000${key(from)}`, c.line, `two comments claim the old name ${from}`))
      continue
    if (tableIn(desired, from)) {
      say(`schema.sql still defines table ${from}, so it was not renamed to ${to}`)
      continue
    }
    const [was, is] = [tableIn(current, from), tableIn(current, to)]
    const rename = { line: c.line, kind: "table" as const, table: to, from, to }
    if (was && is) say(`the migrations already have a table ${to}, so ${from} cannot be renamed to it`)
    else if (was && schemaOf(was.name) !== schemaOf(to))
      say(`a rename keeps a table in its schema; ${from} and ${to} are in different schemas`)
    else if (was) {
      applied.push({ ...rename, from: was.name })
      tableRenamedTo.set(key(to), was.name)
    } else if (is) settled.push(rename)
    else say(`the migrations have no table ${from} (nor ${to})`)
  }
  for (const c of valid) {
    if (c.target.kind !== "column") continue
    const table = storedTableName(c.target.table, ids)
    const to = storedName(c.target.column, ids)
    const wanted = tableIn(desired, table)
    const say = (reason: string) =>
      problems.push({
        line: c.line,
        reason: `${RENAMED_FROM} ${c.from.map((p) => p.text).join(".")}: ${reason}`,
      })
    if (c.from.length !== 1) {
      say(`a column is renamed within its table: write only the column's old name`)
      continue
    }
    const from = storedName(c.from[0] as (typeof c.from)[number], ids)
    const now = wanted?.columns.find((x) => key(x.name) === key(to))
    if (!wanted || !now) {
      say(`column ${table}.${to} is not in what schema.sql builds`)
      continue
    }
    if (key(from) === key(to)) {
      say(`that is the column's own name`)
      continue
    }
    const old: Table | undefined = tableIn(current, tableRenamedTo.get(key(table)) ?? table)
    const at = `${wanted.name}.${now.name}`
    if (
      !claim(
        annotated,
        `column\u0000${key(wanted.name)}\u0000${key(to)}`,
        c.line,
        `column ${at} is marked renamed twice`,
      )
    )
      continue
    if (
      !claim(
        claimed,
        `column\u0000${key(wanted.name)}\u0000${key(from)}`,
        c.line,
        `two comments claim the old name ${wanted.name}.${from}`,
      )
    )
      continue
    if (wanted.columns.some((x) => key(x.name) === key(from))) {
      say(`schema.sql still defines ${wanted.name}.${from}, so it was not renamed to ${now.name}`)
      continue
    }
    if (!old) {
      say(
        `the migrations have no table ${table}; if the table was renamed too, mark it with ${RENAMED_FROM} <old name> as well`,
      )
      continue
    }
    const was = old.columns.find((x) => key(x.name) === key(from))
    const is = old.columns.find((x) => key(x.name) === key(to))
    const rename = { line: c.line, kind: "column" as const, table: wanted.name, from, to: now.name }
    if (was && is)
      say(`the migrations already have a column ${old.name}.${is.name}, so ${from} cannot be renamed to it`)
    else if (was) applied.push({ ...rename, from: was.name })
    else if (is) settled.push(rename)
    else say(`table ${old.name} has no column ${from} in the migrations (nor ${now.name})`)
  }
  const first = problems.sort((a, b) => a.line - b.line)[0]
  if (first) return first
  return {
    hints: {
      tables: applied.filter((r) => r.kind === "table").map((r) => ({ from: r.from, to: r.to })),
      columns: applied
        .filter((r) => r.kind === "column")
        .map((r) => ({ table: r.table, from: r.from, to: r.to })),
    },
    applied,
    settled,
  }
}

/** Step: the renames schema.sql's comments declare for this history, or the comment that cannot apply. */
export const declaredRenames = Effect.fn("aim/steps/renames")(function* (
  source: SchemaSource,
  current: Schema,
  desired: Schema,
) {
  const ids = (yield* Engine).capabilities.identifiers
  let comments: RenameComment[]
  try {
    comments = findRenameComments(source.text, ids.dialect)
  } catch (error) {
    if (!(error instanceof LexError)) throw error
    return yield* new RenameCommentError({ file: source.path, line: error.line, reason: error.reason })
  }
  const resolved = resolveRenames(comments, ids, current, desired)
  if ("reason" in resolved)
    return yield* new RenameCommentError({ file: source.path, line: resolved.line, reason: resolved.reason })
  return resolved
})

/** Who answers whether a likely rename is one: the user on a terminal, or nobody. */
export interface RenameQuestions {
  /** Asks one yes-or-no question (it ends in `[y/N]`); true for yes. */
  readonly confirm: (question: string) => Effect.Effect<boolean>
  /** Tells the user one line (what to add to schema.sql). */
  readonly say: (line: string) => void
}

/** The renames a run makes and the likely ones it leaves open. */
export interface RenameDecisions {
  /** Declared in schema.sql and confirmed on the terminal: what the diff, the planner and verification take. */
  readonly hints: RenameHints
  readonly declared: ReadonlyArray<DeclaredRename>
  /** Answered yes on the terminal, for this run. */
  readonly confirmed: ReadonlyArray<RenameCandidate>
  /** Answered no: dropped and added, as the diff reads them. */
  readonly declined: ReadonlyArray<RenameCandidate>
  /** Likely renames nobody decided: the migration carries a hint naming the comment to add. */
  readonly open: ReadonlyArray<RenameCandidate>
}

const withCandidate = (hints: RenameHints, c: RenameCandidate): RenameHints =>
  c.kind === "table"
    ? { ...hints, tables: [...(hints.tables ?? []), { from: c.from, to: c.to }] }
    : { ...hints, columns: [...(hints.columns ?? []), { table: c.table, from: c.from, to: c.to }] }

/** The question a terminal is asked about a candidate. */
export const renameQuestion = (c: RenameCandidate) =>
  c.kind === "table"
    ? `Was table ${c.from} renamed to ${c.to}? [y/N]`
    : `Was ${c.table}.${c.from} renamed to ${c.to}? [y/N]`

/** The comment that declares a candidate, with the old name written so that it reads back the same. */
export const renameComment = (c: RenameCandidate, ids: Identifiers) =>
  `-- ${RENAMED_FROM} ${c.kind === "table" ? writtenTableName(c.from, ids) : writtenName(c.from, ids)}`

/** Where the comment goes, in words ("after the column", "after the column t.b", "at the end of ..."). */
const place = (c: RenameCandidate, named: boolean) =>
  c.kind === "table"
    ? `at the end of the line of CREATE TABLE ${c.to}`
    : `after the column${named ? ` ${c.table}.${c.to}` : ""}`

/** What an open candidate's hint says (`schema` as the user is shown the file). */
export const renameHint = (c: RenameCandidate, ids: Identifiers, schema: string) =>
  `looks like ${c.kind === "table" ? `table ${c.from}` : `${c.table}.${c.from}`} was renamed to ${c.kind === "table" ? c.to : `${c.table}.${c.to}`}: add "${renameComment(c, ids)}" ${place(c, false)} in ${schema}`

/**
 * Step: the renames this run makes. The declared ones always; then, with `questions` (a terminal),
 * each likely rename left is asked about, one at a time (an answer can settle others: a table
 * renamed, its columns compare under the new name), and for each yes the comment to add is told.
 * Without `questions` nothing is asked and the likely renames stay open.
 */
export const decideRenames = Effect.fn("aim/steps/renames/decide")(function* (
  current: Schema,
  desired: Schema,
  declared: DeclaredRenames,
  questions: RenameQuestions | undefined,
  schema: string,
) {
  const engine = yield* Engine
  const ids = engine.capabilities.identifiers
  const declined: RenameCandidate[] = []
  const confirmed: RenameCandidate[] = []
  let hints = declared.hints
  const open = () =>
    renameCandidates(diffSchemas(current, desired, hints), engine.capabilities.types).filter(
      (c) => !declined.some((d) => sameCandidate(c, d)),
    )
  for (let next = open()[0]; questions && next; next = open()[0]) {
    if (yield* questions.confirm(renameQuestion(next))) {
      confirmed.push(next)
      hints = withCandidate(hints, next)
      questions.say(
        `Add "${renameComment(next, ids)}" ${place(next, true)} in ${schema}, so that the next run does not ask.`,
      )
    } else declined.push(next)
  }
  return { hints, declared: declared.applied, confirmed, declined, open: open() } satisfies RenameDecisions
})
