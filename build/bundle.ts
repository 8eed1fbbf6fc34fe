/**
 * build/bundle: `npm run bundle` (and `prepack`, so the published package carries it). Bundles aim
 * into dist/js/cli.js plus chunks, the form `bunx aim` runs once installed (bin/aim.js). Running
 * from source, Bun resolves and transpiles some 300 modules on every start, about 0.2 s of CPU
 * before aim does anything; the minified bundle starts in about a quarter of that, which is most of
 * `aim diff`'s cost on a small SQLite history. Code that only some runs need (PostgreSQL, MySQL,
 * the model SDKs, the rules' parsers) stays in chunks loaded on first use. Packages that locate
 * their own wasm files next to their code stay external and load from node_modules: they, and Bun,
 * are the package's `dependencies`, and everything else is a devDependency bundled in, so an
 * install fetches only what the bundle loads. Native addons (ssh2's and cpu-features', which
 * testcontainers pulls in for `ssh://` Docker hosts) stay out too: each is built for one platform,
 * and both packages fall back to plain JavaScript without them.
 * Output is built in a temp folder beside the target and swapped in, so an interrupted build
 * leaves the previous bundle whole.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { parseArgs } from "node:util"
import pkg from "../package.json" with { type: "json" }
import { buildIdDefine } from "./build-id.ts"

/** Packages that find wasm or data files relative to their own code: the package's dependencies but Bun. */
export const EXTERNAL = Object.keys(pkg.dependencies).filter((name) => name !== "bun")

const root = resolve(import.meta.dir, "..")

/** Bundle cli.ts into `outdir`; returns the entry file. Throws with Bun's message when the build fails. */
export function bundle(outdir: string): string {
  const temp = `${outdir}.tmp-${process.pid}`
  rmSync(temp, { recursive: true, force: true })
  mkdirSync(dirname(outdir), { recursive: true })
  const build = Bun.spawnSync(
    [
      process.execPath,
      "build",
      "--target=bun",
      "--format=esm",
      "--splitting",
      "--minify",
      ...buildIdDefine(root),
      ...[...EXTERNAL, "*.node"].flatMap((name) => ["--external", name]),
      resolve(root, "cli.ts"),
      "--outdir",
      temp,
    ],
    { cwd: root, stdout: "pipe", stderr: "pipe" },
  )
  if (build.exitCode !== 0) {
    rmSync(temp, { recursive: true, force: true })
    throw new Error(`bun build failed (exit ${build.exitCode}): ${build.stderr.toString().trim()}`)
  }
  if (existsSync(outdir)) rmSync(outdir, { recursive: true, force: true })
  renameSync(temp, outdir)
  return resolve(outdir, "cli.js")
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { outdir: { type: "string" } } })
  const outdir = resolve(root, values.outdir ?? "dist/js")
  const started = performance.now()
  try {
    const entry = bundle(outdir)
    process.stdout.write(`Bundled ${entry} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`)
  } catch (error) {
    process.stderr.write(`aim bundle: ${(error as Error).message}\n`)
    process.exit(1)
  }
}
