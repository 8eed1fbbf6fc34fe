/**
 * pglite-template: the initialized data folder every embedded database starts from, read out of
 * its tar once per process and written into each new PGlite instance's in-memory file system.
 * PGlite's own `loadDataDir` parses the whole archive again for every instance and copies each
 * file twice on the way in (about 0.12 s of the 0.3 s an instance costs, measured with PGlite
 * 0.5.16); here the archive is parsed once, and an instance gets one copy of the archive's bytes
 * whose slices become its files' contents (emscripten's `canOwn`), so the instance owns them and
 * writes into them in place, and no other instance sees those writes. Only regular files and
 * folders are accepted, which is all PGlite's `dumpDataDir` writes. Resources: the template holds
 * the archive's bytes while the caller keeps it; each instance's copy lives until that instance
 * is closed.
 */
import type { MemoryFS, PGlite } from "@electric-sql/pglite"

export interface TemplateEntry {
  /** Relative to the data folder, without a leading slash: `base/5/1259`. */
  readonly path: string
  /** Where the file's bytes sit in the archive; absent for a folder. */
  readonly file?: { readonly start: number; readonly end: number }
}

export interface DataDirTemplate {
  readonly bytes: Uint8Array
  readonly entries: ReadonlyArray<TemplateEntry>
}

const BLOCK = 512

const field = (header: Uint8Array, offset: number, length: number) => {
  const raw = header.subarray(offset, offset + length)
  const end = raw.indexOf(0)
  return Buffer.from(end === -1 ? raw : raw.subarray(0, end)).toString("utf8")
}

const octal = (header: Uint8Array, offset: number, length: number) => {
  const text = field(header, offset, length).trim()
  return /^[0-7]+$/.test(text) ? Number.parseInt(text, 8) : Number.NaN
}

/** The ustar checksum: the header's bytes summed with the checksum field counted as spaces. */
function checksumMatches(header: Uint8Array): boolean {
  let sum = 0
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (header[i] ?? 0)
  return octal(header, 148, 8) === sum
}

/**
 * The entries of a data folder's tar (ustar, as PGlite's `dumpDataDir` writes it). Throws an Error
 * saying what is wrong when the bytes are not such an archive, so a foreign or damaged template is
 * never half loaded.
 */
export function parseDataDirTar(bytes: Uint8Array): DataDirTemplate {
  const entries: TemplateEntry[] = []
  let offset = 0
  while (offset + BLOCK <= bytes.length) {
    const header = bytes.subarray(offset, offset + BLOCK)
    if (header[0] === 0) break // the archive's closing zero blocks
    if (field(header, 257, 6) !== "ustar") throw new Error(`no ustar header at byte ${offset}`)
    if (!checksumMatches(header)) throw new Error(`damaged tar header at byte ${offset}`)
    const name = field(header, 0, 100)
    const prefix = field(header, 345, 155)
    const path = (prefix ? `${prefix}/${name}` : name).replace(/^(\.?\/)+/, "").replace(/\/+$/, "")
    if (path.split("/").includes("..")) throw new Error(`tar entry "${path}" leaves the data folder`)
    const size = octal(header, 124, 12)
    if (!Number.isSafeInteger(size)) throw new Error(`tar entry "${path}" has no readable size`)
    const type = String.fromCharCode(header[156] ?? 0)
    offset += BLOCK
    if (type === "0" || type === "\0") {
      if (offset + size > bytes.length) throw new Error(`tar entry "${path}" is cut short`)
      entries.push({ path, file: { start: offset, end: offset + size } })
      offset += Math.ceil(size / BLOCK) * BLOCK
    } else if (type === "5") {
      if (path) entries.push({ path })
    } else {
      throw new Error(`tar entry "${path}" has type "${type}"; a data folder holds only files and folders`)
    }
  }
  if (!entries.some((entry) => entry.path === "PG_VERSION" && entry.file))
    throw new Error("the archive holds no PG_VERSION, so it is not a PostgreSQL data folder")
  return { bytes, entries }
}

/** The part of emscripten's FS this module uses. */
interface EmscriptenFs {
  mkdirTree(path: string): void
  writeFile(path: string, data: Uint8Array, options: { canOwn: boolean }): void
}

/** Write the template into an instance's file system at `dataDir`, the instance owning one copy of its bytes. */
export function writeTemplate(fs: EmscriptenFs, template: DataDirTemplate, dataDir: string): void {
  // A copy, not a view: Buffer#slice would share the template's bytes with every instance.
  const own = new Uint8Array(template.bytes)
  const made = new Set<string>()
  const folder = (path: string) => {
    if (made.has(path)) return
    fs.mkdirTree(path)
    made.add(path)
  }
  folder(dataDir)
  for (const entry of template.entries) {
    const path = `${dataDir}/${entry.path}`
    if (!entry.file) {
      folder(path)
      continue
    }
    folder(path.slice(0, path.lastIndexOf("/")))
    fs.writeFile(path, own.subarray(entry.file.start, entry.file.end), { canOwn: true })
  }
}

/**
 * A file system for one new instance: PGlite's in-memory one, filled from the template when the
 * instance's runtime is up and before PostgreSQL starts (PGlite then finds PG_VERSION and resumes
 * the database instead of running initdb). `Base` is the loaded package's MemoryFS, so PGlite is
 * still imported only when an embedded database is asked for.
 */
export function templateFilesystem(
  Base: typeof MemoryFS,
  template: DataDirTemplate,
  dataDir: string,
): InstanceType<typeof MemoryFS> {
  return new (class extends Base {
    override async initialSyncFs() {
      await super.initialSyncFs()
      const pg = this.pg as PGlite
      writeTemplate(pg.Module.FS as unknown as EmscriptenFs, template, dataDir)
    }
  })()
}

/**
 * A file system for the instance that makes the template: PGlite's in-memory one, which keeps a
 * tar of the data folder as the instance closes, after PostgreSQL's shutdown checkpoint. Instances
 * started from a folder dumped while PostgreSQL ran each begin with crash recovery and an
 * end-of-recovery checkpoint, about 0.06 s of the 0.16 s an instance then takes (PGlite 0.5.16);
 * from a shut-down folder they skip both. `tar()` is undefined until the instance has closed, or
 * if the dump failed.
 */
export function shutdownCapture(Base: typeof MemoryFS): {
  readonly fs: InstanceType<typeof MemoryFS>
  readonly tar: () => Uint8Array | undefined
} {
  let tar: Uint8Array | undefined
  const fs = new (class extends Base {
    override async closeFs() {
      try {
        tar = new Uint8Array(await (await this.dumpTar("pgdata", "none")).arrayBuffer())
      } catch {
        tar = undefined
      }
      await super.closeFs()
    }
  })()
  return { fs, tar: () => tar }
}
