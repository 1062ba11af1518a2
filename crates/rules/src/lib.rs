//! Fingerprint rules as data.
//!
//! A rule reads one observation field, matches a pattern, and asserts facts
//! (manufacturer, label brand, platform, device type; model, firmware, serial
//! and MAC from named capture groups) with a confidence and a reference. The
//! rules live in `data/rules/*.toml` (format in `docs/rules.md`), are embedded
//! at build time, and every rule carries examples that [`RuleSet::self_test`]
//! runs — the test suite fails on a rule without examples or with a failing
//! one.
//!
//! Matching is organised for throughput: the rules for each field compile
//! into one [`regex::RegexSet`], so an observation costs one hash lookup and
//! one multi-pattern scan, whatever the size of the rule set.

mod error;
mod rule;
mod selftest;
mod set;
mod spec;

pub use error::{RuleError, RuleErrors};
pub use rule::{CAPTURE_NAMES, Captured, Example, FieldSelector, MODEL_FIELD, Rule};
pub use selftest::ExampleFailure;
pub use set::{Hit, RuleSet};

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<RuleSet, RuleErrors> {
        RuleSet::from_sources(vec![("test.toml".into(), text.into())])
    }

    const GOOD: &str = r#"
[[rule]]
id = "acme.http.server"
field = "http.header.server"
pattern = '^AcmeCam/(?P<firmware>[0-9.]+)$'
confidence = 0.9
reference = "made up for a test"
asserts = { manufacturer = "acme", device_type = "camera" }
not_examples = ["AcmeCamX/1"]
[[rule.example]]
value = "AcmeCam/1.2"
firmware = "1.2"

