//! Who sets the value of an observation field: the firmware, or whoever
//! installed the device.
//!
//! In rip-and-replace work installers name a new camera after the one it
//! replaced ("Hikvision replacement"), so a name is evidence of nothing but
//! the installer's habits. The identify engine reads a user-settable value
//! as a weak label hint at most; this table says which values are. It is the
//! `set by` column of `docs/fields.md`, and a test keeps the two equal.

use std::fmt;

/// Who decides what a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetBy {
    /// The firmware or hardware: a server banner, an API schema, a
    /// discovery reply, the ONVIF `GetDeviceInformation` strings, a MAC.
    /// An installer cannot change it (an OEM reseller can change brand
    /// strings, which is why those are label evidence, not platform).
    Firmware,
    /// Whoever installed or runs the device: names, locations, host names,
    /// friendly names.
    User,
    /// A firmware default that a user may replace: page titles (some
    /// firmware shows the device's name there) and TLS certificates (a user
    /// may install their own). A rule that matches the maker's documented
    /// default reads it as firmware-set; any other reading (a brand name
    /// found in the free text) is user-set.
    Default,
    /// A person's record of the device: a line of an asset register or
    /// procurement list, taken as the label and model plate it transcribes.
    Record,
}

impl SetBy {
    pub fn as_str(self) -> &'static str {
        match self {
            SetBy::Firmware => "firmware",
            SetBy::User => "user",
            SetBy::Default => "default",
            SetBy::Record => "record",
        }
    }
}

