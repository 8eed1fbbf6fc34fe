/**
 * backends: where a MySQL or MariaDB server for throwaway databases comes from, chosen once per run.
 * `url`: a server the user runs (AIM_MYSQL_URL / AIM_MARIADB_URL or `[engines.<flavor>] url`),
 * where aim only creates and drops its own `aim_<host>_<pid>_<random>` databases. `docker`: one container of
 * the official image, durability off. `local`: the machine's mysqld/mariadbd, started on a private
 * socket in a temporary folder from a copy of an initialized data folder kept in the user's cache
 * folder (initialized afresh, and cached, when there is none). `auto` tries them in that order.
 * Resources: the docker and local backends hold a container or a server process plus its folder
 * for the scope they are started in (the engine layer's); both are removed when it closes, on
 * success, failure or interruption. The cached data folder is only read.
 */
import { execFile, spawn, spawnSync } from "node:child_process"
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { delimiter, join } from "node:path"
import { Effect } from "effect"
import type { EngineSettings } from "../../config.ts"
import {
  checkEntry,
  copyOut,
  dataFolderEntry,
  dropEntry,
  fileIdentity,
  machineInputs,
  rememberedVersion,
  storeEntry,
} from "../data-folder-cache.ts"
import { EngineFailed } from "../engine.ts"
import {
  ImageUnavailable,
  imageHelp,
  ensureImage,
  prepareReaper,
  removeLeftoverContainers,
} from "../docker-runtime.ts"
import { removeLeftoverFolders } from "../leftover-folders.ts"
import { containerLabels, tempPrefix } from "../run-mark.ts"
import { type Flavor, plainVersion } from "./flavor.ts"

/** How mysql2 reaches a server, without a database selected. */
export interface ServerAddress {
  readonly host?: string | undefined
  readonly port?: number | undefined
  readonly socketPath?: string | undefined
  readonly user: string
  readonly password?: string | undefined
}

export type BackendKind = "url" | "docker" | "local"

export type BackendChoice =
  | { readonly kind: "url"; readonly url: string; readonly source: string; readonly why: string }
  | { readonly kind: "docker"; readonly why: string }
  | {
      readonly kind: "local"
      readonly server: string
      readonly installer?: string | undefined
      readonly version: string
      readonly why: string
      /** One line for the run's output when auto passed a daemon over that could not provide the image. */
      readonly notice?: string | undefined
    }
  | { readonly kind: "none"; readonly why: string }

export const envVariable = (flavor: Flavor) => (flavor.name === "mysql" ? "AIM_MYSQL_URL" : "AIM_MARIADB_URL")

/** `mysql://user:secret@host:3306/db` -> address; the password never appears in messages. */
export function parseServerUrl(url: string): ServerAddress {
  const u = new URL(url)
  if (u.protocol !== "mysql:" && u.protocol !== "mariadb:")
    throw new Error(`expected a mysql:// or mariadb:// url, got ${u.protocol}//...`)
  const socket = u.searchParams.get("socket") ?? undefined
  return {
    host: socket ? undefined : u.hostname || "127.0.0.1",
    port: socket ? undefined : u.port ? Number(u.port) : 3306,
    socketPath: socket,
    user: decodeURIComponent(u.username || "root"),
    password: u.password ? decodeURIComponent(u.password) : undefined,
  }
}

/** The address as text for messages: user, host and port, never the password. */
export const describeAddress = (a: ServerAddress) =>
  a.socketPath ? `${a.user}@${a.socketPath}` : `${a.user}@${a.host}:${a.port}`

/** An executable of that name on PATH or in the usual sbin folders. */
export function findExecutable(name: string, path = process.env.PATH ?? ""): string | undefined {
  const folders = [...path.split(delimiter), "/usr/sbin", "/usr/local/sbin", "/usr/local/mysql/bin"]
  for (const folder of folders) {
    if (folder === "") continue
    const candidate = join(folder, name)
    if (existsSync(candidate)) return candidate
  }
  return undefined
}

/**
 * `mariadbd --version` -> "10.11.19-MariaDB" etc.; undefined when it does not run. Remembered per
 * binary (see data-folder-cache.ts): mariadbd takes 25 ms or more to answer, a twentieth of a local
 * run that starts from a cached data folder.
 */
