//! Hanwha (Samsung Techwin, Wisenet): title `Hanwha Techwin` (Recog); SUNAPI
//! `/stw-cgi/system.cgi?msubmenu=deviceinfo&action=view` behind Digest, with
//! a *stand-in* body (`docs/sim.md`).

use crate::auth;
use crate::context::Context;
use crate::date::http_date;
use crate::estate::Device;
use crate::message::{Request, response};

/// The answer of a Hanwha camera to one request.
pub fn answer(ctx: &Context, dev: &Device, req: &Request) -> Vec<u8> {
    let realm = "iPolis";
    let plain = |status: &str, ctype: &str, body: &[u8], extra: Option<(&'static str, String)>| {
        let mut h = vec![
            ("Date", http_date()),
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
        ("GET" | "HEAD", "/" | "/home/monitoring.cgi") => {
            plain("200 OK", "text/html", index().as_bytes(), None)
        }
        ("GET" | "HEAD", "/stw-cgi/system.cgi") => {
            if auth::check(
                req.header("Authorization"),
                &req.method,
                realm,
                &ctx.username,
                &ctx.password,
                false,
            ) {
                plain("200 OK", "text/plain", device_info(dev).as_bytes(), None)
            } else {
                plain(
                    "401 Unauthorized",
                    "text/html",
                    b"<html><body>401 Unauthorized</body></html>",
                    Some((
                        "WWW-Authenticate",
                        format!(
                            "Digest realm=\"{realm}\", nonce=\"{}\", qop=\"auth\"",
                            auth::nonce_hex(dev.seed, 32).to_uppercase()
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

fn index() -> String {
    "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>Hanwha Techwin</title>\n<script src=\"/home/js/lib/jquery.min.js\"></script>\n</head>\n<body>\n<div id=\"wrap\"><div class=\"logo\"><img src=\"/home/img/logo_hanwha.png\" alt=\"Hanwha Techwin\"></div></div>\n</body>\n</html>\n".to_owned()
}

/// SUNAPI `GET /stw-cgi/system.cgi?msubmenu=deviceinfo&action=view`.
fn device_info(dev: &Device) -> String {
    format!(
        "Model={}\r\nSerialNumber={}\r\nFirmwareVersion={}\r\nBuildDate=2023-03-21\r\nWebURL=http://www.hanwhavision.com\r\nDeviceType=NWC\r\nConnectedMACAddress={}\r\n",
        dev.model,
        dev.serial,
        dev.firmware.version,
        dev.mac
            .map(|m| m.to_string().to_uppercase())
            .unwrap_or_default()
    )
}
