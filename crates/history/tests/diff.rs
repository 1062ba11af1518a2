//! `diff` on real-looking devices: the council example's devices
//! (`examples/council-devices.jsonl`, identified from its observations),
//! changed the ways networks change.

use std::net::IpAddr;

use camaudit_history::{ChangeKind, ChangedField, Diff, MatchedBy, ReplacementKind, ScanRef, diff};
use camaudit_model::{Device, Mac, VendorId};
use camaudit_store::{ScanId, ScanKind, ScanStatus};
use time::macros::datetime;

fn council() -> Vec<Device> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/council-devices.jsonl"
    );
    std::fs::read_to_string(path)
        .expect("the example devices")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a device"))
        .collect()
}

fn at<'a>(devices: &'a mut [Device], addr: &str) -> &'a mut Device {
    let addr: IpAddr = addr.parse().unwrap();
    devices
        .iter_mut()
        .find(|d| d.addr == Some(addr))
        .unwrap_or_else(|| panic!("no device at {addr}"))
}

fn ip(s: &str) -> Option<IpAddr> {
    Some(s.parse().unwrap())
}

fn mac(s: &str) -> Option<Mac> {
    Some(Mac::parse(s).unwrap())
}

fn vendor(s: &str) -> Option<VendorId> {
    Some(VendorId::new(s).unwrap())
}

/// The device at `addr`, turned into a trusted Axis camera with its own MAC.
fn make_axis(d: &mut Device, mac_text: &str) {
    d.mac = mac(mac_text);
    d.label_vendor = None;
    d.manufacturer = vendor("axis");
    d.owner = vendor("canon");
    d.label_relation = None;
    d.model = Some("P3245-LVE".into());
    d.firmware = Some("10.12.220".into());
    d.serial = Some(mac_text.replace(':', "").to_uppercase());
    d.covered = false;
    d.covered_by = Vec::new();
    d.coverage = None;
}

fn only_change(d: &Diff) -> &camaudit_history::Change {
    assert_eq!(d.changed.len(), 1, "{:#?}", d.changed);
    &d.changed[0]
}

#[test]
fn the_same_scan_twice_changes_nothing() {
    let d = diff(&council(), &council());
    assert!(d.is_empty(), "{d:#?}");
    assert_eq!(d.unchanged, 14);
}

#[test]
fn a_dhcp_move_is_the_same_device_at_a_new_address() {
    let before = council();
    let mut after = council();
    at(&mut after, "10.10.8.21").addr = ip("10.10.8.99");
    let d = diff(&before, &after);
    assert!(d.new.is_empty() && d.gone.is_empty(), "{d:#?}");
    let c = only_change(&d);
    assert_eq!(c.matched_by, MatchedBy::Mac);
    assert_eq!(c.kinds, [ChangeKind::Moved]);
    assert_eq!(c.fields.len(), 1);
    assert_eq!(c.fields[0].field, ChangedField::Address);
    assert_eq!(c.fields[0].before.as_deref(), Some("10.10.8.21"));
    assert_eq!(c.fields[0].after.as_deref(), Some("10.10.8.99"));
}

#[test]
fn two_cameras_that_swap_addresses_are_two_moves_not_two_replacements() {
    let before = council();
    let mut after = council();
    // By MAC: the Hikvision and the Axis.
    at(&mut after, "10.10.8.21").addr = ip("10.10.8.30");
    after[3].addr = ip("10.10.8.21");
    // By serial: the Annke (no MAC) and the Lorex recorder (no MAC).
    at(&mut after, "10.10.1.45").addr = ip("198.51.100.20");
    after[13].addr = ip("10.10.1.45");
    let d = diff(&before, &after);
    assert!(
        d.new.is_empty() && d.gone.is_empty() && d.replaced.is_empty(),
        "{d:#?}"
    );
    assert_eq!(d.changed.len(), 4);
    for c in &d.changed {
        assert_eq!(c.kinds, [ChangeKind::Moved], "{c:#?}");
    }
    let by: Vec<MatchedBy> = d.changed.iter().map(|c| c.matched_by).collect();
    assert_eq!(
        by,
        [
            MatchedBy::Serial,
            MatchedBy::Mac,
            MatchedBy::Mac,
            MatchedBy::Serial
        ]
    );
}

#[test]
fn a_different_mac_at_the_same_address_is_a_different_device() {
    let before = council();
    let mut after = council();
    make_axis(at(&mut after, "10.10.8.21"), "b8:a4:4f:10:20:30");
    let d = diff(&before, &after);
    assert!(d.changed.is_empty(), "{:#?}", d.changed);
    assert_eq!(d.new.len(), 1);
    assert_eq!(d.gone.len(), 1);
    assert_eq!(d.replaced.len(), 1);
    let r = &d.replaced[0];
    assert_eq!(r.kind, ReplacementKind::CoveredReplacedByNotCovered);
    assert_eq!(r.before.manufacturer, vendor("hikvision"));
    assert_eq!(r.after.manufacturer, vendor("axis"));
    assert_eq!((d.counts.new, d.counts.gone, d.counts.replaced), (0, 0, 1));
}

