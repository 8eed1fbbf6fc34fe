import { describe, expect, test } from "bun:test"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { hostname, tmpdir } from "node:os"
import { join } from "node:path"
import { FormatError, type NewMigration } from "../../formats/format.ts"
import { parsePlan, sqitch, sqitchFormat, sqitchPlanner, sqitchTimestamp } from "../../formats/sqitch.ts"
import { failure, folder, ok } from "./_read.ts"

// A plan as Sqitch writes it (after `sqitch init`, `add`, `tag` and `rework`), from the Sqitch tutorial.
const plan = `%syntax-version=1.0.0
%project=flipr
%uri=https://github.com/sqitchers/sqitch-intro/

appschema 2013-12-30T23:19:27Z Marge N. O’Vera <marge@example.com> # App schema for all flipr objects.
users [appschema] 2013-12-31T01:24:46Z Marge N. O’Vera <marge@example.com> # Creates table to track our users.
insert_user [users appschema] 2013-12-31T18:05:55Z Marge N. O’Vera <marge@example.com> # Creates a function to insert a user.
@v1.0.0-dev1 2013-12-31T18:26:59Z Marge N. O’Vera <marge@example.com> # Tag v1.0.0-dev1.

# Second milestone.
flips [users !legacy_flips] 2014-01-01T20:05:41Z Marge N. O’Vera <marge@example.com> # Adds table for storing flips.
insert_user [insert_user@v1.0.0-dev1] 2014-01-02T10:00:00Z Marge N. O’Vera <marge@example.com> # Change insert_user to use pgcrypto.
@v1.0.0-dev2 2014-01-02T11:00:00Z Marge N. O’Vera <marge@example.com>
`

const deploy = (sql: string) => `-- Deploy flipr:x to pg\n\nBEGIN;\n\n${sql}\n\nCOMMIT;\n`

const realFolder = folder({
  "sqitch.plan": plan,
  "sqitch.conf": "[core]\n\tengine = pg\n",
  "deploy/appschema.sql": deploy("CREATE SCHEMA flipr;"),
  "revert/appschema.sql": deploy("DROP SCHEMA flipr;"),
  "verify/appschema.sql": "SELECT pg_catalog.has_schema_privilege('flipr', 'usage');\n",
  "deploy/users.sql": deploy("CREATE TABLE flipr.users (nickname TEXT PRIMARY KEY, password TEXT NOT NULL);"),
  "revert/users.sql": deploy("DROP TABLE flipr.users;"),
  "deploy/insert_user@v1.0.0-dev1.sql": deploy(
    "CREATE FUNCTION flipr.insert_user(n TEXT, p TEXT) RETURNS VOID AS $$ INSERT INTO flipr.users VALUES($1, md5($2)); $$ LANGUAGE SQL;",
  ),
  "revert/insert_user@v1.0.0-dev1.sql": deploy("DROP FUNCTION flipr.insert_user(TEXT, TEXT);"),
  "deploy/insert_user.sql": deploy(
    "CREATE OR REPLACE FUNCTION flipr.insert_user(n TEXT, p TEXT) RETURNS VOID AS $$ INSERT INTO flipr.users VALUES($1, crypt($2, gen_salt('md5'))); $$ LANGUAGE SQL;",
  ),
  "revert/insert_user.sql": deploy(
    "CREATE OR REPLACE FUNCTION flipr.insert_user(n TEXT, p TEXT) RETURNS VOID AS $$ INSERT INTO flipr.users VALUES($1, md5($2)); $$ LANGUAGE SQL;",
  ),
  "deploy/flips.sql": "-- Deploy flipr:flips to pg\n\nCREATE TABLE flipr.flips (id BIGSERIAL PRIMARY KEY);\n",
  "README.md": "# flipr\n",
})

