/**
 * _env: the environment a test points the real SDKs with, set for one test and put back after, and
 * the per-provider variables that aim the SDKs at the fake server, and the rename project the
 * generation tests start from. Holds nothing between tests.
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"

/** A key no real provider issued; the tests grep every output for it. */
export const FAKE_KEY = "sk-aimtest-5f0c1e2d9b8a7c6d"

/** Every variable a test may set, cleared first so the machine's own keys never leak in. */
const touched = [
  "ANTHROPIC_API_KEY",
  "ANTHROPIC_BASE_URL",
  "OPENAI_API_KEY",
  "OPENAI_BASE_URL",
  "GROQ_API_KEY",
  "GROQ_BASE_URL",
  "OLLAMA_HOST",
  "AWS_ENDPOINT_URL_BEDROCK_RUNTIME",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_REGION",
  "AWS_PROFILE",
  "AWS_EC2_METADATA_DISABLED",
  "XDG_CONFIG_HOME",
]

/** Set `vars` (after clearing the provider variables) and return a function that restores them. */
export function setEnv(vars: Record<string, string | undefined>): () => void {
  const saved = new Map(touched.concat(Object.keys(vars)).map((k) => [k, process.env[k]]))
  for (const k of touched) delete process.env[k]
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
  return () => {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
}

export interface ProviderCase {
  /** The model spec as aim.toml would hold it. */
  readonly spec: string
  readonly provider: string
  /** Variables that point the provider's SDK at the fake server at `url`. */
  readonly env: (url: string) => Record<string, string>
  /** The request header that carries the credential. */
  readonly authHeader: string
}

export const providerCases: ReadonlyArray<ProviderCase> = [
  {
    spec: "anthropic-claude-test",
    provider: "anthropic",
    env: (url) => ({ ANTHROPIC_BASE_URL: url, ANTHROPIC_API_KEY: FAKE_KEY }),
    authHeader: "x-api-key",
  },
  {
    spec: "openai-gpt-test",
    provider: "openai",
    env: (url) => ({ OPENAI_BASE_URL: `${url}/v1`, OPENAI_API_KEY: FAKE_KEY }),
    authHeader: "authorization",
  },
  {
    spec: "groq-llama-test",
    provider: "groq",
    env: (url) => ({ GROQ_BASE_URL: `${url}/openai/v1`, GROQ_API_KEY: FAKE_KEY }),
    authHeader: "authorization",
  },
  {
    spec: "bedrock-anthropic.claude-test-v1:0",
    provider: "bedrock",
    env: (url) => ({
      AWS_ENDPOINT_URL_BEDROCK_RUNTIME: url,
      AWS_ACCESS_KEY_ID: "AKIAAIMTESTFAKE",
      AWS_SECRET_ACCESS_KEY: FAKE_KEY,
      AWS_REGION: "us-east-1",
      AWS_EC2_METADATA_DISABLED: "true",
    }),
    authHeader: "authorization",
  },
]

/**
 * A SQLite project whose schema.sql renames users.name to full_name: the change the planner alone
 * turns into drop + add and a model should write as a rename.
 */
export function writeRenameProject(dir: string, toml: string): void {
  mkdirSync(join(dir, "migrations"), { recursive: true })
  const files: Record<string, string> = {
    "aim.toml": toml,
    "migrations/000001_users.up.sql": "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n",
    "migrations/000001_users.down.sql": "DROP TABLE users;\n",
    "schema.sql": "CREATE TABLE users (id INTEGER PRIMARY KEY, full_name TEXT NOT NULL);\n",
  }
  for (const [path, content] of Object.entries(files)) writeFileSync(join(dir, path), content)
}
