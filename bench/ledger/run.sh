#!/usr/bin/env bash
# Ledger throughput: 3-line journal entries POSTed through the ledger's HTTP API (outbox on,
# events relayed to RabbitMQ), and pgbench's built-in TPC-B-like script against the same
# PostgreSQL, one after the other in one run so both see the same machine. Prints entries/s,
# p99 latency and the ratio of entries/s to pgbench transactions/s.
#
#   bench/ledger/run.sh                      # defaults below
#   DURATION=30 CONNECTIONS=32 bench/ledger/run.sh
#
# Needs: the servers of ./dev (PostgreSQL, RabbitMQ) running, wrk, pgbench, openssl, python3.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/bench/ledger"
PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-55432}
PG_USER=${PG_USER:-postgres}
RABBITMQ_URL=${RABBITMQ_URL:-amqp://guest:guest@127.0.0.1:55672/}
PORT=${PORT:-58090}
DURATION=${DURATION:-20}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
PGBENCH=${PGBENCH:-$(command -v pgbench || echo /usr/lib/postgresql/15/bin/pgbench)}
PSQL=${PSQL:-$(command -v psql || echo /usr/lib/postgresql/15/bin/psql)}
LEDGER_DB=bench_ledger
PGBENCH_DB=bench_pgbench
WORK="$(mktemp -d)"
SERVICE_PID=

cleanup() {
  [[ -n $SERVICE_PID ]] && kill "$SERVICE_PID" 2>/dev/null && wait "$SERVICE_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

for tool in wrk openssl python3 curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install -y $tool)" >&2; exit 1; }
done

psql_admin() { "$PSQL" -X -q -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -v ON_ERROR_STOP=1 "$@"; }
for db in "$LEDGER_DB" "$PGBENCH_DB"; do
  psql_admin -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
done

echo "== building the ledger (Release)"
dotnet publish "$ROOT/services/ledger/Accounting.Ledger" -c Release -o "$WORK/ledger" -nologo -v q >/dev/null

openssl ecparam -name prime256v1 -genkey -noout -out "$WORK/ec.pem"
openssl pkcs8 -topk8 -nocrypt -in "$WORK/ec.pem" -out "$WORK/identity-signing.pem"
openssl ec -in "$WORK/ec.pem" -pubout -out "$WORK/identity-verification.pem" 2>/dev/null

echo "== starting the ledger on 127.0.0.1:$PORT"
(cd "$ROOT/services/ledger/Accounting.Ledger" && exec env \
  ASPNETCORE_URLS="http://127.0.0.1:$PORT" \
  ASPNETCORE_ENVIRONMENT=Production \
  Logging__LogLevel__Default=Warning \
  ConnectionStrings__Postgres="Host=$PG_HOST;Port=$PG_PORT;Username=$PG_USER;Database=$LEDGER_DB" \
  ConnectionStrings__RabbitMq="$RABBITMQ_URL" \
  InternalIdentity__VerificationKeyPath="$WORK/identity-verification.pem" \
  dotnet "$WORK/ledger/Accounting.Ledger.dll" >"$WORK/ledger.log" 2>&1) &
SERVICE_PID=$!
for _ in $(seq 1 120); do
  [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/health/ready") == 200 ]] && break
  kill -0 "$SERVICE_PID" 2>/dev/null || { cat "$WORK/ledger.log"; exit 1; }
  sleep 0.5
done

ORG="org_bench$(date +%s)"
IDENTITY="$(python3 "$HERE/mint-identity.py" "$WORK/identity-signing.pem" "$ORG" journals:write accounts:write)"
create_account() {
  curl -sf -X POST "http://127.0.0.1:$PORT/api/v1/accounts" -H "Content-Type: application/json" -H "X-Internal-Identity: $IDENTITY" \
    -d "{\"code\":\"$1\",\"name\":\"$2\",\"type\":\"$3\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}
export IDENTITY
RENT_ACCOUNT="$(create_account 469 Rent expense)"
VAT_ACCOUNT="$(create_account 820 VAT liability)"
BANK_ACCOUNT="$(create_account 090 Bank asset)"
export RENT_ACCOUNT VAT_ACCOUNT BANK_ACCOUNT

echo "== pgbench: TPC-B-like, scale 10, $CONNECTIONS clients, ${DURATION}s"
"$PGBENCH" -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -i -s 10 -q "$PGBENCH_DB" >/dev/null 2>&1
PGBENCH_OUT="$("$PGBENCH" -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -c "$CONNECTIONS" -j "$THREADS" -T "$DURATION" "$PGBENCH_DB" 2>&1)"
PGBENCH_TPS="$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$PGBENCH_OUT" | head -1)"

echo "== ledger: 3-line journal entries over HTTP, $CONNECTIONS connections, ${DURATION}s (warm-up 5s first)"
wrk -t "$THREADS" -c "$CONNECTIONS" -d 5s -s "$HERE/post-entry.lua" "http://127.0.0.1:$PORT" >/dev/null
WRK_OUT="$(wrk -t "$THREADS" -c "$CONNECTIONS" -d "${DURATION}s" --latency -s "$HERE/post-entry.lua" "http://127.0.0.1:$PORT")"
echo "$WRK_OUT"
ENTRIES_PER_S="$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' <<<"$WRK_OUT")"
P99="$(awk '$1 == "99%" { print $2 }' <<<"$WRK_OUT")"
NON_2XX="$(sed -n 's/.*Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' <<<"$WRK_OUT")"

ledger_sql() { "$PSQL" -X -qtA -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$LEDGER_DB" -c "$1"; }
POSTED="$(ledger_sql "SELECT count(*) FROM journal_entries")"
UNBALANCED="$(ledger_sql "SELECT count(*) FROM (SELECT journal_entry_id FROM journal_lines GROUP BY 1 HAVING sum(debit) <> sum(credit)) u")"
# The relay keeps publishing after the load stops; give it until the backlog is gone (or 60 s).
for _ in $(seq 1 120); do
  [[ "$(ledger_sql "SELECT count(*) FROM outbox_messages WHERE published_at IS NULL")" == 0 ]] && break
  sleep 0.5
done
UNPUBLISHED="$(ledger_sql "SELECT count(*) FROM outbox_messages WHERE published_at IS NULL")"
EVENTS="$(ledger_sql "SELECT count(*) FROM outbox_messages WHERE event_type = 'journal_entry.posted'")"

echo
echo "== results ($(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ))"
echo "ledger entries/s:        $ENTRIES_PER_S  (non-2xx: ${NON_2XX:-0})"
echo "ledger p99 latency:      $P99"
echo "pgbench tps:             $PGBENCH_TPS"
echo "entries/s : pgbench tps: $(python3 -c "print(f'{$ENTRIES_PER_S / $PGBENCH_TPS:.2f}')")"
echo "entries in the database: $POSTED (unbalanced: $UNBALANCED); journal_entry.posted events: $EVENTS, unpublished after drain: $UNPUBLISHED"

for db in "$LEDGER_DB" "$PGBENCH_DB"; do
  psql_admin -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
done
