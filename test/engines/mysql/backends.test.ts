/** Backend choice and server arguments, without starting anything. */
import { describe, expect, test } from "bun:test"
import { Effect } from "effect"
import {
  chooseBackend,
  describeAddress,
  dockerCommand,
  initializeArgs,
  localServerArgs,
  parseServerUrl,
} from "../../../engines/mysql/backends.ts"
import { make } from "../../../engines/mysql/engine.ts"
import { flavorOf, parseEngineId, versionMatches } from "../../../engines/mysql/flavor.ts"
import { findEngine, knownEngines } from "../../../engines/registry.ts"

const mysql = flavorOf("mysql", "9")
const mariadb = flavorOf("mariadb", "11")
const choose = (
  flavor = mariadb,
  settings?: { backend?: string; url?: string },
  env: Record<string, string> = {},
) => Effect.runPromise(chooseBackend(flavor, settings, env))

describe("mysql engine ids", () => {
  test("one registry entry takes mysql-<v> and mariadb-<v>", () => {
    expect(parseEngineId("mysql-9")).toEqual({ flavor: "mysql", version: "9" })
    expect(parseEngineId("mariadb-10.11")).toEqual({ flavor: "mariadb", version: "10.11" })
    expect(parseEngineId("mysql")).toBeUndefined()
    expect(findEngine("mysql-8.0")).toBe(
      findEngine("mariadb-11") as NonNullable<ReturnType<typeof findEngine>>,
    )
    expect(knownEngines).toContain("mariadb-<version>")
    expect(versionMatches("10.11", "10.11.19-MariaDB")).toBe(true)
    expect(versionMatches("11", "10.11.19-MariaDB")).toBe(false)
  })
})

describe("mysql backend choice", () => {
  test("a url from the environment wins, and its password is never shown", async () => {
    const choice = await choose(
      mariadb,
      { url: "mysql://a@b/" },
      { AIM_MARIADB_URL: "mysql://root:s3cret@db.internal:3307/x" },
    )
    expect(choice).toMatchObject({ kind: "url", source: "AIM_MARIADB_URL" })
    const address = parseServerUrl(choice.kind === "url" ? choice.url : "")
    expect(address).toMatchObject({ host: "db.internal", port: 3307, user: "root", password: "s3cret" })
    expect(describeAddress(address)).toBe("root@db.internal:3307")
    expect(JSON.stringify(choice.why)).not.toContain("s3cret")
  })

  test("the url in aim.toml serves when no variable is set; AIM_MYSQL_URL is MySQL's", async () => {
    expect(
      await choose(mysql, { url: "mysql://root@h/" }, { AIM_MARIADB_URL: "mysql://x@y/" }),
    ).toMatchObject({
      kind: "url",
      source: "[engines.mysql] url",
    })
  })

  test("backend = url without a url, or an unknown backend, says what to set", async () => {
    const none = await choose(mariadb, { backend: "url" })
    expect(none.kind).toBe("none")
    expect(none.why).toContain("AIM_MARIADB_URL")
    expect((await choose(mariadb, { backend: "podman" })).why).toContain("auto, url, docker, local")
  })

  test("nothing available names all three ways to get a server", async () => {
    // MySQL: no docker daemon and no MySQL mysqld here (Debian's mysqld is MariaDB's).
    const choice = await choose(mysql, { backend: "auto" })
    if (choice.kind !== "none") {
      console.log(
        `mysql backend test: a ${choice.kind} backend exists here, so the 'none' message is not checked`,
      )
      return
    }
    expect(choice.why).toContain("AIM_MYSQL_URL")
    expect(choice.why).toContain("Docker")
    expect(choice.why).toContain("mysqld")
  }, 30_000)

  test("an engine with no server describes itself and fails on first use, not when built", async () => {
    const engine = await Effect.runPromise(
      Effect.scoped(make("mariadb-11", { settings: { backend: "url" } })),
    )
    expect(engine.description).toContain("unavailable")
    expect(engine.capabilities.transactionalDdl).toBe(false)
    const error = await Effect.runPromise(
      Effect.scoped(
        make("mariadb-11", { settings: { backend: "url" } }).pipe(
          Effect.flatMap((e) => e.ephemeral),
          Effect.flip,
        ),
      ),
    )
    expect(error._tag).toBe("EngineFailed")
  })
})

describe("mysql server arguments", () => {
  test("docker: durability off, binary log skipped where the server has one", () => {
    expect(dockerCommand(mysql)).toEqual([
      "--innodb-flush-log-at-trx-commit=0",
      "--sync-binlog=0",
      "--skip-log-bin",
    ])
    expect(dockerCommand(flavorOf("mysql", "5.7"))).not.toContain("--skip-log-bin")
    expect(mariadb.dockerImage).toBe("mariadb:11")
    expect(mysql.dockerImage).toBe("mysql:9")
  })

  test("local: private socket, no TCP, unprivileged user when root", () => {
    const args = localServerArgs(mariadb, "/tmp/f", true)
    expect(args).toContain("--skip-networking")
    expect(args).toContain("--socket=/tmp/f/mysqld.sock")
    expect(args).toContain("--user=mysql")
    expect(args).not.toContain("--mysqlx=OFF")
    expect(localServerArgs(mysql, "/tmp/f", false)).toContain("--mysqlx=OFF")
    expect(localServerArgs(mysql, "/tmp/f", false)).not.toContain("--user=mysql")
    expect(initializeArgs(mariadb, "/tmp/f", true)).toContain("--auth-root-authentication-method=normal")
    expect(initializeArgs(mysql, "/tmp/f", false)).toContain("--initialize-insecure")
  })
})
