#!/usr/bin/env bash
# AspireAuth benchmark (issue 6): one command that builds, starts the stack in local mode (or
# targets running URLs), runs every scenario with autocannon, and writes a Markdown table, JSON
# and an SVG chart. See bench/README.md.
#
#   bench/run.sh                     full run → bench/results/{results.md,results.json,chart.svg}
#   bench/run.sh --smoke             20 requests per scenario, a few probes; fails unless every
#                                    scenario completes with 0 errors (bench/results/tmp/smoke)
#   bench/run.sh --caching both      the run twice, with the coherent caches on and off (Caching:Enabled),
#                                    into OUT/caching-on and OUT/caching-off, and a side-by-side table
#                                    OUT/caching-comparison.md; --caching off: only without caches;
#                                    default: on
#   bench/run.sh --telemetry MODE    what the services do with their telemetry (bench/README.md,
#                                    "Telemetry modes"): no-export (default: collected in-process, no
#                                    OTLP endpoint, as every record so far); export (OTLP to a standalone
#                                    Aspire dashboard, sampled as published: parentbased_traceidratio 0.1);
#                                    export-all (the same, every trace: always_on); dev-loop (the app under
#                                    the AppHost, local mode, through DCP's proxy, its dashboard receiving
#                                    everything; ceiling, get-session and anonymous sign-in only);
#                                    all (each of them: no-export into OUT, the others into
#                                    OUT/telemetry-<mode>, and OUT/results.md shows them side by side)
#   bench/run.sh --url-auth http://127.0.0.1:5200 --url-cart http://127.0.0.1:5300
#                                    measure services that are already running (CPU per process
#                                    only for those listening on this machine)
#   bench/run.sh --trace auth-api --only get-session --rounds 2
#                                    also record a CPU profile of a service (or auth-api,cart-api)
#                                    during each measured window of the last round (dotnet-trace,
#                                    from NuGet); traces and top-60 reports: bench/results/tmp/traces
# Experiments (the figures then describe a changed set-up; say so with --note):
#   --service-env KEY=VALUE          extra environment for Auth.Api and Cart.Api (repeatable),
#                                    e.g. OTEL_SDK_DISABLED=true
#   --pg-option NAME=VALUE           extra PostgreSQL setting (repeatable), e.g. synchronous_commit=off
#   --redis-option NAME=VALUE        extra redis-server setting (repeatable), e.g. appendonly=no
#   --connection-extra 'K=V;...'     appended to both services' Npgsql connection strings,
#                                    e.g. 'Max Auto Prepare=20'
# Other options: --no-build, --out DIR, --note TEXT, and the driver's --connections N --warmup S
# --duration S --rounds N --probe-samples N --probe-seconds S --probe-workers N --only a,b
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$BENCH_DIR")
cd "$REPO"
# shellcheck source=../eng/prerequisites.sh
. eng/prerequisites.sh
# shellcheck source=lib/stack.sh
. "$BENCH_DIR/lib/stack.sh"

usage() { sed -n '2,37p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

smoke=false
build=true
url_auth=""
url_cart=""
out_dir=""
note=""
trace=""
caching=on
telemetry=no-export
original_args=("$@")
SERVICE_ENV=()
MODE_ENV=()
PG_OPTIONS=()
REDIS_OPTIONS=()
CONNECTION_EXTRA=""
driver_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=true ;;
    --no-build) build=false ;;
    --url-auth) url_auth=${2:?--url-auth needs a URL}; shift ;;
    --url-cart) url_cart=${2:?--url-cart needs a URL}; shift ;;
    --out) out_dir=${2:?--out needs a folder}; shift ;;
    --note) note=${2:?--note needs text}; shift ;;
    --service-env) SERVICE_ENV+=("${2:?--service-env needs KEY=VALUE}"); shift ;;
    --pg-option) PG_OPTIONS+=(-c "${2:?--pg-option needs NAME=VALUE}"); shift ;;
    --redis-option) REDIS_OPTIONS+=("--${2%%=*}" "${2#*=}"); [[ $2 == *=* ]] || die "--redis-option needs NAME=VALUE"; shift ;;
    --connection-extra) CONNECTION_EXTRA=";${2:?--connection-extra needs K=V;...}"; shift ;;
    --trace) trace=${2:?--trace needs auth-api, cart-api or both, comma-separated}; shift ;;
    --caching) caching=${2:?--caching needs on, off or both}; shift ;;
    --telemetry) telemetry=${2:?--telemetry needs no-export, export, export-all, dev-loop or all}; shift ;;
    --connections | --warmup | --duration | --rounds | --probe-samples | --probe-seconds | --probe-workers | --only)
      driver_args+=("$1" "${2:?$1 needs a value}"); shift ;;
    -h | --help) usage ;;
    *) printf 'unknown option: %s\n\n' "$1" >&2; usage 2 ;;
  esac
  shift
