#!/usr/bin/env bash
# Run a command with a throw-away PostgreSQL server for the workbench tests: when MATCHER_TEST_PG_URL is
# already set, just run it; else, when Debian's postgresql is installed, start one on 127.0.0.1 in a
# temp dir (.ci/postgres.sh), export its URL, run, and stop it. Without PostgreSQL the workbench's
# PostgreSQL tests fail (MATCHER_SKIP_POSTGRES=1, outside CI, skips them explicitly).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ -n "${MATCHER_TEST_PG_URL:-}" ] || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  exec "$@"
fi
pgdir="$(mktemp -d /tmp/matcher-pg.XXXXXX)"
trap '"$here/postgres.sh" stop "$pgdir"; rm -rf "$pgdir"' EXIT
# a free port unless PGPORT names one: a server left over from an interrupted run must not break this one
port="${PGPORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
MATCHER_TEST_PG_URL="$(PGPORT="$port" "$here/postgres.sh" start "$pgdir")"
export MATCHER_TEST_PG_URL
"$@"
