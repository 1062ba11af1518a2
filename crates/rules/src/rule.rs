//! A validated rule: what it reads, the pattern, the facts it asserts.

use camaudit_model::date::parse_build_date;
use camaudit_model::{Asserts, Confidence, Field, Mac};
use regex::{Regex, RegexBuilder};

use crate::error::RuleError;
use crate::spec::{ExampleSpec, RuleSpec};

/// The named capture groups a pattern may use to pull facts from a value.
/// `build_date` is any text holding a firmware build date (`build:2022-03-11`,
/// `build 210628`, `.210406`): it is read with
/// [`camaudit_model::date::parse_build_date`] and kept as `YYYY-MM-DD`, or
/// dropped when it holds no real date.
pub const CAPTURE_NAMES: [&str; 5] = ["model", "firmware", "serial", "build_date", "mac"];

/// Keeps one pathological pattern from taking the process's memory.
const PATTERN_SIZE_LIMIT: usize = 1 << 20;

/// Which observation fields a rule reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldSelector {
    /// One or more exact field names.
    Exact(Vec<Field>),
    /// Every field starting with this prefix (e.g. `http.header.`).
    Prefix(String),
}

impl FieldSelector {
    pub fn matches(&self, field: &str) -> bool {
        match self {
            FieldSelector::Exact(fields) => fields.iter().any(|f| f.as_str() == field),
            FieldSelector::Prefix(p) => field.starts_with(p.as_str()),
        }
    }

    /// The field an example is fed as when it does not name one.
    fn default_example_field(&self) -> String {
        match self {
            FieldSelector::Exact(fields) => fields[0].as_str().to_owned(),
            FieldSelector::Prefix(p) => p.trim_end_matches('.').to_owned(),
        }
    }
}

/// A value with the captures it must yield, run as a test.
#[derive(Debug, Clone)]
pub struct Example {
    pub field: String,
    pub value: String,
    pub expect: Captured,
}

/// Facts pulled from a value by named capture groups.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Captured {
    pub model: Option<String>,
    pub firmware: Option<String>,
    pub serial: Option<String>,
    /// `YYYY-MM-DD`, from whatever text the `build_date` group held.
    pub build_date: Option<String>,
    pub mac: Option<Mac>,
}

impl Captured {
    pub fn is_empty(&self) -> bool {
        *self == Captured::default()
    }

    /// Keeps what is already known; takes the rest from `other`.
    fn fill_from(&mut self, other: Captured) {
        self.model = self.model.take().or(other.model);
        self.firmware = self.firmware.take().or(other.firmware);
        self.serial = self.serial.take().or(other.serial);
        self.build_date = self.build_date.take().or(other.build_date);
        self.mac = self.mac.or(other.mac);
    }
}

