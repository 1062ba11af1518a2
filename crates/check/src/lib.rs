//! `camaudit check`: the registry's answer for each line of a procurement
//! list, framework catalogue, quote or asset register.
//!
//! A line is evidence like any other: its cells become observations
//! (`import.manufacturer`, `import.brand`, `import.model`, `import.serial`;
//! brand names and model-number-like tokens found in a free-text
//! description), the identify engine attributes them
//! ([`camaudit_identify::Engine::identify_one`]: label brand → OEM relation
//! → company → owners → regimes, with sources and confidence), and the
//! device becomes a [`Verdict`]:
//!
//! - `covered`: a procurement-ban regime covers the maker and every link of
//!   the chain is of medium or high confidence (or an organisation's
//!   overlay bans it);
//! - `likely-covered`: a regime covers the maker, but the chain rests on a
//!   low-confidence link (a brand relation known from one community report,
//!   protocol compatibility); [`Outcome::weakest_link`] names it;
//! - `disputed`: the maker's jurisdiction or control is disputed and a
//!   regime covers it under some readings only (an overlay decision settles
//!   it for the organisation);
//! - `not-covered`: the maker is positively identified as a registry company
//!   that no regime covers (or the overlay trusts it);
//! - `unknown`: anything else. camaudit never guesses.
//!
//! [`FailOn`] turns the verdicts into a purchase gate.
//!
//! ```no_run
//! use camaudit_check::{Checker, read_path};
//! let engine = camaudit_identify::Engine::builtin().unwrap();
//! let table = read_path(std::path::Path::new("quote.csv"), None).unwrap();
//! let report = Checker::new(&engine).check(table).unwrap();
//! for line in &report.lines {
//!     println!("{} {}", line.row, line.outcome.verdict.as_str());
//! }
//! ```

mod columns;
mod date;
mod read;
mod text;

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use camaudit_identify::{EQUIVALENCE_RULE, Engine, MODEL_FIELD, REGISTRY_NAME_RULE};
use camaudit_model::{Device, Field, Observation, Source, VendorId};
use camaudit_registry::{Decision, DecisionKind, Registry};
use serde::Serialize;

/// A line's known exploited vulnerabilities are the same notes a device
/// carries (`Device::vulnerabilities`): one type, one JSON shape.
pub use camaudit_model::KevNote;
pub use columns::{Columns, Role, header_key};
pub use date::parse_date;
pub use read::{Row, Table, read_csv, read_path};
pub use text::{Parsed, looks_like_model, parse as parse_text};

/// A problem with the input, naming the file and, where there is one, the
/// row and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}{}: {message}", .row.map(|r| format!(": row {r}")).unwrap_or_default(), .column.as_ref().map(|c| format!(", column {c:?}")).unwrap_or_default())]
pub struct CheckError {
    pub file: String,
    /// The row as a spreadsheet program numbers it (header = row 1).
    pub row: Option<usize>,
    pub column: Option<String>,
    pub message: String,
}

impl CheckError {
    pub fn file(file: &str, message: impl Into<String>) -> Self {
        CheckError {
            file: file.to_owned(),
            row: None,
            column: None,
            message: message.into(),
        }
    }

    pub fn at(file: &str, row: usize, column: Option<String>, message: impl Into<String>) -> Self {
        CheckError {
            file: file.to_owned(),
            row: Some(row),
            column,
            message: message.into(),
        }
    }
}

/// The answer for one line: the same vocabulary as a device's coverage.
pub use camaudit_model::Verdict;

/// Which verdicts make `camaudit check` fail (exit status 3): a line whose
/// verdict is this one or more serious, in the order covered >
/// likely-covered > disputed > unknown > not-covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FailOn {
    /// Only `covered` lines.
    Covered,
    /// `covered` and `likely-covered` lines.
    Likely,
    /// Those and `disputed` lines: a dispute is for a person (or an overlay
    /// decision) to settle, not for the gate to wave through.
    #[default]
    Disputed,
    /// Everything not positively `not-covered`: an allow-list gate.
    Unknown,
}

impl FailOn {
    pub const ALL: [FailOn; 4] = [
        FailOn::Covered,
        FailOn::Likely,
        FailOn::Disputed,
        FailOn::Unknown,
    ];

