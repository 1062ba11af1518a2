//! `camaudit demo`: the whole job on a simulated estate, with no network,
//! no root and no configuration. Starts the estate simulator in this process
//! on a free loopback range, scans it with the real scan pipeline, grades
//! what was found against the simulator's answer key, prints a summary and
//! writes a self-contained HTML report and the devices as JSONL.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use camaudit_model::{Device, TruthRecord};
use camaudit_pipeline::demo::{DemoConfig, DemoOutcome};
use camaudit_pipeline::grade::{Grade, camera_like};
use camaudit_pipeline::scan::ScanOutcome as Outcome;
use camaudit_sim::Cidr;

use crate::cmd_identify::write_atomically;
use crate::engine_args::EngineArgs;
use crate::output::{Format, write_devices};
use crate::progress::ScanDisplay;

/// The report's file name, in `--out-dir`.
pub const REPORT_FILE: &str = "camaudit-demo-report.html";
/// The devices' file name, in `--out-dir`.
pub const DEVICES_FILE: &str = "camaudit-demo-devices.jsonl";

#[derive(clap::Args)]
#[command(
    about = "Try camaudit on a simulated estate: simulate, scan, unmask rebrands, grade, report (loopback only)",
    after_help = "Examples:
  camaudit demo                          # 200 devices, finishes in seconds
  camaudit demo --devices 1000 --out-dir /tmp/demo
  camaudit demo --seed 7 --faults 0.1    # another estate, some devices hostile

Everything happens on this machine's loopback addresses (127.77.x.x): no
network, no root, no configuration. The simulator's answer key grades the
scan. Writes camaudit-demo-report.html and camaudit-demo-devices.jsonl."
)]
pub struct Args {
    /// Devices in the simulated estate (1 to 4000).
    #[arg(long, default_value_t = 200)]
    devices: u32,
    /// Seed of the estate's mix (the same seed gives the same estate).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Share (0–1) of devices that misbehave (tarpits, endless headers, XML bombs…).
    #[arg(long, default_value_t = 0.0)]
    faults: f64,
    /// Loopback network to simulate on, e.g. 127.77.200.0/24 (default: a free one).
    #[arg(long)]
    base: Option<String>,
    /// Where to write the report and the devices.
    #[arg(long, default_value = ".", value_name = "DIR")]
    out_dir: PathBuf,
    /// Connection attempts per second (loopback takes far more than a real network).
    #[arg(long, default_value_t = 20_000)]
    rate: u32,
    /// No progress bar (the summary is still printed).
    #[arg(short, long)]
    quiet: bool,
    #[command(flatten)]
    engine: EngineArgs,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let config = DemoConfig {
        devices: args.devices,
        seed: args.seed,
        faults: args.faults,
        base: args.base.clone(),
        rate: args.rate,
    };
    let engine = args
        .engine
        .options()
        .build()
        .context("building the identify engine")?;
    let estate = config.choose_estate()?;
    std::fs::create_dir_all(&args.out_dir)
        .with_context(|| format!("creating {}", args.out_dir.display()))?;
    let started = Instant::now();
    eprintln!(
        "camaudit demo: simulating {} devices on {} (loopback only{})",
        args.devices,
        estate.base,
        if estate.port_offset == 0 {
            String::new()
        } else {
            format!(
                ", services at their usual port + {} to run without root",
                estate.port_offset
            )
        }
    );
    let display = ScanDisplay::new(args.quiet, PathBuf::from("a temporary directory"));
    let outcome = camaudit_pipeline::demo::run(&config, estate, &engine, &display);
    drop(display);
    let outcome = outcome?;
    write_results(&args, &outcome, started.elapsed())?;
    Ok(if outcome.scan.interrupted {
        ExitCode::from(130)
    } else {
        ExitCode::SUCCESS
    })
}

