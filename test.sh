#!/usr/bin/env bash
# Runs every test: unit, real PostgreSQL/Redis, distributed (Aspire) and browser tests.
set -euo pipefail
cd "$(dirname "$0")"
. eng/prerequisites.sh

require_dotnet
require_local_infrastructure
require_browser
require_node_packages

# Aspire's orchestrator (DCP) finishes tearing down processes shortly after a test host exits;
# wait for it (bounded) so no server is left running.
wait_for_orchestrator_exit() {
  for _ in $(seq 1 60); do
    pgrep -f 'aspire.hosting.orchestration.*/dcp' >/dev/null 2>&1 || return 0
    sleep 1
  done
  pkill -f 'aspire.hosting.orchestration.*/dcp' || true
}
trap wait_for_orchestrator_exit EXIT

info "Building"
dotnet build AspireAuth.sln -c Release -nologo -v quiet

# The coherent caches are a removable layer: every test runs with them on and off (README, "Caching").
# Tests about the cache itself force it on; everything else follows Caching__Enabled.
for caching in true false; do
  info "Testing with Caching:Enabled=$caching"
  Caching__Enabled=$caching dotnet test AspireAuth.sln -c Release --no-build --nologo --logger "console;verbosity=minimal"
done

info "Benchmark smoke run: every scenario briefly, 0 errors required (bench/README.md)"
bench/run.sh --smoke --caching both
