/**
 * local backend: a private PostgreSQL cluster run with the machine's own server binaries, in a
 * temp folder, listening only on a Unix socket inside that folder, with durability off (fsync,
 * full_page_writes, synchronous_commit) since nothing in it outlives the run. The cluster's data
 * folder is a copy of one initdb made earlier and kept in the user's cache folder (see
 * data-folder-cache.ts); initdb runs, and fills the cache, only when there is none, when it is
 * unusable, or with AIM_NO_CACHE=1. As root, initdb and the server run as an unprivileged user (see
 * run-as.ts). Resources: one server and its folder for the life of the scope the backend is
 * acquired in (the engine layer's: one per aim run); the server is stopped and the folder removed
 * when that scope closes, on success, failure or Ctrl-C. The cache entry is only read.
 * Throwaway databases inside it work as on any server (throwaway.ts), each with its own sandbox
 * role: the server runs as the same OS user that may own the machine's real PostgreSQL data, so
 * model-written SQL must not run as its superuser.
 */
import { spawn } from "node:child_process"
import {
  appendFileSync,
  chownSync,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import postgres from "postgres"
import {
  checkEntry,
  copyOut,
  type DataFolderEntry,
  dataFolderEntry,
  dropEntry,
  fileIdentity,
  machineInputs,
  type Owner,
  storeEntry,
} from "../../data-folder-cache.ts"
import { EngineFailed } from "../../engine.ts"
import { removeLeftoverFolders } from "../../leftover-folders.ts"
import { tempPrefix } from "../../run-mark.ts"
import { type AskedMajor, errorText, failWith, type PgBackend } from "./backend.ts"
import { type LocalInstall, pickInstall } from "./local-install.ts"
import { connectionDefaults } from "./postgres-js-session.ts"
import { type RunAs, resolveRunAs, runProgram } from "./run-as.ts"
import { throwawayServer } from "./throwaway.ts"
import { countRemoval } from "../../removals.ts"

export interface LocalBackend extends PgBackend {
  /** The cluster's temp folder, removed when the scope closes. */
  readonly folder: string
  /** Where the data folder came from: a copy of the cached one, or initdb (and whether it was cached). */
  readonly start: { readonly from: "cache" | "initdb"; readonly note: string; readonly cacheFolder?: string }
}

export interface LocalOptions {
  /** Where initialized data folders are cached; the user's cache folder by default. */
  readonly cacheDir?: string
}

/** What initdb is told besides the folder; part of the cache key. */
export const initdbArgs = ["-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"] as const

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
type ClusterPaths = ReturnType<typeof clusterPaths>

const tail = (file: string) => {
  try {
    return readFileSync(file, "utf8").trim().split("\n").slice(-5).join("\n")
  } catch {
    return ""
  }
}

/** The lines of postmaster.pid: pid, data folder, start time, port, socket folder, ..., status. */
function postmasterStatus(data: string): string[] | undefined {
  try {
    return readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")
  } catch {
    return undefined
  }
}

/** Whether `pid` runs; a zombie (exited, waiting for its parent) does not. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    const state = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0]
    return state !== "Z" && state !== "X"
  } catch {
    return true
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Stop the server: SIGQUIT is pg_ctl's immediate shutdown (the data is thrown away), sent directly
 * because pg_ctl only checks every 100 ms whether it worked; pg_ctl and then SIGKILL if that fails.
 */
async function stopServer(runAs: RunAs, install: LocalInstall, data: string, cwd: string) {
  const pid = Number(postmasterStatus(data)?.[0])
  if (!Number.isInteger(pid) || pid <= 0) return
  try {
    process.kill(pid, "SIGQUIT")
    const deadline = Date.now() + 15_000
    // The postmaster removes postmaster.pid as it exits, after its children have gone.
    while ((existsSync(join(data, "postmaster.pid")) || isRunning(pid)) && Date.now() < deadline)
      await sleep(5)
    if (!isRunning(pid)) return
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return
    // Not ours to signal (EPERM): pg_ctl, run as the server's user, can.
  }
  try {
    await runProgram(
      runAs,
      join(install.binDir, "pg_ctl"),
      ["stop", "-D", data, "-m", "immediate", "-w", "-s"],
      cwd,
      30_000,
    )
  } catch {
    if (isRunning(pid)) process.kill(pid, "SIGKILL")
  }
}

/**
 * Start the server and wait until postmaster.pid says "ready" (PostgreSQL 10+), polling more often
 * than `pg_ctl start -w` does (every 100 ms). The server gets its own session (as pg_ctl gives it),
 * so a Ctrl-C in the terminal reaches aim, which then stops it, and not the server directly.
 */
async function launchServer(runAs: RunAs, install: LocalInstall, paths: ClusterPaths): Promise<void> {
  if (install.major < 10) {
    // No status line in postmaster.pid before 10: pg_ctl knows how to wait for those.
    await runProgram(
      runAs,
      join(install.binDir, "pg_ctl"),
      ["start", "-D", paths.data, "-l", paths.log, "-w", "-t", "60", "-s"],
      paths.root,
    ).catch((error) => {
      const log = tail(paths.log)
      throw new Error(log ? `${(error as Error).message}\n${log}` : (error as Error).message)
    })
    return
  }
  const { file, args } = runAs.wrap(join(install.binDir, "postgres"), ["-D", paths.data])
  const log = openSync(paths.log, "a")
  let ended: string | undefined
  try {
    const child = spawn(file, args, { cwd: paths.root, detached: true, stdio: ["ignore", log, log] })
    child.once("error", (error) => {
      ended = error.message
    })
    child.once("exit", (code, signal) => {
      ended = `exited with ${signal ?? `code ${code}`}`
    })
    child.unref()
  } finally {
    closeSync(log)
  }
  const deadline = Date.now() + 60_000
  for (;;) {
    if (postmasterStatus(paths.data)?.[7]?.trim() === "ready") return
    if (ended !== undefined || Date.now() > deadline) {
      const why = ended === undefined ? "did not accept connections within 60 s" : ended
      await stopServer(runAs, install, paths.data, paths.root).catch(() => undefined)
      const logTail = tail(paths.log)
      throw new Error(`postgres ${why}${logTail ? `\n${logTail}` : ""}`)
    }
    await sleep(5)
  }
}

export const localBackend = Effect.fnUntraced(function* (
  engine: string,
  asked: AskedMajor,
  installs: ReadonlyArray<LocalInstall>,
  options: LocalOptions = {},
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
  const owner: Owner | undefined =
    runAs.uid !== undefined && runAs.gid !== undefined ? { uid: runAs.uid, gid: runAs.gid } : undefined

  // A run killed before it could stop its server left the server running in its folder.
  const removed = yield* Effect.promise(() =>
    removeLeftoverFolders("pg", [{ pidFile: join("data", "postmaster.pid"), signal: "SIGQUIT" }]),
  )
  if (removed) yield* Effect.logInfo(`${engine}: ${removed}`)
  const paths = yield* Effect.acquireRelease(
    Effect.try({
      try: () => {
        const paths = clusterPaths(mkdtempSync(join(tmpdir(), tempPrefix("pg"))))
        if (owner) chownSync(paths.root, owner.uid, owner.gid)
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

  const initdb = join(install.binDir, "initdb")
  const entry = dataFolderEntry({
    name: `postgres-${install.version}`,
    source: initdb,
    inputs: [
      install.version,
      fileIdentity(initdb),
      fileIdentity(join(install.binDir, "postgres")),
      ...initdbArgs,
      ...machineInputs(),
    ],
    cacheDir: options.cacheDir,
  })
  const settings = () => appendFileSync(join(paths.data, "postgresql.conf"), serverSettings(paths.root))

  /** initdb into the run's folder, then keep a copy (without this run's settings) for later runs. */
  const initialize = (why: string) =>
    Effect.tryPromise({
      try: async (): Promise<LocalBackend["start"]> => {
        rmSync(paths.data, { recursive: true, force: true })
        await runProgram(runAs, initdb, ["-D", paths.data, ...initdbArgs], paths.root)
        const stored = entry ? await storeEntry(entry, paths.data) : false
        settings()
        const cached = stored ? "; cached for next time" : entry ? "; the cache folder is not writable" : ""
        return {
          from: "initdb",
          note: `initdb (${why}${cached})`,
          ...(stored && entry ? { cacheFolder: entry.folder } : {}),
        }
      },
      catch: fail(`initialize a PostgreSQL ${install.version} cluster with ${initdb}`),
    })

  /** A copy of the cached data folder, or why there is none (then initdb runs). */
  const fromCache = (entry: DataFolderEntry) =>
    Effect.promise(async (): Promise<LocalBackend["start"] | string> => {
      const check = checkEntry(entry)
      if (!check.usable) return check.why
      try {
        await copyOut(entry, paths.data, owner)
        settings()
        return { from: "cache", note: "started from cached data folder", cacheFolder: entry.folder }
      } catch (error) {
        return `the cached data folder could not be copied (${errorText(error)})`
      }
    })

  // Uninterruptible: on Ctrl-C, initdb or the copy finishes (about a second at most) before the
  // folder is removed, rather than racing the removal and leaving files behind.
  const prepare = Effect.uninterruptible(
    Effect.gen(function* () {
      const cached = entry ? yield* fromCache(entry) : "AIM_NO_CACHE=1"
      return typeof cached === "string" ? yield* initialize(cached) : cached
    }),
  )
  const launch = Effect.acquireRelease(
    Effect.tryPromise({
      try: () => launchServer(runAs, install, paths),
      catch: fail(`start the local PostgreSQL ${install.version} server`),
    }),
    () =>
      Effect.promise(() =>
        existsSync(join(paths.data, "postmaster.pid"))
          ? stopServer(runAs, install, paths.data, paths.root).then(
              () => countRemoval("server"),
              () => undefined,
            )
          : Promise.resolve(),
      ),
  )
  let start = yield* prepare
  yield* launch.pipe(
    Effect.catch((error) => {
      if (start.from !== "cache" || !entry) return Effect.fail(error)
      // The server would not start from the cached copy: that entry is damaged. Drop it, so the next
      // run writes a good one, and start from a fresh initdb, as with no cache at all.
      return Effect.gen(function* () {
        yield* Effect.sync(() => dropEntry(entry))
        start = yield* Effect.uninterruptible(
          initialize(`the server did not start from the cached data folder: ${error.reason.split("\n")[0]}`),
        )
        yield* launch
      })
    }),
  )
  const server = yield* throwawayServer({
    engine,
    clean: (text) => text,
    privileges: "superuser privileges",
    ownsServer: true,
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
  const notes = [
    `local PostgreSQL from ${install.binDir}`,
    start.note,
    runAs.note,
    server.sandboxNote,
  ].filter((n) => n !== undefined)
  return {
    name: "local",
    serverVersion: server.serverVersion,
    detail: notes.join(", "),
    ephemeral: server.ephemeral,
    folder: paths.root,
    start,
  } satisfies LocalBackend
})
