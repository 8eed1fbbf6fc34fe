/**
 * How the MySQL/MariaDB planner writes a rename for the version asked: RENAME COLUMN and RENAME
 * INDEX where the version has them (MySQL 8.0 / 5.7, MariaDB 10.5.2), CHANGE and a drop and a create
 * before. Schemas are read from the MariaDB server and planned for each flavor (no MySQL server
 * runs here); the old-version statements are also proven on the server, asked as mariadb-10.4.
 */
import { describe, expect, test } from "bun:test"
import { Effect, ManagedRuntime } from "effect"
import { flavorOf } from "../../../engines/mysql/flavor.ts"
import { planMysql } from "../../../engines/mysql/planner.ts"
import { orderSteps, statementsOf } from "../../../engines/order.ts"
import type { RenameHints } from "../../../model.ts"
import { diffSchemas } from "../../../model/diff.ts"
import { snapshotSchema } from "../../../steps/snapshot.ts"
import { MARIADB_TEST_URL, mysqlVersion } from "../../_servers.ts"
import { mysqlTestLayer } from "../_backends.ts"
import { caseOutcome, runThroughSteps } from "../_steps-case.ts"

const hasMariadb = (await mysqlVersion())?.toLowerCase().includes("mariadb") ?? false
if (!hasMariadb)
  console.warn("skipped: MySQL renames by version: no MariaDB server answers at 127.0.0.1:3306")

const before =
  "CREATE TABLE p (id INT PRIMARY KEY); CREATE TABLE c (id INT PRIMARY KEY, p_id INT, note VARCHAR(20), FOREIGN KEY (p_id) REFERENCES p (id));"
const after =
  "CREATE TABLE p (id INT PRIMARY KEY); CREATE TABLE c (id INT PRIMARY KEY, parent_id INT, remark VARCHAR(20), FOREIGN KEY (parent_id) REFERENCES p (id));"
const renames: RenameHints = {
  columns: [
    { table: "c", from: "p_id", to: "parent_id" },
    { table: "c", from: "note", to: "remark" },
  ],
}

describe.skipIf(!hasMariadb)("MySQL and MariaDB renames, by the version asked", () => {
  const layer = mysqlTestLayer("mariadb-10.11", "url", MARIADB_TEST_URL)

  test("RENAME COLUMN and RENAME INDEX where the version has them; CHANGE and a new index before", async () => {
    const runtime = ManagedRuntime.make(layer)
    const [from, to] = await runtime.runPromise(
      Effect.all([
        snapshotSchema({ path: "before.sql", text: before }),
        snapshotSchema({ path: "after.sql", text: after }),
      ]),
    )
    await runtime.dispose()
    const up = (name: "mysql" | "mariadb", version: string) =>
      statementsOf(
        orderSteps(planMysql(diffSchemas(from, to, renames), from, to, flavorOf(name, version)).steps),
      ).join(";\n")
    for (const [name, version] of [
      ["mysql", "8.0"],
      ["mariadb", "11"],
      ["mariadb", "10.6"],
    ] as const) {
      const sql = up(name, version)
      expect(sql).toContain("RENAME COLUMN `p_id` TO `parent_id`")
      expect(sql).toContain("RENAME INDEX `p_id` TO `parent_id`")
      expect(sql).not.toMatch(/FOREIGN KEY|CHANGE/)
    }
    // MySQL 5.7 renames indexes but not columns.
    const mysql57 = up("mysql", "5.7")
    expect(mysql57).toContain("CHANGE COLUMN `note` `remark` varchar(20) DEFAULT NULL")
    expect(mysql57).toContain("RENAME INDEX `p_id` TO `parent_id`")
    // Before MariaDB 10.5.2 neither: the foreign key over the index goes and comes back, under the new names.
    const maria104 = up("mariadb", "10.4")
    expect(maria104).toContain("CHANGE COLUMN `p_id` `parent_id` int(11) DEFAULT NULL")
    expect(maria104).toContain("DROP INDEX `p_id`")
    expect(maria104).toContain("ADD FOREIGN KEY (`parent_id`) REFERENCES `p` (`id`)")
    expect(maria104).not.toContain("RENAME COLUMN")
  })

  test("the statements written for MariaDB 10.4 verify on the server, values kept both ways", async () => {
    const runtime = ManagedRuntime.make(mysqlTestLayer("mariadb-10.4", "url", MARIADB_TEST_URL))
    try {
      const outcome = caseOutcome(
        (await runtime.runPromiseExit(
          runThroughSteps({ current: before, desired: after, renames }) as never,
        )) as never,
      )
      if (outcome.kind !== "pass")
        throw new Error(`${outcome.reason}\n${"detail" in outcome ? outcome.detail : ""}`)
      expect(outcome.candidate?.up).toContain("CHANGE COLUMN")
    } finally {
      await runtime.dispose()
    }
  })
})
