/**
 * _backends: every engine and backend this machine can run, as engine layers for tests, each with
 * why it is skipped when it cannot run here: SQLite in-process; PostgreSQL on the url server, a
 * local cluster (initdb/pg_ctl on PATH) and embedded PGlite; MariaDB on the url server and a local
 * mariadbd. The contract suite (contract.test.ts) runs the same cases on each.
 */
import type { Layer } from "effect"
import type { Engine } from "../../engines/engine.ts"
import { findLocalServer } from "../../engines/mysql/backends.ts"
import { layer as mysqlLayer } from "../../engines/mysql/engine.ts"
import { flavorOf } from "../../engines/mysql/flavor.ts"
import { findLocalInstalls } from "../../engines/postgres/backends/local-install.ts"
import { layer as postgresLayer } from "../../engines/postgres/engine.ts"
import { layer as sqliteLayer } from "../../engines/sqlite/engine.ts"
import { MARIADB_TEST_URL, mysqlVersion, PG_TEST_URL, pgAnswers } from "../_servers.ts"

/** The SQL family a case is written for. */
export type EngineFamily = "sqlite" | "postgres" | "mariadb"

export interface TestBackend {
  /** "postgres url", "mariadb local"... */
  readonly name: string
  readonly family: EngineFamily
  readonly layer: () => Layer.Layer<Engine, unknown>
  /** Why this backend cannot run here; undefined when it can. */
  readonly skip?: string | undefined
}

/** The PostgreSQL engine (postgres-17) on one backend; `url` for the url backend. */
export const postgresTestLayer = (backend: string, url?: string, engine = "postgres-17") =>
  postgresLayer(engine, { settings: { backend, url } })

/** The MySQL-family engine `id` (mariadb-10.11, mysql-8.0) on one backend, or as `auto` picks it. */
export const mysqlTestLayer = (id: string, backend?: string, url?: string) =>
  mysqlLayer(id, backend === undefined ? {} : { settings: { backend, url } })

const postgres = (backend: string, url?: string) => () => postgresTestLayer(backend, url)
const mariadb = (backend: string, url?: string) => () => mysqlTestLayer("mariadb-10.11", backend, url)

/** Every backend, probed once: those that cannot run here carry the reason. */
export async function testBackends(): Promise<TestBackend[]> {
  const [pgUp, mariaVersion] = await Promise.all([pgAnswers(), mysqlVersion()])
  const localMariadb = findLocalServer(flavorOf("mariadb", "10.11"))
  return [
    { name: "sqlite", family: "sqlite", layer: () => sqliteLayer },
    {
      name: "postgres url",
      family: "postgres",
      layer: postgres("url", PG_TEST_URL),
      skip: pgUp ? undefined : `no PostgreSQL server answers at ${PG_TEST_URL.replace(/\/\/[^@]*@/, "//")}`,
    },
    {
      name: "postgres local",
      family: "postgres",
      layer: postgres("local"),
      skip: findLocalInstalls().length > 0 ? undefined : "no initdb and pg_ctl on PATH",
    },
    { name: "postgres embedded", family: "postgres", layer: postgres("embedded") },
    {
      name: "mariadb url",
      family: "mariadb",
      layer: mariadb("url", MARIADB_TEST_URL),
      skip:
        mariaVersion && /mariadb/i.test(mariaVersion)
          ? undefined
          : "no MariaDB server answers at 127.0.0.1:3306",
    },
    {
      name: "mariadb local",
      family: "mariadb",
      layer: mariadb("local"),
      skip: localMariadb ? undefined : "no mariadbd and mariadb-install-db on PATH",
    },
  ]
}
