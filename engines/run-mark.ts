/**
 * run-mark: what ties a throwaway resource to the aim run that made it, so that a later run can
 * remove what a run killed with SIGKILL (or a crashed machine) left behind, and nothing else.
 * Throwaway databases and sandbox roles are named `aim_<host>_<pid>_<random>`, temp folders
 * `aim-<kind>-<pid>-<random>`, and containers carry the labels `org.aim.host` and `org.aim.pid`:
 * `<host>` is 8 hex digits of a hash of the machine's name and machine id, `<pid>` is the run's
 * process id. A run is gone when it ran on this machine and no process with its id exists; a
 * resource of a run on another machine is never touched, since its liveness cannot be seen from
 * here, and a process id taken by an unrelated process since only makes aim keep what it could
 * have removed. Resources: none (reads /etc/machine-id once).
 */
import { createHash, randomBytes } from "node:crypto"
import { readFileSync } from "node:fs"
import { hostname } from "node:os"

let host: string | undefined

/** 8 hex digits naming this machine: its host name and, where there is one, its machine id. */
export function hostMark(): string {
  if (host !== undefined) return host
  let machine = ""
  for (const file of ["/etc/machine-id", "/var/lib/dbus/machine-id"]) {
    try {
      machine = readFileSync(file, "utf8").trim()
      break
    } catch {
      // No machine id here (macOS, Windows, a minimal container): the host name alone.
    }
  }
  host = createHash("sha256").update(`${hostname()}\n${machine}`).digest("hex").slice(0, 8)
  return host
}

/** A run: the machine it ran on and its process id. */
export interface RunOwner {
  readonly host: string
  readonly pid: number
}

/** `aim_<host>_<pid>_<random>`: a throwaway database or role name (36 characters at most). */
export const throwawayName = (): string =>
  `aim_${hostMark()}_${process.pid}_${randomBytes(4).toString("hex")}`

/** Names `throwawayName` makes; also as a POSIX regular expression for the servers' `~`/REGEXP. */
export const throwawayPattern = /^aim_([0-9a-f]{8})_([0-9]+)_[0-9a-f]{8}$/
export const throwawayRegex = throwawayPattern.source

/** The run that made a throwaway database or role, undefined for any other name. */
export function throwawayOwner(name: string): RunOwner | undefined {
  const match = throwawayPattern.exec(name)
  return match ? { host: match[1] as string, pid: Number(match[2]) } : undefined
}

/** `aim-<kind>-<pid>-`: the prefix of this run's temp folders of that kind, for mkdtemp. */
export const tempPrefix = (kind: string): string => `aim-${kind}-${process.pid}-`

/** The process id in a temp folder's name made from `tempPrefix(kind)`, undefined for others. */
export function tempFolderPid(kind: string, name: string): number | undefined {
  const match = new RegExp(`^aim-${kind}-([0-9]+)-[A-Za-z0-9]{6}$`).exec(name)
  return match ? Number(match[1]) : undefined
}

/** Labels for a container of this run. */
export const containerLabels = (): Record<string, string> => ({
  "org.aim.run": "true",
  "org.aim.host": hostMark(),
  "org.aim.pid": String(process.pid),
})

/** Whether a process with this id exists here (one that exists but is not ours counts). */
export function processExists(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

/** Whether `owner` ran on this machine and has ended: then what it left may be removed. */
export const runIsGone = (owner: RunOwner): boolean =>
  owner.host === hostMark() && owner.pid !== process.pid && !processExists(owner.pid)

/**
 * One line on what was removed: "removed 2 throwaway databases, 1 sandbox role left by aim runs that
 * ended without cleaning up (pids 41, 97)"; undefined when every count is 0. `removed` pairs a count
 * with its noun.
 */
export function removedNote(
  removed: ReadonlyArray<readonly [number, string]>,
  pids: Iterable<number>,
): string | undefined {
  const what = removed.filter(([n]) => n > 0).map(([n, noun]) => counted(n, noun))
  if (what.length === 0) return undefined
  const ids = [...new Set(pids)].sort((a, b) => a - b)
  return `removed ${what.join(", ")} left by aim ${ids.length === 1 ? "run" : "runs"} that ended without cleaning up (${ids.length === 1 ? "pid" : "pids"} ${ids.join(", ")})`
}

/** Whether `name` is a throwaway database or role of a run of this machine that has ended. */
export function leftByGoneRun(name: string): boolean {
  const owner = throwawayOwner(name)
  return owner !== undefined && runIsGone(owner)
}

/** The process ids in throwaway names, for removedNote. */
export const ownerPids = (names: ReadonlyArray<string>): number[] =>
  names.map((name) => throwawayOwner(name)?.pid ?? 0)

/** "1 throwaway database", "3 sandbox roles". */
const counted = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? "" : "s"}`
