#!/usr/bin/env bash
# camaudit scan vs nmap, side by side, on one simulated estate (issue 4).
#
#   scripts/bench-scan.sh                 # camaudit on the /16, /20 and /24; nmap on the /24
#   NMAP_CIDR=127.77.0.0/20 scripts/bench-scan.sh   # nmap on the /20 (hours: see BENCHMARKS.md)
#   SKIP_NMAP=1 scripts/bench-scan.sh     # camaudit only
#
# Starts `camaudit sim` with 2,000 devices on 127.77.0.0/16 (they occupy
# 127.77.0.1-127.77.7.208), then times each scan with /usr/bin/time -v
# (wall clock, peak RSS) and grades it against the simulator's answer key
# with scripts/bench_grade.py. Traffic goes only to 127.77.0.0/16 on
# loopback. Without root the simulator serves every port + 10000 and both
# tools are pointed at the offset ports.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
BASE=127.77.0.0/16
DEVICES=2000
NMAP_CIDR=${NMAP_CIDR:-127.77.0.0/24}
PORTS=21,23,80,81,88,443,554,2020,5000,7443,8000,8080,8081,8443,8554,8899,34567,37777
# camaudit's loopback settings (docs/scan.md); its defaults (300/s) are for live networks.
CAM_FLAGS=(--rate 30000 --concurrency 4000 --timeout 1000 --udp-wait 1000)
# nmap as a user in a hurry would run it: connect scan, version detection,
# no ping, no DNS, aggressive timing, only open ports reported.
NMAP_FLAGS=(-sT -sV -Pn -n -T4 --open)

for tool in /usr/bin/time python3; do
    command -v "$tool" >/dev/null || { echo "bench-scan: needs $tool" >&2; exit 2; }
done
if [[ -z ${SKIP_NMAP:-} ]] && ! command -v nmap >/dev/null; then
    echo "bench-scan: needs nmap (or SKIP_NMAP=1)" >&2
    exit 2
fi

OFFSET=0
if [[ $(id -u) -ne 0 ]]; then OFFSET=10000; fi
nmap_ports=$(python3 -c "import sys; print(','.join(str(int(p)+$OFFSET) for p in sys.argv[1].split(',')))" "$PORTS")

cargo build --release -p camaudit >&2
BIN=$ROOT/target/release/camaudit
W=$(mktemp -d /tmp/camaudit-bench.XXXXXX)
SIM_PID=
cleanup() {
    [[ -n $SIM_PID ]] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
    rm -rf "$W"
}
trap cleanup EXIT

"$BIN" sim --devices "$DEVICES" --base "$BASE" --truth "$W/truth.jsonl" \
    --ready-file "$W/ready" --port-offset "$OFFSET" --quiet &
SIM_PID=$!
for _ in $(seq 300); do [[ -f $W/ready ]] && break; sleep 0.1; done
[[ -f $W/ready ]] || { echo "bench-scan: the simulator did not start" >&2; exit 1; }
echo "simulator: $(cat "$W/ready")" >&2

rows=()
measure() { # name cidr tool outfile command...
    local name=$1 cidr=$2 tool=$3 out=$4
    shift 4
    echo "running: $*" >&2
    /usr/bin/time -v "$@" 2>"$W/${name//\//-}.time" >/dev/null || { cat "$W/${name//\//-}.time" >&2; exit 1; }
    local wall rss addrs grade
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$W/${name//\//-}.time" |
        awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
    rss=$(awk -F': ' '/Maximum resident set size/ {print int($2/1024)}' "$W/${name//\//-}.time")
    addrs=$(python3 -c "import ipaddress,sys; print(ipaddress.ip_network(sys.argv[1]).num_addresses)" "$cidr")
    grade=$(python3 "$ROOT/scripts/bench_grade.py" "$W/truth.jsonl" "$cidr" "$tool" "$out")
    rows+=("$name|$cidr|$addrs|$wall|$rss|$grade")
}

for cidr in 127.77.0.0/16 127.77.0.0/20 "$NMAP_CIDR"; do
    n=${cidr#*/}
    [[ " ${seen:-} " == *" $n "* ]] && continue
    seen="${seen:-} $n"
    measure "camaudit/$n" "$cidr" camaudit "$W/cam$n.jsonl" \
        "$BIN" scan "$cidr" "${CAM_FLAGS[@]}" --port-offset "$OFFSET" \
        --format jsonl -o "$W/cam$n.jsonl" --db "$W/cam$n.db" --quiet
done
if [[ -z ${SKIP_NMAP:-} ]]; then
    measure "nmap/${NMAP_CIDR#*/}" "$NMAP_CIDR" nmap "$W/nmap.xml" \
        nmap "${NMAP_FLAGS[@]}" -p "$nmap_ports" -oX "$W/nmap.xml" "$NMAP_CIDR"
fi

echo
echo "nmap $(nmap --version 2>/dev/null | head -1 | awk '{print $3}'): ${NMAP_FLAGS[*]} -p <same ports>; camaudit: ${CAM_FLAGS[*]}"
python3 - "${rows[@]}" <<'PY'
import json, sys
rows = []
for r in sys.argv[1:]:
    name, cidr, addrs, wall, rss, grade = r.split("|", 5)
    g = json.loads(grade)
    rows.append((name, cidr, int(addrs), float(wall), int(rss), g))
nmap = [r for r in rows if r[0].startswith("nmap")]
ref = nmap[0][3] / nmap[0][2] if nmap else None
print("| run | addresses | wall s | ms/address | nmap/camaudit per address | peak RSS MB | precision | recall | covered flagged | trusted called covered |")
print("|---|---|---|---|---|---|---|---|---|---|")
for name, cidr, addrs, wall, rss, g in rows:
    per = 1000 * wall / addrs
    ratio = f"{ref / (wall / addrs):.0f}×" if ref and not name.startswith("nmap") else "-"
    print(f"| {name} {cidr} | {addrs:,} | {wall:.1f} | {per:.2f} | {ratio} | {rss} | {g['precision']:.3f} | {g['recall']:.3f} | {g['covered_flagged']:.3f} | {g['trusted_called_covered']} |")
PY
