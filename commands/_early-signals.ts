/**
 * _early-signals: loading aim takes a few hundred milliseconds; a Ctrl-C or SIGTERM that arrives
 * meanwhile is recorded by this module's listeners, installed by the entry (cli.ts, or the
 * standalone binary's build/entry.ts) before anything heavy loads, and handed to `run` in
 * commands/_cli.ts, which honours it and then releases the listeners to NodeRuntime.runMain.
 * Holds the two process listeners until `release` is called.
 */

/** Signals caught while aim was still loading; handed over so none is lost before runMain listens. */
export interface EarlySignals {
  readonly received: () => "SIGINT" | "SIGTERM" | undefined
  readonly release: () => void
}

export function recordEarlySignals(): EarlySignals {
  let received: "SIGINT" | "SIGTERM" | undefined
  const record = (signal: "SIGINT" | "SIGTERM") => {
    received ??= signal
  }
  process.on("SIGINT", record)
  process.on("SIGTERM", record)
  return {
    received: () => received,
    release: () => {
      process.off("SIGINT", record)
      process.off("SIGTERM", record)
    },
  }
}
