/**
 * auth: store a provider's API key for later runs. The provider comes from the argument or from
 * `model` in aim.toml. The key is read without echo from a terminal, or from standard input when it
 * is piped, and stored by llm/credentials.ts (0600, written atomically). The key is never printed,
 * not even in an error. Resources: the terminal is in raw mode only while the key is typed.
 */
import { defineCommand } from "citty"
import { Effect, Schema as S } from "effect"
import { ConfigError, loadConfig } from "../config.ts"
import { storeKey } from "../llm/credentials.ts"
import { knownProviders, parseModelSpec } from "../llm/model-spec.ts"
import { keyVariableOf } from "../llm/registry.ts"
import { makeOutput } from "./_output.ts"
import { cliLookup, reportFailures } from "./_run.ts"

class NoKeyGiven extends S.TaggedError<NoKeyGiven>()("NoKeyGiven", { provider: S.String }) {
  override get message() {
    return `No key was given for ${this.provider}; nothing was stored.`
  }
}

class Cancelled extends Error {}

/** Type the key on a terminal: raw mode so nothing echoes; Enter ends, Ctrl-C cancels, Backspace works. */
function readHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin
    let key = ""
    const finish = (error?: Error) => {
      stdin.off("data", onData)
      stdin.setRawMode(false)
      stdin.pause()
      process.stderr.write("\n")
      if (error) reject(error)
      else resolve(key)
    }
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n" || ch === "\u0004") return finish()
        if (ch === "\u0003") return finish(new Cancelled())
        if (ch === "\u007f" || ch === "\b") key = key.slice(0, -1)
        else if (ch >= " ") key += ch
      }
    }
    // Echo off before the prompt shows, so a key typed the moment it appears is not echoed.
    stdin.setEncoding("utf8")
    stdin.setRawMode(true)
    stdin.on("data", onData)
    stdin.resume()
    process.stderr.write(prompt)
  })
}

/** A piped key: the first non-empty line, so `echo KEY |` and a file with a trailing newline both work. */
async function readPiped(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk))
  const text = Buffer.concat(chunks).toString("utf8")
  return (
    text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .find((l) => l !== "") ?? ""
  )
}

const providerFromConfig = (dir: string) =>
  Effect.gen(function* () {
    const config = yield* loadConfig(dir, {}, true, cliLookup).pipe(
      Effect.catchTag("ConfigError", () =>
        Effect.fail(
          new ConfigError({
            source: "auth",
            reason: `name the provider, e.g. \`aim auth anthropic\` (one of ${knownProviders.join(", ")})`,
          }),
        ),
      ),
    )
    const spec = config.model === undefined ? undefined : parseModelSpec(config.model)
    if (spec === undefined || typeof spec === "string" || spec.kind === "builtin") {
      return yield* new ConfigError({
        source: config.file ?? "aim.toml",
        reason: `no model names a provider here; run \`aim auth <provider>\` (one of ${knownProviders.join(", ")})`,
      })
    }
    return spec.provider
  })

export const auth = defineCommand({
  meta: { name: "auth", description: "Store an API key for a model provider (typed without echo, or piped)" },
  args: {
    provider: {
      type: "positional",
      description: "anthropic, openai, groq, ... (default: the provider of `model` in aim.toml)",
      required: false,
    },
    dir: {
      type: "string",
      description: "Where to look for aim.toml: this folder, then each parent",
      default: ".",
    },
    quiet: { type: "boolean", description: "Print nothing on success", alias: ["q"] },
    debug: { type: "boolean", description: "Show stack traces of internal errors" },
  },
  run: ({ args }) => {
    const output = makeOutput({ quiet: args.quiet === true })
    const program = Effect.gen(function* () {
      const provider =
        typeof args.provider === "string" && args.provider !== ""
          ? args.provider
          : yield* providerFromConfig(String(args.dir ?? "."))
      if (!knownProviders.includes(provider)) {
        return yield* new ConfigError({
          source: "auth",
          reason: `unknown provider "${provider}" (known: ${knownProviders.join(", ")})`,
        })
      }
      const variable = keyVariableOf(provider)
      if (variable === undefined) {
        const why =
          provider === "bedrock"
            ? "bedrock uses the standard AWS credential chain (AWS_PROFILE, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, SSO)"
            : `${provider} takes no API key`
        return yield* new ConfigError({ source: "auth", reason: `${why}; there is nothing to store` })
      }
      const key = yield* Effect.tryPromise({
        try: () =>
          process.stdin.isTTY ? readHidden(`API key for ${provider} (input hidden): `) : readPiped(),
        catch: (error) => error,
      }).pipe(
        Effect.catchIf(
          (e) => e instanceof Cancelled,
          () => Effect.interrupt,
        ),
      )
      if (key.trim() === "") return yield* new NoKeyGiven({ provider })
      const path = yield* storeKey(provider, key.trim())
      if (args.quiet !== true) {
        output.out(`Stored the ${provider} key in ${path} (readable only by you).`)
        if (process.env[variable])
          output.out(`Note: ${variable} is set and takes precedence over the stored key.`)
      }
      return 0
    })
    return reportFailures(program, output, args.debug === true)
  },
})
