/**
 * goose: pressly/goose's SQL migrations. One file `{version}_{name}.sql` per migration, directions
 * marked by `-- +goose Up` (required, first) and `-- +goose Down` (optional). Facts from goose's own
 * source (migration.go NumericComponent, provider_collect.go, internal/sqlparser/parser.go):
 *
 * - Only files directly in the folder count. A `.sql` or `.go` file whose name starts with a number
 *   > 0 and an `_` is a migration; other files are ignored. Versions are int64 and order numerically;
 *   `00001_a.sql` and `1_b.sql` clash. Go migrations (`.go`, not `_test.go`) run code aim cannot
 *   replay, so a folder holding one is refused rather than read with a gap.
 * - Annotation lines start with `--` (no leading blank) and hold `+goose`; the annotation after it
 *   is matched case-insensitively: Up, Down, StatementBegin, StatementEnd, NO TRANSACTION (anywhere
 *   in the file: the migration runs outside a transaction), ENVSUB ON / OFF (ignored here: the SQL is
 *   kept as written). Anything else after `+goose` is an error, as are SQL before Up, a second Up,
 *   Down before Up, a StatementBegin without StatementEnd, and a statement left without its `;`.
 * - Outside StatementBegin/StatementEnd goose cuts a statement at each line whose last word (before
 *   a `--` comment) ends with `;`. Inside them the text is sent as one statement.
 *
 * Read keeps each direction's text with the file's line numbers (annotation lines and the other
 * direction are blanked), so failures name the real line. A StatementBegin block whose last
 * statement has no `;` gets one, or it would run into the next statement once the annotations are gone.
 *
 * Render writes `-- +goose Up` / `-- +goose Down` (Down only when there is a down), wraps in
 * StatementBegin/StatementEnd every statement goose's line rule would cut wrongly (a `;` inside it:
 * plpgsql functions, triggers, DO blocks, multi-line strings), adds `-- +goose NO TRANSACTION` when a
 * statement cannot run in a transaction (CREATE INDEX CONCURRENTLY, VACUUM...). New versions follow
 * the folder: timestamps (yyyymmddhhmmss, goose create's default, also for an empty folder) or the
 * next number at the folder's width (goose create -s pads to 5).
 */
import { linesOf, needsNoTransaction, splitSql } from "./_statements.ts"
import { historyOfSectionedFiles, type SectionedFile } from "./_single-file.ts"
import { type FolderFile, FormatError, type FormatShape, safeName } from "./format.ts"
import { nextNumericVersion, timestampVersion } from "./migrate.ts"

const fileName = /^([0-9]+)_(.*)\.(sql|go)$/
const int64Max = 9223372036854775807n

type Annotation =
  | "Up"
  | "Down"
  | "StatementBegin"
  | "StatementEnd"
  | "NO TRANSACTION"
  | "ENVSUB ON"
  | "ENVSUB OFF"
const annotations: ReadonlyArray<Annotation> = [
  "Up",
  "Down",
  "StatementBegin",
  "StatementEnd",
  "NO TRANSACTION",
  "ENVSUB ON",
  "ENVSUB OFF",
]

const isAnnotationLine = (line: string) => line.trim().startsWith("--") && line.includes("+goose")

/** The annotation of a line, as goose's extractAnnotation reads it, or why it is not one. */
function annotationOf(line: string): Annotation | string {
  if (line.startsWith(" ") || line.startsWith("\t"))
    return `annotation ${JSON.stringify(line)} has leading whitespace`
  let cmd = line.replaceAll("--", "").replace("+goose", "")
  if (cmd.includes("+goose")) return `annotation ${JSON.stringify(line)} holds more than one +goose`
  cmd = cmd.trim()
  if (cmd === "") return `empty annotation ${JSON.stringify(line)}`
  const found = annotations.find((a) => a.toLowerCase() === cmd.toLowerCase())
  return found ?? `unknown annotation ${JSON.stringify(cmd)}`
}

