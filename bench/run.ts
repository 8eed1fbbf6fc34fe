/**
 * bench: `bun run bench` measures aim's speed against the least work a diff can take, and prints
 * the result as Markdown. For each engine and backend that runs on this machine, on generated
 * projects (bench/fixtures.ts: histories of 10, 100 and 1,000 migrations and a 200-table schema,
 * each with one pending change), it times, as a user's shell sees them: the engine's own client
 * replaying the history into one fresh database and loading schema.sql into another (the floor);
 * `aim diff` cold (snapshot-cache miss) and warm (cache hit); and `aim generate --dry-run` (cold, as
 * after the previous generate changed the history). Each figure is the median of several runs,
 * taken side by side so that load from other work on the machine falls on every column alike.
 * Every cell gets one round first, then further rounds go to the cells with the fewest while the
 * time budget lasts, so a busy machine shortens the run rather than the table. Goals are printed
 * beside the results with pass/fail marks; speed goals live here, never in timed tests.
 *
 * aim runs as users run it, built at the start from this checkout: by default the standalone
 * binary (build/compile.ts); with --aim bundle, the bundle an installed package runs under Bun
 * (build/bundle.ts); with --aim source, from the source tree as a checkout runs it.
 *
 * Flags: --runs N (default 5), --budget MINUTES (default 10; 0 for none: every cell gets N runs),
 * --quick (3 runs, 10 and 100 migrations), --aim binary|bundle|source,
 * --engines a,b (sqlite, postgres-url, postgres-local, postgres-embedded, mariadb-url,
 * mariadb-local), --sizes 10,100,1000,wide, --postgres-url URL, --mariadb-url URL.
 *
 * Resources: one temp folder (projects, client scripts, caches, aim's TMPDIR), removed at the end
 * and on Ctrl-C/SIGTERM; client databases `aim_bench_<hex>`, dropped by the script that creates
 * them, and any left by a failure dropped at the end. The servers are then checked for `aim_%`
 * databases, and any that appeared during the run and remain are reported.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { availableParallelism, loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { bundle } from "../build/bundle.ts"
import { compile } from "../build/compile.ts"
import { buildFixture, type Fixture, type FixtureShape, writeProject } from "./fixtures.ts"
import {
  BUN,
  CLI,
  firstLine,
  Interrupted,
  median,
  ROOT,
  type RunResult,
  resumeChildren,
  run,
  stopChildren,
} from "./measure.ts"
import { type AimForm, type Cell, type Report, type Row, renderReport, type ShapeName } from "./report.ts"
import { throwawayPattern } from "../engines/run-mark.ts"
import {
  type Client,
  dialectOf,
  dropLeftovers,
  listAimDatabases,
  probeTargets,
  type Servers,
  type TargetKey,
  targetKeys,
} from "./targets.ts"

interface Options {
  readonly runs: number
  /** Minutes the whole run should take; 0 for no limit. */
  readonly budget: number
  readonly sizes: ReadonlyArray<ShapeName>
  readonly engines: ReadonlyArray<TargetKey>
  readonly servers: Servers
  /** What aim runs as: the compiled binary, the installed package's bundle, or the sources. */
  readonly aim: AimForm
}

const usage = `usage: bun run bench [--runs N] [--budget MINUTES] [--quick] [--aim binary|bundle|source] [--engines ${targetKeys.join(",")}]
                     [--sizes 10,100,1000,wide] [--postgres-url URL] [--mariadb-url URL]`

