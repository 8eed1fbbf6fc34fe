/**
 * build/entry: the entry of the standalone binary that `npm run build` compiles into dist/aim (see
 * build/compile.ts). Inside `bun build --compile` PGlite cannot find its own wasm and data files, so
 * this entry embeds them (`with { type: "file" }`) and hands them to the embedded PostgreSQL
 * backend through the PgliteAssets reference; otherwise it starts aim exactly as cli.ts does, so
 * running from source is unchanged. Holds nothing beyond what cli.ts holds; the compiled wasm
 * modules live for the process once a command starts an embedded database.
 */
import initdbWasm from "../node_modules/@electric-sql/pglite/dist/initdb.wasm" with { type: "file" }
import pgliteData from "../node_modules/@electric-sql/pglite/dist/pglite.data" with { type: "file" }
import pgliteWasm from "../node_modules/@electric-sql/pglite/dist/pglite.wasm" with { type: "file" }
import pglitePackage from "../node_modules/@electric-sql/pglite/package.json" with { type: "json" }
import { readFileSync } from "node:fs"
import { recordEarlySignals } from "../commands/_early-signals.ts"
import aimPackage from "../package.json" with { type: "json" }
import type { PgliteAssets as EmbeddedFiles } from "../engines/postgres/backends/embedded.ts"

// The version is answered before aim loads (a third of a second saved); commands/_cli.ts answers
// it the same way when aim runs from source.
const [first] = process.argv.slice(2)
if (first === "--version" || first === "-v") {
  process.stdout.write(`${aimPackage.version}\n`)
  process.exit(0)
}

const early = recordEarlySignals()

const [{ run }, { Effect }, { PgliteAssets }] = await Promise.all([
  import("../commands/_cli.ts"),
  import("effect"),
  import("../engines/postgres/backends/embedded.ts"),
])

// Compiling the modules takes about a quarter of a second, which `aim --version` or a SQLite
// project should not pay: the backend compiles pglite.wasm itself when it starts (in the
// background, from the file), and the getter compiles initdb.wasm only when initdb runs.
let initdbModule: WebAssembly.Module | undefined
const assets: EmbeddedFiles = {
  pgliteWasmFile: pgliteWasm,
  get initdbWasmModule() {
    initdbModule ??= new WebAssembly.Module(readFileSync(initdbWasm))
    return initdbModule
  },
  get fsBundle() {
    return Bun.file(pgliteData)
  },
  version: pglitePackage.version,
}

await run(process.argv.slice(2), early, { provide: Effect.provideService(PgliteAssets, assets) })
