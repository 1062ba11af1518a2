//! Bosch (VCS VideoJet): `Server: VCS-VideoJet-Webserver` (nmap) and the
//! Digest realm `Use 'live' as User Name in order to log in to the
//! respective level` (Recog `http_wwwauth.xml`, nmap) in front of the RCP
//! `rcp.xml` interface (`docs/sim.md`).

use crate::auth;
use crate::context::Context;
use crate::date::http_date;
use crate::estate::Device;
use crate::faults;
use crate::markup::escape;
use crate::message::{Request, response};

/// The answer of a Bosch camera to one request.
pub fn answer(ctx: &Context, dev: &Device, req: &Request) -> Vec<u8> {
    let realm = "Use 'live' as User Name in order to log in to the respective level";
    let head = |status: &str, ctype: &str, body: &[u8], extra: Option<(&'static str, String)>| {
        let mut h = vec![
            ("Server", "VCS-VideoJet-Webserver".to_owned()),
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
        ("GET" | "HEAD", "/" | "/index.html") => {
            head("200 OK", "text/html", index(dev).as_bytes(), None)
        }
        ("GET" | "HEAD", "/rcp.xml") => {
            if auth::check(
                req.header("Authorization"),
                &req.method,
                realm,
                &ctx.username,
                &ctx.password,
                false,
            ) {
                head(
                    "200 OK",
                    "text/xml",
                    faults::xml(dev.fault, rcp(dev)).as_bytes(),
                    None,
                )
            } else {
                head(
                    "401 Unauthorized",
                    "text/html",
                    b"",
                    Some((
                        "WWW-Authenticate",
                        format!(
                            "Digest realm=\"{realm}\",nonce=\"{}\",opaque=\"\",stale=FALSE,algorithm=MD5,qop=\"auth\"",
                            auth::nonce_hex(dev.seed, 32)
                        ),
                    )),
                )
            }
        }
        _ => head(
            "404 Not Found",
            "text/html",
            b"<html><body>404 Not Found</body></html>",
            None,
        ),
    }
}

// ------------------------------------------------------------------ bodies

fn index(dev: &Device) -> String {
    format!(
        "<!DOCTYPE html>\n<html>\n<head>\n<title>{}</title>\n<meta charset=\"utf-8\">\n<script src=\"/rcp.js\"></script>\n</head>\n<body>\n<div class=\"logo\"><img src=\"/images/bosch_logo.svg\" alt=\"BOSCH\"></div>\n</body>\n</html>\n",
        escape(dev.model)
    )
}

fn rcp(dev: &Device) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n<rcp>\n<command><hex>0x0aea</hex><dec>2794</dec></command>\n<type>P_STRING</type>\n<direction>READ</direction>\n<num>0</num>\n<idstring></idstring>\n<payload></payload>\n<cltid>0x1</cltid>\n<sessionid>0x00000000</sessionid>\n<auth>1</auth>\n<protocol>TCP</protocol>\n<result><str>{} {}</str></result>\n</rcp>\n",
        escape(dev.model),
        dev.firmware.version
    )
}
