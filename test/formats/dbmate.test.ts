import { describe, expect, test } from "bun:test"
import { dbmate, directiveOptions } from "../../formats/dbmate.ts"
import { FormatError, type NewMigration } from "../../formats/format.ts"
import { failure, folder, ok } from "./_read.ts"

const sqlLines = (text: string | undefined) => (text ?? "").split("\n").filter((l) => l.trim() !== "")

const createUsers = `-- Users of the application.
-- migrate:up
create table users (
  id integer,
  name varchar(255),
  email varchar(255) not null
);

-- migrate:down
drop table users;
`

const realFolder = folder({
  "20151129054053_create_users.sql": createUsers,
  "20151130093000_users_email_index.sql": `-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY users_email ON users (email);

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY users_email;
`,
  "20151201000000_add_enum_value.sql": `--migrate:up
ALTER TYPE mood ADD VALUE 'meh';
--migrate:down
`,
  "20151202000000_two_sections.sql": `-- migrate:up
CREATE TABLE a (id int);
-- migrate:down
DROP TABLE a;

-- migrate:up transaction:false
VACUUM;
-- migrate:down
SELECT 1;
`,
  "README.md": "# migrations\n",
  "schema.sql": "-- dbmate's dump lives elsewhere; no leading digits here\n",
  "nested/20151203000000_ignored.sql": "-- migrate:up\nSELECT 1;\n-- migrate:down\n",
})

describe("dbmate read", () => {
  test("reads the folder in file-name order, ignoring non-migrations", () => {
    const history = ok(dbmate.read(realFolder, "db/migrations/"))
    expect(history.map((m) => m.version)).toEqual([
      "20151129054053",
      "20151130093000",
      "20151201000000",
      "20151202000000",
    ])
    expect(history.map((m) => m.name)).toEqual([
      "create_users",
      "users_email_index",
      "add_enum_value",
      "two_sections",
    ])
    expect(history[0]?.upPath).toBe("db/migrations/20151129054053_create_users.sql")
  })

  test("keeps each direction's SQL at its line in the file", () => {
    const [users] = ok(dbmate.read(realFolder, ""))
    expect(sqlLines(users?.up)).toEqual([
      "create table users (",
      "  id integer,",
      "  name varchar(255),",
      "  email varchar(255) not null",
      ");",
    ])
    expect(users?.up.split("\n")[2]).toBe("create table users (")
    expect(sqlLines(users?.down)).toEqual(["drop table users;"])
    expect(users?.down?.split("\n")[9]).toBe("drop table users;")
  })

  test("transaction:false options are read; an empty down block is no down", () => {
    const history = ok(dbmate.read(realFolder, ""))
    expect(history.map((m) => m.transaction)).toEqual([true, false, true, false])
    expect(history[2]?.down).toBeUndefined()
    expect(history[2]?.downPath).toBeUndefined()
    expect(sqlLines(history[3]?.up)).toEqual(["CREATE TABLE a (id int);", "VACUUM;"])
    expect(sqlLines(history[3]?.down)).toEqual(["DROP TABLE a;", "SELECT 1;"])
    expect(directiveOptions("-- migrate:up transaction:false foo:bar broken")).toEqual({
      transaction: "false",
      foo: "bar",
    })
  })

  test("versions are strings and order is by file name, as dbmate sorts them", () => {
    const history = ok(
      dbmate.read(
        folder({
          "1_a.sql": "-- migrate:up\nSELECT 1;\n-- migrate:down\n",
          "2_b.sql": "-- migrate:up\nSELECT 2;\n-- migrate:down\n",
          "10_c.sql": "-- migrate:up\nSELECT 10;\n-- migrate:down\n",
          "01_d.sql": "-- migrate:up\nSELECT 1;\n-- migrate:down\n",
        }),
        "",
      ),
    )
    expect(history.map((m) => m.version)).toEqual(["01", "10", "1", "2"])
  })

  test("a file without `-- migrate:up` is an error naming the file", () => {
    const error = failure(
      dbmate.read(folder({ "20200101000000_x.sql": "create table x (id int);\n" }), "db/"),
    )
    expect(error._tag).toBe("FormatError")
    expect(error.format).toBe("dbmate")
    expect(error.file).toBe("db/20200101000000_x.sql")
    expect(error.reason).toContain("-- migrate:up")
  })

  test("dbmate's other parse errors name the file", () => {
    const cases: Record<string, [string, string]> = {
      "no down": ["-- migrate:up\nSELECT 1;\n", "-- migrate:down"],
      "SQL before up": ["SELECT 0;\n-- migrate:up\nSELECT 1;\n-- migrate:down\n", "before"],
      "down before up": ["-- migrate:down\nSELECT 0;\n-- migrate:up\nSELECT 1;\n", "before"],
      "two downs": [
        "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n-- migrate:down\nSELECT 3;\n",
        "more than one",
      ],
      "section without down": [
        "-- migrate:up\nSELECT 1;\n-- migrate:up\nSELECT 2;\n-- migrate:down\n",
        "-- migrate:down",
      ],
    }
    for (const [what, [content, reason]] of Object.entries(cases)) {
      const error = failure(dbmate.read(folder({ "7_broken.sql": content }), "db/"))
      expect(error.file, what).toBe("db/7_broken.sql")
      expect(error.reason, what).toContain(reason)
    }
  })

  test("one version used twice is a clash", () => {
    const error = failure(
      dbmate.read(
        folder({
          "20200101000000_a.sql": "-- migrate:up\n-- migrate:down\n",
          "20200101000000_b.sql": "-- migrate:up\n-- migrate:down\n",
        }),
        "db/",
      ),
    )
    expect(error.file).toBe("db/20200101000000_b.sql")
    expect(error.reason).toContain("also used by 20200101000000_a.sql")
  })
})

