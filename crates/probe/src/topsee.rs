//! The Topsee (天视通, "Tianshitong", "Seetong") NetSDK family: its
//! discovery reply on UDP 3001 and the frames of its control service on
//! TCP 8091. Anjoy Vision's cameras speak the same protocol under another
//! message root.
//!
//! Discovery is a `SYSTEM_SEARCHIPC_MESSAGE` XML message (GB2312-declared)
//! whose root names the family: `XML_TOPSEE`, or `XML_ANJVISION` on Anjoy
//! Vision's firmware. A camera answers by *broadcasting* its reply to
//! 255.255.255.255:3001, not to the asker: every host on the segment hears
//! it, which is why it is read here from captures. The reply describes the
//! device in element attributes (`DEVICE_TYPE`, `IPC_SERIALNUMBER`,
//! `VERSION`, `LANConfig`) and lists its user accounts (`Account`), in
//! some firmware with the password in clear text. Sources: the protocol
//! notes of silvije2/topsee_tianshitong_seetong_linux_utils (README, from
//! the vendor's `libNetSDK.so` and live captures) and OpenIPC/python-anjoy
//! (`docs/devices.md`, `tests/test_discovery.py`).
//!
//! A password is never recorded: `topsee.cleartext-password` names the
//! account whose password the device gave away, nothing more.
//!
//! The control service frames each message as the magic `58 91 58 51`, a
//! little-endian length and the XML (`<XML_TOPSEE>` on both families); a
//! login (`USER_AUTH_MESSAGE`, `AuthMethod="1"`) carries the password in
//! clear text too.

use camaudit_model::Source;
use roxmltree::Node;

use crate::obs::HostObs;
use crate::xml;

/// The discovery port, both ways.
pub const DISCOVERY_PORT: u16 = 3001;
/// The control service ("comm_server").
pub const SDK_PORT: u16 = 8091;
/// The first bytes of every control-service frame.
pub const FRAME_MAGIC: [u8; 4] = [0x58, 0x91, 0x58, 0x51];
/// The message type of a search and of its replies.
pub const SEARCH_MESSAGE: &str = "SYSTEM_SEARCHIPC_MESSAGE";

/// Accounts read from one reply, at most.
const MAX_ACCOUNTS: usize = 16;

/// Whether a datagram may be a message of this family: it names the
/// search message type (checked before any XML is parsed).
pub fn looks_like_message(payload: &[u8]) -> bool {
    payload
        .windows(SEARCH_MESSAGE.len())
        .any(|w| w == SEARCH_MESSAGE.as_bytes())
}

/// Which side of the exchange a message was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parsed {
    /// A reply describing the device: its fields were recorded.
    Reply,
    /// A search with nothing about its sender (not evidence).
    Search,
    /// Not a message of this family, or broken XML.
    Malformed,
}

/// Reads one discovery datagram; a reply's fields go to `obs`.
pub fn parse(datagram: &[u8], obs: &mut HostObs) -> Parsed {
    let text = String::from_utf8_lossy(datagram);
    let Ok(doc) = xml::parse(text.trim_end_matches('\0')) else {
        return Parsed::Malformed;
    };
    let root = doc.root_element();
    let family = root.tag_name().name();
    if !family.starts_with("XML_") || header_type(root) != Some(SEARCH_MESSAGE) {
        return Parsed::Malformed;
    }
    let Some(body) = child(root, "MESSAGE_BODY") else {
        return Parsed::Search;
    };
    let mut fields = Vec::new();
    read_body(body, &mut fields);
    if fields.is_empty() {
        return Parsed::Search;
    }
    let mut push = |field: &str, value: &str| {
        obs.push(Some(DISCOVERY_PORT), Source::Topsee, field, value);
    };
    push("topsee.root", family);
    for (field, value) in &fields {
        push(field, value);
    }
    Parsed::Reply
}

/// The `Msg_type` of a message's header.
fn header_type<'a>(root: Node<'a, '_>) -> Option<&'a str> {
    child(root, "MESSAGE_HEADER").and_then(|h| h.attribute("Msg_type"))
}

fn child<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

