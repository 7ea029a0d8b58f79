#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:5432 for the tests, and print a URL of a database
# the tests may create databases from. Uses a running server when there is one; otherwise starts the
# installed cluster, or installs Debian's postgresql package (as root) and starts it.
set -euo pipefail

host=127.0.0.1
port=5432

ready() { pg_isready -q -h "$host" -p "$port" 2>/dev/null; }
can_connect() { psql "$1" -Atqc 'select 1' >/dev/null 2>&1; }

if ! command -v pg_isready >/dev/null 2>&1 || ! command -v psql >/dev/null 2>&1; then
  echo "postgres.sh: installing PostgreSQL (Debian package)" >&2
  if [ "$(id -u)" -ne 0 ]; then echo "postgres.sh: need root to install postgresql" >&2; exit 1; fi
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi

if ! ready; then
  echo "postgres.sh: starting PostgreSQL" >&2
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$version" ]; then
    pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
  fi
  for _ in $(seq 1 60); do ready && break; sleep 0.5; done
  ready || { echo "postgres.sh: PostgreSQL did not start" >&2; exit 1; }
fi

# Trust authentication (as on the CI machines) first; else give the postgres role a password over
# the local socket (a fresh Debian install asks for one on TCP).
url="postgres://postgres@$host:$port/test"
if ! can_connect "$url"; then
  password_url="postgres://postgres:postgres@$host:$port/test"
  if ! can_connect "$password_url"; then
    if [ "$(id -u)" -eq 0 ] && id postgres >/dev/null 2>&1; then
      su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'postgres'\"" >&2
      su postgres -c "psql -Atqc \"select 1 from pg_database where datname='test'\" | grep -q 1 || createdb test" >&2
    fi
  fi
  url=$password_url
  can_connect "$url" || { echo "postgres.sh: cannot connect to PostgreSQL at $host:$port" >&2; exit 1; }
fi
echo "$url"
