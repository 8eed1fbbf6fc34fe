#!/usr/bin/env node
// aim's npm entry. aim runs on Bun; this starts the Bun that npm installed with it (a dependency),
// so a machine with only Node.js and npm can run `npx aim`. Signals are passed on so Ctrl-C and
// SIGTERM still let aim remove its throwaway databases before it exits.
import { spawn } from "node:child_process"
import { existsSync, statSync } from "node:fs"
import { createRequire } from "node:module"
import { arch, platform } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, "..")
// An installed package runs the bundle its prepack built (build/bundle.ts): it starts in a quarter
// of the time the sources take. A git checkout runs its sources, so an edit is never hidden by a
// bundle left over from an earlier build.
const bundled = join(root, "dist", "js", "cli.js")
const cli = existsSync(bundled) && !existsSync(join(root, ".git")) ? bundled : join(root, "cli.ts")

/**
 * The Bun executable. Bun's postinstall moves the binary of the platform's package
 * (`@oven/bun-linux-x64`, ...) over the 450-byte placeholder script `bun/bin/bun.exe`; when
 * install scripts did not run (`--ignore-scripts`, or an npm that asks before running them) the
 * binary is still in the platform's package, so look there too.
 */
function findBun() {
  const require = createRequire(import.meta.url)
  let bunPackage
  try {
    bunPackage = require.resolve("bun/package.json")
  } catch {
    return undefined
  }
  const linked = join(dirname(bunPackage), "bin", "bun.exe")
  if (existsSync(linked) && statSync(linked).size > 1_000_000) return linked
  const fromBun = createRequire(bunPackage)
  const os = platform() === "win32" ? "windows" : platform()
  const cpu = arch() === "arm64" ? "aarch64" : arch()
  for (const variant of ["", "-musl", "-baseline", "-musl-baseline"]) {
    try {
      const platformPackage = dirname(fromBun.resolve(`@oven/bun-${os}-${cpu}${variant}/package.json`))
      const binary = join(platformPackage, "bin", os === "windows" ? "bun.exe" : "bun")
      if (existsSync(binary)) return binary
    } catch {}
  }
  return undefined
}

if (process.versions.bun) {
  await import(cli)
} else {
  const bun = findBun()
  if (bun === undefined) {
    process.stderr.write(
      "aim: cannot find the Bun that aim runs on (the `bun` package, installed with aim); reinstall aim with `npm install`, or run it with `bunx aim`.\n",
    )
    process.exit(1)
  }
  const child = spawn(bun, [cli, ...process.argv.slice(2)], { stdio: "inherit" })
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(signal, () => child.kill(signal))
  }
  child.on("exit", (code, signal) => {
    if (signal) process.exit(128 + ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1 }[signal] ?? 1))
    process.exit(code ?? 1)
  })
}
