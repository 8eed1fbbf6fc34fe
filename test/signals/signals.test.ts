/**
 * Signals at each phase of `aim generate`. The CLI is spawned directly (Bun.spawn, no shell: a
 * background job of a non-interactive shell ignores SIGINT) on a pseudo-terminal, because aim prints
 * its phase lines ("  engine ...", "  snapshot ...", "  plan ...", "  rules ...") only to a terminal;
 * each line is printed when its phase ends, so a signal sent right after one lands in the next.
 * For SIGINT and SIGTERM at each phase: exit 130 / 143 (or 0 only when the run had already finished
 * its work: then the migration is complete), no throwaway database left, no server process or temp
 * folder left in the run's private TMPDIR, and the migrations folder holds nothing new or a complete
 * set. SQLite works synchronously, so a signal there is handled at the next async boundary: the
 * test reports how long that took.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test"
import { readdirSync } from "node:fs"
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
  pgAvailable,
  pgDatabasesOf,
  snapshotTree,
  writeProject,
} from "../bad-input/_harness.ts"
import { expectCleanStop, type Signal, sendSignal, spawnOnTty, stopRun, type TtyRun } from "./_tty.ts"

setDefaultTimeout(240_000)

const hasPg = await pgAvailable()
const hasMariadb = mariadbAvailable()
const hasInitdb = Bun.which("initdb") !== null

const pgUrlToml = 'engine = "postgres-15"\n\n[engines.postgres]\nbackend = "url"\n'
const signals: ReadonlyArray<Signal> = ["SIGINT", "SIGTERM"]

describe.skipIf(!hasPg)("PostgreSQL url, 200-migration history", () => {
  /** Where to signal: after which progress line, and once a throwaway database exists. */
  const phases = [
    { phase: "snapshot (replay)", after: /^ {2}engine /m, mayComplete: false },
    { phase: "verify", after: /^ {2}plan /m, mayComplete: false },
    { phase: "write", after: /^ {2}rules /m, mayComplete: true },
  ]
  for (const { phase, after, mayComplete } of phases) {
    for (const signal of signals) {
      test.concurrent(`${signal} during ${phase}`, async () => {
        const box = makeSandbox("aim-sig-")
        let run: TtyRun | undefined
        let role: PgRole | undefined
        try {
          writeProject(box, { "aim.toml": pgUrlToml, ...longHistory(200) })
          role = await makePgRole()
          const before = snapshotTree(box.project)
          run = spawnOnTty(box, ["generate"], { AIM_POSTGRES_URL: role.url })
          await run.waitFor(after)
          if (phase !== "write") {
            const owner = role
            // During verify two exist: the replayed history, kept as a template, and the copy verified.
            const want = phase === "verify" ? 2 : 1
            const deadline = Date.now() + 30_000
            while ((await pgDatabasesOf(owner)).length < want && Date.now() < deadline) await Bun.sleep(20)
            expect((await pgDatabasesOf(owner)).length).toBeGreaterThanOrEqual(want)
          }
          const delivered = sendSignal(run, signal)
          const { code, latency, said } = await expectCleanStop(box, run, signal, before, {
            mayComplete: mayComplete || !delivered,
            role,
          })
          // Both databases (and the server's spare, if it still stood) were dropped, and it says so.
          if (phase === "verify" && code !== 0) {
            const removed = Number(/removed (\d+) throwaway databases/.exec(said ?? "")?.[1])
            expect(removed, said).toBeGreaterThanOrEqual(2)
          }
          console.log(`signals: postgres url, ${signal} during ${phase}: exit ${code} after ${latency} ms`)
        } finally {
          await stopRun(run)
          await dropPgRole(role)
          disposeSandbox(box)
        }
      })
    }
  }
})

