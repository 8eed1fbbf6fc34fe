/**
 * diff: show what separates the migrations from schema.sql: `-` only in the history, `+` only in
 * schema.sql. With --exit-code, exit 1 when they differ (for CI).
 */
import { defineCommand } from "citty"
import { Effect } from "effect"
import { diffProject } from "../workflow.ts"
import { projectArgs } from "./_args.ts"
import { colorDiff } from "./_output.ts"
import { projectCommand } from "./_run.ts"

export const diff = defineCommand({
  meta: { name: "diff", description: "Show the difference between the migrations and schema.sql" },
  args: {
    ...projectArgs,
    "exit-code": { type: "boolean", description: "Exit 1 when there is a difference" },
    color: {
      type: "boolean",
      description: "Colour the diff on a terminal (--no-color to turn off)",
      default: true,
    },
  },
  run: (context) =>
    projectCommand(context, (config, output) =>
      Effect.gen(function* () {
        const result = yield* diffProject(config)
        if (result.changes.length === 0) {
          output.out(`No difference: the migrations build ${config.schema}.`)
          return 0
        }
        output.out(colorDiff(output.color, result.text))
        output.out(
          `\n${result.changes.length} change${result.changes.length === 1 ? "" : "s"} between the migrations and ${config.schema}.`,
        )
        return context.args["exit-code"] === true ? 1 : 0
      }),
    ),
})
