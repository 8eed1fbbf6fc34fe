#!/usr/bin/env node
// aim's npm entry. aim runs on Bun; this starts the Bun that npm installed beside it, so a machine
// with only Node.js and npm can run `npx aim`. Signals are passed on so Ctrl-C and SIGTERM still
// let aim remove its throwaway databases before it exits.
import { spawn } from "node:child_process"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const here = dirname(fileURLToPath(import.meta.url))
const cli = join(here, "..", "cli.ts")

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
