/**
 * examples/custom-workflow: a user's own workflow from aim's steps (snapshot, diff) and a step of
 * its own (post the changes to an HTTP service it starts). Run as a user runs it, on a copy of its
 * project, and again with REVIEW_URL pointing at a service this test runs.
 */
import { afterAll, expect, test } from "bun:test"
import { cpSync } from "node:fs"
import { join, resolve } from "node:path"
import { makeTemp, removeTemp } from "../e2e/_cli.ts"

const EXAMPLE = resolve(import.meta.dir, "../../examples/custom-workflow")
const temp = makeTemp("aim-custom-workflow-")
afterAll(() => removeTemp(temp))

async function runExample(project: string, env: Record<string, string> = {}) {
  const child = Bun.spawn([process.execPath, join(EXAMPLE, "workflow.ts"), project], {
    env: { ...process.env, ...env },
    stdout: "pipe",
    stderr: "pipe",
  })
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ])
  return { code, stdout, stderr }
}

test("posts the pending changes to the service it starts", async () => {
  const project = join(temp, "project")
  cpSync(EXAMPLE, project, { recursive: true })
  const result = await runExample(project)
  expect(result.stderr).toBe("")
  expect(result.code).toBe(0)
  const doc = JSON.parse(result.stdout) as {
    posted: boolean
    received: Array<{ engine: string; changes: Array<{ kind: string; summary: string }>; diff: string }>
  }
  expect(doc.posted).toBe(true)
  expect(doc.received).toHaveLength(1)
  const [payload] = doc.received
  expect(payload?.engine).toBe("sqlite")
  expect(payload?.changes.map((c) => c.kind)).toEqual([
    "create-table",
    "add-column",
    "add-constraint",
    "add-index",
  ])
  expect(payload?.diff).toContain("+ CREATE TABLE projects")
})

test("posts to REVIEW_URL, and fails with exit code 1 when that service refuses", async () => {
  const project = join(temp, "project-url")
  cpSync(EXAMPLE, project, { recursive: true })
  const bodies: unknown[] = []
  let status = 200
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: async (request) => {
      bodies.push(await request.json())
      return new Response("{}", { status })
    },
  })
  try {
    const url = `http://127.0.0.1:${server.port}/hook`
    const ok = await runExample(project, { REVIEW_URL: url })
    expect(ok.code).toBe(0)
    expect(JSON.parse(ok.stdout)).toEqual({ posted: true, url })
    expect(bodies).toHaveLength(1)
    status = 503
    const refused = await runExample(project, { REVIEW_URL: url })
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain("503")
  } finally {
    server.stop(true)
  }
})
