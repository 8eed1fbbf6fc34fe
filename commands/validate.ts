/**
 * validate: prove the existing migrations: for each, in order, UP applies, DOWN restores the
 * schema before it and UP applies again; and the last state equals schema.sql. With --rules, also
 * run the validation rules on each; with --json, print the result as one JSON document.
 */
import { defineCommand } from "citty"
import { shownPath } from "../config.ts"
import { Effect } from "effect"
import { Engine } from "../engines/engine.ts"
import { validateProject } from "../workflow.ts"
import { projectArgs } from "./_args.ts"
import { formatFinding } from "./_findings.ts"
import { engineDocument } from "./_json.ts"
import { projectCommand } from "./_run.ts"

export const validate = defineCommand({
  meta: {
    name: "validate",
    description: "Check every migration's UP and DOWN, and that they build schema.sql",
  },
  args: {
    ...projectArgs,
    model: {
      type: "string",
      description: "Model that judges custom rules (with --rules): <provider>-<model>",
    },
    rules: {
      type: "boolean",
      description: "Also run the validation rules on each migration (exit 1 on an error-level finding)",
    },
  },
  run: (context) =>
    projectCommand(context, (config, { output, phases }) =>
      Effect.gen(function* () {
        const report = yield* validateProject(config, { rules: context.args.rules === true })
        const errors = report.findings?.filter((f) => f.level === "error").length ?? 0
        const exitCode = errors > 0 ? 1 : 0
        if (output.json) {
          output.document({
            command: "validate",
            engine: engineDocument(yield* Engine),
            schema: config.schema,
            valid: true,
            migrations: report.states.map((s) => ({
              up: s.migration.upPath,
              down: s.migration.downPath ?? null,
            })),
            downsChecked: report.downsChecked,
            findings: report.findings ?? null,
            phases,
            exitCode,
          })
          return exitCode
        }
        const downs =
          report.downsChecked === report.migrations
            ? "each DOWN restores the schema before it"
            : `${report.downsChecked} of ${report.migrations} have a DOWN, each restores the schema before it`
        output.out(
          `${report.migrations} migration${report.migrations === 1 ? "" : "s"} valid: UP applies, ${downs}, and the result equals ${shownPath(config, config.schema)}.`,
        )
        if (report.findings === undefined) return 0
        for (const finding of report.findings) output.out(formatFinding(finding, output.color))
        output.out(
          report.findings.length === 0
            ? "Rules: no findings."
            : `Rules: ${errors} error(s), ${report.findings.length - errors} warning(s).`,
        )
        return exitCode
      }),
    ),
})
