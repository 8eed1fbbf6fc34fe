/**
 * diff: show what separates the migrations from schema.sql: `-` only in the history, `+` only in
 * schema.sql. With --exit-code, exit 1 when they differ (for CI); with --json, print the result as
 * one JSON document.
 */
import { defineCommand } from "citty"
import { shownPath } from "../config.ts"
import { Effect } from "effect"
import { Engine } from "../engines/engine.ts"
import { diffProject } from "../workflow.ts"
import { projectArgs } from "./_args.ts"
import { candidateDocument, changeDocument, engineDocument } from "./_json.ts"
import { colorDiff } from "./_output.ts"
import { projectCommand } from "./_run.ts"

export const diff = defineCommand({
  meta: { name: "diff", description: "Show the difference between the migrations and schema.sql" },
  args: {
    ...projectArgs,
    "exit-code": { type: "boolean", description: "Exit 1 when there is a difference" },
  },
  run: (context) =>
    projectCommand(context, (config, { output, phases }) =>
      Effect.gen(function* () {
        const result = yield* diffProject(config)
        const different = result.changes.length > 0
        const exitCode = different && context.args["exit-code"] === true ? 1 : 0
        if (output.json) {
          output.document({
            command: "diff",
            engine: engineDocument(yield* Engine),
            schema: config.schema,
            migrations: result.history.length,
            different,
            changes: result.changes.map(changeDocument),
            diff: result.text,
            notes: result.renameCandidates.map((c) => c.hint),
            renameCandidates: result.renameCandidates.map(candidateDocument),
            phases,
            exitCode,
          })
          return exitCode
        }
        if (!different) {
          output.out(`No difference: the migrations build ${shownPath(config, config.schema)}.`)
          return 0
        }
        output.out(colorDiff(output.color, result.text))
        output.out(
          `\n${result.changes.length} change${result.changes.length === 1 ? "" : "s"} between the migrations and ${shownPath(config, config.schema)}.`,
        )
        for (const c of result.renameCandidates) output.out(`note: ${c.hint}`)
        return exitCode
      }),
    ),
})