[[rule]]
id = "acme.onvif.scope-hardware"
fields_prefix = "onvif.scope"
pattern = '^onvif://www\.onvif\.org/hardware/(?P<model>.+)$'
confidence = 0.6
reference = "made up for a test"
[[rule.example]]
value = "onvif://www.onvif.org/hardware/AC-100"
model = "AC-100"
"#;

    #[test]
    fn loads_matches_and_captures() {
        let set = load(GOOD).unwrap();
        assert_eq!(set.len(), 2);
        let hits = set.match_value("http.header.server", "AcmeCam/1.2");
        assert_eq!(hits.len(), 1);
        let a = hits[0].rule.asserts_for(&hits[0].captured);
        assert_eq!(a.manufacturer.unwrap().as_str(), "acme");
        assert_eq!(a.firmware.as_deref(), Some("1.2"));
        assert!(set.match_value("http.header.server", "nginx").is_empty());
        assert!(set.match_value("http.title", "AcmeCam/1.2").is_empty());
        let hits = set.match_value("onvif.scope", "onvif://www.onvif.org/hardware/AC-100");
        assert_eq!(hits[0].captured.model.as_deref(), Some("AC-100"));
        assert!(set.self_test().is_empty());
        assert!(set.reads("onvif.scope") && !set.reads("http.title"));
    }

    fn load_err(text: &str) -> String {
        load(text).unwrap_err().to_string()
    }

    #[test]
    fn errors_name_file_rule_and_problem() {
        let bad_pattern = GOOD.replace("(?P<firmware>[0-9.]+)$", "(?P<firmware>[0-9.]+$");
        let e = load_err(&bad_pattern);
        assert!(
            e.starts_with("test.toml: rule acme.http.server: pattern:"),
            "{e}"
        );

        let e = load_err(&GOOD.replace("(?P<firmware>", "(?P<version>"));
        assert!(e.contains("capture group \"version\""), "{e}");

        let no_examples = r#"
[[rule]]
id = "x.y"
field = "http.title"
pattern = "x"
confidence = 0.5
reference = "r"
asserts = { device_type = "camera" }
"#;
        assert!(load_err(no_examples).contains("rule x.y: no examples"));

        let e = load_err(&no_examples.replace("reference = \"r\"", ""));
        assert!(e.contains("no reference"), "{e}");
        let e = load_err(&no_examples.replace("0.5", "1.5"));
        assert!(e.contains("outside 0..=1"), "{e}");
        let e = load_err(&no_examples.replace("camera", "toaster"));
        assert!(
            e.contains("test.toml: line") && e.contains("toaster"),
            "{e}"
        );
        let e = load_err(&no_examples.replace("field = \"http.title\"", ""));
        assert!(e.contains("no field"), "{e}");
        let e = load_err(&no_examples.replace("asserts = { device_type = \"camera\" }", ""));
        assert!(e.contains("asserts no fact"), "{e}");
        let e = load_err(
            "[[rule]]\nid = \"x\"\nfield = \"t\"\npattern = \"x\"\nconfidence = 0.5\nbogus = 1\n",
        );
        assert!(e.contains("line 6") && e.contains("bogus"), "{e}");
    }

    #[test]
    fn shared_numbering_is_only_for_model_grammars() {
        let grammar = r#"
[[rule]]
id = "acme.fact.model"
field = "fact.model"
pattern = '^[A-Z]\d{4}$'
confidence = 0.7
reference = "r"
asserts = { manufacturer = "acme" }
numbering = "shared"
[[rule.example]]
value = "M1065"
"#;
        let set = load(grammar).unwrap();
        let hits = set.match_value("fact.model", "M1065");
        assert!(hits[0].rule.shared_numbering);
        let unshared = load(&grammar.replace("numbering = \"shared\"\n", "")).unwrap();
        assert!(
            !unshared.match_value("fact.model", "M1065")[0]
                .rule
                .shared_numbering
        );
        let e = load_err(&grammar.replace("\"fact.model\"\npattern", "\"http.title\"\npattern"));
        assert!(e.contains("is for model-number grammars"), "{e}");
        let e = load_err(&grammar.replace("\"shared\"", "\"common\""));
        assert!(e.contains("the only value is"), "{e}");
    }

    #[test]
    fn capture_patterns_extract_after_the_match() {
        let text = r#"
[[rule]]
id = "acme.http.body-info"
field = "http.body"
pattern = '<AcmeInfo xmlns="urn:acme"'
captures = ['<model>(?P<model>[^<]+)</model>', '<fw>(?P<firmware>[^<]+)</fw>']
confidence = 0.9
reference = "test"
asserts = { manufacturer = "acme" }
[[rule.example]]
value = '<AcmeInfo xmlns="urn:acme"><model>AC-1</model><fw>2.0</fw></AcmeInfo>'
model = "AC-1"
firmware = "2.0"
"#;
        let set = load(text).unwrap();
        assert!(set.self_test().is_empty(), "{:?}", set.self_test());
        // Extractors never make a rule fire on their own.
        assert!(
            set.match_value("http.body", "<model>AC-1</model>")
                .is_empty()
        );
        let hit = &set.match_value("http.body", "<AcmeInfo xmlns=\"urn:acme\"><fw>3</fw>")[0];
        assert_eq!(hit.captured.firmware.as_deref(), Some("3"));
        assert!(hit.captured.model.is_none());

        let e = load_err(&text.replace("(?P<firmware>[^<]+)", "([^<]+)"));
        assert!(e.contains("captures[1] has no named group"), "{e}");
    }

    const AGAINST: &str = r#"
