//! Facts added to widen the registry: Hikvision's Hikrobot and Pyronix, the
//! Imou/Lechange company (Huacheng) and its sale, the Lorex buyer, the drone
//! makers named by FY2025 NDAA s.1709, the Hik-Connect and Imou cloud
//! hosts, and OEM relabellers found from technical evidence (EmpireTech and
//! Q-See for Dahua, Luma Surveillance and ClareVision for Hikvision) with the
//! EmpireTech model equivalences. Each test names the fact it checks.

use camaudit_model::VendorId;
use camaudit_registry::{Level, Registry, Relation};

fn reg() -> Registry {
    match Registry::builtin() {
        Ok(r) => r,
        Err(e) => panic!("the built-in registry does not load:\n{e}"),
    }
}

fn id(s: &str) -> VendorId {
    VendorId::new(s).unwrap()
}

fn chain(r: &Registry, of: &str) -> Vec<String> {
    r.owner_chain(&id(of))
        .iter()
        .map(|e| e.id.to_string())
        .collect()
}

fn regimes(r: &Registry, of: &str) -> Vec<String> {
    r.coverage(&id(of))
        .iter()
        .map(|f| f.regime.clone())
        .collect()
}

#[test]
fn hikrobot_is_a_hikvision_subsidiary_covered_through_its_parent() {
    let r = reg();
    for name in [
        "HIKROBOT",
        "Hangzhou Hikrobot Co., Ltd.",
        "海康机器人",
        "杭州海康机器人股份有限公司",
    ] {
        assert_eq!(r.lookup_name(name), Some(id("hikrobot")), "{name:?}");
    }
    let e = r.entity(&id("hikrobot")).unwrap();
    assert_eq!(e.jurisdiction, "CN");
    assert!(
        e.parent_relation.as_deref().unwrap_or("").contains("60%"),
        "{:?}",
        e.parent_relation
    );
    assert_eq!(
        chain(&r, "hikrobot"),
        ["hikrobot", "hikvision", "cethik", "cetc"]
    );
    let f = r.coverage(&id("hikrobot"));
    let got: Vec<&str> = f.iter().map(|x| x.regime.as_str()).collect();
    assert_eq!(got, ["fcc-covered-list", "ndaa-889", "uk-2022-directive"]);
    for us in &f[..2] {
        // Named through Hikvision, not by itself.
        assert_eq!(us.entity, id("hikvision"), "{}", us.regime);
        assert!(!us.interpretation);
    }
    assert!(r.risk_flags(&id("hikrobot")).is_empty());
}

#[test]
fn pyronix_is_a_hikvision_subsidiary() {
    let r = reg();
    assert_eq!(r.lookup_name("PYRONIX"), Some(id("pyronix")));
    let links = r.brand_links(&id("pyronix"));
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].company, id("hikvision"));
    assert_eq!(links[0].relation, Relation::Subsidiary);
    assert_eq!(links[0].confidence, Level::Medium);
    assert!(!links[0].is_historical());
    assert!(
        links[0]
            .sources
            .iter()
            .any(|s| s.contains("doncasterfreepress"))
    );
}

#[test]
fn hikmicro_keeps_a_low_link_but_has_its_chinese_name() {
    let r = reg();
    assert_eq!(r.lookup_name("海康微影"), Some(id("hikmicro")));
    let links = r.brand_links(&id("hikmicro"));
    assert_eq!(links[0].company, id("hikvision"));
    // The tie between the Chinese subsidiary and the HIKMICRO label is by
    // name only: still low.
    assert_eq!(links[0].confidence, Level::Low);
}

#[test]
fn imou_and_lechange_are_huachengs_labels_a_dahua_subsidiary() {
    let r = reg();
    for name in [
        "Imou",
        "Lechange",
        "乐橙",
        "Hangzhou Huacheng Network Technology Co., Ltd.",
        "Hangzhou Huacheng Network Technology Co.,Ltd",
        "华橙网络",
    ] {
        assert_eq!(r.lookup_name(name), Some(id("imou")), "{name:?}");
    }
    let links = r.brand_links(&id("imou"));
    assert_eq!(links.len(), 1);
    let l = links[0];
    assert_eq!(l.company, id("dahua"));
    assert_eq!(l.relation, Relation::Subsidiary);
    // The 2025 sale's completion is not sourced: no end date, and the notes
    // say why.
    assert!(l.until.is_none());
    assert!(!l.is_historical());
    let notes = l.notes.as_deref().unwrap();
    assert!(notes.contains("2025-03-03"), "{notes}");
    assert!(notes.contains("completion was not confirmed"), "{notes}");
    assert!(
        l.sources
            .iter()
            .any(|s| s == "https://imoulife.com/privacy-policy")
    );
    assert!(
        l.sources
            .iter()
            .any(|s| s.contains("ddx.gubit.cn/gonggao/002236/202503047894"))
    );
}

