import { describe, expect, test } from "bun:test"
import { compareFlywayVersions, flyway, flywayVersion } from "../../formats/flyway.ts"
import { FormatError, type NewMigration } from "../../formats/format.ts"
import type { Migration } from "../../model.ts"
import { failure, folder, ok } from "./_read.ts"

const realFolder = folder({
  "V1__Create_person_table.sql": "CREATE TABLE person (id int PRIMARY KEY, name varchar(100) NOT NULL);\n",
  "V1.1__Add_people.sql": "INSERT INTO person (id, name) VALUES (1, 'Axel');\n",
  "V1_2__Underscore_means_dot.sql": "ALTER TABLE person ADD COLUMN email text;\n",
  "V1.10__Ten.sql": "CREATE INDEX person_email ON person (email);\n",
  "V1.9__Nine.sql": "ALTER TABLE person ADD COLUMN age int;\n",
  "V2__Concurrent_index.sql": "CREATE INDEX CONCURRENTLY person_name ON person (name);\n",
  "U2__Concurrent_index.sql": "DROP INDEX CONCURRENTLY person_name;\n",
  "V2.0.1__Hotfix.sql": "UPDATE person SET name = trim(name);\n",
  "V2.0.1__Hotfix.sql.conf": "executeInTransaction=false\n",
  "release_3/V3__Nested_folder.sql": "CREATE TABLE team (id int);\n",
  "V4.sql": "CREATE TABLE no_description (id int);\n",
  "V5__Upper_suffix.SQL": "CREATE TABLE upper_suffix (id int);\n",
  "R__person_view.sql": "CREATE OR REPLACE VIEW person_view AS SELECT id, name FROM person;\n",
  "R__a_functions.sql": "CREATE OR REPLACE FUNCTION one() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql;\n",
  "beforeMigrate.sql": "SET search_path = public;\n",
  "afterMigrate__grants.sql": "GRANT SELECT ON person TO reader;\n",
  "Vnext__bad_version.sql": "SELECT 1;\n",
  "V__no_version.sql": "SELECT 1;\n",
  "R1__repeatable_with_version.sql": "SELECT 1;\n",
  "v6__lowercase_prefix.sql": "SELECT 1;\n",
  "README.md": "# migrations\n",
  "flyway.conf": "flyway.url=jdbc:postgresql://localhost/app\n",
})

describe("flyway read", () => {
  test("orders versions as Flyway does, repeatables last by description", () => {
    const history = ok(flyway.read(realFolder, "sql/"))
    expect(history.map((m) => m.version)).toEqual([
      "1",
      "1.1",
      "1.2",
      "1.9",
      "1.10",
      "2",
      "2.0.1",
      "3",
      "4",
      "5",
      "R__a_functions",
      "R__person_view",
    ])
    expect(history.map((m) => m.name).slice(0, 3)).toEqual([
      "Create_person_table",
      "Add_people",
      "Underscore_means_dot",
    ])
    expect(history[7]?.upPath).toBe("sql/release_3/V3__Nested_folder.sql")
    expect(history[8]?.name).toBe("")
  })

  test("an undo file is the down of its version", () => {
    const history = ok(flyway.read(realFolder, "sql/"))
    const v2 = history.find((m) => m.version === "2")
    expect(v2?.down).toBe("DROP INDEX CONCURRENTLY person_name;\n")
    expect(v2?.downPath).toBe("sql/U2__Concurrent_index.sql")
    expect(history.filter((m) => m.down !== undefined).map((m) => m.version)).toEqual(["2"])
  })

  test("transaction: .conf executeInTransaction=false, or statements that cannot run in one", () => {
    const history = ok(flyway.read(realFolder, ""))
    const flags = Object.fromEntries(history.map((m) => [m.version, m.transaction]))
    expect(flags["1"]).toBe(true)
    expect(flags["2"]).toBe(false)
    expect(flags["2.0.1"]).toBe(false)
    expect(flags["3"]).toBe(true)
  })

  test("versions compare numerically part by part; trailing zeros do not count", () => {
    const v = (s: string) => flywayVersion(s) ?? []
    expect(compareFlywayVersions(v("1.10"), v("1.9"))).toBe(1)
    expect(compareFlywayVersions(v("1.0"), v("1"))).toBe(0)
    expect(compareFlywayVersions(v("1_1"), v("1.1"))).toBe(0)
    expect(compareFlywayVersions(v("2"), v("10"))).toBe(-1)
    expect(flywayVersion("1..2")).toBeUndefined()
    expect(flywayVersion("1.2.")).toBeUndefined()
    expect(flywayVersion("x1")).toBeUndefined()
  })

  test("1 and 1.0 (or 01, or 1_0) are one version: a clash", () => {
    for (const other of ["V1.0__Again.sql", "V01__Again.sql", "V1_0__Again.sql", "sub/V1.0.0__Again.sql"]) {
      const error = failure(
        flyway.read(folder({ "V1__First.sql": "SELECT 1;", [other]: "SELECT 2;" }), "db/"),
      )
      expect(error._tag).toBe("FormatError")
      expect(error.format).toBe("flyway")
      expect(["db/V1__First.sql", `db/${other}`]).toContain(error.file)
      expect(error.reason).toContain("also used by")
    }
  })

  test("two repeatables with the same description clash", () => {
    const error = failure(
      flyway.read(folder({ "R__person_view.sql": "SELECT 1;", "views/R__person view.sql": "SELECT 2;" }), ""),
    )
    expect(error.reason).toContain("person view")
  })

  test("two undo files for one version clash; an undo without its version is refused", () => {
    const twice = failure(
      flyway.read(
        folder({ "V1__a.sql": "SELECT 1;", "U1__a.sql": "SELECT 2;", "U1.0__b.sql": "SELECT 3;" }),
        "",
      ),
    )
    expect(twice.reason).toContain("also used by")
    const orphan = failure(flyway.read(folder({ "V1__a.sql": "SELECT 1;", "U2__b.sql": "SELECT 2;" }), "db/"))
    expect(orphan.file).toBe("db/U2__b.sql")
    expect(orphan.reason).toContain("no versioned migration")
  })
})

