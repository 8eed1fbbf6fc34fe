/**
 * project/lock: one `aim generate` at a time per project. Two runs that both read the history and
 * both write "the next version" would write two migrations with one version; the second run waits
 * for the first (up to a limit), then refuses. Resources: the lock file `.aim.lock` in the project
 * folder, created atomically and removed when the holder's scope closes (also on Ctrl-C). A lock
 * left by a process that no longer exists is taken over.
 */
import { openSync, readFileSync, rmSync, writeSync, closeSync } from "node:fs"
import { join } from "node:path"
import { Effect, Schema as S } from "effect"
import { ProjectFileError } from "./read.ts"

export class ProjectLocked extends S.TaggedError<ProjectLocked>()("ProjectLocked", {
  file: S.String,
  pid: S.Number,
}) {
  override get message() {
    return `Another aim run (pid ${this.pid}) is writing migrations in this project; try again when it ends, or remove ${this.file} if no aim is running`
  }
}

export const LOCK_FILE = ".aim.lock"

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

/** Try once: the pid holding the lock, or undefined when we now hold it. */
function tryLock(file: string): number | undefined {
  try {
    const fd = openSync(file, "wx")
    writeSync(fd, String(process.pid))
    closeSync(fd)
    return undefined
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error
    const holder = Number.parseInt(readFileSync(file, "utf8"), 10)
    if (Number.isNaN(holder) || !alive(holder)) {
      rmSync(file, { force: true })
      return tryLock(file)
    }
    return holder
  }
}

/** Hold the project's lock for the enclosing scope, waiting up to `waitMillis` for another run. */
export const lockProject = (root: string, waitMillis = 30_000) => {
  const file = join(root, LOCK_FILE)
  const acquire = Effect.gen(function* () {
    const deadline = Date.now() + waitMillis
    for (;;) {
      const holder = yield* Effect.try({
        try: () => tryLock(file),
        catch: (e) =>
          new ProjectFileError({
            file: LOCK_FILE,
            reason: `cannot create the lock file: ${(e as Error).message}`,
          }),
      })
      if (holder === undefined) return file
      if (Date.now() >= deadline) return yield* new ProjectLocked({ file: LOCK_FILE, pid: holder })
      yield* Effect.sleep("200 millis")
    }
  })
  return Effect.acquireRelease(acquire, () => Effect.sync(() => rmSync(file, { force: true })))
}
