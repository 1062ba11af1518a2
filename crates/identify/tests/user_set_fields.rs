//! Issue 10 §1: a value whoever installed the device sets (its ONVIF name or
//! location, a page title showing its name, its host names, SNMP sysName,
//! UPnP friendly name, a certificate the user made) never decides the
//! maker. Each user-settable field is tried with a trusted maker's
//! firmware-set evidence and a covered maker's name in the user field: the
//! device is never covered, the name never becomes the model. A maker's
//! default name on its own stays a weak hint.

use std::net::{IpAddr, Ipv4Addr};

use camaudit_identify::Engine;
use camaudit_model::{Device, Observation, SetBy, set_by};

fn engine() -> Engine {
    Engine::builtin().expect("built-in engine loads")
}

fn one(engine: &Engine, obs: &[(&str, &str)]) -> Device {
    let addr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10));
    let obs: Vec<Observation> = obs
        .iter()
        .map(|(f, v)| Observation::new(addr, Some(80), f, v).expect("valid observation"))
        .collect();
    let mut devices = engine.identify(&obs);
    assert_eq!(devices.len(), 1, "{devices:#?}");
    devices.remove(0)
}

fn maker(d: &Device) -> Option<&str> {
    d.manufacturer.as_ref().map(|m| m.as_str())
}

fn label(d: &Device) -> Option<&str> {
    d.label_vendor.as_ref().map(|m| m.as_str())
}

/// The first example, as found: an Axis camera an installer named
/// after the Hikvision it replaced.
#[test]
fn an_axis_named_hikvision_replacement_is_axis_and_not_covered() {
    let d = one(
        &engine(),
        &[
            ("onvif.manufacturer", "AXIS"),
            ("onvif.model", "M3106-L Mk II"),
            (
                "onvif.scope",
                "onvif://www.onvif.org/name/Hikvision%20replacement",
            ),
        ],
    );
    assert_eq!(maker(&d), Some("axis"), "{d:#?}");
    assert_eq!(label(&d), Some("axis"), "{d:#?}");
    assert!(!d.covered, "{d:#?}");
    assert_eq!(d.model.as_deref(), Some("M3106-L Mk II"));
    // The name is not hidden: it lost, and says so.
    let label_conflict = d
        .conflicts
        .iter()
        .find(|c| c.fact.as_str() == "label_vendor")
        .expect("the user-set name is reported as a rejected label");
    assert_eq!(label_conflict.rejected[0].value, "hikvision");
}

/// The second example: a Bosch camera named "Dahua old".
#[test]
fn a_bosch_named_dahua_old_is_bosch_and_its_model_is_not_old() {
    let d = one(
        &engine(),
        &[
            ("onvif.manufacturer", "Bosch"),
            ("onvif.scope", "onvif://www.onvif.org/name/Dahua%20old"),
        ],
    );
    assert_eq!(maker(&d), Some("bosch"), "{d:#?}");
    assert!(!d.covered, "{d:#?}");
    assert_ne!(d.model.as_deref(), Some("old"), "{d:#?}");
}

/// Every user-settable field, each with the names installers give.
const USER_FIELDS: &[(&str, &[&str])] = &[
    (
        "onvif.scope",
        &[
            "onvif://www.onvif.org/name/Hikvision%20replacement",
            "onvif://www.onvif.org/name/HIKVISION",
            "onvif://www.onvif.org/name/HIKVISION%20DS-2CD2385G1-I",
            "onvif://www.onvif.org/name/Dahua%20old",
            "onvif://www.onvif.org/name/Dahua",
            "onvif://www.onvif.org/location/city/hangzhou",
        ],
    ),
    (
        "http.title",
        &[
            "Hikvision replacement",
            "Dahua old",
            "HIKVISION DS-2CD2385G1-I",
        ],
    ),
    (
        "dhcp.hostname",
        &["Hikvision-replacement", "dahua-old", "HIKVISION"],
    ),
    ("snmp.sysname", &["Hikvision replacement", "Dahua"]),
    (
        "upnp.friendly_name",
        &["Hikvision replacement", "Dahua old"],
    ),
    ("nmap.hostname", &["hikvision-replacement", "dahua"]),
    (
        "tls.cert.subject",
        &[
            "CN=Hikvision replacement,O=Hikvision",
            "CN=Dahua old,O=Dahua",
        ],
    ),
];

/// Firmware-set evidence of trusted makers, the weakest first: Axis's
/// ONVIF strings alone, then Bosch's web server.
const TRUSTED: &[(&str, &[(&str, &str)])] = &[
    (
        "axis",
        &[
            ("onvif.manufacturer", "AXIS"),
            ("onvif.model", "M3106-L Mk II"),
        ],
    ),
    (
        "bosch",
        &[
            ("onvif.manufacturer", "Bosch"),
            ("http.header.server", "VCS-VideoJet-Webserver"),
        ],
    ),
];

