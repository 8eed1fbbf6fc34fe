import { describe, expect, test } from "bun:test"
import { FormatError, type NewMigration } from "../../formats/format.ts"
import { sqlx } from "../../formats/sqlx.ts"
import { failure, folder, ok } from "./_read.ts"

// As `sqlx migrate add` writes them: reversible pairs and simple files, timestamps.
const timestampFolder = folder({
  "20230101120000_create_users.up.sql":
    "-- Add up migration script here\nCREATE TABLE users (id BIGSERIAL PRIMARY KEY);\n",
  "20230101120000_create_users.down.sql": "-- Add down migration script here\nDROP TABLE users;\n",
  "20230215083000_users_email_index.sql":
    "-- no-transaction\nCREATE INDEX CONCURRENTLY users_email ON users (email);\n",
  "20230301000000_add_posts.up.sql": "CREATE TABLE posts (id BIGSERIAL PRIMARY KEY);\n",
  "20230301000000_add_posts.down.sql": "-- no-transaction\nDROP TABLE posts;\n",
  "20230401000000_not_marked.sql": " -- no-transaction\nSELECT 1;\n",
  "README.md": "# migrations\n",
  "schema.sql": "-- not a migration: no `_`\n",
  "20230501000000_notes.txt": "not sql\n",
  "archive/20220101000000_old.sql": "SELECT 1;\n",
})

// A sequential folder with mixed widths.
const sequentialFolder = folder({
  "1_init.sql": "CREATE TABLE a (id int);\n",
  "0002_second.up.sql": "CREATE TABLE b (id int);\n",
  "0002_second.down.sql": "DROP TABLE b;\n",
  "10_tenth.sql": "CREATE TABLE c (id int);\n",
})

describe("sqlx read", () => {
  test("reads reversible and simple migrations in version order", () => {
    const history = ok(sqlx.read(timestampFolder, "migrations/"))
    expect(history.map((m) => m.version)).toEqual([
      "20230101120000",
      "20230215083000",
      "20230301000000",
      "20230401000000",
    ])
    expect(history.map((m) => m.name)).toEqual([
      "create_users",
      "users_email_index",
      "add_posts",
      "not_marked",
    ])
    const [users, index] = history
    expect(users?.up).toBe(
      "-- Add up migration script here\nCREATE TABLE users (id BIGSERIAL PRIMARY KEY);\n",
    )
    expect(users?.down).toBe("-- Add down migration script here\nDROP TABLE users;\n")
    expect(users?.upPath).toBe("migrations/20230101120000_create_users.up.sql")
    expect(users?.downPath).toBe("migrations/20230101120000_create_users.down.sql")
    expect(index?.down).toBeUndefined()
    expect(index?.upPath).toBe("migrations/20230215083000_users_email_index.sql")
  })

  test("`-- no-transaction` as the very start of a file opts out of the transaction", () => {
    const history = ok(sqlx.read(timestampFolder, ""))
    expect(history.map((m) => m.transaction)).toEqual([true, false, false, true])
  })

  test("orders numerically across widths", () => {
    const history = ok(sqlx.read(sequentialFolder, ""))
    expect(history.map((m) => m.version)).toEqual(["1", "0002", "10"])
    expect(history.map((m) => m.down !== undefined)).toEqual([false, true, false])
  })

  test("a version mixing a simple and a reversible migration is refused", () => {
    const error = failure(
      sqlx.read(
        folder({ "1_a.up.sql": "SELECT 1;", "1_a.down.sql": "SELECT 2;", "0001_b.sql": "SELECT 3;" }),
        "m/",
      ),
    )
    expect(error._tag).toBe("FormatError")
    expect(error.format).toBe("sqlx")
    expect(error.file).toBe("m/0001_b.sql")
    expect(error.reason).toContain("mixes a simple and a reversible")
  })

  test("one version used twice is a clash", () => {
    const error = failure(sqlx.read(folder({ "1_a.sql": "SELECT 1;", "01_b.sql": "SELECT 2;" }), "m/"))
    expect(["m/1_a.sql", "m/01_b.sql"]).toContain(error.file)
    expect(error.reason).toContain("also used by")
  })

  test("a down without its up is refused", () => {
    const error = failure(sqlx.read(folder({ "1_a.down.sql": "SELECT 1;" }), "m/"))
    expect(error.file).toBe("m/1_a.down.sql")
    expect(error.reason).toContain("no up file")
  })

  test("a goose or dbmate file, whose down section sqlx would run after its up, is refused", () => {
    const goose = failure(
      sqlx.read(
        folder({
          "00001_init.sql": "-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n",
        }),
        "m/",
      ),
    )
    expect(goose.file).toBe("m/00001_init.sql")
    expect(goose.reason).toContain("goose's down section")
    expect(goose.reason).toContain("check format in aim.toml")
    const dbmate = failure(
      sqlx.read(
        folder({
          "20240101000000_init.sql":
            "-- migrate:up\nCREATE TABLE a (id int);\n\n-- migrate:down\nDROP TABLE a;\n",
        }),
        "m/",
      ),
    )
    expect(dbmate.reason).toContain("dbmate's down section")
    // A comment that only mentions the words is not a marker.
    ok(sqlx.read(folder({ "1_a.sql": "-- the goose down path is elsewhere\nSELECT 1;\n" }), "m/"))
  })

  test("a `.sql` file with an `_` but no integer version fails the folder, as in sqlx", () => {
    const error = failure(sqlx.read(folder({ "seed_data.sql": "INSERT INTO a VALUES (1);" }), "m/"))
    expect(error.file).toBe("m/seed_data.sql")
    expect(error.reason).toContain("not an integer")
    const tooBig = failure(sqlx.read(folder({ "99999999999999999999_x.sql": "SELECT 1;" }), ""))
    expect(tooBig.reason).toContain("not an integer")
  })
})

