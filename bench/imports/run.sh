#!/usr/bin/env bash
# Statement import at the contract's limit: a 50,000-row CSV POSTed to /bank-imports for a
# preview, then confirmed (every row created through the categoriser, in one transaction, its
# events in the outbox). Prints the wall time of each step and the growth of the ledger
# process's peak working set (VmHWM, reset just before the upload) over its resident size then.
#
#   bench/imports/run.sh              # 50,000 rows
#   ROWS=10000 bench/imports/run.sh
#   LEDGER_BUILD=services/ledger/Accounting.Ledger/bin/Release/net10.0 bench/imports/run.sh
#
# Needs: the servers of ./dev (PostgreSQL, RabbitMQ) running, openssl, python3, curl.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/bench/imports"
PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-55432}
PG_USER=${PG_USER:-postgres}
RABBITMQ_URL=${RABBITMQ_URL:-amqp://guest:guest@127.0.0.1:${RABBITMQ_PORT:-55672}/}
PORT=${PORT:-58091}
ROWS=${ROWS:-50000}
PSQL=${PSQL:-$(command -v psql || echo /usr/lib/postgresql/15/bin/psql)}
LEDGER_DB=bench_imports
WORK="$(mktemp -d)"
SERVICE_PID=

cleanup() {
  [[ -n $SERVICE_PID ]] && kill "$SERVICE_PID" 2>/dev/null && wait "$SERVICE_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

for tool in openssl python3 curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install -y $tool)" >&2; exit 1; }
done

psql_admin() { "$PSQL" -X -q -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -v ON_ERROR_STOP=1 "$@"; }
psql_admin -c "DROP DATABASE IF EXISTS $LEDGER_DB WITH (FORCE)" -c "CREATE DATABASE $LEDGER_DB"

# LEDGER_BUILD=<dir with Accounting.Ledger.dll> reuses a Release build instead of publishing one.
LEDGER_BUILD=${LEDGER_BUILD:-}
if [[ -z $LEDGER_BUILD ]]; then
  echo "== building the ledger (Release)"
  dotnet publish "$ROOT/services/ledger/Accounting.Ledger" -c Release -o "$WORK/ledger" -nologo -v q >/dev/null
  LEDGER_BUILD="$WORK/ledger"
fi

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
  dotnet "$LEDGER_BUILD/Accounting.Ledger.dll" >"$WORK/ledger.log" 2>&1) &
SERVICE_PID=$!
for _ in $(seq 1 120); do
  [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/health/ready") == 200 ]] && break
  kill -0 "$SERVICE_PID" 2>/dev/null || { cat "$WORK/ledger.log"; exit 1; }
  sleep 0.5
done

ORG="org_bench$(date +%s)"
IDENTITY="$(python3 "$ROOT/bench/ledger/mint-identity.py" "$WORK/identity-signing.pem" "$ORG" transactions:write bank-imports:write)"
api() { curl -sS -H "X-Internal-Identity: $IDENTITY" "$@"; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
BANK_ACCOUNT="$(api -X POST "http://127.0.0.1:$PORT/api/v1/bank-accounts" -H "Content-Type: application/json" \
  -d '{"name":"Business Current Account","currency":"GBP"}' | json '["id"]')"

python3 "$HERE/make-statement.py" "$ROWS" >"$WORK/statement.csv"
echo "== statement: $ROWS rows, $(stat -c %s "$WORK/statement.csv") bytes"

# One warm-up import of a small file, so JIT and pools are not in the figures.
python3 "$HERE/make-statement.py" 200 >"$WORK/warm-up.csv"
WARM="$(api -X POST "http://127.0.0.1:$PORT/api/v1/bank-imports" -F "file=@$WORK/warm-up.csv" -F "bank_account_id=$BANK_ACCOUNT" | json '["id"]')"
api -X POST "http://127.0.0.1:$PORT/api/v1/bank-imports/$WARM/confirm" >/dev/null

# CPU seconds the ledger process used (user + system): on a shared machine, a figure the other load does not inflate much.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$SERVICE_PID/stat"; }
rss_kb() { awk -v key="$1:" '$1 == key { print $2 }' "/proc/$SERVICE_PID/status"; }
echo 5 >"/proc/$SERVICE_PID/clear_refs"   # resets VmHWM to the current resident size
RSS_BEFORE="$(rss_kb VmRSS)"
CPU_START="$(cpu_s)"

PREVIEW_TIME="$(api -o "$WORK/preview.json" -w '%{time_total}' -X POST "http://127.0.0.1:$PORT/api/v1/bank-imports" \
  -F "file=@$WORK/statement.csv" -F "bank_account_id=$BANK_ACCOUNT")"
IMPORT="$(json '["id"]' <"$WORK/preview.json")" || { cat "$WORK/preview.json"; exit 1; }
SUMMARY="$(json '["summary"]' <"$WORK/preview.json")"
CPU_PREVIEWED="$(cpu_s)"
CONFIRM_TIME="$(api -o "$WORK/confirm.json" -w '%{time_total}' -X POST "http://127.0.0.1:$PORT/api/v1/bank-imports/$IMPORT/confirm")"
PEAK="$(rss_kb VmHWM)"
CPU_CONFIRMED="$(cpu_s)"

ledger_sql() { "$PSQL" -X -qtA -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$LEDGER_DB" -c "$1"; }
CREATED="$(ledger_sql "SELECT count(*) FROM bank_transactions WHERE import_id = '$IMPORT'")"
AUTO="$(ledger_sql "SELECT count(*) FROM bank_transactions WHERE import_id = '$IMPORT' AND categorised_by = 'auto'")"
EVENTS="$(ledger_sql "SELECT count(*) FROM outbox_messages WHERE event_type = 'transaction.created'")"

echo
echo "== results ($(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ))"
echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min)"
echo "preview:  ${PREVIEW_TIME}s wall, $(python3 -c "print(f'{$CPU_PREVIEWED - $CPU_START:.2f}')") s ledger CPU   summary $SUMMARY"
echo "confirm:  ${CONFIRM_TIME}s wall, $(python3 -c "print(f'{$CPU_CONFIRMED - $CPU_PREVIEWED:.2f}')") s ledger CPU   $(cat "$WORK/confirm.json")"
echo "total:    $(python3 -c "print(f'{$PREVIEW_TIME + $CONFIRM_TIME:.2f}')")s"
echo "memory:   resident before $((RSS_BEFORE / 1024)) MB, peak during $((PEAK / 1024)) MB, growth $(((PEAK - RSS_BEFORE) / 1024)) MB"
echo "created:  $CREATED transactions ($AUTO categorised automatically); transaction.created events in the outbox: $EVENTS"

psql_admin -c "DROP DATABASE IF EXISTS $LEDGER_DB WITH (FORCE)"