/// The attributes of a reply's body worth recording, by element.
fn read_body(body: Node<'_, '_>, out: &mut Vec<(&'static str, String)>) {
    let mut accounts = 0;
    for el in body.descendants().filter(Node::is_element).take(500) {
        let attr = |name: &str| {
            el.attribute(name)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let mut keep = |field: &'static str, value: Option<String>| {
            if let Some(v) = value {
                out.push((field, v));
            }
        };
        match el.tag_name().name() {
            "DEVICE_TYPE" => {
                keep("topsee.devicetype", attr("DeviceType"));
                keep("topsee.devicemodule", attr("DeviceModule"));
                keep("topsee.name", attr("OSD").map(|osd| decode_osd(&osd)));
            }
            "IPC_SERIALNUMBER" => {
                keep("topsee.serialnumber", attr("SerialNumber"));
                keep("topsee.devid", attr("DevID"));
                keep("topsee.uuid", attr("UUID"));
            }
            "VERSION" => keep("topsee.filesystemversion", attr("FileSystemVersion")),
            "OSD" => keep("topsee.name", attr("OsdStr")),
            "LANConfig" => {
                keep("topsee.mac", attr("MacAddress"));
                keep("topsee.hostname", attr("hostname"));
            }
            "Account" if accounts < MAX_ACCOUNTS => {
                accounts += 1;
                let user = attr("Username").or_else(|| attr("userName"));
                let clear = attr("Password").or_else(|| attr("password")).is_some();
                if clear {
                    keep("topsee.cleartext-password", user.clone());
                }
                keep("topsee.account", user);
            }
            _ => {}
        }
    }
}

/// The `OSD` attribute of `DEVICE_TYPE` is the device's name as hex of its
/// bytes (`4d432d4a343048` = `MC-J40H`); anything else is kept as sent.
fn decode_osd(osd: &str) -> String {
    let even = osd.len().is_multiple_of(2) && osd.bytes().all(|b| b.is_ascii_hexdigit());
    if !even {
        return osd.to_owned();
    }
    let bytes: Option<Vec<u8>> = (0..osd.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&osd[i..i + 2], 16).ok())
        .collect();
    match bytes {
        Some(b) => String::from_utf8_lossy(&b).trim_matches('\0').to_owned(),
        None => osd.to_owned(),
    }
}

/// One control-service frame, read from the front of a buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A whole frame: its message root and type, the account of a login
    /// that carried its password in clear text, and the bytes it took.
    Message {
        root: String,
        message_type: Option<String>,
        cleartext_login: Option<String>,
        consumed: usize,
    },
    /// Not enough bytes yet.
    Incomplete,
    /// The buffer does not start with a frame (or its XML is broken).
    NotAFrame,
}

/// Longest frame read; a longer one (a file transfer) is not evidence.
pub const MAX_FRAME: usize = xml::MAX_XML;

