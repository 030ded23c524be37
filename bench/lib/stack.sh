# Sourced by bench/run.sh: starts the stack the benchmark measures, and tears it down.
#
# Everything runs directly on loopback ports chosen free at start: a throw-away PostgreSQL 15
# cluster (initdb into a temporary folder; as root it runs as the 'postgres' user), a redis-server
# with Auth.Api's local-mode settings, Auth.Api and Cart.Api from their Release builds
# (Production environment, rate limits off) and the bare Kestrel ceiling. Each process is started
# with a parent-death signal, so none outlives this script even if it is killed; stack_stop
# (run from the script's EXIT trap) stops them in order and waits for each to exit.
#
# Telemetry (bench/README.md, "Telemetry modes"): start_dashboard runs the standalone Aspire dashboard
# as a real OTLP receiver, and TELEMETRY_ENV (KEY=VALUE words, possibly empty) points the services at it.
# start_apphost instead runs the whole app under the AppHost (the dev loop) and finds its processes.
#
# Needs: REPO (repository root), WORK (a private temporary folder), info/die from
# eng/prerequisites.sh; PG_OPTIONS (extra "-c name=value" words), REDIS_OPTIONS (extra "--name value" words) and SERVICE_ENV (extra
# KEY=VALUE words), each possibly empty. Sets: the *_PORT, *_PID and *_URL variables below.

STACK_PIDS=()       # started processes, in start order; stopped in reverse
STACK_NAMES=()
STACK_ORPHANS=()    # processes a started one started but does not parent (DCP): must be gone after stack_stop
TELEMETRY_ENV=()
APPHOST_ARGS=()     # extra AppHost arguments (start_apphost)

pg_bin() {
  local dir
  for dir in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    [ -x "$dir/$1" ] && { echo "$dir/$1"; return; }
  done
  command -v "$1" || die "PostgreSQL's $1 not found (apt-get install postgresql)"
}

# A TCP port nothing listens on now (the kernel picks it; a tiny race, acceptable on loopback).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# setpriv options that drop to the unprivileged 'postgres' user when we are root (PostgreSQL refuses root).
postgres_user_options() {
  [ "$(id -u)" -ne 0 ] || echo "--reuid=postgres --regid=postgres --init-groups"
}

# Starts "$@" in the background, output in $WORK/logs/<name>.log, killed (SIGKILL) should this
# script die without stopping it. Sets SPAWNED_PID. (Not to be called in $(...): the process
# must be this shell's child.) Options for setpriv may come first, before "--".
stack_spawn() {
  local name=$1
  shift
  local options=()
  while [ "$1" != "--" ]; do options+=("$1"); shift; done
  shift
  setpriv --pdeathsig KILL "${options[@]}" "$@" >"$WORK/logs/$name.log" 2>&1 &
  SPAWNED_PID=$!
  STACK_PIDS+=("$SPAWNED_PID")
  STACK_NAMES+=("$name")
}

# Waits (bounded) until a command succeeds; the process that should answer must stay alive.
wait_until() {
  local what=$1 pid=$2 seconds=$3
  shift 3
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { tail -n 30 "$WORK/logs/$what.log" >&2 || true; die "$what exited during start-up (log above)"; }
    [ "$SECONDS" -lt "$deadline" ] || { tail -n 30 "$WORK/logs/$what.log" >&2 || true; die "$what not ready after ${seconds}s${WAITING_FOR:+ (waiting for $WAITING_FOR)}"; }
    sleep 0.2
  done
}

http_ok() { curl -fsS -o /dev/null --max-time 2 "$1"; }

start_postgres() {
  PG_PORT=$(free_port)
  local data="$WORK/postgres"
  mkdir -p "$data"
  chmod 700 "$data"
  [ "$(id -u)" -ne 0 ] || chown postgres: "$data"
  # shellcheck disable=SC2046 # the options are words
  setpriv $(postgres_user_options) "$(pg_bin initdb)" --pgdata "$data" --username postgres --auth trust \
    --encoding UTF8 --no-locale --no-instructions >"$WORK/logs/initdb.log" 2>&1 \
    || { cat "$WORK/logs/initdb.log" >&2; die "initdb failed"; }
  # As the AppHost's local mode runs it: defaults, loopback TCP only, no Unix socket.
  # shellcheck disable=SC2046
  stack_spawn postgres $(postgres_user_options) -- "$(pg_bin postgres)" -D "$data" -p "$PG_PORT" \
    -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_connections=200 "${PG_OPTIONS[@]}"
  PG_PID=$SPAWNED_PID
  wait_until postgres "$PG_PID" 60 "$(pg_bin pg_isready)" -h 127.0.0.1 -p "$PG_PORT" -U postgres
  local db
  for db in authdb cartdb; do
    "$(pg_bin psql)" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -qAt -c "CREATE DATABASE $db" >/dev/null
  done
  PG_CONNECTION="Host=127.0.0.1;Port=$PG_PORT;Username=postgres"
}