    /// The least serious verdict that fails.
    pub fn threshold(self) -> Verdict {
        match self {
            FailOn::Covered => Verdict::Covered,
            FailOn::Likely => Verdict::LikelyCovered,
            FailOn::Disputed => Verdict::Disputed,
            FailOn::Unknown => Verdict::Unknown,
        }
    }

    pub fn fails(self, verdict: Verdict) -> bool {
        verdict >= self.threshold()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FailOn::Covered => "covered",
            FailOn::Likely => "likely",
            FailOn::Disputed => "disputed",
            FailOn::Unknown => "unknown",
        }
    }
}

/// One link of the reason chain, with its confidence and sources.
///
/// The claim and the source list are shared (`Arc`): the same registry
/// relation, owner chain or regime basis recurs on many lines of a register,
/// and is stored once however many lines cite it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    #[serde(serialize_with = "serialize_str")]
    pub claim: Arc<str>,
    pub confidence: f64,
    #[serde(
        skip_serializing_if = "sources_empty",
        serialize_with = "serialize_sources"
    )]
    pub sources: Arc<[String]>,
}

fn serialize_str<S: serde::Serializer>(s: &Arc<str>, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_str(s)
}

fn serialize_sources<S: serde::Serializer>(s: &Arc<[String]>, ser: S) -> Result<S::Ok, S::Error> {
    ser.collect_seq(s.iter())
}

fn sources_empty(s: &Arc<[String]>) -> bool {
    s.is_empty()
}

impl Reason {
    fn new(claim: String, confidence: f64, sources: Vec<String>) -> Self {
        Reason {
            claim: claim.into(),
            confidence: (confidence * 100.0).round() / 100.0,
            sources: sources.into(),
        }
    }

    /// "claim (confidence 0.75; source URL, +2 more)".
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.write_text(&mut out);
        out
    }

    /// Appends [`Reason::to_text`] to `out`, for writers that reuse a buffer
    /// across 100,000 lines instead of allocating per reason.
    pub fn write_text(&self, out: &mut String) {
        use std::fmt::Write as _;
        let _ = write!(out, "{} (confidence {:.2}", self.claim, self.confidence);
        let _ = match &*self.sources {
            [] => Ok(()),
            [one] => write!(out, "; source {one}"),
            [first, rest @ ..] => write!(out, "; source {first}, +{} more", rest.len()),
        };
        out.push(')');
    }
}

/// Shares equal claims and source lists between the outcomes of one worker,
/// so that 100,000 distinct lines citing the same few registry facts hold
/// each fact once.
#[derive(Default)]
struct Interner {
    claims: HashSet<Arc<str>>,
    sources: HashSet<Arc<[String]>>,
}

impl Interner {
    fn reason(&mut self, claim: String, confidence: f64, sources: Vec<String>) -> Reason {
        let confidence = (confidence * 100.0).round() / 100.0;
        let claim = self.str(claim);
        let sources = match self.sources.get(sources.as_slice()) {
            Some(s) => s.clone(),
            None => {
                let s: Arc<[String]> = sources.into();
                self.sources.insert(s.clone());
                s
            }
        };
        Reason {
            claim,
            confidence,
            sources,
        }
    }

    fn str(&mut self, s: String) -> Arc<str> {
        match self.claims.get(s.as_str()) {
            Some(c) => c.clone(),
            None => {
                let c: Arc<str> = s.into();
                self.claims.insert(c.clone());
                c
            }
        }
    }
}

/// What the registry says about a line's equipment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub verdict: Verdict,
    /// Who made it (registry id), when known.
    pub maker: Option<VendorId>,
    /// The brand on the label, when it is not the maker's own name.
    pub label: Option<VendorId>,
    /// The maker's ultimate owner.
    pub owner: Option<VendorId>,
    pub model: Option<String>,
    /// Regime ids (`fcc-covered-list`, `ndaa-889`, `uk-2022-directive`), and
    /// `decision:<overlay>` when an organisation's overlay bans it.
    pub covered_by: Vec<String>,
    /// Confidence in the maker (0 when unknown).
    pub confidence: f64,
    /// For a covered, likely-covered or disputed line: the weakest link of
    /// the chain in words, "label swann → OEM / white-label reseller of
    /// hikvision (low)", or what the readings disagree on.
    pub weakest_link: Option<String>,
    /// For a disputed line: the regimes that cover it under some readings
    /// of its maker's jurisdiction only.
    pub disputed_by: Vec<String>,
    /// One line: "annke → OEM / white-label reseller of hikvision".
    pub summary: String,
    pub reasons: Vec<Reason>,
    /// CISA KEV CVEs recorded against the maker or the label brand, each
    /// judged against the line's model and firmware.
    pub kev: Vec<KevNote>,
}

