#!/usr/bin/env bash
# What idle consoles spend of the account's 60 calls a minute on reads (issue 19). Starts
# `handoff simulate` with OPEN conversations open, 120 agents and 7 queues, all in its roster,
# reporting every minute the calls it received, and CONSOLES consoles left idle in a private
# tmux. The first minute is left out (the consoles start in it, and start-up reads the whole
# directory); each following minute's calls are printed by kind, then their average, then what
# the first console's conversation list showed. More than one console are a team, as on as many
# machines: each a data folder of its own, one local redis-server.
#
#   usage: benches/read-cost.sh [path/to/handoff] [open] [minutes] [consoles]
#          (default: target/release/handoff, 300, 3, 1); it takes MINUTES + 1 minutes
set -euo pipefail
BIN=${1:-target/release/handoff}
OPEN=${2:-300}
MINUTES=${3:-3}
CONSOLES=${4:-1}
[[ -x $BIN ]] || { echo "no executable at $BIN (cargo build --release)" >&2; exit 1; }
command -v tmux >/dev/null || { echo "tmux is required" >&2; exit 1; }
if (( CONSOLES > 1 )) && ! command -v redis-server >/dev/null; then
  echo "skipped: $CONSOLES consoles are a team, and a team needs redis-server (apt-get install redis-server)" >&2
  exit 0
fi

source "$(dirname "$0")/simulator.sh"
start_simulator "$BIN" --open "$OPEN" --agents 120 --queues 7 --report-calls
CONFIG=${ARGS[1]}
SOCK="$WORK/tmux"
t() { tmux -S "$SOCK" -f /dev/null "$@"; }
REDIS=
# Ctrl-c (SIGINT) lets the simulator remove the folder it wrote its config and secret to.
trap 't kill-server 2>/dev/null || true; kill -INT $SIMULATOR 2>/dev/null || true;
      [[ -z $REDIS ]] || kill $REDIS 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"' EXIT

if (( CONSOLES > 1 )); then
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no >"$WORK/redis" &
  REDIS=$!
  until grep -qs "Ready to accept connections" "$WORK/redis"; do sleep 0.1; done
  # The simulator's config names its roster beside it; the copies below sit beside this one.
  cp "$(dirname "$CONFIG")/roster.toml" "$WORK/roster.toml"
fi
for n in $(seq "$CONSOLES"); do
  if (( CONSOLES > 1 )); then
    mkdir -p "$WORK/data$n"
    { cat "$CONFIG"; printf '\n[team]\nredis_url = "redis://127.0.0.1:%s"\nname = "sup%s"\n' "$PORT" "$n"; } >"$WORK/config$n.toml"
    chmod 600 "$WORK/config$n.toml"
    console="$BIN --config $WORK/config$n.toml --data-dir $WORK/data$n"
  else
    console="$BIN ${ARGS[*]}"
  fi
  t new-session -d -s "console$n" -x 160 -y 45 "$console"
done
for n in $(seq "$CONSOLES"); do
  for _ in $(seq 100); do
    t capture-pane -p -t "console$n" | grep -q "Paste or type" && break
    sleep 0.1
  done
done
echo "$CONSOLES idle console(s) against $OPEN open conversations, 120 agents, 7 queues; $((MINUTES + 1)) minutes"

reports() { grep -c 'calls in the last minute:' "$WORK/simulator" || true; }
until (( $(reports) > MINUTES )); do sleep 1; done
grep 'calls in the last minute:' "$WORK/simulator" | sed -n "2,$((MINUTES + 1))p" >"$WORK/minutes"
n=1
while read -r line; do
  n=$((n + 1))
  echo "minute $n: ${line#* calls in the last minute: }"
done <"$WORK/minutes"
# Each line's numbers in order: the total, then each kind as the line names them.
sed 's/^.*minute: //; s/[^0-9]\+/ /g' "$WORK/minutes" | awk -v from=2 -v to=$((MINUTES + 1)) '
  { for (i = 1; i <= NF; i++) sum[i] += $i; fields = NF; lines++ }
  END {
    split("conversation list pages,agent list pages,availability,queue stats,queue list pages,queue performance pages,assign,other", kind, ",")
    printf "average of minutes %d to %d: %.1f (", from, to, sum[1] / lines
    for (i = 2; i <= fields; i++) printf "%s%s %.1f", (i > 2 ? ", " : ""), kind[i - 1], sum[i] / lines
    print ")"
  }'
echo "console 1 showed:"
t capture-pane -p -t console1 >"$WORK/screen"
grep -oE '[0-9]+ conversation\(s\)[^─]*' "$WORK/screen" | sed 's/^/  /' || true
# The log, right of the target picker: its entries joined again where they wrapped, the notes
# that reading the list had to stop or work around.
awk -F'││' 'NF > 1 {
    line = $NF; sub(/ *│ *$/, "", line)
    if (line ~ /^[0-9][0-9]:[0-9][0-9]:[0-9][0-9] · /) { if (entry != "") print entry; entry = line }
    else { sub(/^ +/, "", line); if (line != "") entry = entry " " line }
  } END { if (entry != "") print entry }' "$WORK/screen" |
  grep -E "stopped|follow|left out" | sed 's/^[0-9:]* · /  /' | awk '!seen[$0]++' || true
