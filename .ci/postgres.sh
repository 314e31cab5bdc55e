#!/usr/bin/env bash
# Start or stop a throw-away PostgreSQL server for the workbench tests (Debian's postgresql package).
#   .ci/postgres.sh start DIR   → initdb in DIR as an unprivileged user, listen on 127.0.0.1:$PGPORT
#                                  (default 55432), print the SQLAlchemy URL on stdout
#   .ci/postgres.sh stop DIR    → stop it (the caller removes DIR)
set -euo pipefail
cmd="$1"; dir="$2"
port="${PGPORT:-55432}"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -x "$bin/initdb" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
as_user() {  # PostgreSQL refuses to run as root
  if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi
}
case "$cmd" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown nobody: "$dir"
    as_user "$bin/initdb" -D "$dir/data" -U matcher --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1
    as_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=on -c max_connections=200" start >/dev/null
    echo "postgresql+psycopg://matcher@127.0.0.1:$port/postgres"
    ;;
  stop)
    as_user "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
