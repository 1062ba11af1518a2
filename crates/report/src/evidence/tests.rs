use super::*;
use camaudit_model::{Asserts, Confidence, Source};

fn vendor(id: &str) -> VendorId {
    VendorId::new(id).expect("a vendor id")
}

fn evidence(source: Source, port: Option<u16>, field: &str, value: &str) -> Evidence {
    Evidence {
        source,
        port,
        field: field.to_owned(),
        value: value.to_owned(),
        rule: None,
        asserts: Asserts::default(),
        confidence: Confidence::ONE,
    }
}

fn by(mut e: Evidence, rule: &str, maker: &str) -> Evidence {
    e.rule = Some(rule.to_owned());
    e.asserts.manufacturer = Some(vendor(maker));
    e
}

/// The first cell of each row of the field table in `docs/fields.md`, and
/// the derived field named below it: every documented field, with
/// `<name>`-style parts replaced by a sample.
fn documented_fields() -> Vec<String> {
    let doc = include_str!("../../../../docs/fields.md");
    let mut fields = Vec::new();
    for line in doc.lines().filter(|l| l.starts_with("| `")) {
        let first = line.split('|').nth(1).unwrap_or("");
        for f in first.split('`').skip(1).step_by(2) {
            fields.push(
                f.replace("<name>", "x-custom")
                    .replace("<tag>", "somekey")
                    .replace("<key>", "somekey"),
            );
        }
    }
    assert!(
        doc.contains("`fact.model`"),
        "the derived field is documented"
    );
    fields.push("fact.model".to_owned());
    fields
}

#[test]
fn every_documented_field_has_a_phrase_of_its_own() {
    let fields = documented_fields();
    assert!(fields.len() > 40, "{fields:?}");
    for field in &fields {
        assert!(phrase_for(field).is_some(), "{field} has no phrase");
        let e = evidence(Source::Http, Some(80), field, "sample value");
        let s = phrase(&e);
        assert!(
            !s.contains(field.as_str()),
            "{field}: the sentence dumps the field name: {s}"
        );
        assert!(!s.contains('{'), "{field}: a placeholder left: {s}");
        assert!(s.ends_with('.'), "{s}");
    }
}

#[test]
fn an_undocumented_field_still_reads_as_a_sentence() {
    let e = evidence(Source::Http, None, "odd.thing", "v");
    assert!(phrase_for("odd.thing").is_none());
    assert_eq!(phrase(&e), "The device reported odd.thing as “v”.");
}

#[test]
fn http_server_header_names_the_maker() {
    let e = by(
        evidence(Source::Http, Some(80), "http.header.server", "App-webs/"),
        "hikvision.http.server-app-webs",
        "hikvision",
    );
    assert_eq!(
        phrase(&e),
        "The web server on port 80 identified itself as Hikvision's (Server: App-webs/)."
    );
    let plain = evidence(Source::Http, Some(8080), "http.header.server", "nginx");
    assert_eq!(
        phrase(&plain),
        "The web server on port 8080 identified itself as “nginx”."
    );
    let other = evidence(
        Source::Http,
        Some(80),
        "http.header.x-frame-options",
        "DENY",
    );
    assert_eq!(
        phrase(&other),
        "The web server on port 80 sent the X-Frame-Options header “DENY”."
    );
}

#[test]
fn page_title() {
    let e = by(
        evidence(Source::Http, Some(80), "http.title", "WEB SERVICE"),
        "dahua.http.title-web-service",
        "dahua",
    );
    assert_eq!(
        phrase(&e),
        "The web page on port 80 is titled “WEB SERVICE”, as Dahua's login pages are."
    );
}

