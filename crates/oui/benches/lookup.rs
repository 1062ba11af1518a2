//! Lookups in the built-in table: the identify engine does one per device.
//! `cargo bench -p camaudit-oui` (the target is well over 1 M lookups/s).

use std::hint::black_box;

use camaudit_model::Mac;
use camaudit_oui::OuiTable;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// A deterministic mix: addresses in the table's blocks (hits) and
/// pseudo-random ones (mostly misses, some locally administered).
fn addresses(table: &OuiTable, n: usize) -> Vec<Mac> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let entries = table.entries();
    (0..n)
        .map(|i| {
            let r = next();
            let v = if i % 2 == 0 && !entries.is_empty() {
                let e = &entries[(r as usize) % entries.len()];
                let host = 48 - e.bits;
                (e.prefix << host) | (r >> 20) & ((1u64 << host) - 1)
            } else {
                r & 0xFFFF_FFFF_FFFF
            };
            let b = v.to_be_bytes();
            Mac([b[2], b[3], b[4], b[5], b[6], b[7]])
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let table = OuiTable::builtin();
    let macs = addresses(table, 10_000);
    let mut group = c.benchmark_group("oui");
    group.throughput(Throughput::Elements(macs.len() as u64));
    group.bench_function("lookup_10k_mixed", |b| {
        b.iter(|| {
            let mut hits = 0usize;
            for m in &macs {
                if table.lookup(black_box(m)).is_some() {
                    hits += 1;
                }
            }
            black_box(hits)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
