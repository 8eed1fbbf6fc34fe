/**
 * sqitch: Sqitch's project layout. `sqitch.plan` lists the changes in deploy order; each change
 * `name` has `deploy/name.sql`, `revert/name.sql` and `verify/name.sql`. Facts from Sqitch's source
 * (lib/App/Sqitch/Plan.pm _parse and check_changes, Plan/Change.pm path_segments, Plan/Depend.pm,
 * Plan/Line.pm format_note, Command/init.pm write_config, lib/App/Sqitch.pm user_name/user_email,
 * etc/templates):
 *
 * - The plan starts with pragmas (`%syntax-version=1.0.0`, `%project=name` (required), others)
 *   that end at the first empty line; `#` lines are comments anywhere. Then change lines
 *   `name [deps] 2024-01-02T03:04:05Z Planner Name <email> # note` and tag lines
 *   `@tag 2024-01-02T03:04:05Z Planner Name <email> # note`; timestamp and planner are required, a
 *   note starts at the first `#`. Order is plan order (dependencies are checked, never reordered):
 *   a required change of this project must be planned earlier.
 * - A change name may appear again only after a tag (a rework): the earlier instance's scripts are
 *   then `deploy/name@tag.sql` (the latest tag before the rework whose file exists), and it reads
 *   with version `name@tag` so versions stay unique. A name with `/` lives in subfolders.
 * - Sqitch runs the deploy script as written, with no transaction of its own: its templates put
 *   `BEGIN;` ... `COMMIT;` in the script. So a migration reads as transactional exactly when its
 *   deploy script opens a transaction itself (the replayer then leaves the wrapping to the script).
 *
 * Not read: `sqitch.conf` settings that move the plan or the script folders (plan_file, top_dir,
 * deploy_dir..., extension); the folder is taken to be the top directory with default names.
 *
 * Render appends one change line to the plan (creating the plan, and a `sqitch.conf` like the one
 * `sqitch init` writes, when missing) and writes deploy/revert/verify scripts in
 * the shape of Sqitch's templates. The change name is safeName(description), made unique against
 * every change already planned (`_2`, `_3`...), so it is never a rework. The change has no
 * dependencies: plan order already is the deploy order. The version passed in is not used: a Sqitch
 * change is known by its name.
 *
 * sqitch.plan is the only file any format rewrites (`indexFiles`): render returns its full new
 * content, and the writer replaces the existing file atomically (it is an index, not a migration).
 * `forProject` binds the format to a project: the engine key for sqitch.conf and the headers (from
 * the aim engine id), the project name for a new plan (the project folder's name when Sqitch
 * accepts it), and the planner found as Sqitch finds it (sqitchPlanner) from the project's environment.
 */
import { hostname, userInfo } from "node:os"
import type { Migration } from "../model.ts"
import { needsNoTransaction, opensTransaction } from "./_statements.ts"
import { type FolderFile, FormatError, type FormatShape, type NewMigration, safeName } from "./format.ts"
import { timestampVersion } from "./migrate.ts"

export interface SqitchOptions {
  /** Sqitch engine key (pg, sqlite, mysql...) written in a new sqitch.conf and the scripts' headers. */
  readonly engine?: string | undefined
  /** Project name for a new plan; an existing plan keeps its own. Defaults to "aim". */
  readonly project?: string | undefined
  /**
   * Who plans a change when the migration does not say: asked only when a change is rendered (it
   * may run `git config`). Defaults to "aim <aim@localhost>".
   */
  readonly planner?: (() => { readonly name: string; readonly email: string }) | undefined
}