function parseOptions(argv: ReadonlyArray<string>): Options {
  let runs: number | undefined
  let budget = 10
  let quick = false
  let aim: AimForm = "binary"
  let sizes: ShapeName[] | undefined
  let engines: TargetKey[] = [...targetKeys]
  const servers = {
    postgresUrl: "postgres://postgres@127.0.0.1:5432/postgres",
    mariadbUrl: "mysql://root@127.0.0.1:3306",
  }
  const fail = (message: string): never => {
    process.stderr.write(`bench: ${message}\n${usage}\n`)
    process.exit(2)
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    const [flag, inline] = arg.includes("=")
      ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
      : [arg]
    const value = () => inline ?? argv[++i] ?? fail(`${flag} needs a value`)
    switch (flag) {
      case "--runs": {
        const v = value()
        if (!/^[1-9]\d*$/.test(v)) fail(`--runs expects a positive whole number, got "${v}"`)
        runs = Number(v)
        break
      }
      case "--budget": {
        const v = value()
        if (!/^\d+(\.\d+)?$/.test(v)) fail(`--budget expects minutes, got "${v}"`)
        budget = Number(v)
        break
      }
      case "--quick":
        quick = true
        break
      case "--aim": {
        const v = value()
        if (v !== "binary" && v !== "bundle" && v !== "source")
          fail(`--aim expects binary, bundle or source, got "${v}"`)
        aim = v as AimForm
        break
      }
      case "--engines": {
        const list = value()
          .split(",")
          .map((s) => s.trim())
          .filter((s) => s !== "")
        for (const e of list)
          if (!(targetKeys as ReadonlyArray<string>).includes(e))
            fail(`unknown engine "${e}" (known: ${targetKeys.join(", ")})`)
        engines = list as TargetKey[]
        break
      }
      case "--sizes": {
        const list = value()
          .split(",")
          .map((s) => s.trim())
        for (const s of list) if (!["10", "100", "1000", "wide"].includes(s)) fail(`unknown size "${s}"`)
        sizes = list as ShapeName[]
        break
      }
      case "--postgres-url":
        servers.postgresUrl = value()
        break
      case "--mariadb-url":
        servers.mariadbUrl = value()
        break
      case "--help":
      case "-h":
        process.stdout.write(`${usage}\n`)
        process.exit(0)
        break
      default:
        fail(`unknown option "${arg}"`)
    }
  }
  return {
    runs: runs ?? (quick ? 3 : 5),
    budget,
    sizes: sizes ?? (quick ? ["10", "100"] : ["10", "100", "1000", "wide"]),
    engines,
    servers,
    aim,
  }
}

const shapeOf = (name: ShapeName): FixtureShape =>
  name === "empty"
    ? { kind: "empty" }
    : name === "wide"
      ? { kind: "wide", tables: 200 }
      : { kind: "history", migrations: Number(name) }

const AIM_TIMEOUT_MS = 600_000

/** The command that starts aim: Bun on cli.ts, Bun on the bundle, or the binary main() builds. */
let aimCommand: ReadonlyArray<string> = [BUN, CLI]

function progress(text: string) {
  process.stderr.write(`${text}\n`)
}

/**
 * The client's replay of one fixture, measured once per engine: every backend of an engine is
 * compared with the same server's floor, so later rows share the first row's samples (the same
 * array) instead of spending minutes on them.
 */
interface Floor {
  readonly cell: Cell
  /** The row that measures it. */
  readonly by: string
}

/** One row's cell, opened and measured once; `round` adds one more sample of every figure. */
interface Job {
  readonly key: TargetKey
  readonly cell: Cell
  /** Wall time of the last round, to judge whether another fits in the budget. */
  roundMs: number
  readonly round: () => Promise<void>
  /** The cell whose client samples this one shares, if any. */
  readonly floor?: Floor | undefined
}

/**
 * Open one row (engine and backend) on one fixture: write the project and client scripts, check
 * that aim handles it, and take the first sample of every figure (client floor, diff cold and warm,
 * generate). Undefined `job` when aim fails on it; the cell then carries the error.
 */
