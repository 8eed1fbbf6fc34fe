/**
 * model-spec: what `model = "..."` names. `builtin` is the engine's planner; anything else is
 * `<provider>-<model>`, matched against the known providers longest first, so the model part keeps
 * its own dashes and slashes (`openrouter-meta-llama/llama-3-70b`, `bedrock-anthropic.claude-v2`).
 * Pure; no resources.
 */
import { compatibleProviders } from "./openai-compatible.ts"

/** The `model` setting decoded: the built-in planner, or a provider and a model. */
export type ModelSpec =
  | { readonly kind: "builtin" }
  | { readonly kind: "llm"; readonly provider: string; readonly model: string; readonly spec: string }

/** Every provider aim can talk to. */
export const knownProviders: ReadonlyArray<string> = [
  "anthropic",
  "bedrock",
  ...Object.keys(compatibleProviders),
]

/** The parsed spec, or a sentence saying what is wrong with it. */
export function parseModelSpec(spec: string): ModelSpec | string {
  if (spec === "builtin") return { kind: "builtin" }
  const byLength = [...knownProviders].sort((a, b) => b.length - a.length)
  const provider = byLength.find((p) => spec.startsWith(`${p}-`))
  if (!provider) {
    return `unknown model "${spec}": write builtin or <provider>-<model>, with provider one of ${knownProviders.join(", ")}`
  }
  const model = spec.slice(provider.length + 1)
  if (model.trim() === "")
    return `model "${spec}" names the provider ${provider} but no model after "${provider}-"`
  return { kind: "llm", provider, model, spec }
}