/** goose's endsWithSemicolon: the last whitespace-separated word before a `--` word ends with `;`. */
export function gooseLineEndsStatement(line: string): boolean {
  let previous = ""
  for (const word of line.split(/\s+/)) {
    if (word === "") continue
    if (word.startsWith("--")) break
    previous = word
  }
  return previous.endsWith(";")
}

type State = "start" | "up" | "beginUp" | "endUp" | "down" | "beginDown" | "endDown"

type Parsed = SectionedFile

/** Parse one goose SQL file the way goose's sqlparser does; the message says what goose would reject. */
export function parseGoose(content: string): Parsed | string {
  const lines = linesOf(content)
  const direction: Array<"up" | "down" | undefined> = lines.map(() => undefined)
  /** Indexes of the last line of each StatementBegin block, per direction, to terminate its last statement. */
  const blockEnds: Array<{ readonly from: number; readonly to: number }> = []
  let state: State = "start"
  let transaction = true
  let buffer = ""
  let hasDown = false
  let blockStart = -1
  const unfinished = () =>
    `a statement is not finished (missing semicolon?): ${JSON.stringify(buffer.trim().slice(0, 80))}`
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as string
    if (state === "start" && line.trim() === "") continue
    if (isAnnotationLine(line)) {
      const found = annotationOf(line)
      switch (found) {
        case "Up":
          if (state !== "start") return "duplicate '-- +goose Up' annotation"
          state = "up"
          continue
        case "Down":
          if (state !== "up") return "'-- +goose Down' must follow '-- +goose Up'"
          if (buffer.trim() !== "") return unfinished()
          state = "down"
          hasDown = true
          continue
        case "StatementBegin":
          if (state === "up") state = "beginUp"
          else if (state === "down") state = "beginDown"
          else return "'-- +goose StatementBegin' must follow '-- +goose Up' or '-- +goose Down'"
          blockStart = index
          continue
        case "StatementEnd":
          if (state === "beginUp") state = "endUp"
          else if (state === "beginDown") state = "endDown"
          else return "'-- +goose StatementEnd' must follow '-- +goose StatementBegin'"
          blockEnds.push({ from: blockStart + 1, to: index - 1 })
          break
        case "NO TRANSACTION":
          transaction = false
          continue
        case "ENVSUB ON":
        case "ENVSUB OFF":
          continue
        default:
          return found
      }
    }
    // The end states last only through the StatementEnd line itself, which flushes the block.
    if (buffer === "" && (line.trim().startsWith("--") || line === "")) {
      if (state === "endUp") state = "up"
      if (state === "endDown") state = "down"
      continue
    }
    if (state !== "endUp" && state !== "endDown") buffer += `${line}\n`
    if (state === "start") return "SQL before '-- +goose Up'; the file must start with '-- +goose Up'"
    if (!isAnnotationLine(line))
      direction[index] = state === "up" || state === "beginUp" || state === "endUp" ? "up" : "down"
    if (state === "up" || state === "down") {
      if (gooseLineEndsStatement(line)) buffer = ""
    } else if (state === "endUp" || state === "endDown") {
      buffer = ""
      state = state === "endUp" ? "up" : "down"
    }
  }
  if (state === "start") return "no '-- +goose Up' annotation; goose requires one"
  if (state === "beginUp" || state === "beginDown")
    return "'-- +goose StatementBegin' without '-- +goose StatementEnd'"
  if (buffer.trim() !== "") return unfinished()

  // A block's last statement may lack its `;`: add it, so the block stays one statement without its annotations.
  const out = [...lines]
  for (const block of blockEnds) {
    const text = out.slice(block.from, block.to + 1).join("\n")
    const last = splitSql(text).at(-1)
    if (!last || last.terminated) continue
    const before = text.slice(0, last.end)
    const lineIndex = block.from + before.split("\n").length - 1
    const column = last.end - (before.lastIndexOf("\n") + 1)
    const target = out[lineIndex] as string
    out[lineIndex] = `${target.slice(0, column)};${target.slice(column)}`
  }
  const section = (which: "up" | "down") => {
    const kept = out.map((line, index) => (direction[index] === which ? line : ""))
    while (kept.length > 0 && (kept[kept.length - 1] as string).trim() === "") kept.pop()
    return kept.length === 0 ? "" : `${kept.join("\n")}\n`
  }
  return { up: section("up"), down: hasDown ? section("down") : undefined, transaction }
}

