#!/usr/bin/env bun
/**
 * cli: aim's entry. Loading aim takes a few hundred milliseconds; a Ctrl-C or SIGTERM that arrives
 * meanwhile is recorded here, before anything else loads, and honoured once the command line is
 * read (nothing has been acquired yet, so it exits at once with 130 or 143). From then on
 * NodeRuntime.runMain owns the signals (commands/_cli.ts).
 */
export {}

let received: "SIGINT" | "SIGTERM" | undefined
const record = (signal: "SIGINT" | "SIGTERM") => {
  received ??= signal
}
process.on("SIGINT", record)
process.on("SIGTERM", record)

const { run } = await import("./commands/_cli.ts")
await run(process.argv.slice(2), {
  received: () => received,
  release: () => {
    process.off("SIGINT", record)
    process.off("SIGTERM", record)
  },
})
