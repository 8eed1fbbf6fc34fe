/**
 * registry: format ids as written in aim.toml, mapped to their implementation. Adding a format is
 * one file in formats/ and one line here.
 */
import { dbmate } from "./dbmate.ts"
import { flyway } from "./flyway.ts"
import type { FormatShape } from "./format.ts"
import { goose } from "./goose.ts"
import { migrate } from "./migrate.ts"
import { refinery } from "./refinery.ts"
import { sqitch } from "./sqitch.ts"
import { sqlx } from "./sqlx.ts"

/**
 * The built-in formats by the name aim.toml uses (`migrate`, `goose`, `flyway`, `sqitch`, `sqlx`, `dbmate`,
 * `refinery`).
 */
export const formats: Readonly<Record<string, FormatShape>> = {
  migrate,
  goose,
  flyway,
  sqitch,
  sqlx,
  dbmate,
  refinery,
}
