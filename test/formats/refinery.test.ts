import { describe, expect, test } from "bun:test"
import { FormatError, type NewMigration } from "../../formats/format.ts"
import { refinery } from "../../formats/refinery.ts"
import type { Migration } from "../../model.ts"
import { failure, folder, ok } from "./_read.ts"

// Laid out as refinery's examples are, with a subfolder (refinery walks the tree).
const realFolder = folder({
  "V1__initial.sql": "CREATE TABLE persons (id int, name varchar(255), city varchar(255));\n",
  "V2__add_cars_and_motos_table.sql":
    "CREATE TABLE cars (id int, name varchar(255));\nCREATE TABLE motos (id int);\n",
  "U3__seed_cities.sql": "INSERT INTO persons (id, name, city) VALUES (1, 'Ana', 'Lisbon');\n",
  "2024/V04__add_brand_to_cars_table.sql": "ALTER TABLE cars ADD brand varchar(255);\n",
  "V10__tenth.sql": "CREATE TABLE tenth (id int);\n",
  "V6__bad-name.sql": "-- ignored: `-` is not a word character\n",
  "V7.sql": "-- ignored: no `__name`\n",
  "v8__lowercase.sql": "-- ignored: prefixes are upper case\n",
  "README.md": "# migrations\n",
  "mod.rs": "// embed_migrations! lives here\n",
})

describe("refinery read", () => {
  test("orders V and U migrations together by number, across subfolders", () => {
    const history = ok(refinery.read(realFolder, "migrations/"))
    expect(history.map((m) => m.version)).toEqual(["1", "2", "3", "04", "10"])
    expect(history.map((m) => m.name)).toEqual([
      "initial",
      "add_cars_and_motos_table",
      "seed_cities",
      "add_brand_to_cars_table",
      "tenth",
    ])
    expect(history[3]?.upPath).toBe("migrations/2024/V04__add_brand_to_cars_table.sql")
    expect(history[1]?.up).toBe(
      "CREATE TABLE cars (id int, name varchar(255));\nCREATE TABLE motos (id int);\n",
    )
  })

  test("has no down direction and always a transaction", () => {
    const history = ok(refinery.read(realFolder, ""))
    expect(history.every((m) => m.down === undefined && m.downPath === undefined)).toBe(true)
    expect(history.every((m) => m.transaction)).toBe(true)
    expect(refinery.supportsDown).toBe(false)
  })

  test("names take any word characters, as Rust's \\w does", () => {
    const history = ok(refinery.read(folder({ "V1__créer_tâches.sql": "SELECT 1;" }), ""))
    expect(history[0]?.name).toBe("créer_tâches")
  })

  test("one number used twice, by V or U, at any width, is a clash", () => {
    for (const other of ["U1__again.sql", "V01__again.sql", "sub/V1__again.sql"]) {
      const error = failure(
        refinery.read(folder({ "V1__first.sql": "SELECT 1;", [other]: "SELECT 2;" }), "m/"),
      )
      expect(error._tag).toBe("FormatError")
      expect(error.format).toBe("refinery")
      expect(["m/V1__first.sql", `m/${other}`]).toContain(error.file)
      expect(error.reason).toContain("also used by")
    }
  })

  test("a dotted version matches refinery's pattern but fails its integer parse", () => {
    const error = failure(refinery.read(folder({ "V1.5__half.sql": "SELECT 1;" }), "m/"))
    expect(error.file).toBe("m/V1.5__half.sql")
    expect(error.reason).toContain("not an integer")
  })

  test("a Rust migration is refused: aim cannot replay it", () => {
    const error = failure(
      refinery.read(folder({ "V3__backfill.rs": "pub fn migration() -> String { todo!() }" }), ""),
    )
    expect(error.file).toBe("V3__backfill.rs")
    expect(error.reason).toContain("Rust migration")
  })
})

describe("refinery nextVersion", () => {
  const now = new Date(Date.UTC(2024, 4, 6, 7, 8, 9))
  const history = (versions: string[]): Migration[] =>
    versions.map((version) => ({ version, name: "x", up: "", upPath: "", transaction: true }))

  test("counts on at the folder's width; an empty folder starts at 1", () => {
    expect(refinery.nextVersion(history(["1", "2", "3"]), now)).toBe("4")
    expect(refinery.nextVersion(history(["001", "002"]), now)).toBe("003")
    expect(refinery.nextVersion([], now)).toBe("1")
  })

  test("a folder of timestamps (int8-versions) gets a timestamp", () => {
    expect(refinery.nextVersion(history(["20240101000000"]), now)).toBe("20240506070809")
  })
})

describe("refinery render", () => {
  const base: NewMigration = {
    version: "11",
    description: "Add owner to cars",
    up: "ALTER TABLE cars ADD owner_id int;",
    down: "ALTER TABLE cars DROP owner_id;",
    createdAt: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
  }

  test("writes only the up file, even when a down is given", () => {
    expect(refinery.render(base, [])).toEqual([
      { path: "V11__add_owner_to_cars.sql", content: "ALTER TABLE cars ADD owner_id int;\n" },
    ])
  })

  test("read(render(x)) gives x back, after the existing migrations", () => {
    const version = refinery.nextVersion(ok(refinery.read(realFolder, "")), base.createdAt)
    expect(version).toBe("11")
    const files = refinery.render({ ...base, version }, realFolder)
    for (const f of files) expect(realFolder.map((e) => e.path)).not.toContain(f.path)
    const m = ok(refinery.read([...realFolder, ...files], "")).at(-1)
    expect(m?.version).toBe("11")
    expect(m?.name).toBe("add_owner_to_cars")
    expect(m?.up).toBe(`${base.up}\n`)
    expect(m?.down).toBeUndefined()
  })
})