/// A checked line: where it is, its cells, and the outcome.
#[derive(Debug, Clone)]
pub struct Line {
    /// 1-based among the data rows, header excluded.
    pub row: usize,
    /// Spreadsheet row number (header = row 1).
    pub line: usize,
    pub cells: Vec<String>,
    pub outcome: Arc<Outcome>,
}

/// A checked table.
#[derive(Debug, Clone)]
pub struct Report {
    pub file: String,
    pub headers: Vec<String>,
    pub columns: Columns,
    pub lines: Vec<Line>,
}

impl Report {
    pub fn count(&self, verdict: Verdict) -> usize {
        self.lines
            .iter()
            .filter(|l| l.outcome.verdict == verdict)
            .count()
    }

    pub fn any_covered(&self) -> bool {
        self.lines
            .iter()
            .any(|l| l.outcome.verdict == Verdict::Covered)
    }

    /// Whether any line fails the gate.
    pub fn fails(&self, gate: FailOn) -> bool {
        self.lines.iter().any(|l| gate.fails(l.outcome.verdict))
    }
}

/// The cells of a line that identify equipment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct LineInput {
    pub manufacturer: String,
    pub brand: String,
    pub model: String,
    pub description: String,
    pub serial: String,
    /// Read only for the KEV ranges (builds before a fix).
    pub firmware: String,
    /// Purchase or installation date: brand relations are taken as they
    /// stood then.
    pub date: String,
}

impl LineInput {
    fn normalized(&self) -> LineInput {
        let n = |s: &str| {
            s.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
        };
        LineInput {
            manufacturer: n(&self.manufacturer),
            brand: n(&self.brand),
            model: n(&self.model),
            description: n(&self.description),
            serial: n(&self.serial),
            firmware: n(&self.firmware),
            date: n(&self.date),
        }
    }

    fn is_empty(&self) -> bool {
        [
            &self.manufacturer,
            &self.brand,
            &self.model,
            &self.description,
            &self.serial,
        ]
        .iter()
        .all(|s| s.trim().is_empty())
    }
}

/// Checks lines against the engine's registry, remembering the outcome of
/// each distinct line (registers repeat lines).
pub struct Checker<'e> {
    engine: &'e Engine,
    cache: HashMap<LineInput, Arc<Outcome>>,
}

impl<'e> Checker<'e> {
    pub fn new(engine: &'e Engine) -> Self {
        Checker {
            engine,
            cache: HashMap::new(),
        }
    }

    pub fn registry(&self) -> &Registry {
        self.engine.registry()
    }

    /// Checks every non-blank row of a table. The table is consumed: each
    /// row's cells move into its line of the report (a register of 100,000
    /// lines would otherwise be held twice).
    pub fn check(&mut self, table: Table) -> Result<Report, CheckError> {
        let header_line = table
            .rows
            .first()
            .map_or(1, |r| r.line.saturating_sub(1).max(1));
        let columns = Columns::from_headers(&table.file, header_line, &table.headers)?;
        let rows: Vec<Row> = table.rows.into_iter().filter(|r| !r.is_blank()).collect();
        if rows.is_empty() {
            return Err(CheckError::at(
                &table.file,
                header_line,
                None,
                "there are no data rows under the header: add the lines to check",
            ));
        }
        let cell = |row: &Row, role: Role| {
            columns
                .get(role)
                .and_then(|i| row.cells.get(i))
                .cloned()
                .unwrap_or_default()
        };
        let this = &*self;
        // (the line as checked, its cache key), on all cores.
        let inputs: Vec<(LineInput, LineInput)> = par_map(&rows, |row| {
            let input = this.cache_input(LineInput {
                manufacturer: cell(row, Role::Manufacturer),
                brand: cell(row, Role::Brand),
                model: cell(row, Role::Model),
                description: cell(row, Role::Description),
                serial: cell(row, Role::Serial),
                firmware: cell(row, Role::Firmware),
                date: cell(row, Role::Date),
            });
            let key = input.normalized();
            (input, key)
        });
        self.evaluate_parallel(&inputs);
        let mut lines = Vec::with_capacity(rows.len());
        for (row, (input, key)) in rows.into_iter().zip(&inputs) {
            let outcome = match self.cache.get(key) {
                Some(o) => o.clone(),
                None => self.check_line(input),
            };
            lines.push(Line {
                row: row.number,
                line: row.line,
                cells: row.cells,
                outcome,
            });
        }
        Ok(Report {
            file: table.file,
            headers: table.headers,
            columns,
            lines,
        })
    }

