/**
 * A run killed with SIGKILL cannot clean up: what it made stays, named after it (run-mark.ts). The
 * next run removes it and says so in one line: throwaway databases and sandbox roles on a
 * PostgreSQL url server, throwaway databases on a MariaDB url server, and a local backend's temp
 * folder with the PostgreSQL server still running in it. A live run's resources are never touched.
 * Each kill is a real `kill -9` of the CLI's process in the middle of a long replay.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test"
import { readdirSync } from "node:fs"
import { CLI } from "../e2e/_cli.ts"
import {
  closePgAdmin,
  disposeSandbox,
  dropPgRole,
  longHistory,
  MARIADB_URL,
  makePgRole,
  makeSandbox,
  mariadbAimDatabases,
  mariadbAvailable,
  type PgRole,
  pgAdmin,
  pgAvailable,
  processesUsing,
  runAim,
  type Sandbox,
  sandboxEnv,
  writeProject,
} from "./_harness.ts"

setDefaultTimeout(240_000)

const hasPg = await pgAvailable()
const hasMariadb = mariadbAvailable()
const hasInitdb = Bun.which("initdb") !== null && Bun.which("runuser") !== null

/** Names of throwaway databases and roles on the PostgreSQL server that carry `pid`. */
async function pgNamesOf(pid: number): Promise<string[]> {
  const pattern = `^aim_[0-9a-f]{8}_${pid}_[0-9a-f]{8}$`
  const rows = await pgAdmin()<{ name: string }[]>`
    SELECT 'database ' || datname AS name FROM pg_database WHERE datname ~ ${pattern}
    UNION ALL SELECT 'role ' || rolname FROM pg_roles WHERE rolname ~ ${pattern}`
  return rows.map((r) => r.name).sort()
}

const mariadbNamesOf = (pid: number) =>
  [...mariadbAimDatabases()].filter((name) => new RegExp(`^aim_[0-9a-f]{8}_${pid}_[0-9a-f]{8}$`).test(name))

/** Start `aim generate` on a long history, wait until `ready` says it is mid-run, and SIGKILL it. */
async function killMidRun(
  box: Sandbox,
  env: Record<string, string>,
  ready: (pid: number) => Promise<boolean>,
) {
  const child = Bun.spawn([process.execPath, CLI, "generate"], {
    cwd: box.project,
    env: sandboxEnv(box, env),
    stdin: "ignore",
    stdout: "ignore",
    stderr: "ignore",
  })
  const deadline = Date.now() + 60_000
  while (!(await ready(child.pid)) && Date.now() < deadline) await Bun.sleep(50)
  expect(await ready(child.pid)).toBe(true)
  child.kill("SIGKILL")
  await child.exited
  return child.pid
}

/** The one `aim:` line a later run prints about what it removed. */
const removalLines = (stderr: string) => stderr.split("\n").filter((l) => l.includes("left by aim run"))