describe.skipIf(!hasMariadb)("MariaDB url, 100-migration history", () => {
  for (const signal of signals) {
    test.concurrent(`${signal} during snapshot (replay)`, async () => {
      const box = makeSandbox("aim-sig-")
      let run: TtyRun | undefined
      try {
        writeProject(box, {
          "aim.toml": 'engine = "mariadb-10.11"\n\n[engines.mariadb]\nbackend = "url"\n',
          ...longHistory(100, "id int PRIMARY KEY, v text"),
        })
        const mariadbBefore = mariadbAimDatabases()
        const before = snapshotTree(box.project)
        run = spawnOnTty(box, ["generate"], { AIM_MARIADB_URL: MARIADB_URL })
        await run.waitFor(/^ {2}engine /m)
        const delivered = sendSignal(run, signal)
        const { code, latency } = await expectCleanStop(box, run, signal, before, {
          mariadbBefore,
          mayComplete: !delivered,
        })
        console.log(`signals: mariadb url, ${signal} during replay: exit ${code} after ${latency} ms`)
      } finally {
        await stopRun(run)
        disposeSandbox(box)
      }
    })
  }
})

describe.skipIf(!hasInitdb)("PostgreSQL local (initdb/pg_ctl in the run's TMPDIR)", () => {
  const cases: ReadonlyArray<{ signal: Signal; phase: "startup" | "replay" }> = [
    { signal: "SIGINT", phase: "startup" },
    { signal: "SIGTERM", phase: "startup" },
    { signal: "SIGINT", phase: "replay" },
    { signal: "SIGTERM", phase: "replay" },
  ]
  for (const { signal, phase } of cases) {
    test.concurrent(`${signal} during ${phase}: server stopped, its folder removed`, async () => {
      const box = makeSandbox("aim-sig-")
      let run: TtyRun | undefined
      try {
        writeProject(box, {
          "aim.toml": 'engine = "postgres-15"\n\n[engines.postgres]\nbackend = "local"\n',
          ...longHistory(200),
        })
        const before = snapshotTree(box.project)
        run = spawnOnTty(box, ["generate"], {})
        if (phase === "startup") {
          const deadline = Date.now() + 60_000
          while (!readdirSync(box.tmp).some((f) => f.startsWith("aim-pg-")) && Date.now() < deadline)
            await Bun.sleep(20)
          expect(readdirSync(box.tmp).some((f) => f.startsWith("aim-pg-"))).toBe(true)
        } else {
          await run.waitFor(/^ {2}engine /m)
          await Bun.sleep(300)
        }
        const delivered = sendSignal(run, signal)
        const { code, latency } = await expectCleanStop(box, run, signal, before, { mayComplete: !delivered })
        console.log(`signals: postgres local, ${signal} during ${phase}: exit ${code} after ${latency} ms`)
      } finally {
        await stopRun(run)
        disposeSandbox(box)
      }
    })
  }
})

describe("PostgreSQL embedded (PGlite)", () => {
  for (const signal of signals) {
    test.concurrent(`${signal} during snapshot: nothing left`, async () => {
      const box = makeSandbox("aim-sig-")
      let run: TtyRun | undefined
      try {
        writeProject(box, {
          "aim.toml": 'engine = "postgres-18"\n\n[engines.postgres]\nbackend = "embedded"\n',
          ...longHistory(150),
        })
        const before = snapshotTree(box.project)
        run = spawnOnTty(box, ["generate"], {})
        await run.waitFor(/^ {2}engine /m)
        await Bun.sleep(200)
        sendSignal(run, signal)
        const { code, latency } = await expectCleanStop(box, run, signal, before, { mayComplete: true })
        console.log(`signals: postgres embedded, ${signal} during snapshot: exit ${code} after ${latency} ms`)
      } finally {
        await stopRun(run)
        disposeSandbox(box)
      }
    })
  }
})

describe("SQLite (synchronous work), 400-migration history", () => {
  for (const signal of signals) {
    test.concurrent(`${signal} during snapshot: a complete migration or none`, async () => {
      const box = makeSandbox("aim-sig-")
      let run: TtyRun | undefined
      try {
        writeProject(box, { "aim.toml": 'engine = "sqlite"\n', ...longHistory(400) })
        const before = snapshotTree(box.project)
        run = spawnOnTty(box, ["generate"], {})
        await run.waitFor(/^ {2}engine /m)
        sendSignal(run, signal)
        const { code, latency } = await expectCleanStop(box, run, signal, before, { mayComplete: true })
        console.log(`signals: sqlite, ${signal} during snapshot: exit ${code} after ${latency} ms`)
      } finally {
        await stopRun(run)
        disposeSandbox(box)
      }
    })
  }
})

afterAll(() => closePgAdmin())
