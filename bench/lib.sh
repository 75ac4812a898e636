# Sourced by the ledger's benchmarks (bench/{documents,imports,ledger}/run.sh): where the servers
# of ./dev are, a scratch directory and background processes cleaned up on exit, a Release build of
# the ledger, its internal-identity keys, and starting it on a fresh database.
#
# Settings (environment): PG_HOST, PG_PORT, PG_USER, RABBITMQ_URL (or RABBITMQ_PORT), PSQL, PORT;
# LEDGER_BUILD=<directory with Accounting.Ledger.dll> runs an existing Release build instead of
# publishing one (LEDGER_DLL=<path of the dll> is accepted too).
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-55432}
PG_USER=${PG_USER:-postgres}
RABBITMQ_URL=${RABBITMQ_URL:-amqp://guest:guest@127.0.0.1:${RABBITMQ_PORT:-55672}/}
PSQL=${PSQL:-$(command -v psql || echo /usr/lib/postgresql/15/bin/psql)}
WORK="$(mktemp -d)"
SERVICE_PID=
# Background processes of the script (samplers, load generators), stopped on exit before the ledger.
BACKGROUND_PIDS=()

bench_cleanup() {
  local pid
  for pid in "${BACKGROUND_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [[ -n $SERVICE_PID ]]; then kill "$SERVICE_PID" 2>/dev/null && wait "$SERVICE_PID" 2>/dev/null; fi
  rm -rf "$WORK"
}
trap bench_cleanup EXIT

# Stops one of BACKGROUND_PIDS before the end and forgets it, so the exit trap never signals a reused pid.
bench_stop() {
  kill "$1" 2>/dev/null || true
  local kept=() pid
  for pid in "${BACKGROUND_PIDS[@]}"; do [[ $pid == "$1" ]] || kept+=("$pid"); done
  BACKGROUND_PIDS=("${kept[@]}")
}

bench_require() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install -y $tool)" >&2; exit 1; }
  done
}

psql_admin() { "$PSQL" -X -q -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -v ON_ERROR_STOP=1 "$@"; }

# Runs one statement against a benchmark database; prints the result unaligned, without headers.
bench_sql() { "$PSQL" -X -qtA -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$1" -v ON_ERROR_STOP=1 -c "$2"; }

bench_fresh_database() { psql_admin -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"; }

bench_drop_database() { psql_admin -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)"; }

# Sets LEDGER_DLL: the given build, or a fresh Release publish into the scratch directory.
bench_ledger_build() {
  if [[ -n ${LEDGER_DLL:-} ]]; then
    LEDGER_DLL="$(realpath "$LEDGER_DLL")"
  elif [[ -n ${LEDGER_BUILD:-} ]]; then
    LEDGER_DLL="$(realpath "$LEDGER_BUILD")/Accounting.Ledger.dll"
  else
    echo "== building the ledger (Release)"
    dotnet publish "$ROOT/services/ledger/Accounting.Ledger" -c Release -o "$WORK/ledger" -nologo -v q >/dev/null
    LEDGER_DLL="$WORK/ledger/Accounting.Ledger.dll"
  fi
}

# The key pair of the internal identity: the bench signs with one half as the gateway would, the ledger verifies with the other.
bench_identity_keys() {
  openssl ecparam -name prime256v1 -genkey -noout -out "$WORK/ec.pem"
  openssl pkcs8 -topk8 -nocrypt -in "$WORK/ec.pem" -out "$WORK/identity-signing.pem"
  openssl ec -in "$WORK/ec.pem" -pubout -out "$WORK/identity-verification.pem" 2>/dev/null
}

# bench_start_ledger <database> <port>: the ledger of LEDGER_DLL on that database, logging to $WORK/ledger.log;
# returns once it answers ready (SERVICE_PID is its pid).
bench_start_ledger() {
  local database=$1 port=$2
  echo "== starting the ledger on 127.0.0.1:$port"
  (cd "$ROOT/services/ledger/Accounting.Ledger" && exec env \
    ASPNETCORE_URLS="http://127.0.0.1:$port" \
    ASPNETCORE_ENVIRONMENT=Production \
    Logging__LogLevel__Default=Warning \
    ConnectionStrings__Postgres="Host=$PG_HOST;Port=$PG_PORT;Username=$PG_USER;Database=$database" \
    ConnectionStrings__RabbitMq="$RABBITMQ_URL" \
    InternalIdentity__VerificationKeyPath="$WORK/identity-verification.pem" \
    dotnet "$LEDGER_DLL" >"$WORK/ledger.log" 2>&1) &
  SERVICE_PID=$!
  for _ in $(seq 1 120); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health/ready") == 200 ]] && return 0
    kill -0 "$SERVICE_PID" 2>/dev/null || { cat "$WORK/ledger.log"; exit 1; }
    sleep 0.5
  done
  echo "the ledger was not ready after 60 s" >&2
  cat "$WORK/ledger.log"
  exit 1
}

# CPU seconds PostgreSQL has used (user + system, every backend and worker, living or exited), when the
# server runs on this machine; empty otherwise. The ledger's CPU plus this is the work of a step, which
# the other load of a shared machine inflates far less than wall time.
bench_postgres_cpu() {
  local data postmaster
  data="$(bench_sql postgres "SHOW data_directory" 2>/dev/null)" || return 0
  postmaster="$(head -1 "$data/postmaster.pid" 2>/dev/null)" || return 0
  [[ -r /proc/$postmaster/stat ]] || return 0
  awk -v hz="$(getconf CLK_TCK)" -v postmaster="$postmaster" '
    # Fields after the command name, which may contain spaces: state is $1 there, ppid $2, utime $12 …
    { sub(/^.*\) /, ""); if (FILENAME ~ "/" postmaster "/stat$") total += $12 + $13 + $14 + $15; else if ($2 == postmaster) total += $12 + $13 }
    END { printf "%.2f\n", total / hz }' /proc/[0-9]*/stat 2>/dev/null
}

# bench_identity <organisation> <scope>…: a signed internal identity for the X-Internal-Identity header.
bench_identity() { python3 "$ROOT/bench/ledger/mint-identity.py" "$WORK/identity-signing.pem" "$@"; }
