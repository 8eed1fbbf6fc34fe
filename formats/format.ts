/**
 * format: the contract every migration format fulfils. A format is pure: it turns the files of a
 * migrations folder into an ordered history, and a new migration into the files its runner expects.
 * Reading the folder from disk and writing files atomically are done elsewhere (folder.ts, steps/write.ts).
 */
import { Schema as S } from "effect"
import type { Migration } from "../model.ts"

/** A file of the migrations folder: path relative to that folder, with `/` separators. */
export interface FolderFile {
  readonly path: string
  readonly content: string
}

/** A folder the format cannot read as its runner would: clashing versions, a broken marker. */
export class FormatError extends S.TaggedError<FormatError>()("FormatError", {
  format: S.String,
  file: S.String,
  reason: S.String,
}) {
  override get message() {
    return `${this.file}: ${this.reason} (${this.format} format)`
  }
}

/** What a generator hands to a format to render: the SQL of both directions and a description. */
export interface NewMigration {
  readonly version: string
  /** Free text; each format turns it into a safe file-name part. */
  readonly description: string
  readonly up: string
  /** Undefined with `no_down`, and for formats that have no down direction. */
  readonly down?: string | undefined
  /** When the migration is made; formats that record it (sqitch's plan) use it. */
  readonly createdAt: Date
  /** Who plans it, for formats that record it (sqitch: SQITCH_FULLNAME / SQITCH_EMAIL, then git config). */
  readonly planner?: { readonly name: string; readonly email: string } | undefined
}

/** What a format may need to know about the project it writes for. */
export interface FormatContext {
  /** Sqitch's name for the project's engine (`sqlite`, `pg`, `mysql`: its capabilities say), if it has one. */
  readonly sqitchEngine: string | undefined
  /** The project folder's name. */
  readonly project: string
  /** The environment: the process environment with the project's `[env]` over it. */
  readonly env: Readonly<Record<string, string | undefined>>
}

/**
 * The format contract: how a migration runner names, reads and writes migration files (see formats/ for the
 * built-in ones).
 */
export interface FormatShape {
  readonly id: string
  /**
   * The format bound to one project, for formats whose files name the engine, the project or the
   * planner (sqitch). Formats without it are used as they are.
   */
  readonly forProject?: ((context: FormatContext) => FormatShape) | undefined
  /**
   * Index files the format extends in place (sqitch.plan): render may hand back one of these
   * existing paths, and the writer replaces it atomically. Every other existing file is never overwritten.
   */
  readonly indexFiles?: ReadonlyArray<string> | undefined
  /** False for formats whose runner has no down direction (refinery). */
  readonly supportsDown: boolean
  /** The history in the order the runner applies it; `prefix` is prepended to paths in messages. */
  readonly read: (files: ReadonlyArray<FolderFile>, prefix: string) => Migration[] | FormatError
  /** The version the next migration takes, following the style the folder already uses. */
  readonly nextVersion: (history: ReadonlyArray<Migration>, now: Date) => string
  /** Files to create, paths relative to the migrations folder. Existing files are passed for formats with an index file. */
  readonly render: (migration: NewMigration, existing: ReadonlyArray<FolderFile>) => FolderFile[]
}

/** A description turned into a file-name part every runner and file system accepts. */
export function safeName(description: string, fallback = "migration"): string {
  const name = description
    // Accented letters keep their base letter (Ünïcode -> unicode) rather than vanish.
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 60)
    .replace(/_+$/, "")
  return name === "" ? fallback : name
}

/**
 * The rendered paths that may replace a file already in the folder: the format's index files
 * (sqitch.plan), nothing else, so the writer refuses to overwrite any migration.
 */
export function replaceablePaths(
  format: FormatShape,
  rendered: ReadonlyArray<FolderFile>,
  existing: ReadonlyArray<FolderFile>,
): string[] {
  const present = new Set(existing.map((f) => f.path))
  const indexes = new Set(format.indexFiles ?? [])
  return rendered.filter((f) => present.has(f.path) && indexes.has(f.path)).map((f) => f.path)
}
