#!/usr/bin/env bash
# `camaudit check` on a 100,000-line asset register (issue 5): every output
# format, a typical register and the worst case, median of RUNS runs.
#
#   scripts/bench-check.sh                         # this checkout's release build
#   BEFORE=/path/to/older/camaudit scripts/bench-check.sh   # and an older binary, alternating
#   RUNS=5 LINES=100000 scripts/bench-check.sh
#
# The registers are generated (crates/check/examples/gen_register.rs): the
# typical one repeats its makes and models as a real register does (unique
# serials); the worst case gives every line its own model number, so nothing
# can be cached. Output goes to a file (-o), as a user would write it.
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
LINES=${LINES:-100000}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# `--examples` selects only example targets, so the binary is built on its own.
cargo build --release -q -p camaudit --bin camaudit
cargo build --release -q -p camaudit-check --examples
target/release/examples/gen_register "$LINES" >"$WORK/typical.csv"
target/release/examples/gen_register "$LINES" --distinct >"$WORK/distinct.csv"

bins=(after="$PWD/target/release/camaudit")
[ -n "${BEFORE:-}" ] && bins=(before="$BEFORE" "${bins[@]}")

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf '| register | format | binary | median wall s | median peak MB |\n|---|---|---|---|---|\n'
for input in typical distinct; do
    for format in table csv jsonl; do
        for entry in "${bins[@]}"; do
            name=${entry%%=*} bin=${entry#*=}
            : >"$WORK/times"
            for _ in $(seq "$RUNS"); do
                /usr/bin/time -f "%e %M" -a -o "$WORK/times" \
                    "$bin" check "$WORK/$input.csv" --format "$format" -o "$WORK/out" -q || [ $? -eq 3 ]
            done
            grep -v "^Command" "$WORK/times" >"$WORK/t" || true
            wall=$(cut -d' ' -f1 "$WORK/t" | median)
            mb=$(cut -d' ' -f2 "$WORK/t" | median | awk '{printf "%d", $1/1024}')
            printf '| %s | %s | %s | %s | %s |\n' "$input" "$format" "$name" "$wall" "$mb"
        done
    done
done