done
if { [ -n "$url_auth" ] && [ -z "$url_cart" ]; } || { [ -z "$url_auth" ] && [ -n "$url_cart" ]; }; then
  die "--url-auth and --url-cart go together"
fi
local_stack=true
[ -z "$url_auth" ] || local_stack=false
case "$telemetry" in
  no-export | all) ;;
  export | export-all | dev-loop)
    $local_stack || die "--telemetry $telemetry starts its own stack: not with --url-auth/--url-cart" ;;
  *) die "--telemetry: no-export, export, export-all, dev-loop or all, not '$telemetry'" ;;
esac
# The dev loop runs the app under the AppHost instead of the benchmark's own stack.
apphost_stack=false
if [ "$telemetry" = dev-loop ]; then
  apphost_stack=true
  local_stack=false
fi

if [ -z "$out_dir" ]; then
  if $smoke; then out_dir="$BENCH_DIR/results/tmp/smoke"; else out_dir="$BENCH_DIR/results"; fi
fi
mkdir -p "$out_dir"
out_dir=$(cd "$out_dir" && pwd)

case "$caching" in
  on) ;;
  off)
    if $apphost_stack; then
      APPHOST_ARGS+=(--Parameters:caching-enabled=false)
    else
      $local_stack || die "--caching off needs the local stack: running services keep the mode they were started with"
      MODE_ENV+=(Caching__Enabled=false)
    fi ;;
  both)
    $local_stack || die "--caching both needs the local stack"
    [ "$telemetry" = no-export ] || die "--caching both and --telemetry $telemetry: one comparison at a time"
    # Later options win: the same run, once per mode, each into its own folder.
    "$0" "${original_args[@]}" --caching on --out "$out_dir/caching-on"
    "$0" "${original_args[@]}" --no-build --caching off --out "$out_dir/caching-off"
    node "$BENCH_DIR/driver/compare.mjs" "$out_dir/caching-on/results.json" "$out_dir/caching-off/results.json" >"$out_dir/caching-comparison.md"
    info "Caching on vs off: $out_dir/caching-comparison.md"
    exit 0 ;;
  *) die "--caching: on, off or both, not '$caching'" ;;
esac

if [ "$telemetry" = all ]; then
  $local_stack || die "--telemetry all needs the local stack"
  # Later options win: no export (the run of record) into OUT, each other mode into its own folder,
  # then OUT/results.md again with the other modes' rows beside its own.
  "$0" "${original_args[@]}" --telemetry no-export --out "$out_dir"
  compare=()
  for mode in export export-all dev-loop; do
    # The first run built the benchmark; the dev loop's run also builds the AppHost (unless --no-build).
    then_build=(--no-build)
    ! $build || [ "$mode" != dev-loop ] || then_build=()
    "$0" "${original_args[@]}" "${then_build[@]}" --telemetry "$mode" --out "$out_dir/telemetry-$mode"
    compare+=(--telemetry-run "$out_dir/telemetry-$mode/results.json")
  done
  node "$BENCH_DIR/driver/report.mjs" --results "$out_dir/results.json" --md "$out_dir/results.md" --chart chart.svg "${compare[@]}"
  info "Telemetry modes side by side: $out_dir/results.md"
  exit 0
fi

# The sampling a published service runs with (the AppHost's publish-mode default), so `export` measures it.
production_sampling() {
  sed -n "s|.*const string $1 = \"\(.*\)\";.*|\1|p" "$REPO/AppHost/TelemetrySamplingExtensions.cs"
}
PRODUCTION_SAMPLER=$(production_sampling ProductionSampler)
PRODUCTION_SAMPLER_ARG=$(production_sampling ProductionSamplerRatio)
[ -n "$PRODUCTION_SAMPLER" ] && [ -n "$PRODUCTION_SAMPLER_ARG" ] \
  || die "the production sampler is not in AppHost/TelemetrySamplingExtensions.cs (ProductionSampler, ProductionSamplerRatio)"

