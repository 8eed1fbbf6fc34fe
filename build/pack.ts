/**
 * build/pack: the package as npm users get it. `packTarball` runs `npm pack` on the checkout (its
 * prepack builds the bundle, and package.json's `files` decides what goes in); `nodeOnlyPath` makes
 * a folder of links to node, npm, npx and the shell npm runs scripts with, so a PATH of that folder
 * alone is a machine with Node.js and npm and no Bun; `installTarball` installs the tarball into a
 * project folder there. The test of the installed package (test/dist/package.test.ts) and the
 * installed-against-source benchmark (bench/installed.ts) share them. Holds nothing: the caller owns
 * the folders it passes.
 */
import { existsSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"

const root = resolve(import.meta.dir, "..")

export interface Ran {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Run `argv` in `cwd` with exactly `env`; never throws on a failing exit code. */
export function runIn(argv: ReadonlyArray<string>, cwd: string, env: Record<string, string>): Ran {
  const child = Bun.spawnSync([...argv], { cwd, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" })
  return { code: child.exitCode ?? -1, stdout: child.stdout.toString(), stderr: child.stderr.toString() }
}

/** The environment of a fresh shell on a machine whose PATH is `path`: npm's cache and settings stay the user's. */
export function cleanEnv(
  path: string,
  extra: Record<string, string | undefined> = {},
): Record<string, string> {
  const env: Record<string, string> = { PATH: path }
  for (const [key, value] of Object.entries({
    HOME: process.env.HOME,
    TMPDIR: process.env.TMPDIR,
    ...extra,
  }))
    if (value !== undefined) env[key] = value
  return env
}

/**
 * A folder `<folder>/bin` with node, npm, npx and sh, and nothing else: the PATH of a machine with
 * only Node.js and npm (npm starts lifecycle scripts and bins through `sh`). Returns the PATH.
 */
export function nodeOnlyPath(folder: string): string {
  const bin = join(folder, "bin")
  mkdirSync(bin, { recursive: true })
  for (const name of ["node", "npm", "npx", "sh"]) {
    const found = Bun.which(name)
    if (found === null) throw new Error(`${name} is not on PATH; the package test needs Node.js and npm`)
    // npm and npx are links to their JavaScript entries; Node follows the link to find npm's modules.
    if (!existsSync(join(bin, name))) symlinkSync(realpathSync(found), join(bin, name))
  }
  return bin
}

/** `npm pack` the checkout into `destination`; returns the tarball's path. Throws with npm's output on failure. */
export function packTarball(destination: string, path: string): string {
  mkdirSync(destination, { recursive: true })
  const packed = runIn(["npm", "pack", "--pack-destination", destination, "--json"], root, cleanEnv(path))
  if (packed.code !== 0) throw new Error(`npm pack failed (exit ${packed.code}):\n${packed.stderr}`)
  // prepack's own output comes first; npm's JSON starts on a line of its own.
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.search(/^\[/m))) as Array<{ filename: string }>
  if (!info) throw new Error(`npm pack printed no tarball:\n${packed.stdout}`)
  return join(destination, info.filename)
}

/**
 * Install `tarball` into `project` (made if missing, with a package.json of its own so npm does not
 * climb to a parent) from npm's cache where it can. Returns npm's output; throws when it fails.
 */
export function installTarball(tarball: string, project: string, path: string): Ran {
  mkdirSync(project, { recursive: true })
  if (!existsSync(join(project, "package.json")))
    writeFileSync(join(project, "package.json"), '{ "name": "aim-user-project", "private": true }\n')
  const installed = runIn(
    ["npm", "install", "--no-audit", "--no-fund", "--prefer-offline", tarball],
    project,
    cleanEnv(path),
  )
  if (installed.code !== 0)
    throw new Error(`npm install failed (exit ${installed.code}):\n${installed.stderr}`)
  return installed
}