#[test]
fn isapi_and_magicbox_bodies_give_model_and_firmware() {
    let mut isapi = by(
        evidence(
            Source::Http,
            Some(80),
            "http.body",
            "<DeviceInfo><model>DS-2CD2143G2-I</model></DeviceInfo>",
        ),
        "hikvision.http.isapi-deviceinfo",
        "hikvision",
    );
    isapi.asserts.model = Some("DS-2CD2143G2-I".into());
    isapi.asserts.device_type = Some(DeviceType::Camera);
    assert_eq!(
        phrase(&isapi),
        "The device-information page on port 80 answered in the XML of Hikvision's ISAPI interface, which points to Hikvision as the maker; it identifies a camera, model DS-2CD2143G2-I."
    );
    let mut magic = by(
        evidence(
            Source::Http,
            Some(80),
            "http.body",
            "deviceType=IPC-HDW1431T1-S4\nserialNumber=7G0A1B2C3D",
        ),
        "dahua.http.magicbox-devicetype",
        "dahua",
    );
    magic.asserts.serial = Some("7G0A1B2C3D".into());
    assert_eq!(
        phrase(&magic),
        "The device-information page on port 80 answered in the format of Dahua's magicBox interface, which points to Dahua as the maker; it identifies serial number 7G0A1B2C3D."
    );
    let login = by(
        evidence(
            Source::Http,
            Some(80),
            "http.body",
            "<!DOCTYPE html><html>…",
        ),
        "hikvision.http.body-login-asp",
        "hikvision",
    );
    assert_eq!(
        phrase(&login),
        "The web page on port 80 contains markup typical of Hikvision's devices."
    );
}

#[test]
fn long_values_are_cut_in_the_sentence_not_in_the_view() {
    let body = "x".repeat(500);
    let e = evidence(Source::Snmp, None, "snmp.sysdescr", &body);
    let view = EvidenceView::of(&e);
    assert!(view.sentence.chars().count() < 140, "{}", view.sentence);
    assert!(view.sentence.contains('…'));
    assert_eq!(view.value, body);
}

#[test]
fn sadp_and_dhip_discovery() {
    let mut sadp = by(
        evidence(
            Source::Sadp,
            Some(37020),
            "sadp.devicedescription",
            "DS-2CD2385G1-I",
        ),
        "hikvision.sadp.devicedescription",
        "hikvision",
    );
    sadp.asserts.model = Some("DS-2CD2385G1-I".into());
    assert_eq!(
        phrase(&sadp),
        "Hikvision's device discovery protocol (SADP) reported the model description as “DS-2CD2385G1-I”, which points to Hikvision as the maker."
    );
    let mut dhip = by(
        evidence(Source::Dhip, Some(37810), "dhip.deviceclass", "NVR"),
        "dahua.dhip.deviceclass-nvr",
        "dahua",
    );
    dhip.asserts.device_type = Some(DeviceType::Nvr);
    assert_eq!(
        phrase(&dhip),
        "Dahua's device discovery protocol (DHIP) reported the device class as “NVR”, which points to Dahua as the maker; it identifies a network video recorder."
    );
    let mac = evidence(Source::Dhip, Some(37810), "dhip.mac", "3c:e3:6b:4e:e5:e4");
    assert_eq!(
        phrase(&mac),
        "Dahua's device discovery protocol (DHIP) reported the MAC address as “3c:e3:6b:4e:e5:e4”."
    );
}

#[test]
fn private_protocol_banners() {
    let dvrip = by(
        evidence(
            Source::Dvrip,
            Some(37777),
            "dvrip.banner",
            "2000000044484950",
        ),
        "dahua.dvrip.dhip-header",
        "dahua",
    );
    assert_eq!(
        phrase(&dvrip),
        "The DVRIP service on port 37777 answered in Dahua's private binary format."
    );
    let hik = by(
        evidence(
            Source::Hiksdk,
            Some(8000),
            "hiksdk.banner",
            "000000100000001e",
        ),
        "hikvision.hiksdk.reply-header",
        "hikvision",
    );
    assert_eq!(
        phrase(&hik),
        "The SDK service on port 8000 answered in Hikvision's private binary format."
    );
    assert!(
        !phrase(&hik).contains("000000100000001e"),
        "no hex in words"
    );
}

#[test]
fn tls_certificate_by_organisation() {
    let e = by(
        evidence(
            Source::Tls,
            Some(443),
            "tls.cert.subject",
            "CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,ST=ZheJiang,C=CN",
        ),
        "hikvision.tls.cert-org",
        "hikvision",
    );
    assert_eq!(
        phrase(&e),
        "The encryption (TLS) certificate on port 443 was made out to “HIKVISION” (www.hikvision.com), which points to Hikvision as the maker."
    );
    let issuer = evidence(Source::Tls, Some(443), "tls.cert.issuer", "CN=127.0.0.1");
    assert_eq!(
        phrase(&issuer),
        "The encryption (TLS) certificate on port 443 was issued by “127.0.0.1”."
    );
}

