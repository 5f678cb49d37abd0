#!/usr/bin/env bash
# Moves COUNT conversations in one `handoff transfer --sessions-file` run against
# `handoff simulate`, which allows the platform's 60 calls per rolling minute, and reports the
# time taken, the share of the budget used (COUNT calls in the fewest whole windows they need),
# how many the platform refused as rate-limited, and how many went out per state.
#
#   usage: benches/bulk-at-the-limit.sh [path/to/handoff] [count]   (default: target/release/handoff, 120)
set -euo pipefail
BIN=${1:-target/release/handoff}
COUNT=${2:-120}
[[ -x $BIN ]] || { echo "no executable at $BIN (cargo build --release)" >&2; exit 1; }

source "$(dirname "$0")/simulator.sh"
start_simulator "$BIN"

for n in $(seq "$COUNT"); do printf "c0ffee00aaaaaaaa%08x\n" "$n"; done >"$WORK/sessions"
start=$(date +%s.%N)
code=0
"$BIN" "${ARGS[@]}" transfer --sessions-file "$WORK/sessions" --queue Billing --json \
  >"$WORK/out" 2>"$WORK/err" || code=$?
end=$(date +%s.%N)
echo "exit $code"
grep -o '"state":"[a-z ]*"' "$WORK/out" | sort | uniq -c
echo "refused as rate-limited: $(grep -c '"reason":"rate-limited"' "$WORK/out" || true)"
awk -v n="$COUNT" -v s="$start" -v e="$end" 'BEGIN{
  windows = int((n - 1) / 60);  # the first 60 go at once; each further 60 a minute later
  printf "%d transfers in %.1f s (ideal %d s: %.1f%% of the budget used)\n", n, e - s, windows * 60, (windows * 60) / (e - s) * 100
}'
