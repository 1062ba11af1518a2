//! The Topsee / Anjoy Vision NetSDK in a capture: a search reply broadcast
//! to the segment (UDP 3001) and a control-service login (TCP 8091). The
//! device's identity is read, an account whose password went out in clear
//! text is named, and the password itself is never kept.

mod support;

use camaudit_identify::Engine;
use support::*;

const REPLY: &[u8] = br#"<?xml version="1.0" encoding="GB2312" ?>
<XML_TOPSEE>
<MESSAGE_HEADER Msg_type="SYSTEM_SEARCHIPC_MESSAGE" Msg_code="3" Msg_flag="0" />
<MESSAGE_BODY>
<DEVICE_TYPE DeviceType="NVS-DM36X-HD" />
<IPC_SERIALNUMBER SerialNumber="06D8877346000001A" />
<VERSION FileSystemVersion="V1.0.0.7 2018-10-31 14:41:20" />
<LANConfig MacAddress="38:af:29:00:00:33" IPAddress="10.0.0.33" />
<UserConfig><Account Username="admin" Password="hunter2-secret" Status="Enable" /></UserConfig>
</MESSAGE_BODY>
</XML_TOPSEE>"#;

const SEARCH: &[u8] = br#"<?xml version="1.0" encoding="GB2312" ?><XML_TOPSEE><MESSAGE_HEADER Msg_type="SYSTEM_SEARCHIPC_MESSAGE" Msg_code="1" Msg_flag="0" /><MESSAGE_BODY></MESSAGE_BODY></XML_TOPSEE>"#;

fn framed(xml: &str) -> Vec<u8> {
    let mut f = camaudit_probe::topsee::FRAME_MAGIC.to_vec();
    f.extend_from_slice(&(xml.len() as u32 + 1).to_le_bytes());
    f.extend_from_slice(xml.as_bytes());
    f.push(0);
    f
}

fn never_the_password(c: &camaudit_passive::Capture) {
    for o in &c.observations {
        assert!(
            !o.value.contains("hunter2") && !o.value.contains("s3cr3t"),
            "a password was kept: {o:?}"
        );
    }
}

#[test]
fn a_broadcast_search_reply_identifies_the_device_and_names_the_exposed_account() {
    let frames = vec![
        udp(CLIENT_MAC, [10, 0, 0, 2], 3001, [255; 4], 3001, SEARCH),
        udp(CAM_MAC, [10, 0, 0, 33], 3001, [255; 4], 3001, REPLY),
    ];
    let c = read(pcap(LE_MICRO, 1, 0, &frames)).unwrap();
    assert!(
        c.observations
            .iter()
            .all(|o| o.addr.to_string() != "10.0.0.2" || !o.field.as_str().starts_with("topsee.")),
        "a search is not evidence about the searcher: {:?}",
        c.observations
    );
    assert_eq!(values(&c, "10.0.0.33", "topsee.root"), ["XML_TOPSEE"]);
    assert_eq!(
        values(&c, "10.0.0.33", "topsee.devicetype"),
        ["NVS-DM36X-HD"]
    );
    assert_eq!(
        values(&c, "10.0.0.33", "topsee.cleartext-password"),
        ["admin"]
    );
    never_the_password(&c);
    let devices = Engine::builtin().unwrap().identify(c.observations.iter());
    let d = devices
        .iter()
        .find(|d| d.addr == Some("10.0.0.33".parse().unwrap()))
        .expect("the camera is a device");
    assert_eq!(d.model.as_deref(), Some("NVS-DM36X-HD"));
    assert_eq!(d.firmware.as_deref(), Some("V1.0.0.7"));
    assert!(
        d.evidence
            .iter()
            .any(|e| e.rule.as_deref() == Some("topsee.discovery.root")),
        "{d:#?}"
    );
}

#[test]
fn a_control_service_login_sent_in_clear_text_is_named_against_the_server() {
    let login = framed(
        r#"<?xml version="1.0" encoding="GB2312" ?><XML_TOPSEE><MESSAGE_HEADER Msg_type="USER_AUTH_MESSAGE" Msg_code="CMD_USER_AUTH" Msg_flag="0"/><MESSAGE_BODY><USER_AUTH_PARAM Username="operator" Password="s3cr3t" AuthMethod="1"/></MESSAGE_BODY></XML_TOPSEE>"#,
    );
    let reply = framed(
        r#"<XML_TOPSEE><MESSAGE_HEADER Msg_type="USER_AUTH_MESSAGE"/><MESSAGE_BODY><USER_AUTH_RESPONSE Sessionid="20260101000000_0123456789abcdef"/></MESSAGE_BODY></XML_TOPSEE>"#,
    );
    let frames = conversation([10, 0, 0, 2], [10, 0, 0, 34], 8091, &login, &reply, 40);
    let c = read(pcap(LE_MICRO, 1, 0, &frames)).unwrap();
    assert_eq!(values(&c, "10.0.0.34", "topsee.sdk.root"), ["XML_TOPSEE"]);
    assert_eq!(
        values(&c, "10.0.0.34", "topsee.cleartext-password"),
        ["operator"]
    );
    assert!(values(&c, "10.0.0.2", "topsee.sdk.root").is_empty());
    never_the_password(&c);
}

#[test]
fn broken_topsee_messages_are_counted_not_trusted() {
    let cut = &REPLY[..REPLY.len() / 2];
    let mut hostile = camaudit_probe::topsee::FRAME_MAGIC.to_vec();
    hostile.extend_from_slice(&u32::MAX.to_le_bytes());
    hostile.extend_from_slice(b"<XML_TOPSEE>");
    let mut frames = vec![udp(CAM_MAC, [10, 0, 0, 35], 3001, [255; 4], 3001, cut)];
    frames.extend(conversation(
        [10, 0, 0, 2],
        [10, 0, 0, 36],
        8091,
        b"",
        &hostile,
        1400,
    ));
    let c = read(pcap(LE_MICRO, 1, 0, &frames)).unwrap();
    let m = &c.summary.malformed_messages;
    assert_eq!(m.get("topsee xml"), Some(&1), "{m:?}");
    assert_eq!(m.get("topsee frame"), Some(&1), "{m:?}");
    assert!(values(&c, "10.0.0.35", "topsee.devicetype").is_empty());
    assert!(values(&c, "10.0.0.36", "topsee.sdk.root").is_empty());
}
