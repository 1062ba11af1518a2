#!/usr/bin/env bash
# camaudit pcap against tshark and against the bare read-and-parse rate, on
# captures of at least 1 GB and 4 GB written reproducibly by camaudit-pcapgen
# (the simulator's estate — camera traffic with a known answer — mixed with
# ordinary office traffic: SSH backups, web, TLS, streamed video, DNS, SSDP).
#
#   scripts/bench-pcap.sh            # 1 GB and 4 GB
#   SIZES="1G" scripts/bench-pcap.sh # one size
#
# Each tool reads the same file from the page cache (read once before), on
# one core (taskset -c 1), under /usr/bin/time -v for wall time and peak RSS:
#   baseline   camaudit-pcap-baseline: pcap-parser + etherparse, headers only
#   camaudit   camaudit pcap FILE --format jsonl
#   tshark     tshark -n -T fields with the equivalent fields: DNS query
#              names, HTTP Server (SSDP's SERVER too: tshark reads SSDP as
#              HTTP), RTSP responses and URLs (tshark 4.0 has no RTSP Server
#              field), DHCP vendor class, TLS SNI
# The captures go to $BENCH_DIR (default tmp/bench-pcap, ignored by git) and
# are deleted at the end; at most one capture exists at a time (4.3 GB).
# Installs tshark (Debian) if it is missing. Sends no traffic anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"1G 4G"}
SEED=${SEED:-11}
DEVICES=${DEVICES:-1000}
BENCH_DIR=${BENCH_DIR:-tmp/bench-pcap}
CORE=${CORE:-1}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}

if ! command -v tshark >/dev/null; then
    echo "bench: installing tshark"
    export DEBIAN_FRONTEND=noninteractive
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
    apt-get update -qq
    apt-get install -y -qq tshark >/dev/null
fi
[[ -x /usr/bin/time ]] || { echo "bench: needs GNU time (apt-get install time)"; exit 1; }

cargo build --release -q -p camaudit -p camaudit-pcapgen
bin="$CARGO_TARGET_DIR/release"
mkdir -p "$BENCH_DIR"
cleanup() { rm -f "$BENCH_DIR"/bench-*.pcap "$BENCH_DIR"/*.db "$BENCH_DIR"/*.db-*; }
trap cleanup EXIT

# Runs a command under time -v on one core; prints "seconds rss_kb".
measure() {
    local log=$1; shift
    /usr/bin/time -v -o "$log.time" taskset -c "$CORE" "$@" >"$log.out" 2>"$log.err"
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/{print $2}' "$log.time")
    rss=$(awk -F': ' '/Maximum resident set size/{print $2}' "$log.time")
    python3 -c "import sys; p=[float(x) for x in sys.argv[1].split(':')]; s=sum(v*60**i for i,v in enumerate(reversed(p))); print(f'{s:.2f} {sys.argv[2]}')" "$wall" "$rss"
}

printf '%-6s %12s %10s | %-22s | %-22s | %-22s | %8s %9s\n' size bytes packets "baseline GB/s (RSS MB)" "camaudit GB/s (RSS MB)" "tshark GB/s (RSS MB)" "vs tshark" "of bare"
for size in $SIZES; do
    cap="$BENCH_DIR/bench-$size.pcap"
    key="$BENCH_DIR/bench-$size.key.json"
    "$bin/camaudit-pcapgen" "$cap" --seed "$SEED" --devices "$DEVICES" --background "$size" --key "$key" 2>"$BENCH_DIR/gen-$size.err"
    bytes=$(stat -c %s "$cap")
    cat "$cap" >/dev/null
    read -r b_s b_rss < <(measure "$BENCH_DIR/baseline-$size" "$bin/camaudit-pcap-baseline" "$cap")
    packets=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['packets'])" "$BENCH_DIR/baseline-$size.out")
    rm -f "$BENCH_DIR/bench.db"
    read -r c_s c_rss < <(measure "$BENCH_DIR/camaudit-$size" "$bin/camaudit" pcap "$cap" --format jsonl --db "$BENCH_DIR/bench.db")
    read -r t_s t_rss < <(measure "$BENCH_DIR/tshark-$size" tshark -n -r "$cap" -T fields \
        -e frame.number -e dns.qry.name -e http.server -e rtsp.response -e rtsp.url \
        -e dhcp.option.vendor_class_id -e tls.handshake.extensions_server_name)
    python3 - "$size" "$bytes" "$packets" "$b_s" "$b_rss" "$c_s" "$c_rss" "$t_s" "$t_rss" <<'PY'
import sys
size, nbytes, packets = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
b_s, b_rss, c_s, c_rss, t_s, t_rss = (float(x) for x in sys.argv[4:])
rate = lambda s: nbytes / 1e9 / max(s, 1e-9)
cell = lambda s, rss: f"{rate(s):6.2f} ({rss/1024:7.1f}) {s:6.1f}s"
print(f"{size:<6} {nbytes:>12} {packets:>10} | {cell(b_s,b_rss):<22} | {cell(c_s,c_rss):<22} | {cell(t_s,t_rss):<22} | {t_s/max(c_s,1e-9):7.1f}x {b_s/max(c_s,1e-9)*100:8.1f}%")
PY
    # What each found, for the record: camaudit's summary, tshark's rows.
    tail -n 2 "$BENCH_DIR/camaudit-$size.err" | sed "s/^/  camaudit: /"
    echo "  tshark: $(wc -l <"$BENCH_DIR/tshark-$size.out") rows, $(awk -F'\t' '$2!=""' "$BENCH_DIR/tshark-$size.out" | wc -l) with a DNS name, $(awk -F'\t' '$3!=""' "$BENCH_DIR/tshark-$size.out" | wc -l) with an HTTP/SSDP Server"
    rm -f "$cap" "$BENCH_DIR"/*.out
done