describe("sqitch read", () => {
  test("follows the plan's order, with reworked changes read from their tagged scripts", () => {
    const history = ok(sqitch.read(realFolder, "db/"))
    expect(history.map((m) => m.version)).toEqual([
      "appschema",
      "users",
      "insert_user@v1.0.0-dev1",
      "flips",
      "insert_user",
    ])
    expect(history.map((m) => m.name)).toEqual(["appschema", "users", "insert_user", "flips", "insert_user"])
    expect(history[2]?.up).toContain("md5($2)")
    expect(history[2]?.upPath).toBe("db/deploy/insert_user@v1.0.0-dev1.sql")
    expect(history[4]?.up).toContain("crypt($2")
    expect(history[4]?.downPath).toBe("db/revert/insert_user.sql")
  })

  test("keeps scripts as written; a script with its own BEGIN is transactional, one without is not", () => {
    const history = ok(sqitch.read(realFolder, ""))
    expect(history[0]?.up).toBe(deploy("CREATE SCHEMA flipr;"))
    expect(history[0]?.down).toBe(deploy("DROP SCHEMA flipr;"))
    expect(history.map((m) => m.transaction)).toEqual([true, true, true, false, true])
  })

  test("a change without a revert script has no down", () => {
    const flips = ok(sqitch.read(realFolder, "")).find((m) => m.version === "flips")
    expect(flips?.down).toBeUndefined()
    expect(flips?.downPath).toBeUndefined()
  })

  test("a folder without a plan has no history", () => {
    expect(ok(sqitch.read(folder({ "deploy/x.sql": "SELECT 1;" }), ""))).toEqual([])
  })

  test("the plan's notes, dependencies and tags are parsed", () => {
    const parsed = parsePlan(plan)
    if (typeof parsed === "string") throw new Error(parsed)
    expect(parsed.project).toBe("flipr")
    expect(parsed.pragmas.uri).toBe("https://github.com/sqitchers/sqitch-intro/")
    const flips = parsed.changes[3]
    expect(flips?.requires).toEqual(["users"])
    expect(flips?.conflicts).toEqual(["legacy_flips"])
    expect(flips?.note).toBe("Adds table for storing flips.")
    expect(parsed.changes[2]?.tags).toEqual(["v1.0.0-dev1"])
    expect(parsed.changes[4]?.tags).toEqual(["v1.0.0-dev2"])
  })

  test("a missing deploy script names the file", () => {
    const files = realFolder.filter((f) => f.path !== "deploy/users.sql")
    const error = failure(sqitch.read(files, "db/"))
    expect(error._tag).toBe("FormatError")
    expect(error.format).toBe("sqitch")
    expect(error.file).toBe("db/deploy/users.sql")
  })

  test("plans Sqitch rejects are FormatErrors on sqitch.plan", () => {
    const header = "%syntax-version=1.0.0\n%project=flipr\n\n"
    const line = (name: string) => `${name} 2014-01-01T00:00:00Z Marge <marge@example.com>\n`
    const cases: Record<string, [string, string]> = {
      "duplicate change without a tag between": [header + line("users") + line("users"), "duplicates"],
      "dependency planned later": [header + line("flips [users]") + line("users"), "not planned before"],
      "unknown dependency": [header + line("flips [nobody]"), "not planned before"],
      "missing project": ["%syntax-version=1.0.0\n\n" + line("users"), "%project"],
      "missing timestamp": [`${header}users Marge <marge@example.com>\n`, "missing timestamp"],
      "missing planner": [`${header}users 2014-01-01T00:00:00Z\n`, "planner"],
      "no blank line after pragmas": [
        `%syntax-version=1.0.0\n%project=flipr\n${line("users")}`,
        "blank line",
      ],
      "tag before any change": [header + line("@v1"), "without a preceding change"],
      "duplicate tag": [header + line("a") + line("@v1") + line("b") + line("@v1"), "duplicates"],
      "reserved name": [header + line("HEAD"), "reserved"],
      "bad name": [header + line("users-"), "invalid name"],
    }
    for (const [what, [content, reason]] of Object.entries(cases)) {
      const error = failure(sqitch.read(folder({ "sqitch.plan": content }), "db/"))
      expect(error.file, what).toBe("db/sqitch.plan")
      expect(error.reason, what).toContain(reason)
    }
  })

  test("a rework after a tag is allowed; dependencies on other projects are not checked", () => {
    const header = "%syntax-version=1.0.0\n%project=flipr\n\n"
    const content = `${header}a [other:thing] 2014-01-01T00:00:00Z M <m@x>\n@v1 2014-01-01T00:00:00Z M <m@x>\na [a@v1] 2014-01-02T00:00:00Z M <m@x>\n`
    // Sqitch has not copied the old script yet: the reworked change still names deploy/a@v1.sql.
    const error = failure(sqitch.read(folder({ "sqitch.plan": content, "deploy/a.sql": "SELECT 1;" }), ""))
    expect(error.file).toBe("deploy/a@v1.sql")
    const history = ok(
      sqitch.read(
        folder({ "sqitch.plan": content, "deploy/a.sql": "SELECT 2;", "deploy/a@v1.sql": "SELECT 1;" }),
        "",
      ),
    )
    expect(history.map((m) => [m.version, m.up])).toEqual([
      ["a@v1", "SELECT 1;"],
      ["a", "SELECT 2;"],
    ])
  })
})

