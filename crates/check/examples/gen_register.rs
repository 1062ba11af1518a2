//! Writes a synthetic asset register for the `camaudit check` benchmark
//! (BENCHMARKS.md): `cargo run --release -p camaudit-check --example
//! gen_register -- 100000 > register.csv`. Lines mix covered makers, own
//! brands, OEM rebrands (by brand and by model number), trusted makers,
//! unknowns and free-text descriptions; every line has its own serial number
//! and asset tag, as in a real register.
//!
//! `--distinct` (after the count) gives every line its own model number
//! (the model with a numeric suffix, `DS-2CD2143G2-I-000042`): the worst
//! case, where no line repeats another and nothing can be cached.

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let distinct = std::env::args().any(|a| a == "--distinct");
    let kinds: [(&str, &str, &str); 16] = [
        ("Hikvision", "DS-2CD2143G2-I", "4MP dome"),
        ("Hikvision", "DS-7608NI-K2", "8ch NVR"),
        ("Dahua", "IPC-HDW1431T1-S4", "turret"),
        ("HiLook", "IPC-B140H", "bullet"),
        ("EZVIZ", "CS-C6N", "indoor"),
        ("Annke", "", "Annke 4K turret C800"),
        ("", "DS-2CD2387G2-LU", "ColorVu turret"),
        ("Lorex", "N4K2", "NVR"),
        ("KBVision", "KX-2011N2", "bullet"),
        ("Uniview", "IPC3614SR3-ADPF28", ""),
        ("Axis", "M1065-LW", "indoor"),
        ("Hanwha Vision", "XNV-6080R", "dome"),
        ("Bosch", "NDE-3503-AL", "dome"),
        ("Acme Widgets", "AW-100", "mystery box"),
        ("", "", "Hikvision DS-2CD2043G2-I bullet 2.8mm"),
        ("", "", "4K bullet camera with IR"),
    ];
    let sites = [
        "Town Hall",
        "Library",
        "Depot",
        "School",
        "Leisure Centre",
        "Office",
    ];
    println!("Asset Tag,Site,Manufacturer,Model,Description,Serial Number,Quantity");
    for i in 0..n {
        let (make, model, desc) = kinds[(i * 7 + i / 13) % kinds.len()];
        let site = sites[i % sites.len()];
        let model = match (distinct, model) {
            (false, m) => m.to_owned(),
            (true, "") => format!("X{i:06}"),
            (true, m) => format!("{m}-{i:06}"),
        };
        println!(
            "A{i:06},{site},{make},{model},{desc},SN{:010},1",
            i * 7919 % 9_999_999_967
        );
    }
}