#[test]
fn lorex_sale_is_dated_and_names_its_buyer() {
    let r = reg();
    let l = r.brand_links(&id("lorex"))[0];
    assert_eq!(l.relation, Relation::FormerSubsidiary);
    assert_eq!(l.from.as_deref(), Some("2018-02"));
    assert_eq!(l.until.as_deref(), Some("2022-11-24"));
    let notes = l.notes.as_deref().unwrap();
    assert!(notes.contains("Skywatch"), "{notes}");
    assert!(notes.contains("Taipei"), "{notes}");
    assert!(l.sources.iter().any(|s| s.contains("einpresswire.com")));
}

#[test]
fn ndaa_2025_section_1709_drone_makers_are_on_the_fcc_list() {
    let r = reg();
    assert_eq!(r.lookup_name("DJI"), Some(id("dji")));
    assert_eq!(
        r.lookup_name("Shenzhen Da-Jiang Innovations Sciences and Technologies"),
        Some(id("dji"))
    );
    assert_eq!(r.lookup_name("Autel Robotics"), Some(id("autel-robotics")));
    // The bare word is not an alias.
    assert_eq!(r.lookup_name("Autel"), None);
    for maker in ["dji", "autel-robotics"] {
        assert_eq!(r.entity(&id(maker)).unwrap().jurisdiction, "CN");
        assert_eq!(
            regimes(&r, maker),
            ["fcc-covered-list", "uk-2022-directive"],
            "{maker}: named by the FCC list, not by s.889"
        );
        let fcc = &r.coverage(&id(maker))[0];
        assert_eq!(fcc.entity, id(maker));
        assert!(!fcc.interpretation);
        assert_eq!(fcc.from.as_deref(), Some("2025-12-22"));
        assert_eq!(fcc.confidence, Level::Medium);
        assert!(fcc.basis.contains("1709"), "{}", fcc.basis);
    }
}

#[test]
fn hik_connect_and_imou_cloud_hosts_are_known() {
    let r = reg();
    for host in [
        "api.hik-connect.com",
        "apiieu.hik-connect.com",
        "i.hik-connectru.com",
    ] {
        let e = r.endpoints_for_host(host);
        assert_eq!(e.len(), 1, "{host}");
        assert_eq!(e[0].vendor, id("hikvision"), "{host}");
        assert_eq!(e[0].ports, [443]);
    }
    for host in ["openapi.easy4ip.com", "OPENAPI-FK.easy4ip.com."] {
        let e = r.endpoints_for_host(host);
        assert_eq!(e.len(), 1, "{host}");
        assert_eq!(e[0].vendor, id("imou"), "{host}");
    }
    // Not a wildcard: other hosts in those domains are not claimed.
    assert!(r.endpoints_for_host("www.hik-connect.com").is_empty());
    assert!(r.endpoints_for_host("easy4ip.com").is_empty());
    // Dahua's own P2P host is unchanged.
    assert_eq!(
        r.endpoints_for_host("www.easy4ipcloud.com")[0].vendor,
        id("dahua")
    );
}

#[test]
fn empiretech_is_a_dahua_oem_reseller_from_several_users_reports() {
    let r = reg();
    for name in ["EmpireTech", "EMPIRETECH", "Empire Tech"] {
        assert_eq!(r.lookup_name(name), Some(id("empiretech")), "{name:?}");
    }
    let links = r.brand_links(&id("empiretech"));
    assert_eq!(links.len(), 1);
    let l = links[0];
    assert_eq!(l.company, id("dahua"));
    assert_eq!(l.relation, Relation::OemReseller);
    assert_eq!(l.confidence, Level::Medium);
    for issue in ["rroller/dahua/issues/308", "rroller/dahua/issues/462"] {
        assert!(l.sources.iter().any(|s| s.contains(issue)), "{issue}");
    }
    // A relabelled Dahua device is covered through Dahua.
    assert_eq!(
        regimes(&r, "dahua"),
        ["fcc-covered-list", "ndaa-889", "uk-2022-directive"]
    );
}

