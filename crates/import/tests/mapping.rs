//! The mapping from nmap XML to observations, on small hand-written files
//! and on a file nmap wrote against the simulator.

use std::io::Cursor;

use camaudit_import::nmap::{Limits, NmapImport, read_nmap_xml};
use camaudit_model::{Observation, Source};

fn read(xml: &str) -> NmapImport {
    read_nmap_xml(Cursor::new(xml.as_bytes()), &Limits::default())
        .unwrap_or_else(|e| panic!("reads: {e}"))
}

fn wrap(hosts: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE nmaprun>
<nmaprun scanner="nmap" args="nmap -sV 10.0.0.0/24" start="1796117168" version="7.93" xmloutputversion="1.05">
{hosts}
<runstats><finished time="1796117200" exit="success"/><hosts up="1" down="1" total="2"/></runstats>
</nmaprun>"#
    )
}

fn find<'a>(obs: &'a [Observation], field: &str) -> Vec<&'a Observation> {
    obs.iter().filter(|o| o.field.as_str() == field).collect()
}

fn value(obs: &[Observation], field: &str) -> Option<String> {
    find(obs, field).first().map(|o| o.value.clone())
}

const CAMERA: &str = r#"<host starttime="1796117170" endtime="1796117190"><status state="up" reason="arp-response"/>
<address addr="10.0.0.5" addrtype="ipv4"/>
<address addr="58:50:ED:00:00:01" addrtype="mac" vendor="Hangzhou Hikvision Digital Technology"/>
<hostnames><hostname name="cam5.example" type="PTR"/></hostnames>
<ports>
<port protocol="tcp" portid="80"><state state="open"/><service name="http" product="Hikvision IP camera httpd" devicetype="webcam" method="probed" conf="10"><cpe>cpe:/h:hikvision:ds-2cd2032-i</cpe></service>
<script id="http-server-header" output="App-webs/"><elem>App-webs/</elem></script>
<script id="http-headers" output="&#xa;  Date: Tue, 01 Dec 2026 09:28:52 GMT&#xa;  Server: App-webs/&#xa;  WWW-Authenticate: Digest realm=&quot;IP Camera(C2875)&quot;&#xa;  &#xa;  (Request type: HEAD)&#xa;"/>
<script id="http-title" output="Site doesn&apos;t have a title (text/html)."></script>
</port>
<port protocol="tcp" portid="443"><state state="open"/><service name="http" tunnel="ssl" method="probed" conf="10"/>
<script id="ssl-cert" output="Subject: commonName=www.hikvision.com"><table key="subject"><elem key="commonName">www.hikvision.com</elem><elem key="countryName">CN</elem><elem key="localityName">HangZhou</elem><elem key="organizationName">HIKVISION</elem><elem key="organizationalUnitName">DVRNVR</elem><elem key="stateOrProvinceName">ZheJiang</elem></table><table key="issuer"><elem key="commonName">Hik CA</elem></table><elem key="md5">00</elem></script>
<script id="http-title" output="Login"><elem key="title">Login</elem></script>
</port>
<port protocol="tcp" portid="554"><state state="open"/><service name="rtsp" method="probed" conf="10"/><script id="rtsp-methods" output="OPTIONS, DESCRIBE"/></port>
<port protocol="tcp" portid="8000"><state state="open"/><service name="ipcam" product="Hikvision IPCam control port" method="probed" conf="10"/><script id="banner" output="\x00\x00\x00\x10\x00\x00\x00\x1E\x00\x00\x00\x1E\x00\x00\x00\x0&#xa;0"/></port>
<port protocol="tcp" portid="8080"><state state="closed"/><service name="http-proxy" method="table" conf="3"/></port>
<port protocol="tcp" portid="9000"><state state="open"/><service name="cslistener" method="table" conf="3"/></port>
<port protocol="udp" portid="1900"><state state="open"/><service name="upnp" method="probed"/><script id="upnp-info" output="&#xa;  Server: Linux/2.6 UPnP/1.0 HIKVISION&#xa;  Location: http://10.0.0.5:49152/desc.xml&#xa;    Webserver: Linux/2.6 UPnP/1.0&#xa;    Name: Front door&#xa;    Manufacturer: HIKVISION&#xa;    Model Name: DS-2CD2032-I&#xa;    Model Version: V5.4.1"/></port>
</ports>
<os><osmatch name="Linux 3.2 - 4.9" accuracy="95"/></os>
</host>
<host><status state="down" reason="no-response"/><address addr="10.0.0.6" addrtype="ipv4"/></host>"#;

