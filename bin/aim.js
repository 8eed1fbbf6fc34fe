#!/usr/bin/env node
// aim's npm entry. aim runs on Bun; this starts the Bun that npm installed beside it, so a machine
// with only Node.js and npm can run `npx aim`. Signals are passed on so Ctrl-C and SIGTERM still
// let aim remove its throwaway databases before it exits.
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, "..")
// An installed package runs the bundle its prepack built (build/bundle.ts): it starts in a quarter
// of the time the sources take. A git checkout runs its sources, so an edit is never hidden by a
// bundle left over from an earlier build.
const bundled = join(root, "dist", "js", "cli.js")
const cli = existsSync(bundled) && !existsSync(join(root, ".git")) ? bundled : join(root, "cli.ts")

if (process.versions.bun) {
  await import(cli)
} else {
  const require = createRequire(import.meta.url)
  let bun
  try {
    bun = join(dirname(require.resolve("bun/package.json")), "bin", "bun.exe")
  } catch {
    process.stderr.write(
      "aim: the `bun` package is missing; run `npm install` in the project that installed aim.\n",
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