export function binaryVersion(
  binary: string,
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  return rememberedVersion(
    binary,
    () => {
      const run = spawnSync(binary, ["--version"], { encoding: "utf8", timeout: 10_000 })
      if (run.status !== 0) return undefined
      return /Ver\s+(\S+)/.exec(run.stdout)?.[1] ?? run.stdout.trim()
    },
    env,
  )
}

/** The server binary of the right flavor on this machine (Debian's `mysqld` may be MariaDB's). */
export function findLocalServer(
  flavor: Flavor,
): { server: string; version: string; installer?: string } | undefined {
  for (const name of flavor.serverBinaries) {
    const server = findExecutable(name)
    if (!server) continue
    const version = binaryVersion(server)
    if (!version) continue
    if (/mariadb/i.test(version) !== (flavor.name === "mariadb")) continue
    const installer =
      flavor.name === "mariadb"
        ? (findExecutable("mariadb-install-db") ?? findExecutable("mysql_install_db"))
        : undefined
    if (flavor.name === "mariadb" && !installer) continue
    return { server, version, installer }
  }
  return undefined
}

const dockerAnswers = Effect.tryPromise({
  try: async () => {
    const { getContainerRuntimeClient } = await import("testcontainers")
    await getContainerRuntimeClient()
    return true
  },
  catch: (error) => (error instanceof Error ? error.message : String(error)),
}).pipe(
  Effect.timeout("20 seconds"),
  Effect.catch((reason) => Effect.succeed(typeof reason === "string" ? reason : "no answer within 20 s")),
)

const BACKENDS = ["auto", "url", "docker", "local"]

/** Pick the backend: the one configured, or with `auto` the first of url, docker, local that is there. */
export const chooseBackend = Effect.fnUntraced(function* (
  flavor: Flavor,
  settings: EngineSettings | undefined,
  env: Readonly<Record<string, string | undefined>>,
) {
  const wanted = settings?.backend ?? "auto"
  const variable = envVariable(flavor)
  if (!BACKENDS.includes(wanted))
    return {
      kind: "none",
      why: `[engines.${flavor.name}] backend = "${wanted}" is not one of ${BACKENDS.join(", ")}`,
    } satisfies BackendChoice
  const url = env[variable]
    ? { url: env[variable] as string, source: variable }
    : settings?.url
      ? { url: settings.url, source: `[engines.${flavor.name}] url` }
      : undefined
  if (wanted === "url" || (wanted === "auto" && url)) {
    if (!url)
      return {
        kind: "none",
        why: `backend = "url" but neither ${variable} nor [engines.${flavor.name}] url is set`,
      } satisfies BackendChoice
    return { kind: "url", ...url, why: `url from ${url.source}` } satisfies BackendChoice
  }
  const noUrl = `no ${variable} or [engines.${flavor.name}] url`
  let noDocker = "no Docker daemon"
  let notice: string | undefined
  if (wanted === "docker" || wanted === "auto") {
    const answer = yield* dockerAnswers
    // A daemon that cannot provide the image is no dead end: auto takes the next backend.
    const missing =
      answer === true
        ? yield* Effect.promise(() =>
            ensureImage(flavor.dockerImage).catch(
              (error) => new ImageUnavailable({ image: flavor.dockerImage, reason: String(error) }),
            ),
          )
        : undefined
    if (answer === true && missing === undefined)
      return {
        kind: "docker",
        why: wanted === "docker" ? "backend = docker" : `${noUrl}, Docker answers`,
      } satisfies BackendChoice
    if (wanted === "docker")
      return {
        kind: "none",
        why: missing
          ? `backend = "docker" but ${missing.message}: ${imageHelp(missing.image)}: set ${variable} (or url in [engines.${flavor.name}]) to a server aim may create databases on, or set backend = "local" under [engines.${flavor.name}]`
          : `backend = "docker" but no Docker daemon answers (${answer})`,
      } satisfies BackendChoice
    if (missing) {
      noDocker = `Docker found but ${missing.message}`
      notice = `Docker passed over: ${missing.message}`
    }
  }
  const local = findLocalServer(flavor)
  if (local) {
    const why = wanted === "local" ? "backend = local" : `${noUrl}, ${noDocker}`
    return {
      kind: "local",
      ...local,
      why,
      ...(notice ? { notice: `${notice}; using the local backend` } : {}),
    } satisfies BackendChoice
  }
  if (wanted === "local")
    return {
      kind: "none",
      why: `backend = "local" but no ${flavor.serverBinaries.join(" or ")} of ${flavor.title} is installed`,
    } satisfies BackendChoice
  return {
    kind: "none",
    why:
      `no ${flavor.title} server available: set ${variable} (or url in [engines.${flavor.name}]) to a server aim may create databases on, ` +
      `or start a Docker daemon (image ${flavor.dockerImage}${notice ? `; ${noDocker}` : ""}), ` +
      `or install ${flavor.title}'s server (${flavor.serverBinaries.join(" or ")}) for the local backend`,
  } satisfies BackendChoice
})

