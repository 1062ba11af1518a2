//! Hikvision's web server and its OEM rebrands (Annke, LTS, HiLook, EZVIZ):
//! the three generations of `Server` header and header order
//! (`Hikvision-Webs` with a ctime Date, `App-webs/`, `DNVRS-Webs`) as
//! nmap-service-probes and Recog `http_servers.xml` record them; the script
//! redirect to `/doc/page/login.asp` and the login page Ingram and nuclei
//! `hikvision-detect` key on; ISAPI `deviceInfo` behind Digest (Basic on
//! legacy firmware, koush/scrypted#891) with the challenge of the DNVRS-Webs
//! capture in maciej-or/hikvision_next#50 and the body of mezz64/pyHik#51;
//! the GoAhead "Document Error" pages (maciej-or/hikvision_next#196).
//! Sources in full: `docs/sim.md`.

use crate::auth;
use crate::catalog::WebFlavor;
use crate::context::Context;
use crate::date::{ctime_date, http_date};
use crate::estate::Device;
use crate::faults;
use crate::markup::escape;
use crate::message::{Request, response};

/// The realm a Hikvision device challenges with: legacy firmware offers Basic
/// only; current cameras `IP Camera(<last 5 of serial>)`-style realms are
/// replaced here by the NVR-style opaque hex realm seen in captures.
fn realm(dev: &Device) -> String {
    match dev.profile.flavor {
        WebFlavor::HikNvr => auth::md5_hex(&dev.serial)[..24].to_owned(),
        _ => {
            let s = &dev.serial;
            format!("IP Camera({})", &s[s.len().saturating_sub(5)..])
        }
    }
}

