/**
 * bench/installed: `bun run bench/installed.ts` (or `npm run bench:installed`) times `aim diff` as
 * an npm user runs it against the same command from the sources, side by side. It packs this
 * checkout (`npm pack`, whose prepack builds the bundle), installs the tarball into an empty folder
 * on a PATH of node, npm, npx and sh alone, and on a copy of examples/sqlite runs, in alternation:
 * the installed `node_modules/.bin/aim diff` (Node starts bin/aim.js, which starts Bun on the
 * bundle), the checkout's `node bin/aim.js diff` (the same, on cli.ts and its 300 modules), and
 * `npx aim diff` (what the README tells users to type). Prints the medians of wall and CPU time and
 * the ratio, against the goal: the installed command at least 1.6 times faster than the sources.
 *
 * Flags: --runs N (default 15). Resources: one temp folder (tarball, install, project, aim's
 * cache), removed at the end and on Ctrl-C.
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { parseArgs } from "node:util"
import { installTarball, nodeOnlyPath, packTarball } from "../build/pack.ts"
import { median, type RunResult, run } from "./measure.ts"

const GOAL = 1.6
const root = resolve(import.meta.dir, "..")
const { values } = parseArgs({ options: { runs: { type: "string", default: "15" } } })
const runs = Number(values.runs)
if (!Number.isInteger(runs) || runs < 1) {
  process.stderr.write(`bench/installed: --runs expects a whole number, got "${values.runs}"\n`)
  process.exit(2)
}

const temp = mkdtempSync(join(tmpdir(), "aim-bench-installed-"))
const cleanUp = () => rmSync(temp, { recursive: true, force: true })
process.once("SIGINT", () => {
  cleanUp()
  process.exit(130)
})

try {
  const path = nodeOnlyPath(temp)
  process.stderr.write("bench/installed: npm pack and npm install\n")
  const app = join(temp, "app")
  installTarball(packTarball(join(temp, "packed"), path), app, path)
  const project = join(app, "project")
  cpSync(join(root, "examples", "sqlite"), project, { recursive: true })
  const env = { PATH: path, AIM_CACHE_DIR: join(temp, "cache"), NO_COLOR: "1" }
  const forms = {
    installed: [join(app, "node_modules", ".bin", "aim"), "diff"],
    source: ["node", join(root, "bin", "aim.js"), "diff"],
    "npx (installed)": ["npx", "aim", "diff"],
  } as const
  type Form = keyof typeof forms
  const samples: Record<Form, RunResult[]> = { installed: [], source: [], "npx (installed)": [] }
  // One run each first: it fills the snapshot cache, so every timed run finds it warm.
  for (const argv of Object.values(forms)) {
    const first = await run(argv, { cwd: project, env })
    if (first.code !== 0) throw new Error(`${argv.join(" ")} failed: ${first.stderr}`)
  }
  for (let i = 0; i < runs; i++)
    for (const [form, argv] of Object.entries(forms) as Array<[Form, ReadonlyArray<string>]>)
      samples[form].push(await run(argv, { cwd: project, env }))
  const wall = (form: Form) => median(samples[form].map((s) => s.millis))
  const cpu = (form: Form) => median(samples[form].map((s) => s.cpuMs ?? Number.NaN))
  const lines = [
    `aim diff on examples/sqlite, median of ${runs} runs each, side by side (warm snapshot cache)`,
    "",
    "| aim runs as | wall | CPU |",
    "| --- | ---: | ---: |",
    ...(Object.keys(forms) as Form[]).map(
      (f) => `| ${f} | ${wall(f).toFixed(0)} ms | ${cpu(f).toFixed(0)} ms |`,
    ),
    "",
  ]
  const ratio = wall("source") / wall("installed")
  lines.push(
    `installed is ${ratio.toFixed(2)}x faster than the sources (goal: at least ${GOAL}x): ${ratio >= GOAL ? "pass" : "FAIL"}`,
  )
  process.stdout.write(`${lines.join("\n")}\n`)
} finally {
  cleanUp()
}
