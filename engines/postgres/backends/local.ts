/**
 * local backend: a private PostgreSQL cluster made with the machine's own initdb and pg_ctl, in a
 * temp folder, listening only on a Unix socket inside that folder, with durability off (fsync,
 * full_page_writes, synchronous_commit) since nothing in it outlives the run. As root, initdb and
 * the server run as an unprivileged user (see run-as.ts). Resources: one server and its folder for
 * the life of the scope the backend is acquired in (the engine layer's: one per aim run); the
 * server is stopped and the folder removed when that scope closes, on success, failure or Ctrl-C.
 * Throwaway databases inside it work as on any server (throwaway.ts), each with its own sandbox
 * role: the server runs as the same OS user that may own the machine's real PostgreSQL data, so
 * model-written SQL must not run as its superuser.
 */
import { appendFileSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import postgres from "postgres"
import { EngineFailed } from "../../engine.ts"
import { type AskedMajor, errorText, failWith, type PgBackend } from "./backend.ts"
import { type LocalInstall, pickInstall } from "./local-install.ts"
import { connectionDefaults } from "./postgres-js-session.ts"
import { type RunAs, resolveRunAs, runProgram } from "./run-as.ts"
import { throwawayServer } from "./throwaway.ts"

export interface LocalBackend extends PgBackend {
  /** The cluster's temp folder, removed when the scope closes. */
  readonly folder: string
}

/** Settings for a server whose data is worthless after the run: no durability, no TCP. */
export function serverSettings(socketDir: string): string {
  return [
    "",
    "# aim: a throwaway cluster",
    "listen_addresses = ''",
    `unix_socket_directories = '${socketDir.replace(/'/g, "''")}'`,
    "port = 5432",
    "fsync = off",
    "full_page_writes = off",
    "synchronous_commit = off",
    "",
  ].join("\n")
}

/** The folders of one cluster; `root` holds the data folder, the socket and the log. */
export function clusterPaths(root: string) {
  return { root, data: join(root, "data"), log: join(root, "server.log") }
}

const tail = (file: string) => {
  try {
    return readFileSync(file, "utf8").trim().split("\n").slice(-5).join("\n")
  } catch {
    return ""
  }
}

/** Stop the server however it can be stopped: pg_ctl first, the pid from postmaster.pid if that fails. */
async function stopServer(runAs: RunAs, install: LocalInstall, data: string, cwd: string) {
  try {
    await runProgram(
      runAs,
      join(install.binDir, "pg_ctl"),
      ["stop", "-D", data, "-m", "immediate", "-w", "-s"],
      cwd,
      30_000,
    )
  } catch {
    const pid = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0])
    if (Number.isInteger(pid) && pid > 0) process.kill(pid, "SIGKILL")
  }
}

export const localBackend = Effect.fnUntraced(function* (
  engine: string,
  asked: AskedMajor,
  installs: ReadonlyArray<LocalInstall>,
) {
  const install = pickInstall(installs, asked)
  if (!install)
    return yield* new EngineFailed({
      engine,
      action: "start a local PostgreSQL server",
      reason:
        "initdb and pg_ctl were not found on PATH nor in /usr/lib/postgresql/<version>/bin, /usr/local/pgsql/bin, /opt/homebrew/opt/postgresql@<version>/bin or /usr/pgsql-<version>/bin; install the PostgreSQL server package (e.g. apt install postgresql) or put its bin folder on PATH",
    })
  const fail = (action: string) => failWith(engine, action)
  const runAs = resolveRunAs()
  if (runAs instanceof Error) return yield* fail("start a local PostgreSQL server")(runAs)

  const paths = yield* Effect.acquireRelease(
    Effect.try({
      try: () => {
        const paths = clusterPaths(mkdtempSync(join(tmpdir(), "aim-pg-")))
        if (runAs.uid !== undefined && runAs.gid !== undefined) chownSync(paths.root, runAs.uid, runAs.gid)
        return paths
      },
      catch: fail("create a folder for the local PostgreSQL server"),
    }),
    (paths) =>
      Effect.try(() => rmSync(paths.root, { recursive: true, force: true, maxRetries: 3 })).pipe(
        Effect.catch((error) =>
          Effect.logWarning(`${engine}: could not remove ${paths.root}: ${errorText(error.cause ?? error)}`),
        ),
      ),
  )
  // Uninterruptible: on Ctrl-C, initdb finishes (about a second) before the folder is removed,
  // rather than racing the removal and leaving files behind.
  yield* Effect.uninterruptible(
    Effect.tryPromise({
      try: async () => {
        await runProgram(
          runAs,
          join(install.binDir, "initdb"),
          ["-D", paths.data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"],
          paths.root,
        )
        appendFileSync(join(paths.data, "postgresql.conf"), serverSettings(paths.root))
      },
      catch: fail(`initialize a PostgreSQL ${install.version} cluster with ${install.binDir}/initdb`),
    }),
  )
  yield* Effect.acquireRelease(
    Effect.tryPromise({
      try: () =>
        runProgram(
          runAs,
          join(install.binDir, "pg_ctl"),
          ["start", "-D", paths.data, "-l", paths.log, "-w", "-t", "60", "-s"],
          paths.root,
        ).catch((error) => {
          const log = tail(paths.log)
          throw new Error(log ? `${(error as Error).message}\n${log}` : (error as Error).message)
        }),
      catch: fail(`start the local PostgreSQL ${install.version} server`),
    }),
    () =>
      Effect.promise(() =>
        existsSync(join(paths.data, "postmaster.pid"))
          ? stopServer(runAs, install, paths.data, paths.root).catch(() => undefined)
          : Promise.resolve(),
      ),
  )
  const server = yield* throwawayServer({
    engine,
    clean: (text) => text,
    privileges: "superuser privileges",
    // initdb -A trust: any role may log in over the socket, so sandbox roles need no pg_hba.conf line.
    connect: (database, login) =>
      postgres({
        ...connectionDefaults,
        host: paths.root,
        port: 5432,
        user: login?.user ?? "postgres",
        ...(login ? { pass: login.password } : {}),
        database: database ?? "postgres",
      }),
  })
  const notes = [`local initdb/pg_ctl from ${install.binDir}`, runAs.note, server.sandboxNote].filter(
    (n) => n !== undefined,
  )
  return {
    name: "local",
    serverVersion: server.serverVersion,
    detail: notes.join(", "),
    ephemeral: server.ephemeral,
    folder: paths.root,
  } satisfies LocalBackend
})