describe("sqitch render", () => {
  const base: NewMigration = {
    version: "ignored",
    description: "Add flip likes",
    up: "CREATE TABLE flipr.likes (flip_id BIGINT, nickname TEXT);",
    down: "DROP TABLE flipr.likes;",
    createdAt: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
    planner: { name: "Marge N. O’Vera", email: "marge@example.com" },
  }

  test("appends a change line and writes deploy, revert and verify scripts", () => {
    const files = sqitch.render(base, realFolder)
    expect(files.map((f) => f.path)).toEqual([
      "sqitch.plan",
      "deploy/add_flip_likes.sql",
      "revert/add_flip_likes.sql",
      "verify/add_flip_likes.sql",
    ])
    expect(files[0]?.content).toBe(
      `${plan}add_flip_likes 2024-01-02T03:04:05Z Marge N. O’Vera <marge@example.com> # Add flip likes\n`,
    )
    expect(files[1]?.content).toBe(
      "-- Deploy flipr:add_flip_likes\n\nBEGIN;\n\nCREATE TABLE flipr.likes (flip_id BIGINT, nickname TEXT);\n\nCOMMIT;\n",
    )
    expect(files[2]?.content).toBe(
      "-- Revert flipr:add_flip_likes\n\nBEGIN;\n\nDROP TABLE flipr.likes;\n\nCOMMIT;\n",
    )
    expect(files[3]?.content.split("\n").every((l) => l === "" || l.startsWith("--"))).toBe(true)
  })

  test("the change name is unique against the plan", () => {
    const files = sqitch.render({ ...base, description: "users" }, realFolder)
    expect(files.map((f) => f.path)).toContain("deploy/users_2.sql")
    expect(files[0]?.content).toContain("\nusers_2 2024-01-02T03:04:05Z")
    const again = sqitch.render({ ...base, description: "users" }, [
      ...realFolder.filter((f) => f.path !== "sqitch.plan"),
      ...files,
    ])
    expect(again.map((f) => f.path)).toContain("deploy/users_3.sql")
  })

  test("a new project gets a plan and a sqitch.conf like sqitch init writes", () => {
    const files = sqitch.render({ ...base, planner: undefined, down: undefined }, [])
    expect(files.map((f) => f.path)).toEqual([
      "sqitch.plan",
      "sqitch.conf",
      "deploy/add_flip_likes.sql",
      "verify/add_flip_likes.sql",
    ])
    expect(files[0]?.content).toBe(
      "%syntax-version=1.0.0\n%project=aim\n\nadd_flip_likes 2024-01-02T03:04:05Z aim <aim@localhost> # Add flip likes\n",
    )
    expect(files[1]?.content).toBe("[core]\n\t# engine = \n\t# plan_file = sqitch.plan\n\t# top_dir = .\n")
  })

  test("options set the engine and the project of a new plan", () => {
    const files = sqitchFormat({ engine: "sqlite", project: "shop" }).render(base, [])
    expect(files[0]?.content).toStartWith("%syntax-version=1.0.0\n%project=shop\n\n")
    expect(files[1]?.content).toStartWith("[core]\n\tengine = sqlite\n")
    expect(files[2]?.content).toStartWith("-- Deploy shop:add_flip_likes to sqlite\n")
  })

  test("a plan holding only pragmas gets the blank line that must end them", () => {
    const files = sqitch.render(base, folder({ "sqitch.plan": "%syntax-version=1.0.0\n%project=flipr" }))
    expect(files[0]?.content).toBe(
      "%syntax-version=1.0.0\n%project=flipr\n\nadd_flip_likes 2024-01-02T03:04:05Z Marge N. O’Vera <marge@example.com> # Add flip likes\n",
    )
  })

  test("a script that cannot run in a transaction is not wrapped in BEGIN/COMMIT", () => {
    const files = sqitch.render(
      { ...base, up: "CREATE INDEX CONCURRENTLY likes_flip ON flipr.likes (flip_id);" },
      [],
    )
    const script = files.find((f) => f.path.startsWith("deploy/"))?.content
    expect(script).toBe(
      "-- Deploy aim:add_flip_likes\n\nCREATE INDEX CONCURRENTLY likes_flip ON flipr.likes (flip_id);\n",
    )
    const [m] = ok(sqitch.read(files, ""))
    expect(m?.transaction).toBe(false)
  })

  test("notes are escaped; planner names cannot break the line", () => {
    const files = sqitch.render(
      { ...base, description: "Two\nlines \\ here", planner: { name: "Bad <Name> #1", email: "a b@x" } },
      [],
    )
    expect(files[0]?.content).toContain(
      "two_lines_here 2024-01-02T03:04:05Z Bad Name 1 <ab@x> # Two\\nlines \\\\ here\n",
    )
    expect(typeof parsePlan(files[0]?.content ?? "")).not.toBe("string")
  })

  test("read(render(x)) gives x back, after the existing changes", () => {
    const files = sqitch.render(base, realFolder)
    const paths = new Set(files.map((f) => f.path))
    for (const f of files)
      if (f.path !== "sqitch.plan") expect(realFolder.map((e) => e.path)).not.toContain(f.path)
    const history = ok(sqitch.read([...realFolder.filter((f) => !paths.has(f.path)), ...files], ""))
    const m = history.at(-1)
    expect(history.length).toBe(6)
    expect(m?.version).toBe("add_flip_likes")
    expect(m?.up).toContain(base.up)
    expect(m?.down).toContain(base.down as string)
    expect(m?.transaction).toBe(true)
  })

  test("timestamps are UTC, to the second", () => {
    expect(sqitchTimestamp(new Date("2024-06-30T23:59:59.999+02:00"))).toBe("2024-06-30T21:59:59Z")
  })
})

