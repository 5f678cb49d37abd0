#!/usr/bin/env bash
# Runs `handoff transfer` RUNS times back to back against `handoff simulate`, which allows the
# platform's 60 calls per minute, and reports the exit codes, how many runs said they waited for
# the account's budget, how many the platform refused as rate-limited, and the time taken. The
# runs share one data folder, so they share one budget: none should be refused.
#
#   usage: benches/back-to-back.sh [path/to/handoff] [runs]   (default: target/release/handoff, 72)
set -euo pipefail
BIN=${1:-target/release/handoff}
RUNS=${2:-72}
[[ -x $BIN ]] || { echo "no executable at $BIN (cargo build --release)" >&2; exit 1; }

source "$(dirname "$0")/simulator.sh"
start_simulator "$BIN"

start=$(date +%s.%N)
declare -A codes=()
waited=0
refused=0
for n in $(seq "$RUNS"); do
  session=$(printf "6538f8a3c9cf425ee5cf%04x" "$n")
  code=0
  "$BIN" "${ARGS[@]}" transfer --session "$session" --agent "Dana Whitfield" \
    >"$WORK/out" 2>"$WORK/err" || code=$?
  codes[$code]=$(( ${codes[$code]:-0} + 1 ))
  grep -q "waiting" "$WORK/err" && waited=$((waited + 1))
  grep -q "rate-limited" "$WORK/out" && refused=$((refused + 1))
done
end=$(date +%s.%N)
for code in "${!codes[@]}"; do echo "exit $code: ${codes[$code]} runs"; done
echo "said they waited for the budget: $waited"
echo "refused as rate-limited: $refused"
awk "BEGIN{printf \"%d runs in %.1f s\n\", $RUNS, $end - $start}"