[[rule]]
id = "acme.serial.not-acme"
field = "onvif.serial"
pattern = '^\S+$'
unless = '^AC\d{8}$'
confidence = 0.5
reference = "made up for a test"
asserts = { not_manufacturer = "acme" }
not_examples = ["AC12345678", "two words"]
[[rule.example]]
value = "EMU-0001"
"#;

    #[test]
    fn unless_keeps_a_rule_from_firing_and_negative_facts_load() {
        let set = load(AGAINST).unwrap();
        assert!(set.self_test().is_empty(), "{:?}", set.self_test());
        let hits = set.match_value("onvif.serial", "EMU-0001");
        assert_eq!(hits.len(), 1);
        let a = hits[0].rule.asserts_for(&hits[0].captured);
        assert_eq!(a.not_manufacturer.unwrap().as_str(), "acme");
        assert!(a.manufacturer.is_none());
        assert!(set.match_value("onvif.serial", "AC12345678").is_empty());
        // An `unless` that lets a not_example through is caught.
        let loose = AGAINST.replace("unless = '^AC\\d{8}$'", "unless = '^XX$'");
        let f = load(&loose).unwrap().self_test();
        assert!(
            f.iter()
                .any(|f| f.value == "AC12345678" && f.problem.contains("not_examples")),
            "{f:?}"
        );
        let e = load_err(&AGAINST.replace("^AC", "(^AC"));
        assert!(e.contains("rule acme.serial.not-acme: unless:"), "{e}");
        let e = load_err(&AGAINST.replace(
            "{ not_manufacturer = \"acme\" }",
            "{ manufacturer = \"acme\", not_manufacturer = \"acme\" }",
        ));
        assert!(
            e.contains("both manufacturer and not_manufacturer acme"),
            "{e}"
        );
    }

    #[test]
    fn a_rule_on_a_user_set_value_may_name_a_brand_only() {
        let text = r#"
[[rule]]
id = "acme.onvif.scope-name"
field = "onvif.scope"
pattern = '^onvif://www\.onvif\.org/name/Acme(?:%20(?P<model>\S+))?$'
confidence = 0.8
reference = "made up for a test"
asserts = { label_vendor = "acme" }
[[rule.example]]
value = "onvif://www.onvif.org/name/Acme"
"#;
        assert!(load(text).unwrap().self_test().is_empty());
        let with_model = text.replace(
            "value = \"onvif://www.onvif.org/name/Acme\"",
            "value = \"onvif://www.onvif.org/name/Acme%20C1\"",
        );
        let f = load(&with_model).unwrap().self_test();
        assert!(
            f.iter().any(|f| f.problem.contains("set by the user")),
            "{f:?}"
        );
        let as_maker = text.replace("label_vendor = \"acme\"", "manufacturer = \"acme\"");
        let f = load(&as_maker).unwrap().self_test();
        assert!(
            f.iter().any(|f| f.problem.contains("label_vendor only")),
            "{f:?}"
        );
    }

    #[test]
    fn duplicate_ids_across_files_are_errors() {
        let e = RuleSet::from_sources(vec![
            ("a.toml".into(), GOOD.into()),
            ("b.toml".into(), GOOD.into()),
        ])
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("b.toml: rule acme.http.server: duplicate id (also defined in a.toml)"),
            "{e}"
        );
    }

    #[test]
    fn self_test_catches_failing_examples_and_overruling_neighbours() {
        let wrong_capture = GOOD.replace("firmware = \"1.2\"", "firmware = \"1.3\"");
        let f = load(&wrong_capture).unwrap().self_test();
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].problem.contains("firmware: expected Some(\"1.3\")"));

        let not_matching = GOOD.replace("value = \"AcmeCam/1.2\"", "value = \"Acme/1.2\"");
        let f = load(&not_matching).unwrap().self_test();
        assert!(
            f.iter().any(|f| f.problem.contains("does not match")),
            "{f:?}"
        );

        let listed_not = GOOD.replace("[\"AcmeCamX/1\"]", "[\"AcmeCam/9\"]");
        let f = load(&listed_not).unwrap().self_test();
        assert!(
            f.iter().any(|f| f.problem.contains("not_examples")),
            "{f:?}"
        );

        let rival = format!(
            "{GOOD}\n[[rule]]\nid = \"rival.http.server\"\nfield = \"http.header.server\"\npattern = 'Cam'\nconfidence = 0.95\nreference = \"r\"\nasserts = {{ manufacturer = \"rival\" }}\n[[rule.example]]\nvalue = \"RivalCam\"\n"
        );
        let f = load(&rival).unwrap().self_test();
        assert!(
            f.iter()
                .any(|f| f.rule == "acme.http.server" && f.problem.contains("rival.http.server")),
            "{f:?}"
        );
    }
}