fn headers(
    dev: &Device,
    req: &Request,
    ctype: &str,
    len: usize,
) -> (String, Vec<(&'static str, String)>) {
    let version = if req.is_http10() {
        "HTTP/1.0"
    } else {
        "HTTP/1.1"
    }
    .to_owned();
    let h = match dev.profile.flavor {
        WebFlavor::HikLegacy => vec![
            ("Server", "Hikvision-Webs".to_owned()),
            ("Date", ctime_date()),
            ("Content-Type", ctype.to_owned()),
            ("Content-Length", len.to_string()),
            ("Connection", "close".into()),
        ],
        WebFlavor::HikNvr => vec![
            ("Date", http_date()),
            ("Server", "DNVRS-Webs".to_owned()),
            ("ETag", format!("\"0-{:x}-1e0\"", len)),
            ("Content-Length", len.to_string()),
            ("Content-Type", ctype.to_owned()),
            ("Connection", "close".into()),
            ("Last-Modified", http_date()),
        ],
        _ => vec![
            ("Date", http_date()),
            ("Server", "App-webs/".to_owned()),
            ("Content-Length", len.to_string()),
            ("Content-Type", ctype.to_owned()),
            ("Connection", "close".into()),
        ],
    };
    (version, h)
}

fn ok(dev: &Device, req: &Request, ctype: &str, body: &[u8]) -> Vec<u8> {
    let (v, h) = headers(dev, req, ctype, body.len());
    response(&v, "200 OK", &h, body)
}

fn unauthorized(dev: &Device, req: &Request) -> Vec<u8> {
    let legacy = dev.profile.flavor == WebFlavor::HikLegacy;
    let (body, ctype) = if req.path.starts_with("/ISAPI") && !legacy {
        (
            "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<userCheck>\n<statusValue>401</statusValue>\n<statusString>Unauthorized</statusString>\n</userCheck>\n".to_owned(),
            "application/xml; charset=\"UTF-8\"",
        )
    } else {
        (
            goahead_error(
                401,
                "Unauthorized",
                "Authentication Error: Access Denied! Authorization required.",
            ),
            "text/html",
        )
    };
    let (v, mut h) = headers(dev, req, ctype, body.len());
    let challenge = if legacy {
        "Basic realm=\"hikvision\"".to_owned()
    } else {
        format!(
            "Digest realm=\"{}\", domain=\"::\", qop=\"auth\", nonce=\"{}:{}\", opaque=\"\", algorithm=\"MD5\", stale=\"FALSE\"",
            realm(dev),
            auth::nonce_hex(dev.seed, 32),
            1_700_000_000u64 + dev.seed % 100_000_000
        )
    };
    h.push(("WWW-Authenticate", challenge));
    response(&v, "401 Unauthorized", &h, body.as_bytes())
}

fn authed(ctx: &Context, dev: &Device, req: &Request) -> bool {
    let legacy = dev.profile.flavor == WebFlavor::HikLegacy;
    let realm = if legacy {
        dev.model.to_owned()
    } else {
        realm(dev)
    };
    auth::check(
        req.header("Authorization"),
        &req.method,
        &realm,
        &ctx.username,
        &ctx.password,
        legacy,
    )
}

/// The answer of a Hikvision-made device to one request.
pub fn answer(ctx: &Context, dev: &Device, req: &Request) -> Vec<u8> {
    let legacy = dev.profile.flavor == WebFlavor::HikLegacy;
    match (req.method.as_str(), req.path.as_str()) {
        ("GET" | "HEAD", "/" | "/index.asp" | "/index.html") => {
            ok(dev, req, "text/html", index().as_bytes())
        }
        ("GET" | "HEAD", "/doc/page/login.asp") => {
            ok(dev, req, "text/html", login_page(dev).as_bytes())
        }
        ("GET" | "HEAD", "/SDK/webLanguage") => ok(
            dev,
            req,
            "application/xml",
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Language>\n<type>en</type>\n</Language>\n",
        ),
        (_, "/SDK/webLanguage") => not_allowed(),
        ("GET" | "HEAD", "/PSIA/Custom/SelfExt/userCheck") if legacy => {
            if authed(ctx, dev, req) {
                ok(dev, req, "application/xml", user_check(200).as_bytes())
            } else {
                unauthorized(dev, req)
            }
        }
        ("GET" | "HEAD", "/ISAPI/Security/userCheck") if !legacy => {
            if authed(ctx, dev, req) {
                ok(dev, req, "application/xml", user_check(200).as_bytes())
            } else {
                unauthorized(dev, req)
            }
        }
        ("GET" | "HEAD", "/ISAPI/System/deviceInfo") => {
            if authed(ctx, dev, req) {
                let xml = faults::xml(dev.fault, device_info(dev));
                ok(dev, req, "application/xml", xml.as_bytes())
            } else {
                unauthorized(dev, req)
            }
        }
        (_, p) if p.starts_with("/ISAPI/") => {
            if authed(ctx, dev, req) {
                not_found(dev, req)
            } else {
                unauthorized(dev, req)
            }
        }
        _ => not_found(dev, req),
    }
}

fn not_found(dev: &Device, req: &Request) -> Vec<u8> {
    let body = goahead_error(
        404,
        "Not Found",
        &format!("Can't locate document: {}", escape(&req.path)),
    );
    let (v, h) = headers(dev, req, "text/html", body.len());
    response(&v, "404 Not Found", &h, body.as_bytes())
}

// ------------------------------------------------------------------ bodies

/// `GET /` on Hikvision firmware: a script redirect to the login page.
fn index() -> String {
    "<!DOCTYPE html>\n<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\n<meta http-equiv=\"Pragma\" content=\"no-cache\">\n<meta http-equiv=\"Cache-Control\" content=\"no-cache\">\n<meta http-equiv=\"Expires\" content=\"0\">\n</head>\n<body>\n<script>\nwindow.location.href = \"/doc/page/login.asp?_\" + (new Date()).getTime();\n</script>\n</body>\n</html>\n".to_owned()
}

/// The login page: the brand's title, logo and copyright, Hikvision's web
/// application underneath (same scripts, same `g_szCacheTime`).
fn login_page(dev: &Device) -> String {
    let brand = dev.profile.brand_name;
    let own = dev.profile.label == Some("hikvision");
    let copyright = if own {
        "&copy;Hikvision Digital Technology Co., Ltd. All Rights Reserved.".to_owned()
    } else {
        format!("&copy;{brand}. All Rights Reserved.")
    };
    let logo = brand.to_ascii_lowercase().replace(' ', "");
    let title = if own { String::new() } else { escape(brand) };
    format!(
        "<!DOCTYPE html>\n<html>\n<head>\n<title>{title}</title>\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\n<meta http-equiv=\"X-UA-Compatible\" content=\"IE=edge\">\n<link rel=\"stylesheet\" type=\"text/css\" href=\"../css/ui.css?version=' + g_szCacheTime + '\">\n<script>\nvar g_szCacheTime = \"{cache}\";\n</script>\n<script type=\"text/javascript\" src=\"../script/lib/jquery/jquery-1.7.2.min.js\"></script>\n<script type=\"text/javascript\" src=\"../script/common.js\"></script>\n<script type=\"text/javascript\" src=\"../script/login.js\"></script>\n</head>\n<body>\n<div class=\"login\">\n<div class=\"logo\"><img src=\"../images/{logo}_logo.png\" alt=\"{brand}\"></div>\n<div id=\"login_form\"><input type=\"text\" id=\"username\"><input type=\"password\" id=\"password\"><button onclick=\"doLogin()\">Login</button></div>\n<div class=\"footer\">{copyright}</div>\n</div>\n</body>\n</html>\n",
        cache = 1_600_000_000u64 + dev.seed % 100_000_000,
        brand = escape(brand),
    )
}

fn user_check(code: u16) -> String {
    let s = if code == 200 { "OK" } else { "Unauthorized" };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<userCheck>\n<statusValue>{code}</statusValue>\n<statusString>{s}</statusString>\n</userCheck>\n"
    )
}

