//! Damaged captures and hostile payloads: each is read as far as it is
//! good, what was skipped is counted, nothing panics and nothing grows
//! without bound.

mod support;

use camaudit_passive::{CaptureError, Limits, Stop};
use support::*;

const REPLY: &[u8] = b"HTTP/1.1 401 Unauthorized\r\nServer: App-webs/\r\nWWW-Authenticate: Digest realm=\"IP Camera(C2831)\"\r\nContent-Length: 0\r\n\r\n";
const REQUEST: &[u8] =
    b"GET /ISAPI/System/deviceInfo HTTP/1.1\r\nHost: 10.0.0.5\r\nUser-Agent: test\r\n\r\n";

fn sadp(body: &[u8]) -> Vec<u8> {
    udp(
        CAM_MAC,
        [10, 0, 0, 5],
        37020,
        [239, 255, 255, 250],
        37020,
        body,
    )
}

const GOOD_SADP: &[u8] = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><ProbeMatch><DeviceDescription>DS-2CD2385G1-I</DeviceDescription><MAC>38-af-29-00-00-01</MAC></ProbeMatch>";

#[test]
fn a_capture_cut_mid_record_keeps_what_came_before() {
    let file = pcap(
        LE_MICRO,
        1,
        0,
        &[sadp(GOOD_SADP), sadp(GOOD_SADP), sadp(GOOD_SADP)],
    );
    let cut = file.len() - 30;
    let c = read(file[..cut].to_vec()).unwrap();
    assert_eq!(c.summary.packets, 2);
    assert!(
        matches!(c.summary.read.stop, Some(Stop::Truncated(_))),
        "{:?}",
        c.summary.read.stop
    );
    assert_eq!(
        values(&c, "10.0.0.5", "sadp.devicedescription"),
        ["DS-2CD2385G1-I"]
    );
    assert!(
        c.summary
            .skipped()
            .iter()
            .any(|s| s.contains("reading stopped"))
    );
}

#[test]
fn impossible_lengths_and_corrupt_block_headers_stop_the_reading() {
    // a pcap record claiming 4 GiB
    let mut file = pcap(LE_MICRO, 1, 0, &[sadp(GOOD_SADP), sadp(GOOD_SADP)]);
    let second = 24 + 16 + sadp(GOOD_SADP).len();
    file[second + 8..second + 12].copy_from_slice(&u32::MAX.to_le_bytes());
    let c = read(file).unwrap();
    assert_eq!(c.summary.packets, 1);
    assert!(c.summary.read.stop.is_some());
    // a pcapng block whose length is not a multiple of four, then one
    // that claims 2 GiB
    for bad_len in [13u32, 0x7fff_fff0] {
        let mut ng = pcapng(&[1], 0, &[(0, sadp(GOOD_SADP)), (0, sadp(GOOD_SADP))]);
        let first_epb = 28 + 20;
        let epb_len =
            u32::from_le_bytes(ng[first_epb + 4..first_epb + 8].try_into().unwrap()) as usize;
        let second_epb = first_epb + epb_len;
        ng[second_epb + 4..second_epb + 8].copy_from_slice(&bad_len.to_le_bytes());
        let c = read(ng).unwrap();
        assert_eq!(c.summary.packets, 1, "length {bad_len}");
        assert!(c.summary.read.stop.is_some(), "length {bad_len}");
        assert_eq!(values(&c, "10.0.0.5", "sadp.devicedescription").len(), 1);
    }
}

#[test]
fn not_a_capture_and_empty_input_are_errors_that_say_so() {
    let e = read(b"<html>not a capture</html>".to_vec()).unwrap_err();
    assert!(matches!(e, CaptureError::NotACapture(_)));
    assert!(e.to_string().contains("not a pcap or pcapng file"), "{e}");
    assert!(matches!(
        read(Vec::new()).unwrap_err(),
        CaptureError::Empty(_)
    ));
}

#[test]
fn frames_cut_by_the_snap_length_are_counted_and_still_read() {
    let f = sadp(GOOD_SADP);
    let mut file = pcap(LE_MICRO, 1, 0, std::slice::from_ref(&f));
    // claim a longer frame on the wire than was kept
    file[24 + 12..24 + 16].copy_from_slice(&((f.len() + 500) as u32).to_le_bytes());
    // and a second frame cut inside its UDP payload
    let mut cut = pcap(LE_MICRO, 1, 0, &[f[..f.len() - 20].to_vec()]);
    cut[24 + 12..24 + 16].copy_from_slice(&(f.len() as u32).to_le_bytes());
    file.extend_from_slice(&cut[24..]);
    let c = read(file).unwrap();
    assert_eq!(c.summary.snaplen_cut, 2);
    assert_eq!(c.summary.packets, 2);
    assert_eq!(
        c.summary.malformed_messages.get("sadp xml"),
        Some(&1),
        "{:?}",
        c.summary
    );
}

