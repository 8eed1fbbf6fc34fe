/**
 * docker backend: one `postgres:<version>` container per aim run (Testcontainers; Docker or any
 * runtime it finds through DOCKER_HOST), with durability off since its data is thrown away, and
 * throwaway databases inside it as on any server. Resources: the container, for the life of the
 * scope the backend is acquired in (the engine layer's); it is stopped and removed when that scope
 * closes, on success, failure or Ctrl-C. The container carries labels naming the run
 * (run-mark.ts): after a kill, Testcontainers' reaper removes it where it runs, and the next aim
 * run does in any case. An image that is neither present nor pullable fails as ImageUnavailable
 * before anything starts, so that `auto` can take the next backend.
 */
import { existsSync, readFileSync } from "node:fs"
import { homedir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { ensureImage, prepareReaper, removeLeftoverContainers } from "../../docker-runtime.ts"
import { containerLabels } from "../../run-mark.ts"
import { type AskedMajor, failWith, type PgBackend } from "./backend.ts"
import { throwawayServer } from "./throwaway.ts"
import { urlConnector } from "./url.ts"
import { countRemoval } from "../../removals.ts"

/** `postgres:17` for postgres-17; the newest image for plain `postgres`. */
export const dockerImage = (asked: AskedMajor): string => `postgres:${asked ?? "latest"}`

/** The server's command line: the image's `postgres`, with the settings a throwaway server can afford. */
export const dockerCommand = (): string[] => [
  "postgres",
  "-c",
  "fsync=off",
  "-c",
  "full_page_writes=off",
  "-c",
  "synchronous_commit=off",
]

/** Sockets Docker, Docker Desktop, Podman, Colima, Rancher Desktop and OrbStack listen on. */
export function runtimeSockets(env: Record<string, string | undefined>, home = homedir()): string[] {
  const runtime = env.XDG_RUNTIME_DIR
  return [
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/run/podman/podman.sock",
    join(home, ".docker/run/docker.sock"),
    join(home, ".docker/desktop/docker.sock"),
    join(home, ".colima/default/docker.sock"),
    join(home, ".rd/docker.sock"),
    join(home, ".orbstack/run/docker.sock"),
    ...(runtime ? [join(runtime, "docker.sock"), join(runtime, "podman/podman.sock")] : []),
  ]
}

/**
 * Whether any sign of a container runtime exists: a known socket, or settings that point
 * elsewhere (DOCKER_HOST, a Docker context, Testcontainers' own settings). Loading Testcontainers
 * to ask costs about 0.6 s, so a machine with no sign at all is answered without it.
 */
export function mayHaveContainerRuntime(env: Record<string, string | undefined>, home = homedir()): boolean {
  if (process.platform === "win32") return true
  if (env.DOCKER_HOST || env.DOCKER_CONTEXT || Object.keys(env).some((k) => k.startsWith("TESTCONTAINERS_")))
    return true
  if (existsSync(join(home, ".testcontainers.properties"))) return true
  try {
    const config = JSON.parse(readFileSync(join(home, ".docker/config.json"), "utf8")) as {
      currentContext?: string
    }
    if (config.currentContext && config.currentContext !== "default") return true
  } catch {
    // No Docker client configuration: nothing points anywhere else.
  }
  return runtimeSockets(env, home).some((socket) => existsSync(socket))
}

export type DockerProbe =
  | { readonly available: true }
  | { readonly available: false; readonly reason: string }

/** Whether a container runtime answers within `timeoutMs`; the reason when it does not. */
export const probeDocker = (
  timeoutMs = 3000,
  env: Record<string, string | undefined> = process.env,
): Effect.Effect<DockerProbe> =>
  mayHaveContainerRuntime(env)
    ? askTestcontainers(timeoutMs)
    : Effect.succeed({ available: false, reason: "no Docker daemon (no container runtime socket found)" })

const askTestcontainers = (timeoutMs: number): Effect.Effect<DockerProbe> =>
  Effect.tryPromise(async () => {
    const { getContainerRuntimeClient } = await import("testcontainers")
    await getContainerRuntimeClient()
  }).pipe(
    Effect.timeout(timeoutMs),
    Effect.as({ available: true as const }),
    Effect.catch((error) =>
      Effect.succeed({
        available: false as const,
        reason:
          error._tag === "TimeoutError"
            ? `no container runtime answered within ${timeoutMs} ms`
            : "no Docker daemon (Testcontainers found no container runtime)",
      }),
    ),
  )

export const dockerBackend = Effect.fnUntraced(function* (engine: string, asked: AskedMajor) {
  const fail = (action: string) => failWith(engine, action)
  const image = dockerImage(asked)
  // Before anything starts: what dead runs left, whether the image can be had (auto passes Docker
  // over when not), and whether Testcontainers' reaper can run.
  const ready = yield* Effect.tryPromise({
    try: async () => {
      const removed = await removeLeftoverContainers()
      const missing = await ensureImage(image)
      return { removed, missing, reaper: missing ? undefined : await prepareReaper() }
    },
    catch: fail("reach the Docker daemon"),
  })
  if (ready.removed) yield* Effect.logInfo(`${engine}: ${ready.removed}`)
  if (ready.missing) return yield* ready.missing
  const container = yield* Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const { PostgreSqlContainer } = await import("@testcontainers/postgresql")
        return new PostgreSqlContainer(image)
          .withCommand(dockerCommand())
          .withLabels(containerLabels())
          .start()
      },
      catch: fail(`start a ${image} container`),
    }),
    (started) =>
      Effect.promise(() =>
        started.stop({ remove: true, removeVolumes: true }).then(
          () => countRemoval("container"),
          () => undefined,
        ),
      ),
  )
  const server = yield* throwawayServer({
    ...urlConnector(engine, container.getConnectionUri(), "the container's superuser privileges"),
    ownsServer: true,
  })
  return {
    name: "docker",
    serverVersion: server.serverVersion,
    detail: [`Docker container ${image}`, ready.reaper, server.sandboxNote].filter(Boolean).join("; "),
    ephemeral: server.ephemeral,
  } satisfies PgBackend
})
