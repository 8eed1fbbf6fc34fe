/**
 * The docker backends on a real Docker daemon: `aim generate` and `aim validate` on postgres-15 and
 * mariadb-10.11 in containers, the version the container really runs, Ctrl-C and SIGTERM in the
 * middle of a run (exit 130 / 143, no container left), `auto` choosing Docker when the image is
 * there and passing it over (one line why) when it is not, `backend = "docker"` without the image
 * (one message naming what to do instead), and a run killed with SIGKILL whose container the next
 * run removes. The daemon is AIM_TEST_DOCKER_HOST, else DOCKER_HOST, else the default socket; the
 * images are the stand-ins `npm run test:images` builds where no registry can be reached (or the
 * official ones). Every aim runs as its own process with DOCKER_HOST set, so this file's daemon
 * never leaks into other tests. Without a daemon or the images, the tests skip and say why.
 * Resources: each test's sandbox folder, and the containers aim starts (checked gone by label).
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test"
import { readdirSync, rmSync } from "node:fs"
import { join } from "node:path"
import {
  disposeSandbox,
  expectOneMessage,
  longHistory,
  makeSandbox,
  messages,
  runAim,
  type Sandbox,
  startAim,
  writeProject,
} from "../bad-input/_harness.ts"

setDefaultTimeout(240_000)

const dockerHost =
  process.env.AIM_TEST_DOCKER_HOST ?? process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock"

/** `docker` against the test daemon; stdout, or undefined when it fails. */
function docker(args: ReadonlyArray<string>): string | undefined {
  if (Bun.which("docker") === null) return undefined
  const r = Bun.spawnSync(["docker", ...args], { env: { ...process.env, DOCKER_HOST: dockerHost } })
  return r.exitCode === 0 ? r.stdout.toString() : undefined
}

const skip = (() => {
  if (Bun.which("docker") === null) return "no docker client on PATH"
  if (docker(["info", "--format", "{{.ServerVersion}}"]) === undefined)
    return `no Docker daemon answers at ${dockerHost}`
  const missing = ["postgres:15", "mariadb:10.11"].filter(
    (image) => docker(["image", "inspect", image]) === undefined,
  )
  if (missing.length > 0)
    return `the daemon at ${dockerHost} has no ${missing.join(" or ")} (npm run test:images builds stand-ins)`
  return undefined
})()
if (skip) console.warn(`skipped: docker backend tests, ${skip}`)

/** Containers (any state) labelled with this aim process id. */
const containersOf = (pid: number) =>
  (docker(["ps", "-aq", "--filter", `label=org.aim.pid=${pid}`]) ?? "").split("\n").filter(Boolean)

const env = { DOCKER_HOST: dockerHost }

const pgProject = (box: Sandbox, engine: string, backend: string | undefined, files = longHistory(3)) =>
  writeProject(box, {
    "aim.toml": `engine = "${engine}"\n${backend ? `\n[engines.postgres]\nbackend = "${backend}"\n` : ""}`,
    ...files,
  })

const mariadbProject = (box: Sandbox) =>
  writeProject(box, {
    "aim.toml": 'engine = "mariadb-10.11"\n\n[engines.mariadb]\nbackend = "docker"\n',
    ...longHistory(3, "id int PRIMARY KEY, v varchar(20)"),
  })

/** A run of the CLI in `box`, with its process at hand (for signals and container labels). */
function spawnAim(box: Sandbox, args: ReadonlyArray<string>) {
  const { child, result } = startAim(box, args, env)
  return { child, done: result.then((r) => [r.code, r.stderr, r.stdout] as const) }
}

/** Poll until a container of `pid` is running; false after `millis`. */
async function containerRunning(pid: number, millis = 60_000) {
  const deadline = Date.now() + millis
  while (Date.now() < deadline) {
    if ((docker(["ps", "-q", "--filter", `label=org.aim.pid=${pid}`]) ?? "").trim() !== "") return true
    await Bun.sleep(100)
  }
  return false
}

const migrationFiles = (box: Sandbox) => readdirSync(join(box.project, "migrations")).sort()