#[test]
fn broken_discovery_payloads_are_counted_not_trusted() {
    let broken_dhip = br#"{"mac":"38:af:29:00:00:09","method":"client.notifyDevInfo","params":{"deviceInfo":{"DeviceType":"IPC-HDW1431"#;
    let frames = vec![
        sadp(b"<ProbeMatch><DeviceDescription>DS-2CD</Device"),
        udp(
            CAM_MAC,
            [10, 0, 0, 9],
            37810,
            [10, 0, 0, 2],
            5050,
            broken_dhip,
        ),
        udp(CAM_MAC, [10, 0, 0, 7], 53, [10, 0, 0, 2], 40000, &[0xff; 7]),
    ];
    let c = read(pcap(LE_MICRO, 1, 0, &frames)).unwrap();
    let m = &c.summary.malformed_messages;
    assert_eq!(m.get("sadp xml"), Some(&1), "{m:?}");
    assert_eq!(m.get("dhip json"), Some(&1), "{m:?}");
    assert_eq!(m.get("dns"), Some(&1), "{m:?}");
    assert!(values(&c, "10.0.0.9", "dhip.devicetype").is_empty());
}

#[test]
fn an_xml_bomb_in_a_upnp_description_is_refused_unexpanded() {
    let mut bomb = String::from("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">");
    for i in 1..10 {
        bomb.push_str(&format!(
            "<!ENTITY lol{i} \"{}\">",
            format!("&lol{};", i - 1)
                .replace("&lol0;", "&lol;")
                .repeat(10)
        ));
    }
    bomb.push_str("]><root xmlns=\"urn:schemas-upnp-org:device-1-0\"><device><manufacturer>&lol9;</manufacturer></device></root>");
    let reply = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n{bomb}",
        bomb.len()
    );
    let frames = conversation(
        [10, 0, 0, 2],
        [10, 0, 0, 5],
        49152,
        b"GET /upnp.xml HTTP/1.1\r\nHost: 10.0.0.5\r\n\r\n",
        reply.as_bytes(),
        1400,
    );
    let c = read(pcap(LE_MICRO, 1, 0, &frames)).unwrap();
    assert_eq!(
        c.summary.malformed_messages.get("upnp xml"),
        Some(&1),
        "{:?}",
        c.summary
    );
    assert!(values(&c, "10.0.0.5", "upnp.manufacturer").is_empty());
    assert_eq!(values(&c, "10.0.0.5", "http.status"), ["200"]);
}

#[test]
fn garbage_inside_a_tcp_stream_is_skipped_up_to_the_next_message() {
    let mut reply = vec![0u8, 1, 2, 3, 0xff, b'\n'];
    reply.extend_from_slice(b"\x13\x37garbage line\r\n");
    reply.extend_from_slice(REPLY);
    let frames = conversation([10, 0, 0, 2], [10, 0, 0, 5], 80, REQUEST, &reply, 7);
    let c = read(pcap(LE_MICRO, 1, 0, &frames)).unwrap();
    assert_eq!(values(&c, "10.0.0.5", "http.header.server"), ["App-webs/"]);
    assert_eq!(
        c.summary.malformed_messages.get("http/rtsp stream"),
        Some(&1),
        "{:?}",
        c.summary
    );
}

#[test]
fn segments_out_of_order_and_retransmitted_are_put_back_in_order() {
    let mut frames = conversation([10, 0, 0, 2], [10, 0, 0, 5], 80, REQUEST, REPLY, 16);
    // the reply's segments: swap two, and send one twice
    let first_reply = 2 + REQUEST.len().div_ceil(16);
    frames.swap(first_reply, first_reply + 2);
    let again = frames[first_reply + 1].clone();
    frames.insert(first_reply + 3, again);
    let c = read(pcap(LE_MICRO, 1, 0, &frames)).unwrap();
    assert_eq!(values(&c, "10.0.0.5", "http.header.server"), ["App-webs/"]);
    assert_eq!(
        values(&c, "10.0.0.5", "http.path"),
        ["/ISAPI/System/deviceInfo"]
    );
    assert_eq!(c.summary.stream_gaps, 0);
    let server = c
        .observations
        .iter()
        .find(|o| o.field.as_str() == "http.header.server")
        .unwrap();
    assert_eq!(server.port, Some(80), "the server's port is an open port");
    assert_eq!(values(&c, "10.0.0.2", "http.user_agent"), ["test"]);
}

