# Sourced by bench/run.sh: starts the stack the benchmark measures, and tears it down.
#
# Everything runs directly on loopback ports chosen free at start: a throw-away PostgreSQL 15
# cluster (initdb into a temporary folder; as root it runs as the 'postgres' user), a redis-server
# with Auth.Api's local-mode settings, Auth.Api and Cart.Api from their Release builds
# (Production environment, rate limits off) and the bare Kestrel ceiling. Each process is started
# with a parent-death signal, so none outlives this script even if it is killed; stack_stop
# (run from the script's EXIT trap) stops them in order and waits for each to exit.
#
# Needs: REPO (repository root), WORK (a private temporary folder), info/die from
# eng/prerequisites.sh; PG_OPTIONS (extra "-c name=value" words), REDIS_OPTIONS (extra "--name value" words) and SERVICE_ENV (extra
# KEY=VALUE words), each possibly empty. Sets: the *_PORT, *_PID and *_URL variables below.

STACK_PIDS=()       # started processes, in start order; stopped in reverse
STACK_NAMES=()

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
    [ "$SECONDS" -lt "$deadline" ] || { tail -n 30 "$WORK/logs/$what.log" >&2 || true; die "$what not ready after ${seconds}s"; }
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
  local name=$1 dll=$2 db=$3 port
  [ -f "$dll" ] || die "$dll is missing: build it first (bench/run.sh builds it unless --no-build)"
  port=$(free_port)
  # The content root is the build output, as in a deployment: appsettings.json (log levels) is there.
  stack_spawn "$name" -- env \
    ASPNETCORE_ENVIRONMENT=Production \
    ASPNETCORE_CONTENTROOT="$(dirname "$dll")" \
    ASPNETCORE_URLS="http://127.0.0.1:$port" \
    "ConnectionStrings__$db=$PG_CONNECTION;Database=$db${CONNECTION_EXTRA:-}" \
    ConnectionStrings__redis="127.0.0.1:$REDIS_PORT" \
    Auth__Secret="$BENCH_AUTH_SECRET" \
    Auth__RateLimit__Enabled=false \
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
}
