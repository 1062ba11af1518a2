//! Axis (VAPIX): `basicdeviceinfo.cgi` with `getAllProperties` behind Digest
//! and the property list of the corpus sample (Kane610/axis tests),
//! `getAllUnrestrictedProperties` without credentials (corpus note); title
//! `AXIS` (Recog `html_title.xml`). The realm `AXIS_<serial>` is a
//! *stand-in* for the exact realm text (`docs/sim.md`).

use crate::auth;
use crate::context::Context;
use crate::date::http_date;
use crate::estate::Device;
use crate::message::{Request, response};

fn realm(dev: &Device) -> String {
    format!("AXIS_{}", dev.serial)
}

/// The answer of an Axis camera to one request.
pub fn answer(ctx: &Context, dev: &Device, req: &Request) -> Vec<u8> {
    let realm = realm(dev);
    let authed = auth::check(
        req.header("Authorization"),
        &req.method,
        &realm,
        &ctx.username,
        &ctx.password,
        false,
    );
    let plain = |status: &str, ctype: &str, body: &[u8], extra: Option<(&'static str, String)>| {
        let mut h = vec![("Date", http_date())];
        if let Some(e) = extra {
            h.push(e);
        }
        h.push(("Content-Length", body.len().to_string()));
        h.push(("Content-Type", ctype.to_owned()));
        h.push(("Connection", "close".into()));
        response("HTTP/1.1", status, &h, body)
    };
    let unauthorized = || {
        plain(
            "401 Unauthorized",
            "text/html; charset=ISO-8859-1",
            b"<HTML><HEAD><TITLE>401 Unauthorized</TITLE></HEAD><BODY><H1>401 Unauthorized</H1>\nYour client does not have permission to get URL from this server.\n</BODY></HTML>\n",
            Some((
                "WWW-Authenticate",
                format!("Digest realm=\"{realm}\", nonce=\"{}\", algorithm=MD5, qop=\"auth\"", auth::nonce_hex(dev.seed, 40)),
            )),
        )
    };
    match (req.method.as_str(), req.path.as_str()) {
        ("GET" | "HEAD", "/" | "/index.html") => {
            plain("200 OK", "text/html", index().as_bytes(), None)
        }
        ("POST", "/axis-cgi/basicdeviceinfo.cgi") => {
            let body = req.body_str();
            if body.contains("getAllUnrestrictedProperties") {
                plain(
                    "200 OK",
                    "application/json",
                    basic_device_info(dev, false).as_bytes(),
                    None,
                )
            } else if body.contains("getAllProperties") || body.contains("getProperties") {
                if authed {
                    plain(
                        "200 OK",
                        "application/json",
                        basic_device_info(dev, true).as_bytes(),
                        None,
                    )
                } else {
                    unauthorized()
                }
            } else {
                plain(
                    "200 OK",
                    "application/json",
                    b"{\"apiVersion\":\"1.3\",\"error\":{\"code\":2002,\"message\":\"Method not supported.\"}}",
                    None,
                )
            }
        }
        (_, p) if p.starts_with("/axis-cgi/") => {
            if !authed {
                unauthorized()
            } else if p == "/axis-cgi/param.cgi" {
                plain("200 OK", "text/plain", params(dev).as_bytes(), None)
            } else {
                plain(
                    "404 Not Found",
                    "text/html",
                    b"<HTML><BODY>404 Not Found</BODY></HTML>",
                    None,
                )
            }
        }
        _ => plain(
            "404 Not Found",
            "text/html",
            b"<HTML><BODY>404 Not Found</BODY></HTML>",
            None,
        ),
    }
}

// ------------------------------------------------------------------ bodies

fn index() -> String {
    "<!DOCTYPE html>\n<html>\n<head>\n<title>AXIS</title>\n<meta http-equiv=\"refresh\" content=\"0; URL=/camera/index.html\">\n</head>\n<body>\n<noscript>Your browser has JavaScript turned off.</noscript>\n</body>\n</html>\n".to_owned()
}

/// `POST /axis-cgi/basicdeviceinfo.cgi`: every property when authenticated,
/// the unrestricted subset otherwise.
fn basic_device_info(dev: &Device, full: bool) -> String {
    let mut props = serde_json::json!({
        "Brand": "AXIS",
        "BuildDate": "Apr 29 2020 06:50",
        "HardwareID": "70E",
        "ProdFullName": format!("AXIS {} Network Camera", dev.model),
        "ProdNbr": dev.model,
        "ProdShortName": format!("AXIS {}", dev.model),
        "ProdType": "Network Camera",
        "ProdVariant": "",
        "SerialNumber": dev.serial,
        "Version": dev.firmware.version,
        "WebURL": "http://www.axis.com",
    });
    if full {
        props["Architecture"] = "armv7hf".into();
        props["Soc"] = "Ambarella S2L (Flattened Device Tree)".into();
        props["SocSerialNumber"] = "".into();
    }
    serde_json::json!({
        "apiVersion": "1.1",
        "method": if full { "getAllProperties" } else { "getAllUnrestrictedProperties" },
        "data": {"propertyList": props},
    })
    .to_string()
}

fn params(dev: &Device) -> String {
    format!(
        "root.Brand.Brand=AXIS\nroot.Brand.ProdFullName=AXIS {m} Network Camera\nroot.Brand.ProdNbr={m}\nroot.Brand.ProdShortName=AXIS {m}\nroot.Brand.ProdType=Network Camera\nroot.Properties.Firmware.Version={fw}\nroot.Properties.System.SerialNumber={sn}\n",
        m = dev.model,
        fw = dev.firmware.version,
        sn = dev.serial
    )
}
