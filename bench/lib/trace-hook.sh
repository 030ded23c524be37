#!/usr/bin/env bash
# Run by the driver (--hook) at the start of each measured window when bench/run.sh --trace is
# given: records a CPU profile (dotnet-trace collect-linux, kernel CPU samples with managed
# stacks) of each traced service for the window, into $BENCH_TRACE_DIR/<scenario>-<service>.nettrace.
# Environment: BENCH_SCENARIO, BENCH_SECONDS (from the driver); BENCH_TRACE ("name=pid ..."),
# BENCH_TRACE_DIR, BENCH_TRACE_TOOL (from run.sh).
set -euo pipefail

seconds=$BENCH_SECONDS
duration=$(printf '00:%02d:%02d:%02d' $((seconds / 3600)) $((seconds % 3600 / 60)) $((seconds % 60)))
for entry in $BENCH_TRACE; do
  name=${entry%%=*}
  pid=${entry#*=}
  file="$BENCH_TRACE_DIR/$BENCH_SCENARIO-$name"
  "$BENCH_TRACE_TOOL" collect-linux -p "$pid" --profile cpu-sampling --duration "$duration" -o "$file.nettrace" \
    >"$file.log" 2>&1 &
done
wait
