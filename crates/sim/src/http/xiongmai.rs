//! Xiongmai's `uc-httpd 1.0.0` (the DVRs sold under countless labels):
//! HTTP/1.0, `Server: uc-httpd 1.0.0`, title `NETSurveillance WEB` (Recog
//! `http_servers.xml` and `html_title.xml`, Ingram, nmap "uc-httpd").

use crate::estate::Device;
use crate::message::{Request, response};

/// The answer of a Xiongmai DVR to one request.
pub fn answer(dev: &Device, req: &Request) -> Vec<u8> {
    let ok = |body: &[u8]| {
        response(
            "HTTP/1.0",
            "200 OK",
            &[
                ("Content-type", "text/html".into()),
                ("Server", "uc-httpd 1.0.0".into()),
                ("Expires", "0".into()),
            ],
            body,
        )
    };
    match req.path.as_str() {
        "/" | "/index.htm" | "/index.html" => ok(index(dev).as_bytes()),
        _ => response(
            "HTTP/1.0",
            "404 Not Found",
            &[
                ("Content-type", "text/html".into()),
                ("Server", "uc-httpd 1.0.0".into()),
            ],
            b"<html><body>404 File Not Found</body></html>",
        ),
    }
}

// ------------------------------------------------------------------ bodies

fn index(dev: &Device) -> String {
    let _ = dev;
    "<html>\n<head>\n<title>NETSurveillance WEB</title>\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\n<script type=\"text/javascript\" src=\"js/jquery.js\"></script>\n</head>\n<body>\n<object id=\"ocx\" classid=\"CLSID:2B5C3D71-1F2F-4C7C-9D55-6C4F2A0B7E3A\"></object>\n<div id=\"login\">Please install the plug-in to view live video</div>\n</body>\n</html>\n".to_owned()
}
