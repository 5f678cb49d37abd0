#!/usr/bin/env bash
# The team's relay against the API page's curl in a loop: COUNT callbacks posted to one running
# relay (and its Redis) by the benchmark's client, one at a time and 16 at once, and by
# `curl -s -X POST ... -d @body` run COUNT times in a row, each for a transfer of its own, in
# turn, ROUNDS times. Whole-process wall time of each, then the median of each.
#
#   usage: benches/relay-curl.sh [path/to/relay_throughput] [count] [rounds]
#          (default: target/release/examples/relay_throughput, 1000, 5;
#           cargo build --release --example relay_throughput first)
set -euo pipefail
BIN=${1:-target/release/examples/relay_throughput}
COUNT=${2:-1000}
ROUNDS=${3:-5}
[[ -x $BIN ]] || { echo "no executable at $BIN (cargo build --release --example relay_throughput)" >&2; exit 1; }
command -v curl >/dev/null || { echo "needs curl" >&2; exit 1; }
command -v redis-server >/dev/null || { echo "needs redis-server" >&2; exit 1; }

WORK=$(mktemp -d)
serve_pid=
cleanup() {
  if [[ -n $serve_pid ]]; then kill -INT "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# Redis and the relay, for 15 minutes at most.
"$BIN" serve "$WORK" 900 >"$WORK/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 200); do [[ -s $WORK/url ]] && break; sleep 0.1; done
[[ -s $WORK/url ]] || { echo "the relay did not start:" >&2; cat "$WORK/serve.log" >&2; exit 1; }

# The curl loop: the same body each time, a transfer id of its own each time (the relay keeps
# the same callback twice only once), made without starting a process.
cat >"$WORK/curl-loop.sh" <<LOOP
url=\$(cat '$WORK/url')
for n in \$(seq \$1); do
  printf -v transfer '%08x-0000-4000-8000-%012x' "\$n" "\$(( \${EPOCHREALTIME/./} % 0x1000000000000 ))"
  curl -s -o /dev/null -X POST -H 'Content-Type: application/json' -d @'$WORK/body.json' "\$url&handoff_transfer=\$transfer"
done
LOOP

timed() { /usr/bin/time -f "%e" -o "$WORK/time" "$@" >/dev/null 2>&1; cat "$WORK/time"; }
declare -A runs
for round in $(seq "$ROUNDS"); do
  runs[one]+="$(timed "$BIN" post "$WORK" "$COUNT" 1) "
  runs[sixteen]+="$(timed "$BIN" post "$WORK" "$COUNT" 16) "
  runs[curl]+="$(timed bash "$WORK/curl-loop.sh" "$COUNT") "
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
for kind in one sixteen curl; do
  m=$(median <<<"${runs[$kind]}")
  awk -v k="$kind" -v m="$m" -v n="$COUNT" -v all="${runs[$kind]}" 'BEGIN{
    name = (k == "one") ? "the benchmark client, 1 at a time" : (k == "sixteen") ? "the benchmark client, 16 at once" : "curl in a loop"
    printf "%-34s %d callbacks: median %.2f s (%.0f a second, %.2f ms each); runs: %s\n", name, n, m, n / m, m * 1000 / n, all }'
done
# Every post answered and kept, curl's included (whose answers the loop does not read).
kill -INT "$serve_pid"
wait "$serve_pid" || true
serve_pid=
echo "$(tail -1 "$WORK/serve.log") (posted: $((ROUNDS * COUNT * 3)))"
