/**
 * _output: how the CLI talks: results on stdout; progress, spinners and errors on stderr; colour
 * only on a terminal that wants it (not with NO_COLOR, --no-color, TERM=dumb or a pipe). With
 * --json, stdout carries one JSON document and nothing else, and there is no progress or colour.
 * Holds at most one spinner timer, stopped when its phase ends.
 */
import { highlightDiff } from "./_highlight.ts"

export interface Output {
  readonly color: boolean
  /** Phase lines and spinners on stderr: on a terminal, without --quiet or --json. */
  readonly progress: boolean
  /** --json: the command prints one JSON document on stdout (see `json`). */
  readonly json: boolean
  /** Notices on stderr (a leftover removed, a backend passed over), one `aim:` line each: without --quiet. */
  readonly notices: boolean
  readonly out: (text: string) => void
  readonly err: (text: string) => void
  /** Print a value as the command's JSON document. */
  readonly document: (value: unknown) => void
  /**
   * A spinner on stderr saying what aim waits for, drawn only on a terminal and only once the
   * wait passes a blink (so fast phases do not flicker); the returned function clears it.
   */
  readonly spin: (text: string) => () => void
}

export function makeOutput(options: {
  quiet: boolean
  color?: boolean | undefined
  json?: boolean | undefined
}): Output {
  const json = options.json === true
  const tty = Boolean(process.stdout.isTTY)
  const color =
    !json &&
    options.color !== false &&
    tty &&
    process.env.NO_COLOR === undefined &&
    process.env.TERM !== "dumb"
  const progress = !json && !options.quiet && Boolean(process.stderr.isTTY)
  const stderrColor =
    options.color !== false && process.env.NO_COLOR === undefined && process.env.TERM !== "dumb"
  return {
    color,
    progress,
    json,
    notices: !options.quiet,
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    document: (value) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    spin: progress ? (text) => startSpinner(text, stderrColor) : () => () => {},
  }
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

function startSpinner(text: string, color: boolean): () => void {
  let frame = 0
  let drawn = false
  const draw = () => {
    drawn = true
    process.stderr.write(`\r\u001b[2K${dim(color, `${FRAMES[frame++ % FRAMES.length]} ${text}`)}`)
  }
  let timer: ReturnType<typeof setInterval> | undefined
  // Unref'd: a spinner never keeps aim alive; its phase's end (success, failure or Ctrl-C) clears it.
  const delay = setTimeout(() => {
    draw()
    timer = setInterval(draw, 80)
    timer.unref()
  }, 150)
  delay.unref()
  let stopped = false
  return () => {
    if (stopped) return
    stopped = true
    clearTimeout(delay)
    if (timer) clearInterval(timer)
    if (drawn) process.stderr.write("\r\u001b[2K")
  }
}

const paint = (code: string) => (on: boolean, text: string) => (on ? `\u001b[${code}m${text}\u001b[0m` : text)
export const red = paint("31")
export const green = paint("32")
export const yellow = paint("33")
export const dim = paint("2")
export const bold = paint("1")

/** A `-`/`+` diff with the markers' lines coloured and the SQL in them highlighted. */
export const colorDiff = highlightDiff
