/**
 * generate: the main job. Plan UP and DOWN for the difference between the migrations and
 * schema.sql, prove them on a throwaway database, and write them in the project's format.
 * With --dry-run, print what would be written and write nothing.
 */
import { defineCommand } from "citty"
import { Effect } from "effect"
import { generateMigration } from "../workflow.ts"
import { projectArgs } from "./_args.ts"
import { formatFinding } from "./_findings.ts"
import { bold, colorDiff } from "./_output.ts"
import { projectCommand } from "./_run.ts"

export const generate = defineCommand({
  meta: {
    name: "generate",
    description: "Write a verified migration that takes the migrations to schema.sql",
  },
  args: {
    ...projectArgs,
    "dry-run": { type: "boolean", description: "Print the migration instead of writing it" },
    name: { type: "string", description: "Description used in the file name" },
    color: { type: "boolean", description: "Colour on a terminal (--no-color to turn off)", default: true },
  },
  run: (context) =>
    projectCommand(context, (config, output) =>
      Effect.gen(function* () {
        const result = yield* generateMigration(config, {
          dryRun: context.args["dry-run"] === true,
          name: typeof context.args.name === "string" ? context.args.name : undefined,
        })
        if (result.status === "nothing-to-generate") {
          output.out(`Nothing to generate: the migrations already build ${config.schema}.`)
          return 0
        }
        output.out(colorDiff(output.color, result.diff.text))
        output.out("")
        for (const note of result.notes) output.out(`note: ${note}`)
        const g = result.generation
        if (g) {
          output.out(
            `Written by ${g.model}: ${g.attempts} attempt${g.attempts === 1 ? "" : "s"}, ${g.inputTokens} input and ${g.outputTokens} output tokens, ${(g.waitMillis / 1000).toFixed(1)} s waiting for the model.`,
          )
        } else if (result.modelSkipped) {
          output.out(
            `Written by the built-in planner; ${config.model} was not asked: ${result.modelSkipped}.`,
          )
        }
        const seeded = result.verification?.seed.seeded.length ?? 0
        output.out(
          `Verified on a fresh database: UP reaches ${config.schema}${result.down !== undefined ? ", DOWN restores the previous schema" : ""}, rows in ${seeded} table${seeded === 1 ? "" : "s"} kept.`,
        )
        for (const skipped of result.verification?.seed.skipped ?? []) {
          output.out(`note: no sample rows in ${skipped.table} (${skipped.reason})`)
        }
        for (const finding of result.findings ?? []) output.out(formatFinding(finding, output.color))
        if (result.status === "dry-run") {
          for (const file of result.files)
            output.out(`\n${bold(output.color, `-- ${file.path}`)}\n${file.content.trimEnd()}`)
          output.out("\nDry run: nothing was written.")
        } else {
          for (const file of result.files) output.out(`Wrote ${file.path}`)
        }
        return 0
      }),
    ),
})
