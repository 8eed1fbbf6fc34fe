/**
 * validate: prove the existing migrations: for each, in order, UP applies, DOWN restores the
 * schema before it and UP applies again; and the last state equals schema.sql.
 */
import { defineCommand } from "citty"
import { Effect } from "effect"
import { validateProject } from "../workflow.ts"
import { projectArgs } from "./_args.ts"
import { projectCommand } from "./_run.ts"

export const validate = defineCommand({
  meta: {
    name: "validate",
    description: "Check every migration's UP and DOWN, and that they build schema.sql",
  },
  args: { ...projectArgs },
  run: (context) =>
    projectCommand(context, (config, output) =>
      Effect.gen(function* () {
        const report = yield* validateProject(config)
        const downs =
          report.downsChecked === report.migrations
            ? "each DOWN restores the schema before it"
            : `${report.downsChecked} of ${report.migrations} have a DOWN, each restores the schema before it`
        output.out(
          `${report.migrations} migration${report.migrations === 1 ? "" : "s"} valid: UP applies, ${downs}, and the result equals ${config.schema}.`,
        )
        return 0
      }),
    ),
})