describe.skipIf(skip !== undefined)("docker backend on a real daemon", () => {
  test.each([
    ["postgres-15", (box: Sandbox) => pgProject(box, "postgres-15", "docker")] as const,
    ["mariadb-10.11", mariadbProject] as const,
  ])(
    "%s: generate writes a verified migration, validate passes, the container is gone",
    async (engine, make) => {
      const box = makeSandbox()
      try {
        make(box)
        const generated = spawnAim(box, ["generate", "--name", "extra"])
        const [code, stderr, stdout] = await generated.done
        expect(code, stderr).toBe(0)
        expect(stdout).toContain("Verified on a fresh database")
        expect(migrationFiles(box).filter((f) => f.includes("_extra."))).toHaveLength(2)
        expect(containersOf(generated.child.pid)).toEqual([])
        const validated = spawnAim(box, ["validate", "--json"])
        const [vcode, vstderr, vstdout] = await validated.done
        expect(vcode, vstderr).toBe(0)
        // The version the container really runs, as the engine reports it.
        const report = JSON.parse(vstdout) as { phases?: Array<{ name: string; detail?: string }> }
        const detail = report.phases?.find((p) => p.name === "engine")?.detail ?? ""
        expect(detail).toMatch(engine.startsWith("postgres") ? /PostgreSQL 15\.\d+/ : /MariaDB 10\.11/)
        expect(detail).toContain("Docker")
        expect(containersOf(validated.child.pid)).toEqual([])
        // Testcontainers keeps one lock file of its own in the temp folder, reused by every run.
        expect(readdirSync(box.tmp).filter((f) => !/^testcontainers-node-\d+\.lock$/.test(f))).toEqual([])
      } finally {
        disposeSandbox(box)
      }
    },
  )

  test.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("%s while the container runs: exit %d, no container left", async (signal, exit) => {
    const box = makeSandbox()
    try {
      pgProject(box, "postgres-15", "docker", longHistory(150))
      const run = spawnAim(box, ["generate"])
      expect(await containerRunning(run.child.pid)).toBe(true)
      run.child.kill(signal)
      const [code, stderr] = await run.done
      expect(code, stderr).toBe(exit)
      expect(containersOf(run.child.pid)).toEqual([])
      expect(migrationFiles(box).filter((f) => !f.startsWith("000"))).toEqual([])
    } finally {
      disposeSandbox(box)
    }
  })

  test("auto with no url chooses Docker when the image is there", async () => {
    const box = makeSandbox()
    try {
      pgProject(box, "postgres-15", undefined)
      const run = spawnAim(box, ["generate", "--dry-run", "--json"])
      const [code, stderr, stdout] = await run.done
      expect(code, stderr).toBe(0)
      const report = JSON.parse(stdout) as { phases?: Array<{ name: string; detail?: string }> }
      expect(report.phases?.find((p) => p.name === "engine")?.detail ?? "").toContain(
        "Docker container postgres:15",
      )
    } finally {
      disposeSandbox(box)
    }
  })

  test("auto passes a daemon without the image over, in one line, and still runs", async () => {
    const box = makeSandbox()
    try {
      // postgres:13 is neither built here nor pullable without a registry.
      if (docker(["image", "inspect", "postgres:13"]) !== undefined) return
      pgProject(box, "postgres-13", undefined)
      const r = await runAim(box, ["generate", "--dry-run"], env)
      expect(r.code, r.stderr).toBe(0)
      // The backend it falls back to runs another major (local: the machine's 15; embedded: 16),
      // which every run says on a line of its own.
      const all = messages(r.stderr)
      expect(
        all.filter((l) => l.startsWith("aim: warning: postgres-13 was asked, but PostgreSQL ")),
      ).toHaveLength(1)
      const lines = all.filter((l) => !l.startsWith("aim: warning: postgres-13 was asked"))
      expect(lines).toHaveLength(1)
      expect(lines[0]).toContain(
        "postgres-13: Docker passed over: the Docker image postgres:13 is not present",
      )
      expect(lines[0]).toMatch(/using the (local|embedded) backend/)
    } finally {
      disposeSandbox(box)
    }
  })

  test('backend = "docker" without the image: one message saying how to pull or where to point aim', async () => {
    const box = makeSandbox()
    try {
      if (docker(["image", "inspect", "postgres:13"]) !== undefined) return
      pgProject(box, "postgres-13", "docker")
      const r = await runAim(box, ["validate"], env)
      expectOneMessage(r, 1, [
        "postgres:13",
        "docker pull postgres:13",
        "AIM_POSTGRES_URL",
        'backend = "embedded"',
      ])
    } finally {
      disposeSandbox(box)
    }
  })

  test("after a kill -9 mid-run, the next run removes the container and says so", async () => {
    const box = makeSandbox()
    try {
      pgProject(box, "postgres-15", "docker", longHistory(150))
      const run = spawnAim(box, ["generate"])
      expect(await containerRunning(run.child.pid)).toBe(true)
      run.child.kill("SIGKILL")
      await run.done
      expect(containersOf(run.child.pid)).toHaveLength(1)
      rmSync(join(box.project, "migrations"), { recursive: true })
      pgProject(box, "postgres-15", "docker")
      const next = await runAim(box, ["generate", "--dry-run"], env)
      expect(next.code, next.stderr).toBe(0)
      expect(containersOf(run.child.pid)).toEqual([])
      const lines = next.stderr.split("\n").filter((l) => l.startsWith("aim: "))
      expect(lines).toEqual([
        `aim: postgres-15: removed 1 container left by aim run that ended without cleaning up (pid ${run.child.pid})`,
      ])
    } finally {
      disposeSandbox(box)
    }
  })
})
