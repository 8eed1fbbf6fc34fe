/**
 * Fixture for backends.test.ts: start the local backend under NodeRuntime.runMain, as the CLI runs,
 * print the cluster folder and the server's pid, and wait to be signalled. runMain interrupts the
 * program on SIGINT/SIGTERM, so the backend's scope closes and the server and folder go away.
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { localBackend } from "../../../engines/postgres/backends/local.ts"
import { findLocalInstalls } from "../../../engines/postgres/backends/local-install.ts"

NodeRuntime.runMain(
  Effect.scoped(
    Effect.gen(function* () {
      const backend = yield* localBackend("postgres", undefined, findLocalInstalls())
      const pid = readFileSync(join(backend.folder, "data", "postmaster.pid"), "utf8").split("\n")[0]
      yield* Effect.sync(() =>
        process.stdout.write(`${JSON.stringify({ folder: backend.folder, pid: Number(pid) })}\n`),
      )
      return yield* Effect.never
    }),
  ),
  { disableErrorReporting: true },
)
