/**
 * resolve: aim.toml's [validation] table -> the RuleSet a run applies. Built-ins are on at level
 * "warning" unless `disabled`; a [[validation.rules]] entry with rule text is a custom rule judged
 * by the model (level "error" unless given), and may take the id of a disabled built-in; an entry
 * with a built-in's id, a level and no text moves that built-in to the level and keeps its exact
 * check. Every inconsistency is a ConfigError naming the entry, never a rule silently ignored.
 */
import { ConfigError, type CustomRule } from "../config.ts"
import type { FindingLevel } from "../model.ts"
import { builtinIds, builtinRules } from "./registry.ts"
import type { BuiltinRule } from "./rule.ts"

export interface ResolvedBuiltin {
  readonly rule: BuiltinRule
  readonly level: FindingLevel
}

export interface ResolvedCustom {
  readonly id: string
  /** The rule as the user wrote it, for the model. */
  readonly rule: string
  readonly level: FindingLevel
}

/** The rules a run applies: enabled built-ins with their levels, custom rules, and the disabled built-ins. */
export interface RuleSet {
  readonly builtins: ReadonlyArray<ResolvedBuiltin>
  readonly customs: ReadonlyArray<ResolvedCustom>
  /** Built-in ids switched off, for display. */
  readonly disabled: ReadonlyArray<string>
}

/** One line per enabled rule, as `aim rules --json` prints it. */
export interface RuleListing {
  readonly id: string
  readonly level: FindingLevel
  readonly source: "builtin" | "custom"
  readonly rule: string
}

const levels: ReadonlyArray<FindingLevel> = ["error", "warning"]

/** aim.toml's `[validation]` resolved into the rules a run applies, or a ConfigError naming the problem. */
export function resolveRules(
  validation: { readonly disabled: ReadonlyArray<string>; readonly rules: ReadonlyArray<CustomRule> },
  source = "aim.toml",
): RuleSet | ConfigError {
  const fail = (reason: string) => new ConfigError({ source, reason })
  for (const id of validation.disabled) {
    if (!builtinIds.includes(id))
      return fail(
        `[validation] disabled names unknown rule "${id}" (built-in rules: ${builtinIds.join(", ")})`,
      )
  }
  const disabled = new Set(validation.disabled)
  const levelOf = new Map<string, FindingLevel>()
  const customs: ResolvedCustom[] = []
  const taken = new Set<string>()
  for (const [i, entry] of validation.rules.entries()) {
    const where = `[[validation.rules]] entry ${i + 1}${entry.id ? ` (id "${entry.id}")` : ""}`
    const id = entry.id?.trim() ?? ""
    if (id === "") return fail(`${where}: "id" is empty; give the rule a name`)
    if (entry.level !== undefined && !levels.includes(entry.level as FindingLevel))
      return fail(`${where}: unknown level "${entry.level}" (levels: error, warning)`)
    const level = entry.level as FindingLevel | undefined
    if (taken.has(id)) return fail(`${where}: a rule with id "${id}" is already defined above`)
    taken.add(id)
    const text = entry.rule?.trim() ?? ""
    const builtin = builtinIds.includes(id)
    if (builtin && !disabled.has(id)) {
      if (text !== "")
        return fail(
          `${where}: "${id}" is a built-in rule; add it to [validation] disabled to replace it with a custom rule, or give only a level to change its level`,
        )
      if (level === undefined)
        return fail(`${where}: a built-in rule's entry needs a "level" (error or warning)`)
      levelOf.set(id, level)
      continue
    }
    if (text === "")
      return fail(
        `${where}: a custom rule needs "rule" text${builtin ? ` ("${id}" is disabled, so its entry is a custom rule)` : ""}`,
      )
    customs.push({ id, rule: text, level: level ?? "error" })
  }
  return {
    builtins: builtinRules
      .filter((r) => !disabled.has(r.id))
      .map((rule) => ({ rule, level: levelOf.get(rule.id) ?? "warning" })),
    customs,
    disabled: builtinIds.filter((id) => disabled.has(id)),
  }
}

/** The enabled rules with their resolved levels: built-ins first, in registry order, then custom rules. */
export function listRules(set: RuleSet): RuleListing[] {
  return [
    ...set.builtins.map((b) => ({
      id: b.rule.id,
      level: b.level,
      source: "builtin" as const,
      rule: b.rule.description,
    })),
    ...set.customs.map((c) => ({ id: c.id, level: c.level, source: "custom" as const, rule: c.rule })),
  ]
}
