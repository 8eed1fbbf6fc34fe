/**
 * leftover-folders: remove the temp folders (and stop the servers running in them) that an aim run
 * which has ended left behind, as one killed with SIGKILL does: a local backend's folder holds a
 * private server's data and socket, and that server outlives the run that started it. A folder is
 * named by run-mark.ts's `tempPrefix(kind)` and so carries its run's process id; only folders of
 * runs that are gone are touched, and a process is only signalled when its pid file is in such a
 * folder and its command line names that folder. Resources: none held; servers found are signalled
 * and waited for (5 s at most each) before their folder is removed.
 */
import { spawnSync } from "node:child_process"
import { readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { processExists, removedNote, tempFolderPid } from "./run-mark.ts"

/** A server's pid file inside the folder, and the signal that stops it with everything it started. */
export interface LeftoverServer {
  readonly pidFile: string
  readonly signal: NodeJS.Signals
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\u0000", " ")
  } catch {
    const ps = spawnSync("ps", ["-o", "args=", "-p", String(pid)], { encoding: "utf8" })
    return ps.status === 0 ? ps.stdout : ""
  }
}

async function stopServer(folder: string, server: LeftoverServer): Promise<void> {
  let pid: number
  try {
    pid = Number.parseInt(readFileSync(join(folder, server.pidFile), "utf8").split("\n")[0] ?? "", 10)
  } catch {
    return
  }
  if (!processExists(pid) || !commandLine(pid).includes(folder)) return
  try {
    process.kill(pid, server.signal)
  } catch {
    return
  }
  const deadline = Date.now() + 5000
  while (processExists(pid) && Date.now() < deadline) await Bun.sleep(20)
  try {
    process.kill(pid, "SIGKILL")
  } catch {
    // It stopped after the last look: removing another run's leftovers never fails this one.
  }
}

/**
 * Processes still running from `folder` once its server stopped (a wrapper such as runuser, a
 * server child that outlived its parent): SIGKILL, then wait for them (5 s at most). Linux only
 * (/proc); elsewhere the server's own stop is all there is.
 */
async function killProcessesNaming(folder: string): Promise<void> {
  let pids: number[]
  try {
    pids = readdirSync("/proc")
      .filter((entry) => /^\d+$/.test(entry))
      .map(Number)
      .filter((pid) => pid !== process.pid && commandLine(pid).includes(folder))
  } catch {
    return
  }
  for (const pid of pids)
    try {
      process.kill(pid, "SIGKILL")
    } catch {
      // Gone already, or not ours to signal.
    }
  const deadline = Date.now() + 5000
  while (pids.some(processExists) && Date.now() < deadline) await Bun.sleep(20)
}

/**
 * Remove the `kind` folders in the temp folder whose run is gone, stopping `servers` found in them
 * first; one line on what went, or undefined when there was nothing.
 */
export async function removeLeftoverFolders(
  kind: string,
  servers: ReadonlyArray<LeftoverServer>,
  root = tmpdir(),
): Promise<string | undefined> {
  let names: string[]
  try {
    names = readdirSync(root)
  } catch {
    return undefined
  }
  const pids: number[] = []
  for (const name of names) {
    const pid = tempFolderPid(kind, name)
    if (pid === undefined || pid === process.pid || processExists(pid)) continue
    const folder = join(root, name)
    for (const server of servers) await stopServer(folder, server)
    await killProcessesNaming(folder)
    try {
      rmSync(folder, { recursive: true, force: true, maxRetries: 3 })
      pids.push(pid)
    } catch {
      // Not ours to remove after all (another user's): it stays.
    }
  }
  return removedNote([[pids.length, `${kind} temp folder`]], pids)
}