start_redis() {
  REDIS_PORT=$(free_port)
  mkdir -p "$WORK/redis"
  # Auth.Api's local-mode settings: append-only file fsynced each second, no snapshots.
  stack_spawn redis -- redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$WORK/redis" \
    --appendonly yes --appendfsync everysec --save "" "${REDIS_OPTIONS[@]}"
  REDIS_PID=$SPAWNED_PID
  wait_until redis "$REDIS_PID" 30 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping
}

# start_service NAME DLL DB-NAME: a service from its Release build, as production runs it.
# Sets SERVICE_PID and SERVICE_PORT.
start_service() {
  local name=$1 dll=$2 db=$3 port telemetry=()
  [ -f "$dll" ] || die "$dll is missing: build it first (bench/run.sh builds it unless --no-build)"
  port=$(free_port)
  [ ${#TELEMETRY_ENV[@]} -eq 0 ] || telemetry=("OTEL_SERVICE_NAME=$name" "${TELEMETRY_ENV[@]}")
  # The content root is the build output, as in a deployment: appsettings.json (log levels) is there.
  stack_spawn "$name" -- env \
    ASPNETCORE_ENVIRONMENT=Production \
    ASPNETCORE_CONTENTROOT="$(dirname "$dll")" \
    ASPNETCORE_URLS="http://127.0.0.1:$port" \
    "ConnectionStrings__$db=$PG_CONNECTION;Database=$db${CONNECTION_EXTRA:-}" \
    ConnectionStrings__redis="127.0.0.1:$REDIS_PORT" \
    Auth__Secret="$BENCH_AUTH_SECRET" \
    Auth__RateLimit__Enabled=false \
    "${telemetry[@]}" \
    "${SERVICE_ENV[@]}" "${MODE_ENV[@]}" \
    dotnet "$dll"
  SERVICE_PID=$SPAWNED_PID
  SERVICE_PORT=$port
  # Migrations run before Kestrel listens; /health includes the database and Redis checks.
  wait_until "$name" "$SERVICE_PID" 120 http_ok "http://127.0.0.1:$port/health"
}

start_ceiling() {
  CEILING_PORT=$(free_port)
  stack_spawn ceiling -- env ASPNETCORE_URLS="http://127.0.0.1:$CEILING_PORT" \
    dotnet "$BENCH_DIR/Ceiling/bin/Release/net10.0/Ceiling.dll"
  CEILING_PID=$SPAWNED_PID
  CEILING_URL="http://127.0.0.1:$CEILING_PORT"
  wait_until ceiling "$CEILING_PID" 60 http_ok "$CEILING_URL/"
}

# The standalone Aspire dashboard of the AppHost's Aspire version (the one `dotnet run --project AppHost`
# starts), from the NuGet cache, as a real OTLP receiver on loopback: OTLP/gRPC, browser frontend and its
# telemetry HTTP API unsecured (loopback only). Sets DASHBOARD_PID, DASHBOARD_URL, DASHBOARD_OTLP_URL.
dashboard_binary() {
  local version rid packages binary
  version=$(sed -n 's|.*<AspireVersion>\(.*\)</AspireVersion>.*|\1|p' "$REPO/Directory.Packages.props")
  case "$(uname -m)" in x86_64) rid=linux-x64 ;; aarch64) rid=linux-arm64 ;; *) die "no Aspire dashboard for $(uname -m)" ;; esac
  packages=${NUGET_PACKAGES:-$HOME/.nuget/packages}
  binary="$packages/aspire.dashboard.sdk.$rid/$version/tools/Aspire.Dashboard"
  if [ ! -x "$binary" ]; then
    # The AppHost depends on it: restoring the AppHost brings it into the cache.
    dotnet restore "$REPO/AppHost/AppHost.csproj" -v quiet >/dev/null || die "dotnet restore AppHost failed"
  fi
  [ -x "$binary" ] || die "the Aspire dashboard $version is not at $binary"
  echo "$binary"
}

start_dashboard() {
  local binary port otlp_port
  binary=$(dashboard_binary)
  DASHBOARD_VERSION=$(basename "$(dirname "$(dirname "$binary")")")
  port=$(free_port)
  otlp_port=$(free_port)
  stack_spawn dashboard -- env \
    ASPNETCORE_URLS="http://127.0.0.1:$port" \
    ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL="http://127.0.0.1:$otlp_port" \
    Dashboard__Frontend__AuthMode=Unsecured \
    Dashboard__Otlp__AuthMode=Unsecured \
    Dashboard__Api__Enabled=true \
    Dashboard__Api__AuthMode=Unsecured \
    "$binary"
  DASHBOARD_PID=$SPAWNED_PID
  DASHBOARD_URL="http://127.0.0.1:$port"
  DASHBOARD_OTLP_URL="http://127.0.0.1:$otlp_port"
  wait_until dashboard "$DASHBOARD_PID" 60 http_ok "$DASHBOARD_URL/api/telemetry/resources"
}

