//! Reads an nmap XML file and prints its observations as JSON lines (or,
//! with `--count`, only the summary), streaming: memory stays bounded.
//!
//! `cargo run --release -p camaudit-import --example read_nmap -- scan.xml [--count] [--collect]`

use std::io::{BufReader, Write};

use camaudit_import::nmap::{Limits, read_nmap_xml, read_nmap_xml_with};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args
        .first()
        .ok_or("usage: read_nmap FILE [--count] [--collect]")?;
    let count_only = args.iter().any(|a| a == "--count");
    let file = BufReader::with_capacity(256 * 1024, std::fs::File::open(path)?);
    let limits = Limits::default();
    if args.iter().any(|a| a == "--collect") {
        let import = read_nmap_xml(file, &limits)?;
        eprintln!("{:?}", import.summary);
        eprintln!("collected {} observations", import.observations.len());
        return Ok(());
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let summary = read_nmap_xml_with(file, &limits, |batch| {
        if count_only {
            return Ok::<(), std::io::Error>(());
        }
        for o in batch {
            serde_json::to_writer(&mut out, &o)?;
            out.write_all(b"\n")?;
        }
        Ok(())
    })?;
    out.flush()?;
    eprintln!("{summary:?}");
    Ok(())
}
