/**
 * build/entry: the entry of the standalone binary that `npm run build` compiles into dist/aim (see
 * build/compile.ts). Inside `bun build --compile` PGlite cannot find its own wasm and data files, so
 * this entry embeds them (`with { type: "file" }`), for each PostgreSQL major's PGlite release
 * (engines/postgres/backends/pglite-releases.ts), and hands them to the embedded PostgreSQL backend
 * through the PgliteAssets reference; otherwise it starts aim exactly as cli.ts does, so running
 * from source is unchanged. Holds nothing beyond what cli.ts holds; the compiled wasm modules live
 * for the process once a command starts an embedded database.
 */
import pg16Data from "../node_modules/pglite-16/dist/postgres.data" with { type: "file" }
import pg16Wasm from "../node_modules/pglite-16/dist/postgres.wasm" with { type: "file" }
import pg16Package from "../node_modules/pglite-16/package.json" with { type: "json" }
import pg17Initdb from "../node_modules/pglite-17/dist/initdb.wasm" with { type: "file" }
import pg17Data from "../node_modules/pglite-17/dist/pglite.data" with { type: "file" }
import pg17Wasm from "../node_modules/pglite-17/dist/pglite.wasm" with { type: "file" }
import pg17Package from "../node_modules/pglite-17/package.json" with { type: "json" }
import pg18Initdb from "../node_modules/@electric-sql/pglite/dist/initdb.wasm" with { type: "file" }
import pg18Data from "../node_modules/@electric-sql/pglite/dist/pglite.data" with { type: "file" }
import pg18Wasm from "../node_modules/@electric-sql/pglite/dist/pglite.wasm" with { type: "file" }
import pg18Package from "../node_modules/@electric-sql/pglite/package.json" with { type: "json" }
import pg19Initdb from "../node_modules/pglite-19/dist/initdb.wasm" with { type: "file" }
import pg19Data from "../node_modules/pglite-19/dist/pglite.data" with { type: "file" }
import pg19Wasm from "../node_modules/pglite-19/dist/pglite.wasm" with { type: "file" }
import pg19Package from "../node_modules/pglite-19/package.json" with { type: "json" }
import { readFileSync } from "node:fs"
import { recordEarlySignals } from "../commands/_early-signals.ts"
import aimPackage from "../package.json" with { type: "json" }
import type { PgliteAssets as EmbeddedFiles, PgliteFiles } from "../engines/postgres/backends/embedded.ts"

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
// project should not pay: the backend compiles the PostgreSQL module itself when it starts (in the
// background, from the file), and the getter compiles initdb.wasm only when initdb runs.
function filesOf(wasm: string, data: string, version: string, initdb?: string): PgliteFiles {
  let initdbModule: WebAssembly.Module | undefined
  return {
    pgliteWasmFile: wasm,
    get initdbWasmModule() {
      if (initdb) initdbModule ??= new WebAssembly.Module(readFileSync(initdb))
      return initdbModule
    },
    get fsBundle() {
      return Bun.file(data)
    },
    version,
  }
}

const assets: EmbeddedFiles = {
  16: filesOf(pg16Wasm, pg16Data, pg16Package.version),
  17: filesOf(pg17Wasm, pg17Data, pg17Package.version, pg17Initdb),
  18: filesOf(pg18Wasm, pg18Data, pg18Package.version, pg18Initdb),
  19: filesOf(pg19Wasm, pg19Data, pg19Package.version, pg19Initdb),
}

await run(process.argv.slice(2), early, { provide: Effect.provideService(PgliteAssets, assets) })
