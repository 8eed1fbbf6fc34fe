/**
 * postgres-js-session: a PgSession over one postgres.js connection, for the backends that talk to a
 * real server (url, docker, local). One connection (max 1) so a BEGIN sent by `exec` and the
 * statements after it share a transaction. Resources: the connection, closed by `end`.
 */
import postgres from "postgres"
import type { PgSession } from "../session.ts"

/** Driver settings every aim connection uses. */
export const connectionDefaults = {
  max: 1,
  // Catalog queries run once per snapshot; named prepared statements would only risk stale plans
  // after the DDL aim applies in between.
  prepare: false,
  // NOTICEs ("table does not exist, skipping") are expected while migrations run; the driver would
  // print them to the console.
  onnotice: () => {},
  connect_timeout: 10,
  connection: { application_name: "aim" },
} satisfies postgres.Options<Record<string, postgres.PostgresType>>

export type Driver = postgres.Sql

export function sessionOf(sql: Driver): PgSession {
  return {
    query: async <T>(text: string, params?: ReadonlyArray<unknown>) => {
      const rows = await sql.unsafe(text, (params ?? []) as postgres.ParameterOrJSON<never>[])
      return [...rows] as T[]
    },
    exec: async (script) => {
      // The simple query protocol accepts several statements in one string, as psql sends them.
      await sql.unsafe(script).simple()
    },
  }
}
