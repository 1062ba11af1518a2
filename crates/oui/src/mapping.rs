//! Which IEEE organisations are which camaudit vendors: `data/oui/vendors.toml`.

use std::collections::HashMap;
use std::path::Path;

use camaudit_model::{Confidence, VendorId};
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use serde::Deserialize;

use crate::OuiError;
use crate::parse::normalise_name;

/// The mapping compiled into the binary.
pub const BUILTIN_MAPPING: &str = include_str!("../../../data/oui/vendors.toml");

/// A case-insensitive regex over the registered organisation name.
#[derive(Debug, Clone)]
pub struct OrganisationRule {
    pub vendor: VendorId,
    /// As written in the file; compiled case-insensitively.
    pub pattern: String,
    /// What a MAC address in one of this organisation's blocks says about
    /// who made the device (see `docs/oui.md`).
    pub confidence: Confidence,
    pub reference: String,
    pub note: String,
    /// Organisation names this rule must claim (run by [`VendorMapping::self_test`]).
    pub examples: Vec<String>,
    /// Names that must not end up with this rule's vendor.
    pub not_examples: Vec<String>,
    regex: Regex,
}

/// A single block whose registered organisation does not name the maker of
/// the devices it is found in: legacy blocks of acquired companies now
/// registered to the buyer (Pelco's and Avigilon's under Motorola Solutions).
#[derive(Debug, Clone)]
pub struct BlockRule {
    pub prefix: u64,
    pub bits: u32,
    pub vendor: VendorId,
    pub confidence: Confidence,
    /// The rule applies only while the registry still names an organisation
    /// matching this pattern, so that a reassigned or mistyped block is not
    /// silently relabelled.
    pub expect_organisation: String,
    pub reference: String,
    pub note: String,
    regex: Regex,
}

impl BlockRule {
    /// Whether the rule applies to a block registered to `organisation`.
    pub fn applies_to(&self, organisation: &str) -> bool {
        self.regex.is_match(&normalise_name(organisation))
    }
}

