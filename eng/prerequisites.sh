# Sourced by run.sh and test.sh: makes sure what the app and its tests need is on the machine,
# installing it with apt-get where possible, or stops with a message that says what to do.

info() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
die() { printf '\033[1;31mError:\033[0m %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root to run: $* (install sudo or run this as root)"
  fi
}

apt_updated=""
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "missing: $* — install it with your package manager, then run again."
  if [ -z "$apt_updated" ]; then
    info "apt-get update"
    as_root apt-get update -qq
    apt_updated=1
  fi
  info "apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

require_dotnet() {
  command -v dotnet >/dev/null 2>&1 \
    || die "the .NET 10 SDK is missing: see https://learn.microsoft.com/dotnet/core/install/linux-debian, then run again."
  dotnet --list-sdks | grep -q '^10\.' \
    || die "the .NET 10 SDK is required (found: $(dotnet --list-sdks | tr '\n' ' ')). Install it, then run again."
}

postgres_installed() {
  command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1
}

# Local infrastructure mode runs the machine's own PostgreSQL and Redis (no Docker needed).
require_local_infrastructure() {
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  # Debian's redis-server package starts a system service on 6379; ours runs on its own port.
  postgres_installed || apt_install postgresql
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    die "running as root, PostgreSQL must run as the 'postgres' user, which does not exist: apt-get install postgresql creates it."
  fi
  command -v setpriv >/dev/null 2>&1 || [ "$(id -u)" -ne 0 ] || apt_install util-linux
}

require_browser() {
  command -v chromium >/dev/null 2>&1 || apt_install chromium
}

# Better Auth's own JavaScript client, which a test runs against Auth.Api: exactly the versions
# in tests/js-client/package-lock.json, reinstalled whenever the lock file changes.
require_node_packages() {
  command -v node >/dev/null 2>&1 || apt_install nodejs
  command -v npm >/dev/null 2>&1 || apt_install npm
  local dir=tests/js-client
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    info "npm ci in $dir"
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >/dev/null \
      || die "npm ci in $dir failed: see the npm output above, fix it, then run again."
  fi
}

export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1
export ASPIRE_VERSION_CHECK_DISABLED=true