#[test]
fn a_camera_host_maps_onto_the_vocabulary() {
    let import = read(&wrap(CAMERA));
    let obs = &import.observations;
    assert_eq!(import.summary.hosts_read, 1);
    assert_eq!(import.summary.hosts_down, 1);
    assert_eq!(import.summary.nmap_version.as_deref(), Some("7.93"));
    assert_eq!(import.summary.args.as_deref(), Some("nmap -sV 10.0.0.0/24"));
    assert_eq!(
        import.summary.scan_started_at.as_deref(),
        Some("2026-12-01T09:26:08Z")
    );
    let finished = import.summary.finished.as_ref().expect("runstats");
    assert_eq!(finished.exit.as_deref(), Some("success"));
    assert_eq!(finished.hosts_total, Some(2));

    assert!(obs.iter().all(|o| o.addr.to_string() == "10.0.0.5"));
    // seen_at is the host's own start time.
    assert!(
        obs.iter()
            .all(|o| o.seen_at.as_deref() == Some("2026-12-01T09:26:10Z"))
    );
    let open: Vec<u16> = find(obs, "tcp.open")
        .iter()
        .filter_map(|o| o.port)
        .collect();
    assert_eq!(
        open,
        [80, 443, 554, 8000, 9000],
        "closed ports give nothing"
    );
    assert_eq!(
        value(obs, "nmap.service.product").as_deref(),
        Some("Hikvision IP camera httpd")
    );
    assert_eq!(
        value(obs, "nmap.service.devicetype").as_deref(),
        Some("webcam")
    );
    assert_eq!(
        value(obs, "nmap.cpe").as_deref(),
        Some("cpe:/h:hikvision:ds-2cd2032-i")
    );
    assert!(
        !obs.iter().any(|o| o.value == "cslistener"),
        "a service name guessed from the port number is no evidence"
    );
    // http-server-header and http-headers both give the Server: kept once.
    let servers = find(obs, "http.header.server");
    assert_eq!(servers.len(), 1);
    assert_eq!(
        (servers[0].port, servers[0].source),
        (Some(80), Source::Http)
    );
    assert_eq!(
        value(obs, "http.header.www-authenticate").as_deref(),
        Some(r#"Digest realm="IP Camera(C2875)""#)
    );
    assert!(find(obs, "http.header.(request type").is_empty());
    // "Site doesn't have a title" is prose, not a title.
    let titles = find(obs, "http.title");
    assert_eq!(titles.len(), 1);
    assert_eq!(
        (titles[0].port, titles[0].value.as_str()),
        (Some(443), "Login")
    );
    assert_eq!(
        value(obs, "tls.cert.subject").as_deref(),
        Some("CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,ST=ZheJiang,C=CN")
    );
    assert_eq!(value(obs, "tls.cert.issuer").as_deref(), Some("CN=Hik CA"));
    assert_eq!(
        value(obs, "rtsp.header.public").as_deref(),
        Some("OPTIONS, DESCRIBE")
    );
    // nmap wraps banners at its line width, splitting "\x00" as "\x0\n0".
    assert_eq!(
        value(obs, "hiksdk.banner").as_deref(),
        Some("000000100000001e0000001e00000000")
    );
    let mac = find(obs, "mac");
    assert_eq!(
        (mac[0].value.as_str(), mac[0].source),
        ("58:50:ED:00:00:01", Source::Arp)
    );
    assert_eq!(
        value(obs, "nmap.mac.vendor").as_deref(),
        Some("Hangzhou Hikvision Digital Technology")
    );
    assert_eq!(value(obs, "nmap.hostname").as_deref(), Some("cam5.example"));
    assert_eq!(
        value(obs, "nmap.os.match").as_deref(),
        Some("Linux 3.2 - 4.9")
    );
    assert_eq!(
        value(obs, "ssdp.server").as_deref(),
        Some("Linux/2.6 UPnP/1.0 HIKVISION")
    );
    assert_eq!(
        value(obs, "upnp.manufacturer").as_deref(),
        Some("HIKVISION")
    );
    assert_eq!(
        value(obs, "upnp.model_name").as_deref(),
        Some("DS-2CD2032-I")
    );
    assert_eq!(value(obs, "upnp.model_number").as_deref(), Some("V5.4.1"));
    assert_eq!(
        value(obs, "upnp.friendly_name").as_deref(),
        Some("Front door")
    );
    // UPnP over UDP 1900 must not make 1900 an open TCP port.
    assert!(
        find(obs, "upnp.manufacturer")
            .iter()
            .all(|o| o.port.is_none())
    );
}

#[test]
fn the_mapped_host_identifies_as_hikvision() {
    let import = read(&wrap(CAMERA));
    let devices = camaudit_identify::Engine::builtin()
        .expect("engine")
        .identify(&import.observations);
    assert_eq!(devices.len(), 1);
    let d = &devices[0];
    assert_eq!(
        d.manufacturer.as_ref().map(|m| m.as_str()),
        Some("hikvision")
    );
    assert!(d.covered);
    assert!(d.open_ports.contains(&8000) && !d.open_ports.contains(&1900));
    assert!(
        d.evidence
            .iter()
            .any(|e| e.rule.as_deref() == Some("nmap.service.hikvision-webs")),
        "nmap's own product string is part of the evidence"
    );
}

#[test]
fn broadcast_wsdd_discover_lists_devices_by_address() {
    let xml = wrap(
        r#"<prescript><script id="broadcast-wsdd-discover" output="&#xa;  Devices&#xa;    10.0.0.7&#xa;        Message id: 9ea97e41&#xa;        Address: http://10.0.0.7/onvif/device_service http://[fe80::1]/onvif/device_service&#xa;        Type: dn:NetworkVideoTransmitter tds:Device&#xa;    10.0.0.9&#xa;        Message id: 4d971368&#xa;        Address: http://10.0.0.9:5357/x/&#xa;        Type: Device pub:Computer"/></prescript>"#,
    );
    let import = read(&xml);
    let obs = &import.observations;
    let at7: Vec<&Observation> = obs
        .iter()
        .filter(|o| o.addr.to_string() == "10.0.0.7")
        .collect();
    assert_eq!(
        at7.iter()
            .filter(|o| o.field.as_str() == "onvif.xaddr")
            .count(),
        2
    );
    assert!(at7.iter().all(|o| o.source == Source::Wsd));
    assert!(at7.iter().any(|o| o.field.as_str() == "wsd.types" && o.value.contains("NetworkVideoTransmitter")));
    assert_eq!(
        value(obs, "wsd.types").as_deref(),
        Some("dn:NetworkVideoTransmitter tds:Device")
    );
    assert!(
        obs.iter()
            .any(|o| o.addr.to_string() == "10.0.0.9" && o.value == "Device pub:Computer")
    );
    assert_eq!(import.summary.hosts_read, 0);
}

#[test]
fn fingerprint_strings_of_an_unknown_service_give_headers_and_title() {
    let xml = wrap(
        r#"<host><status state="up"/><address addr="10.0.0.8" addrtype="ipv4"/><ports>
<port protocol="tcp" portid="80"><state state="open"/><service name="http" servicefp="SF-Port80..." method="probed" conf="10"/>
<script id="fingerprint-strings" output="&#xa;  GetRequest: &#xa;    HTTP/1.1 200 OK&#xa;    Server: Boa/0.94.14rc21&#xa;    Content-Type: text/html&#xa;    &lt;html&gt;&lt;head&gt;&lt;TITLE&gt; NETSurveillance WEB &lt;/TITLE&gt;&#xa;  RTSPRequest: &#xa;    HTTP/1.1 400 Bad Request&#xa;    X-Odd: 1"/></port></ports></host>"#,
    );
    let obs = read(&xml).observations;
    assert_eq!(
        value(&obs, "http.header.server").as_deref(),
        Some("Boa/0.94.14rc21")
    );
    assert_eq!(
        value(&obs, "http.title").as_deref(),
        Some("NETSurveillance WEB")
    );
    assert_eq!(
        find(&obs, "http.title").len(),
        1,
        "a title only from the GET reply"
    );
    assert_eq!(value(&obs, "http.header.x-odd").as_deref(), Some("1"));
}

#[test]
fn unmapped_scripts_are_kept_under_their_id_and_cut_to_the_limit() {
    let long = "x".repeat(10_000);
    let xml = wrap(&format!(
        r#"<host><status state="up"/><address addr="10.0.0.9" addrtype="ipv4"/><ports><port protocol="tcp" portid="22"><state state="open"/><script id="ssh-hostkey" output="{long}"/><script id="banner" output="SSH-2.0-dropbear"/></port></ports></host>"#
    ));
    let obs = read(&xml).observations;
    let kept = value(&obs, "nmap.script.ssh-hostkey").expect("kept");
    assert_eq!(kept.len(), Limits::default().max_value_bytes);
    assert_eq!(
        value(&obs, "tcp.banner").as_deref(),
        Some("SSH-2.0-dropbear")
    );
}

#[test]
fn hosts_that_cannot_be_used_are_skipped_and_counted() {
    let xml = wrap(
        r#"<host><status state="up"/><address addr="00:11:22:33:44:55" addrtype="mac"/></host>
<host><status state="up"/><address addr="10.0.0.300" addrtype="ipv4"/></host>
<host><status state="up"/><address addr="10.0.0.2" addrtype="ipv4"/><ports><port protocol="tcp" portid="70000"><state state="open"/></port></ports></host>
<host><status state="up"/><address addr="10.0.0.3" addrtype="ipv4"/><ports><port protocol="tcp" portid="80"><state state="open"/></port></ports></host>"#,
    );
    let import = read(&xml);
    assert_eq!(import.summary.hosts_read, 1);
    assert_eq!(import.summary.hosts_skipped, 3);
    let reasons: Vec<&str> = import
        .summary
        .skipped
        .iter()
        .map(|s| s.reason.as_str())
        .collect();
    assert!(reasons[0].contains("no IPv4 or IPv6"), "{reasons:?}");
    assert!(reasons[1].contains("not an IP address"), "{reasons:?}");
    assert!(reasons[2].contains("70000"), "{reasons:?}");
    assert!(import.summary.skipped[1].at.line > import.summary.skipped[0].at.line);
    assert!(
        import
            .observations
            .iter()
            .all(|o| o.addr.to_string() == "10.0.0.3")
    );
}

#[test]
fn only_the_first_skip_reasons_are_kept_but_all_are_counted() {
    let host = r#"<host><status state="up"/></host>"#;
    let import = read_nmap_xml(
        Cursor::new(wrap(&host.repeat(25)).into_bytes()),
        &Limits {
            max_skip_reasons: 3,
            ..Limits::default()
        },
    )
    .expect("reads");
    assert_eq!(import.summary.hosts_skipped, 25);
    assert_eq!(import.summary.skipped.len(), 3);
}

#[test]
fn a_host_over_its_byte_budget_is_skipped() {
    let big = "y".repeat(4000);
    let scripts: String = (0..40)
        .map(|i| format!(r#"<script id="s{i}" output="{big}"/>"#))
        .collect();
    let xml = wrap(&format!(
        r#"<host><status state="up"/><address addr="10.0.0.4" addrtype="ipv4"/><ports><port protocol="tcp" portid="80"><state state="open"/>{scripts}</port></ports></host>"#
    ));
    let import = read_nmap_xml(
        Cursor::new(xml.into_bytes()),
        &Limits {
            max_host_bytes: 64 * 1024,
            ..Limits::default()
        },
    )
    .expect("reads");
    assert_eq!(import.summary.hosts_skipped, 1);
    assert!(import.summary.skipped[0].reason.contains("bytes of text"));
    assert!(import.observations.is_empty());
}

/// A file nmap 7.93 wrote against the simulator (seed 11: Amcrest/Dahua,
/// Dahua, ANNKE/Hikvision, Xiongmai, Axis, an nginx decoy, an empty
/// address), so the parser is tested on real output without nmap.
#[test]
fn the_recorded_simulator_scan_reads_and_identifies() {
    let xml = include_str!("data/sim-seed11-7hosts.xml");
    let import = read(xml);
    assert_eq!(import.summary.hosts_read, 7);
    assert_eq!(import.summary.hosts_skipped, 0);
    assert_eq!(import.summary.nmap_version.as_deref(), Some("7.93"));
    let devices = camaudit_identify::Engine::builtin()
        .expect("engine")
        .identify(&import.observations);
    let maker = |addr: &str| {
        devices
            .iter()
            .find(|d| d.addr.map(|a| a.to_string()).as_deref() == Some(addr))
            .and_then(|d| d.manufacturer.as_ref().map(|m| m.as_str().to_owned()))
    };
    assert_eq!(maker("127.88.5.1").as_deref(), Some("dahua"));
    assert_eq!(maker("127.88.5.3").as_deref(), Some("dahua"));
    assert_eq!(maker("127.88.5.5").as_deref(), Some("hikvision"));
    assert_eq!(maker("127.88.5.6").as_deref(), Some("xiongmai"));
    for trusted in ["127.88.5.7", "127.88.5.8"] {
        let d = devices
            .iter()
            .find(|d| d.addr.map(|a| a.to_string()).as_deref() == Some(trusted));
        assert!(!d.is_some_and(|d| d.covered), "{trusted} called covered");
    }
}
