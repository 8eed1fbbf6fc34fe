/**
 * init: start a project here: aim.toml, an empty schema.sql, the migrations folder. Refuses when
 * aim.toml exists; keeps a schema.sql that is already there.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { defineCommand } from "citty"
import { Effect } from "effect"
import { CONFIG_FILE, ConfigError } from "../config.ts"
import { findEngine } from "../engines/registry.ts"
import { engineChoices, unknownVersion } from "../engines/versions.ts"
import { formats } from "../formats/registry.ts"
import { makeOutput } from "./_output.ts"
import { reportFailures } from "./_run.ts"

class InitRefused extends Error {}

const tomlString = (value: string) => JSON.stringify(value)

export function renderConfig(options: {
  engine: string
  format: string
  model?: string | undefined
}): string {
  const lines = [
    "# aim: schema.sql is the schema you want; aim writes the migrations that get there.",
    `engine = ${tomlString(options.engine)}`,
    `format = ${tomlString(options.format)}`,
    `schema = "schema.sql"`,
    `migrations = "migrations"`,
  ]
  if (options.model) lines.push(`model = ${tomlString(options.model)}`)
  return `${lines.join("\n")}\n`
}

export const init = defineCommand({
  meta: { name: "init", description: "Create aim.toml, schema.sql and the migrations folder" },
  args: {
    dir: { type: "string", description: "Project folder", default: "." },
    // Checked in run rather than by citty, whose "(Required)" would read as part of the list.
    engine: { type: "string", description: `Database engine, required: ${engineChoices}` },
    format: {
      type: "string",
      description: `Migration format: ${Object.keys(formats).join(", ")}`,
      default: "migrate",
    },
    model: { type: "string", description: "Generator: builtin, or <provider>-<model>" },
    quiet: { type: "boolean", description: "Print nothing on success", alias: ["q"] },
    debug: { type: "boolean", description: "Show stack traces of internal errors" },
  },
  run: ({ args }) => {
    const output = makeOutput({ quiet: args.quiet === true })
    const program = Effect.try({
      try: () => {
        const root = resolve(args.dir)
        const file = join(root, CONFIG_FILE)
        if (args.engine === undefined)
          throw new ConfigError({ source: "--engine", reason: `required: one of ${engineChoices}` })
        if (!findEngine(args.engine)) {
          throw new ConfigError({
            source: "--engine",
            reason: `unknown engine "${args.engine}" (known: ${engineChoices})`,
          })
        }
        const version = unknownVersion(args.engine)
        if (version) throw new ConfigError({ source: "--engine", reason: version })
        if (!formats[args.format]) {
          throw new ConfigError({
            source: "--format",
            reason: `unknown format "${args.format}" (known: ${Object.keys(formats).join(", ")})`,
          })
        }
        if (existsSync(file))
          throw new InitRefused(`${CONFIG_FILE} already exists in ${root}; nothing was changed`)
        mkdirSync(root, { recursive: true })
        writeFileSync(file, renderConfig({ engine: args.engine, format: args.format, model: args.model }), {
          flag: "wx",
        })
        const schema = join(root, "schema.sql")
        const keptSchema = existsSync(schema)
        if (!keptSchema)
          writeFileSync(schema, "-- The schema you want. Edit it, then run `aim generate`.\n", { flag: "wx" })
        mkdirSync(join(root, "migrations"), { recursive: true })
        if (args.quiet !== true) {
          output.out(
            `Created ${CONFIG_FILE}${keptSchema ? " (kept the existing schema.sql)" : ", schema.sql"} and migrations/ in ${root}`,
          )
          output.out("Next: describe your tables in schema.sql, then run `aim generate`.")
        }
        return 0
      },
      catch: (error) => error,
    })
    return reportFailures(program, output, args.debug === true)
  },
})