describe("dbmate nextVersion", () => {
  const now = new Date(Date.UTC(2024, 4, 6, 7, 8, 9))

  test("timestamps, as dbmate new writes them, also for an empty folder", () => {
    expect(dbmate.nextVersion(ok(dbmate.read(realFolder, "")), now)).toBe("20240506070809")
    expect(dbmate.nextVersion([], now)).toBe("20240506070809")
  })

  test("a counting folder counts on at its width", () => {
    const history = ["001", "002"].map((version) => ({
      version,
      name: "x",
      up: "",
      upPath: "",
      transaction: true,
    }))
    expect(dbmate.nextVersion(history, now)).toBe("003")
  })
})

describe("dbmate render", () => {
  const base: NewMigration = {
    version: "20240102030405",
    description: "Add user email",
    up: "ALTER TABLE users ADD COLUMN email TEXT;",
    down: "ALTER TABLE users DROP COLUMN email;",
    createdAt: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
  }

  test("writes both directives", () => {
    expect(dbmate.render(base, [])).toEqual([
      {
        path: "20240102030405_add_user_email.sql",
        content:
          "-- migrate:up\nALTER TABLE users ADD COLUMN email TEXT;\n\n-- migrate:down\nALTER TABLE users DROP COLUMN email;\n",
      },
    ])
  })

  test("writes `-- migrate:down` even without a down, since dbmate requires it", () => {
    const [file] = dbmate.render({ ...base, down: undefined }, [])
    expect(file?.content).toBe("-- migrate:up\nALTER TABLE users ADD COLUMN email TEXT;\n\n-- migrate:down\n")
    const [m] = ok(dbmate.read(dbmate.render({ ...base, down: undefined }, []), ""))
    expect(m?.down).toBeUndefined()
  })

  test("adds transaction:false only to a block that needs it, and keeps it on read", () => {
    const files = dbmate.render(
      { ...base, up: "CREATE INDEX CONCURRENTLY users_email ON users (email);" },
      [],
    )
    expect(files[0]?.content).toBe(
      "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY users_email ON users (email);\n\n-- migrate:down\nALTER TABLE users DROP COLUMN email;\n",
    )
    expect(ok(dbmate.read(files, ""))[0]?.transaction).toBe(false)
  })

  test("read(render(x)) gives x back, after the existing migrations", () => {
    const version = dbmate.nextVersion(ok(dbmate.read(realFolder, "")), base.createdAt)
    const files = dbmate.render({ ...base, version }, realFolder)
    for (const f of files) expect(realFolder.map((e) => e.path)).not.toContain(f.path)
    const m = ok(dbmate.read([...realFolder, ...files], "")).at(-1)
    expect(m?.version).toBe(version)
    expect(m?.name).toBe("add_user_email")
    expect(sqlLines(m?.up)).toEqual([base.up])
    expect(sqlLines(m?.down)).toEqual([base.down as string])
    expect(m?.transaction).toBe(true)
  })
})
