//! `camaudit registry`'s answers as text and JSON: the registry crate's
//! typed queries (`Registry::listing`, `profile`, `search`) rendered, so
//! the CLI and, later, the server's registry endpoints show one shape.

use std::io::{Result, Write};

use camaudit_registry::{
    BrandProfile, CompanyProfile, KevEntry, Listing, ModelEquivalence, Profile, RegimeProfile,
    SearchResults, SourceHosts, VendorProfile,
};
use serde::Serialize;

use crate::check::write_aligned;

/// Pretty JSON with every object's keys sorted (through `Value`, whose
/// objects are ordered maps), as `camaudit registry` has always written it.
pub fn write_registry_json(out: &mut dyn Write, answer: &impl Serialize) -> Result<()> {
    let value = serde_json::to_value(answer)?;
    serde_json::to_writer_pretty(&mut *out, &value)?;
    writeln!(out)?;
    Ok(())
}

fn sources_text(sources: &[String]) -> String {
    sources.join(" ")
}

/// The source an auditor should read first, its class, and how many
/// others the entry cites: `https://www.fcc.gov/… [primary] (+1)`. The
/// JSON form and `registry show` keep every source.
fn strongest_source(sources: &[String]) -> String {
    let Some(best) = SourceHosts::builtin().strongest(sources) else {
        return "-".into();
    };
    match sources.len() - 1 {
        0 => format!("{} [{}]", best.source, best.class.as_str()),
        more => format!("{} [{}] (+{more})", best.source, best.class.as_str()),
    }
}

/// "-" for an empty list, else the items joined with `sep`.
fn joined_or_dash(items: &[String], sep: &str) -> String {
    if items.is_empty() {
        "-".into()
    } else {
        items.join(sep)
    }
}

