/**
 * _findings: how a validation finding reads on the terminal: level, rule, where (file and line of
 * the statement), what, and the statement itself on the next line.
 */
import type { Finding } from "../model.ts"
import { dim, red, yellow } from "./_output.ts"

export function formatFinding(
  f: Finding & { readonly source?: string },
  color: boolean,
  source = "UP",
): string {
  const file = f.source ?? source
  const at = f.line !== undefined ? `${file}:${f.line}` : file
  const statement = f.statement
    ? `\n${dim(color, `  in: ${f.statement.replace(/\s+/g, " ").trim().slice(0, 200)}`)}`
    : ""
  const level = (f.level === "error" ? red : yellow)(color, f.level)
  return `${level} [${f.rule}] ${at}: ${f.message}${statement}`
}
