#!/usr/bin/env bash
# What the gateway costs, measured in one run with one load tool (wrk) and the same connections:
#   (a) a trivial upstream endpoint called directly
#   (b) a bare YARP proxy with the gateway's routes, no authentication or limits
#   (c) the full gateway: API-key authentication, the Redis token buckets (limits raised so
#       nothing is refused), the signed internal identity
#   (d) the same gateway with Redis unreachable, so its in-memory fallback limiter decides: what
#       the gateway costs without the Redis round trip
# and how many Redis commands (c) sent per request, from Redis's own command statistics.
#
#   bench/gateway/run.sh                  # 16 connections, 15 s per configuration after a 20 s warm-up
#                                         # (the JIT is still tiering the gateway up for longer than 5 s)
#   CONNECTIONS=64 DURATION=30s bench/gateway/run.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CONNECTIONS="${CONNECTIONS:-16}"
DURATION="${DURATION:-15s}"
THREADS="${THREADS:-2}"
WARMUP="${WARMUP:-20s}"
UPSTREAM_PORT="${UPSTREAM_PORT:-5901}"
PROXY_PORT="${PROXY_PORT:-5902}"
GATEWAY_PORT="${GATEWAY_PORT:-5903}"
LOCAL_GATEWAY_PORT="${LOCAL_GATEWAY_PORT:-5904}"
REDIS_PORT="${REDIS_PORT:-56379}"
OUT="$ROOT/.state/bench/gateway"
API_KEY="sk_test_benchbenchbenchbenchbenchbenchbenchbench"
PIDS=()

cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

command -v wrk >/dev/null || { sudo -n true 2>/dev/null && SUDO=sudo || SUDO=; $SUDO apt-get install -y -qq wrk >/dev/null; }
"$ROOT/dev" servers start redis >/dev/null

mkdir -p "$OUT"
echo "building (Release)…"
for project in bench/gateway/TrivialUpstream bench/gateway/BareProxy gateway/Accounting.Gateway; do
  dotnet publish "$ROOT/$project" -c Release -o "$OUT/$(basename "$project")" -v quiet -nologo >/dev/null
done
openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out "$OUT/identity-signing.pem"

routes() { for cluster in auth ledger reports webhooks; do echo "ReverseProxy__Clusters__${cluster}__Destinations__primary__Address=http://127.0.0.1:$UPSTREAM_PORT/"; done; }

start() { # log-name folder port dll [env…]
  local log=$1 folder=$2 port=$3 dll=$4; shift 4
  (cd "$OUT/$folder" && exec env ASPNETCORE_URLS="http://127.0.0.1:$port" ASPNETCORE_ENVIRONMENT=Production \
     Logging__LogLevel__Default=Warning "$@" dotnet "$dll" >"$OUT/$log.log" 2>&1) &
  PIDS+=($!)
}

wait_ready() { # url
  for _ in $(seq 1 100); do curl -fs -o /dev/null "$1" && return 0; sleep 0.2; done
  echo "not ready: $1" >&2; exit 1
}

gateway_settings() { # redis-port
  routes
  echo "ConnectionStrings__Redis=127.0.0.1:$1"
  echo "InternalIdentity__SigningKeyPath=$OUT/identity-signing.pem"
  echo RateLimits__Plans__standard__RequestsPerHour=10000000
  echo RateLimits__Plans__standard__BurstPerMinute=10000000
}

start TrivialUpstream TrivialUpstream "$UPSTREAM_PORT" TrivialUpstream.dll
start BareProxy BareProxy "$PROXY_PORT" BareProxy.dll $(routes)
start gateway Accounting.Gateway "$GATEWAY_PORT" Accounting.Gateway.dll $(gateway_settings "$REDIS_PORT")
GATEWAY_PID=${PIDS[-1]}
wait_ready "http://127.0.0.1:$UPSTREAM_PORT/health/ready"
wait_ready "http://127.0.0.1:$PROXY_PORT/api/v1/invoices"
wait_ready "http://127.0.0.1:$GATEWAY_PORT/health/ready"

load() { # label url duration [header]
  local label=$1 url=$2 duration=$3 header=${4:-}
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$duration" --latency ${header:+-H "$header"} "$url" >"$OUT/$label.txt"
}

parse() { # label → "rps p50_ms p99_ms requests non2xx"
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 }
    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) }
    /requests in/ { total = $1 }
    /Non-2xx/ { bad = $NF }
    END { printf "%.0f %.3f %.3f %d %d\n", rps, p50, p99, total, bad + 0 }' "$OUT/$1.txt"
}

