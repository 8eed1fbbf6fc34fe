/**
 * auto: which backend serves a PostgreSQL engine, and why, in one line for the engine's
 * description. `[engines.postgres] backend` picks one explicitly (auto by default); auto takes the
 * user's URL if given, else Docker if a daemon answers, else the machine's initdb, else embedded
 * PGlite. The decision (`chooseBackend`) is a pure function of what was found; `acquireBackend`
 * finds those facts (probing Docker only when the choice depends on it) and starts the chosen
 * backend in the caller's scope, which then holds its server.
 */
import { Effect, type Scope } from "effect"
import { ConfigError } from "../../../config.ts"
import { EngineFailed } from "../../engine.ts"
import { type AskedMajor, backendNames, type ConcreteBackend, type PgBackend } from "./backend.ts"
import { imageHelp, type ImageUnavailable } from "../../docker-runtime.ts"
import { type DockerProbe, dockerBackend, probeDocker } from "./docker.ts"
import { embeddedBackend, type PgliteAssets } from "./embedded.ts"
import { localBackend } from "./local.ts"
import { findLocalInstalls, type LocalInstall } from "./local-install.ts"
import { urlBackend } from "./url.ts"

export type Probe = DockerProbe

export interface BackendFacts {
  /** The `backend` setting as written, undefined when absent (auto). */
  readonly requested: string | undefined
  /** The server URL and where it came from ("AIM_POSTGRES_URL", "aim.toml"), when one is set. */
  readonly url: { readonly value: string; readonly from: string } | undefined
  /** Undefined when not probed (the choice did not depend on it). */
  readonly docker: Probe | undefined
  readonly localInstalls: ReadonlyArray<LocalInstall>
}

export type BackendChoice =
  | { readonly backend: ConcreteBackend; readonly reason: string }
  | { readonly error: "config" | "unavailable"; readonly reason: string }

const urlHelp =
  'set url = "postgres://user@host:5432/postgres" under [engines.postgres] in aim.toml, or the AIM_POSTGRES_URL environment variable'
const dockerHelp =
  "start a Docker daemon (or point DOCKER_HOST at a running container runtime), or choose another backend"
const localHelp =
  "install the PostgreSQL server binaries (e.g. apt install postgresql, brew install postgresql@17) or put the folder holding initdb and pg_ctl on PATH"

/** Whether auto needs to know about Docker, i.e. whether the choice could land on it. */
export const needsDockerProbe = (requested: string | undefined, hasUrl: boolean) =>
  requested === "docker" || ((requested ?? "auto") === "auto" && !hasUrl)

/** Whether the choice could land on the machine's initdb (searching runs `initdb --version`). */
export const needsLocalSearch = (requested: string | undefined, hasUrl: boolean, docker: Probe | undefined) =>
  requested === "local" || ((requested ?? "auto") === "auto" && !hasUrl && docker?.available !== true)

export function chooseBackend(facts: BackendFacts): BackendChoice {
  const requested = facts.requested ?? "auto"
  if (!(backendNames as ReadonlyArray<string>).includes(requested))
    return {
      error: "config",
      reason: `unknown backend "${requested}" under [engines.postgres] (known: ${backendNames.join(", ")})`,
    }
  const noDocker = facts.docker?.available === false ? facts.docker.reason : "no Docker daemon"
  switch (requested) {
    case "url":
      return facts.url
        ? { backend: "url", reason: `backend = "url", url from ${facts.url.from}` }
        : { error: "config", reason: `backend = "url" needs a server URL: ${urlHelp}` }
    case "docker":
      return facts.docker?.available
        ? { backend: "docker", reason: 'backend = "docker"' }
        : { error: "unavailable", reason: `backend = "docker", but ${noDocker}: ${dockerHelp}` }
    case "local":
      return facts.localInstalls.length > 0
        ? { backend: "local", reason: 'backend = "local"' }
        : {
            error: "unavailable",
            reason: `backend = "local", but initdb and pg_ctl were not found: ${localHelp}`,
          }
    case "embedded":
      return { backend: "embedded", reason: 'backend = "embedded"' }
  }
  if (facts.url) return { backend: "url", reason: `url from ${facts.url.from}` }
  if (facts.docker?.available) return { backend: "docker", reason: "no url set, Docker daemon found" }
  if (facts.localInstalls.length > 0) return { backend: "local", reason: `no url set, ${noDocker}` }
  return { backend: "embedded", reason: `no url set, ${noDocker}, no initdb on PATH` }
}

