//! A generic ONVIF camera of no named maker: `thttpd/2.25b` and an `IPCAM`
//! title, as countless white-label boards ship; its ONVIF answers (served
//! from [`crate::onvif`]) name no manufacturer either. Its details are
//! *stand-ins* (`docs/sim.md`).

use crate::date::http_date;
use crate::estate::Device;
use crate::markup::escape;
use crate::message::{Request, response};

/// The answer of a generic ONVIF camera to one request.
pub fn answer(dev: &Device, req: &Request) -> Vec<u8> {
    let body = if req.path == "/" {
        index(dev)
    } else {
        "<html><body>404 Not Found</body></html>".to_owned()
    };
    let status = if req.path == "/" {
        "200 OK"
    } else {
        "404 Not Found"
    };
    response(
        "HTTP/1.1",
        status,
        &[
            ("Server", "thttpd/2.25b 29dec2003".into()),
            ("Content-Type", "text/html; charset=utf-8".into()),
            ("Date", http_date()),
            ("Content-Length", body.len().to_string()),
            ("Connection", "close".into()),
        ],
        body.as_bytes(),
    )
}

// ------------------------------------------------------------------ bodies

fn index(dev: &Device) -> String {
    format!(
        "<html>\n<head>\n<title>IPCAM</title>\n</head>\n<body>\n<p>{}</p>\n<a href=\"/onvif/device_service\">ONVIF</a>\n</body>\n</html>\n",
        escape(dev.model)
    )
}
