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

  test("goose and dbmate, reading a folder written for migrate, say which format reads it", async () => {
    for (const id of ["goose", "dbmate"]) {
      const format = formats[id]
      if (!format) throw new Error(`${id} format missing`)
      const error = await Effect.runPromise(readHistory(config, format, migrateFiles).pipe(Effect.flip))
      expect(error).toMatchObject({ _tag: "FormatError", format: id })
      expect(error.reason).toContain("is also used by")
      expect(error.reason).toContain(
        "the folder reads as migrate or sqlx migrations: check format in aim.toml",
      )
    }
  })

  test("an error no other format explains gets no hint", async () => {
    const goose = formats.goose
    if (!goose) throw new Error("goose format missing")
    const files = [
      { path: "00001_users.sql", content: "-- +goose Up\nCREATE TABLE users (id INT);\n" },
      { path: "00001_again.sql", content: "-- +goose Up\nCREATE TABLE again (id INT);\n" },
    ]
    const error = await Effect.runPromise(readHistory(config, goose, files).pipe(Effect.flip))
    expect(error.message).toContain("version 00001 is also used by")
    expect(error.message).not.toContain("check format")
  })

  test("the hint names the format a folder the configured one reads none of is written in", async () => {
    const flyway = formats.flyway
    if (!flyway) throw new Error("flyway format missing")
    const error = await Effect.runPromise(readHistory(config, flyway, migrateFiles).pipe(Effect.flip))
    expect(error.message).toContain("(they read as migrate or sqlx migrations); check format in aim.toml")
  })
})