fn write_results(args: &Args, demo: &DemoOutcome, elapsed: Duration) -> Result<()> {
    let (base, outcome, g) = (demo.estate.base, &demo.scan, &demo.grade);
    let report_path = args.out_dir.join(REPORT_FILE);
    let devices_path = args.out_dir.join(DEVICES_FILE);
    write_atomically(&devices_path, |out| {
        write_devices(out, &outcome.devices, Format::Jsonl)
    })?;
    let html = report_html(base, outcome, &demo.truth, g);
    write_atomically(&report_path, |out| {
        out.write_all(html.as_bytes()).context("writing the report")
    })?;
    print!(
        "{}",
        summary_text(base, outcome, g, elapsed, &report_path, &devices_path)
    );
    Ok(())
}

fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map_or("-".to_owned(), |v| v.to_string())
}

/// Counts of the found devices, for the summary and the report.
struct Tally {
    /// Covered devices per maker, with how many of them carry another brand.
    covered: BTreeMap<String, (usize, usize)>,
    /// Rebrands unmasked: (label, maker) → count.
    rebrands: BTreeMap<(String, String), usize>,
    /// Trusted makers' surveillance gear.
    trusted: BTreeMap<String, usize>,
    /// Regimes → covered devices.
    regimes: BTreeMap<String, usize>,
    /// Not surveillance equipment (printers, routers, plain web servers).
    not_cameras: usize,
    /// Answered but no maker could be proven.
    unknown: usize,
}

fn tally(devices: &[Device]) -> Tally {
    let mut t = Tally {
        covered: BTreeMap::new(),
        rebrands: BTreeMap::new(),
        trusted: BTreeMap::new(),
        regimes: BTreeMap::new(),
        not_cameras: 0,
        unknown: 0,
    };
    for d in devices {
        let maker = d.manufacturer.as_ref().map(|m| m.to_string());
        if d.covered {
            let e = t
                .covered
                .entry(maker.clone().unwrap_or_else(|| "unknown maker".into()))
                .or_default();
            e.0 += 1;
            if d.is_rebrand() {
                e.1 += 1;
            }
            for r in &d.covered_by {
                *t.regimes.entry(r.clone()).or_default() += 1;
            }
        }
        if d.is_rebrand()
            && let (Some(l), Some(m)) = (&d.label_vendor, &d.manufacturer)
        {
            *t.rebrands
                .entry((l.to_string(), m.to_string()))
                .or_default() += 1;
        }
        match (&maker, d.device_type) {
            (_, Some(ty)) if !camera_like(Some(ty)) && !d.covered => t.not_cameras += 1,
            (Some(m), _) if !d.covered => *t.trusted.entry(m.clone()).or_default() += 1,
            (None, _) if !d.covered => t.unknown += 1,
            _ => {}
        }
    }
    t
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

fn summary_text(
    base: Cidr,
    o: &Outcome,
    g: &Grade,
    elapsed: Duration,
    report: &Path,
    devices: &Path,
) -> String {
    let t = tally(&o.devices);
    let covered: usize = t.covered.values().map(|v| v.0).sum();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\nScanned {} addresses × {} ports on {base} in {:.1} s ({:.1} s in all, simulator included).",
        o.addresses,
        o.ports,
        o.elapsed.as_secs_f64(),
        elapsed.as_secs_f64()
    );
    let _ = writeln!(
        s,
        "Found {} devices. {covered} are made by companies subject to the PRC National Intelligence Law:",
        o.devices.len()
    );
    let mut makers: Vec<_> = t.covered.iter().collect();
    makers.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(b.0)));
    for (m, (n, rb)) in makers {
        let extra = if *rb > 0 {
            format!("  ({rb} sold under another brand)")
        } else {
            String::new()
        };
        let _ = writeln!(s, "  {m:<14} {n:>5}{extra}");
    }
    if !t.rebrands.is_empty() {
        let n: usize = t.rebrands.values().sum();
        let _ = writeln!(
            s,
            "Rebrands unmasked: {n} devices whose label is not their maker:"
        );
        for ((l, m), n) in &t.rebrands {
            let _ = writeln!(s, "  {:<24} {n:>5}", format!("{l} → {m}"));
        }
    }
    let trusted: Vec<String> = t.trusted.iter().map(|(m, n)| format!("{m} {n}")).collect();
    let _ = writeln!(
        s,
        "Not covered (trusted makers): {}",
        if trusted.is_empty() {
            "none".to_owned()
        } else {
            trusted.join(", ")
        }
    );
    let _ = writeln!(
        s,
        "Not cameras (printers, routers, web servers): {}; maker not proven: {}",
        t.not_cameras, t.unknown
    );
    let _ = writeln!(
        s,
        "\nChecked against the simulator's answer key: {} of {} covered devices found with the right maker (recall {}), makers named correctly {} of {} (precision {}); {} of {} rebranded devices traced to their real maker; {} trusted devices wrongly flagged; {} decoys called cameras.",
        g.covered_found,
        g.covered_truth,
        pct(g.recall()),
        g.maker_right,
        g.maker_right + g.maker_wrong,
        pct(g.precision()),
        g.rebrands_unmasked,
        g.rebrands_truth,
        g.trusted_called_covered.len(),
        g.decoys_called_cameras.len()
    );
    if o.interrupted {
        let _ = writeln!(s, "(Stopped early: the figures cover what was scanned.)");
    }
    let _ = writeln!(s, "\nReport:  {}", report.display());
    let _ = writeln!(s, "Devices: {} (one JSON object a line)", devices.display());
    s
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

