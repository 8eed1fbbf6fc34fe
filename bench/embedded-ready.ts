/**
 * embedded-ready: how long the embedded PostgreSQL backend takes to answer its first query, run
 * as its own process so every measurement pays PGlite's module load as a user's run does. Usage:
 * `bun bench/embedded-ready.ts <cache folder>`; prints one JSON line: {"readyMs", "from"}. With an
 * empty cache folder the backend runs initdb (a first run); with a filled one it starts from the
 * cached data folder (every later run). The backend module is loaded by path at run time, so the
 * benchmark still runs, and says why this line is missing, when the backend does not exist.
 * Resources: the PGlite instances, closed when the scope below closes.
 */
import { join } from "node:path"
import { Effect } from "effect"

/** The part of backends/embedded.ts this measurement relies on. */
interface EmbeddedModule {
  readonly embeddedBackend: (
    engine: string,
    options: { cacheDir?: string },
  ) => Effect.Effect<
    {
      readonly start: { readonly from: string }
      readonly ephemeral: Effect.Effect<
        { query: (text: string) => Promise<unknown> },
        unknown,
        import("effect").Scope.Scope
      >
    },
    unknown,
    import("effect").Scope.Scope
  >
}

const cacheDir = process.argv[2]
if (!cacheDir) {
  process.stderr.write("usage: bun bench/embedded-ready.ts <cache folder>\n")
  process.exit(2)
}

const started = performance.now()
const path = join(import.meta.dir, "..", "engines", "postgres", "backends", "embedded.ts")
const module = (await import(path)) as Partial<EmbeddedModule>
if (typeof module.embeddedBackend !== "function") {
  process.stderr.write(`${path} has no embeddedBackend\n`)
  process.exit(1)
}
const embeddedBackend = module.embeddedBackend
const program = Effect.scoped(
  Effect.gen(function* () {
    const backend = yield* embeddedBackend("postgres", { cacheDir })
    const session = yield* backend.ephemeral
    yield* Effect.promise(() => session.query("SELECT 1"))
    return { readyMs: performance.now() - started, from: backend.start.from }
  }),
)
const result = await Effect.runPromise(program)
process.stdout.write(`${JSON.stringify(result)}\n`)
