//! Bad input gets one clear error that says what and where, with bounded
//! memory, and never a partial result from `read_nmap_xml`.

use std::io::{BufReader, Cursor, Read};

use camaudit_import::nmap::{ImportError, Limits, read_nmap_xml, read_nmap_xml_with};

fn error_of(input: &[u8]) -> ImportError {
    error_with(input, &Limits::default())
}

fn error_with(input: &[u8], limits: &Limits) -> ImportError {
    match read_nmap_xml(Cursor::new(input), limits) {
        Ok(import) => panic!(
            "read {} observations from bad input",
            import.observations.len()
        ),
        Err(e) => e,
    }
}

const HOST: &str = r#"<host><status state="up"/><address addr="10.0.0.1" addrtype="ipv4"/><ports><port protocol="tcp" portid="80"><state state="open"/><service name="http" product="Hikvision IP camera httpd" method="probed"/></port></ports></host>
"#;

#[test]
fn text_that_is_not_xml() {
    let e = error_of(b"Starting Nmap 7.93 ( https://nmap.org )\nNmap scan report for 10.0.0.1\n");
    assert!(matches!(e, ImportError::NotNmap { .. }), "{e}");
    assert!(e.to_string().contains("not an nmap XML file"), "{e}");
}

#[test]
fn an_empty_file() {
    let e = error_of(b"");
    assert!(matches!(e, ImportError::NotNmap { .. }), "{e}");
}

#[test]
fn binary_garbage() {
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let e = error_of(&garbage);
    assert!(
        matches!(e, ImportError::Xml { .. } | ImportError::NotNmap { .. }),
        "{e}"
    );
}

#[test]
fn xml_that_is_not_nmap() {
    let e = error_of(b"<?xml version=\"1.0\"?>\n<rss><channel/></rss>");
    assert!(e.to_string().contains("<rss>"), "{e}");
}

#[test]
fn a_truncated_file_names_the_open_element_and_gives_nothing() {
    let mut xml = format!("<?xml version=\"1.0\"?>\n<nmaprun version=\"7.93\">\n{HOST}{HOST}");
    xml.push_str(
        "<host><status state=\"up\"/><address addr=\"10.0.0.3\" addrtype=\"ipv4\"/><ports>",
    );
    let e = error_of(xml.as_bytes());
    match &e {
        ImportError::Truncated { open, at } => {
            assert_eq!(open, "ports");
            assert_eq!(at.line, 5);
        }
        other => panic!("{other}"),
    }
    assert!(e.to_string().contains("truncated"), "{e}");
}

#[test]
fn a_file_cut_inside_a_tag() {
    let xml = format!("<nmaprun>\n{HOST}<host><address addr=\"10.0");
    let e = error_of(xml.as_bytes());
    assert!(matches!(e, ImportError::Xml { .. }), "{e}");
    assert!(e.to_string().contains("line 3"), "{e}");
}

#[test]
fn mismatched_tags_say_where() {
    let e = error_of(b"<nmaprun>\n<host>\n</port>\n</nmaprun>");
    match e {
        ImportError::Xml { at, .. } => assert_eq!(at.line, 3),
        other => panic!("{other}"),
    }
}