#[test]
fn the_tables_stay_within_their_limits() {
    let limits = Limits {
        max_streams: 8,
        stream_bytes: 64,
        max_conversations: 16,
        ..Limits::default()
    };
    let mut frames = Vec::new();
    for i in 0..200u32 {
        let port = 1024 + i as u16;
        frames.push(tcp(
            (CLIENT_MAC, [10, 0, 0, 2], port),
            ([10, 0, 1, (i % 250) as u8], 80),
            1,
            DATA,
            b"GET / HTTP/1.1\r\nHost: x\r\n",
        ));
    }
    // a long stream, past its byte cap
    frames.extend(conversation(
        [10, 0, 0, 3],
        [10, 0, 0, 5],
        8080,
        &[b'G'; 1],
        &vec![b'x'; 4096],
        512,
    ));
    let bytes = pcap(LE_MICRO, 1, 0, &frames);
    let c = camaudit_passive::read(Box::new(std::io::Cursor::new(bytes)), "t", &limits).unwrap();
    let s = &c.summary;
    assert!(s.streams_evicted > 0, "{s:?}");
    assert!(s.flows_untracked > 0, "{s:?}");
    assert!(
        s.streams_capped > 0 || s.malformed_messages.contains_key("http/rtsp stream"),
        "{s:?}"
    );
    assert!(c.endpoints.values().map(Vec::len).sum::<usize>() <= 2 * 16);
}

const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";

/// Frames of several conversations taken in turn, so that every stream is
/// open at once (as on a busy or hostile network).
fn interleaved(conversations: Vec<Vec<Vec<u8>>>) -> Vec<Vec<u8>> {
    let longest = conversations.iter().map(Vec::len).max().unwrap_or(0);
    let mut frames = Vec::new();
    for i in 0..longest {
        for c in &conversations {
            if let Some(f) = c.get(i) {
                frames.push(f.clone());
            }
        }
    }
    frames
}

#[test]
fn streams_together_stay_within_their_byte_budget() {
    // 40 replies whose headers never end, each under its own stream cap:
    // only the shared budget stops them holding 40 × 12 KiB at once.
    let limits = Limits {
        stream_buffer_bytes: 128 * 1024,
        ..Limits::default()
    };
    let mut reply = b"HTTP/1.1 200 OK\r\nServer: endless\r\n".to_vec();
    while reply.len() < 12 * 1024 {
        reply.extend_from_slice(b"X-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
    }
    let conversations = (0..40u8)
        .map(|i| conversation([10, 0, 0, 2], [10, 0, 1, i], 80, GET, &reply, 1000))
        .collect();
    let bytes = pcap(LE_MICRO, 1, 0, &interleaved(conversations));
    let c = camaudit_passive::read(Box::new(std::io::Cursor::new(bytes)), "t", &limits).unwrap();
    let s = &c.summary;
    assert!(s.streams_shed > 0, "{s:?}");
    assert!(
        s.skipped()
            .iter()
            .any(|w| w.contains("stream memory budget")),
        "{:?}",
        s.skipped()
    );

    // The default budget holds them all: nothing is shed.
    let bytes = pcap(
        LE_MICRO,
        1,
        0,
        &interleaved(
            (0..40u8)
                .map(|i| conversation([10, 0, 0, 2], [10, 0, 1, i], 80, GET, &reply, 1000))
                .collect(),
        ),
    );
    let c = camaudit_passive::read(
        Box::new(std::io::Cursor::new(bytes)),
        "t",
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(c.summary.streams_shed, 0, "{:?}", c.summary);
}

#[test]
fn observations_together_stay_within_their_byte_budget() {
    let limits = Limits {
        evidence_bytes: 4 * 1024,
        ..Limits::default()
    };
    let conversations = (0..40u8)
        .map(|i| {
            let reply = format!(
                "HTTP/1.1 200 OK\r\nServer: camera-{i}-{}\r\nContent-Length: 0\r\n\r\n",
                "s".repeat(200)
            );
            conversation(
                [10, 0, 0, 2],
                [10, 0, 1, i],
                80,
                GET,
                reply.as_bytes(),
                1000,
            )
        })
        .collect();
    let bytes = pcap(LE_MICRO, 1, 0, &interleaved(conversations));
    let c = camaudit_passive::read(Box::new(std::io::Cursor::new(bytes)), "t", &limits).unwrap();
    let kept: usize = c
        .observations
        .iter()
        .map(|o| o.value.len() + o.field.as_str().len())
        .sum();
    assert!(kept <= 4 * 1024, "kept {kept} bytes");
    assert!(c.summary.observations_dropped > 0, "{:?}", c.summary);
}
