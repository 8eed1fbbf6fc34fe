/**
 * report: the benchmark's results as Markdown, ready to paste into a note: one table of medians
 * with the aim / client ratio per row, the per-migration cost, the goals with pass/fail marks, the
 * embedded PostgreSQL ready time, what was skipped and why, and what the cleanup check found.
 * Pure formatting; holds nothing.
 */
import { median } from "./measure.ts"

export type ShapeName = "empty" | "10" | "100" | "1000" | "wide"

export interface Cell {
  readonly shape: ShapeName
  readonly migrations: number
  readonly tables: number
  runs: number
  /** Milliseconds of each run. */
  readonly client: number[]
  readonly cold: number[]
  /** CPU time of each cold and warm `aim diff`, milliseconds. */
  readonly coldCpu: number[]
  readonly warmCpu: number[]
  readonly warm: number[]
  readonly generate: number[]
  /** Peak memory of each cold `aim diff`, MiB. */
  readonly rss: number[]
  error?: string
  clientError?: string
  generateError?: string
  readonly notes: string[]
}

export interface Row {
  readonly key: string
  readonly label: string
  readonly engineId: string
  readonly client: { readonly name: string } | { readonly unavailable: string }
  /**
   * The engine runs inside aim's process (SQLite, PGlite), so aim's CPU time is all the work and
   * the steadier basis for per-migration costs on a busy machine.
   */
  readonly inProcess: boolean
  /** The row whose client measurements this row reuses (same engine, same server). */
  floorFrom?: string
  readonly cells: Cell[]
}

/** What the bench runs aim as. */
export type AimForm = "binary" | "bundle" | "source"

const AIM_FORMS: Record<AimForm, string> = {
  binary: "as the standalone binary, build/compile.ts",
  bundle: "from the bundle an installed package runs under Bun, build/bundle.ts",
  source: "from its source tree, as a checkout runs it",
}

export interface Report {
  readonly date: Date
  /** How aim ran: the compiled binary, the bundle an installed package runs, or the source tree. */
  readonly entry: AimForm
  readonly bun: string
  readonly cores: number
  readonly loadBefore: number
  loadAfter: number
  readonly runs: number
  /** Minutes; 0 for none. */
  readonly budget: number
  readonly sizes: ReadonlyArray<ShapeName>
  readonly rows: Row[]
  readonly skipped: Array<{ key: string; reason: string }>
  embedded?:
    | {
        readonly firstMs: number
        readonly firstWallMs: number
        readonly firstFrom: string
        readonly laterMs: number
        readonly laterWallMs: number
        readonly runs: number
      }
    | { readonly error: string }
  readonly cleanup: Array<{ server: string; left: string[]; preexisting: number }>
  tmpLeft?: string[]
  seconds: number
}

/** The goals this benchmark holds aim to. */
export const GOALS = {
  /** `aim diff` (cold) at most this many times the client's replay. */
  ratio: 3,
  /** Per-migration cost at the largest history at most this many times that at the next size. */
  linear: 1.5,
  /** Warm `aim diff` on 100 SQLite migrations, milliseconds. */
  warmSqlite100: 300,
} as const

/** Below this many milliseconds of history work (wall, CPU), a per-migration cost is mostly noise. */
const SIGNAL_MS = { wall: 50, cpu: 20 }

const PASS = "✅ pass"
const FAIL = "❌ fail"
const NA = "– n/a"

const m = (values: ReadonlyArray<number>) => (values.length > 0 ? median(values) : undefined)

