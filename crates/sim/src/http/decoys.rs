//! Decoys a scanner must not call cameras: an nginx 1.22.1 web server
//! (its welcome and 404 pages), an HP printer with HP's `Server: HP HTTP
//! Server; <model> - <serial>` form (port 631 too), and a MikroTik RouterOS
//! login page (`docs/sim.md`).

use crate::date::http_date;
use crate::estate::Device;
use crate::markup::escape;
use crate::message::{Request, response};

/// The answer of the plain web server to one request.
pub fn web_server(req: &Request) -> Vec<u8> {
    let (status, body) = if req.path == "/" || req.path == "/index.html" {
        ("200 OK", nginx_index())
    } else {
        ("404 Not Found", nginx_404())
    };
    response(
        "HTTP/1.1",
        status,
        &[
            ("Server", "nginx/1.22.1".into()),
            ("Date", http_date()),
            ("Content-Type", "text/html".into()),
            ("Content-Length", body.len().to_string()),
            ("Connection", "close".into()),
        ],
        body.as_bytes(),
    )
}

/// The answer of the printer to one request on `port` (80, 443 or 631).
pub fn printer(dev: &Device, req: &Request, port: u16) -> Vec<u8> {
    let body = if req.path == "/" || port == 631 {
        printer_index(dev)
    } else {
        "<html><body>Not found</body></html>".to_owned()
    };
    let status = if req.path == "/" || port == 631 {
        "200 OK"
    } else {
        "404 Not Found"
    };
    response(
        "HTTP/1.1",
        status,
        &[
            (
                "Server",
                format!("HP HTTP Server; {} - {}", dev.model, dev.serial),
            ),
            ("Content-Type", "text/html".into()),
            ("Content-Length", body.len().to_string()),
            ("Connection", "close".into()),
        ],
        body.as_bytes(),
    )
}

/// The answer of the router to one request.
pub fn router(req: &Request) -> Vec<u8> {
    let (status, body) = if req.path == "/" || req.path == "/webfig/" {
        ("200 OK", router_index())
    } else {
        (
            "404 Not Found",
            "<html><body>Not Found</body></html>".to_owned(),
        )
    };
    response(
        "HTTP/1.1",
        status,
        &[
            ("Content-Type", "text/html".into()),
            ("Content-Length", body.len().to_string()),
            ("Connection", "close".into()),
        ],
        body.as_bytes(),
    )
}

// ------------------------------------------------------------------ bodies

fn nginx_index() -> String {
    "<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n</head>\n<body>\n<h1>Welcome to nginx!</h1>\n<p>If you see this page, the nginx web server is successfully installed and\nworking. Further configuration is required.</p>\n</body>\n</html>\n".to_owned()
}

fn nginx_404() -> String {
    "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n".to_owned()
}

fn printer_index(dev: &Device) -> String {
    format!(
        "<!DOCTYPE html>\n<html>\n<head>\n<title>{m}&nbsp;&nbsp;&nbsp;{ip}</title>\n</head>\n<body>\n<h1>{m}</h1>\n<p>HP Embedded Web Server</p>\n</body>\n</html>\n",
        m = escape(dev.model),
        ip = dev.addr
    )
}

fn router_index() -> String {
    "<!DOCTYPE html>\n<html>\n<head>\n<title>RouterOS router configuration page</title>\n</head>\n<body>\n<div class=\"login\"><h1>RouterOS</h1><form action=\"/webfig/\"><input name=\"user\"><input type=\"password\" name=\"password\"><input type=\"submit\" value=\"Login\"></form></div>\n<p>mikrotik routeros</p>\n</body>\n</html>\n".to_owned()
}