/** Arguments of the official image's server for a throwaway run: durability off. */
export const dockerCommand = (flavor: Flavor) => [...flavor.fastServerArgs]

/**
 * Arguments of a local server on a private socket, no TCP, durability off. Buffered file I/O
 * (`innodb_flush_method=fsync`; MariaDB 10.6+ defaults to O_DIRECT) measured about 25 ms faster to
 * start and 15 ms faster to remove on a freshly copied data folder; `loose-` because newer servers
 * deprecate the setting. Temporary files go into the run's folder, which is removed with it.
 */
export function localServerArgs(flavor: Flavor, folder: string, asRoot: boolean): string[] {
  return [
    "--no-defaults",
    `--datadir=${join(folder, "data")}`,
    `--socket=${join(folder, "mysqld.sock")}`,
    `--pid-file=${join(folder, "mysqld.pid")}`,
    `--log-error=${join(folder, "error.log")}`,
    `--tmpdir=${folder}`,
    "--skip-networking",
    "--innodb-buffer-pool-size=32M",
    "--loose-innodb-flush-method=fsync",
    // MySQL 8+ defaults to utf8mb4; MariaDB's built-in default is still latin1, which few servers keep.
    ...(flavor.name === "mysql" ? ["--mysqlx=OFF"] : ["--character-set-server=utf8mb4"]),
    ...(asRoot ? ["--user=mysql"] : []),
    ...flavor.fastServerArgs,
  ]
}

export function initializeArgs(flavor: Flavor, folder: string, asRoot: boolean): string[] {
  const user = asRoot ? ["--user=mysql"] : []
  if (flavor.name === "mariadb")
    return [
      "--no-defaults",
      `--datadir=${join(folder, "data")}`,
      "--auth-root-authentication-method=normal",
      "--skip-test-db",
      ...user,
    ]
  return ["--no-defaults", "--initialize-insecure", `--datadir=${join(folder, "data")}`, ...user]
}

const isRoot = () => typeof process.getuid === "function" && process.getuid() === 0

function accountIds(name: string): { uid: number; gid: number } | undefined {
  const uid = spawnSync("id", ["-u", name], { encoding: "utf8" })
  const gid = spawnSync("id", ["-g", name], { encoding: "utf8" })
  if (uid.status !== 0 || gid.status !== 0) return undefined
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) }
}

const tail = (file: string) => {
  try {
    return readFileSync(file, "utf8").trim().split("\n").slice(-5).join(" | ")
  } catch {
    return ""
  }
}

export interface RunningServer {
  readonly address: ServerAddress
  /** Stop and remove; safe to call twice. */
  readonly stop: () => Promise<void>
  /** How the server got its data, for the engine's description: "started from cached data folder". */
  readonly note?: string | undefined
  /** One line on what dead aim runs left that was removed before the server started, if anything. */
  readonly removed?: string | undefined
}

/** Where a local server's data folder came from: a copy of the cached one, or the initializer. */
export interface LocalStart {
  readonly from: "cache" | "initialize"
  readonly note: string
  readonly cacheFolder?: string | undefined
}

