//! Uniview's web server: LAPI `GET /LAPI/V1.0/System/DeviceBasicInfo`
//! behind Digest, with the response envelope and fields of the corpus
//! sample; web assets under `/skin/default_1/` (Ingram's rule). The realm
//! `IPC` and the page body are *stand-ins* (`docs/sim.md`).

use crate::auth;
use crate::context::Context;
use crate::estate::Device;
use crate::message::{Request, response};

/// The answer of a Uniview camera to one request.
pub fn answer(ctx: &Context, dev: &Device, req: &Request) -> Vec<u8> {
    let realm = "IPC";
    let plain = |status: &str, ctype: &str, body: &[u8], extra: Option<(&'static str, String)>| {
        let mut h = vec![
            ("Content-Type", ctype.to_owned()),
            ("Content-Length", body.len().to_string()),
            ("Connection", "close".to_owned()),
        ];
        if let Some(e) = extra {
            h.push(e);
        }
        response("HTTP/1.1", status, &h, body)
    };
    match (req.method.as_str(), req.path.as_str()) {
        ("GET" | "HEAD", "/") => plain("200 OK", "text/html", index(dev).as_bytes(), None),
        ("GET" | "HEAD", "/LAPI/V1.0/System/DeviceBasicInfo") => {
            if auth::check(
                req.header("Authorization"),
                &req.method,
                realm,
                &ctx.username,
                &ctx.password,
                false,
            ) {
                plain(
                    "200 OK",
                    "application/json",
                    lapi_device_info(dev).as_bytes(),
                    None,
                )
            } else {
                plain(
                    "401 Unauthorized",
                    "application/json",
                    lapi_unauthorized(&req.path).as_bytes(),
                    Some((
                        "WWW-Authenticate",
                        format!(
                            "Digest realm=\"{realm}\", qop=\"auth\", nonce=\"{}\"",
                            auth::nonce_hex(dev.seed, 32)
                        ),
                    )),
                )
            }
        }
        _ => plain(
            "404 Not Found",
            "text/html",
            b"<html><body>404 Not Found</body></html>",
            None,
        ),
    }
}

// ------------------------------------------------------------------ bodies

fn index(dev: &Device) -> String {
    let _ = dev;
    "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title></title>\n<link rel=\"shortcut icon\" href=\"/favicon.ico\">\n<link rel=\"stylesheet\" href=\"/skin/default_1/css/main.css\">\n<script src=\"/js/lib/jquery.min.js\"></script>\n<script src=\"/js/login.js\"></script>\n</head>\n<body>\n<div class=\"logo\"><img src=\"/skin/default_1/images/logo.png\"></div>\n<div id=\"login\"></div>\n</body>\n</html>\n".to_owned()
}

fn lapi_envelope(url: &str, code: i64, s: &str, data: serde_json::Value) -> String {
    serde_json::json!({
        "Response": {
            "ResponseURL": url,
            "CreatedID": -1,
            "ResponseCode": code,
            "SubResponseCode": 0,
            "ResponseString": s,
            "StatusCode": code,
            "StatusString": s,
            "Data": data,
        }
    })
    .to_string()
}

/// `GET /LAPI/V1.0/System/DeviceBasicInfo`, authenticated.
fn lapi_device_info(dev: &Device) -> String {
    lapi_envelope(
        "/LAPI/V1.0/System/DeviceBasicInfo",
        0,
        "Succeed",
        serde_json::json!({
            "Manufacturer": "UNIVIEW",
            "DeviceModel": dev.model,
            "SerialNumber": dev.serial,
            "MAC": dev.mac.map(|m| m.0.iter().map(|b| format!("{b:02x}")).collect::<String>()).unwrap_or_default(),
            "FirmwareVersion": dev.firmware.version,
            "HardewareID": "A",
            "PCBVersion": "A",
            "UbootVersion": "V2.0",
        }),
    )
}

fn lapi_unauthorized(path: &str) -> String {
    lapi_envelope(path, 3, "Not Authorized", serde_json::Value::Null)
}