#[test]
fn a_hikvision_replaced_by_an_annke_is_a_swap_within_the_maker() {
    let before = council();
    let mut after = council();
    let annke = at(&mut after, "10.10.8.21");
    annke.mac = mac("44:19:b6:aa:bb:cc");
    annke.label_vendor = vendor("annke");
    annke.label_relation = Some("oem-reseller".into());
    annke.model = Some("I91BN".into());
    annke.serial = Some("I91BN20240301AAWRK98765432".into());
    let d = diff(&before, &after);
    assert_eq!(d.replaced.len(), 1, "{d:#?}");
    let r = &d.replaced[0];
    assert_eq!(r.kind, ReplacementKind::SwappedForRebrandOfSameMaker);
    assert_eq!(r.maker, vendor("hikvision"));
    assert_eq!(d.counts.rebrand_swaps, 1);
    assert!(r.after.is_covered(), "the covered maker is still there");
}

#[test]
fn without_mac_or_serial_the_address_decides_and_a_new_maker_there_is_a_replacement() {
    let mut before = council();
    at(&mut before, "10.60.8.12").firmware = Some("7.80.0128".into());
    let mut after = before.clone();
    // The Bosch camera has neither MAC nor serial: same address, maker and
    // model keep it the same device even with new firmware.
    at(&mut after, "10.60.8.12").firmware = Some("8.48.0017".into());
    let d = diff(&before, &after);
    assert!(d.new.is_empty(), "{d:#?}");
    assert_eq!(only_change(&d).matched_by, MatchedBy::Address);
    // Another maker at that address is another device.
    let bosch = at(&mut after, "10.60.8.12");
    bosch.manufacturer = vendor("dahua");
    bosch.owner = vendor("dahua");
    bosch.covered = true;
    bosch.covered_by = vec!["ndaa-889".into()];
    let d = diff(&before, &after);
    assert_eq!(d.replaced.len(), 1, "{d:#?}");
    assert_eq!(
        d.replaced[0].kind,
        ReplacementKind::NotCoveredReplacedByCovered
    );
}

#[test]
fn a_name_never_decides_identity() {
    let mut before = council();
    at(&mut before, "10.10.8.30").label_vendor = vendor("axis");
    let mut after = before.clone();
    // The Axis is renamed "hikvision" by its installer: a label change of
    // the same device (same MAC), which the label alone does not make covered.
    at(&mut after, "10.10.8.30").label_vendor = vendor("hikvision");
    let d = diff(&before, &after);
    let c = only_change(&d);
    assert_eq!(c.matched_by, MatchedBy::Mac);
    assert_eq!(c.fields[0].field, ChangedField::Label);
    assert!(c.kinds.is_empty(), "{c:#?}");
    // A new camera with the old one's label, model and address but its own
    // MAC is a new device.
    let mut after = before.clone();
    at(&mut after, "10.10.8.21").mac = mac("58:50:ed:00:00:01");
    at(&mut after, "10.10.8.21").serial = None;
    let d = diff(&before, &after);
    assert_eq!(d.replaced.len(), 1, "{d:#?}");
    assert_eq!(d.replaced[0].kind, ReplacementKind::SameCoveredMaker);
}

#[test]
fn a_nated_recorder_keeps_each_channel_by_its_serial() {
    let template = council().remove(13); // the Lorex NVR behind NAT
    let channel = |n: usize| {
        let mut d = template.clone();
        d.device_type = Some(camaudit_model::DeviceType::Camera);
        d.model = Some("LNB8005".into());
        d.serial = Some(format!("ND02191100{n:04}"));
        d
    };
    let before: Vec<Device> = (0..8).map(channel).collect();
    // The channels answer in another order, and channel 5 has a new camera.
    let mut after: Vec<Device> = (0..8).rev().map(channel).collect();
    after[2].serial = Some("ND021911009999".into());
    let d = diff(&before, &after);
    assert_eq!(d.unchanged, 7, "{d:#?}");
    assert!(d.changed.is_empty());
    assert_eq!(d.replaced.len(), 1);
    assert_eq!(
        d.replaced[0].before.serial.as_deref(),
        Some("ND021911000005")
    );
    assert_eq!(
        d.replaced[0].after.serial.as_deref(),
        Some("ND021911009999")
    );
    assert_eq!(d.replaced[0].kind, ReplacementKind::SameCoveredMaker);
}

#[test]
fn identity_is_one_to_one_and_does_not_depend_on_order() {
    let before = council();
    let mut after = council();
    // A MAC echoed by a second address (a proxy's reply): only one of the
    // two is the device.
    let mut echo = after[2].clone();
    echo.addr = ip("10.10.8.200");
    echo.serial = None;
    after.push(echo);
    let d = diff(&before, &after);
    assert_eq!(d.unchanged, 14, "{d:#?}");
    assert_eq!(d.new.len(), 1);
    assert_eq!(d.new[0].addr, ip("10.10.8.200"));
    let mut reversed = after.clone();
    reversed.reverse();
    let r = diff(&before, &reversed);
    assert_eq!(r.unchanged, 14);
    assert_eq!(r.new.len(), 1);
    assert_eq!(
        r.new[0].addr,
        ip("10.10.8.200"),
        "the better-agreeing pair wins either way"
    );
}

