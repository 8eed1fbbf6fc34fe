/**
 * destructive-dml: the UP script empties or rewrites a whole table: TRUNCATE (CASCADE empties the
 * referencing tables too), DELETE or UPDATE without WHERE. Decided from each statement's parse tree
 * in the engine's grammar (_parse.ts), where DML inside a CTE or a DO block counts and DML inside a
 * trigger or rule body (which runs later) does not. A statement the grammar rejects is checked by
 * tokens, which can only err towards flagging, and the finding says so. A table emptied only while
 * it is rebuilt (its rows parked in a temp table before and copied back from there after, as
 * SQLite's rebuild does) loses nothing and is not flagged.
 */
import { parkedWhileRebuilt } from "./_ddl.ts"
import { type BuiltinRule, finding } from "./rule.ts"

export const destructiveDml: BuiltinRule = {
  id: "destructive-dml",
  description: "TRUNCATE, or DELETE or UPDATE without WHERE, in the migration.",
  check: ({ up }) =>
    up.flatMap((s, index) =>
      s.dml.flatMap((dml) => {
        if (dml.kind !== "truncate" && dml.filtered) return []
        if (dml.kind === "delete" && parkedWhileRebuilt(up, index, dml.table)) return []
        const what =
          dml.kind === "truncate"
            ? `TRUNCATE empties ${dml.table || "the table"}${dml.cascade ? " and, with CASCADE, every table that references it" : ""}`
            : `${dml.kind.toUpperCase()} without WHERE ${dml.kind === "delete" ? "removes every row of" : "rewrites every row of"} ${dml.table || "the table"}`
        const how =
          dml.checkedBy === "tokens"
            ? ` (checked by tokens: the statement did not parse${s.unparsed ? `: ${s.unparsed}` : ""}; this check may flag a filtered statement, never miss one)`
            : ""
        return [finding("destructive-dml", `${what}.${how}`, s)]
      }),
    ),
}
