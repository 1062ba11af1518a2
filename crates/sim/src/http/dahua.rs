//! Dahua's web server and its OEM rebrands (Amcrest, Lorex): the upper-case
//! `CONNECTION`/`CONTENT-LENGTH`/`CACHE-CONTROL`/`CONTENT-TYPE` headers,
//! the UTF-8 BOM and `WEB SERVICE` title of nmap's "Dahua webcam httpd"
//! (Amcrest's build without either, nmap "Amcrest IP camera http
//! interface"); `POST /RPC2_Login` with the login challenge
//! ([`crate::dahua_rpc`]); `magicBox.cgi` actions behind Digest, with
//! `updateSerial` naming the Dahua model of an OEM unit and `deviceType=31`
//! on Lorex (corpus note quoting a Home Assistant integration). Sources in
//! full: `docs/sim.md`.

use crate::auth;
use crate::context::Context;
use crate::dahua_rpc;
use crate::date::http_date;
use crate::estate::Device;
use crate::faults;
use crate::message::{Request, response};

fn realm(dev: &Device) -> String {
    format!("Login to {}", dev.serial)
}

/// The Dahua web server's header block (upper-case names, as nmap's
/// "Dahua webcam httpd" signature records).
fn page(body: &[u8], ctype: &str) -> Vec<u8> {
    let etag = format!("\"{}:{:x}\"", body.len(), body.len() * 7919);
    response(
        "HTTP/1.1",
        "200 OK",
        &[
            ("CONNECTION", "close".into()),
            ("Date", http_date()),
            ("Last-Modified", http_date()),
            ("Etag", etag),
            ("CONTENT-LENGTH", body.len().to_string()),
            ("CACHE-CONTROL", "max-age=0".into()),
            ("CONTENT-TYPE", ctype.into()),
        ],
        body,
    )
}

