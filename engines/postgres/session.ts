/**
 * session: the one interface between PostgreSQL's backends (url, docker, local, embedded) and the
 * code that reads catalogs, plans and seeds. A backend hands out sessions connected to one
 * throwaway database; the catalog code never knows which backend it talks to.
 */
import type { Effect, Scope } from "effect"
import type { EngineFailed } from "../engine.ts"
import { quoteIdent, quoteLiteral } from "./names.ts"

/** A throwaway database kept as the template later throwaway databases are copied from. */
export interface PgTemplate {
  /**
   * A new throwaway database copied from the template, sandboxed and connected as a fresh one is;
   * dropped (with its role) when the caller's scope closes.
   */
  readonly clone: Effect.Effect<PgSession, EngineFailed, Scope.Scope>
}

export interface PgSession {
  /**
   * One statement with optional parameters ($1, $2, ...); rows as plain objects. Values have the
   * same shape on every backend: int8 and numeric as strings, int2/int4/oid/float as numbers, bool
   * as boolean, arrays as arrays, json as parsed values, bytea as Uint8Array, timestamps as Date.
   */
  readonly query: <T = Record<string, unknown>>(sql: string, params?: ReadonlyArray<unknown>) => Promise<T[]>
  /** A script of one or more statements, run with the simple query protocol; no rows returned. */
  readonly exec: (sql: string) => Promise<void>
  /**
   * The same database as the server's admin role, present only when `query` and `exec` run as a
   * sandbox role (backends/throwaway.ts). Only the user's own statements that need more than the
   * sandbox may use it (database.ts); model-written SQL never does. Connects on first use.
   */
  readonly privileged?: PgSession | undefined
  /**
   * Present where the backend can copy a database (server backends: CREATE DATABASE ... TEMPLATE):
   * close this session for good and keep its database, as it is now, as a template. The template
   * is dropped when the scope that made this session closes, as the database would have been.
   */
  readonly keepAsTemplate?: Effect.Effect<PgTemplate, EngineFailed> | undefined
  /**
   * Present on servers aim runs itself (local, docker, embedded), never on a server the user gives:
   * creates role `name` (NOLOGIN, no privileges) cluster-wide, so a schema may grant to the roles it
   * names; a role that exists already is no error. Such a server and its roles go when the run ends.
   */
  readonly createRole?: ((name: string) => Promise<void>) | undefined
}

/**
 * CREATE ROLE `name` NOLOGIN through `exec`, as `createRole` does: one that already exists (made
 * meanwhile by another throwaway database of the same server) is no error.
 */
export async function createRoleOn(exec: (sql: string) => Promise<unknown>, name: string): Promise<void> {
  await exec(
    `DO $aim$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${quoteLiteral(name)}) THEN CREATE ROLE ${quoteIdent(name)} NOLOGIN; END IF; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $aim$`,
  )
}
