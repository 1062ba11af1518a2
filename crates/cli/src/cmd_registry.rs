//! `camaudit registry`: list, show and search the covered-entity registry,
//! with sources, optionally with an organisation's overlay on top.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use camaudit_model::VendorId;
use camaudit_registry::{KevEntry, ModelEquivalence, Registry, normalize};
use camaudit_report::{registry_json, registry_line};
use clap::{Subcommand, ValueEnum};
use serde_json::{Value, json};

#[derive(clap::Args)]
#[command(
    about = "Inspect the covered-entity registry: companies, brands and OEM relations, regimes, model patterns and equivalences, endpoints, KEV",
    after_help = "Examples:
  camaudit registry list
  camaudit registry list --kind brands
  camaudit registry show Lorex
  camaudit registry show hikvision --format json
  camaudit registry search \"hik vision\"
  camaudit registry search DS-2CD2143G2-I        # which maker's model grammar
  camaudit registry search IP8M-2496             # OEM model equivalences too
  camaudit registry show CVE-2021-36260          # affected products and builds
  camaudit registry list --registry ./our-registry/   # with your overlay

Every entry carries its sources and a confidence (docs/registry.md)."
)]
pub struct Args {
    #[command(subcommand)]
    command: RegistryCommand,
    /// Overlay directory with your organisation's additions and trusted/banned decisions.
    #[arg(long = "registry", value_name = "DIR", global = true)]
    registry: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table", global = true)]
    format: RegFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RegFormat {
    Table,
    Json,
}

#[derive(Subcommand)]
enum RegistryCommand {
    /// List the registry's entries, with sources.
    #[command(
        after_help = "Examples:\n  camaudit registry list\n  camaudit registry list --kind entities --format json"
    )]
    List {
        /// Only this kind of entry.
        #[arg(long, value_enum)]
        kind: Option<Kind>,
    },
    /// Everything the registry says about one name: a company, brand, regime, pattern id, CVE or OEM model number.
    #[command(
        after_help = "Examples:\n  camaudit registry show Annke\n  camaudit registry show \"Samsung Techwin\"\n  camaudit registry show ndaa-889\n  camaudit registry show CVE-2021-36260\n  camaudit registry show AD410"
    )]
    Show {
        /// A name as written on a device or in a list, a registry id, regime id, pattern id, CVE or model number.
        name: String,
    },
    /// Fuzzy search over companies, brands, aliases, regimes, model patterns, model equivalences and KEV entries.
    #[command(
        after_help = "Examples:\n  camaudit registry search hikvison\n  camaudit registry search IPC-HDW1431T1-S4"
    )]
    Search {
        /// Text to look for (a name, part of one, or a model number).
        text: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Kind {
    Regimes,
    Entities,
    Brands,
    Coverage,
    Patterns,
    Endpoints,
    Kev,
    Equivalences,
    Decisions,
}

/// The built-in registry, with the overlay in `dir` on top when given.
pub fn load_registry(overlay: Option<&Path>) -> Result<Registry> {
    match overlay {
        None => Registry::builtin().context("loading the built-in registry"),
        Some(dir) => Registry::builtin_with_overlay(dir).with_context(|| {
            format!(
                "loading the registry overlay {} (fix the entries named above; format in docs/registry.md, \"Overlays\")",
                dir.display()
            )
        }),
    }
}

pub fn run(args: Args) -> Result<ExitCode> {
    let registry = load_registry(args.registry.as_deref())?;
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let code = match &args.command {
        RegistryCommand::List { kind } => {
            list(&mut out, &registry, *kind, args.format)?;
            ExitCode::SUCCESS
        }
        RegistryCommand::Show { name } => show(&mut out, &registry, name, args.format)?,
        RegistryCommand::Search { text } => {
            search(&mut out, &registry, text, args.format)?;
            ExitCode::SUCCESS
        }
    };
    out.flush().context("writing to standard output")?;
    Ok(code)
}

fn sources_text(sources: &[String]) -> String {
    sources.join(" ")
}

fn list(out: &mut dyn Write, r: &Registry, kind: Option<Kind>, format: RegFormat) -> Result<()> {
    let want = |k: Kind| kind.is_none_or(|x| x == k);
    if format == RegFormat::Json {
        let mut doc = serde_json::Map::new();
        doc.insert("registry".into(), registry_json(r));
        if want(Kind::Regimes) {
            doc.insert("regimes".into(), json!(r.regimes()));
        }
        if want(Kind::Entities) {
            let entities: Vec<Value> = r
                .entities()
                .map(|e| {
                    let mut v = json!(e);
                    v["covered_by"] = json!(
                        r.coverage(&e.id)
                            .into_iter()
                            .map(|f| f.regime)
                            .collect::<Vec<_>>()
                    );
                    v
                })
                .collect();
            doc.insert("entities".into(), json!(entities));
        }
        if want(Kind::Brands) {
            doc.insert("brands".into(), json!(r.brand_link_list()));
        }
        if want(Kind::Coverage) {
            doc.insert("coverage".into(), json!(r.coverage_entries()));
        }
        if want(Kind::Patterns) {
            doc.insert("patterns".into(), json!(r.model_patterns()));
        }
        if want(Kind::Endpoints) {
            doc.insert("endpoints".into(), json!(r.endpoints()));
        }
        if want(Kind::Kev) {
            doc.insert("kev".into(), json!(r.kev()));
        }
        if want(Kind::Equivalences) {
            doc.insert("equivalences".into(), json!(r.equivalences()));
        }
        if want(Kind::Decisions) {
            doc.insert("decisions".into(), json!(r.decisions()));
        }
        serde_json::to_writer_pretty(&mut *out, &Value::Object(doc))?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(out, "{}", registry_line(r))?;
    if want(Kind::Regimes) {
        section(
            out,
            "REGIMES",
            &["ID", "KIND", "DATE", "SUBSIDIARIES", "CONF", "SOURCES"],
            r.regimes().iter().map(|g| {
                vec![
                    g.id.clone(),
                    format!("{:?}", g.kind).to_lowercase(),
                    g.date.clone(),
                    if g.includes_subsidiaries { "yes" } else { "no" }.into(),
                    g.confidence.as_str().into(),
                    sources_text(&g.sources),
                ]
            }),
        )?;
    }
    if want(Kind::Entities) {
        section(
            out,
            "ENTITIES",
            &[
                "ID",
                "NAME",
                "COUNTRY",
                "PARENT",
                "COVERED BY",
                "CONF",
                "SOURCES",
            ],
            r.entities().map(|e| {
                let cov: Vec<String> = r.coverage(&e.id).into_iter().map(|f| f.regime).collect();
                vec![
                    e.id.to_string(),
                    e.name.clone(),
                    e.jurisdiction.clone(),
                    e.parent.as_ref().map_or("-".into(), |p| p.to_string()),
                    if cov.is_empty() {
                        "-".into()
                    } else {
                        cov.join(",")
                    },
                    e.confidence.as_str().into(),
                    sources_text(&e.sources),
                ]
            }),
        )?;
    }
    if want(Kind::Brands) {
        section(
            out,
            "BRANDS",
            &["BRAND", "RELATION", "COMPANY", "PERIOD", "CONF", "SOURCES"],
            r.brand_link_list().iter().map(|b| {
                vec![
                    b.brand.to_string(),
                    b.relation.as_str().into(),
                    b.company.to_string(),
                    period(b.from.as_deref(), b.until.as_deref()),
                    b.confidence.as_str().into(),
                    sources_text(&b.sources),
                ]
            }),
        )?;
    }
    if want(Kind::Coverage) {
        section(
            out,
            "COVERAGE",
            &[
                "REGIME",
                "ENTITY",
                "FROM",
                "INTERPRETATION",
                "CONF",
                "SOURCES",
            ],
            r.coverage_entries().iter().map(|c| {
                vec![
                    c.regime.clone(),
                    c.entity.to_string(),
                    c.from.clone().unwrap_or_else(|| "-".into()),
                    if c.interpretation { "yes" } else { "no" }.into(),
                    c.confidence.as_str().into(),
                    sources_text(&c.sources),
                ]
            }),
        )?;
    }
    if want(Kind::Patterns) {
        section(
            out,
            "MODEL PATTERNS",
            &["ID", "VENDOR", "REGEX", "CONF", "SOURCES"],
            r.model_patterns().iter().map(|p| {
                vec![
                    p.id.clone(),
                    p.vendor.to_string(),
                    p.regex.clone(),
                    p.confidence.as_str().into(),
                    sources_text(&p.sources),
                ]
            }),
        )?;
    }
    if want(Kind::Endpoints) {
        section(
            out,
            "ENDPOINTS",
            &["VENDOR", "SERVICE", "HOSTS", "PORTS", "CONF", "SOURCES"],
            r.endpoints().iter().map(|e| {
                vec![
                    e.vendor.to_string(),
                    e.service.clone(),
                    e.hosts.join(","),
                    e.ports
                        .iter()
                        .map(|p| p.to_string())
                        .collect::<Vec<_>>()
                        .join(","),
                    e.confidence.as_str().into(),
                    sources_text(&e.sources),
                ]
            }),
        )?;
    }
    if want(Kind::Kev) {
        section(
            out,
            "KNOWN EXPLOITED VULNERABILITIES (CISA KEV)",
            &["CVE", "VENDOR", "PRODUCT", "ADDED", "RANGES", "NAME"],
            r.kev().iter().map(|k| {
                vec![
                    k.cve.clone(),
                    k.vendor.to_string(),
                    k.product.clone(),
                    k.date_added.clone(),
                    if k.affected.is_empty() {
                        "-".into()
                    } else {
                        k.affected.len().to_string()
                    },
                    k.name.clone(),
                ]
            }),
        )?;
    }
    if want(Kind::Equivalences) {
        section(
            out,
            "MODEL EQUIVALENCES",
            &["BRAND", "MODEL", "MAKER", "ORIGINAL", "CONF", "SOURCES"],
            r.equivalences().iter().map(|e| {
                vec![
                    e.brand.to_string(),
                    e.model.clone(),
                    e.maker.to_string(),
                    e.original_model.clone(),
                    e.confidence.as_str().into(),
                    sources_text(&e.sources),
                ]
            }),
        )?;
    }
    if want(Kind::Decisions) && r.overlay().is_some() {
        section(
            out,
            "DECISIONS (overlay)",
            &["SUBJECT", "DECISION", "DATE", "MODELS", "REASON", "SOURCES"],
            r.decisions().iter().map(|d| {
                vec![
                    d.subject().to_owned(),
                    d.kind.as_str().into(),
                    d.date.clone(),
                    if d.model_prefixes.is_empty() {
                        "all".into()
                    } else {
                        d.model_prefixes.join(",")
                    },
                    d.reason.clone(),
                    d.sources.join(" "),
                ]
            }),
        )?;
    }
    Ok(())
}

fn period(from: Option<&str>, until: Option<&str>) -> String {
    match (from, until) {
        (None, None) => "-".into(),
        (f, u) => format!("{} – {}", f.unwrap_or(""), u.unwrap_or("")),
    }
}

fn section(
    out: &mut dyn Write,
    title: &str,
    head: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
) -> Result<()> {
    let mut rows: Vec<Vec<String>> = rows.collect();
    writeln!(out, "\n{title} ({})", rows.len())?;
    rows.insert(0, head.iter().map(|s| s.to_string()).collect());
    write_rows(out, &rows)
}

fn write_rows(out: &mut dyn Write, rows: &[Vec<String>]) -> Result<()> {
    let n = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..n)
        .map(|i| {
            rows.iter()
                .map(|r| r.get(i).map_or(0, |c| c.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    for r in rows {
        let mut line = String::new();
        for (i, cell) in r.iter().enumerate() {
            line.push_str(cell);
            if i + 1 < n {
                line.push_str(&" ".repeat(widths[i] - cell.chars().count() + 2));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// What `show` found for a name.
fn show(out: &mut dyn Write, r: &Registry, name: &str, format: RegFormat) -> Result<ExitCode> {
    let id = r
        .lookup_name(name)
        .or_else(|| VendorId::new(name).ok().filter(|v| r.is_known_vendor(v)));
    let mut doc = serde_json::Map::new();
    doc.insert("registry".into(), registry_json(r));
    doc.insert("query".into(), json!(name));
    let mut text: Vec<String> = vec![registry_line(r)];
    let mut found = false;
    if let Some(id) = &id {
        found = true;
        if let Some(e) = r.entity(id) {
            let chain: Vec<String> = r.owner_chain(id).iter().map(|e| e.id.to_string()).collect();
            let coverage = r.coverage(id);
            let flags = r.risk_flags(id);
            let brands = r.brands_of(id);
            let kev = r.kev_for(id);
            let decisions: Vec<_> = r
                .decisions()
                .iter()
                .filter(|d| d.vendor.as_ref() == Some(id))
                .collect();
            text.push(format!("\n{} — {} ({})", e.id, e.name, e.jurisdiction));
            if !e.aliases.is_empty() {
                text.push(format!("  aliases: {}", e.aliases.join(", ")));
            }
            text.push(format!("  owner chain: {}", chain.join(" → ")));
            if let Some(rel) = &e.parent_relation {
                text.push(format!("  parent relation: {rel}"));
            }
            if let Some(s) = &e.state_ownership {
                text.push(format!("  state ownership: {s}"));
            }
            text.push(format!(
                "  confidence: {}; sources: {}",
                e.confidence.as_str(),
                sources_text(&e.sources)
            ));
            if let Some(n) = &e.notes {
                text.push(format!("  notes: {n}"));
            }
            if coverage.is_empty() {
                text.push(
                    "  covered by: nothing (no procurement-ban regime covers it or its owners)"
                        .into(),
                );
            }
            for f in &coverage {
                let interp = if f.interpretation {
                    ", interpretation"
                } else {
                    ""
                };
                text.push(format!(
                    "  covered by {} via {} ({}{interp}): {}",
                    f.regime,
                    f.entity,
                    f.confidence.as_str(),
                    f.basis
                ));
                text.push(format!("    sources: {}", sources_text(&f.sources)));
            }
            for f in &flags {
                text.push(format!(
                    "  risk flag {} via {} ({}): {}",
                    f.regime,
                    f.entity,
                    f.confidence.as_str(),
                    f.basis
                ));
            }
            for b in &brands {
                text.push(format!(
                    "  brand {} ({}) is {} {}{} [{}]: {}",
                    b.brand,
                    b.name,
                    b.relation.describe(),
                    b.company,
                    b.period(),
                    b.confidence.as_str(),
                    sources_text(&b.sources)
                ));
            }
            for p in r.model_patterns().iter().filter(|p| &p.vendor == id) {
                text.push(format!(
                    "  model pattern {}: {} [{}] e.g. {}",
                    p.id,
                    p.regex,
                    p.confidence.as_str(),
                    p.examples.join(", ")
                ));
            }
            for ep in r.endpoints().iter().filter(|ep| &ep.vendor == id) {
                text.push(format!(
                    "  endpoint {}: {} [{}]",
                    ep.service,
                    ep.hosts.join(", "),
                    ep.confidence.as_str()
                ));
            }
            for k in &kev {
                text.push(format!(
                    "  KEV {} ({}, added {}): {}",
                    k.cve, k.product, k.date_added, k.name
                ));
            }
            let equivalences = equivalences_of_vendor(r, id);
            text.extend(equivalence_lines(&equivalences));
            for d in &decisions {
                text.push(format!(
                    "  overlay decision: {} ({}, {})",
                    d.kind.as_str(),
                    d.reason,
                    d.date
                ));
            }
            doc.insert("entity".into(), json!(e));
            doc.insert("owner_chain".into(), json!(chain));
            doc.insert("coverage".into(), json!(coverage));
            doc.insert("risk_flags".into(), json!(flags));
            doc.insert("brands".into(), json!(brands));
            doc.insert("kev".into(), json!(kev));
            doc.insert("equivalences".into(), json!(equivalences));
            doc.insert("decisions".into(), json!(decisions));
        } else {
            let links = r.brand_links(id);
            text.push(format!("\n{} — brand", id));
            let mut companies = Vec::new();
            for b in &links {
                text.push(format!(
                    "  {} is {} {}{} [{}]",
                    b.name,
                    b.relation.describe(),
                    b.company,
                    b.period(),
                    b.confidence.as_str()
                ));
                if !b.model_prefixes.is_empty() {
                    text.push(format!(
                        "    only for models starting {}",
                        b.model_prefixes.join(", ")
                    ));
                }
                text.push(format!("    sources: {}", sources_text(&b.sources)));
                if let Some(n) = &b.notes {
                    text.push(format!("    notes: {n}"));
                }
                let cov: Vec<String> = r
                    .coverage(&b.company)
                    .into_iter()
                    .map(|f| f.regime)
                    .collect();
                text.push(format!(
                    "    {} is covered by: {}",
                    b.company,
                    if cov.is_empty() {
                        "nothing".into()
                    } else {
                        cov.join(", ")
                    }
                ));
                companies.push(json!({"company": b.company, "covered_by": cov}));
            }
            for k in r.kev_for(id) {
                text.push(format!(
                    "  KEV {} ({}, added {}): {}",
                    k.cve, k.product, k.date_added, k.name
                ));
            }
            let equivalences = equivalences_of_vendor(r, id);
            text.extend(equivalence_lines(&equivalences));
            doc.insert("brand_links".into(), json!(links));
            doc.insert("companies".into(), json!(companies));
            doc.insert("kev".into(), json!(r.kev_for(id)));
            doc.insert("equivalences".into(), json!(equivalences));
        }
    }
    if let Some(g) = r.regime(name) {
        found = true;
        text.push(format!(
            "\nregime {} — {} ({}, {}): {}",
            g.id, g.title, g.date, g.jurisdiction, g.scope
        ));
        text.push(format!("  sources: {}", sources_text(&g.sources)));
        let named: Vec<String> = r
            .coverage_entries()
            .iter()
            .filter(|c| c.regime == g.id)
            .map(|c| c.entity.to_string())
            .collect();
        text.push(format!(
            "  names: {}",
            if named.is_empty() {
                "-".into()
            } else {
                named.join(", ")
            }
        ));
        doc.insert("regime".into(), json!(g));
    }
    if let Some(p) = r.model_patterns().iter().find(|p| p.id == name) {
        found = true;
        text.push(format!(
            "\npattern {} ({}): {} e.g. {}; sources: {}",
            p.id,
            p.vendor,
            p.regex,
            p.examples.join(", "),
            sources_text(&p.sources)
        ));
        doc.insert("pattern".into(), json!(p));
    }
    if let Some(k) = r.kev().iter().find(|k| k.cve.eq_ignore_ascii_case(name)) {
        found = true;
        text.push(format!(
            "\n{} ({} {}, added {}): {}; sources: {}",
            k.cve,
            k.catalog_vendor,
            k.product,
            k.date_added,
            k.name,
            sources_text(&k.sources)
        ));
        text.extend(kev_range_lines(k));
        doc.insert("kev_entry".into(), json!(k));
    }
    let models = r.equivalents_of(name);
    if !models.is_empty() {
        found = true;
        text.push(format!("\nmodel {name}"));
        text.extend(equivalence_lines(&models));
        doc.insert("model_equivalences".into(), json!(models));
    }
    if !found {
        anyhow::bail!(
            "{name:?} is not in the registry ({}): try `camaudit registry search {name:?}`",
            registry_line(r)
        );
    }
    match format {
        RegFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &Value::Object(doc))?;
            writeln!(out)?;
        }
        RegFormat::Table => {
            for l in text {
                writeln!(out, "{l}")?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The equivalences a vendor takes part in, as the brand or as the maker.
fn equivalences_of_vendor<'r>(r: &'r Registry, id: &VendorId) -> Vec<&'r ModelEquivalence> {
    r.equivalences()
        .iter()
        .filter(|e| &e.brand == id || &e.maker == id)
        .collect()
}

/// "  model equivalence: amcrest AD410 = dahua DH-DB6I [medium]" and its
/// sources.
fn equivalence_lines(equivalences: &[&ModelEquivalence]) -> Vec<String> {
    let mut lines = Vec::new();
    for e in equivalences {
        let aka = if e.aliases.is_empty() {
            String::new()
        } else {
            format!(" (also sold as {})", e.aliases.join(", "))
        };
        lines.push(format!(
            "  model equivalence: {} {}{aka} = {} {} [{}]",
            e.brand,
            e.model,
            e.maker,
            e.original_model,
            e.confidence.as_str()
        ));
        lines.push(format!("    sources: {}", sources_text(&e.sources)));
        if let Some(n) = &e.notes {
            lines.push(format!("    notes: {n}"));
        }
    }
    lines
}

/// The affected ranges of a KEV entry, one block per range.
fn kev_range_lines(k: &KevEntry) -> Vec<String> {
    if k.affected.is_empty() {
        return vec![
            "  affected: no product or firmware range documented (devices are judged unknown)"
                .into(),
        ];
    }
    let mut lines = Vec::new();
    for a in &k.affected {
        lines.push(format!(
            "  affected: {} [{}]",
            a.products,
            a.confidence.as_str()
        ));
        if !a.model_prefixes.is_empty() {
            lines.push(format!(
                "    models starting: {}",
                a.model_prefixes.join(", ")
            ));
        }
        if !a.firmware_prefixes.is_empty() {
            lines.push(format!(
                "    firmware lines: {}",
                a.firmware_prefixes.join(", ")
            ));
        }
        if let Some(b) = &a.build_before {
            lines.push(format!("    builds before {b} are affected"));
        }
        if let Some(f) = &a.fixed_in {
            lines.push(format!("    fixed in: {f}"));
        }
        if let Some(v) = &a.versions {
            lines.push(format!("    versions: {v}"));
        }
        lines.push(format!("    sources: {}", sources_text(&a.sources)));
        if let Some(n) = &a.notes {
            lines.push(format!("    notes: {n}"));
        }
    }
    lines
}

/// A search hit.
#[derive(serde::Serialize)]
struct Hit {
    kind: &'static str,
    id: String,
    name: String,
    matched: String,
    score: f64,
    confidence: String,
    sources: Vec<String>,
}

/// How well `q` (normalized) matches `candidate`: 1 for the same name, 0.9
/// for a prefix, 0.8 for containment, else Jaro-Winkler similarity.
fn score(q: &str, candidate: &str) -> f64 {
    let c = normalize(candidate);
    if q.is_empty() || c.is_empty() {
        return 0.0;
    }
    if c == q {
        1.0
    } else if c.starts_with(q) {
        0.9
    } else if c.contains(q) || (q.len() >= 4 && q.contains(&c) && c.len() >= 4) {
        0.8
    } else {
        strsim::jaro_winkler(q, &c) * 0.85
    }
}

/// Below this a search result is noise.
const SEARCH_MIN: f64 = 0.72;

fn search(out: &mut dyn Write, r: &Registry, text: &str, format: RegFormat) -> Result<()> {
    let q = normalize(text);
    let mut hits: Vec<Hit> = Vec::new();
    let best = |names: Vec<&str>| {
        names
            .into_iter()
            .map(|n| (score(&q, n), n.to_owned()))
            .fold((0.0, String::new()), |a, b| if b.0 > a.0 { b } else { a })
    };
    for e in r.entities() {
        let mut names = vec![e.id.as_str(), e.name.as_str()];
        names.extend(e.aliases.iter().map(String::as_str));
        let (s, m) = best(names);
        if s >= SEARCH_MIN {
            hits.push(Hit {
                kind: "entity",
                id: e.id.to_string(),
                name: e.name.clone(),
                matched: m,
                score: s,
                confidence: e.confidence.as_str().into(),
                sources: e.sources.clone(),
            });
        }
    }
    for b in r.brand_link_list() {
        let mut names = vec![b.brand.as_str(), b.name.as_str()];
        names.extend(b.aliases.iter().map(String::as_str));
        let (s, m) = best(names);
        if s >= SEARCH_MIN {
            hits.push(Hit {
                kind: "brand",
                id: b.brand.to_string(),
                name: format!("{} ({} {})", b.name, b.relation.describe(), b.company),
                matched: m,
                score: s,
                confidence: b.confidence.as_str().into(),
                sources: b.sources.clone(),
            });
        }
    }
    for g in r.regimes() {
        let (s, m) = best(vec![g.id.as_str(), g.title.as_str()]);
        if s >= SEARCH_MIN {
            hits.push(Hit {
                kind: "regime",
                id: g.id.clone(),
                name: g.title.clone(),
                matched: m,
                score: s,
                confidence: g.confidence.as_str().into(),
                sources: g.sources.clone(),
            });
        }
    }
    for p in r.model_patterns() {
        let s = if p.is_match(text) {
            1.0
        } else {
            score(&q, &p.id)
        };
        if s >= SEARCH_MIN {
            hits.push(Hit {
                kind: "model-pattern",
                id: p.id.clone(),
                name: format!("{} model number ({})", p.vendor, p.regex),
                matched: text.trim().to_owned(),
                score: s,
                confidence: p.confidence.as_str().into(),
                sources: p.sources.clone(),
            });
        }
    }
    for e in r.equivalences() {
        let mut names = vec![e.model.as_str(), e.original_model.as_str()];
        names.extend(e.aliases.iter().map(String::as_str));
        let (s, m) = best(names);
        if s >= SEARCH_MIN {
            hits.push(Hit {
                kind: "model-equivalence",
                id: format!("{}/{}", e.brand, e.model),
                name: format!("{} {} = {} {}", e.brand, e.model, e.maker, e.original_model),
                matched: m,
                score: s,
                confidence: e.confidence.as_str().into(),
                sources: e.sources.clone(),
            });
        }
    }
    for k in r.kev() {
        let (s, m) = best(vec![
            k.cve.as_str(),
            k.product.as_str(),
            k.catalog_vendor.as_str(),
        ]);
        if s >= SEARCH_MIN {
            hits.push(Hit {
                kind: "kev",
                id: k.cve.clone(),
                name: format!("{} {}: {}", k.catalog_vendor, k.product, k.name),
                matched: m,
                score: s,
                confidence: k.confidence.as_str().into(),
                sources: k.sources.clone(),
            });
        }
    }
    hits.sort_by(|a, b| {
        b.score
            .partial_cmp(&a.score)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.id.cmp(&b.id))
    });
    hits.iter_mut()
        .for_each(|h| h.score = (h.score * 100.0).round() / 100.0);
    match format {
        RegFormat::Json => {
            serde_json::to_writer_pretty(
                &mut *out,
                &json!({"registry": registry_json(r), "query": text, "results": hits}),
            )?;
            writeln!(out)?;
        }
        RegFormat::Table => {
            writeln!(out, "{}", registry_line(r))?;
            if hits.is_empty() {
                writeln!(out, "nothing in the registry resembles {text:?}")?;
                return Ok(());
            }
            let mut rows = vec![
                ["KIND", "ID", "NAME", "MATCHED", "SCORE", "CONF", "SOURCES"]
                    .map(String::from)
                    .to_vec(),
            ];
            for h in &hits {
                rows.push(vec![
                    h.kind.into(),
                    h.id.clone(),
                    h.name.clone(),
                    h.matched.clone(),
                    format!("{:.2}", h.score),
                    h.confidence.clone(),
                    h.sources.first().cloned().unwrap_or_default(),
                ]);
            }
            write_rows(out, &rows)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg() -> Registry {
        Registry::builtin().expect("the built-in registry loads")
    }

    fn run_show(name: &str, format: RegFormat) -> String {
        let mut out = Vec::new();
        show(&mut out, &reg(), name, format).expect("found");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn show_cve_lists_its_affected_ranges() {
        let text = run_show("CVE-2021-36260", RegFormat::Table);
        assert!(
            text.contains("builds before 2021-06-28 are affected"),
            "{text}"
        );
        assert!(text.contains("fixed in: V5.5.800 build 210628"), "{text}");
        let json: Value =
            serde_json::from_str(&run_show("CVE-2021-33044", RegFormat::Json)).expect("json");
        let ranges = json["kev_entry"]["affected"].as_array().expect("ranges");
        assert!(!ranges.is_empty());
        assert_eq!(ranges[0]["build_before"], "2021-06");
        let tvt = run_show("CVE-2019-20085", RegFormat::Table);
        assert!(
            tvt.contains("no product or firmware range documented"),
            "{tvt}"
        );
    }

    #[test]
    fn show_brand_and_model_list_equivalences() {
        let text = run_show("amcrest", RegFormat::Table);
        assert!(
            text.contains("model equivalence: amcrest AD410 = dahua DH-DB6I"),
            "{text}"
        );
        let json: Value = serde_json::from_str(&run_show("ad410", RegFormat::Json)).expect("json");
        assert_eq!(json["model_equivalences"][0]["maker"], "dahua");
        // The maker's page lists the models others sell.
        let dahua = run_show("dahua", RegFormat::Table);
        assert!(dahua.contains("imou DB61i = dahua DH-DB6I"), "{dahua}");
    }

    #[test]
    fn search_and_list_include_equivalences() {
        let mut out = Vec::new();
        search(&mut out, &reg(), "AD41", RegFormat::Json).expect("search");
        let json: Value = serde_json::from_slice(&out).expect("json");
        let hits = json["results"].as_array().expect("results");
        assert!(
            hits.iter()
                .any(|h| h["kind"] == "model-equivalence" && h["id"] == "amcrest/AD410"),
            "{json}"
        );
        let mut out = Vec::new();
        list(&mut out, &reg(), None, RegFormat::Json).expect("list");
        let json: Value = serde_json::from_slice(&out).expect("json");
        assert!(
            json["equivalences"]
                .as_array()
                .is_some_and(|e| e.len() >= 8)
        );
        assert!(json["kev"][0]["affected"].is_array());
    }
}