/// An SVG bar chart of devices per maker (covered in red, others grey).
fn bar_chart(devices: &[Device]) -> String {
    let mut per: BTreeMap<String, (usize, bool)> = BTreeMap::new();
    for d in devices {
        let m = d
            .manufacturer
            .as_ref()
            .map_or("maker not proven".to_owned(), |m| m.to_string());
        let e = per.entry(m).or_default();
        e.0 += 1;
        e.1 |= d.covered;
    }
    let mut rows: Vec<_> = per.into_iter().collect();
    rows.sort_by(|a, b| {
        b.1.1
            .cmp(&a.1.1)
            .then(b.1.0.cmp(&a.1.0))
            .then(a.0.cmp(&b.0))
    });
    let max = rows.iter().map(|r| r.1.0).max().unwrap_or(1).max(1);
    let (row_h, label_w, bar_w) = (24, 150, 420);
    let h = rows.len() * row_h + 10;
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{h}" role="img" aria-label="Devices by maker">"#,
        label_w + bar_w + 60
    );
    for (i, (m, (n, covered))) in rows.iter().enumerate() {
        let y = i * row_h + 5;
        let w = (n * bar_w / max).max(2);
        let colour = if *covered { "#c0392b" } else { "#7f8c8d" };
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="end" font-size="13">{}</text><rect x="{label_w}" y="{y}" width="{w}" height="{}" fill="{colour}"><title>{}: {n}</title></rect><text x="{}" y="{}" font-size="12">{n}</text>"#,
            label_w - 6,
            y + 15,
            esc(m),
            row_h - 6,
            esc(m),
            label_w + w + 4,
            y + 15
        );
    }
    s.push_str("</svg>");
    s
}

