/**
 * run-as: run PostgreSQL's programs as an unprivileged user when aim runs as root, because initdb
 * and the server refuse to run as root. Picks `postgres` when that user exists, else `nobody`, and
 * switches with `runuser` (util-linux) or, where that is missing, `su`. Holds nothing; each call is
 * one child process that has ended when its promise settles.
 */
import { execFile, execFileSync } from "node:child_process"
import { existsSync } from "node:fs"

export interface RunAs {
  /** The user the programs run as; undefined when aim is not root and runs them itself. */
  readonly user: string | undefined
  readonly uid: number | undefined
  readonly gid: number | undefined
  /** The command line that runs `program args` as that user. */
  readonly wrap: (program: string, args: ReadonlyArray<string>) => { file: string; args: string[] }
  /** "run as user postgres", for the engine's description. */
  readonly note: string | undefined
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

function idOf(user: string): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync("id", ["-u", user], { encoding: "utf8" }).trim())
    const gid = Number(execFileSync("id", ["-g", user], { encoding: "utf8" }).trim())
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined
  } catch {
    return undefined
  }
}

const runuserPaths = ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser", "/bin/runuser"]

export function resolveRunAs(isRoot = process.getuid?.() === 0): RunAs | Error {
  if (!isRoot) {
    return {
      user: undefined,
      uid: undefined,
      gid: undefined,
      wrap: (file, args) => ({ file, args: [...args] }),
      note: undefined,
    }
  }
  const user = ["postgres", "nobody"].find((u) => idOf(u) !== undefined)
  const ids = user ? idOf(user) : undefined
  if (!user || !ids)
    return new Error("aim runs as root and PostgreSQL refuses to; create a user named postgres (or nobody)")
  const runuser = runuserPaths.find((p) => existsSync(p))
  const wrap = runuser
    ? (file: string, args: ReadonlyArray<string>) => ({
        file: runuser,
        args: ["-u", user, "--", file, ...args],
      })
    : // nobody's login shell is nologin, so su is told which shell to use.
      (file: string, args: ReadonlyArray<string>) => ({
        file: "su",
        args: [
          "-s",
          "/bin/sh",
          user,
          "-c",
          ["exec", file, ...args]
            .map(shellQuote)
            .join(" ")
            .replace(/^'exec'/, "exec"),
        ],
      })
  return { user, ...ids, wrap, note: `run as user ${user} because aim runs as root` }
}

export interface RunResult {
  readonly stdout: string
  readonly stderr: string
}

/** Run a program (as the RunAs user) in `cwd`; rejects with its stderr when it exits non-zero. */
export function runProgram(
  runAs: RunAs,
  program: string,
  args: ReadonlyArray<string>,
  cwd: string,
  timeoutMs = 120_000,
): Promise<RunResult> {
  const { file, args: fullArgs } = runAs.wrap(program, args)
  return new Promise((resolve, reject) => {
    execFile(file, fullArgs, { cwd, timeout: timeoutMs, encoding: "utf8" }, (error, stdout, stderr) => {
      if (error) {
        const said = `${stderr}`.trim() || `${stdout}`.trim() || error.message
        reject(new Error(`${program.split("/").pop()} failed: ${said}`))
      } else resolve({ stdout, stderr })
    })
  })
}