/** A goose section for `sql`: statements goose's line rule would cut wrongly are wrapped in StatementBegin/End. */
export function gooseSection(sql: string): string {
  const text = sql.replace(/\r\n/g, "\n").trim()
  if (text === "") return ""
  const statements = splitSql(text)
  const lineStart = (offset: number) => text.lastIndexOf("\n", offset - 1) + 1
  const lineEnd = (offset: number) => {
    const eol = text.indexOf("\n", offset)
    return eol === -1 ? text.length : eol
  }
  let out = ""
  let at = 0
  const newline = () => {
    if (out !== "" && !out.endsWith("\n")) out += "\n"
  }
  for (const statement of statements) {
    const gap = text.slice(at, statement.start)
    out += out.endsWith("-- +goose StatementEnd\n") ? gap.replace(/^[ \t]+/, "") : gap
    const body = statement.terminated ? statement.text : `${statement.text};`
    const inner = text.slice(lineStart(statement.start), lineStart(statement.end))
    const innerLines = inner === "" ? [] : inner.slice(0, -1).split("\n")
    const lastLine = text.slice(lineStart(statement.end), lineEnd(statement.end))
    const wrap =
      statement.innerSemicolon ||
      innerLines.some(gooseLineEndsStatement) ||
      (statement.terminated && !gooseLineEndsStatement(lastLine))
    if (wrap) {
      newline()
      out += `-- +goose StatementBegin\n${body}\n-- +goose StatementEnd\n`
    } else out += body
    at = statement.end
  }
  out += out.endsWith("-- +goose StatementEnd\n") ? text.slice(at).replace(/^[ \t]+/, "") : text.slice(at)
  return out.endsWith("\n") ? out : `${out}\n`
}

export const goose: FormatShape = {
  id: "goose",
  supportsDown: true,
  read(files: ReadonlyArray<FolderFile>, prefix: string) {
    const byVersion = new Map<bigint, FolderFile>()
    const found: Array<{ key: bigint; version: string; name: string; file: FolderFile }> = []
    for (const file of files) {
      if (file.path.includes("/")) continue
      if (file.path.endsWith("_test.go")) continue
      const match = fileName.exec(file.path)
      if (!match) continue
      const [, version = "", name = "", ext] = match
      const key = BigInt(version)
      if (key < 1n || key > int64Max) continue
      const clash = byVersion.get(key)
      if (clash) {
        return new FormatError({
          format: "goose",
          file: `${prefix}${file.path}`,
          reason: `version ${version} is also used by ${clash.path}`,
        })
      }
      byVersion.set(key, file)
      if (ext === "go") {
        return new FormatError({
          format: "goose",
          file: `${prefix}${file.path}`,
          reason: "is a Go migration; aim can only replay SQL migrations",
        })
      }
      found.push({ key, version, name, file })
    }
    found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    return historyOfSectionedFiles("goose", prefix, found, parseGoose)
  },
  nextVersion: (history, now) =>
    history.length === 0 ? timestampVersion(now) : nextNumericVersion(history, now, 5),
  render(migration) {
    const noTransaction =
      needsNoTransaction(migration.up) || (migration.down !== undefined && needsNoTransaction(migration.down))
    let content = noTransaction ? "-- +goose NO TRANSACTION\n" : ""
    content += `-- +goose Up\n${gooseSection(migration.up)}`
    if (migration.down !== undefined) content += `\n-- +goose Down\n${gooseSection(migration.down)}`
    return [{ path: `${migration.version}_${safeName(migration.description)}.sql`, content }]
  },
}