pub fn write_listing(out: &mut dyn Write, l: &Listing) -> Result<()> {
    writeln!(out, "{}", l.registry)?;
    if let Some(regimes) = l.regimes {
        section(
            out,
            "REGIMES",
            &[
                "ID",
                "KIND",
                "DATE",
                "SUBSIDIARIES",
                "CONF",
                "STRONGEST SOURCE",
            ],
            regimes.iter().map(|g| {
                vec![
                    g.id.clone(),
                    format!("{:?}", g.kind).to_lowercase(),
                    g.date.clone(),
                    if g.includes_subsidiaries { "yes" } else { "no" }.into(),
                    g.confidence.as_str().into(),
                    strongest_source(&g.sources),
                ]
            }),
        )?;
    }
    if let Some(entities) = &l.entities {
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
                "STRONGEST SOURCE",
            ],
            entities.iter().map(|listed| {
                let e = listed.entity;
                vec![
                    e.id.to_string(),
                    e.name.clone(),
                    e.jurisdiction.clone(),
                    e.parent.as_ref().map_or("-".into(), |p| p.to_string()),
                    match listed.disputed_by.as_slice() {
                        [] => joined_or_dash(&listed.covered_by, ","),
                        d if listed.covered_by.is_empty() => format!("disputed: {}", d.join(",")),
                        d => format!("{}; disputed: {}", listed.covered_by.join(","), d.join(",")),
                    },
                    e.confidence.as_str().into(),
                    strongest_source(&e.sources),
                ]
            }),
        )?;
    }
    if let Some(brands) = l.brands {
        section(
            out,
            "BRANDS",
            &[
                "BRAND",
                "RELATION",
                "COMPANY",
                "PERIOD",
                "CONF",
                "STRONGEST SOURCE",
            ],
            brands.iter().map(|b| {
                vec![
                    b.brand.to_string(),
                    b.relation.as_str().into(),
                    b.company.to_string(),
                    period(b.from.as_deref(), b.until.as_deref()),
                    b.confidence.as_str().into(),
                    strongest_source(&b.sources),
                ]
            }),
        )?;
    }
    if let Some(coverage) = l.coverage {
        section(
            out,
            "COVERAGE",
            &[
                "REGIME",
                "ENTITY",
                "FROM",
                "INTERPRETATION",
                "CONF",
                "STRONGEST SOURCE",
            ],
            coverage.iter().map(|c| {
                vec![
                    c.regime.clone(),
                    c.entity.to_string(),
                    c.from.clone().unwrap_or_else(|| "-".into()),
                    if c.interpretation { "yes" } else { "no" }.into(),
                    c.confidence.as_str().into(),
                    strongest_source(&c.sources),
                ]
            }),
        )?;
    }
    if let Some(patterns) = l.patterns {
        section(
            out,
            "MODEL PATTERNS",
            &["ID", "VENDOR", "REGEX", "CONF", "STRONGEST SOURCE"],
            patterns.iter().map(|p| {
                vec![
                    p.id.clone(),
                    p.vendor.to_string(),
                    p.regex.clone(),
                    p.confidence.as_str().into(),
                    strongest_source(&p.sources),
                ]
            }),
        )?;
    }
    if let Some(endpoints) = l.endpoints {
        section(
            out,
            "ENDPOINTS",
            &[
                "VENDOR",
                "SERVICE",
                "HOSTS",
                "PORTS",
                "CONF",
                "STRONGEST SOURCE",
            ],
            endpoints.iter().map(|e| {
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
                    strongest_source(&e.sources),
                ]
            }),
        )?;
    }
    if let Some(kev) = l.kev {
        section(
            out,
            "KNOWN EXPLOITED VULNERABILITIES (CISA KEV)",
            &["CVE", "VENDOR", "PRODUCT", "ADDED", "RANGES", "NAME"],
            kev.iter().map(|k| {
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
    if let Some(equivalences) = l.equivalences {
        section(
            out,
            "MODEL EQUIVALENCES",
            &[
                "BRAND",
                "MODEL",
                "MAKER",
                "ORIGINAL",
                "CONF",
                "STRONGEST SOURCE",
            ],
            equivalences.iter().map(|e| {
                vec![
                    e.brand.to_string(),
                    e.model.clone(),
                    e.maker.to_string(),
                    e.original_model.clone(),
                    e.confidence.as_str().into(),
                    strongest_source(&e.sources),
                ]
            }),
        )?;
    }
    // Without an overlay there are no decisions, and the text says nothing
    // of them (the JSON form has an empty list).
    if let Some(decisions) = l.decisions.filter(|_| l.registry.overlay.is_some()) {
        section(
            out,
            "DECISIONS (overlay)",
            &["SUBJECT", "DECISION", "DATE", "MODELS", "REASON", "SOURCES"],
            decisions.iter().map(|d| {
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
    write_aligned(out, rows)
}

/// `show` as text: the registry line, then one block per thing the name is.
pub fn write_profile(out: &mut dyn Write, p: &Profile) -> Result<()> {
    let mut text: Vec<String> = vec![p.registry.to_string()];
    match &p.vendor {
        Some(VendorProfile::Company(c)) => text.extend(company_lines(c)),
        Some(VendorProfile::Brand(b)) => text.extend(brand_lines(b)),
        None => {}
    }
    if let Some(g) = &p.regime {
        text.extend(regime_lines(g));
    }
    if let Some(pat) = p.pattern {
        text.push(format!(
            "\npattern {} ({}): {} e.g. {}; sources: {}",
            pat.id,
            pat.vendor,
            pat.regex,
            pat.examples.join(", "),
            sources_text(&pat.sources)
        ));
    }
    if let Some(k) = p.kev_entry {
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
    }
    if !p.model_equivalences.is_empty() {
        text.push(format!("\nmodel {}", p.query));
        text.extend(equivalence_lines(&p.model_equivalences));
    }
    for l in text {
        writeln!(out, "{l}")?;
    }
    Ok(())
}

fn company_lines(c: &CompanyProfile) -> Vec<String> {
    let e = c.entity;
    let chain: Vec<&str> = c.owner_chain.iter().map(|id| id.as_str()).collect();
    let mut text = vec![format!("\n{} — {} ({})", e.id, e.name, e.jurisdiction)];
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
    for (i, r) in e.readings.iter().enumerate() {
        let parent = r
            .parent
            .as_ref()
            .map_or("no controlling company".to_owned(), |p| {
                format!("controlled by {p}")
            });
        text.push(format!(
            "  reading {} ({}, {parent}; {}): {}",
            i + 1,
            r.jurisdiction,
            r.confidence.as_str(),
            r.basis
        ));
        text.push(format!("    sources: {}", sources_text(&r.sources)));
    }
    if c.coverage.is_empty() && c.disputed.is_empty() {
        text.push(
            "  covered by: nothing (no procurement-ban regime covers it or its owners)".into(),
        );
    }
    for d in &c.disputed {
        text.push(format!("  disputed: {}", d.describe()));
    }
    for f in &c.coverage {
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
        text.push(format!("    weakest link: {}", f.weakest_link.to_text()));
    }
    for f in &c.risk_flags {
        text.push(format!(
            "  risk flag {} via {} ({}): {}",
            f.regime,
            f.entity,
            f.confidence.as_str(),
            f.basis
        ));
    }
    for b in &c.brands {
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
    for p in &c.model_patterns {
        text.push(format!(
            "  model pattern {}: {} [{}] e.g. {}",
            p.id,
            p.regex,
            p.confidence.as_str(),
            p.examples.join(", ")
        ));
    }
    for ep in &c.endpoints {
        text.push(format!(
            "  endpoint {}: {} [{}]",
            ep.service,
            ep.hosts.join(", "),
            ep.confidence.as_str()
        ));
    }
    text.extend(kev_lines(&c.kev));
    text.extend(equivalence_lines(&c.equivalences));
    for d in &c.decisions {
        text.push(format!(
            "  overlay decision: {} ({}, {})",
            d.kind.as_str(),
            d.reason,
            d.date
        ));
    }
    text
}

fn brand_lines(b: &BrandProfile) -> Vec<String> {
    let mut text = vec![format!("\n{} — brand", b.brand)];
    for (link, company) in b.brand_links.iter().zip(&b.companies) {
        text.push(format!(
            "  {} is {} {}{} [{}]",
            link.name,
            link.relation.describe(),
            link.company,
            link.period(),
            link.confidence.as_str()
        ));
        if !link.model_prefixes.is_empty() {
            text.push(format!(
                "    only for models starting {}",
                link.model_prefixes.join(", ")
            ));
        }
        for e in &link.exceptions {
            text.push(format!(
                "    except models starting {} ({}{}): {}",
                e.model_prefixes.join(", "),
                e.confidence.as_str(),
                e.made_by
                    .as_ref()
                    .map_or(String::new(), |m| format!(", made by {m}")),
                e.basis
            ));
        }
        text.push(format!("    sources: {}", sources_text(&link.sources)));
        if let Some(n) = &link.notes {
            text.push(format!("    notes: {n}"));
        }
        text.push(format!(
            "    {} is covered by: {}",
            company.company,
            if company.covered_by.is_empty() {
                "nothing".into()
            } else {
                company.covered_by.join(", ")
            }
        ));
        if let Some(s) = &company.strength {
            text.push(format!(
                "    a device with only this label: {}; weakest link: {}",
                s.verdict.as_str(),
                s.weakest_link
            ));
        }
    }
    text.extend(kev_lines(&b.kev));
    text.extend(equivalence_lines(&b.equivalences));
    text
}

fn regime_lines(p: &RegimeProfile) -> Vec<String> {
    let g = p.regime;
    let names: Vec<String> = p.names.iter().map(|id| id.to_string()).collect();
    vec![
        format!(
            "\nregime {} — {} ({}, {}): {}",
            g.id, g.title, g.date, g.jurisdiction, g.scope
        ),
        format!("  sources: {}", sources_text(&g.sources)),
        format!("  names: {}", joined_or_dash(&names, ", ")),
    ]
}

/// "  KEV CVE-2021-36260 (Hikvision IP cameras, added 2022-01-10): …".
fn kev_lines(kev: &[&KevEntry]) -> Vec<String> {
    kev.iter()
        .map(|k| {
            format!(
                "  KEV {} ({}, added {}): {}",
                k.cve, k.product, k.date_added, k.name
            )
        })
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

pub fn write_search(out: &mut dyn Write, s: &SearchResults) -> Result<()> {
    writeln!(out, "{}", s.registry)?;
    if s.results.is_empty() {
        writeln!(out, "nothing in the registry resembles {:?}", s.query)?;
        return Ok(());
    }
    let mut rows = vec![
        [
            "KIND",
            "ID",
            "NAME",
            "MATCHED",
            "SCORE",
            "CONF",
            "STRONGEST SOURCE",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for h in &s.results {
        rows.push(vec![
            h.kind.as_str().into(),
            h.id.clone(),
            h.name.clone(),
            h.matched.clone(),
            format!("{:.2}", h.score),
            h.confidence.as_str().into(),
            strongest_source(h.sources),
        ]);
    }
    write_rows(out, &rows)
}
