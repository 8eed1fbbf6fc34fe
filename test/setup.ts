/**
 * Preloaded before every test file: a private cache folder for the run, so tests neither read
 * snapshots cached by an earlier run nor fill the user's own cache. Child processes inherit it.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "bun:test"

if (!process.env.AIM_TEST_CACHE_OWNER) {
  const folder = mkdtempSync(join(tmpdir(), "aim-test-cache-"))
  process.env.AIM_CACHE_DIR = folder
  process.env.AIM_TEST_CACHE_OWNER = String(process.pid)
  afterAll(() => rmSync(folder, { recursive: true, force: true }))
}
