//! The devices' web servers (port 80, 443 inside TLS, a printer's 631):
//! one request per connection, read with the bounds of [`crate::message`],
//! dispatched to the module of the device's maker, each answering with the
//! exact status lines, header order, realms and bodies a fingerprint depends
//! on. ONVIF SOAP (`POST /onvif/…`) is framed here and answered by
//! [`crate::onvif`]; the fault kinds that only HTTP has (endless headers, a
//! huge body) are played here too.

mod axis;
mod bosch;
mod dahua;
mod decoys;
mod generic;
mod hanwha;
mod hikvision;
mod uniview;
mod xiongmai;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

use crate::catalog::{Family, WebFlavor};
use crate::context::Context;
use crate::date::http_date;
use crate::estate::Device;
use crate::faults::{self, Fault};
use crate::message::{Read, Request, read_request, response};
use crate::onvif;

/// Serves HTTP requests on one connection (plain or inside TLS).
pub async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    ctx: &Context,
    dev: &Device,
    port: u16,
    mut stream: S,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    // Devices close after each answer (Connection: close), as several of
    // the emulated firmwares do; clients reconnect.
    let req = match read_request(&mut stream, &mut buf).await {
        Read::Request(r) => r,
        Read::Closed => return Ok(()),
        Read::Bad => {
            let bad = response(
                "HTTP/1.1",
                "400 Bad Request",
                &[
                    ("Content-Length", "0".into()),
                    ("Connection", "close".into()),
                ],
                b"",
            );
            let _ = stream.write_all(&bad).await;
            return Ok(());
        }
    };
    match dev.fault {
        Some(Fault::EndlessHeaders) => return endless_headers(&mut stream, dev).await,
        Some(Fault::HugeBody) => return huge_body(&mut stream, dev).await,
        _ => {}
    }
    let bytes = answer(ctx, dev, port, &req);
    let bytes = if req.method == "HEAD" {
        match bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            Some(i) => bytes[..i + 4].to_vec(),
            None => bytes,
        }
    } else {
        bytes
    };
    faults::deliver(&mut stream, dev.fault, &bytes).await?;
    let _ = stream.shutdown().await;
    Ok(())
}

async fn endless_headers<W: AsyncWrite + Unpin>(w: &mut W, dev: &Device) -> std::io::Result<()> {
    let server = server_header(dev).unwrap_or("webserver");
    w.write_all(format!("HTTP/1.1 200 OK\r\nServer: {server}\r\n").as_bytes())
        .await?;
    let mut i: u64 = 0;
    loop {
        let line = format!("X-Padding-{i}: {}\r\n", "a".repeat(64));
        w.write_all(line.as_bytes()).await?;
        i += 1;
        if i.is_multiple_of(64) {
            tokio::task::yield_now().await;
        }
    }
}

async fn huge_body<W: AsyncWrite + Unpin>(w: &mut W, dev: &Device) -> std::io::Result<()> {
    let server = server_header(dev).unwrap_or("webserver");
    let head = format!(
        "HTTP/1.1 200 OK\r\nServer: {server}\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        faults::HUGE_BODY_LEN
    );
    w.write_all(head.as_bytes()).await?;
    let chunk = b"<html><body>"
        .iter()
        .chain(&[b' '; 65_524])
        .copied()
        .collect::<Vec<u8>>();
    let mut sent: u64 = 0;
    while sent < faults::HUGE_BODY_LEN {
        let n = (faults::HUGE_BODY_LEN - sent).min(chunk.len() as u64) as usize;
        w.write_all(&chunk[..n]).await?;
        sent += n as u64;
    }
    Ok(())
}

/// The device's answer to one request, as bytes.
pub fn answer(ctx: &Context, dev: &Device, port: u16, req: &Request) -> Vec<u8> {
    if req.path.starts_with("/onvif/")
        && let Some(r) = onvif_answer(ctx, dev, req)
    {
        return r;
    }
    match dev.family() {
        Family::Hikvision => hikvision::answer(ctx, dev, req),
        Family::Dahua => dahua::answer(ctx, dev, req),
        Family::Uniview => uniview::answer(ctx, dev, req),
        Family::Xiongmai => xiongmai::answer(dev, req),
        Family::Axis => axis::answer(ctx, dev, req),
        Family::Hanwha => hanwha::answer(ctx, dev, req),
        Family::Bosch => bosch::answer(ctx, dev, req),
        Family::GenericOnvif => generic::answer(dev, req),
        Family::DecoyWeb => decoys::web_server(req),
        Family::DecoyPrinter => decoys::printer(dev, req, port),
        Family::DecoyRouter => decoys::router(req),
        Family::Empty => response("HTTP/1.1", "404 Not Found", &[], b""),
    }
}

/// ONVIF SOAP over HTTP, for the devices that speak it (None for the rest,
/// which answer `/onvif/` paths like any other).
fn onvif_answer(ctx: &Context, dev: &Device, req: &Request) -> Option<Vec<u8>> {
    if !matches!(
        dev.family(),
        Family::Hikvision
            | Family::Dahua
            | Family::Uniview
            | Family::Xiongmai
            | Family::Axis
            | Family::Hanwha
            | Family::Bosch
            | Family::GenericOnvif
    ) {
        return None;
    }
    if req.method != "POST" {
        return Some(response(
            "HTTP/1.1",
            "405 Method Not Allowed",
            &[
                ("Allow", "POST".into()),
                ("Content-Length", "0".into()),
                ("Connection", "close".into()),
            ],
            b"",
        ));
    }
    let (status, body) = onvif::handle(ctx, dev, req.body_str());
    let body = faults::xml(dev.fault, body);
    let mut headers = vec![];
    if let Some(s) = server_header(dev) {
        headers.push(("Server", s.to_owned()));
    }
    headers.push(("Date", http_date()));
    headers.push((
        "Content-Type",
        "application/soap+xml; charset=utf-8".to_owned(),
    ));
    headers.push(("Content-Length", body.len().to_string()));
    headers.push(("Connection", "close".into()));
    Some(response("HTTP/1.1", status, &headers, body.as_bytes()))
}

/// The HTTP `Server` header a device sends, if any.
fn server_header(dev: &Device) -> Option<&'static str> {
    match (dev.family(), dev.profile.flavor) {
        (Family::Hikvision, WebFlavor::HikLegacy) => Some("Hikvision-Webs"),
        (Family::Hikvision, WebFlavor::HikNvr) => Some("DNVRS-Webs"),
        (Family::Hikvision, _) => Some("App-webs/"),
        (Family::Xiongmai, _) => Some("uc-httpd 1.0.0"),
        (Family::Bosch, _) => Some("VCS-VideoJet-Webserver"),
        (Family::GenericOnvif, _) => Some("thttpd/2.25b 29dec2003"),
        (Family::DecoyWeb, _) => Some("nginx/1.22.1"),
        _ => None,
    }
}
