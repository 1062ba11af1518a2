//! UPnP device descriptions (fetched by a control point in the capture):
//! the root device's manufacturer, model and names. XML is read with DTDs
//! refused and a node cap (`camaudit_probe::xml`), so an entity bomb is a
//! malformed document, not an expansion.

use std::net::IpAddr;

use camaudit_probe::xml;

use crate::sink::Sink;

/// Reads the description; `port` is the HTTP port that served it.
pub fn description(
    body: &str,
    device: IpAddr,
    port: Option<u16>,
    ts: i64,
    sink: &mut Sink,
) -> bool {
    let Ok(doc) = xml::parse(body) else {
        sink.summary.malformed("upnp xml");
        return false;
    };
    let Some(dev) = xml::find(&doc, "device") else {
        sink.summary.malformed("upnp xml");
        return false;
    };
    for child in dev.children().filter(|c| c.is_element()) {
        let field = match child.tag_name().name() {
            "manufacturer" => "upnp.manufacturer",
            "modelName" => "upnp.model_name",
            "modelNumber" => "upnp.model_number",
            "friendlyName" => "upnp.friendly_name",
            "modelDescription" => "upnp.model_description",
            _ => continue,
        };
        if let Some(t) = xml::leaf_text(child) {
            sink.evidence.push(device, port, field, t, ts);
        }
    }
    true
}
