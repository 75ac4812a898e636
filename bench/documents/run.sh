#!/usr/bin/env bash
# Documents: a 10 MB PDF uploaded 20 times in parallel through the ledger's HTTP API, then
# downloaded 20 times in parallel, while the ledger's resident memory is sampled every 50 ms;
# then the same bytes written by 20 parallel plain COPYs into a PostgreSQL table shaped like
# document_chunks (256 KB rows), so both see the same machine. Prints throughput of each, the
# ledger's peak resident-set growth over its idle baseline, and upload / COPY.
#
#   bench/documents/run.sh                   # defaults below
#   PARALLEL=20 SIZE=10000000 bench/documents/run.sh
#   LEDGER_DLL=services/ledger/Accounting.Ledger/bin/Release/net10.0/Accounting.Ledger.dll bench/documents/run.sh
#
# Needs: the servers of ./dev (PostgreSQL, RabbitMQ) running, curl, openssl, python3, psql.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-55432}
PG_USER=${PG_USER:-postgres}
RABBITMQ_URL=${RABBITMQ_URL:-amqp://guest:guest@127.0.0.1:55672/}
PORT=${PORT:-58091}
PARALLEL=${PARALLEL:-20}
# 10 MB, leaving room under the 10 MiB body cap for the multipart framing.
SIZE=${SIZE:-10000000}
PSQL=${PSQL:-$(command -v psql || echo /usr/lib/postgresql/15/bin/psql)}
LEDGER_DB=bench_documents
WORK="$(mktemp -d)"
SERVICE_PID=
SAMPLER_PID=

cleanup() {
  [[ -n $SAMPLER_PID ]] && kill "$SAMPLER_PID" 2>/dev/null
  [[ -n $SERVICE_PID ]] && kill "$SERVICE_PID" 2>/dev/null && wait "$SERVICE_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

for tool in openssl python3 curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install -y $tool)" >&2; exit 1; }
done

psql_admin() { "$PSQL" -X -q -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -v ON_ERROR_STOP=1 "$@"; }
ledger_sql() { "$PSQL" -X -qtA -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$LEDGER_DB" -v ON_ERROR_STOP=1 -c "$1"; }
psql_admin -c "DROP DATABASE IF EXISTS $LEDGER_DB WITH (FORCE)" -c "CREATE DATABASE $LEDGER_DB"

# LEDGER_DLL=…/Accounting.Ledger.dll runs an existing Release build instead of publishing one.
LEDGER_DLL=${LEDGER_DLL:+$(realpath "$LEDGER_DLL")}
if [[ -z $LEDGER_DLL ]]; then
  echo "== building the ledger (Release)"
  dotnet publish "$ROOT/services/ledger/Accounting.Ledger" -c Release -o "$WORK/ledger" -nologo -v q >/dev/null
  LEDGER_DLL="$WORK/ledger/Accounting.Ledger.dll"
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
  dotnet "$LEDGER_DLL" >"$WORK/ledger.log" 2>&1) &
SERVICE_PID=$!
for _ in $(seq 1 120); do
  [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/health/ready") == 200 ]] && break
  kill -0 "$SERVICE_PID" 2>/dev/null || { cat "$WORK/ledger.log"; exit 1; }
  sleep 0.5
done

# A real PDF header and trailer around incompressible bytes, as scans are.
python3 - "$WORK/scan.pdf" "$SIZE" <<'PY'
import os, sys
path, size = sys.argv[1], int(sys.argv[2])
head, tail = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", b"\n%%EOF\n"
with open(path, "wb") as f:
    f.write(head + os.urandom(size - len(head) - len(tail)) + tail)
PY
SHA="$(sha256sum "$WORK/scan.pdf" | cut -d' ' -f1)"

ORG="org_bench$(date +%s)"
IDENTITY="$(python3 "$ROOT/bench/ledger/mint-identity.py" "$WORK/identity-signing.pem" "$ORG" documents:write)"
BASE="http://127.0.0.1:$PORT/api/v1/documents"
upload() { curl -sf -o "$WORK/upload.$1.json" -H "X-Internal-Identity: $IDENTITY" -F "file=@$WORK/scan.pdf;type=application/pdf" "$BASE/upload"; }
download() { curl -sf -o "$WORK/download.$1" -H "X-Internal-Identity: $IDENTITY" "$BASE/$2/content"; }
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$SERVICE_PID/status"; }
now() { date +%s.%N; }

echo "== warm-up: one upload and one download"
upload warm
WARM_ID="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/upload.warm.json")"
download warm "$WARM_ID"
cmp -s "$WORK/scan.pdf" "$WORK/download.warm" || { echo "warm-up download differs from the upload" >&2; exit 1; }
BASELINE_KB="$(rss_kb)"

(while :; do rss_kb >>"$WORK/rss"; sleep 0.05; done) &
SAMPLER_PID=$!

echo "== $PARALLEL parallel uploads of $SIZE bytes"
START="$(now)"
PIDS=()
for i in $(seq 1 "$PARALLEL"); do upload "$i" & PIDS+=($!); done
wait_all() { for pid in "${PIDS[@]}"; do wait "$pid"; done; PIDS=(); }
wait_all
UPLOAD_S="$(python3 -c "print($(now) - $START)")"

IDS=()
for i in $(seq 1 "$PARALLEL"); do IDS+=("$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/upload.$i.json")"); done

echo "== $PARALLEL parallel downloads"
START="$(now)"
for i in $(seq 1 "$PARALLEL"); do download "$i" "${IDS[$((i - 1))]}" & PIDS+=($!); done
wait_all
DOWNLOAD_S="$(python3 -c "print($(now) - $START)")"
kill "$SAMPLER_PID"; SAMPLER_PID=
PEAK_KB="$(sort -n "$WORK/rss" | tail -1)"

for i in $(seq 1 "$PARALLEL"); do
  cmp -s "$WORK/scan.pdf" "$WORK/download.$i" || { echo "download $i differs from the upload" >&2; exit 1; }
done
STORED_SHA="$(ledger_sql "SELECT count(DISTINCT sha256) || ' ' || min(sha256) FROM documents")"

echo "== $PARALLEL parallel plain COPYs of the same bytes (256 KB rows)"
ledger_sql "CREATE TABLE copy_chunks (blob integer, chunk_number integer, bytes bytea, PRIMARY KEY (blob, chunk_number)); ALTER TABLE copy_chunks ALTER COLUMN bytes SET STORAGE EXTERNAL"
for i in $(seq 1 "$PARALLEL"); do
  python3 - "$WORK/scan.pdf" "$i" >"$WORK/copy.$i" <<'PY'
import sys
data, blob, chunk = open(sys.argv[1], "rb").read(), sys.argv[2], 256 * 1024
for n, offset in enumerate(range(0, len(data), chunk)):
    sys.stdout.write(f"{blob}\t{n}\t\\\\x{data[offset:offset + chunk].hex()}\n")
PY
done
START="$(now)"
for i in $(seq 1 "$PARALLEL"); do
  "$PSQL" -X -q -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$LEDGER_DB" -v ON_ERROR_STOP=1 -c "\\copy copy_chunks FROM '$WORK/copy.$i'" &
  PIDS+=($!)
done
wait_all
COPY_S="$(python3 -c "print($(now) - $START)")"
COPIED="$(ledger_sql "SELECT sum(length(bytes)) FROM copy_chunks")"

MB="$(python3 -c "print($PARALLEL * $SIZE / 1e6)")"
echo
echo "== results ($(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)), $PARALLEL × $SIZE bytes"
echo "upload:    $(python3 -c "print(f'{$UPLOAD_S:.2f} s, {$MB / $UPLOAD_S:.1f} MB/s')")"
echo "download:  $(python3 -c "print(f'{$DOWNLOAD_S:.2f} s, {$MB / $DOWNLOAD_S:.1f} MB/s')")  (every download identical to the upload; stored sha256: $STORED_SHA, expected $SHA)"
echo "plain COPY: $(python3 -c "print(f'{$COPY_S:.2f} s, {$MB / $COPY_S:.1f} MB/s')")  ($COPIED bytes)"
echo "upload / COPY throughput: $(python3 -c "print(f'{$COPY_S / $UPLOAD_S:.2f}')")"
echo "ledger resident set: idle after warm-up $((BASELINE_KB / 1024)) MB, peak $((PEAK_KB / 1024)) MB, growth $(((PEAK_KB - BASELINE_KB) / 1024)) MB"

psql_admin -c "DROP DATABASE IF EXISTS $LEDGER_DB WITH (FORCE)"