export interface LocalOptions {
  /** Where initialized data folders are cached; the user's cache folder by default. */
  readonly cacheDir?: string | undefined
}

/** Run a program to its end; rejects with the last lines it printed when it fails. */
function runToEnd(program: string, args: ReadonlyArray<string>): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(program, [...args], { encoding: "utf8", timeout: 120_000 }, (error, stdout, stderr) => {
      if (!error) return resolve()
      const said = `${stderr || stdout || error.message}`.trim().split("\n").slice(-3).join(" | ")
      reject(new Error(`initializing the data folder failed: ${said}`))
    })
  })
}

/** A server process being started or running; `killNow` is for exit hooks, which cannot wait. */
interface LocalProcess {
  killNow: () => void
}

/**
 * Start the server on a socket inside `folder` and wait until it accepts connections. SIGKILL
 * stops it: the data is thrown away, so a clean shutdown (flushing InnoDB) would be wasted work,
 * and the server is one process whose files all live in `folder`.
 */
async function launchLocal(
  flavor: Flavor,
  choice: Extract<BackendChoice, { kind: "local" }>,
  folder: string,
  root: boolean,
  connects: (address: ServerAddress) => Promise<boolean>,
  live: { current?: LocalProcess | undefined },
): Promise<{ address: ServerAddress; kill: () => Promise<void> }> {
  const child = spawn(choice.server, localServerArgs(flavor, folder, root), { stdio: "ignore" })
  let exited = false
  child.on("exit", () => {
    exited = true
  })
  child.on("error", () => {
    exited = true
  })
  live.current = {
    killNow: () => {
      if (!exited) child.kill("SIGKILL")
    },
  }
  const kill = async () => {
    if (!exited) child.kill("SIGKILL")
    const deadline = Date.now() + 30_000
    while (!exited && Date.now() < deadline) await Bun.sleep(5)
  }
  const address: ServerAddress = { socketPath: join(folder, "mysqld.sock"), user: "root" }
  const deadline = Date.now() + 60_000
  for (;;) {
    if (exited) {
      const log = tail(join(folder, "error.log"))
      await kill()
      throw new Error(`${choice.server} exited during startup${log ? `: ${log}` : ""}`)
    }
    if (existsSync(address.socketPath as string) && (await connects(address))) return { address, kill }
    if (Date.now() > deadline) {
      await kill()
      throw new Error(`${choice.server} did not accept connections within 60 s`)
    }
    // The server takes about 100 ms to start: polling every 100 ms would add up to as much again.
    await Bun.sleep(5)
  }
}

/**
 * Give the local server a data folder and start it on a socket inside a temp folder. The data
 * folder is a copy of an initialized one kept in the user's cache folder (see
 * data-folder-cache.ts), made by mariadb-install-db or `mysqld --initialize-insecure` only when
 * there is none, it is unusable, or AIM_NO_CACHE=1; a cached folder the server will not start from
 * is dropped and replaced by a fresh initialization. The temp folder is removed when the server
 * stops, and on every failure here; an exit hook kills the server and removes the folder should
 * aim's process end without stopping it.
 */