async function openCell(
  temp: string,
  key: TargetKey,
  toml: string,
  client: Client | undefined,
  shape: ShapeName,
  fixture: Fixture,
  floor: Floor | undefined,
): Promise<{ cell: Cell; job?: Job }> {
  const dir = join(temp, key, shape)
  const project = join(dir, "project")
  const scripts = join(dir, "client")
  mkdirSync(scripts, { recursive: true })
  writeProject(project, fixture, toml)
  if (!floor) client?.prepare(scripts, fixture)
  const base = {
    // The URL rows take their server from aim.toml; a URL in the caller's shell would override it.
    AIM_POSTGRES_URL: undefined,
    AIM_MARIADB_URL: undefined,
    AIM_MYSQL_URL: undefined,
    TMPDIR: join(temp, "tmp"),
    NO_COLOR: "1",
  }
  // One cache folder per row: it keeps the engine's one-time setup (PGlite's initialized data
  // folder) as a user's machine does. A cold run is a snapshot-cache miss, made by emptying the
  // snapshot folder first; it then writes the snapshot, as a user's first run after a change does.
  const cache = join(temp, "cache", key)
  const snapshots = join(cache, "snapshots")
  const env = { ...base, AIM_NO_CACHE: undefined, AIM_CACHE_DIR: cache }
  const aim = (command: ReadonlyArray<string>, cold: boolean) => {
    if (cold) rmSync(snapshots, { recursive: true, force: true })
    return run([...aimCommand, ...command, "--dir", project, "--quiet"], {
      env,
      cwd: project,
      timeoutMs: AIM_TIMEOUT_MS,
    })
  }
  const diffArgs = ["diff"]
  const generateArgs = ["generate", "--model", "builtin", "--dry-run"]
  const cell: Cell = {
    shape,
    migrations: fixture.migrations.length,
    tables: fixture.tables,
    runs: 0,
    client: floor ? floor.cell.client : [],
    cold: [],
    coldCpu: [],
    warm: [],
    warmCpu: [],
    generate: [],
    rss: [],
    notes: [],
  }

  // The first run checks that aim handles this project at all. It counts as the first cold sample,
  // except on a row's first fixture, where it may also pay for the engine's one-time setup.
  const started = performance.now()
  const countFirst = shape !== "empty"
  const first = await aim(diffArgs, true)
  if (first.code !== 0) {
    cell.error = `aim diff failed: ${firstLine(first)}`
    return { cell }
  }
  if (countFirst) record(cell, first)
  const expected = shape === "empty" ? /No difference/ : /^1 change between/m
  if (!expected.test(first.stdout)) {
    const count = /(\d+) changes? between/.exec(first.stdout)?.[1]
    cell.notes.push(
      `aim diff reported ${count ?? "no"} change(s) where the fixture has ${shape === "empty" ? "none" : "one"}`,
    )
  }
  // If aim keeps snapshots elsewhere now, the warm runs below would be misses: say so.
  if (!existsSync(snapshots))
    cell.notes.push(`no snapshot cache in ${snapshots} after a run: the warm runs may not be cache hits`)

  let generateOk = shape !== "empty"
  let clientOk = client !== undefined && floor === undefined
  let firstRound = true
  // Each figure's samples are taken side by side, so load from other work on the machine falls
  // on all of them alike.
  const round = async () => {
    if (clientOk && client) {
      const r = await client.replay(scripts)
      if ("error" in r) {
        cell.clientError = r.error
        clientOk = false
      } else cell.client.push(r.millis)
    }
    if (!firstRound || !countFirst) {
      const c = await aim(diffArgs, true)
      if (c.code === 0) record(cell, c)
      else cell.notes.push(`a cold aim diff failed: ${firstLine(c)}`)
    }
    firstRound = false
    // Right after a cold run, which wrote this history's snapshot: a cache hit.
    const w = await aim(diffArgs, false)
    if (w.code === 0) {
      cell.warm.push(w.millis)
      if (w.cpuMs !== undefined) cell.warmCpu.push(w.cpuMs)
    } else cell.notes.push(`a warm aim diff failed: ${firstLine(w)}`)
    if (generateOk) {
      const g = await aim(generateArgs, true)
      if (g.code === 0 && /Dry run/.test(g.stdout)) cell.generate.push(g.millis)
      else {
        cell.generateError = `aim generate failed: ${firstLine(g)}`
        generateOk = false
      }
    }
    cell.runs += 1
  }
  const job: Job = {
    key,
    cell,
    floor,
    roundMs: 0,
    round: async () => {
      const t = performance.now()
      await round()
      job.roundMs = performance.now() - t
    },
  }
  await round()
  // Later rounds include a cold diff, which the first one took before it: count it in.
  job.roundMs = performance.now() - started
  return { cell, job }
}

/** A cold `aim diff` sample: wall time, CPU time, peak memory. */
function record(cell: Cell, result: RunResult) {
  cell.cold.push(result.millis)
  if (result.cpuMs !== undefined) cell.coldCpu.push(result.cpuMs)
  if (result.maxRssMiB !== undefined) cell.rss.push(result.maxRssMiB)
}