function seconds(ms: number | undefined): string {
  if (ms === undefined || Number.isNaN(ms)) return "–"
  return ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${(ms / 1000).toFixed(1)} s`
}

function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || b <= 0) return "–"
  const r = a / b
  return `${r < 10 ? r.toFixed(1) : r.toFixed(0)}×`
}

const shapeLabel = (c: Cell) =>
  c.shape === "empty"
    ? "empty project"
    : c.shape === "wide"
      ? `${c.tables} tables in ${c.migrations} migrations`
      : `${c.migrations} migrations (${c.tables} tables)`

const historyShapes = (row: Row) =>
  row.cells.filter((c) => c.shape !== "empty" && c.shape !== "wide" && c.error === undefined)

/** (aim cold − aim on the empty project) / (client − client on the empty project): the fixed costs taken out. */
function marginal(row: Row, cell: Cell): string {
  const empty = row.cells.find((c) => c.shape === "empty")
  if (!empty || cell.shape === "empty") return "–"
  const aim = m(cell.cold)
  const aim0 = m(empty.cold)
  const client = m(cell.client)
  const client0 = m(empty.client)
  if (aim === undefined || aim0 === undefined || client === undefined || client0 === undefined) return "–"
  if (client - client0 < 5) return "–"
  return ratio(aim - aim0, client - client0)
}

function mainTable(report: Report): string[] {
  const out = [
    "| engine (backend) | fixture | client replay | aim diff cold | its CPU | ×client | ×client, startup removed | aim diff warm | its CPU | ×client | aim generate --dry-run | ×client | runs |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ]
  for (const row of report.rows) {
    for (const cell of row.cells) {
      if (cell.error) {
        out.push(`| ${row.label} | ${shapeLabel(cell)} | ${cell.error.replace(/\|/g, "\\|")} |||||||||| 0 |`)
        continue
      }
      const client = m(cell.client)
      const cold = m(cell.cold)
      const warm = m(cell.warm)
      const generate = cell.shape === "empty" ? undefined : m(cell.generate)
      out.push(
        `| ${row.label} | ${shapeLabel(cell)} | ${seconds(client)} | ${seconds(cold)} | ${seconds(m(cell.coldCpu))} | ${ratio(cold, client)} | ${marginal(row, cell)} | ${seconds(warm)} | ${seconds(m(cell.warmCpu))} | ${ratio(warm, client)} | ${seconds(generate)} | ${ratio(generate, client)} | ${cell.runs} |`,
      )
    }
  }
  return out
}

/** (time on this history − time on the empty project) / migrations; aim's CPU time for in-process engines. */
function perMigration(row: Row, cell: Cell, which: "cold" | "client"): number | undefined {
  const empty = row.cells.find((c) => c.shape === "empty")
  const series = which === "cold" && row.inProcess ? "coldCpu" : which
  const t = m(cell[series])
  const t0 = empty ? m(empty[series]) : undefined
  if (t === undefined || t0 === undefined || cell.migrations === 0) return undefined
  return (t - t0) / cell.migrations
}

function perMigrationTable(report: Report): string[] {
  const sizes = report.sizes.filter((s) => s !== "wide")
  if (sizes.length === 0) return []
  const out = [
    `| engine (backend) | aim diff, empty project | ${sizes.map((s) => `aim per migration @${s}`).join(" | ")} | ${sizes.map((s) => `client per migration @${s}`).join(" | ")} | aim peak memory (largest) |`,
    `| --- | ---: | ${sizes.map(() => "---:").join(" | ")} | ${sizes.map(() => "---:").join(" | ")} | ---: |`,
  ]
  const ms = (v: number | undefined) => (v === undefined ? "–" : `${v.toFixed(2)} ms`)
  for (const row of report.rows) {
    const empty = row.cells.find((c) => c.shape === "empty")
    if (!empty || empty.error) continue
    const cell = (s: string) => row.cells.find((c) => c.shape === s && !c.error)
    const aim = sizes.map((s) => {
      const c = cell(s)
      return c ? ms(perMigration(row, c, "cold")) : "–"
    })
    const client = sizes.map((s) => {
      const c = cell(s)
      return c ? ms(perMigration(row, c, "client")) : "–"
    })
    const largest = [...row.cells].reverse().find((c) => c.rss.length > 0)
    const rss = largest ? `${Math.round(median(largest.rss))} MiB (${largest.shape})` : "–"
    out.push(
      `| ${row.label} | ${seconds(m(empty.cold))} | ${aim.join(" | ")} | ${client.join(" | ")} | ${rss} |`,
    )
  }
  return out
}

function goalsTable(report: Report): string[] {
  const out = ["| goal | engine (backend) | measured | result |", "| --- | --- | --- | --- |"]
  for (const row of report.rows) {
    const cells = row.cells.filter((c) => c.shape !== "empty" && !c.error)
    const ratios = cells.flatMap((c) => {
      const cold = m(c.cold)
      const client = m(c.client)
      return cold !== undefined && client !== undefined ? [{ c, r: cold / client }] : []
    })
    if (ratios.length === 0) {
      const why = "unavailable" in row.client ? row.client.unavailable : "no size measured"
      out.push(`| \`aim diff\` within ${GOALS.ratio}× of client replay | ${row.label} | ${why} | ${NA} |`)
    } else {
      const worst = ratios.reduce((a, b) => (b.r > a.r ? b : a))
      const failing = ratios.filter((x) => x.r > GOALS.ratio).map((x) => x.c.shape)
      const measured = `worst ${worst.r.toFixed(1)}× (${worst.c.shape})${failing.length > 0 ? `; over ${GOALS.ratio}× at ${failing.join(", ")}` : ""}`
      out.push(
        `| \`aim diff\` within ${GOALS.ratio}× of client replay, every size | ${row.label} | ${measured} | ${failing.length === 0 ? PASS : FAIL} |`,
      )
    }

    const history = historyShapes(row)
    const per = history.map((c) => ({ c, v: perMigration(row, c, "cold") }))
    const shown = per
      .map((p) => `${p.v === undefined ? "–" : p.v.toFixed(2)} ms @${p.c.migrations}`)
      .join(", ")
    const [small, large] = per.slice(-2)
    let verdict = NA
    let why = shown || "needs two history sizes"
    if (small && large && small.v !== undefined && large.v !== undefined) {
      const signal = row.inProcess ? SIGNAL_MS.cpu : SIGNAL_MS.wall
      if (small.v * small.c.migrations < signal)
        why = `${shown} (history work at ${small.c.migrations} is under ${signal} ms: noise)`
      else {
        const growth = large.v / small.v
        verdict = growth <= GOALS.linear ? PASS : FAIL
        // The engine itself may not be linear (SQLite re-reads its whole schema after each DDL):
        // the client's growth over the same sizes says how much of it is the engine's.
        const cs = perMigration(row, small.c, "client")
        const cl = perMigration(row, large.c, "client")
        const client =
          cs !== undefined && cl !== undefined && cs > 0 ? `; client: ${(cl / cs).toFixed(2)}×` : ""
        why = `${shown}; ${growth.toFixed(2)}× per migration from ${small.c.migrations} to ${large.c.migrations}${client}`
      }
    }
    out.push(
      `| cost grows linearly (per-migration cost @${large?.c.migrations ?? "N"} ≤ ${GOALS.linear}× @${small?.c.migrations ?? "n"}) | ${row.label} | ${why} | ${verdict} |`,
    )
  }
  const sqlite = report.rows.find((r) => r.key === "sqlite")
  const warm = sqlite?.cells.find((c) => c.shape === "100" && !c.error)
  const warmMs = warm ? m(warm.warm) : undefined
  const warmCpu = warm ? m(warm.warmCpu) : undefined
  out.push(
    `| warm \`aim diff\` < ${GOALS.warmSqlite100 / 1000} s on 100 SQLite migrations | SQLite | ${warmMs === undefined ? "not measured" : `${seconds(warmMs)} wall, ${seconds(warmCpu)} CPU`} | ${warmMs === undefined ? NA : warmMs < GOALS.warmSqlite100 ? PASS : FAIL} |`,
  )
  return out
}

