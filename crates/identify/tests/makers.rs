//! Issue 2's acceptance cases: the main signal of every covered maker names
//! it and makes the device covered; the trusted makers' signals never do;
//! rebrands come out with the label and the real maker apart.

use std::net::{IpAddr, Ipv4Addr};

use camaudit_identify::Engine;
use camaudit_model::{Device, Observation, VendorId};

fn engine() -> Engine {
    Engine::builtin().expect("built-in engine loads")
}

fn addr(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, last))
}

fn one(engine: &Engine, obs: &[(&str, &str)]) -> Device {
    let obs: Vec<Observation> = obs
        .iter()
        .map(|(f, v)| Observation::new(addr(10), Some(80), f, v).expect("valid observation"))
        .collect();
    let mut devices = engine.identify(&obs);
    assert_eq!(devices.len(), 1, "{devices:#?}");
    devices.remove(0)
}

/// (maker, field, value): a real, documented signal of each maker. A maker
/// that is a brand rather than a company comes out as the label, with the
/// company that owns the brand as manufacturer (checked in `BRAND_MAKERS`).
const COVERED: &[(&str, &str, &str)] = &[
    ("hikvision", "http.header.server", "App-webs/"),
    (
        "hikvision",
        "tls.cert.subject",
        "CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,ST=ZheJiang,C=CN",
    ),
    ("hikvision", "sadp.devicetype", "141945"),
    ("dahua", "rtsp.header.server", "Dahua Rtsp Server"),
    (
        "dahua",
        "http.header.www-authenticate",
        "Digest realm=\"Login to 6C01E93PAG69A7D\", qop=\"auth\", nonce=\"123\"",
    ),
    ("dahua", "dhip.devicetype", "IPC-HDW1431T1-S4"),
    (
        "uniview",
        "http.body",
        "{\"Response\":{\"ResponseURL\":\"/LAPI/V1.0/System/DeviceBasicInfo\",\"CreatedID\":-1,\"ResponseCode\":0,\"SubResponseCode\":0,\"ResponseString\":\"Succeed\",\"StatusCode\":0,\"StatusString\":\"Succeed\",\"Data\":{\"Manufacturer\":\"UNIVIEW\",\"DeviceModel\":\"IPC3614SR3-ADPF28\",\"SerialNumber\":\"210235C2QSA188000194\",\"MAC\":\"48ea638b0791\",\"FirmwareVersion\":\"IPC_G6103-B0009P30D1803\"}}}",
    ),
    ("ezviz", "dns.query", "euauth.ezvizlife.com"),
    ("imou", "import.brand", "Imou"),
    ("tvt", "http.header.server", "Cross Web Server"),
    ("tiandy", "import.manufacturer", "Tiandy"),
    ("xiongmai", "http.header.server", "uc-httpd 1.0.0"),
    (
        "huawei",
        "http.body",
        "{\"ResponseStatus\":{\"RequestURL\":\"/SDCAPI/V1.0/MiscIaas/System?ChannelID=101\",\"StatusCode\":0,\"StatusString\":\"OK\"}}",
    ),
];

/// Brands among the covered makers, with the company that makes them.
const BRAND_MAKERS: &[(&str, &str)] = &[("imou", "dahua")];

const TRUSTED: &[(&str, &str, &str)] = &[
    (
        "axis",
        "http.header.www-authenticate",
        "Basic realm=\"AXIS_ACCC8E012345\"",
    ),
    (
        "axis",
        "dhcp.vendor_class",
        "AXIS,Network Camera,M1065-LW,9.80.1",
    ),
    (
        "hanwha",
        "http.body",
        "{\"Model\": \"PNV-A9081R\", \"SerialNumber\": \"ZNKZ70GM800002Y\", \"DeviceType\": \"NWC\", \"ConnectedMACAddress\": \"00:09:18:61:9F:28\"}",
    ),
    ("bosch", "http.header.server", "VCS-VideoJet-Webserver"),
    (
        "avigilon",
        "rtsp.header.server",
        "AvigilonOnvifNvt/2.6.0.130",
    ),
    (
        "mobotix",
        "http.title",
        "Redirect to userimage: /control/userimage.html",
    ),
    ("vivotek", "http.header.server", "VVTK-HTTP-Server"),
    ("i-pro", "snmp.sysdescr", "WJ-HD300 SWVer1.53"),
    (
        "sony",
        "http.header.www-authenticate",
        "Basic realm=\"Sony Network Camera SNC-RZ25N\"",
    ),
    ("pelco", "import.manufacturer", "Pelco"),
    (
        "ubiquiti",
        "tls.cert.subject",
        "CN=camera.ubnt.dev,OU=devint,O=Ubiquiti Networks Inc.,L=Taipei,C=TW",
    ),
];

