/**
 * Cleanup of throwaway databases on a server (backends/throwaway.ts), with the url backend against
 * the machine's PostgreSQL (skipped, with the reason, when none answers): the database made ahead of
 * the first `ephemeral` is dropped when nobody asks for it, also when the backend is interrupted while
 * being built; every database in use when the scope is interrupted goes, with its sandbox role; and
 * a database released while another stays in use is gone as soon as its own scope closes. Each test
 * runs as a login role of its own, so what it leaves is told apart from other runs on the server.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test"
import { Cause, Deferred, Effect, Exit, Fiber } from "effect"
import postgres from "postgres"
import { urlBackend } from "../../../engines/postgres/backends/url.ts"
import type { PgSession } from "../../../engines/postgres/session.ts"

setDefaultTimeout(120_000)

const serverUrl = process.env.AIM_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres"
const admin = postgres(serverUrl, { max: 1, connect_timeout: 3, onnotice: () => {} })
const hasServer = await admin`SELECT 1`.then(
  () => true,
  () => false,
)
if (!hasServer) console.warn("skipped: throwaway cleanup tests, no PostgreSQL answers at 127.0.0.1:5432")
afterAll(() => admin.end({ timeout: 5 }))

const engine = "postgres-15"
const currentDatabase = async (session: PgSession) =>
  (await session.query<{ name: string }>("SELECT current_database() AS name"))[0]?.name ?? ""

/**
 * What aim left of a run as `role`: databases it owns, and sandbox roles granted to it (a
 * non-superuser joins each sandbox role so it may create and drop the sandbox's database) with the
 * databases they own.
 */
async function leftBy(role: string): Promise<string[]> {
  const rows = await admin<{ n: string }[]>`
    SELECT d.datname AS n FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE r.rolname = ${role}
    UNION ALL
    SELECT s.rolname FROM pg_auth_members m JOIN pg_roles s ON s.oid = m.roleid JOIN pg_roles r ON r.oid = m.member
     WHERE r.rolname = ${role}
    UNION ALL
    SELECT d.datname FROM pg_database d JOIN pg_auth_members m ON m.roleid = d.datdba JOIN pg_roles r ON r.oid = m.member
     WHERE r.rolname = ${role}`
  return rows.map((r) => r.n).sort()
}

/** Databases and roles of these names that still exist. */
async function leftOf(names: ReadonlyArray<string>): Promise<string[]> {
  const rows = await admin<{ n: string }[]>`
    SELECT rolname AS n FROM pg_roles WHERE rolname = ANY(${[...names]})
    UNION ALL SELECT datname FROM pg_database WHERE datname = ANY(${[...names]})`
  return rows.map((r) => r.n).sort()
}

/** Run `body` with the URL of a fresh login role with `options`; the role and what it owns go after. */
async function asRole(options: string, body: (url: string, role: string) => Promise<void>) {
  const role = `aimtest_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`
  await admin.unsafe(`CREATE ROLE ${role} LOGIN ${options}`)
  const url = new URL(serverUrl)
  url.username = role
  try {
    await body(url.toString(), role)
  } finally {
    for (const name of await leftBy(role)) {
      await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
      await admin.unsafe(`DROP ROLE IF EXISTS "${name}"`)
    }
    await admin.unsafe(`DROP ROLE IF EXISTS ${role}`)
  }
}

test("a server that refuses connections is the engine's failure, with nothing else to clean up", async () => {
  const exit = await Effect.runPromiseExit(
    Effect.scoped(urlBackend(engine, "postgres://postgres@127.0.0.1:1/postgres")),
  )
  expect(Exit.isFailure(exit)).toBe(true)
  if (!Exit.isFailure(exit)) return
  // A finalizer that failed would turn the failure into a defect (aim's "internal error").
  expect(Cause.hasDies(exit.cause)).toBe(false)
  expect(Cause.findErrorOption(exit.cause)).toMatchObject({ value: { _tag: "EngineFailed" } })
})

describe.skipIf(!hasServer)("throwaway databases on a server", () => {
  for (const [kind, options] of [
    ["without sandbox roles", "CREATEDB"],
    ["with sandbox roles", "CREATEDB CREATEROLE"],
  ] as const) {
    test(`${kind}: the database made ahead is dropped when no ephemeral asks for it`, () =>
      asRole(options, async (url, role) => {
        await Effect.runPromise(Effect.scoped(urlBackend(engine, url)))
        expect(await leftBy(role)).toEqual([])
      }))

    test(`${kind}: interrupted while the backend is built, nothing is left`, () =>
      asRole(options, async (url, role) => {
        for (const delay of [0, 20, 60]) {
          const fiber = Effect.runFork(Effect.scoped(urlBackend(engine, url)))
          await Bun.sleep(delay)
          await Effect.runPromise(Fiber.interrupt(fiber))
          expect(await leftBy(role)).toEqual([])
        }
      }))
  }

  test("every database in use when the scope is interrupted is dropped, with its sandbox role", async () => {
    const names: string[] = []
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const backend = yield* urlBackend(engine, serverUrl)
          const ready = yield* Deferred.make<void>()
          const fiber = yield* Effect.forkChild(
            Effect.scoped(
              Effect.gen(function* () {
                const sessions = yield* Effect.all(
                  [backend.ephemeral, backend.ephemeral, backend.ephemeral],
                  {
                    concurrency: 3,
                  },
                )
                for (const session of sessions)
                  names.push(yield* Effect.promise(() => currentDatabase(session)))
                // A statement in flight on one of them when the interruption comes.
                const busy = sessions[0] as PgSession
                yield* Effect.forkChild(Effect.promise(() => busy.query("SELECT pg_sleep(30)")))
                yield* Deferred.succeed(ready, undefined)
                return yield* Effect.never
              }),
            ),
          )
          yield* Deferred.await(ready)
          yield* Fiber.interrupt(fiber)
          expect(yield* Effect.promise(() => leftOf(names))).toEqual([])
        }),
      ),
    )
    expect(new Set(names).size).toBe(3)
    expect(await leftOf(names)).toEqual([])
  })

  test("a database released while another stays in use is gone when its own scope closes", async () => {
    const names: string[] = []
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const backend = yield* urlBackend(engine, serverUrl)
          const held = yield* backend.ephemeral
          names.push(yield* Effect.promise(() => currentDatabase(held)))
          const released = yield* Effect.scoped(
            Effect.gen(function* () {
              const session = yield* backend.ephemeral
              return yield* Effect.promise(() => currentDatabase(session))
            }),
          )
          names.push(released)
          expect(yield* Effect.promise(() => leftOf([released]))).toEqual([])
          expect(yield* Effect.promise(() => leftOf(names.slice(0, 1)))).toHaveLength(2)
        }),
      ),
    )
    expect(await leftOf(names)).toEqual([])
  })
})
