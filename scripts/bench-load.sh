#!/usr/bin/env bash
# The estate server under load (issue 13): several sensors pushing device
# records concurrently to `camaudit serve` on a real PostgreSQL, readers
# paging through /api/v1/devices at the same time, the server's memory
# sampled, and then PostgreSQL's own COPY of the same rows into a copy of
# the devices table, in the same run on the same machine.
#
#   scripts/bench-load.sh                          # 1,000,000 records, 8 sensors
#   RECORDS=200000 SENSORS=4 scripts/bench-load.sh
#
# Everything runs on loopback: the load generator starts its own PostgreSQL
# cluster in a temporary directory (as user postgres when run as root) and
# its own server on 127.0.0.1, and stops when the records are sent.
set -euo pipefail

cd "$(dirname "$0")/.."
RECORDS=${RECORDS:-1000000}
SENSORS=${SENSORS:-8}
BATCH=${BATCH:-1000}
READERS=${READERS:-2}

cargo build --release -q -p camaudit --bin camaudit
cargo build --release -q -p camaudit-loadgen
target/release/camaudit-loadgen \
    --camaudit "$PWD/target/release/camaudit" \
    --records "$RECORDS" --sensors "$SENSORS" --batch "$BATCH" --readers "$READERS" \
    ${JSON:+--json "$JSON"}