# How many traces a dashboard holds (it keeps at most its Dashboard:TelemetryLimits:MaxTraceCount, 10,000).
dashboard_trace_count() {
  curl -fsS --max-time 10 "$1/api/telemetry/traces?limit=1" 2>/dev/null \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["totalCount"])' 2>/dev/null || echo null
}

# The descendants of a pid, one "pid args" line each.
descendants() {
  ps -e -o pid=,ppid=,args= | awk -v root="$1" '
    { parent[$1] = $2; line[$1] = $0 }
    END {
      for (pid in parent) {
        for (p = parent[pid]; p != "" && p != 0; p = parent[p]) if (p == root) { sub(/^ *[0-9]+ +[0-9]+ +/, "", line[pid]); print pid, line[pid]; break }
      }
    }'
}

# The first descendant of DCP_CTRL_PID whose command line matches an extended regex.
dcp_child() { descendants "$DCP_CTRL_PID" | grep -E -m1 "^[0-9]+ ($1)" | cut -d' ' -f1; }

# The whole app under the AppHost in local infrastructure mode, as the dev loop runs it (Development,
# Aspire's dashboard receiving every service's telemetry, always_on, every endpoint behind DCP's proxy),
# from its Release build, on free ports: DCP's proxies on random ports (as Aspire's tests run it), the
# dashboard's on ports chosen here. Its data (PostgreSQL, Redis) in $WORK. Rate limits off through the
# environment every resource inherits. Sets APPHOST_PID, APPHOST_DASHBOARD_URL (its dashboard, as the
# AppHost prints it), AUTH_URL and CART_URL (the proxied endpoints, as Web reaches them) and the *_PID of its processes.
start_apphost() {
  local port otlp_port resource_port
  local apphost="$REPO/AppHost/bin/Release/net10.0/AppHost.dll"
  [ -f "$apphost" ] || die "$apphost is missing: build it first (bench/run.sh builds it unless --no-build)"
  port=$(free_port)
  otlp_port=$(free_port)
  resource_port=$(free_port)
  APPHOST_DATA="$WORK/apphost"
  mkdir -p "$APPHOST_DATA"
  chmod 755 "$APPHOST_DATA"
  # Secrets given as parameters, so nothing is generated into the AppHost's user secrets.
  stack_spawn apphost -- env \
    ASPNETCORE_ENVIRONMENT=Development \
    DOTNET_ENVIRONMENT=Development \
    ASPNETCORE_URLS="http://127.0.0.1:$port" \
    ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL="http://127.0.0.1:$otlp_port" \
    ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL="http://127.0.0.1:$resource_port" \
    ASPIRE_ALLOW_UNSECURED_TRANSPORT=true \
    ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS=true \
    ASPIRE_VERSION_CHECK_DISABLED=true \
    Auth__RateLimit__Enabled=false \
    "${SERVICE_ENV[@]}" \
    dotnet "$apphost" \
    --Infrastructure:Mode=local \
    "--Infrastructure:DataDirectory=$APPHOST_DATA" \
    --DcpPublisher:RandomizePorts=true \
    "--Parameters:auth-secret=$BENCH_AUTH_SECRET" \
    "--Parameters:trailhead-client-secret=$BENCH_AUTH_SECRET" \
    "${APPHOST_ARGS[@]}"
  APPHOST_PID=$SPAWNED_PID
  wait_until apphost "$APPHOST_PID" 240 apphost_ready
  # DCP's proxy moves the dashboard to a random port too: the AppHost prints where.
  APPHOST_DASHBOARD_URL=$(sed -n 's|^ *- Dashboard: *\(http[^ ]*\).*|\1|p' "$WORK/logs/apphost.log" | head -n1)
}