/// Reads the frame at the front of `buf`.
pub fn frame(buf: &[u8]) -> Frame {
    if buf.len() < 8 {
        let prefix = buf.len().min(4);
        return if buf[..prefix] == FRAME_MAGIC[..prefix] {
            Frame::Incomplete
        } else {
            Frame::NotAFrame
        };
    }
    if buf[..4] != FRAME_MAGIC {
        return Frame::NotAFrame;
    }
    let len = u32::from_le_bytes([buf[4], buf[5], buf[6], buf[7]]) as usize;
    if len == 0 || len > MAX_FRAME {
        return Frame::NotAFrame;
    }
    let Some(payload) = buf.get(8..8 + len) else {
        return Frame::Incomplete;
    };
    // The device ends its frames with a NUL the length counts.
    let text = String::from_utf8_lossy(payload);
    let Ok(doc) = xml::parse(text.trim_end_matches('\0')) else {
        return Frame::NotAFrame;
    };
    let root = doc.root_element();
    let name = root.tag_name().name();
    if !name.starts_with("XML_") {
        return Frame::NotAFrame;
    }
    let cleartext_login = xml::find(&doc, "USER_AUTH_PARAM")
        .filter(|p| p.attribute("AuthMethod").map(str::trim) == Some("1"))
        .filter(|p| p.attribute("Password").is_some())
        .and_then(|p| p.attribute("Username"))
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_owned);
    Frame::Message {
        root: name.to_owned(),
        message_type: header_type(root).map(str::to_owned),
        cleartext_login,
        consumed: 8 + len,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Topsee reply as the protocol notes describe it (the values are an
    /// example, not a capture).
    const TOPSEE_REPLY: &str = r#"<?xml version="1.0" encoding="GB2312" ?>
<XML_TOPSEE>
<MESSAGE_HEADER Msg_type="SYSTEM_SEARCHIPC_MESSAGE" Msg_code="3" Msg_flag="0" />
<MESSAGE_BODY>
<DEVICE_TYPE DeviceType="NVS-DM36X-HD" DeviceModule="" />
<IPC_SERIALNUMBER SerialNumber="06D8877346000001A" DevID="" />
<VERSION FileSystemVersion="V1.0.0.7 2018-10-31 14:41:20" />
<LANConfig MacAddress="00:87:d8:01:02:03" DHCP="0" IPAddress="192.168.1.10" Netmask="255.255.255.0" />
<StreamAccess VideoPort="554" PTZPort="8091" WEBPort="80" />
<UserConfig><Account Username="admin" Password="123456" Status="Enable" /><Account Username="guest" Status="Enable" /></UserConfig>
</MESSAGE_BODY>
</XML_TOPSEE>"#;

    const ANJOY_REPLY: &str = r#"<?xml version="1.0" encoding="GB2312" ?><XML_ANJVISION><MESSAGE_HEADER Msg_type="SYSTEM_SEARCHIPC_MESSAGE" /><MESSAGE_BODY><DEVICE_TYPE DeviceType="IPC" DeviceModule="MC-J40H" OSD="4d432d4a343048" /><IPC_SERIALNUMBER SerialNumber="SN123" UUID="U1" /><LANConfig MacAddress="AA:BB:CC:DD:EE:FF" IPAddress="192.168.0.123" hostname="cam" /></MESSAGE_BODY></XML_ANJVISION>"#;

    const SEARCH: &str = r#"<?xml version="1.0" encoding="GB2312" ?><XML_ANJVISION><MESSAGE_HEADER Msg_type="SYSTEM_SEARCHIPC_MESSAGE" Msg_code="1" Msg_flag="0" SOURCE="AJTOOLS" /><MESSAGE_BODY></MESSAGE_BODY></XML_ANJVISION>"#;

    fn fields(datagram: &str) -> (Parsed, Vec<(String, String)>) {
        let mut obs = HostObs::new("127.0.0.1".parse().unwrap());
        let parsed = parse(datagram.as_bytes(), &mut obs);
        let v = obs
            .into_vec()
            .into_iter()
            .map(|o| (o.field.as_str().to_owned(), o.value))
            .collect();
        (parsed, v)
    }

    fn get<'a>(v: &'a [(String, String)], field: &str) -> Vec<&'a str> {
        v.iter()
            .filter(|(f, _)| f == field)
            .map(|(_, x)| x.as_str())
            .collect()
    }

    #[test]
    fn a_topsee_reply_gives_its_identity_and_never_a_password() {
        let (parsed, v) = fields(TOPSEE_REPLY);
        assert_eq!(parsed, Parsed::Reply);
        assert_eq!(get(&v, "topsee.root"), ["XML_TOPSEE"]);
        assert_eq!(get(&v, "topsee.devicetype"), ["NVS-DM36X-HD"]);
        assert!(get(&v, "topsee.devicemodule").is_empty());
        assert_eq!(get(&v, "topsee.serialnumber"), ["06D8877346000001A"]);
        assert_eq!(
            get(&v, "topsee.filesystemversion"),
            ["V1.0.0.7 2018-10-31 14:41:20"]
        );
        assert_eq!(get(&v, "topsee.mac"), ["00:87:d8:01:02:03"]);
        assert_eq!(get(&v, "topsee.account"), ["admin", "guest"]);
        assert_eq!(get(&v, "topsee.cleartext-password"), ["admin"]);
        assert!(
            v.iter().all(|(_, x)| !x.contains("123456")),
            "a password was recorded: {v:?}"
        );
    }

    #[test]
    fn an_anjoy_reply_names_its_root_and_decodes_the_name() {
        let (parsed, v) = fields(ANJOY_REPLY);
        assert_eq!(parsed, Parsed::Reply);
        assert_eq!(get(&v, "topsee.root"), ["XML_ANJVISION"]);
        assert_eq!(get(&v, "topsee.devicetype"), ["IPC"]);
        assert_eq!(get(&v, "topsee.devicemodule"), ["MC-J40H"]);
        assert_eq!(get(&v, "topsee.name"), ["MC-J40H"]);
        assert_eq!(get(&v, "topsee.hostname"), ["cam"]);
        assert_eq!(get(&v, "topsee.uuid"), ["U1"]);
        assert!(get(&v, "topsee.cleartext-password").is_empty());
    }

    #[test]
    fn a_search_and_strangers_are_not_evidence() {
        assert_eq!(fields(SEARCH), (Parsed::Search, vec![]));
        let other = r#"<XML_TOPSEE><MESSAGE_HEADER Msg_type="ALARM_REPORT_MESSAGE"/><MESSAGE_BODY><DEVICE_TYPE DeviceType="X"/></MESSAGE_BODY></XML_TOPSEE>"#;
        assert_eq!(fields(other).0, Parsed::Malformed);
        assert_eq!(fields("<ProbeMatch/>").0, Parsed::Malformed);
        assert_eq!(fields("not xml <XML_").0, Parsed::Malformed);
        let cut = &TOPSEE_REPLY[..TOPSEE_REPLY.len() / 2];
        assert_eq!(fields(cut).0, Parsed::Malformed);
    }

    #[test]
    fn osd_names_decode_only_when_they_are_hex() {
        assert_eq!(decode_osd("4d432d4a343048"), "MC-J40H");
        assert_eq!(decode_osd("Front door"), "Front door");
        assert_eq!(decode_osd("abc"), "abc");
    }

    fn framed(xml: &str) -> Vec<u8> {
        let mut f = FRAME_MAGIC.to_vec();
        f.extend_from_slice(&(xml.len() as u32 + 1).to_le_bytes());
        f.extend_from_slice(xml.as_bytes());
        f.push(0);
        f
    }

    #[test]
    fn control_frames_name_their_root_and_a_cleartext_login() {
        let login = framed(
            r#"<?xml version="1.0" encoding="GB2312" ?><XML_TOPSEE><MESSAGE_HEADER Msg_type="USER_AUTH_MESSAGE" Msg_code="CMD_USER_AUTH" Msg_flag="0"/><MESSAGE_BODY><USER_AUTH_PARAM Username="admin" Password="secret" AuthMethod="1"/></MESSAGE_BODY></XML_TOPSEE>"#,
        );
        let mut two = login.clone();
        two.extend_from_slice(b"\x58\x91");
        let Frame::Message {
            root,
            message_type,
            cleartext_login,
            consumed,
        } = frame(&two)
        else {
            panic!("{:?}", frame(&two))
        };
        assert_eq!(root, "XML_TOPSEE");
        assert_eq!(message_type.as_deref(), Some("USER_AUTH_MESSAGE"));
        assert_eq!(cleartext_login.as_deref(), Some("admin"));
        assert_eq!(consumed, login.len());
        assert_eq!(frame(&two[consumed..]), Frame::Incomplete);
        assert_eq!(frame(&login[..20]), Frame::Incomplete);
        let reply = framed(
            r#"<XML_TOPSEE><MESSAGE_HEADER Msg_type="USER_AUTH_MESSAGE"/><MESSAGE_BODY><USER_AUTH_RESPONSE Sessionid="20260101000000_0123456789abcdef" Group="Administrator"/></MESSAGE_BODY></XML_TOPSEE>"#,
        );
        assert!(matches!(
            frame(&reply),
            Frame::Message {
                cleartext_login: None,
                ..
            }
        ));
    }

    #[test]
    fn frames_with_hostile_lengths_or_strangers_are_refused() {
        let mut huge = FRAME_MAGIC.to_vec();
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(frame(&huge), Frame::NotAFrame);
        let mut zero = FRAME_MAGIC.to_vec();
        zero.extend_from_slice(&0u32.to_le_bytes());
        assert_eq!(frame(&zero), Frame::NotAFrame);
        assert_eq!(frame(b"GET / HTTP/1.1\r\n"), Frame::NotAFrame);
        assert_eq!(frame(&framed("<html/>")), Frame::NotAFrame);
        assert_eq!(frame(&framed("<XML_TOPSEE><unclosed>")), Frame::NotAFrame);
    }
}
