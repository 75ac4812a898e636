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

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/../lib.sh"
PORT=${PORT:-58091}
PARALLEL=${PARALLEL:-20}
# 10 MB, leaving room under the 10 MiB body cap for the multipart framing.
SIZE=${SIZE:-10000000}
LEDGER_DB=bench_documents

bench_require openssl python3 curl
ledger_sql() { bench_sql "$LEDGER_DB" "$1"; }
bench_fresh_database "$LEDGER_DB"
bench_ledger_build
bench_identity_keys
bench_start_ledger "$LEDGER_DB" "$PORT"

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
IDENTITY="$(bench_identity "$ORG" documents:write)"
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
BACKGROUND_PIDS+=("$SAMPLER_PID")

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
bench_stop "$SAMPLER_PID"
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

bench_drop_database "$LEDGER_DB"