export async function startLocal(
  flavor: Flavor,
  choice: Extract<BackendChoice, { kind: "local" }>,
  connects: (address: ServerAddress) => Promise<boolean>,
  options: LocalOptions = {},
): Promise<RunningServer & { readonly start: LocalStart }> {
  // A run killed before it could stop its server left the server running in its folder.
  const removed = await removeLeftoverFolders(flavor.name, [{ pidFile: "mysqld.pid", signal: "SIGKILL" }])
  const folder = mkdtempSync(join(tmpdir(), tempPrefix(flavor.name)))
  const root = isRoot()
  const data = join(folder, "data")
  const live: { current?: LocalProcess | undefined } = {}
  const onExit = () => {
    live.current?.killNow()
    try {
      rmSync(folder, { recursive: true, force: true })
    } catch {
      // The process is ending; nothing is left to report to.
    }
  }
  process.once("exit", onExit)
  const remove = () => {
    process.removeListener("exit", onExit)
    rmSync(folder, { recursive: true, force: true, maxRetries: 3 })
  }
  const initializer = flavor.name === "mariadb" ? (choice.installer ?? "mariadb-install-db") : choice.server
  const entry = dataFolderEntry({
    name: `${flavor.name}-${plainVersion(choice.version)}`,
    source: initializer,
    inputs: [
      choice.version,
      fileIdentity(choice.server),
      fileIdentity(initializer),
      // The folder and the account differ per run and are not part of what gets initialized.
      ...initializeArgs(flavor, "", false),
      ...machineInputs(),
    ],
    cacheDir: options.cacheDir,
  })
  try {
    const owner = root ? accountIds("mysql") : undefined
    if (root) {
      if (!owner)
        throw new Error(
          "running as root, and the server refuses root; create an unprivileged `mysql` account",
        )
      chownSync(folder, owner.uid, owner.gid)
    }
    const initialize = async (why: string): Promise<LocalStart> => {
      rmSync(data, { recursive: true, force: true })
      await runToEnd(initializer, initializeArgs(flavor, folder, root))
      const stored = entry ? await storeEntry(entry, data) : false
      const cached = stored ? "; cached for next time" : entry ? "; the cache folder is not writable" : ""
      const name = initializer.split("/").pop()
      return {
        from: "initialize",
        note: `${name} (${why}${cached})`,
        cacheFolder: stored ? entry?.folder : undefined,
      }
    }
    const fromCache = async (): Promise<LocalStart | string> => {
      if (!entry) return "AIM_NO_CACHE=1"
      const check = checkEntry(entry)
      if (!check.usable) return check.why
      try {
        await copyOut(entry, data, owner)
        return { from: "cache", note: "started from cached data folder", cacheFolder: entry.folder }
      } catch (error) {
        return `the cached data folder could not be copied (${error instanceof Error ? error.message : String(error)})`
      }
    }
    const cached = await fromCache()
    let start = typeof cached === "string" ? await initialize(cached) : cached
    let server: { address: ServerAddress; kill: () => Promise<void> }
    try {
      server = await launchLocal(flavor, choice, folder, root, connects, live)
    } catch (error) {
      if (start.from !== "cache" || !entry) throw error
      // The server would not start from the cached copy: that entry is damaged. Drop it, so the
      // next run writes a good one, and start from a fresh initialization, as with no cache.
      dropEntry(entry)
      const why = (error instanceof Error ? error.message : String(error)).split("\n")[0]
      start = await initialize(`the server did not start from the cached data folder: ${why}`)
      server = await launchLocal(flavor, choice, folder, root, connects, live)
    }
    let stopped = false
    const stop = async () => {
      if (stopped) return
      stopped = true
      await server.kill()
      remove()
    }
    return { address: server.address, stop, note: start.note, start, removed }
  } catch (error) {
    remove()
    throw error
  }
}

/**
 * One container of the official image, labelled with the run (run-mark.ts); Testcontainers removes
 * it on stop, its reaper after a kill where the reaper runs, and the next aim run in any case.
 */
export async function startDocker(flavor: Flavor): Promise<RunningServer> {
  const removed = await removeLeftoverContainers()
  const reaper = await prepareReaper()
  const password = `aim${crypto.randomUUID().replaceAll("-", "")}`
  const container =
    flavor.name === "mariadb"
      ? new (await import("@testcontainers/mariadb")).MariaDbContainer(flavor.dockerImage)
          .withRootPassword(password)
          .withCommand(dockerCommand(flavor))
          .withLabels(containerLabels())
      : new (await import("@testcontainers/mysql")).MySqlContainer(flavor.dockerImage)
          .withRootPassword(password)
          .withCommand(dockerCommand(flavor))
          .withLabels(containerLabels())
  const started = await container.start()
  let stopped = false
  return {
    address: { host: started.getHost(), port: started.getPort(), user: "root", password },
    removed,
    note: reaper,
    stop: async () => {
      if (stopped) return
      stopped = true
      await started.stop({ remove: true, removeVolumes: true })
    },
  }
}

export const backendFailed = (flavor: Flavor, action: string) => (error: unknown) =>
  new EngineFailed({
    engine: flavor.name,
    action,
    reason: error instanceof Error ? error.message : String(error),
  })