describe("flyway nextVersion", () => {
  const now = new Date(Date.UTC(2024, 4, 6, 7, 8, 9))
  const history = (versions: string[]): Migration[] =>
    versions.map((version) => ({ version, name: "x", up: "", upPath: "", transaction: true }))

  test("the next integer after the highest major part", () => {
    expect(flyway.nextVersion(history(["1", "1.1", "1.2.3"]), now)).toBe("2")
    expect(flyway.nextVersion(ok(flyway.read(realFolder, "")), now)).toBe("6")
    expect(flyway.nextVersion(history(["1.9", "1.10"]), now)).toBe("2")
  })

  test("keeps the width of the folder's majors", () => {
    expect(flyway.nextVersion(history(["001", "002"]), now)).toBe("003")
    expect(flyway.nextVersion(history(["001.1", "002.5"]), now)).toBe("003")
  })

  test("timestamps stay timestamps; an empty folder starts at 1; repeatables do not count", () => {
    expect(flyway.nextVersion(history(["20240101000000", "20240102000000"]), now)).toBe("20240506070809")
    expect(flyway.nextVersion([], now)).toBe("1")
    expect(flyway.nextVersion(history(["R__views"]), now)).toBe("1")
  })
})

describe("flyway render", () => {
  const base: NewMigration = {
    version: "6",
    description: "Add team members",
    up: "CREATE TABLE team_member (team_id int, person_id int);",
    down: "DROP TABLE team_member;",
    createdAt: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
  }

  test("writes V and U files", () => {
    const files = flyway.render(base, realFolder)
    expect(files).toEqual([
      {
        path: "V6__add_team_members.sql",
        content: "CREATE TABLE team_member (team_id int, person_id int);\n",
      },
      { path: "U6__add_team_members.sql", content: "DROP TABLE team_member;\n" },
    ])
  })

  test("writes only the V file without a down", () => {
    expect(flyway.render({ ...base, down: undefined }, []).map((f) => f.path)).toEqual([
      "V6__add_team_members.sql",
    ])
  })

  test("read(render(x)) gives x back, after the folder's versions and before its repeatables", () => {
    const version = flyway.nextVersion(ok(flyway.read(realFolder, "")), base.createdAt)
    const files = flyway.render({ ...base, version }, realFolder)
    for (const f of files) expect(realFolder.map((e) => e.path)).not.toContain(f.path)
    const history = ok(flyway.read([...realFolder, ...files], ""))
    const m = history.find((h) => h.version === version)
    expect(m?.up).toBe(`${base.up}\n`)
    expect(m?.down).toBe(`${base.down}\n`)
    expect(m?.transaction).toBe(true)
    expect(history.map((h) => h.version).slice(-3)).toEqual([version, "R__a_functions", "R__person_view"])
  })
})