/// The rule that gave a block its vendor.
#[derive(Debug, Clone, Copy)]
pub enum Match<'m> {
    Organisation(&'m OrganisationRule),
    Block(&'m BlockRule),
}

impl<'m> Match<'m> {
    pub fn vendor(&self) -> &'m VendorId {
        match self {
            Match::Organisation(r) => &r.vendor,
            Match::Block(r) => &r.vendor,
        }
    }

    pub fn confidence(&self) -> Confidence {
        match self {
            Match::Organisation(r) => r.confidence,
            Match::Block(r) => r.confidence,
        }
    }

    pub fn reference(&self) -> &'m str {
        match self {
            Match::Organisation(r) => &r.reference,
            Match::Block(r) => &r.reference,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    #[serde(default)]
    organisation: Vec<OrganisationSpec>,
    #[serde(default)]
    block: Vec<BlockSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrganisationSpec {
    vendor: VendorId,
    pattern: String,
    confidence: Confidence,
    reference: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    examples: Vec<String>,
    #[serde(default)]
    not_examples: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BlockSpec {
    prefix: String,
    vendor: VendorId,
    confidence: Confidence,
    expect_organisation: String,
    reference: String,
    #[serde(default)]
    note: String,
}

/// Organisation-name rules and per-block overrides, compiled.
#[derive(Debug, Clone)]
pub struct VendorMapping {
    organisations: Vec<OrganisationRule>,
    set: RegexSet,
    blocks: Vec<BlockRule>,
    block_index: HashMap<(u32, u64), usize>,
}

fn compile(pattern: &str, what: &str) -> Result<Regex, OuiError> {
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .build()
        .map_err(|e| OuiError::Mapping(format!("{what}: invalid pattern {pattern:?}: {e}")))
}

/// `"00047D"` → (0x00047D, 24); 7 digits are a /28, 9 a /36.
fn parse_block_prefix(s: &str) -> Result<(u64, u32), OuiError> {
    let hex: String = s
        .chars()
        .filter(|c| !matches!(c, ':' | '-' | '.'))
        .collect();
    let bits = match hex.len() {
        6 => 24,
        7 => 28,
        9 => 36,
        _ => {
            return Err(OuiError::Mapping(format!(
                "block prefix {s:?}: expected 6, 7 or 9 hex digits (a /24, /28 or /36)"
            )));
        }
    };
    let prefix = u64::from_str_radix(&hex, 16)
        .map_err(|e| OuiError::Mapping(format!("block prefix {s:?}: {e}")))?;
    Ok((prefix, bits))
}

impl VendorMapping {
    /// The mapping embedded from `data/oui/vendors.toml`.
    pub fn builtin() -> Result<VendorMapping, OuiError> {
        VendorMapping::from_toml(BUILTIN_MAPPING)
    }

    /// Reads a mapping file in the format of `data/oui/vendors.toml`.
    pub fn load(path: &Path) -> Result<VendorMapping, OuiError> {
        let text = std::fs::read_to_string(path).map_err(|error| OuiError::Io {
            path: path.to_owned(),
            error,
        })?;
        VendorMapping::from_toml(&text).map_err(|e| e.in_file(path))
    }

    pub fn from_toml(text: &str) -> Result<VendorMapping, OuiError> {
        let file: MappingFile =
            toml::from_str(text).map_err(|e| OuiError::Mapping(e.to_string()))?;
        let mut organisations = Vec::with_capacity(file.organisation.len());
        for (i, spec) in file.organisation.into_iter().enumerate() {
            let what = format!("organisation rule {} ({})", i + 1, spec.vendor);
            if spec.reference.trim().is_empty() {
                return Err(OuiError::Mapping(format!("{what}: empty reference")));
            }
            if spec.examples.is_empty() {
                return Err(OuiError::Mapping(format!(
                    "{what}: give at least one example organisation name"
                )));
            }
            let regex = compile(&spec.pattern, &what)?;
            organisations.push(OrganisationRule {
                vendor: spec.vendor,
                pattern: spec.pattern,
                confidence: spec.confidence,
                reference: spec.reference,
                note: spec.note,
                examples: spec.examples,
                not_examples: spec.not_examples,
                regex,
            });
        }
        let set = RegexSetBuilder::new(organisations.iter().map(|r| r.pattern.as_str()))
            .case_insensitive(true)
            .build()
            .map_err(|e| OuiError::Mapping(format!("organisation patterns: {e}")))?;

        let mut blocks = Vec::with_capacity(file.block.len());
        let mut block_index = HashMap::new();
        for spec in file.block {
            let what = format!("block rule {} ({})", spec.prefix, spec.vendor);
            let (prefix, bits) = parse_block_prefix(&spec.prefix)?;
            if spec.reference.trim().is_empty() {
                return Err(OuiError::Mapping(format!("{what}: empty reference")));
            }
            let regex = compile(&spec.expect_organisation, &what)?;
            if block_index.insert((bits, prefix), blocks.len()).is_some() {
                return Err(OuiError::Mapping(format!("{what}: block listed twice")));
            }
            blocks.push(BlockRule {
                prefix,
                bits,
                vendor: spec.vendor,
                confidence: spec.confidence,
                expect_organisation: spec.expect_organisation,
                reference: spec.reference,
                note: spec.note,
                regex,
            });
        }
        Ok(VendorMapping {
            organisations,
            set,
            blocks,
            block_index,
        })
    }

    pub fn organisation_rules(&self) -> &[OrganisationRule] {
        &self.organisations
    }

    pub fn block_rules(&self) -> &[BlockRule] {
        &self.blocks
    }

    /// The first organisation rule (in file order) whose pattern matches the
    /// name, white space collapsed, case ignored.
    pub fn match_organisation(&self, organisation: &str) -> Option<&OrganisationRule> {
        self.match_organisation_index(organisation)
            .map(|i| &self.organisations[i])
    }

    fn match_organisation_index(&self, organisation: &str) -> Option<usize> {
        let name = normalise_name(organisation);
        self.set.matches(&name).iter().next()
    }

    /// The block rule for exactly this block, whether or not it applies.
    pub fn block_rule(&self, prefix: u64, bits: u32) -> Option<&BlockRule> {
        self.block_index
            .get(&(bits, prefix))
            .map(|&i| &self.blocks[i])
    }

    /// The vendor of a registry block: its block rule when there is one and
    /// the registered organisation is still the expected one, else the first
    /// organisation rule matching the name.
    pub fn classify(&self, prefix: u64, bits: u32, organisation: &str) -> Option<Match<'_>> {
        if let Some(rule) = self.block_rule(prefix, bits) {
            if rule.applies_to(organisation) {
                return Some(Match::Block(rule));
            }
        }
        self.match_organisation(organisation)
            .map(Match::Organisation)
    }

    /// Runs every rule's examples: each example must be claimed by its own
    /// rule (not an earlier one), and no counter-example may end up with the
    /// rule's vendor. Returns one message per failure.
    pub fn self_test(&self) -> Vec<String> {
        let mut failures = Vec::new();
        for (i, rule) in self.organisations.iter().enumerate() {
            for ex in &rule.examples {
                match self.match_organisation_index(ex) {
                    Some(j) if j == i => {}
                    Some(j) => failures.push(format!(
                        "{} /{}/: example {ex:?} is claimed by an earlier rule /{}/ ({})",
                        rule.vendor,
                        rule.pattern,
                        self.organisations[j].pattern,
                        self.organisations[j].vendor
                    )),
                    None => failures.push(format!(
                        "{} /{}/: example {ex:?} does not match",
                        rule.vendor, rule.pattern
                    )),
                }
            }
            for ex in &rule.not_examples {
                if rule.regex.is_match(&normalise_name(ex)) {
                    failures.push(format!(
                        "{} /{}/: counter-example {ex:?} matches",
                        rule.vendor, rule.pattern
                    ));
                } else if let Some(other) = self.match_organisation(ex) {
                    if other.vendor == rule.vendor {
                        failures.push(format!(
                            "{}: counter-example {ex:?} is mapped to it by /{}/",
                            rule.vendor, other.pattern
                        ));
                    }
                }
            }
        }
        failures
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin() -> VendorMapping {
        VendorMapping::builtin().expect("data/oui/vendors.toml loads")
    }

    fn vendor_of(m: &VendorMapping, org: &str) -> Option<String> {
        m.match_organisation(org).map(|r| r.vendor.to_string())
    }

    #[test]
    fn builtin_mapping_passes_its_own_examples() {
        let failures = builtin().self_test();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn registered_spellings_map_to_their_vendor() {
        let m = builtin();
        for (org, want) in [
            (
                "Hangzhou Hikvision Digital Technology Co.,Ltd.",
                "hikvision",
            ),
            (
                "HANGZHOU HIKVISION DIGITAL TECHNOLOGY CO.,LTD.",
                "hikvision",
            ),
            ("Prama Hikvision India Private Limited", "hikvision"),
            ("Hangzhou Ezviz Software Co.,Ltd.", "ezviz"),
            ("Zhejiang Dahua Technology Co., Ltd.", "dahua"),
            ("Zhejiang Dahua Technologyco.,Ltd", "dahua"),
            ("Zhejiang Dahua Zhilian Co.,Ltd", "dahua"),
            ("hangzhou huacheng network technology co., ltd", "imou"),
            ("Zhejiang Uniview Technologies Co.,Ltd.", "uniview"),
            ("Tvt Co., Ltd", "tvt"),
            ("TVT CO.,LTD", "tvt"),
            ("Tiandy Technologies CO.,LTD", "tiandy"),
            ("Hangzhou Xiongmai Technology Co., Ltd", "xiongmai"),
            ("Huawei Technologies Co.,Ltd", "huawei"),
            ("HUAWEI TECHNOLOGIES CO.,LTD", "huawei"),
            ("Huawei Device Co., Ltd.", "huawei"),
            ("Axis Communications AB", "axis"),
            ("AXIS COMMUNICATIONS AB", "axis"),
            ("Hanwha Vision VietNam", "hanwha"),
            ("Hanwha Techwin Security Vietnam", "hanwha"),
            ("Samsung Techwin Co.,Ltd", "hanwha"),
            ("Bosch Security Systems, Inc.", "bosch"),
            ("Bosch (zhuhai) Security Systems Company, Ltd.", "bosch"),
            ("Bosch Sicherheitssysteme GmbH", "bosch"),
            ("Keenfinity S.A.", "bosch"),
            ("Avigilon Alta", "avigilon"),
            ("Motorola Solutions Inc.", "motorola-solutions"),
            (
                "MOTOROLA SOLUTIONS MALAYSIA SDN. BHD.",
                "motorola-solutions",
            ),
            ("Mobotix AG", "mobotix"),
            ("Vivotek, Inc.", "vivotek"),
            ("i-PRO Co., Ltd.", "i-pro"),
            ("Panasonic i-PRO Sensing Solutions Co., Ltd.", "i-pro"),
            ("Sony Corporation", "sony"),
            ("Sony Imaging Products & Solutions Inc.", "sony"),
            ("Ubiquiti Inc", "ubiquiti"),
            ("Ubiquiti Networks Inc.", "ubiquiti"),
        ] {
            assert_eq!(vendor_of(&m, org).as_deref(), Some(want), "{org}");
        }
    }

    #[test]
    fn look_alike_names_are_not_mapped() {
        let m = builtin();
        for org in [
            // Not Hikvision: the Indian partner alone, and a German firm.
            "Prama India Private Limited",
            "Pramac GmbH",
            // Not Dahua.
            "Shanghai Dahua Scale Factory",
            // Not Huawei.
            "Huawei Symantec Technologies Co.,Ltd.",
            "Emerson Network Power Co.,Ltd",
            // Not Axis Communications.
            "Axiomtek Co., Ltd.",
            "AXIS Sp z o.o.",
            "Axis Corporation",
            "Axis Electronics",
            "Ace Axis Limited",
            "Axis-Shield PoC AS",
            "EcoAxis Systems Pvt. Ltd.",
            "Galaxis Technology AG",
            // Not Hanwha's video business.
            "Hanwha NxMD (Thailand) Co., Ltd.",
            "Stechwin.Co.Ltd.",
            "HYESUNG TECHWIN Co., Ltd",
            "Ganatechwin",
            "Techwin Solutions Pvt Ltd",
            "Shenzhen Techwinsemi Technology Co., Ltd.",
            "Samsung Electronics Co.,Ltd",
            // Bosch, but not its security business.
            "Robert Bosch GmbH",
            "Bosch Automotive Products (Suzhou) Co., Ltd.",
            "Bosch Rexroth AG",
            "Bosch Access Systems GmbH",
            "Robert Bosch Smart Home GmbH",
            "Bosch Thermotechnik GmbH",
            // Motorola, but not Motorola Solutions.
            "Motorola Mobility LLC, a Lenovo Company",
            "Motorola (Wuhan) Mobility Technologies Communication Co., Ltd.",
            // Not Pelco.
            "Pelcombe Group Ltd.",
            "Opelcomm Inc.",
            // Not i-PRO.
            "iPronics",
            "HongKong Ipro Technology Co., Limited",
            "IPROAD,Inc",
            "Wipro Infotech Ltd.",
            "Panasonic Corporation AVC Networks Company",
            // Sony companies that make no cameras we track.
            "Sony Interactive Entertainment Inc.",
            "Sony Tektronix Corp.",
            "Sony Honda Mobility Inc.",
            "Liaoning IK'SONYA Science and Technology Co., Ltd.",
            // Not TVT, Tiandy, Xiongmai or Ubiquiti.
            "NV ADB TTV Technologies SA",
            "Betty TV Technology AG",
            "Itv Technologies, Inc.",
            "Shenzhen Weema TV Technology Co.,Ltd.",
            "Shenzhen Xiongxin Technology Co.,Ltd",
            "Suzhou XiongLi Technology Inc.",
            "Shenzhen Haitianxiong Electronic Co., Ltd.",
            "Ubiquitous Communication Co. ltd.",
            // Near names of the long-tail makers.
            "Milesight Taiwan",
            "Xacti Corporation",
            "Carlo Gavazzi, Inc.",
            "Ringcentral, Inc.",
            "Vidisys GmbH",
        ] {
            assert_eq!(vendor_of(&m, org), None, "{org} was mapped");
        }
    }

    #[test]
    fn long_tail_makers_are_mapped_by_their_registered_names() {
        let m = builtin();
        for (org, vendor) in [
            ("Sunell Electronics Co.", "sunell"),
            ("Xiamen Milesight IoT Co., Ltd.", "milesight"),
            ("Suzhou Keda Technology CO.,Ltd", "kedacom"),
            ("Zhuhai Raysharp Technology Co.,Ltd", "raysharp"),
            ("Tianjin HuaLai Technology CO., Ltd.", "hualai"),
            ("ACTi Corporation", "acti"),
            ("2N TELEKOMUNIKACE a.s.", "2n"),
            ("Verkada Inc", "verkada"),
        ] {
            assert_eq!(vendor_of(&m, org).as_deref(), Some(vendor), "{org}");
        }
    }

    #[test]
    fn block_rules_apply_only_to_the_expected_organisation() {
        let m = builtin();
        let pelco = m.classify(0x00047D, 24, "Motorola Solutions Inc.").unwrap();
        assert_eq!(pelco.vendor().as_str(), "pelco");
        assert!(matches!(pelco, Match::Block(_)));
        let old = m.classify(0x00047D, 24, "Pelco").unwrap();
        assert_eq!(old.vendor().as_str(), "pelco");
        let avigilon = m.classify(0x001885, 24, "Motorola Solutions Inc.").unwrap();
        assert_eq!(avigilon.vendor().as_str(), "avigilon");
        // Reassigned to someone else: the override does not apply, and the
        // organisation rules decide.
        assert!(m.classify(0x00047D, 24, "Acme Widgets").is_none());
        // Same prefix, other length: not the same block.
        let other = m.classify(0x00047D, 28, "Motorola Solutions Inc.").unwrap();
        assert_eq!(other.vendor().as_str(), "motorola-solutions");
    }

    #[test]
    fn self_test_reports_bad_examples() {
        let text = r#"
[[organisation]]
vendor = "acme"
pattern = '^acme\b'
confidence = 0.9
reference = "test"
examples = ["Acme Corp", "Wile E. Coyote"]
not_examples = ["Acme Corporation"]
"#;
        let m = VendorMapping::from_toml(text).unwrap();
        let failures = m.self_test();
        assert_eq!(failures.len(), 2, "{failures:?}");
        assert!(failures[0].contains("Wile E. Coyote"));
        assert!(failures[1].contains("Acme Corporation"));
    }

    #[test]
    fn invalid_mappings_are_rejected() {
        for (text, what) in [
            (
                "[[organisation]]\nvendor = \"Acme\"\npattern = 'x'\nconfidence = 0.5\nreference = \"r\"\nexamples = [\"x\"]\n",
                "vendor id",
            ),
            (
                "[[organisation]]\nvendor = \"acme\"\npattern = 'x'\nconfidence = 1.5\nreference = \"r\"\nexamples = [\"x\"]\n",
                "confidence",
            ),
            (
                "[[organisation]]\nvendor = \"acme\"\npattern = '('\nconfidence = 0.5\nreference = \"r\"\nexamples = [\"x\"]\n",
                "invalid pattern",
            ),
            (
                "[[organisation]]\nvendor = \"acme\"\npattern = 'x'\nconfidence = 0.5\nreference = \" \"\nexamples = [\"x\"]\n",
                "empty reference",
            ),
            (
                "[[organisation]]\nvendor = \"acme\"\npattern = 'x'\nconfidence = 0.5\nreference = \"r\"\n",
                "example",
            ),
            (
                "[[block]]\nprefix = \"00047\"\nvendor = \"acme\"\nconfidence = 0.5\nexpect_organisation = 'x'\nreference = \"r\"\n",
                "6, 7 or 9",
            ),
            (
                "[[organisation]]\nvendor = \"acme\"\npatern = 'x'\n",
                "unknown field",
            ),
        ] {
            let err = VendorMapping::from_toml(text).unwrap_err().to_string();
            assert!(err.contains(what), "{what}: {err}");
        }
    }
}