const PLAN = "sqitch.plan"
const CONF = "sqitch.conf"
const punct = "-!\"#$%&'()*+,./:;<=>?@[\\\\\\]^`{|}~"
const namePattern = new RegExp(
  `^(?![${punct}])(?:(?![~/=%^\\[\\]][0-9]+(?:$|[ \\t]))[^ \\t:@#\\\\])+(?<![${punct}])$`,
  "u",
)
const changeLine =
  /^[ \t]*(?:@|[ \t]*[+-][ \t]*)?([^ \t[]+)(?:[ \t]+)?(?:\[([^\]]+)\][ \t]*)?(?:([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z[ \t]*)?(?:([^<]+)[ \t]+<([^>]+)>)?$/
const reserved = new Set(["ROOT", "HEAD"])

/** A change of the plan, in plan order. */
export interface PlannedChange {
  readonly name: string
  /** 1-based line in sqitch.plan. */
  readonly line: number
  readonly requires: ReadonlyArray<string>
  readonly conflicts: ReadonlyArray<string>
  readonly note: string
  /** Tags declared right after this change, without their `@`. */
  readonly tags: string[]
  /** Tags to look for the reworked scripts of this change, in Sqitch's order; empty when not reworked. */
  reworkTags: string[]
}

export interface ParsedPlan {
  readonly project: string
  readonly pragmas: Readonly<Record<string, string>>
  readonly changes: ReadonlyArray<PlannedChange>
}

/** Parse sqitch.plan as Sqitch does; a string says what Sqitch would reject, with its line. */
export function parsePlan(content: string): ParsedPlan | string {
  const lines = content.split("\n").map((l) => l.replace(/\r$/, ""))
  const pragmas: Record<string, string> = {}
  let index = 0
  for (; index < lines.length; index++) {
    const line = lines[index] as string
    if (/^[ \t]*(#|$)/.test(line)) {
      if (/^[ \t]*$/.test(line)) {
        index++
        break
      }
      continue
    }
    const bare = line.replace(/[ \t]*(?:#.*)?$/, "")
    const pragma = /^[ \t]*%[ \t]*([^ \t=]+?)(?:[ \t]*=[ \t]*(.+))?$/.exec(bare)
    if (!pragma)
      return `line ${index + 1}: invalid pragma; a blank line must come between pragmas and changes`
    const [, key = "", value = "1"] = pragma
    pragmas[key] = value
  }
  const project = pragmas.project
  if (project === undefined) return "missing %project pragma"
  if (!namePattern.test(project)) return `invalid project name ${JSON.stringify(project)}`

  const changes: PlannedChange[] = []
  const named = new Map<string, PlannedChange>()
  const sinceTag = new Map<string, number>()
  const tagLines = new Map<string, number>()
  /** Everything planned so far: changes and `@tags`, for dependency checks. */
  const seen = new Set<string>()
  for (; index < lines.length; index++) {
    const lineNo = index + 1
    const raw = lines[index] as string
    if (/^[ \t]*(#|$)/.test(raw)) continue
    const hash = raw.indexOf("#")
    const note = hash === -1 ? "" : raw.slice(hash + 1).replace(/^[ \t]+/, "")
    const line = (hash === -1 ? raw : raw.slice(0, hash)).replace(/[ \t]+$/, "")
    const isTag = /^[ \t]*@/.test(line)
    const match = changeLine.exec(line)
    const where = `line ${lineNo}`
    const name = match?.[1]
    if (!match || !name || !namePattern.test(name)) {
      return `${where}: invalid name; names must not begin with punctuation, contain "@", ":", "#", "\\", "[", "]", or blanks, or end in punctuation or digits following punctuation`
    }
    if (!match[3] && !match[9]) return `${where}: missing timestamp and planner name and email`
    if (!match[3]) return `${where}: missing timestamp`
    if (!match[9]) return `${where}: missing planner name and email`
    if (reserved.has(name)) return `${where}: "${isTag ? "@" : ""}${name}" is a reserved name`
    if (/^[0-9a-f]{40}/.test(name)) return `${where}: "${name}" could be confused with a SHA1 ID`
    if (isTag) {
      if (name.includes("/")) return `${where}: tag "${name}" contains illegal character /`
      const last = changes.at(-1)
      if (!last) return `${where}: tag "${name}" declared without a preceding change`
      const earlier = tagLines.get(name)
      if (earlier) return `${where}: tag "${name}" duplicates earlier declaration on line ${earlier}`
      if (match[2]) return `${where}: tags may not specify dependencies`
      last.tags.push(name)
      tagLines.set(name, lineNo)
      seen.add(`@${name}`)
      sinceTag.clear()
      continue
    }
    const earlier = sinceTag.get(name)
    if (earlier) return `${where}: change "${name}" duplicates earlier declaration on line ${earlier}`
    const requires: string[] = []
    const conflicts: string[] = []
    const deps = match[2]?.trim().split(/[ \t]+/) ?? []
    const seenDeps = new Set<string>()
    for (const dep of deps) {
      if (seenDeps.has(dep)) return `${where}: duplicate dependency "${dep}"`
      seenDeps.add(dep)
      if (dep.startsWith("!")) conflicts.push(dep.slice(1))
      else requires.push(dep)
    }
    for (const dep of requires) {
      const colon = dep.indexOf(":")
      const depProject: string = colon === -1 ? project : dep.slice(0, colon)
      const key = colon === -1 ? dep : dep.slice(colon + 1)
      if (depProject !== project || /^[0-9a-f]{40}$/.test(key)) continue
      if (key === name) return `${where}: change "${name}" cannot require itself`
      const target = key.startsWith("@") ? key : (key.split("@")[0] ?? key)
      if (!seen.has(target))
        return `${where}: change "${name}" requires "${dep}", which is not planned before it`
    }
    const change: PlannedChange = { name, line: lineNo, requires, conflicts, note, tags: [], reworkTags: [] }
    const duped = named.get(name)
    if (duped) {
      // Sqitch: tags of the changes after the reworked one, latest first, then the reworked one's own.
      const rework: string[] = []
      for (let i = changes.length - 1; i >= 0 && changes[i] !== duped; i--)
        rework.push(...(changes[i] as PlannedChange).tags)
      duped.reworkTags = [...rework, ...duped.tags]
    }
    named.set(name, change)
    sinceTag.set(name, lineNo)
    seen.add(name)
    changes.push(change)
  }
  return { project, pragmas, changes }
}

/** The file stem of a change's scripts: `name`, or `name@tag` for an instance that was reworked later. */
function scriptStem(change: PlannedChange, exists: (stem: string) => boolean): string {
  if (change.reworkTags.length === 0) return change.name
  const candidates = change.reworkTags.map((tag) => `${change.name}@${tag}`)
  return candidates.find(exists) ?? (candidates[0] as string)
}

/** Who plans a change, found as Sqitch finds it; `env` is the process environment. */
export function sqitchPlanner(env: Record<string, string | undefined>): { name: string; email: string } {
  const gitConfig = (args: ReadonlyArray<string>): string | undefined => {
    try {
      const result = Bun.spawnSync(["git", "config", ...args], {
        env: env as Record<string, string>,
        stderr: "ignore",
      })
      const value = result.success ? result.stdout.toString().trim() : ""
      return value === "" ? undefined : value
    } catch {
      return undefined
    }
  }
  const home = env.HOME ?? env.USERPROFILE
  const sqitchUserConfig = env.SQITCH_USER_CONFIG ?? (home ? `${home}/.sqitch/sqitch.conf` : undefined)
  // Sqitch reads user.name from its own config (git-config syntax); git's identity is the usual fallback people expect.
  const configured = (key: string) =>
    (sqitchUserConfig ? gitConfig(["--file", sqitchUserConfig, key]) : undefined) ?? gitConfig([key])
  const sysuser = (() => {
    const fromEnv = env.SQITCH_ORIG_SYSUSER || env.LOGNAME || env.USER || env.USERNAME
    if (fromEnv) return fromEnv
    try {
      return userInfo().username
    } catch {
      return "aim"
    }
  })()
  const host = (() => {
    try {
      return hostname()
    } catch {
      return "localhost"
    }
  })()
  const name = env.SQITCH_FULLNAME || configured("user.name") || env.SQITCH_ORIG_FULLNAME || sysuser
  const email = env.SQITCH_EMAIL || configured("user.email") || env.SQITCH_ORIG_EMAIL || `${sysuser}@${host}`
  return { name, email }
}

/** A timestamp as Sqitch writes it in the plan: 2024-01-02T03:04:05Z. */
export function sqitchTimestamp(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`
}

const escapeNote = (note: string) =>
  note.replace(/[\\\r\n]/g, (c) => (c === "\\" ? "\\\\" : c === "\r" ? "\\r" : "\\n"))

/** Names already planned, read leniently so that render works on a plan Sqitch itself would reject. */
function plannedNames(plan: string): Set<string> {
  const parsed = parsePlan(plan)
  if (typeof parsed !== "string") return new Set(parsed.changes.map((c) => c.name))
  const names = new Set<string>()
  for (const line of plan.split("\n")) {
    const match = /^[ \t]*(?:[+-][ \t]*)?([^ \t[@%#]+)/.exec(line)
    if (match?.[1] && !/^[ \t]*[@%#]/.test(line)) names.add(match[1])
  }
  return names
}

const body = (sql: string) => (sql.trim() === "" ? "" : `${sql.trim()}\n`)

/** A script in the shape of Sqitch's templates: header comment, then the SQL in BEGIN/COMMIT unless it cannot be. */
function script(header: string, sql: string): string {
  const text = body(sql)
  if (text === "" || needsNoTransaction(sql) || opensTransaction(sql)) return `${header}\n\n${text}`
  return `${header}\n\nBEGIN;\n\n${text}\nCOMMIT;\n`
}

/** A project name Sqitch accepts (`sqitch init` takes the same rule as change names), else undefined. */
export function sqitchProjectName(name: string): string | undefined {
  return namePattern.test(name) ? name : undefined
}

export function sqitchFormat(options: SqitchOptions = {}): FormatShape {
  const engineSuffix = (word: string) => (options.engine ? ` ${word} ${options.engine}` : "")
  return {
    id: "sqitch",
    supportsDown: true,
    indexFiles: [PLAN],
    forProject: (context) =>
      sqitchFormat({
        engine: context.sqitchEngine,
        project: sqitchProjectName(context.project),
        planner: () => sqitchPlanner(context.env),
      }),
    read(files: ReadonlyArray<FolderFile>, prefix: string) {
      const plan = files.find((f) => f.path === PLAN)
      if (!plan) return []
      const parsed = parsePlan(plan.content)
      if (typeof parsed === "string")
        return new FormatError({ format: "sqitch", file: `${prefix}${PLAN}`, reason: parsed })
      const byPath = new Map(files.map((f) => [f.path, f]))
      const history: Migration[] = []
      for (const change of parsed.changes) {
        const stem = scriptStem(change, (s) => byPath.has(`deploy/${s}.sql`))
        const deploy = byPath.get(`deploy/${stem}.sql`)
        if (!deploy) {
          return new FormatError({
            format: "sqitch",
            file: `${prefix}deploy/${stem}.sql`,
            reason: `is missing; change "${change.name}" is planned on line ${change.line} of ${PLAN}`,
          })
        }
        const revert = byPath.get(`revert/${stem}.sql`)
        history.push({
          version: stem,
          name: change.name,
          up: deploy.content,
          down: revert?.content,
          upPath: `${prefix}${deploy.path}`,
          downPath: revert ? `${prefix}${revert.path}` : undefined,
          transaction: opensTransaction(deploy.content),
        })
      }
      return history
    },
    nextVersion: (_history, now) => timestampVersion(now),
    render(migration: NewMigration, existing: ReadonlyArray<FolderFile>) {
      const paths = new Set(existing.map((f) => f.path))
      const current = existing.find((f) => f.path === PLAN)?.content
      const planned =
        current === undefined ? undefined : /^[ \t]*%[ \t]*project[ \t]*=[ \t]*([^ \t#\r\n]+)/m.exec(current)
      const project = planned?.[1] ?? options.project ?? "aim"
      const taken = current === undefined ? new Set<string>() : plannedNames(current)
      const base = safeName(migration.description)
      const free = (name: string) =>
        !taken.has(name) && !["deploy", "revert", "verify"].some((dir) => paths.has(`${dir}/${name}.sql`))
      let name = base
      for (let n = 2; !free(name); n++) name = `${base}_${n}`

      const planner = migration.planner ?? options.planner?.() ?? { name: "aim", email: "aim@localhost" }
      const plannerName =
        planner.name
          .replace(/[<>#\r\n]/g, " ")
          .replace(/\s+/g, " ")
          .trim() || "aim"
      const plannerEmail = planner.email.replace(/[<>#\s]/g, "") || "aim@localhost"
      const note = migration.description.trim()
      const line = `${name} ${sqitchTimestamp(migration.createdAt)} ${plannerName} <${plannerEmail}>${note === "" ? "" : ` # ${escapeNote(note)}`}\n`

      let planText: string
      if (current === undefined) {
        planText = `%syntax-version=1.0.0\n%project=${project}\n\n${line}`
      } else {
        planText = current.endsWith("\n") || current === "" ? current : `${current}\n`
        // A plan holding only pragmas needs the blank line that ends them before its first change.
        const lines = planText.split("\n").map((l) => l.replace(/\r$/, ""))
        const headerClosed = lines.some((l, i) => i < lines.length - 1 && /^[ \t]*$/.test(l))
        if (!headerClosed) planText += "\n"
        planText += line
      }

      // The one existing file a format rewrites: the writer must replace sqitch.plan atomically.
      const files: FolderFile[] = [{ path: PLAN, content: planText }]
      if (!paths.has(CONF)) {
        const engineLine = options.engine ? `\tengine = ${options.engine}` : "\t# engine = "
        files.push({
          path: CONF,
          content: `[core]\n${engineLine}\n\t# plan_file = ${PLAN}\n\t# top_dir = .\n`,
        })
      }
      files.push({
        path: `deploy/${name}.sql`,
        content: script(`-- Deploy ${project}:${name}${engineSuffix("to")}`, migration.up),
      })
      if (migration.down !== undefined) {
        files.push({
          path: `revert/${name}.sql`,
          content: script(`-- Revert ${project}:${name}${engineSuffix("from")}`, migration.down),
        })
      }
      files.push({
        path: `verify/${name}.sql`,
        content: `-- Verify ${project}:${name}${engineSuffix("on")}\n\n-- aim wrote no verification for this change; Sqitch accepts an empty verify script.\n`,
      })
      return files
    },
  }
}

export const sqitch: FormatShape = sqitchFormat()