/// `GET /ISAPI/System/deviceInfo`, authenticated.
fn device_info(dev: &Device) -> String {
    let current =
        dev.firmware.version.starts_with("V5.7") || dev.firmware.version.starts_with("V4.6");
    let ns = if current {
        "http://www.isapi.org/ver20/XMLSchema"
    } else {
        "http://www.hikvision.com/ver20/XMLSchema"
    };
    let mac = dev.mac.map(|m| m.to_string()).unwrap_or_default();
    let dtype = match dev.profile.device_type {
        Some(camaudit_model::DeviceType::Nvr) => "NVR",
        _ => "IPCamera",
    };
    let extra = if current {
        format!(
            "<manufacturer>{}</manufacturer>\n<OEMCode>{}</OEMCode>\n<marketType>1</marketType>\n",
            if dev.profile.label == Some("hikvision") {
                "hikvision"
            } else {
                dev.profile.brand_name
            },
            if dev.profile.label == Some("hikvision") {
                1
            } else {
                0
            }
        )
    } else {
        String::new()
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DeviceInfo version=\"2.0\" xmlns=\"{ns}\">\n<deviceName>{dtype}</deviceName>\n<deviceID>{uuid}</deviceID>\n<deviceDescription>{dtype}</deviceDescription>\n<deviceLocation>hangzhou</deviceLocation>\n<systemContact>Hikvision.China</systemContact>\n<model>{model}</model>\n<serialNumber>{serial}</serialNumber>\n<macAddress>{mac}</macAddress>\n<firmwareVersion>{fw}</firmwareVersion>\n<firmwareReleasedDate>{build}</firmwareReleasedDate>\n<encoderVersion>V7.3</encoderVersion>\n<encoderReleasedDate>{build}</encoderReleasedDate>\n<deviceType>{devtype}</deviceType>\n<telecontrolID>88</telecontrolID>\n{extra}</DeviceInfo>\n",
        uuid = dev.uuid(),
        model = escape(dev.model),
        serial = escape(&dev.serial),
        fw = dev.firmware.version,
        build = dev.firmware.build,
        devtype = if dtype == "NVR" { "NVR" } else { "IPCamera" },
    )
}

/// The error page of the GoAhead-derived servers (Hikvision's among them).
fn goahead_error(code: u16, title: &str, message: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><title>Document Error: {title}</title></head>\n<body><h2>Access Error: {code} -- {title}</h2>\n<p>{message}</p>\n</body>\n</html>\n"
    )
}

/// What a write to a read-only resource gets: `PUT /SDK/webLanguage` is
/// the CVE-2021-36260 injection point, and is never acted on.
fn not_allowed() -> Vec<u8> {
    response(
        "HTTP/1.1",
        "405 Method Not Allowed",
        &[
            ("Allow", "GET".into()),
            ("Content-Length", "0".into()),
            ("Connection", "close".into()),
        ],
        b"",
    )
}
