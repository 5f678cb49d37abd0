#!/usr/bin/env bash
# Measures what an idle console costs: starts `handoff --demo` in a private tmux, lets it settle,
# then reads the process's CPU time (user + system, from /proc) before and after SECONDS of
# doing nothing. A console that redraws only when something happens should use ~0 ticks.
#
#   usage: benches/idle-cpu.sh [path/to/handoff] [seconds]   (default: target/release/handoff, 30)
#   HANDOFF_ARGS adds arguments, e.g. HANDOFF_ARGS="--redis redis://127.0.0.1:6390 --name Priya"
#   for a console of a team.
set -euo pipefail
BIN=${1:-target/release/handoff}
SECONDS_IDLE=${2:-30}
[[ -x $BIN ]] || { echo "no executable at $BIN (cargo build --release)" >&2; exit 1; }
command -v tmux >/dev/null || { echo "tmux is required" >&2; exit 1; }

SOCK=$(mktemp -u /tmp/handoff-idle.XXXXXX)
t() { tmux -S "$SOCK" -f /dev/null "$@"; }
trap 't kill-server 2>/dev/null || true' EXIT
t new-session -d -s idle -x 120 -y 34 "$BIN --demo ${HANDOFF_ARGS:-}"
for _ in $(seq 100); do
  t capture-pane -p -t idle | grep -q "Paste or type" && break
  sleep 0.1
done
pid=$(t display-message -p -t idle "#{pane_pid}")
[[ $(cat /proc/$pid/comm) == handoff ]] || { echo "pane process is $(cat /proc/$pid/comm), not handoff" >&2; exit 1; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
sleep 2
before=$(cpu_ticks "$pid")
sleep "$SECONDS_IDLE"
after=$(cpu_ticks "$pid")
hz=$(getconf CLK_TCK)
echo "idle for ${SECONDS_IDLE} s: $((after - before)) CPU ticks ($(awk "BEGIN{printf \"%.3f\", ($after-$before)/$hz}") s of CPU, ${hz} ticks/s)"
t send-keys -t idle C-c
