#!/usr/bin/env bash
# camaudit pcap against tshark and against the bare read-and-parse rate, on
# captures of at least 1 GB and 4 GB written reproducibly by camaudit-pcapgen
# (the simulator's estate — camera traffic with a known answer — mixed with
# ordinary office traffic: SSH backups, web, TLS, streamed video, DNS, SSDP).
#
#   scripts/bench-pcap.sh            # 1 GB and 4 GB
#   SIZES="1G" scripts/bench-pcap.sh # one size
#   TSHARK_SIZES="1G" scripts/bench-pcap.sh  # tshark on the 1 GB file only ("": none)
#                                    # (it needs ~20 minutes of CPU for 4 GB)
#
# Each tool reads the same file from the page cache (read once before), on
# one core (taskset -c 1), under /usr/bin/time -v for wall time, CPU time
# (user + system: the fair figure when the machine is shared) and peak RSS:
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
TSHARK_SIZES=${TSHARK_SIZES-$SIZES}
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

# Runs a command under time -v on one core; prints "wall_s cpu_s rss_kb".
measure() {
    local log=$1; shift
    /usr/bin/time -v -o "$log.time" taskset -c "$CORE" "$@" >"$log.out" 2>"$log.err"
    python3 - "$log.time" <<'PY'
import sys
t = dict(l.strip().rsplit(": ", 1) for l in open(sys.argv[1]) if ": " in l)
wall = sum(float(v) * 60**i for i, v in enumerate(reversed(t["Elapsed (wall clock) time (h:mm:ss or m:ss)"].split(":"))))
cpu = float(t["User time (seconds)"]) + float(t["System time (seconds)"])
print(f"{wall:.2f} {cpu:.2f} {t['Maximum resident set size (kbytes)']}")
PY
}

echo "bench: load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
printf '%-5s %13s %9s | %-26s | %-26s | %-26s | %9s %9s\n' size bytes packets \
    "bare: GB/s wall/CPU, MB" "camaudit: GB/s wall/CPU, MB" "tshark: GB/s wall/CPU, MB" "vs tshark" "of bare"
for size in $SIZES; do
    cap="$BENCH_DIR/bench-$size.pcap"
    key="$BENCH_DIR/bench-$size.key.json"
    "$bin/camaudit-pcapgen" "$cap" --seed "$SEED" --devices "$DEVICES" --background "$size" --key "$key" 2>"$BENCH_DIR/gen-$size.err"
    bytes=$(stat -c %s "$cap")
    cat "$cap" >/dev/null
    read -r b_w b_c b_rss < <(measure "$BENCH_DIR/baseline-$size" "$bin/camaudit-pcap-baseline" "$cap")
    packets=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['packets'])" "$BENCH_DIR/baseline-$size.out")
    rm -f "$BENCH_DIR/bench.db"
    read -r c_w c_c c_rss < <(measure "$BENCH_DIR/camaudit-$size" "$bin/camaudit" pcap "$cap" --format jsonl --db "$BENCH_DIR/bench.db")
    t_w=0 t_c=0 t_rss=0
    if [[ " $TSHARK_SIZES " == *" $size "* ]]; then
        read -r t_w t_c t_rss < <(measure "$BENCH_DIR/tshark-$size" tshark -n -r "$cap" -T fields \
            -e frame.number -e dns.qry.name -e http.server -e rtsp.response -e rtsp.url \
            -e dhcp.option.vendor_class_id -e tls.handshake.extensions_server_name)
    fi
    python3 - "$size" "$bytes" "$packets" "$b_w" "$b_c" "$b_rss" "$c_w" "$c_c" "$c_rss" "$t_w" "$t_c" "$t_rss" <<'PY'
import sys
size, nbytes, packets = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
b_w, b_c, b_rss, c_w, c_c, c_rss, t_w, t_c, t_rss = (float(x) for x in sys.argv[4:])
rate = lambda s: nbytes / 1e9 / max(s, 1e-9)
def cell(w, c, rss):
    if w == 0:
        return "not run"
    return f"{rate(w):5.2f}/{rate(c):5.2f} {rss/1024:6.1f} {w:6.1f}s"
vs = f"{t_c/max(c_c,1e-9):8.1f}x" if t_w else "       -"
print(f"{size:<5} {nbytes:>13} {packets:>9} | {cell(b_w,b_c,b_rss):<26} | {cell(c_w,c_c,c_rss):<26} | {cell(t_w,t_c,t_rss):<26} | {vs} {b_c/max(c_c,1e-9)*100:8.1f}%")
PY
    # What each found, for the record: camaudit's summary, tshark's rows.
    tail -n 2 "$BENCH_DIR/camaudit-$size.err" | sed "s/^/  camaudit: /"
    if [[ -f "$BENCH_DIR/tshark-$size.out" ]]; then
        echo "  tshark: $(wc -l <"$BENCH_DIR/tshark-$size.out") rows, $(awk -F'\t' '$2!=""' "$BENCH_DIR/tshark-$size.out" | wc -l) with a DNS name, $(awk -F'\t' '$3!=""' "$BENCH_DIR/tshark-$size.out" | wc -l) with an HTTP/SSDP Server"
    fi
    rm -f "$cap" "$BENCH_DIR"/*.out
done
echo "bench: load average after: $(cut -d' ' -f1-3 /proc/loadavg); vs tshark and of bare are by CPU time"