fn captured_from(caps: &regex::Captures<'_>) -> Captured {
    let text = |name: &str| {
        caps.name(name)
            .map(|m| m.as_str().trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    Captured {
        model: text("model"),
        firmware: text("firmware"),
        serial: text("serial"),
        build_date: text("build_date")
            .and_then(|t| parse_build_date(&t))
            .map(|d| d.to_string()),
        mac: text("mac").and_then(|m| Mac::parse(&m).ok()),
    }
}

/// A compiled, validated fingerprint rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub fields: FieldSelector,
    pub pattern: Regex,
    /// Patterns run after a match to extract facts (`captures` in the file).
    pub extractors: Vec<Regex>,
    /// When it matches too, the rule does not fire (`unless` in the file).
    pub unless: Option<Regex>,
    pub confidence: Confidence,
    pub reference: String,
    pub asserts: Asserts,
    /// Whether the pattern has capture groups to run after a set match.
    pub(crate) has_captures: bool,
    pub examples: Vec<Example>,
    pub not_examples: Vec<String>,
    /// A model-number grammar whose shape other brands' numbers share
    /// (`numbering = "shared"`): a number of that shape names its maker only
    /// when the device names no other maker or brand beside it.
    pub shared_numbering: bool,
    /// The file the rule came from, for error messages and `rules list`.
    pub origin: String,
}

impl Rule {
    pub(crate) fn from_spec(spec: RuleSpec, origin: &str) -> Result<Rule, RuleError> {
        let err = |problem: String| RuleError::in_rule(origin, &spec.id, problem);
        if spec.id.is_empty()
            || !spec
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._:-".contains(&b))
        {
            return Err(RuleError::in_file(
                origin,
                format!(
                    "rule id {:?} must be lowercase letters, digits and . _ : -",
                    spec.id
                ),
            ));
        }
        let fields = field_selector(spec.field, spec.fields_prefix).map_err(err)?;
        let pattern = RegexBuilder::new(&spec.pattern)
            .size_limit(PATTERN_SIZE_LIMIT)
            .dfa_size_limit(PATTERN_SIZE_LIMIT * 8)
            .build()
            .map_err(|e| err(format!("pattern: {}", one_line(&e.to_string()))))?;
        let mut has_captures = check_capture_names(&pattern).map_err(err)?;
        let mut extractors = Vec::with_capacity(spec.captures.len());
        for (i, c) in spec.captures.iter().enumerate() {
            let re = RegexBuilder::new(c)
                .size_limit(PATTERN_SIZE_LIMIT)
                .build()
                .map_err(|e| err(format!("captures[{i}]: {}", one_line(&e.to_string()))))?;
            if !check_capture_names(&re).map_err(&err)? {
                return Err(err(format!(
                    "captures[{i}] has no named group: it would extract nothing"
                )));
            }
            has_captures = true;
            extractors.push(re);
        }
        let unless = spec
            .unless
            .as_deref()
            .map(|u| {
                RegexBuilder::new(u)
                    .size_limit(PATTERN_SIZE_LIMIT)
                    .build()
                    .map_err(|e| err(format!("unless: {}", one_line(&e.to_string()))))
            })
            .transpose()?;
        let confidence = Confidence::new(spec.confidence).map_err(|e| err(e.to_string()))?;
        if spec.reference.trim().is_empty() {
            return Err(err(
                "no reference: say where the signal is documented".into()
            ));
        }
        if spec.asserts.is_empty() && !has_captures {
            return Err(err("asserts no fact and captures nothing".into()));
        }
        if let Some(against) = &spec.asserts.not_manufacturer
            && spec.asserts.manufacturer.as_ref() == Some(against)
        {
            return Err(err(format!(
                "asserts both manufacturer and not_manufacturer {against}"
            )));
        }
        if spec.asserts.build_date.is_some() {
            return Err(err(
                "a fixed build_date cannot be asserted; capture it with (?P<build_date>…)".into(),
            ));
        }
        if spec.asserts.mac.is_some() {
            return Err(err(
                "a fixed mac cannot be asserted; capture it with (?P<mac>…)".into(),
            ));
        }
        if spec.example.is_empty() {
            return Err(err(
                "no examples: every rule carries at least one tested example".into(),
            ));
        }
        let shared_numbering = shared_numbering(spec.numbering.as_deref(), &fields).map_err(err)?;
        let examples = spec
            .example
            .into_iter()
            .map(|e| example(e, &fields))
            .collect::<Result<Vec<_>, String>>()
            .map_err(err)?;
        Ok(Rule {
            id: spec.id,
            fields,
            pattern,
            extractors,
            unless,
            confidence,
            reference: spec.reference,
            asserts: spec.asserts,
            has_captures,
            examples,
            not_examples: spec.not_examples,
            shared_numbering,
            origin: origin.to_owned(),
        })
    }

    /// Runs the pattern's capture groups on a value the rule matched.
    pub fn capture(&self, value: &str) -> Captured {
        self.match_value(value).unwrap_or_default()
    }

    /// Whether the `unless` pattern keeps the rule from firing on a value.
    pub fn excluded(&self, value: &str) -> bool {
        self.unless.as_ref().is_some_and(|u| u.is_match(value))
    }

    /// Matches the rule against a value: None when it does not match (or
    /// its `unless` does), else what its capture groups pulled out. One
    /// search either way.
    pub fn match_value(&self, value: &str) -> Option<Captured> {
        if self.excluded(value) {
            return None;
        }
        if !self.has_captures {
            return self.pattern.is_match(value).then(Captured::default);
        }
        let mut captured = if self.pattern.captures_len() > 1 {
            captured_from(&self.pattern.captures(value)?)
        } else if self.pattern.is_match(value) {
            Captured::default()
        } else {
            return None;
        };
        for extractor in &self.extractors {
            if let Some(caps) = extractor.captures(value) {
                captured.fill_from(captured_from(&caps));
            }
        }
        Some(captured)
    }

    /// The facts this rule asserts for a value: its fixed facts plus captures.
    pub fn asserts_for(&self, captured: &Captured) -> Asserts {
        let mut a = self.asserts.clone();
        if captured.model.is_some() {
            a.model.clone_from(&captured.model);
        }
        if captured.firmware.is_some() {
            a.firmware.clone_from(&captured.firmware);
        }
        if captured.serial.is_some() {
            a.serial.clone_from(&captured.serial);
        }
        if captured.build_date.is_some() {
            a.build_date.clone_from(&captured.build_date);
        }
        if captured.mac.is_some() {
            a.mac = captured.mac;
        }
        a
    }
}

fn field_selector(
    field: Option<crate::spec::OneOrMany>,
    prefix: Option<String>,
) -> Result<FieldSelector, String> {
    match (field, prefix) {
        (Some(f), None) => {
            let names = f.into_vec();
            if names.is_empty() {
                return Err("field list is empty".into());
            }
            let fields = names
                .iter()
                .map(|n| Field::new(n).map_err(|e| e.to_string()))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(FieldSelector::Exact(fields))
        }
        (None, Some(p)) if !p.is_empty() => Ok(FieldSelector::Prefix(p)),
        (None, Some(_)) => Err("fields_prefix is empty".into()),
        (Some(_), Some(_)) => Err("give either field or fields_prefix, not both".into()),
        (None, None) => Err("no field: give field or fields_prefix".into()),
    }
}

/// Reads `numbering`: only `"shared"`, and only on a model-number grammar.
fn shared_numbering(numbering: Option<&str>, fields: &FieldSelector) -> Result<bool, String> {
    match numbering {
        None => Ok(false),
        Some("shared") if fields.matches(MODEL_FIELD) => Ok(true),
        Some("shared") => Err(format!(
            "numbering = \"shared\" is for model-number grammars (field = \"{MODEL_FIELD}\")"
        )),
        Some(other) => Err(format!("numbering {other:?}: the only value is \"shared\"")),
    }
}

/// The pseudo-field model-number grammars read: every model number any
/// rule captured is matched again against the rules on this field.
pub const MODEL_FIELD: &str = "fact.model";

fn check_capture_names(pattern: &Regex) -> Result<bool, String> {
    let mut any = false;
    for name in pattern.capture_names().flatten() {
        if !CAPTURE_NAMES.contains(&name) {
            return Err(format!(
                "capture group {name:?} is not one of {}",
                CAPTURE_NAMES.join(", ")
            ));
        }
        any = true;
    }
    Ok(any)
}

fn example(e: ExampleSpec, fields: &FieldSelector) -> Result<Example, String> {
    let field = match e.field {
        Some(f) if fields.matches(&f) => f,
        Some(f) => return Err(format!("example field {f:?} is not one the rule reads")),
        None => fields.default_example_field(),
    };
    let mac = match e.mac {
        Some(m) => Some(Mac::parse(&m).map_err(|err| format!("example {:?}: {err}", e.value))?),
        None => None,
    };
    Ok(Example {
        field,
        value: e.value,
        expect: Captured {
            model: e.model,
            firmware: e.firmware,
            serial: e.serial,
            build_date: e.build_date,
            mac,
        },
    })
}

/// regex errors span several lines with a caret diagram; one line is enough
/// to say what is wrong.
fn one_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.chars().all(|c| c == '^' || c == ' '))
        .collect::<Vec<_>>()
        .join(" ")
}