#[test]
fn a_billion_laughs_is_refused_before_any_expansion() {
    let bomb = r#"<?xml version="1.0"?>
<!DOCTYPE nmaprun [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol9 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<nmaprun><host><status state="up"/><address addr="10.0.0.1" addrtype="ipv4"/><hostnames><hostname name="&lol9;"/></hostnames></host></nmaprun>"#;
    let e = error_of(bomb.as_bytes());
    assert!(matches!(e, ImportError::EntityDeclaration { .. }), "{e}");
    assert!(e.to_string().contains("declares entities"), "{e}");
}

#[test]
fn an_external_entity_is_refused() {
    let xxe = r#"<?xml version="1.0"?>
<!DOCTYPE nmaprun [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<nmaprun><host><status state="up"/><address addr="10.0.0.1" addrtype="ipv4"/><ports><port protocol="tcp" portid="80"><state state="open"/><script id="http-title" output="&xxe;"/></port></ports></host></nmaprun>"#;
    let e = error_of(xxe.as_bytes());
    assert!(matches!(e, ImportError::EntityDeclaration { .. }), "{e}");
    assert!(!e.to_string().contains("root:"), "{e}");
}

#[test]
fn an_entity_used_without_a_declaration_is_an_error_not_text() {
    let xml = format!(
        "<nmaprun>\n{}</nmaprun>",
        HOST.replace("Hikvision", "&vendor;")
    );
    let e = error_of(xml.as_bytes());
    match e {
        ImportError::UndefinedEntity { name, at } => {
            assert_eq!(name, "vendor");
            assert_eq!(at.line, 2);
        }
        other => panic!("{other}"),
    }
    let xml =
        "<nmaprun><host><hostnames><hostname name=\"a\"/></hostnames><x>&ext;</x></host></nmaprun>";
    assert!(matches!(
        error_of(xml.as_bytes()),
        ImportError::UndefinedEntity { .. }
    ));
}

#[test]
fn nmaps_own_doctype_and_character_references_are_fine() {
    let xml = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE nmaprun>\n<nmaprun>{}</nmaprun>",
        HOST.replace("Hikvision IP", "Hikvision&#x20;IP&#32;&amp;")
    );
    let import = read_nmap_xml(Cursor::new(xml), &Limits::default()).expect("reads");
    assert!(
        import
            .observations
            .iter()
            .any(|o| o.value == "Hikvision IP & camera httpd")
    );
}

#[test]
fn one_giant_element_is_an_error_not_an_allocation() {
    // 64 MiB of attribute with a 1 MiB event limit: refused at the limit,
    // read from a generator so the test itself holds nothing that large.
    let head = b"<nmaprun><host><address addr=\"".to_vec();
    let endless = std::io::repeat(b'1').take(64 * 1024 * 1024);
    let input = BufReader::new(Cursor::new(head).chain(endless));
    let limits = Limits {
        max_event_bytes: 1024 * 1024,
        ..Limits::default()
    };
    let e = read_nmap_xml(input, &limits).expect_err("refused");
    match &e {
        ImportError::EventTooLarge { limit, at } => {
            assert_eq!(*limit, 1024 * 1024);
            assert!(at.byte <= 2 * 1024 * 1024, "{at}");
        }
        other => panic!("{other}"),
    }
}

#[test]
fn deep_nesting_is_refused() {
    let xml = format!("<nmaprun>{}", "<x>".repeat(10_000));
    let e = error_of(xml.as_bytes());
    assert!(matches!(e, ImportError::TooDeep { limit: 64, .. }), "{e}");
}

#[test]
fn the_collecting_reader_stops_at_its_observation_limit() {
    let xml = format!("<nmaprun>{}</nmaprun>", HOST.repeat(10));
    let limits = Limits {
        max_observations: 5,
        ..Limits::default()
    };
    let e = error_with(xml.as_bytes(), &limits);
    assert!(
        matches!(e, ImportError::TooManyObservations { limit: 5 }),
        "{e}"
    );
    assert!(e.to_string().contains("read_nmap_xml_with"), "{e}");
}

#[test]
fn the_streaming_reader_hands_over_hosts_and_stops_on_a_sink_error() {
    let xml = format!("<nmaprun>\n{}</nmaprun>", HOST.repeat(5));
    let mut batches = 0;
    let summary = read_nmap_xml_with(Cursor::new(xml.as_bytes()), &Limits::default(), |batch| {
        assert!(!batch.is_empty());
        batches += 1;
        Ok::<(), std::io::Error>(())
    })
    .expect("reads");
    assert_eq!((batches, summary.hosts_read), (5, 5));

    let mut seen = 0;
    let e = read_nmap_xml_with(Cursor::new(xml.as_bytes()), &Limits::default(), |_| {
        seen += 1;
        if seen == 2 {
            Err(std::io::Error::other("disk full"))
        } else {
            Ok(())
        }
    })
    .expect_err("the sink's error stops the read");
    assert_eq!(seen, 2);
    match &e {
        ImportError::Sink { at, .. } => assert_eq!(at.line, 3),
        other => panic!("{other}"),
    }
    assert!(e.to_string().contains("disk full"), "{e}");
}

#[test]
fn invalid_utf8_is_a_clear_error() {
    let mut xml = b"<nmaprun>\n<host><hostnames><hostname name=\"".to_vec();
    xml.extend_from_slice(&[0xff, 0xfe, 0x80]);
    xml.extend_from_slice(b"\"/></hostnames></host></nmaprun>");
    let e = error_of(&xml);
    assert!(matches!(e, ImportError::Xml { .. }), "{e}");
    assert!(
        e.to_string().contains("line 2") && e.to_string().contains("UTF-8"),
        "{e}"
    );
}
