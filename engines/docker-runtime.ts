/**
 * docker-runtime: what the docker backends (PostgreSQL, MySQL, MariaDB) ask of the container
 * runtime before they start a container through Testcontainers. Whether the image is there or can
 * be pulled (when not, `auto` passes Docker over and `backend = "docker"` says what to do instead);
 * whether Testcontainers' reaper (Ryuk, an image of its own) can run, and if not, that it is turned
 * off so the container still starts; and the removal of containers that dead aim runs of this
 * machine left (run-mark.ts labels every container with the run's host and process id). Resources:
 * none held; a pull runs to its end or failure.
 */
import { Schema as S } from "effect"
import { containerLabels, hostMark, removedNote, runIsGone } from "./run-mark.ts"

/** The image cannot be had: not on the daemon, and pulling it failed. */
export class ImageUnavailable extends S.TaggedError<ImageUnavailable>()("ImageUnavailable", {
  image: S.String,
  reason: S.String,
}) {
  override get message() {
    return `the Docker image ${this.image} is not present and cannot be pulled (${this.reason})`
  }
}

/** The part of dockerode the runtime client exposes that aim uses. */
interface Dockerode {
  getImage(name: string): { inspect(): Promise<unknown> }
  pull(name: string): Promise<NodeJS.ReadableStream>
  modem: {
    followProgress(
      stream: NodeJS.ReadableStream,
      done: (error: Error | null, output: ReadonlyArray<{ error?: string }>) => void,
    ): void
  }
  listContainers(options: {
    all: boolean
    filters: Record<string, string[]>
  }): Promise<ReadonlyArray<{ Id: string; Labels: Record<string, string> }>>
  getContainer(id: string): { remove(options: { force: boolean; v: boolean }): Promise<unknown> }
}

async function dockerode(): Promise<Dockerode> {
  const { getContainerRuntimeClient } = await import("testcontainers")
  const client = await getContainerRuntimeClient()
  return (client.container as unknown as { dockerode: Dockerode }).dockerode
}

/** The daemon's words, without dockerode's "(HTTP code 500) server error - " in front. */
const text = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).replace(/^\(HTTP code \d+\) [a-z ]+ - /, "").trim()

/** Pull `image`; rejects with the daemon's reason, also when the pull stream reports an error. */
async function pull(docker: Dockerode, image: string): Promise<void> {
  const stream = await docker.pull(image)
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (error, output) => {
      const failed = error ?? output.find((event) => event.error)?.error
      if (failed) reject(failed instanceof Error ? failed : new Error(failed))
      else resolve()
    }),
  )
}

/** Make sure the daemon has `image`, pulling it when it is missing. */
export async function ensureImage(image: string): Promise<ImageUnavailable | undefined> {
  const docker = await dockerode()
  if (
    await docker
      .getImage(image)
      .inspect()
      .then(
        () => true,
        () => false,
      )
  )
    return undefined
  return pull(docker, image).then(
    () => undefined,
    (error) => new ImageUnavailable({ image, reason: text(error) }),
  )
}

/** The reaper image Testcontainers (12.x) starts unless told not to. */
const reaperImage = () => process.env.RYUK_CONTAINER_IMAGE ?? "testcontainers/ryuk:0.14.0"

/**
 * Testcontainers starts its reaper container (Ryuk) before the first container, and fails when its
 * image cannot be had. Unless the user chose (TESTCONTAINERS_RYUK_DISABLED set either way), it is
 * turned off when its image is neither present nor pullable: aim removes its container itself when
 * it ends, and, after a kill, at the start of its next run. Returns a note for the description then.
 */
export async function prepareReaper(): Promise<string | undefined> {
  if (process.env.TESTCONTAINERS_RYUK_DISABLED !== undefined) return undefined
  const missing = await ensureImage(reaperImage()).catch((error) => new Error(text(error)))
  if (missing === undefined) return undefined
  process.env.TESTCONTAINERS_RYUK_DISABLED = "true"
  return `Testcontainers' reaper image ${reaperImage()} cannot be had, so aim removes the container itself (after a kill, at its next run)`
}

/** Remove the containers dead aim runs of this machine left; one line on what went, if anything. */
export async function removeLeftoverContainers(): Promise<string | undefined> {
  const docker = await dockerode()
  const found = await docker
    .listContainers({ all: true, filters: { label: [`org.aim.host=${hostMark()}`] } })
    .catch(() => [])
  const pids: number[] = []
  for (const container of found) {
    const pid = Number(container.Labels["org.aim.pid"])
    if (!runIsGone({ host: hostMark(), pid })) continue
    await docker
      .getContainer(container.Id)
      .remove({ force: true, v: true })
      .then(
        () => pids.push(pid),
        () => undefined,
      )
  }
  return removedNote([[pids.length, "container"]], pids)
}

export const imageHelp = (image: string) =>
  `pull it where a registry can be reached (docker pull ${image}) or load it (docker load), or point aim elsewhere`
