import { afterEach, beforeEach, expect, test } from "bun:test"
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import { credentialsPath, resolveKey, storeKey } from "../../llm/credentials.ts"
import { makeTemp, removeTemp } from "../e2e/_cli.ts"
import { setEnv } from "./_env.ts"

let dir: string
let restore: () => void

beforeEach(() => {
  dir = makeTemp("aim-creds-")
  restore = setEnv({ XDG_CONFIG_HOME: dir })
})
afterEach(() => {
  restore()
  removeTemp(dir)
})

test("the file lives under XDG_CONFIG_HOME, else ~/.config", () => {
  expect(credentialsPath({ XDG_CONFIG_HOME: "/x" })).toBe("/x/aim/credentials.toml")
  expect(credentialsPath({ HOME: "/home/u" })).toBe("/home/u/.config/aim/credentials.toml")
})

test("storing keeps other providers' keys, writes 0600 atomically and leaves no temp file", async () => {
  await Effect.runPromise(storeKey("openai", "sk-one"))
  const path = await Effect.runPromise(storeKey("groq", 'gsk-"two"\\'))
  expect(path).toBe(join(dir, "aim", "credentials.toml"))
  expect(statSync(path).mode & 0o777).toBe(0o600)
  expect(readdirSync(join(dir, "aim"))).toEqual(["credentials.toml"])
  expect(await Effect.runPromise(resolveKey("openai", "OPENAI_API_KEY"))).toBe("sk-one")
  expect(await Effect.runPromise(resolveKey("groq", "GROQ_API_KEY"))).toBe('gsk-"two"\\')
  await Effect.runPromise(storeKey("openai", "sk-three"))
  expect(await Effect.runPromise(resolveKey("openai", "OPENAI_API_KEY"))).toBe("sk-three")
  expect(readFileSync(path, "utf8")).not.toContain("sk-one")
})

test("the environment variable comes first", async () => {
  await Effect.runPromise(storeKey("openai", "sk-stored"))
  process.env.OPENAI_API_KEY = "sk-env"
  expect(await Effect.runPromise(resolveKey("openai", "OPENAI_API_KEY"))).toBe("sk-env")
})

test("no key anywhere: MissingApiKey names the variable and aim auth", async () => {
  const result = await Effect.runPromise(Effect.result(resolveKey("groq", "GROQ_API_KEY")))
  expect(result._tag).toBe("Failure")
  if (result._tag !== "Failure") return
  expect(result.failure._tag).toBe("MissingApiKey")
  expect(result.failure.message).toContain("GROQ_API_KEY")
  expect(result.failure.message).toContain("aim auth groq")
})

test("a broken credentials file is an error that does not quote its content", async () => {
  const path = await Effect.runPromise(storeKey("openai", "sk-x"))
  await Bun.write(path, 'openai = { api_key = "sk-secret-broken\n')
  const result = await Effect.runPromise(Effect.result(resolveKey("openai", "OPENAI_API_KEY")))
  expect(result._tag).toBe("Failure")
  if (result._tag !== "Failure") return
  expect(result.failure._tag).toBe("CredentialsError")
  expect(result.failure.message).not.toContain("sk-secret-broken")
})