# True once the AppHost's processes are found and Auth.Api and Cart.Api answer /health through DCP's proxy.
apphost_ready() {
  # DCP detaches from the AppHost (the AppHost's child starts a copy under init and exits) and watches it:
  # the API server is the process that monitors the AppHost's pid and runs the controllers.
  WAITING_FOR="DCP"
  DCP_PID="" DCP_CTRL_PID=""
  local candidate
  for candidate in $(pgrep -f -- "dcp start-apiserver --monitor $APPHOST_PID( |$)"); do
    DCP_CTRL_PID=$(pgrep -P "$candidate" -f -- "run-controllers" | head -n1)
    if [ -n "$DCP_CTRL_PID" ]; then DCP_PID=$candidate; break; fi
  done
  [ -n "$DCP_PID" ] || return 1
  WAITING_FOR="Web (whose environment names the endpoints)"
  local web web_env
  web=$(dcp_child "$REPO/Web/bin/Release/net10.0/Web( |$)")
  [ -n "$web" ] || return 1
  # Web's own configuration names the endpoints it calls: DCP's proxies (localhost = 127.0.0.1 there).
  web_env=$(tr '\0' '\n' <"/proc/$web/environ" 2>/dev/null) || return 1
  AUTH_URL=$(sed -n 's|^services__auth-api__http__0=||p' <<<"$web_env" | sed 's|//localhost:|//127.0.0.1:|')
  CART_URL=$(sed -n 's|^services__cart-api__http__0=||p' <<<"$web_env" | sed 's|//localhost:|//127.0.0.1:|')
  [ -n "$AUTH_URL" ] && [ -n "$CART_URL" ] || return 1
  WAITING_FOR="$AUTH_URL/health and $CART_URL/health"
  http_ok "$AUTH_URL/health" && http_ok "$CART_URL/health" || return 1
  WAITING_FOR="the AppHost's processes"
  AUTH_PID=$(dcp_child "$REPO/Auth.Api/bin/Release/net10.0/Auth.Api( |$)")
  CART_PID=$(dcp_child "$REPO/Cart.Api/bin/Release/net10.0/Cart.Api( |$)")
  PG_PID=$(dcp_child "[^ ]*postgres -D $APPHOST_DATA/")
  REDIS_PID=$(dcp_child "[^ ]*redis-server ")
  DASHBOARD_PID=$(dcp_child "[^ ]*/Aspire.Dashboard( |$)")
  [ -n "$AUTH_PID" ] && [ -n "$CART_PID" ] && [ -n "$PG_PID" ] && [ -n "$REDIS_PID" ] && [ -n "$DASHBOARD_PID" ] || return 1
  # DCP's own processes (its API server, its controllers, which also run the endpoint proxies, and its
  # process monitors), and everything else it runs: Web, Trailhead ID, the `dotnet run` launchers.
  DCP_PIDS=("$DCP_PID" "$DCP_CTRL_PID")
  APPHOST_OTHER_PIDS=()
  local pid args
  while read -r pid args; do
    case " $AUTH_PID $CART_PID $DASHBOARD_PID $PG_PID $REDIS_PID " in *" $pid "*) continue ;; esac
    case " $PG_PID $REDIS_PID " in *" $(ps -o ppid= -p "$pid" | tr -d ' ') "*) continue ;; esac   # in their trees
    if [[ "$args" == *"dcp monitor-process "* ]]; then DCP_PIDS+=("$pid"); else APPHOST_OTHER_PIDS+=("$pid"); fi
  done < <(descendants "$DCP_CTRL_PID")
  STACK_ORPHANS=("${DCP_PIDS[@]}" "$AUTH_PID" "$CART_PID" "$PG_PID" "$REDIS_PID" "$DASHBOARD_PID" "${APPHOST_OTHER_PIDS[@]}")
}

# Stops every started process, newest first: SIGTERM (PostgreSQL: SIGINT, its fast shutdown),
# then up to 20 s for it to exit, then SIGKILL. Safe to call twice.
stack_stop() {
  local i pid name signal
  for ((i = ${#STACK_PIDS[@]} - 1; i >= 0; i--)); do
    pid=${STACK_PIDS[$i]}
    name=${STACK_NAMES[$i]}
    kill -0 "$pid" 2>/dev/null || continue
    signal=TERM
    [ "$name" != postgres ] || signal=INT
    kill -s "$signal" "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 20))
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      info "$name ($pid) did not stop in 20 s; killing it"
      kill -s KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  STACK_PIDS=()
  STACK_NAMES=()
  # What the AppHost's DCP ran: DCP stops it once the AppHost is gone; whatever is left after 60 s is killed.
  if [ ${#STACK_ORPHANS[@]} -gt 0 ]; then
    local deadline=$((SECONDS + 60)) left
    while :; do
      left=()
      for pid in "${STACK_ORPHANS[@]}"; do ! kill -0 "$pid" 2>/dev/null || left+=("$pid"); done
      [ ${#left[@]} -gt 0 ] && [ "$SECONDS" -lt "$deadline" ] || break
      sleep 0.2
    done
    if [ ${#left[@]} -gt 0 ]; then
      info "still running 60 s after the AppHost stopped, killed: ${left[*]}"
      kill -s KILL "${left[@]}" 2>/dev/null || true
    fi
    STACK_ORPHANS=()
  fi
}