impl fmt::Display for SetBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which fields (and, for ONVIF scopes, which values) a row covers.
#[derive(Debug, Clone, Copy)]
enum Selects {
    Field(&'static str),
    /// Every field under this prefix (ending in `.`).
    Prefix(&'static str),
    /// One field whose values start with this text (ASCII case ignored).
    Value(&'static str, &'static str),
}

/// One row of the classification: what it covers and who sets it.
#[derive(Debug, Clone, Copy)]
struct Row {
    selects: Selects,
    set_by: SetBy,
}

const fn row(selects: Selects, set_by: SetBy) -> Row {
    Row { selects, set_by }
}

pub const SCOPE_NAME_PREFIX: &str = "onvif://www.onvif.org/name/";
pub const SCOPE_LOCATION_PREFIX: &str = "onvif://www.onvif.org/location/";

/// The exceptions to "set by the firmware", first match wins. Every field
/// of `docs/fields.md` not named here is firmware-set.
const ROWS: &[Row] = &[
    // ONVIF scopes: `name/` and `location/` are configurable through
    // SetScopes (ONVIF Core Specification, 7.3.2.x); `hardware/`, `type/`,
    // `Profile/` and `MAC/` are fixed by the firmware.
    row(
        Selects::Value("onvif.scope", SCOPE_NAME_PREFIX),
        SetBy::User,
    ),
    row(
        Selects::Value("onvif.scope", SCOPE_LOCATION_PREFIX),
        SetBy::User,
    ),
    row(Selects::Field("http.title"), SetBy::Default),
    row(Selects::Prefix("tls.cert."), SetBy::Default),
    // An SDP session name and an mDNS instance name are the firmware's
    // default until someone renames the channel or the device.
    row(Selects::Field("rtsp.sdp.session_name"), SetBy::Default),
    row(Selects::Field("mdns.name"), SetBy::Default),
    row(Selects::Field("dhcp.hostname"), SetBy::User),
    row(Selects::Field("snmp.sysname"), SetBy::User),
    row(Selects::Field("upnp.friendly_name"), SetBy::User),
    row(Selects::Field("nmap.hostname"), SetBy::User),
    // A Topsee search reply carries the device's name, host name and
    // account names: all set by whoever runs it. (`topsee.cleartext-password`
    // stays firmware-set: what it records is the firmware sending a
    // password in clear text; the account name in it is only the label of
    // what leaked, and no rule reads it as a brand.)
    row(Selects::Field("topsee.name"), SetBy::User),
    row(Selects::Field("topsee.hostname"), SetBy::User),
    row(Selects::Field("topsee.account"), SetBy::User),
    row(Selects::Prefix("import."), SetBy::Record),
];

/// Who sets `value` of `field`.
pub fn set_by(field: &str, value: &str) -> SetBy {
    ROWS.iter()
        .find(|r| selects(r.selects, field, value))
        .map_or(SetBy::Firmware, |r| r.set_by)
}

fn selects(s: Selects, field: &str, value: &str) -> bool {
    match s {
        Selects::Field(f) => field == f,
        Selects::Prefix(p) => field.starts_with(p),
        Selects::Value(f, prefix) => {
            field == f
                && value
                    .trim_start()
                    .get(..prefix.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
        }
    }
}

/// The text a user set, in the form that makes the same name seen through
/// two channels one value: an ONVIF name or location scope decoded
/// (`name/Hikvision%20replacement` → `hikvision replacement`), lowercased,
/// every run of characters other than letters and digits one space. So the
/// name scope, the page title and the host name `Hikvision-Replacement`
/// are one piece of evidence, not three.
pub fn settable_text(field: &str, value: &str) -> String {
    let text = match field {
        "onvif.scope" => {
            let v = value.trim();
            let rest = [SCOPE_NAME_PREFIX, SCOPE_LOCATION_PREFIX]
                .iter()
                .find_map(|p| {
                    v.get(..p.len())
                        .filter(|h| h.eq_ignore_ascii_case(p))
                        .map(|_| &v[p.len()..])
                })
                .unwrap_or(v);
            percent_decode(rest)
        }
        _ => value.to_owned(),
    };
    let mut out = String::with_capacity(text.len());
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

/// `%20` and the like decoded; a `%` not followed by two hex digits kept as
/// it is. Invalid UTF-8 after decoding is replaced, never an error: the
/// value came from the network.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn onvif_scopes_depend_on_their_kind() {
        let scope = |v: &str| set_by("onvif.scope", v);
        assert_eq!(
            scope("onvif://www.onvif.org/name/Hikvision%20replacement"),
            SetBy::User
        );
        assert_eq!(
            scope("ONVIF://www.onvif.org/Location/city/hangzhou"),
            SetBy::User
        );
        assert_eq!(
            scope("onvif://www.onvif.org/hardware/M3106-L"),
            SetBy::Firmware
        );
        assert_eq!(scope("onvif://www.onvif.org/type/ptz"), SetBy::Firmware);
        assert_eq!(scope("onvif://www.onvif.org/nam"), SetBy::Firmware);
    }

    #[test]
    fn fields_by_who_sets_them() {
        assert_eq!(set_by("dhcp.hostname", "x"), SetBy::User);
        assert_eq!(set_by("dhcp.vendor_class", "x"), SetBy::Firmware);
        assert_eq!(set_by("upnp.friendly_name", "x"), SetBy::User);
        assert_eq!(set_by("upnp.manufacturer", "x"), SetBy::Firmware);
        assert_eq!(set_by("http.title", "x"), SetBy::Default);
        assert_eq!(set_by("tls.cert.subject", "x"), SetBy::Default);
        assert_eq!(set_by("http.header.server", "x"), SetBy::Firmware);
        assert_eq!(set_by("import.brand", "x"), SetBy::Record);
        assert_eq!(set_by("onvif.manufacturer", "x"), SetBy::Firmware);
    }

    #[test]
    fn one_name_through_several_channels_is_one_text() {
        let scope = settable_text(
            "onvif.scope",
            "onvif://www.onvif.org/name/Hikvision%20replacement",
        );
        assert_eq!(scope, "hikvision replacement");
        assert_eq!(
            settable_text("http.title", " Hikvision  replacement"),
            scope
        );
        assert_eq!(
            settable_text("dhcp.hostname", "Hikvision-Replacement"),
            scope
        );
        assert_eq!(
            settable_text(
                "onvif.scope",
                "onvif://www.onvif.org/location/city/Hangzhou"
            ),
            "city hangzhou"
        );
    }

    #[test]
    fn decodes_scope_names() {
        assert_eq!(percent_decode("ANNKE%20C800"), "ANNKE C800");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(percent_decode("%ff"), "\u{fffd}");
    }
}