describe("after kill -9, the next run removes what the killed run left", () => {
  test.skipIf(!hasPg)("PostgreSQL url: throwaway databases and sandbox roles", async () => {
    const box = makeSandbox()
    let role: PgRole | undefined
    try {
      role = await makePgRole({ superuser: true })
      const env = { AIM_POSTGRES_URL: role.url }
      writeProject(box, {
        "aim.toml": 'engine = "postgres-15"\n\n[engines.postgres]\nbackend = "url"\n',
        ...longHistory(200),
      })
      const pid = await killMidRun(box, env, async (p) =>
        (await pgNamesOf(p)).some((n) => n.startsWith("database")),
      )
      const left = await pgNamesOf(pid)
      expect(left.length).toBeGreaterThan(0)
      const next = await runAim(box, ["generate", "--dry-run"], env)
      expect(next.code, next.stderr).toBe(0)
      expect(await pgNamesOf(pid)).toEqual([])
      const lines = removalLines(next.stderr)
      expect(lines).toHaveLength(1)
      expect(lines[0]).toStartWith("aim: postgres-15: removed ")
      expect(lines[0]).toContain("throwaway database")
      expect(lines[0]).toEndWith(`(pid ${pid})`)
    } finally {
      await dropPgRole(role)
      disposeSandbox(box)
    }
  })

  test.skipIf(!hasMariadb)("MariaDB url: throwaway databases", async () => {
    const box = makeSandbox()
    try {
      const env = { AIM_MARIADB_URL: MARIADB_URL }
      writeProject(box, {
        "aim.toml": 'engine = "mariadb-10.11"\n\n[engines.mariadb]\nbackend = "url"\n',
        ...longHistory(200, "id int PRIMARY KEY, v varchar(20)"),
      })
      const pid = await killMidRun(box, env, async (p) => mariadbNamesOf(p).length > 0)
      expect(mariadbNamesOf(pid).length).toBeGreaterThan(0)
      const next = await runAim(box, ["generate", "--dry-run"], env)
      expect(next.code, next.stderr).toBe(0)
      expect(mariadbNamesOf(pid)).toEqual([])
      expect(removalLines(next.stderr)).toEqual([
        expect.stringMatching(
          new RegExp(`^aim: mariadb-10\\.11: removed \\d+ throwaway databases? .*\\(pid ${pid}\\)$`),
        ),
      ])
    } finally {
      disposeSandbox(box)
    }
  })

  test.skipIf(!hasInitdb)(
    "PostgreSQL local: the temp folder and the server still running in it",
    async () => {
      const box = makeSandbox()
      try {
        writeProject(box, {
          "aim.toml": 'engine = "postgres-15"\n\n[engines.postgres]\nbackend = "local"\n',
          ...longHistory(200),
        })
        const folder = (pid: number) => readdirSync(box.tmp).find((f) => f.startsWith(`aim-pg-${pid}-`))
        const pid = await killMidRun(box, {}, async (p) => {
          const name = folder(p)
          return name !== undefined && processesUsing(`${box.tmp}/${name}`).length > 0
        })
        // The killed run's server outlives it.
        expect(processesUsing(box.tmp).length).toBeGreaterThan(0)
        const next = await runAim(box, ["generate", "--dry-run"], {})
        expect(next.code, next.stderr).toBe(0)
        expect(folder(pid)).toBeUndefined()
        expect(processesUsing(box.tmp)).toEqual([])
        expect(readdirSync(box.tmp)).toEqual([])
        expect(removalLines(next.stderr)).toEqual([
          `aim: postgres-15: removed 1 pg temp folder left by aim run that ended without cleaning up (pid ${pid})`,
        ])
      } finally {
        disposeSandbox(box)
      }
    },
  )

  test.skipIf(!hasPg)("a live run's databases are left alone", async () => {
    const box = makeSandbox()
    let role: PgRole | undefined
    const holder = Bun.spawn(["sleep", "60"])
    try {
      role = await makePgRole({ superuser: true })
      // A database named as a run of this machine whose process is alive (the sleep).
      const live = `aim_${(await import("../../engines/run-mark.ts")).hostMark()}_${holder.pid}_0123abcd`
      await pgAdmin().unsafe(`CREATE DATABASE "${live}" OWNER ${role.name}`)
      writeProject(box, {
        "aim.toml": 'engine = "postgres-15"\n\n[engines.postgres]\nbackend = "url"\n',
        ...longHistory(2),
      })
      const next = await runAim(box, ["generate", "--dry-run"], { AIM_POSTGRES_URL: role.url })
      expect(next.code, next.stderr).toBe(0)
      expect(await pgNamesOf(holder.pid)).toEqual([`database ${live}`])
      expect(removalLines(next.stderr).filter((l) => l.includes(`${holder.pid}`))).toEqual([])
    } finally {
      holder.kill()
      await dropPgRole(role)
      disposeSandbox(box)
    }
  })
})

afterAll(() => closePgAdmin())
