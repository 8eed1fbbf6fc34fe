#!/usr/bin/env bash
# Stand-in images for the docker backend tests: `postgres:15` and `mariadb:10.11`, built from
# Debian's own packages where no image registry can be reached. Users with a registry never need
# them; aim pulls the official images. Each image's entrypoint honours the official image's
# documented contract (environment variables, command line, readiness log line), which is what
# Testcontainers relies on.
#
# One `debootstrap --variant=minbase` root holding both servers is cached outside the clone
# (AIM_STAND_IN_CACHE, /var/cache/aim-stand-in by default) and imported once as a base image; each
# stand-in is a small layer on it (its entrypoint). An image already present with the same
# recipe (label aim.stand-in) is reused. The Debian mirror is the one the machine's apt sources
# name. Needs root, debootstrap and a running Docker daemon (DOCKER_HOST is honoured).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
suite=bookworm
packages=postgresql-15,mariadb-server
cache="${AIM_STAND_IN_CACHE:-/var/cache/aim-stand-in}"
root="$cache/$suite-root"
log() { printf 'test:images: %s\n' "$*"; }

command -v docker >/dev/null || { log "no docker client on PATH"; exit 2; }
docker info >/dev/null 2>&1 || { log "no Docker daemon answers"; exit 2; }

# What decides an image: the suite, the packages and the files it is made of.
recipe=$( (echo "$suite $packages"; cat "$0" "$here"/postgres/* "$here"/mariadb/*) | sha256sum | cut -c1-16)
base="aim-stand-in-base:$suite-$(echo "$suite $packages" | sha256sum | cut -c1-12)"

have() { [ "$(docker image inspect -f '{{index .Config.Labels "aim.stand-in"}}' "$1" 2>/dev/null)" = "$recipe" ]; }
if have postgres:15 && have mariadb:10.11; then
  log "postgres:15 and mariadb:10.11 are present (recipe $recipe); reused"
  exit 0
fi

# The first Debian mirror the machine's apt sources name (deb822 .sources or one-line lists).
mirror() {
  local named
  named=$(
    cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }' || true
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break } }' || true
  )
  awk '/debian/ && !/security/ { print; exit }' <<<"$named"
}

if ! docker image inspect "$base" >/dev/null 2>&1; then
  if [ ! -f "$root/.aim-complete" ]; then
    command -v debootstrap >/dev/null || { log "debootstrap is not installed (apt-get install debootstrap)"; exit 2; }
    url="$(mirror)"
    [ -n "$url" ] || { log "no Debian mirror found in /etc/apt/sources.list*"; exit 2; }
    log "debootstrap $suite with $packages (cached in $root)"
    rm -rf "$root"
    mkdir -p "$cache"
    started=$SECONDS
    debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$url" >"$cache/debootstrap.log" 2>&1 ||
      { tail -n 20 "$cache/debootstrap.log"; exit 1; }
    # The packages' own clusters and data folders: each container initializes its own, as the
    # official images do on an empty data folder.
    rm -rf "$root"/var/lib/postgresql/15/main "$root"/etc/postgresql/15/main "$root"/var/lib/mysql
    mkdir -p "$root"/var/lib/mysql
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    touch "$root/.aim-complete"
    log "debootstrap took $((SECONDS - started)) s"
  else
    log "reusing the debootstrap root in $root"
  fi
  started=$SECONDS
  tar -C "$root" --exclude=./.aim-complete -c . | docker import - "$base" >/dev/null
  log "imported $base in $((SECONDS - started)) s"
fi

for image in postgres:15 mariadb:10.11; do
  name="${image%%:*}"
  started=$SECONDS
  # The classic builder: BuildKit would look for its own image. Its notice that it is deprecated is
  # shown only when the build fails.
  DOCKER_BUILDKIT=0 docker build -q --build-arg "BASE=$base" --label "aim.stand-in=$recipe" -t "$image" "$here/$name" >"$cache/build.log" 2>&1 ||
    { cat "$cache/build.log"; exit 1; }
  log "built $image in $((SECONDS - started)) s"
done
# Images an earlier recipe left untagged.
docker image prune -f --filter "label=aim.stand-in" >/dev/null
