/**
 * registry: a parsed model spec to the Provider layer that serves it. Anthropic and Bedrock have
 * their own SDKs; every other provider speaks the OpenAI protocol. Adding an OpenAI-compatible
 * provider is one row in openai-compatible.ts; adding a protocol is a file here and one branch.
 */
import type { Layer } from "effect"
import * as anthropic from "./anthropic.ts"
import * as bedrock from "./bedrock.ts"
import type { Credentials, CredentialsError, MissingApiKey } from "./credentials.ts"
import { compatibleProviders, layer as compatibleLayer } from "./openai-compatible.ts"
import type { ModelSpec } from "./model-spec.ts"
import type { Provider } from "./provider.ts"

export interface ProviderOptions {
  /** Seconds to wait for one answer before it counts as a (retryable) timeout. */
  readonly timeoutSeconds: number
  readonly credentials?: Credentials | undefined
}

/** The variable that holds `provider`'s key; undefined when it takes none (ollama) or uses AWS's chain. */
export function keyVariableOf(provider: string): string | undefined {
  if (provider === "anthropic") return anthropic.KEY_VARIABLE
  return compatibleProviders[provider]?.keyVariable
}

/**
 * The Provider layer for a `<provider>-<model>` spec, with its key resolved from the environment or `aim
 * auth`.
 */
export function providerLayer(
  spec: Extract<ModelSpec, { kind: "llm" }>,
  options: ProviderOptions,
): Layer.Layer<Provider, MissingApiKey | CredentialsError> {
  const { provider, model } = spec
  if (provider === "anthropic") return anthropic.layer({ model, ...options })
  if (provider === "bedrock") return bedrock.layer({ model, timeoutSeconds: options.timeoutSeconds })
  return compatibleLayer({ provider, model, ...options })
}
