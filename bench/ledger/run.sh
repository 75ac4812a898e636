#!/usr/bin/env bash
# Ledger throughput: 3-line journal entries POSTed through the ledger's HTTP API (outbox on,
# events relayed to RabbitMQ), and pgbench's built-in TPC-B-like script against the same
# PostgreSQL, one after the other in one run so both see the same machine. Prints entries/s,
# p99 latency and the ratio of entries/s to pgbench transactions/s.
#
#   bench/ledger/run.sh                      # defaults below
#   DURATION=30 CONNECTIONS=32 bench/ledger/run.sh
#   LEDGER_BUILD=services/ledger/Accounting.Ledger/bin/Release/net10.0 bench/ledger/run.sh
#
# Needs: the servers of ./dev (PostgreSQL, RabbitMQ) running, wrk, pgbench, openssl, python3.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/../lib.sh"
PORT=${PORT:-58090}
DURATION=${DURATION:-20}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
PGBENCH=${PGBENCH:-$(command -v pgbench || echo /usr/lib/postgresql/15/bin/pgbench)}
LEDGER_DB=bench_ledger
PGBENCH_DB=bench_pgbench

bench_require wrk openssl python3 curl
for db in "$LEDGER_DB" "$PGBENCH_DB"; do bench_fresh_database "$db"; done
bench_ledger_build
bench_identity_keys
bench_start_ledger "$LEDGER_DB" "$PORT"

ORG="org_bench$(date +%s)"
IDENTITY="$(bench_identity "$ORG" journals:write accounts:write)"
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

ledger_sql() { bench_sql "$LEDGER_DB" "$1"; }
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

for db in "$LEDGER_DB" "$PGBENCH_DB"; do bench_drop_database "$db"; done
