/**
 * credentials: where a provider's API key comes from. The environment variable wins; otherwise the
 * key `aim auth` stored in the user's config folder ($XDG_CONFIG_HOME/aim/credentials.toml, else
 * ~/.config/aim/credentials.toml), a file only its owner can read (0600, folder 0700), replaced
 * atomically by rename so a crash never leaves half a file. No error here ever carries a key.
 * Resources: none held; each call opens and closes the file.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { homedir } from "node:os"
import { dirname, join } from "node:path"
import { parseTOML } from "confbox"
import { Effect, Schema as S } from "effect"

/** A provider needs an API key and none is set, naming the variable to set (or `aim auth <provider>`). */
export class MissingApiKey extends S.TaggedError<MissingApiKey>()("MissingApiKey", {
  provider: S.String,
  variable: S.String,
}) {
  override get message() {
    return `No API key for ${this.provider}: set ${this.variable}, or run \`aim auth ${this.provider}\` to store one.`
  }
}

/** The credentials file cannot be read or written, naming the path. */
export class CredentialsError extends S.TaggedError<CredentialsError>()("CredentialsError", {
  path: S.String,
  reason: S.String,
}) {
  override get message() {
    return `Cannot use the credentials file ${this.path}: ${this.reason}`
  }
}

/** Where stored keys live; tests point it at a temp folder. */
export interface Credentials {
  readonly path: string
}

export function credentialsPath(env: Record<string, string | undefined> = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config")
  return join(base, "aim", "credentials.toml")
}

const defaultCredentials = (): Credentials => ({ path: credentialsPath() })

// Only the error's kind is kept: a parser's message can quote the line it choked on, which holds a key.
const describe = (error: unknown) =>
  (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.name : "unreadable")

function readKeys(path: string): Record<string, string> | CredentialsError {
  if (!existsSync(path)) return {}
  try {
    const data = parseTOML(readFileSync(path, "utf8")) as Record<string, unknown>
    const keys: Record<string, string> = {}
    for (const [provider, entry] of Object.entries(data)) {
      const key = (entry as { api_key?: unknown } | undefined)?.api_key
      if (typeof key === "string") keys[provider] = key
    }
    return keys
  } catch (error) {
    return new CredentialsError({ path, reason: `not valid TOML (${describe(error)})` })
  }
}

/** The stored key for `provider`, if any. */
export const storedKey = (provider: string, credentials: Credentials = defaultCredentials()) =>
  Effect.suspend(() => {
    const keys = readKeys(credentials.path)
    return keys instanceof CredentialsError ? Effect.fail(keys) : Effect.succeed(keys[provider])
  })

/** The key for `provider`: `variable` from the environment first, then the stored one. */
export const resolveKey = (provider: string, variable: string, credentials?: Credentials) =>
  Effect.gen(function* () {
    const fromEnv = process.env[variable]
    if (fromEnv) return fromEnv
    const stored = yield* storedKey(provider, credentials)
    if (stored) return stored
    return yield* new MissingApiKey({ provider, variable })
  })

const renderKeys = (keys: Record<string, string>) =>
  [
    "# API keys stored by `aim auth`. Private to you (mode 0600); an environment variable wins over these.",
    ...Object.entries(keys)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([provider, key]) => `\n[${JSON.stringify(provider)}]\napi_key = ${JSON.stringify(key)}`),
  ].join("\n") + "\n"

/** Store `key` for `provider`, keeping the other providers' keys; returns the file's path. */
export const storeKey = (provider: string, key: string, credentials: Credentials = defaultCredentials()) =>
  Effect.suspend(() => {
    const { path } = credentials
    const keys = readKeys(path)
    if (keys instanceof CredentialsError) return Effect.fail(keys)
    keys[provider] = key
    const temp = `${path}.${process.pid}.tmp`
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
      writeFileSync(temp, renderKeys(keys), { mode: 0o600, flag: "wx" })
      chmodSync(temp, 0o600)
      renameSync(temp, path)
      return Effect.succeed(path)
    } catch (error) {
      rmSync(temp, { force: true })
      return Effect.fail(new CredentialsError({ path, reason: `cannot write it (${describe(error)})` }))
    }
  })