#[test]
fn rtsp_server() {
    let e = by(
        evidence(
            Source::Rtsp,
            Some(554),
            "rtsp.header.server",
            "Rtsp Server/3.0",
        ),
        "dahua.rtsp.server-rtsp-server-3",
        "dahua",
    );
    assert_eq!(
        phrase(&e),
        "The video streaming (RTSP) server on port 554 identified itself as Dahua's (Server: Rtsp Server/3.0)."
    );
}

#[test]
fn onvif_manufacturer_model_and_scopes() {
    let mut m = evidence(Source::Onvif, Some(80), "onvif.manufacturer", "HIKVISION");
    m.rule = Some("registry.name".into());
    m.asserts.label_vendor = Some(vendor("hikvision"));
    assert_eq!(
        phrase(&m),
        "The device's camera-control (ONVIF) interface reported its manufacturer as “HIKVISION”, a name the registry lists for the brand Hikvision."
    );
    let model = evidence(Source::Onvif, Some(80), "onvif.model", "DS-2CD2385G1-I");
    assert_eq!(
        phrase(&model),
        "The device's camera-control (ONVIF) interface reported its model as “DS-2CD2385G1-I”."
    );
    let scope = evidence(
        Source::Wsd,
        Some(3702),
        "onvif.scope",
        "onvif://www.onvif.org/name/HIKVISION%20DS-2CD2385G1-I",
    );
    assert_eq!(
        phrase(&scope),
        "The device announced itself on the network (ONVIF discovery) with the name “HIKVISION DS-2CD2385G1-I”."
    );
    let city = evidence(
        Source::Wsd,
        Some(3702),
        "onvif.scope",
        "onvif://www.onvif.org/location/city/hangzhou",
    );
    assert!(phrase(&city).contains("with its location set to “city hangzhou”"));
    let broken = evidence(
        Source::Wsd,
        None,
        "onvif.scope",
        "onvif://www.onvif.org/name/%zz%4",
    );
    assert!(phrase(&broken).contains("“%zz%4”"), "{}", phrase(&broken));
}

#[test]
fn mac_registered_in_the_ieee_registry() {
    let e = by(
        evidence(Source::Arp, None, "mac", "58:50:ed:1f:e3:85"),
        "oui:ieee:MA-L:5850ED",
        "hikvision",
    );
    assert_eq!(
        phrase(&e),
        "The network card's MAC address 58:50:ed:1f:e3:85 is registered to Hikvision in the IEEE registry."
    );
    // A maker asserted by something other than the IEEE registry is not
    // credited to it.
    let other = by(
        evidence(Source::Arp, None, "mac", "58:50:ed:1f:e3:85"),
        "some.rule",
        "hikvision",
    );
    assert_eq!(
        phrase(&other),
        "The network card's MAC address is 58:50:ed:1f:e3:85, which points to Hikvision as the maker."
    );
}

#[test]
fn registry_equivalence_names_the_brand() {
    let mut e = evidence(
        Source::Tls,
        Some(443),
        "tls.cert.subject",
        "CN=127.77.240.1,O=Uniview,C=CN",
    );
    e.rule = Some("registry.name".into());
    e.asserts.label_vendor = Some(vendor("uniview"));
    assert_eq!(
        phrase(&e),
        "The encryption (TLS) certificate on port 443 was made out to “Uniview” (127.77.240.1), a name the registry lists for the brand Uniview."
    );
}

#[test]
fn model_numbering_and_dns() {
    let e = by(
        evidence(Source::Wsd, Some(3702), "fact.model", "DS-7608NI-K2"),
        "hikvision.fact.model-nvr",
        "hikvision",
    );
    assert_eq!(
        phrase(&e),
        "The model number DS-7608NI-K2 follows Hikvision's numbering."
    );
    let dns = by(
        evidence(Source::Dns, None, "dns.query", "litedev.hik-connect.com"),
        "hikvision.dns.hik-connect",
        "hikvision",
    );
    assert_eq!(
        phrase(&dns),
        "The device looked up the internet name litedev.hik-connect.com, which points to Hikvision as the maker."
    );
}

#[test]
fn company_names_for_readers() {
    assert_eq!(display_name(&vendor("hikvision")), "Hikvision");
    assert_eq!(display_name(&vendor("hp")), "HP");
    assert_eq!(display_name(&vendor("ezviz")), "EZVIZ");
    assert_eq!(display_name(&vendor("hanwha-vision")), "Hanwha Vision");
}
