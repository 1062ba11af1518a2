#!/usr/bin/env bash
# Sweep-only comparison: masscan (raw SYN) against camaudit scan on the same
# simulated estate. masscan cannot send on `lo`, so the estate lives in a
# network namespace reached over a veth pair from a second namespace; both
# namespaces are created here and deleted on exit. Traffic stays inside them.
# Needs root, masscan (Debian package) and a release build.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=target/release/camaudit
DEVICES=${DEVICES:-2000}
CIDR=10.99.0.0/16
PORTS=${PORTS:-80,443,554,8000,8080,8443,8554,37777,34567}
SIM=cam-msim-$$; SCAN=cam-mscan-$$
WORK=$(mktemp -d)
cleanup() {
    [[ -n "${SIM_PID:-}" ]] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null || true
    ip netns del "$SIM" 2>/dev/null || true
    ip netns del "$SCAN" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

cargo build --release -q -p camaudit
ip netns add "$SIM"; ip netns add "$SCAN"
ip -n "$SIM" link add vsim type veth peer name vscan netns "$SCAN"
ip -n "$SIM" addr add 10.98.0.1/24 dev vsim
ip -n "$SCAN" addr add 10.98.0.2/24 dev vscan
ip -n "$SIM" link set vsim up; ip -n "$SIM" link set lo up
ip -n "$SCAN" link set vscan up; ip -n "$SCAN" link set lo up
ip -n "$SIM" route add local "$CIDR" dev lo
ip -n "$SCAN" route add default via 10.98.0.1

"$BIN" sim --netns "$SIM" --devices "$DEVICES" --base "$CIDR" --truth "$WORK/truth.jsonl" \
    --ready-file "$WORK/ready" --quiet &
SIM_PID=$!
for _ in $(seq 100); do [[ -f "$WORK/ready" ]] && break; sleep 0.1; done
[[ -f "$WORK/ready" ]] || { echo "simulator did not become ready" >&2; exit 1; }

truth_open=$(python3 -c "
import json,sys
ports=set(int(p) for p in '$PORTS'.split(','))
n=0
for l in open('$WORK/truth.jsonl'):
    t=json.loads(l); n+=len(ports.intersection(t.get('open_ports') or []))
print(n)")

echo "estate: $DEVICES devices on $CIDR; ports $PORTS; open (device, port) pairs in the answer key: $truth_open"
printf '%-44s %8s %10s %12s\n' run "wall s" "peak MB" "open found"

run() {
    local name=$1; shift
    /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" > "$WORK/out" 2>"$WORK/err" || true
    read -r wall kb < "$WORK/time"
    echo "$wall $kb"
}

read -r w kb < <(run masscan ip netns exec "$SCAN" masscan "$CIDR" -p"$PORTS" --rate "${MASSCAN_RATE:-100000}" --wait 2 -oL "$WORK/masscan.txt")
found=$(grep -c '^open' "$WORK/masscan.txt" || true)
printf '%-44s %8s %10s %12s\n' "masscan --rate ${MASSCAN_RATE:-100000} (sweep only)" "$w" "$((kb/1024))" "$found"

read -r w kb < <(run camaudit ip netns exec "$SCAN" "$BIN" scan "$CIDR" -p "$PORTS" --rate 30000 --concurrency 4000 \
    --timeout 1000 --udp-wait 1000 --no-udp --quiet --db "$WORK/scan.db" --format jsonl -o "$WORK/devices.jsonl")
found=$(python3 -c "
import json
print(sum(len(json.loads(l).get('open_ports') or []) for l in open('$WORK/devices.jsonl')))")
printf '%-44s %8s %10s %12s\n' "camaudit scan --rate 30000 (sweep+probes+id)" "$w" "$((kb/1024))" "$found"
