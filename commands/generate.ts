/**
 * generate: the main job. Plan UP and DOWN for the difference between the migrations and
 * schema.sql, prove them on a throwaway database, and write them in the project's format.
 * With --dry-run, print what would be written and write nothing.
 */
import { defineCommand } from "citty"
import { Effect } from "effect"
import { generateMigration } from "../workflow.ts"
import { projectArgs } from "./_args.ts"
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
        if (config.model !== undefined && config.model !== "builtin") {
          output.err(
            `aim: model "${config.model}" is not available in this version; using the built-in planner.`,
          )
        }
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
        const seeded = result.verification?.seed.seeded.length ?? 0
        output.out(
          `Verified on a fresh database: UP reaches ${config.schema}${result.down !== undefined ? ", DOWN restores the previous schema" : ""}, rows in ${seeded} table${seeded === 1 ? "" : "s"} kept.`,
        )
        for (const skipped of result.verification?.seed.skipped ?? []) {
          output.out(`note: no sample rows in ${skipped.table} (${skipped.reason})`)
        }
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