    /// A serial number no rule reads adds no evidence: it is left out of
    /// the line as checked, so that it does not split the cache (every line
    /// of a register has its own serial).
    fn cache_input(&self, mut input: LineInput) -> LineInput {
        if !input.serial.trim().is_empty()
            && self
                .engine
                .rules()
                .match_value("import.serial", input.serial.trim())
                .is_empty()
        {
            input.serial.clear();
        }
        input
    }

    /// Evaluates the distinct lines not yet cached on all cores.
    fn evaluate_parallel(&mut self, inputs: &[(LineInput, LineInput)]) {
        let mut todo: Vec<(&LineInput, &LineInput)> = Vec::new();
        let mut seen = HashSet::new();
        for (input, key) in inputs {
            if !self.cache.contains_key(key) && seen.insert(key) {
                todo.push((key, input));
            }
        }
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        if todo.len() < 256 || threads < 2 {
            return;
        }
        let chunk = todo.len().div_ceil(threads);
        let this = &*self;
        let done: Vec<Vec<(LineInput, Arc<Outcome>)>> = std::thread::scope(|s| {
            let handles: Vec<_> = todo
                .chunks(chunk)
                .map(|part| {
                    s.spawn(move || {
                        let mut interner = Interner::default();
                        part.iter()
                            .map(|(k, i)| {
                                let k = (*k).clone();
                                (k, Arc::new(this.evaluate(i, &mut interner)))
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles.into_iter().filter_map(|h| h.join().ok()).collect()
        });
        for part in done {
            self.cache.extend(part);
        }
    }

    /// The outcome for one line's identifying cells.
    pub fn check_line(&mut self, input: &LineInput) -> Arc<Outcome> {
        let input = self.cache_input(input.clone());
        let input = &input;
        let key = input.normalized();
        if let Some(o) = self.cache.get(&key) {
            return o.clone();
        }
        let outcome = Arc::new(self.evaluate(input, &mut Interner::default()));
        self.cache.insert(key, outcome.clone());
        outcome
    }

    fn evaluate(&self, input: &LineInput, interner: &mut Interner) -> Outcome {
        let registry = self.engine.registry();
        if input.is_empty() {
            return Outcome::unknown(
                "no manufacturer, brand, model or description on this line".into(),
            );
        }
        let observations = observations(registry, input);
        let date = parse_date(&input.date);
        let device = self.engine.identify_one_at(&observations, date.as_deref());
        let Some(device) = device.filter(|_| !observations.is_empty()) else {
            return Outcome::unknown(
                "nothing on this line names a maker, brand or model number the registry or rules know".into(),
            );
        };
        let mut outcome = outcome_for(registry, device, input, interner);
        if let Some(note) = date_reason(&input.date, date.as_deref(), interner) {
            outcome.reasons.insert(0, note);
        }
        outcome
    }
}

impl Outcome {
    fn unknown(why: String) -> Outcome {
        Outcome {
            verdict: Verdict::Unknown,
            maker: None,
            label: None,
            owner: None,
            model: None,
            covered_by: Vec::new(),
            confidence: 0.0,
            weakest_link: None,
            disputed_by: Vec::new(),
            summary: why.clone(),
            reasons: vec![Reason::new(why, 0.0, Vec::new())],
            kev: Vec::new(),
        }
    }
}

/// `f` over `items`, on all cores when there are enough items to be worth
/// it, in order.
fn par_map<T: Sync, U: Send>(items: &[T], f: impl Fn(&T) -> U + Sync) -> Vec<U> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if items.len() < 1024 || threads < 2 {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| s.spawn(move || part.iter().map(f).collect::<Vec<U>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// The observations a line stands for. All share one address: the engine's
/// [`Engine::identify_one`] keeps them together and apart from other lines.
pub fn observations(registry: &Registry, input: &LineInput) -> Vec<Observation> {
    let addr = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
    let mut out = Vec::new();
    let mut push = |field: &str, value: &str| {
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        if let Ok(field) = Field::new(field) {
            out.push(Observation {
                addr,
                port: None,
                source: Source::Import,
                field,
                value: value.to_owned(),
                seen_at: None,
            });
        }
    };
    push("import.manufacturer", &input.manufacturer);
    push("import.brand", &input.brand);
    push("import.serial", &input.serial);
    let model = input.model.trim();
    if !model.is_empty() {
        if model.split_whitespace().count() > 1 {
            // "Hikvision DS-2CD2143G2-I": a maker's name and a model in one cell.
            let parsed = text::parse(registry, model);
            for n in &parsed.names {
                push("import.brand", n);
            }
            for m in &parsed.models {
                push("import.model", m);
            }
        }
        push("import.model", model);
    }
    let description = input.description.trim();
    if !description.is_empty() {
        let parsed = text::parse(registry, description);
        if input.manufacturer.trim().is_empty() && input.brand.trim().is_empty() {
            for n in &parsed.names {
                push("import.brand", n);
            }
        }
        if model.is_empty() {
            for m in &parsed.models {
                push("import.model", m);
            }
        }
    }
    out
}

fn outcome_for(
    registry: &Registry,
    mut device: Device,
    input: &LineInput,
    interner: &mut Interner,
) -> Outcome {
    let mut reasons = Vec::new();
    // What on the line was recognised, and by which rule.
    for ev in &device.evidence {
        let Some(rule) = ev.rule.as_deref() else {
            continue;
        };
        let a = &ev.asserts;
        let what = match (&a.label_vendor, &a.manufacturer) {
            (Some(l), _) if rule == REGISTRY_NAME_RULE => {
                format!("is the registry name of {l}")
            }
            (Some(l), Some(m)) => format!("matches rule {rule}: brand {l}, made by {m}"),
            (Some(l), None) => format!("matches rule {rule}: brand {l}"),
            (None, Some(m)) if rule == EQUIVALENCE_RULE => {
                reasons.extend(equivalence_reasons(registry, &ev.value, m, interner));
                continue;
            }
            (None, Some(m)) if ev.field == MODEL_FIELD => {
                format!("matches the {m} model-number grammar (rule {rule})")
            }
            (None, Some(m)) => format!("matches rule {rule}: made by {m}"),
            (None, None) => continue,
        };
        let field = match ev.field.as_str() {
            "import.manufacturer" => "manufacturer",
            "import.brand" => "brand",
            "import.model" | "fact.model" => "model",
            "import.serial" => "serial",
            other => other,
        };
        reasons.push(interner.reason(
            format!("{field} {:?} {what}", ev.value),
            ev.confidence.get(),
            Vec::new(),
        ));
    }
    if let Some(model) = &device.model {
        for p in registry.match_model(model) {
            reasons.push(interner.reason(
                format!(
                    "model {model:?} matches registry pattern {} ({})",
                    p.id, p.vendor
                ),
                p.confidence.confidence().get(),
                p.sources.clone(),
            ));
        }
    }
    // Attribution steps come from the engine's memo, already shared.
    reasons.extend(
        std::mem::take(&mut device.attribution)
            .into_iter()
            .map(|step| Reason {
                claim: step.claim,
                confidence: (step.confidence.get() * 100.0).round() / 100.0,
                sources: step.sources,
            }),
    );
    let device = &device;

    let maker = device.manufacturer.clone();
    let label = device
        .label_vendor
        .clone()
        .filter(|l| Some(l) != maker.as_ref());
    let mut covered_by = device.covered_by.clone();
    let confidence = device.confidence.get();
    let decision = decision_for(registry, device, input);
    let identified_trusted = maker
        .as_ref()
        .is_some_and(|m| registry.entity(m).is_some() && confidence >= TRUSTED_MIN_CONFIDENCE);
    let strength = device.coverage.as_ref();
    let mut weakest_link = strength.map(|c| c.weakest_link.clone());
    let mut disputed_by = Vec::new();
    let verdict = match (decision, strength) {
        (_, Some(c)) if c.verdict.is_covered() => {
            if let Some(d) = decision.filter(|d| d.kind == DecisionKind::Trusted) {
                reasons.push(decision_reason(
                    registry,
                    d,
                    "but regimes cover it, and a regime prevails over an organisation's decision",
                ));
            }
            c.verdict
        }
        (Some(d), _) if d.kind == DecisionKind::Banned => {
            reasons.push(decision_reason(registry, d, "so the line is covered"));
            let by = format!("decision:{}", registry.overlay_name().unwrap_or("overlay"));
            weakest_link = Some(format!("banned by {by} (an organisation decision)"));
            covered_by.push(by);
            Verdict::Covered
        }
        (Some(d), Some(c)) if c.verdict == Verdict::Disputed => {
            reasons.push(decision_reason(
                registry,
                d,
                "which settles the dispute over its maker's jurisdiction for this organisation",
            ));
            weakest_link = None;
            Verdict::NotCovered
        }
        (None, Some(c)) if c.verdict == Verdict::Disputed => {
            disputed_by = c.disputed_by.clone();
            reasons.push(interner.reason(
                format!(
                    "disputed, not guessed: {}; record your organisation's decision in an overlay (--registry) to settle it",
                    c.weakest_link
                ),
                0.0,
                Vec::new(),
            ));
            Verdict::Disputed
        }
        (Some(d), _) => {
            reasons.push(decision_reason(registry, d, "and no regime covers it"));
            Verdict::NotCovered
        }
        (None, _) if identified_trusted => {
            if let Some(m) = &maker {
                let e = registry.entity(m);
                reasons.push(interner.reason(
                    format!(
                        "{m} ({}, {}) is in the registry and no regime covers it or its owners",
                        e.map_or("", |e| e.name.as_str()),
                        e.map_or("", |e| e.jurisdiction.as_str())
                    ),
                    confidence,
                    e.map(|e| e.sources.clone()).unwrap_or_default(),
                ));
            }
            Verdict::NotCovered
        }
        (None, _) => {
            let why = match &maker {
                Some(m) if registry.entity(m).is_none() => format!(
                    "maker {m} is not a registry company: camaudit cannot say whether it is covered"
                ),
                Some(m) => format!(
                    "maker {m} is identified only weakly (confidence {confidence:.2} < {TRUSTED_MIN_CONFIDENCE}): check the line's model number"
                ),
                None => "the maker could not be identified from this line".to_owned(),
            };
            reasons.push(Reason::new(why, 0.0, Vec::new()));
            Verdict::Unknown
        }
    };
    let kev = kev_notes(registry, [maker.as_ref(), label.as_ref()], device, input);
    let summary = summary(registry, device, maker.as_ref(), label.as_ref(), verdict);
    Outcome {
        verdict,
        maker,
        label,
        owner: device
            .owner
            .clone()
            .filter(|o| Some(o) != device.manufacturer.as_ref()),
        model: device.model.clone(),
        covered_by,
        confidence: (confidence * 100.0).round() / 100.0,
        weakest_link,
        disputed_by,
        summary,
        reasons,
        kev,
    }
}

/// The KEV entries of the maker and the label, judged for the line's model
/// and firmware, each CVE once.
fn kev_notes(
    registry: &Registry,
    vendors: [Option<&VendorId>; 2],
    device: &Device,
    input: &LineInput,
) -> Vec<KevNote> {
    let firmware = Some(input.firmware.trim()).filter(|f| !f.is_empty());
    let vendors: Vec<&VendorId> = vendors.into_iter().flatten().collect();
    registry.kev_notes(&vendors, device.model.as_deref(), firmware)
}

/// How the line's date was read, when it has one.
fn date_reason(cell: &str, date: Option<&str>, interner: &mut Interner) -> Option<Reason> {
    let cell = cell.trim();
    if cell.is_empty() {
        return None;
    }
    let (claim, confidence) = match date {
        Some(d) => (
            format!("dated {d}: brand relations are taken as they stood then"),
            1.0,
        ),
        None => (
            format!(
                "date {cell:?} is not one camaudit reads (YYYY-MM-DD, DD/MM/YYYY, MM/YYYY, YYYY): the line is checked as undated"
            ),
            0.0,
        ),
    };
    Some(interner.reason(claim, confidence, Vec::new()))
}

/// "model "AD410" is documented as dahua DH-DB6I (sold as amcrest AD410)",
/// with the equivalence's sources.
fn equivalence_reasons(
    registry: &Registry,
    model: &str,
    maker: &VendorId,
    interner: &mut Interner,
) -> Vec<Reason> {
    registry
        .equivalents_of(model)
        .into_iter()
        .filter(|eq| &eq.maker == maker)
        .map(|eq| {
            interner.reason(
                format!(
                    "model {model:?} is documented as {} {} (sold as {} {})",
                    eq.maker, eq.original_model, eq.brand, eq.model
                ),
                eq.confidence.confidence().get(),
                eq.sources.clone(),
            )
        })
        .collect()
}

/// Below this the maker is too uncertain to call a line not covered.
const TRUSTED_MIN_CONFIDENCE: f64 = 0.5;

fn decision_for<'r>(
    registry: &'r Registry,
    device: &Device,
    input: &LineInput,
) -> Option<&'r Decision> {
    let mut ids: Vec<&VendorId> = Vec::new();
    ids.extend(device.label_vendor.as_ref());
    ids.extend(device.manufacturer.as_ref());
    let names = [input.manufacturer.as_str(), input.brand.as_str()];
    registry.decision_for(&ids, &names, device.model.as_deref())
}

fn decision_reason(registry: &Registry, d: &Decision, tail: &str) -> Reason {
    Reason::new(
        format!(
            "organisation decision in overlay {}: {} {} ({}, {}), {tail}",
            registry.overlay_name().unwrap_or("-"),
            d.subject(),
            d.kind.as_str(),
            d.reason,
            d.date
        ),
        1.0,
        d.sources.clone(),
    )
}

fn summary(
    registry: &Registry,
    device: &Device,
    maker: Option<&VendorId>,
    label: Option<&VendorId>,
    verdict: Verdict,
) -> String {
    let Some(maker) = maker else {
        return "maker unknown".into();
    };
    let mut parts = Vec::new();
    if let Some(label) = label {
        match registry.brand_links(label).into_iter().find(|l| {
            &l.company == maker
                || registry
                    .owner_chain(maker)
                    .iter()
                    .any(|e| e.id == l.company)
        }) {
            Some(link) => parts.push(format!(
                "brand {label} → {} {} ({})",
                link.relation.describe(),
                link.company,
                link.confidence.as_str()
            )),
            None => parts.push(format!("brand {label} → made by {maker}")),
        }
    }
    let by_model = |equivalence: bool| {
        device.evidence.iter().any(|e| {
            e.field == MODEL_FIELD
                && e.asserts.manufacturer.as_ref() == Some(maker)
                && (e.rule.as_deref() == Some(EQUIVALENCE_RULE)) == equivalence
        })
    };
    if let Some(model) = &device.model {
        if by_model(false) {
            parts.push(format!("model {model} is a model number of {maker}"));
        } else if by_model(true)
            && let Some(eq) = registry
                .equivalents_of(model)
                .into_iter()
                .find(|eq| &eq.maker == maker)
        {
            parts.push(format!(
                "model {model} is documented as {maker} {}",
                eq.original_model
            ));
        }
    }
    if parts.is_empty() {
        parts.push(format!("made by {maker}"));
    }
    if let Some(owner) = device.owner.as_ref().filter(|o| *o != maker) {
        parts.push(format!("owned by {owner}"));
    }
    if verdict == Verdict::Unknown && registry.entity(maker).is_none() {
        parts.push("not a registry company".into());
    }
    parts.join("; ")
}