#[test]
fn empiretech_models_are_documented_dahua_models() {
    let r = reg();
    let e = r.equivalents_of("DB2X-WP");
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].brand, id("empiretech"));
    assert_eq!(e[0].maker, id("dahua"));
    assert_eq!(e[0].original_model, "VTO2311R-WP");
    assert_eq!(e[0].confidence, Level::Low);
    // Found from the Dahua side too, with Dahua's DHI- tag.
    let back = r.equivalents_of("DHI-VTO2311R-WP");
    assert!(back.iter().any(|x| x.brand == id("empiretech")), "{back:?}");

    let nvr = r.equivalents_of("NVR16CH-16P-2AI");
    assert_eq!(nvr.len(), 1, "{nvr:?}");
    assert_eq!(nvr[0].maker, id("dahua"));
    assert_eq!(nvr[0].original_model, "NVR5216-16P-EI");
    assert!(
        nvr[0]
            .sources
            .iter()
            .any(|s| s == "https://github.com/rroller/dahua/issues/462")
    );
}

#[test]
fn luma_is_a_hikvision_oem_reseller_without_the_bare_word() {
    let r = reg();
    assert_eq!(
        r.lookup_name("Luma Surveillance"),
        Some(id("luma-surveillance"))
    );
    // "Luma" alone names unrelated products too: not an alias.
    assert_eq!(r.lookup_name("Luma"), None);
    let links = r.brand_links(&id("luma-surveillance"));
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].company, id("hikvision"));
    assert_eq!(links[0].relation, Relation::OemReseller);
    assert_eq!(links[0].confidence, Level::Medium);
    assert!(
        links[0]
            .sources
            .iter()
            .any(|s| s == "https://github.com/home-assistant/home-assistant.io/issues/45748")
    );
}

#[test]
fn clarevision_is_a_low_hikvision_link_and_clare_alone_is_not_a_name() {
    let r = reg();
    for name in ["ClareVision", "Clare Vision", "ClareVision Plus"] {
        assert_eq!(r.lookup_name(name), Some(id("clarevision")), "{name:?}");
    }
    assert_eq!(r.lookup_name("Clare"), None);
    assert_eq!(r.lookup_name("Clare Controls"), None);
    let links = r.brand_links(&id("clarevision"));
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].company, id("hikvision"));
    // One database, no user report of the firmware.
    assert_eq!(links[0].confidence, Level::Low);
    assert!(links[0].notes.is_some());
}

#[test]
fn q_see_is_a_low_dahua_link_from_its_rtsp_paths() {
    let r = reg();
    for name in ["Q-See", "QSee", "Q-SEE"] {
        assert_eq!(r.lookup_name(name), Some(id("q-see")), "{name:?}");
    }
    let links = r.brand_links(&id("q-see"));
    assert_eq!(links.len(), 1);
    let l = links[0];
    assert_eq!(l.company, id("dahua"));
    assert_eq!(l.relation, Relation::OemReseller);
    assert_eq!(l.confidence, Level::Low);
    assert!(
        l.sources
            .iter()
            .any(|s| s == "github:eduard256/StrixCamDB:brands/q-see.json")
    );
    let notes = l.notes.as_deref().unwrap();
    assert!(notes.contains("/cam/realmonitor"), "{notes}");
    assert!(notes.contains("more than one maker"), "{notes}");
}

