#!/usr/bin/env bun
/**
 * cli: aim's entry. Loading aim takes a few hundred milliseconds; a Ctrl-C or SIGTERM that arrives
 * meanwhile is recorded here, before anything else loads, and honoured once the command line is
 * read (nothing has been acquired yet, so it exits at once with 130 or 143). From then on
 * NodeRuntime.runMain owns the signals (commands/_cli.ts). The standalone binary starts from
 * build/entry.ts instead, which does the same and also hands PGlite its embedded files.
 */
import { recordEarlySignals } from "./commands/_early-signals.ts"

const early = recordEarlySignals()
const { run } = await import("./commands/_cli.ts")
await run(process.argv.slice(2), early)
