#!/usr/bin/env bash
# Statement import at the contract's limit: a 50,000-row CSV POSTed to /bank-imports for a
# preview, then confirmed (every row created through the categoriser, in one transaction, its
# events in the outbox). Prints the wall time of each step and the growth of the ledger
# process's peak working set (VmHWM, reset just before the upload) over its resident size then.
#
#   bench/imports/run.sh              # 50,000 rows
#   ROWS=10000 WARM_UP_ROWS=500 WARM_UPS=1 bench/imports/run.sh
#   LEDGER_BUILD=services/ledger/Accounting.Ledger/bin/Release/net10.0 bench/imports/run.sh
#   KEEP_DATABASE=1 bench/imports/run.sh   # leaves the database bench_imports behind
#   PERF_DATA=/tmp/imports DOTNET_PerfMapEnabled=1 bench/imports/run.sh   # perf profiles of the ledger:
#       /tmp/imports.preview and /tmp/imports.confirm (perf report -i … --no-children --sort symbol)
#
# Needs: the servers of ./dev (PostgreSQL, RabbitMQ) running, openssl, python3, curl.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/../lib.sh"
PORT=${PORT:-58091}
ROWS=${ROWS:-50000}
WARM_UP_ROWS=${WARM_UP_ROWS:-2000}
WARM_UPS=${WARM_UPS:-2}
LEDGER_DB=bench_imports

bench_require openssl python3 curl
bench_fresh_database "$LEDGER_DB"
bench_ledger_build
# The seeding program shares the ledger's code; built now, so its build is not in the figures.
dotnet build "$HERE/SeedOrganisation" -c Release -nologo -v q >/dev/null
bench_identity_keys
bench_start_ledger "$LEDGER_DB" "$PORT"

ORG="org_bench$(date +%s)"
# The default chart and categories, as organisation.created gives every organisation: without them nothing is categorised or posted.
dotnet run -c Release --no-build --project "$HERE/SeedOrganisation" -- "Host=$PG_HOST;Port=$PG_PORT;Username=$PG_USER;Database=$LEDGER_DB" "$ORG"
IDENTITY="$(bench_identity "$ORG" transactions:write bank-imports:write)"
ledger_sql() { bench_sql "$LEDGER_DB" "$1"; }
api() { curl -sS -H "X-Internal-Identity: $IDENTITY" "$@"; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
BANK_ACCOUNT="$(api -X POST "http://127.0.0.1:$PORT/api/v1/bank-accounts" -H "Content-Type: application/json" \
  -d '{"name":"Business Current Account","currency":"GBP"}' | json '["id"]')"

python3 "$HERE/make-statement.py" "$ROWS" >"$WORK/statement.csv"
echo "== statement: $ROWS rows, $(stat -c %s "$WORK/statement.csv") bytes"

# Warm-up imports of a smaller file, so JIT and pools are not in the figures: the runtime compiles
# hot methods again, optimised, only after they have run a while, and a 50,000-row import that
# starts on first-tier code spends much of its CPU in the compiler (perf showed over half).
for warm_up in $(seq 1 "$WARM_UPS"); do
  # Another seed each time: a repeat of the same file would be all duplicates and confirm nothing.
  python3 "$HERE/make-statement.py" "$WARM_UP_ROWS" "$((100 + warm_up))" >"$WORK/warm-up.csv"
  WARM="$(api -X POST "http://127.0.0.1:$PORT/api/v1/bank-imports" -F "file=@$WORK/warm-up.csv" -F "bank_account_id=$BANK_ACCOUNT" | json '["id"]')"
  api -X POST "http://127.0.0.1:$PORT/api/v1/bank-imports/$WARM/confirm" >/dev/null
done
# The relay is still publishing the warm-ups' events: wait until it is done, or its work is in the figures.
for _ in $(seq 1 600); do
  [[ "$(ledger_sql "SELECT count(*) FROM outbox_messages WHERE published_at IS NULL")" == 0 ]] && break
  sleep 0.5
done

# CPU seconds the ledger process used (user + system): on a shared machine, a figure the other load does not inflate much.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$SERVICE_PID/stat"; }
rss_kb() { awk -v key="$1:" '$1 == key { print $2 }' "/proc/$SERVICE_PID/status"; }
echo 5 >"/proc/$SERVICE_PID/clear_refs"   # resets VmHWM to the current resident size
RSS_BEFORE="$(rss_kb VmRSS)"
CPU_START="$(cpu_s)"
PG_CPU_START="$(bench_postgres_cpu)"