/** Embedded PostgreSQL ready time: a first run (initdb into an empty cache) and later runs. */
async function measureEmbeddedReady(options: Options, temp: string): Promise<Report["embedded"]> {
  const script = join(ROOT, "bench", "embedded-ready.ts")
  // The folder the embedded row's aim runs use as AIM_CACHE_DIR, so they start from the template made here.
  const cacheDir = join(temp, "cache", "postgres-embedded")
  const once = async (): Promise<{ error: string } | { readyMs: number; wallMs: number; from: string }> => {
    const r = await run([BUN, script, cacheDir], { env: { AIM_NO_CACHE: undefined }, timeoutMs: 300_000 })
    if (r.code !== 0) return { error: firstLine(r) }
    const parsed = JSON.parse(r.stdout.trim()) as { readyMs: number; from: string }
    return { readyMs: parsed.readyMs, wallMs: r.millis, from: parsed.from }
  }
  const first = await once()
  if ("error" in first) return { error: first.error }
  const later: number[] = []
  const laterWall: number[] = []
  for (let i = 0; i < options.runs; i++) {
    const r = await once()
    if ("error" in r) return { error: r.error }
    later.push(r.readyMs)
    laterWall.push(r.wallMs)
  }
  return {
    firstMs: first.readyMs,
    firstWallMs: first.wallMs,
    firstFrom: first.from,
    laterMs: median(later),
    laterWallMs: median(laterWall),
    runs: later.length,
  }
}

