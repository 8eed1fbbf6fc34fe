import { describe, expect, test } from "bun:test"
import { Effect } from "effect"
import type { Config } from "../../config.ts"
import { formats } from "../../formats/registry.ts"
import { readHistory } from "../../project/read.ts"

const config = { migrations: "migrations" } as Config
const migrateFiles = [
  { path: "000001_users.up.sql", content: "CREATE TABLE users (id INT);" },
  { path: "000001_users.down.sql", content: "DROP TABLE users;" },
]

describe("readHistory", () => {
  test("a folder of SQL files that the configured format reads none of is refused, naming a file", async () => {
    const flyway = formats.flyway
    if (!flyway) throw new Error("flyway format missing")
    const error = await Effect.runPromise(readHistory(config, flyway, migrateFiles).pipe(Effect.flip))
    expect(error._tag).toBe("FormatError")
    expect(error).toMatchObject({ format: "flyway", file: "migrations/000001_users.up.sql" })
  })

  test("the right format reads the same folder; an empty folder is an empty history", async () => {
    const migrate = formats.migrate
    if (!migrate) throw new Error("migrate format missing")
    expect(await Effect.runPromise(readHistory(config, migrate, migrateFiles))).toHaveLength(1)
    expect(await Effect.runPromise(readHistory(config, migrate, []))).toEqual([])
  })
})