fn report_html(base: Cidr, o: &Outcome, truth: &[TruthRecord], g: &Grade) -> String {
    let t = tally(&o.devices);
    let covered: usize = t.covered.values().map(|v| v.0).sum();
    let rebrands: usize = t.rebrands.values().sum();
    let mut h = String::new();
    let _ = write!(
        h,
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>camaudit demo report: {base}</title>
<style>
body{{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#222}}
h1{{font-size:1.6rem}} h2{{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}}
.cards{{display:flex;flex-wrap:wrap;gap:1rem}} .card{{border:1px solid #ddd;border-radius:6px;padding:.8rem 1.2rem;min-width:9rem}}
.card b{{display:block;font-size:1.8rem}} .bad b{{color:#c0392b}} .ok b{{color:#27ae60}}
table{{border-collapse:collapse;width:100%;font-size:.85rem}} th,td{{border-bottom:1px solid #eee;padding:.25rem .5rem;text-align:left;vertical-align:top}}
th{{background:#f6f6f6}} tr.cov td:first-child{{border-left:4px solid #c0392b}} .muted{{color:#777}}
</style></head><body>
<h1>camaudit demo report</h1>
<p class="muted">A simulated estate of {} devices on {base} (loopback), scanned {} addresses × {} ports in {:.1} s. Every device below was found by camaudit's own probes; the answer key was used only to grade the result.</p>
<div class="cards">
<div class="card"><b>{}</b>devices found</div>
<div class="card bad"><b>{covered}</b>covered (PRC National Intelligence Law makers)</div>
<div class="card bad"><b>{rebrands}</b>rebrands unmasked</div>
<div class="card"><b>{}</b>trusted makers</div>
<div class="card ok"><b>{}</b>recall on covered devices</div>
<div class="card ok"><b>{}</b>precision of makers named</div>
</div>
"#,
        truth.len(),
        o.addresses,
        o.ports,
        o.elapsed.as_secs_f64(),
        o.devices.len(),
        t.trusted.values().sum::<usize>(),
        pct(g.recall()),
        pct(g.precision()),
    );
    let _ = write!(
        h,
        "<h2>Devices by maker</h2><p class=\"muted\">Red: made by a covered company.</p>{}",
        bar_chart(&o.devices)
    );

    h.push_str("<h2>Rebrands unmasked</h2><p class=\"muted\">The brand on the label is not who made the device; the evidence names the real maker.</p><table><tr><th>address</th><th>label</th><th>real maker</th><th>model</th><th>how we know</th></tr>");
    for d in o.devices.iter().filter(|d| d.is_rebrand()) {
        let how: Vec<String> = d
            .evidence
            .iter()
            .filter(|e| {
                e.asserts
                    .manufacturer
                    .as_ref()
                    .is_some_and(|m| Some(m) == d.manufacturer.as_ref())
            })
            .take(3)
            .map(|e| format!("{} = {}", e.field, truncate(&e.value, 60)))
            .collect();
        let _ = write!(
            h,
            "<tr class=\"cov\"><td>{}</td><td>{}</td><td><b>{}</b></td><td>{}</td><td>{}</td></tr>",
            esc(&opt(&d.addr)),
            esc(&opt(&d.label_vendor)),
            esc(&opt(&d.manufacturer)),
            esc(&opt(&d.model)),
            esc(&how.join("; "))
        );
    }
    h.push_str("</table>");

    h.push_str("<h2>Covered by regime</h2><table><tr><th>regime</th><th>devices</th></tr>");
    for (r, n) in &t.regimes {
        let _ = write!(h, "<tr><td>{}</td><td>{n}</td></tr>", esc(r));
    }
    h.push_str("</table>");

    let _ = write!(
        h,
        "<h2>Accuracy against the answer key</h2><table>\
<tr><td>covered devices found with the right maker</td><td>{} of {} ({})</td></tr>\
<tr><td>makers named correctly</td><td>{} of {} ({})</td></tr>\
<tr><td>rebranded devices traced to their real maker</td><td>{} of {}</td></tr>\
<tr><td>trusted devices wrongly called covered</td><td>{}</td></tr>\
<tr><td>decoys called cameras</td><td>{}</td></tr></table>",
        g.covered_found,
        g.covered_truth,
        pct(g.recall()),
        g.maker_right,
        g.maker_right + g.maker_wrong,
        pct(g.precision()),
        g.rebrands_unmasked,
        g.rebrands_truth,
        g.trusted_called_covered.len(),
        g.decoys_called_cameras.len()
    );

    h.push_str("<h2>All devices</h2><table><tr><th>address</th><th>MAC</th><th>label</th><th>maker</th><th>model</th><th>firmware</th><th>type</th><th>covered by</th><th>confidence</th></tr>");
    for d in &o.devices {
        let _ = write!(
            h,
            "<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.2}</td></tr>",
            if d.covered { " class=\"cov\"" } else { "" },
            esc(&opt(&d.addr)),
            esc(&opt(&d.mac)),
            esc(&opt(&d.label_vendor)),
            esc(&opt(&d.manufacturer)),
            esc(&opt(&d.model)),
            esc(&opt(&d.firmware)),
            esc(&opt(&d.device_type)),
            esc(&d.covered_by.join(", ")),
            d.confidence.get()
        );
    }
    h.push_str("</table><p class=\"muted\">Generated by <code>camaudit demo</code>. The devices with their full evidence are in camaudit-demo-devices.jsonl.</p></body></html>\n");
    h
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(n).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
