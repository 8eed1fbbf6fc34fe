/**
 * The README's commands run as written on a machine with only Node.js and npm: none starts with a
 * bare `bun` (Bun comes with the project's node_modules, so the README says `npx bun` or an npm
 * script), and the custom workflow's command, copied from the README, runs from the repository's
 * root with a PATH of node, npm, npx and sh alone.
 */
import { afterAll, expect, test } from "bun:test"
import { readFileSync } from "node:fs"
import { resolve } from "node:path"
import { cleanEnv, nodeOnlyPath, runIn } from "../build/pack.ts"
import { makeTemp, removeTemp } from "./e2e/_cli.ts"

const ROOT = resolve(import.meta.dir, "..")
const README = readFileSync(resolve(ROOT, "README.md"), "utf8")
const temp = makeTemp("aim-readme-")
afterAll(() => removeTemp(temp))

/** Every command the README shows: inline code and the lines of ```sh blocks. */
function commands(): string[] {
  const blocks = [...README.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => (m[1] ?? "").split("\n"))
  const inline = [...README.replace(/```[\s\S]*?```/g, "").matchAll(/`([^`\n]+)`/g)].map((m) => m[1] ?? "")
  return [...blocks, ...inline].map((c) => c.trim()).filter((c) => c !== "")
}

test("no command needs Bun on the PATH", () => {
  // Named, not run: what `npm run build` and `npm test` run; `bunx aim` is offered where Bun is installed.
  const named = new Set(["bun build --compile", "bun test"])
  const bare = commands().filter((c) => /^bunx? /.test(c) && !named.has(c) && !/^bunx aim\b/.test(c))
  expect(bare).toEqual([])
})

test("the custom workflow's command runs as written with only Node.js and npm", () => {
  const command = commands().find((c) => / examples\/custom-workflow\/workflow.ts /.test(c))
  expect(command).toStartWith("npx bun ")
  const result = runIn(
    ["sh", "-c", command as string],
    ROOT,
    cleanEnv(nodeOnlyPath(temp), { AIM_CACHE_DIR: process.env.AIM_CACHE_DIR }),
  )
  expect(result.stderr).toBe("")
  expect(result.code).toBe(0)
  expect(JSON.parse(result.stdout).posted).toBe(true)
})
