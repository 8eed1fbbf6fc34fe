/**
 * measure: run a command as a child process and time it from spawn to exit, the way a user's
 * shell would see it; and the small statistics the report needs (medians). Every child gets a
 * deadline, after which it is sent SIGTERM (aim then drops its throwaway databases) and, if it
 * still runs, SIGKILL. Holds no resources beyond the child it waits for.
 */
import { existsSync } from "node:fs"
import { delimiter, join, resolve } from "node:path"

export const BUN = process.execPath
export const ROOT = resolve(import.meta.dir, "..")
export const CLI = join(ROOT, "cli.ts")

/** Children still running, so an interrupted benchmark can stop them (and let aim clean up). */
const live = new Set<{ kill: (signal?: NodeJS.Signals | number) => void }>()
let stopping = false

/** What `run` throws once the benchmark is being stopped, so the work in progress unwinds. */
export class Interrupted extends Error {}

/**
 * Send SIGTERM to every running child (aim drops its throwaway databases and stops its servers)
 * and start no new one until `resumeChildren`, which the cleanup calls for its own commands.
 */
export function stopChildren(): void {
  stopping = true
  for (const child of live) child.kill("SIGTERM")
}

export function resumeChildren(): void {
  stopping = false
}

export interface RunResult {
  readonly code: number
  readonly millis: number
  readonly stdout: string
  readonly stderr: string
  /** Peak resident memory of the child, in MiB, when the platform reports it. */
  readonly maxRssMiB?: number | undefined
  /**
   * CPU time (user + system) of the child and the children it waited for, in milliseconds. Unlike
   * wall time it hardly moves when other work competes for the cores, but it misses a server's work.
   */
  readonly cpuMs?: number | undefined
}

export interface RunOptions {
  readonly env?: Record<string, string | undefined>
  readonly cwd?: string
  /** A file fed to the child's standard input. */
  readonly stdinFile?: string
  readonly timeoutMs?: number
}

/** Run `argv` to completion and time it; a child that outlives the deadline is stopped. */
export async function run(argv: ReadonlyArray<string>, options: RunOptions = {}): Promise<RunResult> {
  if (stopping) throw new Interrupted("interrupted")
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries({ ...process.env, ...options.env })) if (v !== undefined) env[k] = v
  const started = performance.now()
  const child = Bun.spawn([...argv], {
    cwd: options.cwd,
    env,
    stdin: options.stdinFile ? Bun.file(options.stdinFile) : "ignore",
    stdout: "pipe",
    stderr: "pipe",
  })
  live.add(child)
  let timer: ReturnType<typeof setTimeout> | undefined
  let killer: ReturnType<typeof setTimeout> | undefined
  if (options.timeoutMs !== undefined) {
    timer = setTimeout(() => {
      child.kill("SIGTERM")
      // aim gets a few seconds to drop its databases and stop its servers before it is killed.
      killer = setTimeout(() => child.kill("SIGKILL"), 10_000)
    }, options.timeoutMs)
  }
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ])
  const millis = performance.now() - started
  live.delete(child)
  clearTimeout(timer)
  clearTimeout(killer)
  const usage = child.resourceUsage()
  const maxRssMiB = usage ? Number(usage.maxRSS) / 2 ** 20 : undefined
  const cpuMs = usage ? Number(usage.cpuTime.total) / 1000 : undefined
  return { code, millis, stdout, stderr, maxRssMiB, cpuMs }
}

export function median(values: ReadonlyArray<number>): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  if (sorted.length === 0) return Number.NaN
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/** An executable by name: on PATH, then in `extra` folders; undefined when absent. */
export function which(name: string, extra: ReadonlyArray<string> = []): string | undefined {
  const folders = [...(process.env.PATH ?? "").split(delimiter), ...extra].filter((f) => f !== "")
  for (const folder of folders) {
    const path = join(folder, name)
    if (existsSync(path)) return path
  }
  return undefined
}

/** The first line worth showing of a failed child's output. */
export function firstLine(result: RunResult): string {
  const text = `${result.stderr}\n${result.stdout}`
  const line = text
    .split("\n")
    .map((l) => l.trim())
    .find((l) => l !== "")
  return (line ?? `exit code ${result.code}`).slice(0, 200)
}
