/**
 * Migrations keep what the user wrote on MySQL and MariaDB (engines/mysql/as-written.ts): MariaDB's
 * JSON comes back as `json`, ENGINE / DEFAULT CHARSET / COLLATE that only repeat the database's
 * defaults are left out, and views are laid out over lines. Pure functions on captured SHOW CREATE
 * text (MySQL 8's wording included, since no MySQL server runs here), then the CLI on the MariaDB
 * server: the files it writes read that way, and validate proves them (UP reaches schema.sql, DOWN
 * restores, UP again), while a history that spells JSON as MariaDB stores it shows no difference.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test"
import { mkdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { asWrittenTable, jsonColumnLine, layoutView } from "../../../engines/mysql/as-written.ts"
import type { Table } from "../../../model.ts"
import { MARIADB_TEST_URL, mysqlVersion } from "../../_servers.ts"
import { aim, makeTemp, migrationFiles, removeTemp, write } from "../../e2e/_cli.ts"

setDefaultTimeout(120_000)

const table = (definition: string, columns: Table["columns"]): Table => ({
  name: "p",
  columns,
  uniques: [],
  checks: [],
  foreignKeys: [],
  options: [],
  definition,
})

describe("as written", () => {
  test("MariaDB's longtext JSON column is json again, in the table and in the column's own line", () => {
    const line =
      "`meta` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT NULL CHECK (json_valid(`meta`))"
    expect(jsonColumnLine(line, "meta")).toBe("`meta` json DEFAULT NULL")
    const t = asWrittenTable(
      table(`CREATE TABLE \`p\` (\n  \`id\` int(11) NOT NULL,\n  ${line}\n) ENGINE=InnoDB`, [
        { name: "id", type: "INT(11)", notNull: true },
        { name: "meta", type: "JSON", notNull: false, definition: line },
      ]),
      true,
    )
    expect(t.definition).toBe(
      "CREATE TABLE `p` (\n  `id` int(11) NOT NULL,\n  `meta` json DEFAULT NULL\n) ENGINE=InnoDB",
    )
    expect(t.columns[1]?.definition).toBe("`meta` json DEFAULT NULL")
  })

  test("options that repeat the database's defaults go; others stay (MySQL 8 and MariaDB wording)", () => {
    const mysql8 =
      "CREATE TABLE `p` (\n  `id` int NOT NULL\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci"
    const defaults8 = { charset: "utf8mb4", collation: "utf8mb4_0900_ai_ci", engine: "InnoDB" }
    expect(asWrittenTable(table(mysql8, []), false, defaults8).definition).toBe(
      "CREATE TABLE `p` (\n  `id` int NOT NULL\n)",
    )
    const latin =
      "CREATE TABLE `p` (\n  `id` int(11) NOT NULL\n) ENGINE=InnoDB DEFAULT CHARSET=latin1 COLLATE=latin1_swedish_ci COMMENT='t'"
    const defaults = { charset: "utf8mb4", collation: "utf8mb4_general_ci", engine: "InnoDB" }
    expect(asWrittenTable(table(latin, []), true, defaults).definition).toBe(
      "CREATE TABLE `p` (\n  `id` int(11) NOT NULL\n) DEFAULT CHARSET=latin1 COLLATE=latin1_swedish_ci COMMENT='t'",
    )
    const partitioned =
      "CREATE TABLE `p` (\n  `id` int(11) NOT NULL\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci\n PARTITION BY HASH (`id`)\nPARTITIONS 4"
    expect(asWrittenTable(table(partitioned, []), true, defaults).definition).toBe(
      "CREATE TABLE `p` (\n  `id` int(11) NOT NULL\n)\nPARTITION BY HASH (`id`)\nPARTITIONS 4",
    )
    // Rows read without the defaults (captured before they were) keep every option.
    expect(asWrittenTable(table(mysql8, []), false).definition).toBe(mysql8)
  })

  test("a view's outer clauses start lines; strings, quoted names and subqueries are left alone", () => {
    const view =
      "CREATE VIEW `v` AS select `t`.`id` AS `id`,'from x where' AS `s` from (`t` left join `u` on(`u`.`id` = `t`.`id`)) where `t`.`id` in (select `id` from `w` where `id` > 1) group by `t`.`id` order by `t`.`id` desc limit 3"
    expect(layoutView(view)).toBe(
      [
        "CREATE VIEW `v` AS",
        "SELECT `t`.`id` AS `id`,'from x where' AS `s`",
        "FROM (`t` LEFT JOIN `u` ON(`u`.`id` = `t`.`id`))",
        "WHERE `t`.`id` IN (SELECT `id` FROM `w` WHERE `id` > 1)",
        "GROUP BY `t`.`id`",
        "ORDER BY `t`.`id` DESC",
        "LIMIT 3",
      ].join("\n"),
    )
    expect(layoutView("CREATE VIEW `u` AS select 1 AS `a` union all select 2 AS `2`")).toBe(
      "CREATE VIEW `u` AS\nSELECT 1 AS `a`\nUNION ALL\nSELECT 2 AS `2`",
    )
  })
})

const hasMariadb = (await mysqlVersion())?.toLowerCase().includes("mariadb") ?? false

describe.skipIf(!hasMariadb)("on the MariaDB server", () => {
  const temp = makeTemp("aim-as-written-")
  afterAll(() => removeTemp(temp))
  const env = { AIM_MARIADB_URL: MARIADB_TEST_URL }
  const toml = 'engine = "mariadb-10.11"\n[engines.mariadb]\nbackend = "url"\n'

  test("the migration reads like schema.sql, and validate proves it both ways", async () => {
    const dir = join(temp, "blog")
    mkdirSync(join(dir, "migrations"), { recursive: true })
    write(dir, "aim.toml", toml)
    write(
      dir,
      "schema.sql",
      [
        "CREATE TABLE posts (id int PRIMARY KEY, title varchar(200) NOT NULL, meta JSON, body text);",
        "CREATE TABLE legacy (id int PRIMARY KEY) DEFAULT CHARSET=latin1;",
        "CREATE VIEW titled AS SELECT id, title FROM posts WHERE title <> '' ORDER BY id;",
        "",
      ].join("\n"),
    )
    const generated = await aim(["generate"], { cwd: dir, env })
    expect(generated.stderr).not.toContain("aim:")
    expect(generated.code).toBe(0)
    const up = migrationFiles(dir).find((f) => f.endsWith(".up.sql")) as string
    const sql = readFileSync(join(dir, "migrations", up), "utf8")
    expect(sql).toContain("`meta` json DEFAULT NULL")
    expect(sql).not.toContain("json_valid")
    expect(sql).not.toContain("utf8mb4")
    expect(sql).not.toContain("ENGINE=")
    expect(sql).toContain("DEFAULT CHARSET=latin1")
    expect(sql).toContain("CREATE VIEW `titled` AS\nSELECT `posts`.`id` AS `id`")
    expect(sql).toContain("\nORDER BY `posts`.`id`")
    const valid = await aim(["validate"], { cwd: dir, env })
    expect(valid.stderr).not.toContain("aim:")
    expect(valid.code).toBe(0)
    expect((await aim(["diff", "--exit-code"], { cwd: dir, env })).code).toBe(0)
  })

  test("a history spelling JSON as MariaDB stores it and schema.sql saying JSON are the same schema", async () => {
    const dir = join(temp, "stored")
    mkdirSync(join(dir, "migrations"), { recursive: true })
    write(dir, "aim.toml", toml)
    write(
      dir,
      "migrations/000001_p.up.sql",
      "CREATE TABLE p (id int PRIMARY KEY, meta longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin CHECK (json_valid(meta))) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n",
    )
    write(dir, "migrations/000001_p.down.sql", "DROP TABLE p;\n")
    write(dir, "schema.sql", "CREATE TABLE p (id int PRIMARY KEY, meta JSON);\n")
    const diff = await aim(["diff", "--exit-code"], { cwd: dir, env })
    expect(diff.stdout).toContain("No difference")
    expect(diff.code).toBe(0)
  })
})
