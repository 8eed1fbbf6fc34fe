import { describe, expect, test } from "bun:test"
import { ConfigError } from "../../config.ts"
import { builtinIds } from "../../rules/registry.ts"
import { listRules, resolveRules, type RuleSet } from "../../rules/resolve.ts"

const resolve = (disabled: string[], rules: Array<{ id: string; rule?: string; level?: string }>) =>
  resolveRules({ disabled, rules }, "aim.toml")

const ok = (r: RuleSet | ConfigError): RuleSet => {
  if (r instanceof ConfigError) throw new Error(r.message)
  return r
}

describe("resolveRules", () => {
  test("by default every built-in is on at warning", () => {
    const set = ok(resolve([], []))
    expect(set.builtins.map((b) => [b.rule.id, b.level])).toEqual(builtinIds.map((id) => [id, "warning"]))
    expect(builtinIds).toEqual([
      "drop-table",
      "drop-column",
      "narrowing-type-change",
      "remove-enum-value",
      "destructive-dml",
      "add-not-null-without-default",
      "drop-index",
      "unenforceable-foreign-key",
    ])
  })
  test("disabled, a level override, a custom rule (default error), a custom rule on a disabled built-in's id", () => {
    const set = ok(
      resolve(
        ["drop-index", "destructive-dml"],
        [
          { id: "drop-table", level: "error" },
          { id: "no-blobs", rule: "Never add BLOB columns" },
          {
            id: "destructive-dml",
            rule: "Data changes must be limited to the rows they fix",
            level: "warning",
          },
        ],
      ),
    )
    expect(listRules(set).map((r) => [r.id, r.level, r.source])).toEqual([
      ["drop-table", "error", "builtin"],
      ["drop-column", "warning", "builtin"],
      ["narrowing-type-change", "warning", "builtin"],
      ["remove-enum-value", "warning", "builtin"],
      ["add-not-null-without-default", "warning", "builtin"],
      ["unenforceable-foreign-key", "warning", "builtin"],
      ["no-blobs", "error", "custom"],
      ["destructive-dml", "warning", "custom"],
    ])
    expect(set.disabled).toEqual(["destructive-dml", "drop-index"])
  })
  const errors: Array<[string, string[], Array<{ id: string; rule?: string; level?: string }>, RegExp]> = [
    [
      "an unknown disabled id names the known ones",
      ["drop-tables"],
      [],
      /unknown rule "drop-tables".*drop-table, drop-column/,
    ],
    ["an empty id", [], [{ id: " ", rule: "x" }], /entry 1.*"id" is empty/],
    ["a custom rule without text", [], [{ id: "mine" }], /entry 1 \(id "mine"\).*needs "rule" text/],
    [
      "a disabled built-in's id without text",
      ["drop-table"],
      [{ id: "drop-table", level: "error" }],
      /needs "rule" text/,
    ],
    ["an unknown level", [], [{ id: "mine", rule: "x", level: "fatal" }], /unknown level "fatal"/],
    [
      "text on an active built-in's id",
      [],
      [{ id: "drop-table", rule: "x" }],
      /built-in rule; add it to \[validation\] disabled/,
    ],
    ["a built-in entry with neither text nor level", [], [{ id: "drop-table" }], /needs a "level"/],
    [
      "two entries with one id",
      [],
      [
        { id: "a", rule: "x" },
        { id: "a", rule: "y" },
      ],
      /entry 2 \(id "a"\).*already defined/,
    ],
  ]
  for (const [what, disabled, rules, reason] of errors)
    test(`${what} is a ConfigError`, () => {
      const r = resolve(disabled, rules)
      expect(r).toBeInstanceOf(ConfigError)
      expect((r as ConfigError)._tag).toBe("ConfigError")
      expect((r as ConfigError).reason).toMatch(reason)
    })
})
