#!/usr/bin/env bash
# Entrypoint of the stand-in mariadb image, keeping the official image's documented contract:
# - a first argument starting with "-" means server flags: `mariadbd` is put before them;
# - with `mariadbd` (or `mysqld`) first and an empty data folder, it is initialized, root gets
#   MARIADB_ROOT_PASSWORD (or MARIADB_ALLOW_EMPTY_ROOT_PASSWORD, MARIADB_RANDOM_ROOT_PASSWORD; one
#   is required) for 'localhost' and MARIADB_ROOT_HOST (default '%'), MARIADB_DATABASE is created,
#   MARIADB_USER / MARIADB_PASSWORD is created with all privileges on it; each MARIADB_* falls back
#   to its MYSQL_* name, and has a *_FILE form. Scripts in /docker-entrypoint-initdb.d run against
#   a server with networking off; then the server starts for real on every address and prints
#   "ready for connections";
# - any other command runs as given.
set -Eeuo pipefail

# MARIADB_x from MARIADB_x, MYSQL_x, or the file named by either's _FILE, in that order.
maria_env() {
  local name="$1" fallback="${2:-}" value=""
  for var in "MARIADB_$name" "MYSQL_$name"; do
    local file="${var}_FILE"
    if [ -n "${!var:-}" ]; then value="${!var}"; break; fi
    if [ -n "${!file:-}" ]; then value="$(<"${!file}")"; break; fi
  done
  export "MARIADB_$name"="${value:-$fallback}"
}

if [ "${1:0:1}" = "-" ]; then set -- mariadbd "$@"; fi
if [ "$1" != "mariadbd" ] && [ "$1" != "mysqld" ]; then exec "$@"; fi
shift

datadir=/var/lib/mysql
socket=/run/mysqld/mysqld.sock
mkdir -p "$datadir" /run/mysqld
chown mysql:mysql "$datadir" /run/mysqld

if [ ! -d "$datadir/mysql" ]; then
  maria_env ROOT_PASSWORD
  maria_env ALLOW_EMPTY_ROOT_PASSWORD
  maria_env RANDOM_ROOT_PASSWORD
  maria_env ROOT_HOST %
  maria_env DATABASE
  maria_env USER
  maria_env PASSWORD
  if [ -z "$MARIADB_ROOT_PASSWORD" ] && [ -z "$MARIADB_ALLOW_EMPTY_ROOT_PASSWORD" ] && [ -z "$MARIADB_RANDOM_ROOT_PASSWORD" ]; then
    echo "error: Database is uninitialized and password option is not specified" >&2
    echo "    You need to specify one of MARIADB_ROOT_PASSWORD, MARIADB_ALLOW_EMPTY_ROOT_PASSWORD and MARIADB_RANDOM_ROOT_PASSWORD" >&2
    exit 1
  fi
  if [ -n "$MARIADB_RANDOM_ROOT_PASSWORD" ]; then
    MARIADB_ROOT_PASSWORD="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    echo "GENERATED ROOT PASSWORD: $MARIADB_ROOT_PASSWORD"
  fi
  echo "Initializing database files"
  mariadb-install-db --user=mysql --datadir="$datadir" --skip-test-db \
    --auth-root-authentication-method=normal --skip-name-resolve >/dev/null
  echo "Database files initialized"

  # A server with networking off, so nobody outside sees it ready before initialization is done.
  mariadbd --user=mysql --datadir="$datadir" --socket="$socket" --skip-networking "$@" &
  temporary=$!
  for _ in $(seq 1 300); do
    mariadb-admin --socket="$socket" -uroot ping >/dev/null 2>&1 && break
    kill -0 "$temporary" 2>/dev/null || { echo "error: the temporary server exited" >&2; exit 1; }
    sleep 0.1
  done
  # Values are quoted for SQL: a quote doubled, a backslash doubled.
  sql_string() { local v="${1//\\/\\\\}"; printf "'%s'" "${v//\'/\'\'}"; }
  sql_name() { printf '`%s`' "${1//\`/\`\`}"; }
  password="$(sql_string "$MARIADB_ROOT_PASSWORD")"
  {
    echo "SET @@SESSION.SQL_LOG_BIN=0;"
    # The initializer's other root accounts have no password and would match TCP clients first.
    echo "DROP USER IF EXISTS ''@'localhost', 'root'@'127.0.0.1', 'root'@'::1', 'root'@$(sql_string "$(cat /proc/sys/kernel/hostname)");"
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY $password;"
    if [ "$MARIADB_ROOT_HOST" != "localhost" ]; then
      host="$(sql_string "$MARIADB_ROOT_HOST")"
      echo "CREATE USER 'root'@$host IDENTIFIED BY $password;"
      echo "GRANT ALL ON *.* TO 'root'@$host WITH GRANT OPTION;"
      echo "GRANT PROXY ON ''@'%' TO 'root'@$host WITH GRANT OPTION;"
    fi
    if [ -n "$MARIADB_DATABASE" ]; then
      echo "CREATE DATABASE IF NOT EXISTS $(sql_name "$MARIADB_DATABASE");"
    fi
    if [ -n "$MARIADB_USER" ]; then
      echo "CREATE USER $(sql_string "$MARIADB_USER")@'%' IDENTIFIED BY $(sql_string "$MARIADB_PASSWORD");"
      if [ -n "$MARIADB_DATABASE" ]; then
        echo "GRANT ALL ON $(sql_name "$MARIADB_DATABASE").* TO $(sql_string "$MARIADB_USER")@'%';"
      fi
    fi
    echo "FLUSH PRIVILEGES;"
  } | mariadb --socket="$socket" -uroot --binary-mode
  for f in /docker-entrypoint-initdb.d/*; do
    [ -e "$f" ] || continue
    case "$f" in
      *.sh) echo "running $f"; . "$f" ;;
      *.sql) echo "running $f"; mariadb --socket="$socket" -uroot --password="$MARIADB_ROOT_PASSWORD" "${MARIADB_DATABASE:-}" <"$f" ;;
      *) echo "ignoring $f" ;;
    esac
  done
  mariadb-admin --socket="$socket" -uroot --password="$MARIADB_ROOT_PASSWORD" shutdown
  wait "$temporary" || true
  echo "MariaDB init process done. Ready for start up."
fi

exec mariadbd --user=mysql --datadir="$datadir" --socket="$socket" "$@"
