#!/usr/bin/env bash
# The bigger fault run (issue 12): tests/Fault.Tests' seeded random schedule with 1,000 guests.
# The whole AppHost runs in local mode (PostgreSQL and Redis as executables); guests fill carts
# (through Web and straight to Cart.Api) and sign up while Cart.Api, Auth.Api, Redis and PostgreSQL
# are SIGKILLed and restarted. Prints the verdict line and writes bench/results/fault-run.md.
#
#   bench/fault-run.sh                     1,000 guests, a fresh seed (printed)
#   FAULT_SEED=4242 bench/fault-run.sh     repeat a run's schedule and workload
#   FAULT_GUESTS=2000 FAULT_PARALLELISM=16 bench/fault-run.sh
#
# Every resource's console output and the run's timeline go to bench/results/tmp/fault-run/.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
# shellcheck source=../eng/prerequisites.sh
. eng/prerequisites.sh

require_dotnet
require_local_infrastructure

export FAULT_GUESTS=${FAULT_GUESTS:-1000}
export FAULT_SEED=${FAULT_SEED:-$(( (RANDOM << 15) | RANDOM ))}
export FAULT_PARALLELISM=${FAULT_PARALLELISM:-8}
export FAULT_REPORT_DIR="$REPO/bench/results/tmp/fault-run"
(( FAULT_GUESTS >= 1000 )) || info "FAULT_GUESTS=$FAULT_GUESTS: the run of record needs at least 1000"

info "Building (Release)"
dotnet build tests/Fault.Tests -c Release -nologo -v quiet

info "Fault run: $FAULT_GUESTS guests, $FAULT_PARALLELISM at once, seed $FAULT_SEED"
started=$(date +%s)
status=0
dotnet test tests/Fault.Tests -c Release --no-build --nologo \
  --filter "FullyQualifiedName~seeded_random_schedule" --logger "console;verbosity=minimal" || status=$?
minutes=$(( ($(date +%s) - started + 59) / 60 ))

summary=$(ls -td "$FAULT_REPORT_DIR"/random-*/summary.txt 2>/dev/null | head -1)
[[ -n "$summary" ]] || die "the run wrote no summary (see the test output above)"
verdict=$(head -1 "$summary")
faults=$(grep -c '^t+ *[0-9.]*s FAULT ' "$summary" || true)

cat > bench/results/fault-run.md <<MD
| guests | at once | seed | faults | minutes | result |
|---|---|---|---|---|---|
| $FAULT_GUESTS | $FAULT_PARALLELISM | $FAULT_SEED | $faults | $minutes | \`$verdict\` |

Machine: $(nproc) cores, $(uname -sr); run on $(date -u +%Y-%m-%d) at commit $(git rev-parse --short HEAD).
Details (every failure, the timeline): \`${summary#"$REPO"/}\`.
MD

echo
echo "$verdict"
echo "details: $summary"
exit "$status"
