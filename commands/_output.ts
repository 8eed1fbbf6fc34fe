/**
 * _output: how the CLI talks: results on stdout, progress and errors on stderr, colour only on a
 * terminal that wants it (not with NO_COLOR, --no-color, or a pipe).
 */
export interface Output {
  readonly color: boolean
  readonly progress: boolean
  readonly out: (text: string) => void
  readonly err: (text: string) => void
}

export function makeOutput(options: { quiet: boolean; color?: boolean | undefined }): Output {
  const tty = Boolean(process.stdout.isTTY)
  const color =
    options.color !== false && tty && process.env.NO_COLOR === undefined && process.env.TERM !== "dumb"
  return {
    color,
    progress: !options.quiet && Boolean(process.stderr.isTTY),
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
  }
}

const paint = (code: string) => (on: boolean, text: string) => (on ? `\u001b[${code}m${text}\u001b[0m` : text)
export const red = paint("31")
export const green = paint("32")
export const dim = paint("2")
export const bold = paint("1")

/** A `-`/`+` diff with the markers coloured. */
export function colorDiff(on: boolean, text: string): string {
  if (!on) return text
  return text
    .split("\n")
    .map((line) => (line.startsWith("+") ? green(true, line) : line.startsWith("-") ? red(true, line) : line))
    .join("\n")
}