async function main() {
  const options = parseOptions(process.argv.slice(2))
  const started = performance.now()
  const temp = mkdtempSync(join(tmpdir(), "aim-bench-"))
  // aim's local backends run their servers as an unprivileged user when started as root, and
  // those must reach their folders under aim's TMPDIR, which lives in here.
  chmodSync(temp, 0o755)
  mkdirSync(join(temp, "tmp"))
  chmodSync(join(temp, "tmp"), 0o1777)
  const usesServers = {
    postgres: options.engines.some((e) => e.startsWith("postgres")),
    mariadb: options.engines.some((e) => e.startsWith("mariadb")),
  }
  // What is built goes inside the checkout, not the temp folder: the packages the bundle leaves
  // external (PGlite, libpg-query) are found by walking up from it to node_modules, as in a package.
  const built = join(ROOT, "dist", `bench-${process.pid}`)
  let cleaned = false
  const cleanup = async () => {
    if (cleaned) return
    cleaned = true
    await dropLeftovers(options.servers, usesServers).catch(() => undefined)
    rmSync(temp, { recursive: true, force: true })
    rmSync(built, { recursive: true, force: true })
  }
  // A signal stops the running command and lets the work unwind (the next command throws
  // Interrupted); the cleanup below then runs as on a normal end, and the exit code says why.
  let signalled: number | undefined
  const onSignal = (signal: NodeJS.Signals, code: number) => {
    process.on(signal, () => {
      if (signalled !== undefined) return
      signalled = code
      progress(`bench: ${signal}, stopping the running command and removing ${temp}`)
      stopChildren()
    })
  }
  onSignal("SIGINT", 130)
  onSignal("SIGTERM", 143)

  try {
    if (options.aim === "bundle") {
      progress("bench: bundling aim (build/bundle.ts)")
      aimCommand = [BUN, bundle(join(built, "js"))]
    } else if (options.aim === "binary") {
      progress("bench: compiling aim (build/compile.ts)")
      const binary = join(built, "aim")
      compile(binary)
      aimCommand = [binary]
    }
    const before = await listAimDatabases(options.servers, usesServers)
    const report: Report = {
      entry: options.aim,
      date: new Date(),
      bun: Bun.version,
      cores: availableParallelism(),
      loadBefore: loadavg()[0] ?? 0,
      loadAfter: 0,
      runs: options.runs,
      budget: options.budget,
      sizes: options.sizes,
      rows: [],
      skipped: [],
      cleanup: [],
      seconds: 0,
    }
    const probes = await probeTargets(options.engines, options.servers)
    const fixtures = new Map<string, Fixture>()
    const floors = new Map<string, Floor>()
    const jobs: Job[] = []
    const budgetMs = options.budget > 0 ? options.budget * 60_000 : Number.POSITIVE_INFINITY
    const label = (key: string, cell: Cell) => {
      const ms = (v: number[]) => (v.length > 0 ? `${Math.round(median(v))} ms` : "–")
      return `${key} ${cell.shape}: ${cell.error ?? `${cell.runs} run(s): client ${ms(cell.client)}, diff cold ${ms(cell.cold)}, warm ${ms(cell.warm)}, generate ${ms(cell.generate)}`}`
    }
    // First pass: every cell of every row gets its first sample, so a short budget still covers
    // the whole table.
    for (const key of options.engines) {
      const probe = probes.get(key)
      if (!probe?.ok) {
        report.skipped.push({ key, reason: probe && !probe.ok ? probe.reason : "not probed" })
        progress(`skip ${key}: ${probe && !probe.ok ? probe.reason : "not probed"}`)
        continue
      }
      if (key === "postgres-embedded") {
        progress("embedded PostgreSQL: ready time")
        report.embedded = await measureEmbeddedReady(options, temp)
      }
      const client = "unavailable" in probe.client ? undefined : probe.client
      const row: Row = {
        key,
        label: probe.label,
        engineId: probe.engineId,
        inProcess: key === "sqlite" || key === "postgres-embedded",
        client:
          "unavailable" in probe.client
            ? { unavailable: probe.client.unavailable }
            : { name: probe.client.name },
        cells: [],
      }
      report.rows.push(row)
      for (const shape of ["empty", ...options.sizes] as ShapeName[]) {
        const dialect = dialectOf(key)
        const fixtureKey = `${dialect}/${shape}`
        const fixture = fixtures.get(fixtureKey) ?? buildFixture(dialect, shapeOf(shape))
        fixtures.set(fixtureKey, fixture)
        const floor = floors.get(fixtureKey)
        const { cell, job } = await openCell(temp, key, probe.toml, client, shape, fixture, floor)
        row.cells.push(cell)
        if (floor) row.floorFrom = floor.by
        else if (client && job) floors.set(fixtureKey, { cell, by: probe.label })
        if (job) jobs.push(job)
        progress(`${label(key, cell)} (${((job?.roundMs ?? 0) / 1000).toFixed(0)} s)`)
        // A row whose empty project already fails will fail on every size: say it once.
        if (cell.error && shape === "empty") break
      }
    }
    // Further rounds, while the budget lasts: always to the cell with the fewest runs (the
    // cheapest first among equals), skipping cells whose next round would overrun the budget.
    for (;;) {
      const left = budgetMs - (performance.now() - started)
      const next = jobs
        .filter((j) => j.cell.runs < options.runs && j.roundMs <= left)
        .sort((a, b) => a.cell.runs - b.cell.runs || a.roundMs - b.roundMs)[0]
      if (!next) break
      await next.round()
    }
    for (const job of jobs) {
      if (job.floor) job.cell.clientError = job.floor.cell.clientError
      progress(label(job.key, job.cell))
    }
    await dropLeftovers(options.servers, usesServers)
    // Everything the bench started has exited, so a database of aim's naming (`aim_` + 16 hex)
    // that appeared during the run and stays was left behind, by this run's aim or by someone
    // else's run on the same server; other aim_% names (aim_test_...) belong to other tools and
    // are only counted.
    const throwaway = throwawayPattern
    const fresh = async () => {
      const after = await listAimDatabases(options.servers, usesServers)
      const found: Record<string, { left: string[]; others: number; before: number } | undefined> = {}
      for (const server of ["postgres", "mariadb"] as const) {
        const names = after[server]
        if (names === undefined) continue
        const old = new Set(before[server] ?? [])
        const ours = names.filter((n) => n.startsWith("aim_bench_") || (throwaway.test(n) && !old.has(n)))
        found[server] = { left: ours, others: names.length - ours.length, before: old.size }
      }
      return found
    }
    // Other people's aim runs on a shared server create and drop throwaway databases all the time;
    // one that is still there ten seconds later, and was there right after the run, is a leftover.
    const found = await fresh()
    if (Object.values(found).some((f) => (f?.left.length ?? 0) > 0)) {
      await Bun.sleep(10_000)
      const again = await fresh()
      for (const [server, f] of Object.entries(found)) {
        const still = new Set(again[server]?.left ?? [])
        if (f) f.left = f.left.filter((n) => still.has(n))
      }
    }
    for (const [server, f] of Object.entries(found))
      if (f) report.cleanup.push({ server, left: f.left, preexisting: f.others })
    const leftInTmp = readdirSync(join(temp, "tmp"))
    report.tmpLeft = leftInTmp
    report.loadAfter = loadavg()[0] ?? 0
    report.seconds = (performance.now() - started) / 1000
    process.stdout.write(renderReport(report))
  } catch (error) {
    if (!(error instanceof Interrupted)) throw error
  } finally {
    resumeChildren()
    await cleanup()
    if (signalled !== undefined) process.exit(signalled)
  }
}

await main()
