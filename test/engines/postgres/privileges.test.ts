/**
 * Privileges (GRANT / REVOKE) on tables, columns, sequences (a serial's too), functions, schemas,
 * and default privileges, for roles of the server: seen by the catalog where they differ from what
 * an object starts with, granted and revoked by the planner (only the difference), given back
 * where the planner makes an object again, and a role the server lacks: on a server the user gives
 * (url) a clear error naming it; on servers aim runs itself, created.
 */
import { expect } from "bun:test"
import { type PgFeatureCase, pgFeatureSuite } from "./_pg-features.ts"

const objects = `CREATE SCHEMA app;
CREATE TABLE app.users (id serial PRIMARY KEY, name text, secret text);
CREATE FUNCTION app.hello(n integer) RETURNS integer LANGUAGE sql AS 'select n';
CREATE VIEW app.names AS SELECT id, name FROM app.users;
CREATE SEQUENCE app.tickets;`

const granted = `${objects}
GRANT SELECT, INSERT ON app.users TO {writer};
GRANT SELECT (id, name), UPDATE (name) ON app.users TO {reader};
GRANT USAGE ON SCHEMA app TO {reader}, {writer};
REVOKE EXECUTE ON FUNCTION app.hello(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.hello(integer) TO {writer};
GRANT SELECT ON app.names TO "{Viewer}" WITH GRANT OPTION;
GRANT USAGE, SELECT ON SEQUENCE app.tickets TO {writer};
GRANT USAGE ON SEQUENCE app.users_id_seq TO {writer};
ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO {reader};
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;`

const regranted = `${objects}
GRANT SELECT, INSERT, DELETE ON app.users TO {writer};
GRANT SELECT (id), UPDATE (name) ON app.users TO {reader};
GRANT USAGE ON SCHEMA app TO {writer};
GRANT EXECUTE ON FUNCTION app.hello(integer) TO {writer};
GRANT SELECT ON app.names TO "{Viewer}";
GRANT USAGE ON SEQUENCE app.users_id_seq TO {writer};
ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT, INSERT ON TABLES TO {reader};`

const cases: PgFeatureCase[] = [
  {
    name: "privileges of every kind granted to roles, and revoked again by DOWN",
    from: objects,
    to: granted,
    upHas: [
      /ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC/,
      /ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO reader/,
      /REVOKE EXECUTE ON FUNCTION app.hello\(n integer\) FROM PUBLIC/,
      /GRANT EXECUTE ON FUNCTION app.hello\(n integer\) TO writer/,
      /GRANT USAGE ON SCHEMA app TO reader/,
      /GRANT SELECT, USAGE ON SEQUENCE app.tickets TO writer/,
      /GRANT USAGE ON SEQUENCE app.users_id_seq TO writer/,
      /GRANT SELECT ON TABLE app.names TO "Viewer" WITH GRANT OPTION/,
      /GRANT SELECT \(id, name\), UPDATE \(name\) ON TABLE app.users TO reader/,
      /GRANT SELECT, INSERT ON TABLE app.users TO writer/,
    ],
    down: [/REVOKE SELECT, INSERT ON TABLE app.users FROM writer/],
  },
  {
    name: "changed privileges: only what differs is granted or revoked",
    from: granted,
    to: regranted,
    upHas: [
      /ALTER DEFAULT PRIVILEGES GRANT EXECUTE ON FUNCTIONS TO PUBLIC/,
      /ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT INSERT ON TABLES TO reader/,
      /GRANT EXECUTE ON FUNCTION app.hello\(n integer\) TO PUBLIC/,
      /REVOKE SELECT, USAGE ON SEQUENCE app.tickets FROM writer/,
      /REVOKE GRANT OPTION FOR SELECT ON TABLE app.names FROM "Viewer"/,
      /REVOKE SELECT \(name\) ON TABLE app.users FROM reader/,
      /GRANT DELETE ON TABLE app.users TO writer/,
      /REVOKE USAGE ON SCHEMA app FROM reader/,
    ],
    never: [/GRANT SELECT, INSERT, DELETE/, /REVOKE SELECT, INSERT/],
  },
  {
    name: "a view and a function made again get their privileges back, under the default privileges",
    from: granted,
    to: granted
      .replace("SELECT id, name FROM app.users", "SELECT id, name, secret FROM app.users")
      .replace("hello(n integer) RETURNS integer", "hello(n integer) RETURNS bigint"),
    up: [/DROP VIEW app.names/, /CREATE VIEW app.names/],
    upHas: [
      /DROP FUNCTION app.hello\(n integer\)/,
      /GRANT EXECUTE ON FUNCTION app.hello\(n integer\) TO writer/,
      /GRANT SELECT ON TABLE app.names TO "Viewer" WITH GRANT OPTION/,
      // Made again, the view gets what the default privileges in schema app give, which it should not have.
      /REVOKE SELECT ON TABLE app.names FROM reader/,
    ],
    // The function is made again without PUBLIC's EXECUTE: the default privileges took it.
    never: [/ON FUNCTION app.hello\(n integer\) (FROM|TO) PUBLIC/],
  },
  {
    name: "a role the user's server lacks is an error naming it, saying what to do",
    only: ["url"],
    from: "CREATE TABLE t (id integer);",
    to: "CREATE TABLE t (id integer); GRANT SELECT ON t TO aim_no_such_role_19;",
    fails: /role "aim_no_such_role_19" does not exist/,
    check: (outcome) => {
      expect(outcome.kind).toBe("not-applicable")
    },
  },
]

pgFeatureSuite("privileges", cases)