#[test]
fn no_user_settable_field_makes_a_trusted_device_covered() {
    let engine = engine();
    let mut wrong = Vec::new();
    for (field, values) in USER_FIELDS {
        for value in *values {
            assert_ne!(set_by(field, value), SetBy::Firmware, "{field} {value}");
            for (trusted, firmware) in TRUSTED {
                let mut obs = firmware.to_vec();
                obs.push((field, value));
                let d = one(&engine, &obs);
                let model_from_name = d
                    .model
                    .as_deref()
                    .is_some_and(|m| !firmware.iter().any(|(f, v)| *f == "onvif.model" && *v == m));
                if d.covered || maker(&d) != Some(trusted) || model_from_name {
                    wrong.push(format!(
                        "{trusted} + {field}={value:?}: maker {:?}, label {:?}, model {:?}, covered {}",
                        maker(&d),
                        label(&d),
                        d.model,
                        d.covered
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Each user field alone does say something: the brand it names, weakly,
/// unconfirmed by any platform evidence. (This is what makes the test
/// above able to fail: the names are read.)
#[test]
fn a_name_alone_is_a_weak_unconfirmed_label() {
    let engine = engine();
    for (field, values) in USER_FIELDS {
        for value in *values {
            let d = one(&engine, &[(field, value)]);
            let named = label(&d)
                .unwrap_or_else(|| panic!("{field}={value:?} is not read as a label hint: {d:#?}"));
            assert!(
                ["hikvision", "dahua"].contains(&named),
                "{field}={value:?}: {d:#?}"
            );
            assert!(
                d.confidence.get() <= 0.3,
                "{field}={value:?}: confidence {}",
                d.confidence.get()
            );
            assert_eq!(d.platform_confirmed, Some(false), "{field}={value:?}");
            assert!(d.model.is_none(), "{field}={value:?}: {:?}", d.model);
        }
    }
}

/// A Dahua camera whose name scope is still Dahua's default, and nothing
/// else seen: weakly Dahua, flagged as resting on the label alone.
#[test]
fn a_default_name_on_its_own_stays_weak() {
    let d = one(
        &engine(),
        &[("onvif.scope", "onvif://www.onvif.org/name/Dahua")],
    );
    assert_eq!(maker(&d), Some("dahua"));
    assert!(
        d.confidence.get() > 0.0 && d.confidence.get() <= 0.3,
        "{d:#?}"
    );
    assert_eq!(d.platform_confirmed, Some(false));
    assert!(
        d.attribution
            .iter()
            .any(|s| s.claim.contains("set by whoever installed")),
        "{:#?}",
        d.attribution
    );
}

/// The same name seen as the name scope and the page title is one piece of
/// evidence, not two.
#[test]
fn one_name_through_two_channels_counts_once() {
    let engine = engine();
    let scope = (
        "onvif.scope",
        "onvif://www.onvif.org/name/Hikvision%20replacement",
    );
    let title = ("http.title", "Hikvision replacement");
    let hostname = ("dhcp.hostname", "hikvision-replacement");
    let alone = one(&engine, &[scope]);
    let both = one(&engine, &[scope, title, hostname]);
    assert_eq!(alone.confidence, both.confidence, "{both:#?}");
    // A different name is another piece of evidence, but never more than a
    // weak hint.
    let other = one(&engine, &[scope, ("dhcp.hostname", "hikvision")]);
    assert!(other.confidence > alone.confidence, "{other:#?}");
    assert!(other.confidence.get() <= 0.3, "{other:#?}");
}

/// Firmware-set evidence of a covered maker is unaffected: a Hikvision
/// camera that kept its default name is Hikvision, confirmed.
#[test]
fn a_real_hikvision_with_its_default_name_is_still_hikvision() {
    let d = one(
        &engine(),
        &[
            ("http.header.server", "App-webs/"),
            ("onvif.manufacturer", "HIKVISION"),
            (
                "onvif.scope",
                "onvif://www.onvif.org/name/HIKVISION%20DS-2CD2385G1-I",
            ),
            (
                "onvif.scope",
                "onvif://www.onvif.org/hardware/DS-2CD2385G1-I",
            ),
        ],
    );
    assert_eq!(maker(&d), Some("hikvision"));
    assert!(d.covered && d.confidence.get() > 0.9, "{d:#?}");
    assert_eq!(d.platform_confirmed, Some(true));
    assert_eq!(d.model.as_deref(), Some("DS-2CD2385G1-I"));
}
