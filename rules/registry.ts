/**
 * registry: the built-in validation rules, in the order `aim rules` lists them. Adding a rule is a
 * file in rules/ named by its id and one line here.
 */
import { addNotNullWithoutDefault } from "./add-not-null-without-default.ts"
import { destructiveDml } from "./destructive-dml.ts"
import { dropColumn } from "./drop-column.ts"
import { dropIndex } from "./drop-index.ts"
import { dropTable } from "./drop-table.ts"
import { narrowingTypeChange } from "./narrowing-type-change.ts"
import { removeEnumValue } from "./remove-enum-value.ts"
import type { BuiltinRule } from "./rule.ts"
import { unenforceableForeignKey } from "./unenforceable-foreign-key.ts"

/** The built-in validation rules, one per file in rules/ (file name = rule id). */
export const builtinRules: ReadonlyArray<BuiltinRule> = [
  dropTable,
  dropColumn,
  narrowingTypeChange,
  removeEnumValue,
  destructiveDml,
  addNotNullWithoutDefault,
  dropIndex,
  unenforceableForeignKey,
]

/** The ids of the built-in rules, as aim.toml spells them. */
export const builtinIds = builtinRules.map((r) => r.id)
