/**
 * A workflow of your own, composed from aim's steps: read the project, snapshot the migrations and
 * schema.sql on throwaway SQLite databases, diff them, and post the pending changes to a review
 * service, with no planner and no model. The "review service" is a small HTTP server this script
 * starts on a free local port (set REVIEW_URL to post to a real one instead); it prints what it
 * received as one JSON document on stdout. Resources: the throwaway databases (closed when the
 * snapshot step ends) and the local server (stopped when the program ends, Ctrl-C included).
 *
 *   bun examples/custom-workflow/workflow.ts [project folder]
 */
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Schema } from "effect"
import {
  type Change,
  type Config,
  describeChange,
  diff,
  Engine,
  formatOf,
  loadConfig,
  readFolder,
  readHistory,
  readSchemaSource,
  renderChanges,
  snapshot,
  sqliteLayer,
} from "../../mod.ts" // from "aim" once installed as a package

/** The custom step's error: a tagged error, like aim's own, so callers can match on it. */
class PostFailed extends Schema.TaggedError<PostFailed>()("PostFailed", {
  url: Schema.String,
  reason: Schema.String,
}) {
  override get message() {
    return `Cannot post the changes to ${this.url}: ${this.reason}`
  }
}

/** A review service on a free port, stopped with the scope; it keeps what it was sent. */
const localReviewService = Effect.acquireRelease(
  Effect.sync(() => {
    const received: unknown[] = []
    const server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: async (request) => {
        received.push(await request.json())
        return Response.json({ ok: true })
      },
    })
    return { url: `http://127.0.0.1:${server.port}/changes`, received, server }
  }),
  ({ server }) => Effect.promise(() => server.stop(true)),
)

/** The custom step: post the changes, as a JSON summary and the diff text, to `url`. */
const postChanges = (url: string, config: Config, changes: ReadonlyArray<Change>, text: string) =>
  Effect.tryPromise({
    try: async () => {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          project: config.root,
          engine: config.engine,
          changes: changes.map((change) => ({ kind: change.kind, summary: describeChange(change) })),
          diff: text,
        }),
      })
      if (!response.ok) throw new Error(`HTTP ${response.status}`)
    },
    catch: (error) => new PostFailed({ url, reason: error instanceof Error ? error.message : String(error) }),
  })

const program = Effect.gen(function* () {
  const config = yield* loadConfig(process.argv[2] ?? import.meta.dir, {})
  const format = formatOf(config)
  if (format instanceof Error) return yield* format
  // aim's steps, in the order aim's own diff runs them.
  const history = yield* readHistory(config, format, yield* readFolder(config))
  const { current, desired } = yield* snapshot(history, yield* readSchemaSource(config))
  const changes = yield* diff(current, desired)
  if (changes.length === 0) {
    process.stdout.write(`${JSON.stringify({ posted: false, reason: "no pending changes" })}\n`)
    return
  }
  const text = renderChanges(changes, {
    from: current,
    to: desired,
    renderTable: (yield* Engine).renderTable,
  })
  const given = process.env.REVIEW_URL
  if (given) {
    yield* postChanges(given, config, changes, text)
    process.stdout.write(`${JSON.stringify({ posted: true, url: given })}\n`)
    return
  }
  const service = yield* localReviewService
  yield* postChanges(service.url, config, changes, text)
  process.stdout.write(
    `${JSON.stringify({ posted: true, url: service.url, received: service.received }, null, 2)}\n`,
  )
}).pipe(
  Effect.scoped,
  Effect.provide(sqliteLayer),
  Effect.catch((error) =>
    Effect.sync(() => {
      process.stderr.write(`custom-workflow: ${error.message}\n`)
      process.exitCode = 1
    }),
  ),
)

NodeRuntime.runMain(program)
