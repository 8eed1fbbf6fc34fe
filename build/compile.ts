/**
 * build/compile: `npm run build`. Compiles build/entry.ts with `bun build --compile` into one
 * executable, dist/aim (or `--outfile PATH`), that needs no Node.js, no Bun and no node_modules:
 * Bun's runtime, aim, its dependencies and PGlite's wasm and data files are all inside.
 * Testcontainers and its optional native helpers (ssh2, cpu-features) bundle as they are: they are
 * loaded only when a docker backend is chosen, and without a container runtime that backend says so.
 *
 * Code splitting keeps what only some runs need (PostgreSQL, MySQL, the model SDKs with Node's
 * http, stream and crypto modules) out of the start: without it every start evaluated all of it,
 * about 0.25 s of CPU. Bytecode spares parsing. Measured on an empty SQLite project, `aim diff`
 * took 290 ms of CPU as one chunk, 70 ms split and minified, 30 ms with bytecode as well; the
 * binary grows from 134 to 157 MB.
 */
import { mkdirSync, renameSync, rmSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { parseArgs } from "node:util"
import { buildIdDefine } from "./build-id.ts"

const root = resolve(import.meta.dir, "..")

/** Compile aim into `outfile`; throws with Bun's message when the build fails. */
export function compile(outfile: string): void {
  mkdirSync(dirname(outfile), { recursive: true })
  // Built beside the target and renamed over it, so a failed build leaves the previous binary whole.
  const temp = `${outfile}.tmp-${process.pid}`
  const build = Bun.spawnSync(
    [
      process.execPath,
      "build",
      "--compile",
      "--format=esm",
      "--splitting",
      "--minify",
      "--bytecode",
      ...buildIdDefine(root),
      resolve(root, "build/entry.ts"),
      "--outfile",
      temp,
    ],
    { cwd: root, stdout: "pipe", stderr: "pipe" },
  )
  if (build.exitCode !== 0) {
    rmSync(temp, { force: true })
    throw new Error(`bun build --compile failed (exit ${build.exitCode}): ${build.stderr.toString().trim()}`)
  }
  renameSync(temp, outfile)
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { outfile: { type: "string" } } })
  const outfile = resolve(root, values.outfile ?? "dist/aim")
  const started = performance.now()
  try {
    compile(outfile)
  } catch (error) {
    process.stderr.write(`aim build: ${(error as Error).message}\n`)
    process.exit(1)
  }
  const size = Bun.file(outfile).size
  process.stdout.write(
    `Built ${outfile} (${(size / 1024 / 1024).toFixed(1)} MB) in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  )
}
