#!/usr/bin/env bash
# Three supervisors of one account, each on a data folder of their own (as on three machines),
# each move COUNT conversations at once with `handoff transfer --sessions-file`, against
# `handoff simulate` (60 calls per rolling minute) and one local redis-server as the team's
# Redis. Reports the time taken, how many the platform refused as rate-limited, and the states.
#
#   usage: benches/team-budget.sh [path/to/handoff] [count]   (default: target/release/handoff, 60)
set -euo pipefail
BIN=${1:-target/release/handoff}
COUNT=${2:-60}
[[ -x $BIN ]] || { echo "no executable at $BIN (cargo build --release)" >&2; exit 1; }
command -v redis-server >/dev/null || { echo "needs redis-server (apt-get install redis-server)" >&2; exit 1; }

source "$(dirname "$0")/simulator.sh"
start_simulator "$BIN"
CONFIG=${ARGS[1]}

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no >"$WORK/redis" &
REDIS=$!
trap 'kill $SIMULATOR $REDIS 2>/dev/null || true; rm -rf "$WORK"' EXIT
until grep -qs "Ready to accept connections" "$WORK/redis"; do sleep 0.1; done

# The simulator's config names its roster beside it; the copies below sit beside this one.
cp "$(dirname "$CONFIG")/roster.toml" "$WORK/roster.toml"
for n in 1 2 3; do
  mkdir -p "$WORK/data$n"
  { cat "$CONFIG"; printf '\n[team]\nredis_url = "redis://127.0.0.1:%s"\nname = "sup%s"\n' "$PORT" "$n"; } >"$WORK/config$n.toml"
  chmod 600 "$WORK/config$n.toml"
  for i in $(seq "$COUNT"); do printf "c0ffee%02xaaaaaaaa%08x\n" "$n" "$i"; done >"$WORK/sessions$n"
done

start=$(date +%s.%N)
for n in 1 2 3; do
  "$BIN" --config "$WORK/config$n.toml" --data-dir "$WORK/data$n" transfer \
    --sessions-file "$WORK/sessions$n" --queue Billing --json >"$WORK/out$n" 2>"$WORK/err$n" &
  RUNS[$n]=$!
done
for n in 1 2 3; do
  code=0
  wait "${RUNS[$n]}" || code=$?
  echo "supervisor $n: exit $code, $(grep -c '"state"' "$WORK/out$n" || true) transfers"
done
end=$(date +%s.%N)
cat "$WORK"/out? | grep -o '"state":"[a-z ]*"' | sort | uniq -c
echo "refused as rate-limited: $(cat "$WORK"/out? | grep -c '"reason":"rate-limited"' || true)"
awk -v n="$((3 * COUNT))" -v s="$start" -v e="$end" 'BEGIN{
  printf "%d transfers by 3 processes in %.1f s\n", n, e - s
}'