export function renderReport(report: Report): string {
  const out: string[] = []
  out.push(`## aim benchmark, ${report.date.toISOString().slice(0, 16).replace("T", " ")} UTC`)
  out.push("")
  out.push(
    `Bun ${report.bun}, ${report.cores} cores, load average ${report.loadBefore.toFixed(1)} at start and ${report.loadAfter.toFixed(1)} at the end; each figure is the median of the runs shown (asked: ${report.runs}${report.budget > 0 ? `; every cell gets one, then more go to the cells with the fewest while the ${report.budget}-minute budget lasts` : ""}), wall time as a shell sees it, Bun and aim startup included (aim run ${AIM_FORMS[report.entry]}); *its CPU* is the user + system time of the aim process, steadier than wall time on a busy machine but blind to a database server's work. Client replay: the engine's own client replays the history into one fresh database and loads schema.sql into another, both at once (sqlite3 without fsync; psql with CREATE/DROP DATABASE; mariadb with CREATE/DROP DATABASE). *Cold*: a snapshot-cache miss (the snapshot folder emptied before the run; one-time engine setup such as PGlite's template stays cached, as on a user's machine); *warm*: the history's snapshot comes from the cache; generate runs cold, as after the previous generate changed the history. *Startup removed*: (aim − aim on the empty project) / (client − client on the empty project). Whole run: ${Math.round(report.seconds)} s.`,
  )
  out.push("")
  if (report.skipped.length > 0) {
    for (const s of report.skipped) out.push(`- skipped **${s.key}**: ${s.reason}`)
    out.push("")
  }
  for (const row of report.rows)
    out.push(
      `- **${row.label}** (\`engine = "${row.engineId}"\`): floor is ${"name" in row.client ? row.client.name : `not measured: ${row.client.unavailable}`}${row.floorFrom ? ` (measured once, with ${row.floorFrom}, and reused here)` : ""}`,
    )
  out.push("")
  out.push(...mainTable(report))
  out.push("")
  out.push("### Per-migration cost of `aim diff` (cold), startup removed")
  out.push("")
  out.push(
    "(time on the history − time on the empty project) / migrations: wall time, except aim's CPU time for engines that run inside aim's process (marked CPU), which is steadier on a busy machine. Negative or wild figures at 10 migrations are noise: that history's work is smaller than the run-to-run spread.",
  )
  out.push("")
  out.push(...perMigrationTable(report))
  out.push("")
  out.push("### Goals")
  out.push("")
  out.push(...goalsTable(report))
  out.push("")
  if (report.embedded) {
    out.push("### Embedded PostgreSQL (PGlite) ready time")
    out.push("")
    const e = report.embedded
    if ("error" in e) out.push(`- not measured: ${e.error}`)
    else {
      out.push(
        `- first run (${e.firstFrom}, empty cache folder): ready in ${seconds(e.firstMs)} (process ${seconds(e.firstWallMs)})`,
      )
      out.push(
        `- later runs (from the cached data folder, median of ${e.runs}): ready in ${seconds(e.laterMs)} (process ${seconds(e.laterWallMs)})`,
      )
    }
    out.push("")
  }
  const notes = report.rows.flatMap((row) =>
    row.cells.flatMap((c) => [
      ...c.notes.map((n) => `${row.label}, ${shapeLabel(c)}: ${n}`),
      ...(c.clientError ? [`${row.label}, ${shapeLabel(c)}: client replay failed: ${c.clientError}`] : []),
      ...(c.generateError ? [`${row.label}, ${shapeLabel(c)}: ${c.generateError}`] : []),
    ]),
  )
  if (notes.length > 0) {
    out.push("### Notes")
    out.push("")
    for (const n of notes) out.push(`- ${n}`)
    out.push("")
  }
  out.push("### Cleanup")
  out.push("")
  out.push("- the bench's temp folder (projects, client scripts, caches, aim's TMPDIR) is removed on exit")
  if (report.tmpLeft && report.tmpLeft.length > 0)
    out.push(
      `- aim left ${report.tmpLeft.length} entr(ies) in its TMPDIR: ${report.tmpLeft.slice(0, 5).join(", ")}`,
    )
  else out.push("- aim left nothing in its TMPDIR")
  for (const c of report.cleanup) {
    const others =
      c.preexisting > 0
        ? ` (${c.preexisting} other aim_% database(s) of other tools or earlier runs not counted)`
        : ""
    out.push(
      c.left.length === 0
        ? `- ${c.server}: no throwaway database left by this run${others}`
        : `- ${c.server}: ${c.left.length} throwaway database(s) appeared during the run and remain (this run's aim, or a concurrent aim run's): ${c.left.join(", ")}${others}`,
    )
  }
  out.push("")
  return out.join("\n")
}
