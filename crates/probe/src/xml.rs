//! Safe XML reading: size-capped input, DTDs refused (so no entity can be
//! expanded), a node limit, and helpers that read element texts by local
//! name whatever the namespace prefixes.

use roxmltree::{Document, Node, ParsingOptions};

use crate::ProbeError;

/// Largest XML document parsed.
pub const MAX_XML: usize = 64 * 1024;
/// Most nodes a document may have.
pub const MAX_NODES: u32 = 20_000;

/// Parses `text` with DTDs refused and the node count capped.
pub fn parse(text: &str) -> Result<Document<'_>, ProbeError> {
    if text.len() > MAX_XML {
        return Err(ProbeError::Xml(format!(
            "document of {} bytes is over the {MAX_XML}-byte cap",
            text.len()
        )));
    }
    let opts = ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
    };
    // Some firmwares put junk (a BOM, blank lines) before the declaration.
    let start = text.find('<').unwrap_or(0);
    Document::parse_with_options(&text[start..], opts).map_err(|e| ProbeError::Xml(e.to_string()))
}

/// The trimmed text of an element that has no element children.
pub fn leaf_text<'a>(n: Node<'a, '_>) -> Option<&'a str> {
    if !n.is_element() || n.children().any(|c| c.is_element()) {
        return None;
    }
    n.text().map(str::trim).filter(|t| !t.is_empty())
}

/// The first element with this local name anywhere in the document.
pub fn find<'a, 'i>(doc: &'a Document<'i>, local: &str) -> Option<Node<'a, 'i>> {
    doc.descendants()
        .find(|n| n.is_element() && n.tag_name().name() == local)
}

/// Every element with this local name.
pub fn find_all<'a, 'i: 'a>(
    doc: &'a Document<'i>,
    local: &'a str,
) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    doc.descendants()
        .filter(move |n| n.is_element() && n.tag_name().name() == local)
}

/// Escapes text for inclusion in XML we build.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn billion_laughs_is_refused() {
        let bomb = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<ProbeMatch><DeviceDescription>&lol3;</DeviceDescription></ProbeMatch>"#;
        assert!(parse(bomb).is_err());
        let xxe = r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>"#;
        assert!(parse(xxe).is_err());
    }

    #[test]
    fn size_and_node_caps() {
        let big = format!("<a>{}</a>", "x".repeat(MAX_XML));
        assert!(parse(&big).is_err());
        let many = format!("<a>{}</a>", "<b/>".repeat(MAX_NODES as usize + 10));
        assert!(many.len() < MAX_XML * 2);
        assert!(parse(&many[..]).is_err());
    }

    #[test]
    fn local_names_ignore_prefixes() {
        let d = parse("\u{feff}\n<s:E xmlns:s='urn:x'><s:B><t:Model xmlns:t='urn:y'> M1 </t:Model></s:B></s:E>").unwrap();
        let m = find(&d, "Model").unwrap();
        assert_eq!(leaf_text(m), Some("M1"));
        assert_eq!(leaf_text(find(&d, "B").unwrap()), None);
        assert_eq!(escape("<a&'\">"), "&lt;a&amp;&apos;&quot;&gt;");
    }
}
