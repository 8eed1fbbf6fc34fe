/**
 * A server connection that breaks at each moment of a run: while connecting, while the history is
 * replayed, while the catalog is read, and while a throwaway database is dropped; by a TCP reset
 * (ECONNRESET, EPIPE on the next write) and by a plain close. aim reaches the servers through a
 * proxy (_reset-proxy.ts) that breaks its connections on cue, so the shared servers other suites
 * use are never disturbed. Each fault ends in the engine's one message and exit 1, never a crash
 * or a hang, and the run removes what it can: a drop that fails is done again on a fresh
 * connection, so that fault costs nothing and the run succeeds. Afterwards no throwaway database
 * of the run is left on the server, and nothing in its temp folder.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test"
import {
  closePgAdmin,
  disposeSandbox,
  dropPgRole,
  expectOneMessage,
  longHistory,
  MARIADB_URL,
  makePgRole,
  makeSandbox,
  messages,
  mariadbAimDatabases,
  mariadbAvailable,
  type PgRole,
  pgAdmin,
  pgAvailable,
  type Result,
  runAim,
  tempLeft,
  writeProject,
} from "./_harness.ts"
import { startResetProxy } from "./_reset-proxy.ts"

setDefaultTimeout(120_000)

const hasPg = await pgAvailable()
const hasMariadb = mariadbAvailable()

/** Where a fault lands: what the client sends at that moment, and whether the run can still succeed. */
const points = [
  { at: "connecting", trigger: "*", times: Number.POSITIVE_INFINITY, survives: false },
  { at: "replaying the history", trigger: "CREATE TABLE t40 ", times: 1, survives: false },
  { at: "reading the catalog", catalog: true, times: 1, survives: false },
  { at: "dropping a throwaway database", trigger: "DROP DATABASE", times: 1, survives: true },
] as const

const ways = ["reset", "close"] as const

/** Throwaway databases on the PostgreSQL server whose names carry `pid`. */
async function pgLeftBy(pid: number): Promise<string[]> {
  const rows = await pgAdmin()<{ name: string }[]>`
    SELECT datname AS name FROM pg_database WHERE datname ~ ${`^aim_[0-9a-f]{8}_${pid}_`}
    UNION ALL SELECT rolname FROM pg_roles WHERE rolname ~ ${`^aim_[0-9a-f]{8}_${pid}_`}`
  return rows.map((r) => r.name)
}

/** Check the run's outcome for a fault at `point`. */
function expectOutcome(r: Result, point: (typeof points)[number], engine: string) {
  if (point.survives) {
    expect(r.code, r.stderr).toBe(0)
    expect(messages(r.stderr)).toEqual([])
  } else expectOneMessage(r, 1, [`aim: ${engine}: `])
}

describe.skipIf(!hasPg)("PostgreSQL: a connection broken at each moment", () => {
  for (const point of points)
    for (const how of ways)
      test.concurrent(`${point.at}, by a ${how}`, async () => {
        const box = makeSandbox()
        let role: PgRole | undefined
        const proxy = await startResetProxy({
          target: { host: "127.0.0.1", port: 5432 },
          trigger: "catalog" in point ? "pg_class" : point.trigger,
          times: point.times,
          how,
        })
        try {
          // A superuser, as many users' URLs are: throwaway databases then run as sandbox roles too.
          role = await makePgRole({ superuser: true })
          writeProject(box, {
            "aim.toml": 'engine = "postgres-15"\n\n[engines.postgres]\nbackend = "url"\n',
            ...longHistory(60),
          })
          const r = await runAim(box, ["generate", "--dry-run"], {
            AIM_POSTGRES_URL: `postgres://${role.name}@127.0.0.1:${proxy.port}/postgres`,
          })
          console.log(`connection faults: postgres, ${point.at}, ${how}: exit ${r.code} ${r.stderr.trim()}`)
          expect(proxy.broken()).toBeGreaterThan(0)
          expectOutcome(r, point, "postgres-15")
          expect(await pgLeftBy(r.pid)).toEqual([])
          expect(tempLeft(box)).toEqual([])
        } finally {
          await proxy.stop()
          await dropPgRole(role)
          disposeSandbox(box)
        }
      })
})

describe.skipIf(!hasMariadb)("MariaDB: a connection broken at each moment", () => {
  const target = new URL(MARIADB_URL)
  for (const point of points)
    for (const how of ways)
      test.concurrent(`${point.at}, by a ${how}`, async () => {
        const box = makeSandbox()
        const proxy = await startResetProxy({
          target: { host: target.hostname, port: Number(target.port || 3306) },
          trigger: "catalog" in point ? "information_schema.COLUMNS" : point.trigger,
          times: point.times,
          how,
        })
        try {
          writeProject(box, {
            "aim.toml": 'engine = "mariadb-10.11"\n\n[engines.mariadb]\nbackend = "url"\n',
            ...longHistory(60, "id int PRIMARY KEY, v varchar(20)"),
          })
          const url = new URL(MARIADB_URL)
          url.host = `127.0.0.1:${proxy.port}`
          const r = await runAim(box, ["generate", "--dry-run"], { AIM_MARIADB_URL: url.toString() })
          console.log(`connection faults: mariadb, ${point.at}, ${how}: exit ${r.code} ${r.stderr.trim()}`)
          expect(proxy.broken()).toBeGreaterThan(0)
          expectOutcome(r, point, "mariadb-10.11")
          const mine = new RegExp(`^aim_[0-9a-f]{8}_${r.pid}_`)
          expect([...mariadbAimDatabases()].filter((name) => mine.test(name))).toEqual([])
          expect(tempLeft(box)).toEqual([])
        } finally {
          await proxy.stop()
          disposeSandbox(box)
        }
      })
})

afterAll(() => closePgAdmin())
