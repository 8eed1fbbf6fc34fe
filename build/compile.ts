/**
 * build/compile: `npm run build`. Compiles build/entry.ts with `bun build --compile` into one
 * executable, dist/aim (or `--outfile PATH`), that needs no Node.js, no Bun and no node_modules:
 * Bun's runtime, aim, its dependencies and PGlite's wasm and data files are all inside.
 * Testcontainers and its optional native helpers (ssh2, cpu-features) bundle as they are: they are
 * loaded only when a docker backend is chosen, and without a container runtime that backend says so.
 */
import { mkdirSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { parseArgs } from "node:util"
import { buildIdDefine } from "./build-id.ts"

const root = resolve(import.meta.dir, "..")
const { values } = parseArgs({ options: { outfile: { type: "string" } } })
const outfile = resolve(root, values.outfile ?? "dist/aim")
mkdirSync(dirname(outfile), { recursive: true })

const started = performance.now()
const build = Bun.spawnSync(
  [
    process.execPath,
    "build",
    "--compile",
    "--minify-syntax",
    ...buildIdDefine(root),
    resolve(root, "build/entry.ts"),
    "--outfile",
    outfile,
  ],
  { cwd: root, stdout: "inherit", stderr: "inherit" },
)
if (build.exitCode !== 0) {
  process.stderr.write(`aim build: bun build --compile failed (exit ${build.exitCode})\n`)
  process.exit(1)
}
const size = Bun.file(outfile).size
process.stdout.write(
  `Built ${outfile} (${(size / 1024 / 1024).toFixed(1)} MB) in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
)
