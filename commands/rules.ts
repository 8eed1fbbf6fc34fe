/**
 * rules: list the validation rules a run applies, as aim.toml resolves them: the built-ins minus
 * `disabled`, then the custom rules, each with its level. `--json` prints them as a JSON list of
 * { id, level, source, rule } for tools (a failure, too, is then a JSON error document). Needs no
 * engine and no model.
 */
import { defineCommand } from "citty"
import { Effect } from "effect"
import { ConfigError, loadConfig } from "../config.ts"
import { listRules, resolveRules } from "../rules/resolve.ts"
import { makeOutput } from "./_output.ts"
import { cliLookup, reportFailures } from "./_run.ts"

export const rules = defineCommand({
  meta: { name: "rules", description: "List the enabled validation rules and their levels" },
  args: {
    dir: {
      type: "string",
      description: "Where to look for aim.toml: this folder, then each parent",
      default: ".",
    },
    json: { type: "boolean", description: "Print a JSON list of { id, level, source, rule }" },
    debug: { type: "boolean", description: "Show stack traces of internal errors" },
  },
  run: ({ args }) => {
    const output = makeOutput({ quiet: true, json: args.json === true })
    const program = Effect.gen(function* () {
      const config = yield* loadConfig(String(args.dir ?? "."), { engine: undefined }, true, cliLookup)
      const set = resolveRules(config.validation, config.file ?? "aim.toml")
      if (set instanceof ConfigError) return yield* set
      const listed = listRules(set)
      if (args.json === true) {
        output.out(JSON.stringify(listed, null, 2))
        return 0
      }
      const width = Math.max(...listed.map((r) => r.id.length), 2)
      for (const r of listed)
        output.out(`${r.id.padEnd(width)}  ${r.level.padEnd(7)}  ${r.source.padEnd(7)}  ${r.rule}`)
      if (listed.length === 0) output.out("No rules are enabled.")
      if (set.disabled.length > 0) output.out(`\nDisabled built-ins: ${set.disabled.join(", ")}`)
      return 0
    })
    return reportFailures(program, output, args.debug === true)
  },
})
