#!/usr/bin/env bash
# CPU time per transfer: one `handoff transfer --sessions-file` run of COUNT conversations
# against `handoff simulate --rate-limit 10000` (so the budget never holds it back), beside the
# API page's curl command run CURLS times in a loop against the same simulator, in the same run.
# Only the client's CPU is counted (user + system of the handoff process, or of bash and its
# curls), never the simulator's.
#
#   usage: benches/bulk-cpu.sh [path/to/handoff] [count] [curls]   (default: target/release/handoff, 10000, 300)
set -euo pipefail
BIN=${1:-target/release/handoff}
COUNT=${2:-10000}
CURLS=${3:-300}
[[ -x $BIN ]] || { echo "no executable at $BIN (cargo build --release)" >&2; exit 1; }
command -v curl >/dev/null || { echo "needs curl" >&2; exit 1; }
command -v openssl >/dev/null || { echo "needs openssl (to sign the curl loop's token)" >&2; exit 1; }

source "$(dirname "$0")/simulator.sh"
start_simulator "$BIN" --rate-limit 10000
CONFIG=${ARGS[1]}
value() { sed -n "s/^$1 = \"\(.*\)\"$/\1/p" "$CONFIG" | head -1; }
HOST=$(value host); STREAM=$(value stream_id); ORG=$(value org_id); ACCOUNT=$(value account_id)
CLIENT=$(value client_id); SECRET=$(value client_secret); CALLBACK=$(value url)
QUEUE=$("$BIN" "${ARGS[@]}" roster list --json | grep -o '"id":"qu-[^"]*"' | head -1 | cut -d'"' -f4)

# handoff: one process, COUNT transfers.
for n in $(seq "$COUNT"); do printf "c0ffee00bbbbbbbb%08x\n" "$n"; done >"$WORK/sessions"
/usr/bin/time -f "%U %S %e" -o "$WORK/handoff-time" \
  "$BIN" "${ARGS[@]}" transfer --sessions-file "$WORK/sessions" --queue "$QUEUE" --json \
  >"$WORK/out" 2>"$WORK/err" || true
read -r user sys wall <"$WORK/handoff-time"
accepted=$(grep -c '"state":"accepted"' "$WORK/out" || true)
awk -v u="$user" -v s="$sys" -v w="$wall" -v n="$COUNT" -v a="$accepted" 'BEGIN{
  printf "handoff: %d transfers (%d accepted) in %.1f s wall, %.2f s CPU: %.3f ms CPU per transfer\n", n, a, w, u + s, (u + s) * 1000 / n }'

# curl: the API page's command, with a token signed once (HS256) as a user would paste it.
b64() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
header=$(printf '{"alg":"HS256","typ":"JWT"}' | b64)
payload=$(printf '{"appId":"%s","sub":"bench"}' "$CLIENT" | b64)
signature=$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -hmac "$SECRET" -binary | b64)
TOKEN="$header.$payload.$signature"
cat >"$WORK/curl-loop.sh" <<LOOP
for n in \$(seq $CURLS); do
  curl --silent --output /dev/null --location '$HOST/agentassist/api/v1/public/$STREAM/assign-conversation' \\
    --header 'auth: $TOKEN' --header 'accountid: $ACCOUNT' --header 'Content-Type: application/json' \\
    --data "{\"callbackUrl\": \"$CALLBACK\", \"orgId\": \"$ORG\", \"transferredType\": \"QUEUE\", \"queueId\": \"$QUEUE\", \"botSessionId\": \"\$(printf 'c0ffee00cccccccc%08x' \$n)\"}"
done
LOOP
/usr/bin/time -f "%U %S %e" -o "$WORK/curl-time" bash "$WORK/curl-loop.sh"
read -r user sys wall <"$WORK/curl-time"
awk -v u="$user" -v s="$sys" -v w="$wall" -v n="$CURLS" 'BEGIN{
  printf "curl loop: %d transfers in %.1f s wall, %.2f s CPU: %.3f ms CPU per transfer\n", n, w, u + s, (u + s) * 1000 / n }'