# ---------------------------------------------------------------------------------------------
# What the benchmark needs on the machine.

require_dotnet
! $local_stack || require_local_infrastructure
! $apphost_stack || require_local_infrastructure
command -v node >/dev/null 2>&1 || apt_install nodejs npm
command -v npm >/dev/null 2>&1 || apt_install npm
command -v curl >/dev/null 2>&1 || apt_install curl
command -v python3 >/dev/null 2>&1 || apt_install python3

# autocannon exactly as pinned in bench/package-lock.json, reinstalled whenever the lock changes.
if [ ! -f "$BENCH_DIR/node_modules/.package-lock.json" ] \
  || [ "$BENCH_DIR/package-lock.json" -nt "$BENCH_DIR/node_modules/.package-lock.json" ]; then
  info "npm ci in bench"
  npm ci --prefix "$BENCH_DIR" --no-audit --no-fund --loglevel=error >/dev/null \
    || die "npm ci in bench failed: see the npm output above, then run again."
fi

DOTNET_TRACE_VERSION=10.0.750501
dotnet_trace="$BENCH_DIR/.tools/dotnet-trace"
if [ -n "$trace" ] && [ ! -x "$dotnet_trace" ]; then
  info "Installing dotnet-trace $DOTNET_TRACE_VERSION (NuGet) into bench/.tools"
  dotnet tool install dotnet-trace --version "$DOTNET_TRACE_VERSION" --tool-path "$BENCH_DIR/.tools" >/dev/null
fi

if $build; then
  info "Building (Release): Auth.Api, Cart.Api, bench/Ceiling, bench/HashCost"
  for attempt in 1 2 3; do
    # Another build on the machine may hold a file for a moment: try again.
    dotnet build "$BENCH_DIR/bench.slnx" -c Release -nologo -v quiet && break
    [ "$attempt" -lt 3 ] || die "build failed"
    info "build failed (attempt $attempt); retrying"
  done
  if $apphost_stack; then
    # The AppHost runs its projects with `dotnet run --no-build` in its own configuration: Release here.
    info "Building (Release): the AppHost and everything it runs"
    for attempt in 1 2 3; do
      dotnet build "$REPO/AppHost/AppHost.csproj" -c Release -nologo -v quiet && break
      [ "$attempt" -lt 3 ] || die "build failed"
      info "build failed (attempt $attempt); retrying"
    done
  fi
fi

# ---------------------------------------------------------------------------------------------
# The stack, torn down whatever happens.

WORK=$(mktemp -d /tmp/aspireauth-bench.XXXXXX)
chmod 755 "$WORK"     # PostgreSQL (another user) must reach its data folder inside
mkdir -p "$WORK/logs"
logs_dir="$out_dir/logs"
[ "$out_dir" != "$BENCH_DIR/results" ] || logs_dir="$BENCH_DIR/results/tmp/logs"

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stack_stop
  rm -rf "$logs_dir"
  mkdir -p "$logs_dir"
  cp -r "$WORK/logs/." "$logs_dir/" 2>/dev/null || true
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A fresh signing secret for this run only (lib/stack.sh hands it to the services); never written anywhere.
BENCH_AUTH_SECRET=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')