#[test]
fn sepura_was_hyteras_from_2017_until_the_2022_sale_to_epiris() {
    let r = reg();
    for name in ["Sepura", "SEPURA PLC", "Sepura Limited", "赛普乐"] {
        assert_eq!(r.lookup_name(name), Some(id("sepura")), "{name:?}");
    }
    let links = r.brand_links(&id("sepura"));
    assert_eq!(links.len(), 1);
    let l = links[0];
    assert_eq!(l.company, id("hytera"));
    assert_eq!(l.relation, Relation::FormerSubsidiary);
    assert_eq!(l.from.as_deref(), Some("2017-05"));
    assert_eq!(l.until.as_deref(), Some("2022-07"));
    assert!(l.is_historical());
    // The facts are well sourced, but a Sepura label does not date the radio.
    assert_eq!(l.confidence, Level::Medium);
    let notes = l.notes.as_deref().unwrap();
    assert!(notes.contains("before May 2017"), "{notes}");
    // Sold by Hytera's choice to a UK buyer, not ordered divested.
    assert!(notes.contains("Epiris"), "{notes}");
    assert!(notes.contains("not a divestment order"), "{notes}");
    for s in ["aijingu.com/notices/002583", "traverssmith.com", "gov.uk/"] {
        assert!(l.sources.iter().any(|x| x.contains(s)), "{s}");
    }
    // Sepura radios of the Hytera years are covered through Hytera.
    assert_eq!(
        regimes(&r, "hytera"),
        ["fcc-covered-list", "ndaa-889", "uk-2022-directive"]
    );
}

#[test]
fn teltronic_came_with_sepura_in_2017_and_was_sold_in_2025() {
    let r = reg();
    assert_eq!(r.lookup_name("TELTRONIC"), Some(id("teltronic")));
    assert_eq!(r.lookup_name("Teltronic S.A.U."), Some(id("teltronic")));
    // A different company's name is not caught.
    assert_eq!(r.lookup_name("Teltronics"), None);
    let l = r.brand_links(&id("teltronic"))[0];
    assert_eq!(l.company, id("hytera"));
    assert_eq!(l.relation, Relation::FormerSubsidiary);
    assert_eq!(l.from.as_deref(), Some("2017-05"));
    assert_eq!(l.until.as_deref(), Some("2025-07"));
    let notes = l.notes.as_deref().unwrap();
    assert!(notes.contains("Nazca"), "{notes}");
    assert!(notes.contains("May 2015"), "{notes}");
}

#[test]
fn norsat_is_a_canadian_company_covered_through_hytera() {
    let r = reg();
    for name in ["Norsat", "Norsat International Inc."] {
        assert_eq!(r.lookup_name(name), Some(id("norsat")), "{name:?}");
    }
    let e = r.entity(&id("norsat")).unwrap();
    assert_eq!(e.jurisdiction, "CA");
    assert!(
        e.parent_relation
            .as_deref()
            .unwrap_or("")
            .contains("2017-07-20"),
        "{:?}",
        e.parent_relation
    );
    assert!(e.sources.iter().any(|s| s.contains("sec.gov")));
    assert_eq!(chain(&r, "norsat"), ["norsat", "hytera"]);
    let f = r.coverage(&id("norsat"));
    let got: Vec<&str> = f.iter().map(|x| x.regime.as_str()).collect();
    assert_eq!(got, ["fcc-covered-list", "ndaa-889", "uk-2022-directive"]);
    for finding in &f {
        // Not named itself, and not a PRC company itself: every finding
        // passes through Hytera.
        assert_eq!(finding.entity, id("hytera"), "{}", finding.regime);
    }
    assert!(!f[0].interpretation);
    assert!(f[2].interpretation);
}

#[test]
fn hytera_mobilfunk_is_a_subsidiary_since_2012() {
    let r = reg();
    assert_eq!(
        r.lookup_name("Hytera Mobilfunk GmbH"),
        Some(id("hytera-mobilfunk"))
    );
    let l = r.brand_links(&id("hytera-mobilfunk"))[0];
    assert_eq!(l.company, id("hytera"));
    assert_eq!(l.relation, Relation::Subsidiary);
    assert_eq!(l.from.as_deref(), Some("2012-03"));
    assert!(!l.is_historical());
    // Hytera's own label (body-worn cameras, radios) still resolves to Hytera.
    assert_eq!(r.lookup_name("HYTERA"), Some(id("hytera")));
    let notes = r.entity(&id("hytera")).unwrap().notes.as_deref().unwrap();
    assert!(!notes.contains("owns Sepura"), "{notes}");
    assert!(notes.contains("body-worn cameras"), "{notes}");
}