#[test]
fn coverage_changes_of_the_same_device_are_named() {
    let before = council();
    let mut after = council();
    // Same MAC, now read as Axis: attribution changed, nothing removed.
    let d21 = at(&mut after, "10.10.8.21");
    let keep_mac = d21.mac;
    make_axis(d21, "58:50:ed:1f:e3:85");
    d21.mac = keep_mac;
    d21.serial = None;
    // And the Hanwha read as covered now.
    let hanwha = at(&mut after, "10.30.8.11");
    hanwha.covered = true;
    hanwha.covered_by = vec!["uk-2022-directive".into()];
    let d = diff(&before, &after);
    assert!(d.replaced.is_empty(), "{d:#?}");
    assert_eq!(d.counts.no_longer_covered, 1);
    assert_eq!(d.counts.now_covered, 1);
    assert!(d.changed[0].kinds.contains(&ChangeKind::NoLongerCovered));
    assert!(d.changed[1].kinds.contains(&ChangeKind::NowCovered));
}

#[test]
fn a_maker_not_read_this_time_is_not_cleared() {
    let before = council();
    let mut after = council();
    let hik = at(&mut after, "10.10.8.21");
    hik.manufacturer = None;
    hik.owner = None;
    hik.covered = false;
    hik.covered_by.clear();
    let d = diff(&before, &after);
    let c = only_change(&d);
    assert_eq!(c.kinds, [ChangeKind::NoLongerIdentified]);
    assert_eq!(d.counts.no_longer_covered, 0);
}

#[test]
fn firmware_upgrades_and_downgrades() {
    let before = council();
    let mut after = council();
    at(&mut after, "10.10.8.21").firmware = Some("V5.7.3 build 230515".into());
    at(&mut after, "10.60.8.11").firmware = Some("2.622.0000000.31.R".into());
    at(&mut after, "10.20.8.31").firmware = Some("IPC_G6202-B5018P11D2008".into());
    let d = diff(&before, &after);
    let kinds: Vec<&[ChangeKind]> = d.changed.iter().map(|c| c.kinds.as_slice()).collect();
    assert_eq!(
        kinds,
        [
            &[ChangeKind::FirmwareUpgrade][..],
            &[ChangeKind::FirmwareChanged][..],
            &[ChangeKind::FirmwareDowngrade][..],
        ]
    );
}

fn scan_ref(id: i64) -> ScanRef {
    ScanRef {
        id: ScanId(id),
        kind: ScanKind::Scan,
        started_at: datetime!(2026-11-01 09:00 UTC),
        status: ScanStatus::Complete,
        targets: vec!["10.0.0.0/8".into()],
    }
}

#[test]
fn a_covered_device_that_was_gone_and_is_back() {
    let earlier = council();
    let mut first = council();
    first.remove(2); // the Hikvision at 10.10.8.21 is taken away
    let second = council(); // and is back
    let mut d = diff(&first, &second);
    assert_eq!(d.new.len(), 1);
    d.mark_returns(&[(scan_ref(1), earlier)]);
    assert_eq!(d.came_back.len(), 1, "{d:#?}");
    assert_eq!(d.came_back[0].last_seen_in, ScanId(1));
    assert_eq!(d.came_back[0].matched_by, MatchedBy::Mac);
    assert_eq!(d.counts.came_back, 1);
}

#[test]
fn a_trusted_device_is_never_a_covered_device_that_came_back() {
    // Earlier: the camera at 10.10.8.30 was read (wrongly) as a covered
    // Hikvision; now, by the same MAC, it is the Axis it always was.
    let mut earlier = council();
    let axis = at(&mut earlier, "10.10.8.30");
    axis.manufacturer = vendor("hikvision");
    axis.covered = true;
    axis.covered_by = vec!["ndaa-889".into()];
    // And a covered Hikvision without MAC sat at 10.60.8.20, where a
    // trusted Axis is now.
    let ghost = at(&mut earlier, "10.60.8.20");
    ghost.manufacturer = vendor("hikvision");
    ghost.covered = true;
    let mut first = council();
    first.retain(|d| d.addr != ip("10.10.8.30") && d.addr != ip("10.60.8.20"));
    let mut second = council();
    make_axis(at(&mut second, "10.60.8.20"), "ac:cc:8e:77:88:99");
    let mut d = diff(&first, &second);
    assert_eq!(d.new.len(), 2, "{d:#?}");
    d.mark_returns(&[(scan_ref(1), earlier.clone())]);
    assert!(d.came_back.is_empty(), "{:#?}", d.came_back);
    // Nor is a covered device of another maker on a MAC once Hikvision's.
    let mut second = council();
    let dahua = at(&mut second, "10.10.8.30");
    dahua.manufacturer = vendor("dahua");
    dahua.covered = true;
    dahua.covered_by = vec!["ndaa-889".into()];
    let mut d = diff(&first, &second);
    d.mark_returns(&[(scan_ref(1), earlier)]);
    assert!(d.came_back.is_empty(), "{:#?}", d.came_back);
}