#[test]
fn every_covered_makers_main_signal_is_covered() {
    let engine = engine();
    let mut wrong = Vec::new();
    for (maker, field, value) in COVERED {
        let d = one(&engine, &[(field, value)]);
        let expected = BRAND_MAKERS
            .iter()
            .find(|(brand, _)| brand == maker)
            .map_or(*maker, |(_, company)| *company);
        let named =
            |v: &Option<VendorId>, want: &str| v.as_ref().is_some_and(|m| m.as_str() == want);
        let ok = named(&d.manufacturer, expected)
            && (expected == *maker || named(&d.label_vendor, maker))
            && d.covered;
        if !ok {
            wrong.push(format!(
                "{maker}: {field}={value:?} → manufacturer {:?}, covered {}",
                d.manufacturer, d.covered
            ));
        }
        if ok {
            assert!(
                d.covered_by.iter().any(|r| r == "uk-2022-directive"),
                "{maker}: {:?}",
                d.covered_by
            );
            assert!(
                d.evidence
                    .iter()
                    .any(|e| e.field == *field && e.rule.is_some()),
                "{maker}: evidence missing"
            );
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn trusted_makers_are_named_and_never_covered() {
    let engine = engine();
    let mut wrong = Vec::new();
    for (maker, field, value) in TRUSTED {
        let d = one(&engine, &[(field, value)]);
        let ok = d
            .manufacturer
            .as_ref()
            .is_some_and(|m| m.as_str() == *maker)
            && !d.covered
            && d.covered_by.is_empty();
        if !ok {
            wrong.push(format!(
                "{maker}: {field}={value:?} → manufacturer {:?}, covered {}",
                d.manufacturer, d.covered
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_issue_example_names_hikvision_with_evidence() {
    let d = one(&engine(), &[("http.header.server", "App-webs/")]);
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["manufacturer"], "hikvision");
    assert_eq!(json["covered"], true);
    assert_eq!(
        json["evidence"][0]["rule"],
        "hikvision.http.server-app-webs"
    );
    assert_eq!(json["evidence"][0]["value"], "App-webs/");
    assert!(
        json["label_vendor"].is_null(),
        "no label evidence, so no label: never guess"
    );
    assert!(json["model"].is_null());
}

#[test]
fn hikvision_rebrand_is_unmasked_by_isapi() {
    // An OEM camera: the ONVIF manufacturer string says ANNKE, the ISAPI
    // device-info document (Hikvision's schema and model grammar) says who
    // made it.
    let d = one(
        &engine(),
        &[
            ("onvif.manufacturer", "ANNKE"),
            ("http.title", "ANNKE"),
            (
                "http.body",
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><DeviceInfo version=\"2.0\" xmlns=\"http://www.hikvision.com/ver20/XMLSchema\"><deviceName>C800</deviceName><model>DS-2CD2387G2-LU</model><serialNumber>DS-2CD2387G2-LU20230101AAWRJ12345678</serialNumber><firmwareVersion>V5.7.3</firmwareVersion><deviceType>IPCamera</deviceType></DeviceInfo>",
            ),
        ],
    );
    assert_eq!(d.label_vendor.as_ref().map(|v| v.as_str()), Some("annke"));
    assert_eq!(
        d.manufacturer.as_ref().map(|v| v.as_str()),
        Some("hikvision")
    );
    assert!(d.is_rebrand() && d.covered);
    assert_eq!(d.model.as_deref(), Some("DS-2CD2387G2-LU"));
    assert_eq!(d.label_relation.as_deref(), Some("oem-reseller"));
    assert!(d.is_oem_rebrand());
    assert!(
        d.attribution
            .iter()
            .any(|s| s.claim.contains("rebrand: label annke")),
        "{:#?}",
        d.attribution
    );
}

#[test]
fn dahua_rebrand_is_unmasked_by_magicbox() {
    // A Lorex NVR: the label says Lorex; magicBox's updateSerial carries the
    // Dahua model number.
    let d = one(
        &engine(),
        &[
            ("onvif.manufacturer", "Lorex"),
            (
                "http.body",
                "deviceType=31\r\nprocessor=ST7108\r\nserialNumber=ND021911000123\r\nupdateSerial=DHI-NVR4108HS-8P-4KS2\r\n",
            ),
        ],
    );
    assert_eq!(d.label_vendor.as_ref().map(|v| v.as_str()), Some("lorex"));
    assert_eq!(d.manufacturer.as_ref().map(|v| v.as_str()), Some("dahua"));
    assert!(d.is_rebrand() && d.covered);
}

#[test]
fn label_alone_points_at_the_maker_through_the_registry() {
    let d = one(&engine(), &[("import.brand", "HiLook")]);
    assert_eq!(d.label_vendor.as_ref().map(|v| v.as_str()), Some("hilook"));
    assert_eq!(
        d.manufacturer.as_ref().map(|v| v.as_str()),
        Some("hikvision")
    );
    assert!(d.covered);
}

#[test]
fn platform_evidence_naming_a_brand_leads_to_its_company() {
    // The IEEE registers these blocks to the firm behind Dahua's Imou brand,
    // so the MAC table names the brand; the registry leads on to Dahua.
    let block = camaudit_oui::OuiTable::builtin()
        .vendor_blocks(&VendorId::new("imou").unwrap())
        .into_iter()
        .find(|e| e.bits == 24)
        .expect("the built-in table has Imou blocks");
    let hex = block.prefix_hex();
    let mac = format!("{}:{}:{}:00:00:01", &hex[0..2], &hex[2..4], &hex[4..6]);
    let d = one(&engine(), &[("mac", &mac)]);
    assert_eq!(
        d.manufacturer.as_ref().map(|v| v.as_str()),
        Some("dahua"),
        "{d:#?}"
    );
    assert!(d.covered);
    assert!(
        d.attribution.iter().any(|s| s.claim.starts_with("imou is")),
        "{:#?}",
        d.attribution
    );
}

#[test]
fn a_subsidiary_on_its_parents_platform_is_the_maker() {
    // EZVIZ cameras answer SADP as Hikvision's platform does; the label names
    // EZVIZ, a company in Hikvision's group: made by EZVIZ, owned by the group.
    let d = one(
        &engine(),
        &[
            ("sadp.devicetype", "141945"),
            ("sadp.devicedescription", "CS-C6N-A0-1C2WFR"),
            ("onvif.manufacturer", "EZVIZ"),
        ],
    );
    assert_eq!(
        d.manufacturer.as_ref().map(|v| v.as_str()),
        Some("ezviz"),
        "{:#?}",
        d.attribution
    );
    assert_eq!(d.label_vendor.as_ref().map(|v| v.as_str()), Some("ezviz"));
    assert!(!d.is_rebrand() && d.covered);
    assert!(d.owner.is_some() && d.owner.as_ref().map(|v| v.as_str()) != Some("ezviz"));
}

#[test]
fn regimes_reach_only_the_equipment_they_name() {
    // A Huawei home gateway: telecommunications equipment, so NDAA s.889 and
    // the FCC list reach it; the UK statement is about visual surveillance.
    let d = one(
        &engine(),
        &[("http.header.server", "Linux UPnP/1.0 Huawei-ATP-IGD")],
    );
    assert_eq!(d.device_type.map(|t| t.as_str()), Some("router"));
    assert_eq!(d.covered_by, ["fcc-covered-list", "ndaa-889"]);
    assert!(d.attribution.iter().any(|s| {
        s.claim
            .starts_with("uk-2022-directive covers huawei but not")
    }));
    // A Hikvision camera: all three.
    let d = one(
        &engine(),
        &[
            ("http.header.server", "App-webs/"),
            ("sadp.devicetype", "141945"),
        ],
    );
    assert_eq!(
        d.covered_by,
        ["fcc-covered-list", "ndaa-889", "uk-2022-directive"]
    );
}

#[test]
fn any_registry_brand_in_a_label_field_is_the_label() {
    // A Hikvision OEM camera seen by SADP and its login page: no rule names
    // LTS in these fields, the registry does.
    for (field, value) in [
        ("sadp.oeminfo", "LTS"),
        ("http.title", "LTS"),
        (
            "onvif.scope",
            "onvif://www.onvif.org/name/LTS%20CMIP3042W-28",
        ),
        ("tls.cert.subject", "C=CN,O=LTS,CN=192.168.1.64"),
    ] {
        let d = one(&engine(), &[("sadp.devicetype", "141945"), (field, value)]);
        assert_eq!(
            d.label_vendor.as_ref().map(|v| v.as_str()),
            Some("lts"),
            "{field}: {:#?}",
            d.evidence
        );
        assert_eq!(
            d.manufacturer.as_ref().map(|v| v.as_str()),
            Some("hikvision")
        );
        assert_eq!(d.label_relation.as_deref(), Some("oem-reseller"));
    }
    // Not a brand: no label.
    let d = one(
        &engine(),
        &[("sadp.devicetype", "141945"), ("sadp.oeminfo", "N/A")],
    );
    assert!(d.label_vendor.is_none());
}

#[test]
fn unknown_device_stays_unknown() {
    let d = one(
        &engine(),
        &[
            ("http.header.server", "nginx/1.18.0"),
            ("http.title", "Welcome"),
        ],
    );
    assert!(d.manufacturer.is_none() && d.label_vendor.is_none() && !d.covered);
    assert_eq!(d.confidence.get(), 0.0);
}

#[test]
fn conflicting_evidence_is_resolved_and_reported() {
    // Axis branding on a device whose firmware is Hikvision's: the platform
    // wins, the label is kept, and the disagreement is written down.
    let d = one(
        &engine(),
        &[
            ("onvif.manufacturer", "AXIS"),
            ("http.header.server", "App-webs/"),
            ("sadp.devicetype", "141945"),
        ],
    );
    assert_eq!(
        d.manufacturer.as_ref().map(|v| v.as_str()),
        Some("hikvision")
    );
    assert_eq!(d.label_vendor.as_ref().map(|v| v.as_str()), Some("axis"));
    assert!(
        d.attribution
            .iter()
            .any(|s| s.claim.starts_with("conflict:")),
        "{:#?}",
        d.attribution
    );
    assert_eq!(d.label_relation.as_deref(), Some("unrecorded"));
}

#[test]
fn observations_merge_by_mac_across_addresses() {
    let engine = engine();
    let obs = vec![
        Observation::new(addr(1), Some(37020), "sadp.mac", "58-50-ed-1f-e3-85").unwrap(),
        Observation::new(
            addr(1),
            Some(37020),
            "sadp.devicedescription",
            "DS-2CD2385G1-I",
        )
        .unwrap(),
        Observation::new(addr(2), None, "mac", "58:50:ED:1F:E3:85").unwrap(),
        Observation::new(addr(2), Some(80), "http.header.server", "App-webs/").unwrap(),
        Observation::new(addr(3), Some(80), "http.header.server", "nginx").unwrap(),
    ];
    let devices = engine.identify(&obs);
    assert_eq!(devices.len(), 2, "{devices:#?}");
    let cam = devices.iter().find(|d| d.mac.is_some()).unwrap();
    assert_eq!(cam.mac.unwrap().to_string(), "58:50:ed:1f:e3:85");
    assert_eq!(cam.open_ports, [80]);
    assert_eq!(cam.other_addrs.len(), 1);
    assert_eq!(cam.model.as_deref(), Some("DS-2CD2385G1-I"));
    assert!(
        cam.evidence
            .iter()
            .any(|e| e.rule.as_deref().is_some_and(|r| r.starts_with("oui:")))
    );
}