# CPU seconds between two readings, or n/a when PostgreSQL's were not readable.
cpu_between() { [[ -n $1 && -n $2 ]] && python3 -c "print(f'{$2 - $1:.2f} s')" || echo "n/a"; }

# perf record of the ledger for one step, when PERF_DATA asks for profiles.
profile() {
  [[ -z ${PERF_DATA:-} ]] && return 0
  perf record -F 499 -g -p "$SERVICE_PID" -o "$PERF_DATA.$1" >/dev/null 2>&1 &
  PERF_PID=$!
  BACKGROUND_PIDS+=("$PERF_PID")
  sleep 1 # perf attaches before the step starts
}
profiled() {
  [[ -z ${PERF_DATA:-} ]] && return 0
  kill -INT "$PERF_PID"
  wait "$PERF_PID" || true
  bench_stop "$PERF_PID"
}

profile preview
PREVIEW_TIME="$(api -o "$WORK/preview.json" -w '%{time_total}' -X POST "http://127.0.0.1:$PORT/api/v1/bank-imports" \
  -F "file=@$WORK/statement.csv" -F "bank_account_id=$BANK_ACCOUNT")"
IMPORT="$(json '["id"]' <"$WORK/preview.json")" || { cat "$WORK/preview.json"; exit 1; }
SUMMARY="$(json '["summary"]' <"$WORK/preview.json")"
CPU_PREVIEWED="$(cpu_s)"
PG_CPU_PREVIEWED="$(bench_postgres_cpu)"
PEAK_PREVIEW="$(rss_kb VmHWM)"
profiled
profile confirm
CONFIRM_TIME="$(api -o "$WORK/confirm.json" -w '%{time_total}' -X POST "http://127.0.0.1:$PORT/api/v1/bank-imports/$IMPORT/confirm")"
PEAK="$(rss_kb VmHWM)"
CPU_CONFIRMED="$(cpu_s)"
PG_CPU_CONFIRMED="$(bench_postgres_cpu)"
profiled

CREATED="$(ledger_sql "SELECT count(*) FROM bank_transactions WHERE import_id = '$IMPORT'")"
AUTO="$(ledger_sql "SELECT count(*) FROM bank_transactions WHERE import_id = '$IMPORT' AND categorised_by = 'auto'")"
EVENTS="$(ledger_sql "SELECT count(*) FROM outbox_messages WHERE event_type = 'transaction.created'")"
POSTED="$(ledger_sql "SELECT count(*) FROM journal_entries e JOIN bank_transactions t ON t.journal_entry_id = e.id WHERE t.import_id = '$IMPORT'")"
POSTED_EVENTS="$(ledger_sql "SELECT count(*) FROM outbox_messages WHERE event_type = 'journal_entry.posted'")"
SEQUENCES="$(ledger_sql "SELECT count(*) || ' entries, sequences ' || min(sequence) || '..' || max(sequence) FROM journal_entries WHERE organisation_id = '$ORG'")"

echo
echo "== results ($(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ))"
echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min); PostgreSQL fsync=$(bench_sql postgres "SHOW fsync")"
echo "preview:  ${PREVIEW_TIME}s wall, $(cpu_between "$CPU_START" "$CPU_PREVIEWED") ledger CPU, $(cpu_between "$PG_CPU_START" "$PG_CPU_PREVIEWED") PostgreSQL CPU   summary $SUMMARY"
echo "confirm:  ${CONFIRM_TIME}s wall, $(cpu_between "$CPU_PREVIEWED" "$CPU_CONFIRMED") ledger CPU, $(cpu_between "$PG_CPU_PREVIEWED" "$PG_CPU_CONFIRMED") PostgreSQL CPU   $(cat "$WORK/confirm.json")"
echo "total:    $(python3 -c "print(f'{$PREVIEW_TIME + $CONFIRM_TIME:.2f}')")s"
echo "memory:   resident before $((RSS_BEFORE / 1024)) MB, peak during $((PEAK / 1024)) MB, growth $(((PEAK - RSS_BEFORE) / 1024)) MB (by the end of the preview $(((PEAK_PREVIEW - RSS_BEFORE) / 1024)) MB)"
echo "created:  $CREATED transactions ($AUTO categorised automatically); transaction.created events in the outbox: $EVENTS"
echo "posted:   $POSTED entries for the import; journal_entry.posted events in the outbox: $POSTED_EVENTS; organisation: $SEQUENCES"

# KEEP_DATABASE=1 leaves the ledger's database for a look at what the import wrote.
[[ -n ${KEEP_DATABASE:-} ]] || bench_drop_database "$LEDGER_DB"