describe("sqitchPlanner", () => {
  const isolated = {
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_DIR: "/nonexistent",
    HOME: "/nonexistent",
  }

  test("SQITCH_FULLNAME and SQITCH_EMAIL come first", () => {
    expect(
      sqitchPlanner({ ...isolated, SQITCH_FULLNAME: "Marge N. O’Vera", SQITCH_EMAIL: "marge@example.com" }),
    ).toEqual({
      name: "Marge N. O’Vera",
      email: "marge@example.com",
    })
  })

  test("then git's user.name and user.email", () => {
    const dir = mkdtempSync(join(tmpdir(), "aim-sqitch-"))
    try {
      const config = join(dir, "gitconfig")
      writeFileSync(config, "[user]\n\tname = Homer Simpson\n\temail = homer@example.com\n")
      const env = { ...isolated, PATH: process.env.PATH, GIT_CONFIG_GLOBAL: config }
      expect(sqitchPlanner(env)).toEqual({ name: "Homer Simpson", email: "homer@example.com" })
      expect(sqitchPlanner({ ...env, SQITCH_EMAIL: "h@x" })).toEqual({ name: "Homer Simpson", email: "h@x" })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test("then the system user", () => {
    const planner = sqitchPlanner({ ...isolated, PATH: process.env.PATH, USER: "bart" })
    expect(planner).toEqual({ name: "bart", email: `bart@${hostname()}` })
  })
})