export interface BackendRequest {
  readonly engine: string
  readonly asked: AskedMajor
  /** `[engines.postgres]` from aim.toml. */
  readonly settings: { readonly backend?: string | undefined; readonly url?: string | undefined }
  /** aim.toml's path, for configuration errors. */
  readonly configFile: string | undefined
  readonly env: Record<string, string | undefined>
  readonly pglite?: PgliteAssets
  /** Folder for the embedded backend's cache; the user's cache folder by default. */
  readonly cacheDir?: string
}

/** The URL in effect: AIM_POSTGRES_URL (a per-run setting, like a flag) over aim.toml's url. */
export function resolveUrl(
  settings: BackendRequest["settings"],
  env: BackendRequest["env"],
): BackendFacts["url"] {
  const fromEnv = env.AIM_POSTGRES_URL
  if (fromEnv) return { value: fromEnv, from: "AIM_POSTGRES_URL" }
  if (settings.url) return { value: settings.url, from: "aim.toml" }
  return undefined
}

export const acquireBackend = (
  request: BackendRequest,
): Effect.Effect<{ backend: PgBackend; reason: string }, EngineFailed | ConfigError, Scope.Scope> =>
  Effect.gen(function* () {
    const url = resolveUrl(request.settings, request.env)
    const docker = needsDockerProbe(request.settings.backend, url !== undefined)
      ? yield* probeDocker()
      : undefined
    const localInstalls = needsLocalSearch(request.settings.backend, url !== undefined, docker)
      ? yield* Effect.sync(() => findLocalInstalls(request.env.PATH))
      : []
    const choice = chooseBackend({ requested: request.settings.backend, url, docker, localInstalls })
    if ("error" in choice) {
      if (choice.error === "config")
        return yield* new ConfigError({ source: request.configFile ?? "aim.toml", reason: choice.reason })
      return yield* new EngineFailed({
        engine: request.engine,
        action: "start PostgreSQL",
        reason: choice.reason,
      })
    }
    const chosen = (backend: PgBackend) => ({ backend, reason: choice.reason })
    return yield* (() => {
      switch (choice.backend) {
        case "url":
          // Name the setting at fault when the server cannot be reached: an environment variable or aim.toml.
          return urlBackend(request.engine, url?.value ?? "").pipe(
            Effect.mapError(
              (e) =>
                new EngineFailed({
                  engine: e.engine,
                  action: e.action,
                  reason: `${e.reason} (url from ${url?.from ?? "aim.toml"})`,
                }),
            ),
            Effect.map(chosen),
          )
        case "docker":
          return dockerBackend(request.engine, request.asked).pipe(
            Effect.map(chosen),
            Effect.catchTag("ImageUnavailable", (missing) =>
              request.settings.backend === "docker"
                ? Effect.fail(
                    new EngineFailed({
                      engine: request.engine,
                      action: "start PostgreSQL",
                      reason: `backend = "docker", but ${missing.message}: ${imageHelp(missing.image)}: ${urlHelp}, or set backend = "embedded" (or "local") under [engines.postgres]`,
                    }),
                  )
                : passDockerOver(request, missing),
            ),
          )
        case "local":
          return localBackend(request.engine, request.asked, localInstalls).pipe(Effect.map(chosen))
        case "embedded":
          return embeddedBackend(request.engine, {
            assets: request.pglite ?? {},
            cacheDir: request.cacheDir,
          }).pipe(Effect.map(chosen))
      }
    })()
  })

/**
 * auto found a Docker daemon that cannot provide the image: the next backend instead, as if there
 * were no daemon (the machine's initdb, else embedded PGlite), with one line on why.
 */
function passDockerOver(request: BackendRequest, missing: ImageUnavailable) {
  return Effect.gen(function* () {
    const localInstalls = findLocalInstalls(request.env.PATH)
    const next = localInstalls.length > 0 ? "local" : "embedded"
    const backend: PgBackend =
      next === "local"
        ? yield* localBackend(request.engine, request.asked, localInstalls)
        : yield* embeddedBackend(request.engine, { assets: request.pglite ?? {}, cacheDir: request.cacheDir })
    yield* Effect.logInfo(
      `${request.engine}: Docker passed over: ${missing.message}; using the ${next} backend`,
    )
    return { backend, reason: `no url set, Docker found but ${missing.message}` }
  })
}