describe("sqlx nextVersion", () => {
  const now = new Date(Date.UTC(2024, 4, 6, 7, 8, 9))

  test("sequential folders count on at their widest width", () => {
    expect(sqlx.nextVersion(ok(sqlx.read(sequentialFolder, "")), now)).toBe("0011")
  })

  test("timestamp folders, and empty ones, take a timestamp", () => {
    expect(sqlx.nextVersion(ok(sqlx.read(timestampFolder, "")), now)).toBe("20240506070809")
    expect(sqlx.nextVersion([], now)).toBe("20240506070809")
  })
})

describe("sqlx render", () => {
  const base: NewMigration = {
    version: "20240102030405",
    description: "Add user email",
    up: "ALTER TABLE users ADD COLUMN email TEXT;",
    down: "ALTER TABLE users DROP COLUMN email;",
    createdAt: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
  }

  test("reversible when there is a down", () => {
    expect(sqlx.render(base, [])).toEqual([
      { path: "20240102030405_add_user_email.up.sql", content: "ALTER TABLE users ADD COLUMN email TEXT;\n" },
      { path: "20240102030405_add_user_email.down.sql", content: "ALTER TABLE users DROP COLUMN email;\n" },
    ])
  })

  test("simple without one", () => {
    expect(sqlx.render({ ...base, down: undefined }, [])).toEqual([
      { path: "20240102030405_add_user_email.sql", content: "ALTER TABLE users ADD COLUMN email TEXT;\n" },
    ])
  })

  test("starts with `-- no-transaction` when a statement cannot run in one", () => {
    const [file] = sqlx.render(
      { ...base, up: "CREATE INDEX CONCURRENTLY i ON users (email);", down: undefined },
      [],
    )
    expect(file?.content).toBe("-- no-transaction\nCREATE INDEX CONCURRENTLY i ON users (email);\n")
  })

  test("read(render(x)) gives x back, after the existing migrations", () => {
    const version = sqlx.nextVersion(ok(sqlx.read(timestampFolder, "")), base.createdAt)
    const files = sqlx.render({ ...base, version }, timestampFolder)
    for (const f of files) expect(timestampFolder.map((e) => e.path)).not.toContain(f.path)
    const history = ok(sqlx.read([...timestampFolder, ...files], ""))
    const m = history.at(-1)
    expect(m?.version).toBe(version)
    expect(m?.name).toBe("add_user_email")
    expect(m?.up).toBe(`${base.up}\n`)
    expect(m?.down).toBe(`${base.down}\n`)
    expect(m?.transaction).toBe(true)
  })
})