#[test]
fn holosens_is_huaweis_own_camera_brand() {
    let r = reg();
    for name in ["HoloSens", "HOLOSENS", "HoloSens SDC"] {
        assert_eq!(r.lookup_name(name), Some(id("holosens")), "{name:?}");
    }
    // A different product name is not caught.
    assert_eq!(r.lookup_name("HoloSense"), None);
    let links = r.brand_links(&id("holosens"));
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].company, id("huawei"));
    assert_eq!(links[0].relation, Relation::OwnBrand);
    assert_eq!(links[0].confidence, Level::Medium);
    assert!(
        links[0]
            .sources
            .iter()
            .any(|s| s.contains("support.huaweicloud.com"))
    );
    assert_eq!(
        regimes(&r, "huawei"),
        ["fcc-covered-list", "ndaa-889", "uk-2022-directive"]
    );
}

#[test]
fn hisilicon_links_to_huawei_only_for_its_own_chips_not_for_cameras_using_them() {
    let r = reg();
    for name in ["HiSilicon", "HISILICON", "HiSilicon Technologies Co., Ltd."] {
        assert_eq!(r.lookup_name(name), Some(id("hisilicon")), "{name:?}");
    }
    let links = r.brand_links(&id("hisilicon"));
    assert_eq!(links.len(), 1);
    let l = links[0];
    assert_eq!(l.company, id("huawei"));
    assert_eq!(l.relation, Relation::Subsidiary);
    // HiSilicon's own processors are Huawei group products …
    assert!(l.applies_to_model(Some("Kirin 990")));
    // … but a camera built on a HiSilicon SoC, or a label with no model, is
    // not attributed to Huawei through this link.
    for model in ["Hi3516CV300", "Hisilicon IP Camera", "DS-2CD3335-I"] {
        assert!(!l.applies_to_model(Some(model)), "{model}");
    }
    assert!(!l.applies_to_model(None));
    let notes = l.notes.as_deref().unwrap();
    assert!(notes.contains("does NOT make a device Huawei's"), "{notes}");
    assert!(l.sources.iter().any(|s| s.contains("equalocean.com")));
}

#[test]
fn honor_is_a_former_huawei_brand_sold_in_november_2020_and_the_bare_word_is_no_name() {
    let r = reg();
    for name in [
        "Honor Device Co., Ltd.",
        "HONOR Device",
        "Honor Device Co Ltd",
    ] {
        assert_eq!(r.lookup_name(name), Some(id("honor-device")), "{name:?}");
    }
    // Plain common words do not resolve.
    for word in ["Honor", "HONOR", "honour", "Device"] {
        assert_eq!(r.lookup_name(word), None, "{word:?}");
    }
    let links = r.brand_links(&id("honor-device"));
    assert_eq!(links.len(), 1);
    let l = links[0];
    assert_eq!(l.company, id("huawei"));
    assert_eq!(l.relation, Relation::FormerSubsidiary);
    assert_eq!(l.from.as_deref(), Some("2013"));
    assert_eq!(l.until.as_deref(), Some("2020-11-17"));
    assert!(l.is_historical());
    // The label does not say whether a device predates the sale.
    assert_eq!(l.confidence, Level::Low);
    let notes = l.notes.as_deref().unwrap();
    assert!(notes.contains("Shenzhen Zhixin"), "{notes}");
    assert!(l.sources.iter().any(|s| s.contains("scmp.com")));
}

#[test]
fn ztesec_was_zte_surveillance_unit_sold_in_2012() {
    let r = reg();
    for name in ["ZTEsec", "ZTE Special Equipment Co., Ltd."] {
        assert_eq!(r.lookup_name(name), Some(id("ztesec")), "{name:?}");
    }
    // ZTE itself is unchanged, and a longer label is still no name.
    assert_eq!(r.lookup_name("ZTE"), Some(id("zte")));
    assert_eq!(r.lookup_name("ZTE Mobile"), None);
    let l = r.brand_links(&id("ztesec"))[0];
    assert_eq!(l.company, id("zte"));
    assert_eq!(l.relation, Relation::FormerSubsidiary);
    assert!(l.from.is_none());
    assert_eq!(l.until.as_deref(), Some("2012-09"));
    assert_eq!(l.confidence, Level::Medium);
    assert!(l.notes.as_deref().unwrap().contains("2012-09-21"));
}
