# Sourced by the benchmark scripts: starts `handoff simulate` (with any extra arguments) in a
# temporary folder removed on exit, and sets ARGS to the `--config … --data-dir …` it prints.
#   usage: start_simulator path/to/handoff [simulate arguments...]
start_simulator() {
  local bin=$1
  shift
  WORK=$(mktemp -d /tmp/handoff-bench.XXXXXX)
  "$bin" simulate --listen 127.0.0.1:0 "$@" >"$WORK/simulator" &
  SIMULATOR=$!
  trap 'kill $SIMULATOR 2>/dev/null || true; rm -rf "$WORK"' EXIT
  for _ in $(seq 100); do
    grep -q -- "--config" "$WORK/simulator" 2>/dev/null && break
    sleep 0.1
  done
  read -r -a ARGS < <(grep -o -- '--config [^ ]* --data-dir [^ ]*' "$WORK/simulator" | head -1)
}