fn plain(status: &str, ctype: &str, body: &[u8], extra: Option<(&'static str, String)>) -> Vec<u8> {
    let mut h = vec![
        ("CONNECTION", "close".to_owned()),
        ("CONTENT-LENGTH", body.len().to_string()),
        ("CONTENT-TYPE", ctype.to_owned()),
    ];
    if let Some(e) = extra {
        h.push(e);
    }
    response("HTTP/1.1", status, &h, body)
}

/// The answer of a Dahua-made device to one request.
pub fn answer(ctx: &Context, dev: &Device, req: &Request) -> Vec<u8> {
    let authed = || {
        auth::check(
            req.header("Authorization"),
            &req.method,
            &realm(dev),
            &ctx.username,
            &ctx.password,
            false,
        )
    };
    let unauthorized = || {
        let body = b"<html><body><h1>401 Unauthorized</h1></body></html>";
        plain(
            "401 Unauthorized",
            "text/html",
            body,
            Some((
                "WWW-Authenticate",
                format!(
                    "Digest realm=\"{}\", qop=\"auth\", nonce=\"{}\", opaque=\"{}\"",
                    realm(dev),
                    auth::nonce_hex(dev.seed, 10)
                        .chars()
                        .filter(char::is_ascii_digit)
                        .collect::<String>()
                        + "1234567890",
                    auth::md5_hex(&dev.serial)
                ),
            )),
        )
    };
    match (req.method.as_str(), req.path.as_str()) {
        ("GET" | "HEAD", "/" | "/index.html") => page(index(dev).as_bytes(), "text/html"),
        ("POST", "/RPC2_Login") => {
            let body = faults::xml(None, dahua_rpc::login_challenge(dev, req.body_str()));
            plain(
                "200 OK",
                "application/json; charset=utf-8",
                body.as_bytes(),
                None,
            )
        }
        ("POST", "/RPC2") => {
            let body = dahua_rpc::no_session(req.body_str());
            plain(
                "200 OK",
                "application/json; charset=utf-8",
                body.as_bytes(),
                None,
            )
        }
        ("GET" | "HEAD", "/cgi-bin/magicBox.cgi") => {
            if authed() {
                let body = magicbox(dev, &req.query);
                match body {
                    Some(b) => plain("200 OK", "text/plain;charset=utf-8", b.as_bytes(), None),
                    None => plain(
                        "400 Bad Request",
                        "text/plain;charset=utf-8",
                        b"Error\r\nBad Request!\r\n",
                        None,
                    ),
                }
            } else {
                unauthorized()
            }
        }
        (_, p) if p.starts_with("/cgi-bin/") => {
            if authed() {
                plain(
                    "404 Not Found",
                    "text/plain",
                    b"Error\r\nNot Found!\r\n",
                    None,
                )
            } else {
                unauthorized()
            }
        }
        _ => plain(
            "404 Not Found",
            "text/html",
            b"<html><body><h1>404 Not Found</h1></body></html>",
            None,
        ),
    }
}

// ------------------------------------------------------------------ bodies

/// `GET /`: Dahua's web application shell. Own-brand firmware starts with a
/// UTF-8 BOM and titles the page "WEB SERVICE"; Amcrest's build has no BOM
/// and an empty title (both as nmap's signatures record them).
fn index(dev: &Device) -> String {
    match dev.profile.label {
        Some("amcrest") => "<!DOCTYPE html>\r\n<html>\r\n<head>\r\n    <title></title>\r\n    <meta charset=\"utf-8\">\r\n    <link rel=\"icon\" href=\"/favicon.ico\">\r\n    <script src=\"/jsBase/lib/jquery.js\"></script>\r\n</head>\r\n<body>\r\n<div id=\"logo\"><img src=\"/image/amcrest_logo.png\" alt=\"Amcrest\"></div>\r\n<script src=\"/js/loader.js\"></script>\r\n</body>\r\n</html>\r\n".to_owned(),
        Some("lorex") => "\u{feff}<!DOCTYPE html>\r\n<html>\r\n<head>\r\n<title>LOREX</title>\r\n<meta charset=\"utf-8\">\r\n<script src=\"/jsBase/lib/jquery.js\"></script>\r\n</head>\r\n<body>\r\n<div id=\"logo\"><img src=\"/image/lorex_logo.png\" alt=\"LOREX\"></div>\r\n<script src=\"/js/loader.js\"></script>\r\n</body>\r\n</html>\r\n".to_owned(),
        _ => "\u{feff}<!DOCTYPE html>\r\n<html>\r\n<head>\r\n<title>WEB SERVICE</title>\r\n<meta charset=\"utf-8\">\r\n<script src=\"/jsBase/lib/jquery.js\"></script>\r\n</head>\r\n<body>\r\n<div id=\"logo\"><img src=\"/image/lgbg.jpg\"></div>\r\n<script src=\"/js/loader.js\"></script>\r\n</body>\r\n</html>\r\n".to_owned(),
    }
}

/// `GET /cgi-bin/magicBox.cgi?action=…`, authenticated: `key=value` lines.
fn magicbox(dev: &Device, query: &str) -> Option<String> {
    let action = query.split('&').find_map(|kv| kv.strip_prefix("action="))?;
    let dhi = if dev.model.starts_with("DHI-") || dev.profile.label == Some("dahua") {
        dev.model.to_owned()
    } else {
        // OEM units reveal the Dahua model in updateSerial.
        match dev.profile.device_type {
            Some(camaudit_model::DeviceType::Nvr) => "DHI-NVR4108HS-8P-4KS2".to_owned(),
            _ => "IPC-HDW2431T-AS-S2".to_owned(),
        }
    };
    let device_type = match dev.profile.label {
        Some("lorex") => "31".to_owned(),
        _ => dev.model.to_owned(),
    };
    Some(match action {
        "getSystemInfo" => format!(
            "appAutoStart=true\r\ndeviceType={device_type}\r\nhardwareVersion=1.00\r\nprocessor=SSC327DE\r\nserialNumber={}\r\nupdateSerial={dhi}\r\nupdateSerialCloudUpgrade={dhi}:01:02:08:12:0A:00:05:00:00:00:00:00:00:00:00:500\r\n",
            dev.serial
        ),
        "getDeviceType" => format!("type={device_type}\r\n"),
        "getSoftwareVersion" => format!("version={},build:2021-06-17\r\n", dev.firmware.version),
        "getSerialNo" => format!("sn={}\r\n", dev.serial),
        "getMachineName" => format!("name={}\r\n", dev.serial),
        "getProductDefinition" => format!(
            "table.ProductDefinition.Vendor={}\r\n",
            match dev.profile.label {
                Some("dahua") => "Dahua",
                _ => "General",
            }
        ),
        _ => return None,
    })
}