# The pid listening on a loopback URL's port, if it is on this machine (for CPU and memory).
pid_listening_on() {
  local port=${1##*:}
  port=${port%%/*}
  ss -Hltnp "sport = :$port" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n1 | cut -d= -f2
}

# {"name": pid, ...} for the driver, which reads their CPU time and memory from /proc.
pid_entries=()
add_pid() { [ -z "$2" ] || pid_entries+=("\"$1\":$2"); }
# Processes alone, without their children (counted under other names): {"name": {"self": [pid, ...]}}.
add_pids_self() {
  local name=$1
  shift
  [ $# -eq 0 ] || pid_entries+=("\"$name\":{\"self\":[$(IFS=,; echo "$*")]}")
}

# What this run's services do with their telemetry, for the report.
telemetry_file="$WORK/telemetry.json"
telemetry_json() {
  python3 -c 'import json, sys; print(json.dumps(dict(zip(sys.argv[1::2], sys.argv[2::2]))))' "$@" >"$telemetry_file"
}
case "$telemetry" in
  no-export)
    # Services already running (--url-auth) keep whatever they were started with: not known here.
    if $local_stack; then
      telemetry_json mode no-export label "no export" \
        description "no OTLP endpoint: the services' OpenTelemetry instrumentation runs (traces sampled by the SDK's default, parentbased_always_on) and nothing is exported, as in every record before issue 15"
    fi
    ;;
  export | export-all)
    sampler=$PRODUCTION_SAMPLER
    sampler_arg=$PRODUCTION_SAMPLER_ARG
    if [ "$telemetry" = export-all ]; then sampler=always_on; sampler_arg=""; fi
    info "Starting the standalone Aspire dashboard (OTLP receiver)"
    start_dashboard
    # As a published service is configured (OTLP/gRPC, the SDK's batch and export intervals), at this sampling.
    TELEMETRY_ENV=(OTEL_EXPORTER_OTLP_ENDPOINT="$DASHBOARD_OTLP_URL" OTEL_EXPORTER_OTLP_PROTOCOL=grpc
      OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY=in_memory OTEL_TRACES_SAMPLER="$sampler")
    [ -z "$sampler_arg" ] || TELEMETRY_ENV+=(OTEL_TRACES_SAMPLER_ARG="$sampler_arg")
    if [ "$telemetry" = export ]; then label="export, production sampling"; else label="export, every trace"; fi
    telemetry_json mode "$telemetry" label "$label" sampler "$sampler${sampler_arg:+ $sampler_arg}" \
      receiver "standalone Aspire dashboard $DASHBOARD_VERSION (OTLP/gRPC, loopback)" \
      description "every service exports traces, metrics and logs over OTLP/gRPC to the standalone Aspire dashboard $DASHBOARD_VERSION on loopback, sampler ${sampler}${sampler_arg:+ $sampler_arg}; SDK default batching"
    add_pid dashboard "$DASHBOARD_PID"
    ;;
esac

if $local_stack; then
  info "Starting PostgreSQL and Redis (throw-away, in $WORK)"
  start_postgres
  start_redis
  info "Starting Auth.Api and Cart.Api (Release, Production, rate limits off)"
  start_service auth-api "$REPO/Auth.Api/bin/Release/net10.0/Auth.Api.dll" authdb
  AUTH_PID=$SERVICE_PID
  url_auth="http://127.0.0.1:$SERVICE_PORT"
  start_service cart-api "$REPO/Cart.Api/bin/Release/net10.0/Cart.Api.dll" cartdb
  CART_PID=$SERVICE_PID
  url_cart="http://127.0.0.1:$SERVICE_PORT"
  add_pid auth-api "$AUTH_PID"
  add_pid cart-api "$CART_PID"
  add_pid postgres "$PG_PID"
  add_pid redis "$REDIS_PID"
elif $apphost_stack; then
  info "Starting the AppHost (local infrastructure, Release build, Development, always_on to its dashboard)"
  start_apphost
  url_auth=$AUTH_URL
  url_cart=$CART_URL
  add_pid auth-api "$AUTH_PID"
  add_pid cart-api "$CART_PID"
  add_pid postgres "$PG_PID"
  add_pid redis "$REDIS_PID"
  add_pid dashboard "$DASHBOARD_PID"
  add_pids_self "dcp + proxies" "${DCP_PIDS[@]}"
  add_pids_self apphost "$APPHOST_PID"
  add_pids_self "web, trailhead, launchers" "${APPHOST_OTHER_PIDS[@]}"
  telemetry_json mode dev-loop label "dev loop (AppHost)" sampler always_on \
    receiver "the AppHost's Aspire dashboard (OTLP/gRPC through DCP's proxy)" \
    description "the app under the AppHost (local infrastructure mode, Release build, Development environment, rate limits off), measured through DCP's endpoint proxies; every resource exports traces, metrics and logs to the AppHost's dashboard as Aspire configures it in the dev loop (always_on, 1 s batches and metric interval)"
  # Only what the issue compares; --only chooses others.
  [[ " ${driver_args[*]} " == *" --only "* ]] || driver_args+=(--only ceiling,get-session,anonymous-sign-in)
else
  http_ok "$url_auth/health" || die "$url_auth/health does not answer 200"
  http_ok "$url_cart/health" || die "$url_cart/health does not answer 200"
  add_pid auth-api "$(pid_listening_on "$url_auth")"
  add_pid cart-api "$(pid_listening_on "$url_cart")"
fi
info "Starting the ceiling (bare Kestrel)"
start_ceiling
add_pid ceiling "$CEILING_PID"
pids="{$(IFS=,; echo "${pid_entries[*]}")}"

# ---------------------------------------------------------------------------------------------
# Scenarios, then the hash cost (measured on the now idle stack), then the report.

mode_args=()
! $smoke || mode_args+=(--smoke)
note+="${note:+ }[caching $caching]"
[ ! -f "$telemetry_file" ] || note+=" [telemetry: $(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["description"])' "$telemetry_file")]"
# Experiments change what is measured: the results say how.
[ ${#SERVICE_ENV[@]} -eq 0 ] || note+="${note:+ }[experiment: service environment ${SERVICE_ENV[*]}]"
[ ${#PG_OPTIONS[@]} -eq 0 ] || note+="${note:+ }[experiment: PostgreSQL ${PG_OPTIONS[*]}]"
[ ${#REDIS_OPTIONS[@]} -eq 0 ] || note+="${note:+ }[experiment: Redis ${REDIS_OPTIONS[*]}]"
[ -z "$CONNECTION_EXTRA" ] || note+="${note:+ }[experiment: connection strings +'${CONNECTION_EXTRA#;}']"
[ -z "$trace" ] || note+="${note:+ }[profiled with dotnet-trace: $trace; figures perturbed]"
if [ -n "$trace" ]; then
  BENCH_TRACE=""
  for service in ${trace//,/ }; do
    case "$service" in
      auth-api) BENCH_TRACE+=" auth-api=${AUTH_PID:-$(pid_listening_on "$url_auth")}" ;;
      cart-api) BENCH_TRACE+=" cart-api=${CART_PID:-$(pid_listening_on "$url_cart")}" ;;
      *) die "--trace: unknown service '$service' (auth-api, cart-api)" ;;
    esac
  done
  BENCH_TRACE_DIR="$out_dir/traces"
  [ "$out_dir" != "$BENCH_DIR/results" ] || BENCH_TRACE_DIR="$BENCH_DIR/results/tmp/traces"
  BENCH_TRACE_TOOL=$dotnet_trace
  rm -rf "$BENCH_TRACE_DIR"
  mkdir -p "$BENCH_TRACE_DIR"
  export BENCH_TRACE BENCH_TRACE_DIR BENCH_TRACE_TOOL
  mode_args+=(--hook "$BENCH_DIR/lib/trace-hook.sh")
fi
info "Load: $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min) before the run"
info "Running the scenarios against auth $url_auth, cart $url_cart, ceiling $CEILING_URL"
driver_status=0
node "$BENCH_DIR/driver/bench.mjs" --auth "$url_auth" --cart "$url_cart" --ceiling "$CEILING_URL" \
  --pids "$pids" --out "$out_dir/results.json" --note "$note" "${mode_args[@]}" "${driver_args[@]}" || driver_status=$?
[ -f "$out_dir/results.json" ] || die "the driver wrote no results"

hash_memory_kib=19456   # Auth.Api's parameters, unless a stored hash says otherwise
hash_iterations=2
stored=""
facts_file="$WORK/facts.json"
propagation_file="$WORK/propagation.json"
if $local_stack; then
  psql_in() { local db=$1 sql=$2; shift 2; "$(pg_bin psql)" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$db" -qAt -c "$sql" "$@"; }
  psql_auth() { psql_in authdb "$@"; }
  psql_cart() { psql_in cartdb "$@"; }
  count() { local value; value=$("$@" 2>/dev/null) || true; echo "${value:-null}"; }
  # The parameters Auth.Api really used: the PHC prefix of a hash it stored in this run.
  stored=$( (psql_auth "SELECT password FROM account WHERE password LIKE '\$argon2id\$%' LIMIT 1" || true) | cut -d'$' -f1-4)
  if [[ "$stored" =~ m=([0-9]+),t=([0-9]+),p=([0-9]+) ]]; then
    hash_memory_kib=${BASH_REMATCH[1]}
    hash_iterations=${BASH_REMATCH[2]}
  fi
  cat >"$facts_file" <<EOF
{"users": $(count psql_auth 'SELECT count(*) FROM "user"'),
 "anonymous users": $(count psql_auth 'SELECT count(*) FROM "user" WHERE "isAnonymous"'),
 "links recorded": $(count psql_auth 'SELECT count(*) FROM anonymous_link'),
 "outbox rows not yet published": $(count psql_auth 'SELECT count(*) FROM outbox_message WHERE published_at IS NULL'),
 "carts": $(count psql_cart 'SELECT count(*) FROM cart'),
 "events handled by Cart.Api": $(count psql_cart 'SELECT count(*) FROM inbox_message'),
 "Redis keys": $(count redis-cli -h 127.0.0.1 -p "$REDIS_PORT" dbsize)}
EOF
  # The link events' timestamps in both databases: where propagation time goes.
  psql_auth "SELECT event_id, round(extract(epoch FROM occurred_at) * 1000, 3), round(extract(epoch FROM published_at) * 1000, 3)
             FROM outbox_message WHERE published_at IS NOT NULL" -F, >"$WORK/outbox.csv" || true
  psql_cart "SELECT event_id, round(extract(epoch FROM processed_at) * 1000, 3) FROM inbox_message" -F, >"$WORK/inbox.csv" || true
  node "$BENCH_DIR/driver/propagation.mjs" "$WORK/outbox.csv" "$WORK/inbox.csv" >"$propagation_file" || rm -f "$propagation_file"
fi

info "Measuring one password hash: Argon2id m=$hash_memory_kib KiB, t=$hash_iterations${stored:+ (as stored: $stored)}"
samples=20
! $smoke || samples=3
dotnet "$BENCH_DIR/HashCost/bin/Release/net10.0/HashCost.dll" "$hash_memory_kib" "$hash_iterations" "$samples" >"$WORK/hash.json"
if [ -n "$stored" ]; then
  node -e 'const fs = require("fs"); const h = JSON.parse(fs.readFileSync(process.argv[1])); h.storedParameters = process.argv[2]; fs.writeFileSync(process.argv[1], JSON.stringify(h))' \
    "$WORK/hash.json" "$stored"
fi

if [ -n "$trace" ]; then
  info "Summarising the CPU profiles (top 60 frames by inclusive time)"
  for nettrace in "$BENCH_TRACE_DIR"/*.nettrace; do
    [ -f "$nettrace" ] || continue
    "$dotnet_trace" report "$nettrace" topN -n 60 --inclusive >"${nettrace%.nettrace}.top.txt" 2>&1 || true
  done
fi

# The receiver's own count: the telemetry really arrived.
receiver_url=""
[ "$telemetry" != export ] && [ "$telemetry" != export-all ] || receiver_url=$DASHBOARD_URL
! $apphost_stack || receiver_url=$APPHOST_DASHBOARD_URL
if [ -n "$receiver_url" ]; then
  python3 -c 'import json, sys; t = json.load(open(sys.argv[1])); t["tracesHeldAfterRun"] = None if sys.argv[2] == "null" else int(sys.argv[2]); json.dump(t, open(sys.argv[1], "w"))' \
    "$telemetry_file" "$(dashboard_trace_count "$receiver_url")"
fi

node "$BENCH_DIR/driver/report.mjs" --results "$out_dir/results.json" --md "$out_dir/results.md" \
  --hash "$WORK/hash.json" --facts "$facts_file" --propagation "$propagation_file" --telemetry "$telemetry_file" --chart chart.svg
python3 "$BENCH_DIR/chart.py" "$out_dir/results.json" "$out_dir/chart.svg"

info "Results: $out_dir/results.md (+ results.json, chart.svg); logs: $logs_dir"
if [ "$driver_status" -ne 0 ]; then
  die "a scenario had errors or completed nothing (see above)"
fi
if $smoke; then
  info "Smoke: every scenario completed with 0 errors"
fi
