/**
 * generate: the main job. Plan UP and DOWN for the difference between the migrations and
 * schema.sql, prove them on a throwaway database, and write them in the project's format.
 * With --dry-run, print what would be written and write nothing; with --json, print the result
 * (files with their paths and contents, the generator, attempts, tokens, findings) as one JSON
 * document.
 */
import { defineCommand } from "citty"
import { shownPath } from "../config.ts"
import { Effect } from "effect"
import { Engine, type EngineShape } from "../engines/engine.ts"
import { type GenerateResult, generateMigration, Questions } from "../workflow.ts"
import { terminalQuestions } from "./_ask.ts"
import { generatorArgs, projectArgs } from "./_args.ts"
import { formatFinding } from "./_findings.ts"
import { formatHazard, formatProvenEmpty, hazardDocument } from "./_hazards.ts"
import { highlightSql } from "./_highlight.ts"
import { candidateDocument, changeDocument, engineDocument } from "./_json.ts"
import { bold, colorDiff, dim } from "./_output.ts"
import { projectCommand } from "./_run.ts"

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`

/** The --json document of a finished run. */
function generateDocument(result: GenerateResult, schema: string, engine: EngineShape, phases: unknown) {
  const g = result.generation
  const v = result.verification
  return {
    command: "generate",
    status: result.status,
    engine: engineDocument(engine),
    schema,
    changes: result.diff.changes.map(changeDocument),
    diff: result.diff.text,
    generator: g ? g.model : "builtin",
    attempts: g ? g.attempts : result.status === "nothing-to-generate" ? 0 : 1,
    tokens: g ? { input: g.inputTokens, output: g.outputTokens } : null,
    waitMillis: g ? g.waitMillis : null,
    modelSkipped: result.modelSkipped ?? null,
    notes: result.notes,
    renameCandidates: result.diff.renameCandidates.map(candidateDocument),
    verification: v
      ? {
          downChecked: v.downChecked,
          tablesChecked: v.tablesChecked,
          seeded: v.seed.seeded,
          skipped: v.seed.skipped,
          provenEmpty: v.seed.provenEmpty,
          hazards: (result.hazards ?? []).map(hazardDocument),
        }
      : null,
    findings: result.findings ?? [],
    written: result.status === "written",
    files: result.files.map((f) => ({ path: f.path, content: f.content })),
    phases,
    exitCode: 0,
  }
}

export const generate = defineCommand({
  meta: {
    name: "generate",
    description: "Write a verified migration that takes the migrations to schema.sql",
  },
  args: {
    ...projectArgs,
    ...generatorArgs,
    "dry-run": { type: "boolean", description: "Print the migration instead of writing it" },
    name: { type: "string", description: "Description used in the file name" },
  },
  run: (context) =>
    projectCommand(context, (config, { output, phases }) =>
      Effect.gen(function* () {
        const result = yield* generateMigration(config, {
          dryRun: context.args["dry-run"] === true,
          name: typeof context.args.name === "string" ? context.args.name : undefined,
        }).pipe(Effect.provideService(Questions, { ask: terminalQuestions(output) }))
        if (output.json) {
          output.document(generateDocument(result, config.schema, yield* Engine, phases))
          return 0
        }
        if (result.status === "nothing-to-generate") {
          output.out(`Nothing to generate: the migrations already build ${shownPath(config, config.schema)}.`)
          return 0
        }
        const c = output.color
        output.out(colorDiff(c, result.diff.text))
        output.out("")
        for (const note of result.notes) output.out(`note: ${note}`)
        const g = result.generation
        if (g) {
          output.out(
            `Written by ${g.model}: ${plural(g.attempts, "attempt")}, ${g.inputTokens} input and ${g.outputTokens} output tokens, ${(g.waitMillis / 1000).toFixed(1)} s waiting for the model.`,
          )
        } else if (result.modelSkipped) {
          output.out(
            `Written by the built-in planner; ${config.model} was not asked: ${result.modelSkipped}.`,
          )
        }
        const seeded = result.verification?.seed.seeded.length ?? 0
        const reached = `UP reaches ${shownPath(config, config.schema)}${result.down !== undefined ? ", DOWN restores the previous schema" : ""}`
        // With no table holding rows, nothing was kept: say the proof was on empty tables.
        output.out(
          seeded > 0
            ? `Verified on a fresh database with rows that fit both versions in ${plural(seeded, "table")}: ${reached}, and the rows are kept.`
            : `Verified on a fresh database with no sample rows in any table: ${reached}.`,
        )
        for (const empty of result.verification?.seed.provenEmpty ?? [])
          output.out(formatProvenEmpty(empty, result.verification?.hazards ?? []))
        for (const skipped of result.verification?.seed.skipped ?? []) {
          output.out(`note: no sample rows in ${skipped.table} (${skipped.reason})`)
        }
        for (const probed of result.hazards ?? []) output.out(formatHazard(probed, c))
        for (const finding of result.findings ?? []) output.out(formatFinding(finding, c))
        if (result.status === "dry-run") {
          // Each file under a `-- path` line, so the output is itself SQL that can be copied as is.
          for (const file of result.files)
            output.out(`\n${bold(c, `-- ${file.path}`)}\n${highlightSql(c, file.content.trimEnd())}`)
          output.out(
            `\n${dim(c, "Dry run: nothing was written.")} Run without --dry-run to write these files.`,
          )
        } else {
          for (const file of result.files) output.out(`Wrote ${bold(c, file.path)}`)
        }
        return 0
      }),
    ),
})
