#!/usr/bin/env bash
# Installs (if needed) and starts redis-server and PostgreSQL on loopback for the store tests.
#   eval "$(scripts/test-services.sh start)"   prints the export lines for TEST_REDIS_URL and TEST_POSTGRES_URL
#   scripts/test-services.sh stop
set -euo pipefail
REDIS_PORT="${AMTSBOTE_TEST_REDIS_PORT:-6390}"
PG_PORT="${AMTSBOTE_TEST_PG_PORT:-5440}"
RUN_DIR="${AMTSBOTE_TEST_RUN_DIR:-/tmp/amtsbote-test-services}"

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

if [ "${1:-start}" = "stop" ]; then
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  if [ -n "$(pg_bin)" ] && [ -f "$RUN_DIR/pg/PG_VERSION" ]; then
    runuser -u postgres -- "$(pg_bin)/pg_ctl" -D "$RUN_DIR/pg" -m fast stop >/dev/null 2>&1 || true
  fi
  exit 0
fi

if ! command -v redis-server >/dev/null || [ -z "$(pg_bin)" ]; then
  echo "test-services: installing redis-server and postgresql from Debian packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends redis-server postgresql >&2
fi
# Debian's package start-up may have started its own servers; ours run on their own ports.
mkdir -p "$RUN_DIR"

if ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
    --daemonize yes --dir "$RUN_DIR" --logfile "$RUN_DIR/redis.log" >&2
fi

PGBIN="$(pg_bin)"
PGDATA="$RUN_DIR/pg"
if ! "$PGBIN/pg_isready" -h 127.0.0.1 -p "$PG_PORT" >/dev/null 2>&1; then
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    rm -rf "$PGDATA"
    mkdir -p "$PGDATA"
    chown postgres:postgres "$PGDATA" "$RUN_DIR"
    runuser -u postgres -- "$PGBIN/initdb" -D "$PGDATA" -A trust -U amtsbote --no-sync >&2
  fi
  chown -R postgres:postgres "$PGDATA"
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -l "$RUN_DIR/pg.log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$RUN_DIR -c fsync=off" start >&2
fi
for _ in $(seq 1 50); do
  redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && "$PGBIN/pg_isready" -h 127.0.0.1 -p "$PG_PORT" >/dev/null 2>&1 && break
  sleep 0.2
done
echo "export TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
echo "export TEST_POSTGRES_URL=postgres://amtsbote@127.0.0.1:$PG_PORT/postgres"