# A fresh bucket for the benchmark's key, whatever an earlier run left.
redis-cli -p "$REDIS_PORT" DEL accounting:rate:key_bench >/dev/null
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency, each after a $WARMUP warm-up"
load warmup-a "http://127.0.0.1:$UPSTREAM_PORT/api/v1/invoices" "$WARMUP"
load a "http://127.0.0.1:$UPSTREAM_PORT/api/v1/invoices" "$DURATION"
load warmup-b "http://127.0.0.1:$PROXY_PORT/api/v1/invoices" "$WARMUP"
load b "http://127.0.0.1:$PROXY_PORT/api/v1/invoices" "$DURATION"
load warmup-c "http://127.0.0.1:$GATEWAY_PORT/api/v1/invoices" "$WARMUP" "X-API-Key: $API_KEY"
redis-cli -p "$REDIS_PORT" CONFIG RESETSTAT >/dev/null
load c "http://127.0.0.1:$GATEWAY_PORT/api/v1/invoices" "$DURATION" "X-API-Key: $API_KEY"
# Redis counts the commands a script runs inside it as well (GET, SET): the round trips the
# gateway made are its EVALSHA (or EVAL) calls; the breakdown shows everything else.
round_trips=$(redis-cli -p "$REDIS_PORT" INFO commandstats | awk -F'[:=,]' '$1 ~ /^cmdstat_(evalsha|eval)$/ { n += $3 } END { print n + 0 }')
redis_breakdown=$(redis-cli -p "$REDIS_PORT" INFO commandstats | awk -F'[:=,]' '/^cmdstat_/ { printf "%s=%s ", substr($1, 9), $3 }')
# (d) runs alone, in place of (c): its Redis client keeps retrying in the background, which
# would tax the other configurations if it ran beside them. Port 1 on loopback: nothing listens.
kill "$GATEWAY_PID"; wait "$GATEWAY_PID" 2>/dev/null || true
start gateway-without-redis Accounting.Gateway "$LOCAL_GATEWAY_PORT" Accounting.Gateway.dll $(gateway_settings 1)
wait_ready "http://127.0.0.1:$LOCAL_GATEWAY_PORT/health/live"
load warmup-d "http://127.0.0.1:$LOCAL_GATEWAY_PORT/api/v1/invoices" "$WARMUP" "X-API-Key: $API_KEY"
load d "http://127.0.0.1:$LOCAL_GATEWAY_PORT/api/v1/invoices" "$DURATION" "X-API-Key: $API_KEY"

read -r a_rps a_p50 a_p99 a_total a_bad <<<"$(parse a)"
read -r b_rps b_p50 b_p99 b_total b_bad <<<"$(parse b)"
read -r c_rps c_p50 c_p99 c_total c_bad <<<"$(parse c)"
read -r d_rps d_p50 d_p99 d_total d_bad <<<"$(parse d)"

printf '\n%-34s %10s %9s %9s %10s\n' configuration "req/s" "p50 ms" "p99 ms" "non-2xx"
printf '%-34s %10s %9s %9s %10s\n' "(a) upstream, direct" "$a_rps" "$a_p50" "$a_p99" "$a_bad"
printf '%-34s %10s %9s %9s %10s\n' "(b) bare YARP proxy" "$b_rps" "$b_p50" "$b_p99" "$b_bad"
printf '%-34s %10s %9s %9s %10s\n' "(c) gateway: key auth + Redis limit" "$c_rps" "$c_p50" "$c_p99" "$c_bad"
printf '%-34s %10s %9s %9s %10s\n' "(d) gateway, Redis unreachable" "$d_rps" "$d_p50" "$d_p99" "$d_bad"
awk -v a="$a_rps" -v b="$b_rps" -v c="$c_rps" -v d="$d_rps" -v ap="$a_p50" -v cp="$c_p50" 'BEGIN {
  printf "\n(c)/(b) requests/s: %.1f%%   (target >= 80%%)\n", 100 * c / b
  printf "(d)/(b) requests/s: %.1f%%   (the gateway without the Redis round trip)\n", 100 * d / b
  printf "(b)/(a) requests/s: %.1f%%\n", 100 * b / a
  printf "p50 (c) - p50 (a):  %.3f ms (target <= 1 ms)\n", cp - ap }'
awk -v n="$round_trips" -v r="$c_total" 'BEGIN { printf "Redis round trips per request in (c): %.3f (%d EVALSHA/EVAL, %d requests)\n", n / r, n, r }'
echo "Redis command stats during (c): $redis_breakdown"
echo "raw wrk output: $OUT/{a,b,c,d}.txt"
