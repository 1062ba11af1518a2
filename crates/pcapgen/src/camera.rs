//! What one device of the simulator's estate puts on the wire, written from
//! the device's plan (model, serial, MAC, firmware, profile) with the
//! layouts the simulator serves and `docs/sim.md` sources: its DHCP lease,
//! the discovery replies of its maker (SADP, DHIP, WS-Discovery), the VMS
//! polling its web API, an RTSP session and a short video burst, and the
//! cloud or P2P service it calls home to. The answer key lists each
//! call-home flow written here.

use std::net::Ipv4Addr;

use camaudit_model::DeviceType;
use camaudit_sim::{Device, Family, Udp, WebFlavor};
use serde::Serialize;

use crate::proto::{self, Dhcp, DhcpType};
use crate::rng::Rng;
use crate::session::{Body, Chain, Conversation, Datagram, Message, TcpSession, UdpExchange};
use crate::site::{self, GATEWAY, VMS};
use crate::wire::{BROADCAST_MAC, Endpoint, Link, MacBytes, multicast_mac};

/// One flow from a device to a maker's cloud or P2P service, as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallHome {
    pub device: Ipv4Addr,
    pub mac: String,
    pub remote: Ipv4Addr,
    pub port: u16,
    pub protocol: &'static str,
    /// The name the device looked up before connecting.
    pub host: &'static str,
    /// Whose service it is (registry vendor slug).
    pub vendor: &'static str,
}

/// A cloud service: its name, address, port and how a device talks to it.
struct Cloud {
    host: &'static str,
    vendor: &'static str,
    addr: Ipv4Addr,
    port: u16,
    how: Wire,
}

enum Wire {
    Tls,
    DahuaP2p,
    Tcp,
}

/// The service a device's firmware calls home to, from the hosts of
/// `data/registry/endpoints.toml` (Hik-Connect, EZVIZ, Easy4IP, XMEye).
/// Trusted makers and decoys only keep time (NTP), which is no call-home.
fn cloud(dev: &Device) -> Option<Cloud> {
    let c = |host, vendor, n, port, how| Cloud {
        host,
        vendor,
        addr: site::cloud_addr(n),
        port,
        how,
    };
    match (dev.family(), dev.profile.manufacturer) {
        (_, Some("ezviz")) => Some(c("apiieu.ezvizlife.com", "ezviz", 21, 443, Wire::Tls)),
        (Family::Hikvision, _) => Some(c("api.hik-connect.com", "hikvision", 11, 443, Wire::Tls)),
        (Family::Dahua, _) => Some(c("www.easy4ipcloud.com", "dahua", 31, 8800, Wire::DahuaP2p)),
        (Family::Xiongmai, _) => Some(c("pub-cfg.secu100.net", "xiongmai", 41, 8086, Wire::Tcp)),
        _ => None,
    }
}

fn mac_of(dev: &Device) -> Option<MacBytes> {
    dev.mac.map(|m| m.0)
}

fn mac_colons(m: MacBytes) -> String {
    m.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn mac_hex(m: MacBytes) -> String {
    m.iter().map(|b| format!("{b:02x}")).collect()
}

/// Everything one device sends and receives in the capture, in order, and
/// the call-home flows among it; None for an empty address (no MAC).
pub fn conversation(dev: &Device, link: Link) -> Option<(Chain, Vec<CallHome>)> {
    let mac = mac_of(dev)?;
    let me = Endpoint::new(mac, dev.addr, 0);
    let mut rng = Rng::new(dev.seed);
    let mut out: Vec<Box<dyn Conversation + Send>> = vec![Box::new(dhcp(dev, mac, link, &mut rng))];
    for u in dev.profile.udp {
        out.push(Box::new(discovery(dev, me, *u, link, &mut rng)));
    }
    if dev.serves_tcp(80) {
        out.push(Box::new(web(dev, me, link, &mut rng)));
    }
    if dev.serves_tcp(554) {
        out.push(Box::new(rtsp(dev, me, link, &mut rng)));
        out.push(Box::new(video(me, link, &mut rng)));
    }
    out.push(Box::new(dns(
        me,
        "pool.ntp.org",
        site::web_server(123),
        link,
        &mut rng,
    )));
    let mut calls = Vec::new();
    if let Some(c) = cloud(dev) {
        out.push(Box::new(dns(me, c.host, c.addr, link, &mut rng)));
        let remote = site::internet(c.addr, c.port);
        let from = me.port(40_000 + rng.below(20_000) as u16);
        let (conv, protocol): (Box<dyn Conversation + Send>, _) = match c.how {
            Wire::Tls => (
                Box::new(tls_call(c.host, from, remote, link, &mut rng)),
                "tcp",
            ),
            Wire::Tcp => (
                Box::new(xmeye_call(dev, from, remote, link, &mut rng)),
                "tcp",
            ),
            Wire::DahuaP2p => (Box::new(dahua_p2p(dev, from, remote, link)), "udp"),
        };
        out.push(conv);
        calls.push(CallHome {
            device: dev.addr,
            mac: mac_colons(mac),
            remote: c.addr,
            port: c.port,
            protocol,
            host: c.host,
            vendor: c.vendor,
        });
    }
    Some((Chain::new(out), calls))
}

/// DISCOVER/OFFER/REQUEST/ACK for the device's own address. Embedded Linux
/// cameras run busybox udhcpc, whose vendor class is `udhcp <version>`;
/// Axis names itself `axis-<MAC>` (its documented default host name).
fn dhcp(dev: &Device, mac: MacBytes, link: Link, rng: &mut Rng) -> UdpExchange {
    let xid = rng.next_u64() as u32;
    let mut client_opts: Vec<(u8, Vec<u8>)> = vec![(61, [&[1u8][..], &mac].concat())];
    let vendor_class: &[u8] = match dev.family() {
        Family::Axis => b"AXIS,Network Camera",
        Family::Bosch => b"udhcp 1.29.3",
        _ => b"udhcp 1.22.1",
    };
    client_opts.push((60, vendor_class.to_vec()));
    if dev.family() == Family::Axis {
        client_opts.push((12, format!("axis-{}", mac_hex(mac)).into_bytes()));
    }
    client_opts.push((55, vec![1, 3, 6, 12, 15, 28, 42]));
    let mut request_opts = client_opts.clone();
    request_opts.insert(0, (50, dev.addr.octets().to_vec()));
    request_opts.insert(1, (54, GATEWAY.ip.octets().to_vec()));
    let server_opts = vec![
        (54, GATEWAY.ip.octets().to_vec()),
        (51, 86_400u32.to_be_bytes().to_vec()),
        (1, vec![255, 255, 0, 0]),
        (3, GATEWAY.ip.octets().to_vec()),
        (6, GATEWAY.ip.octets().to_vec()),
    ];
    let msg = |kind, yiaddr, options| {
        Body::Bytes(
            Dhcp {
                kind,
                xid,
                chaddr: mac,
                yiaddr,
                siaddr: if matches!(kind, DhcpType::Offer | DhcpType::Ack) {
                    GATEWAY.ip
                } else {
                    Ipv4Addr::UNSPECIFIED
                },
                options,
            }
            .to_bytes(),
        )
    };
    let client = Endpoint::new(mac, Ipv4Addr::UNSPECIFIED, 68);
    let server = GATEWAY.at(67);
    let everyone = Endpoint::new(BROADCAST_MAC, Ipv4Addr::BROADCAST, 67);
    let to_client = Endpoint::new(mac, dev.addr, 68);
    UdpExchange::new(
        link,
        vec![
            Datagram {
                from: client,
                to: everyone,
                body: msg(DhcpType::Discover, Ipv4Addr::UNSPECIFIED, client_opts),
            },
            Datagram {
                from: server,
                to: to_client,
                body: msg(DhcpType::Offer, dev.addr, server_opts.clone()),
            },
            Datagram {
                from: client,
                to: everyone,
                body: msg(DhcpType::Request, Ipv4Addr::UNSPECIFIED, request_opts),
            },
            Datagram {
                from: server,
                to: to_client,
                body: msg(DhcpType::Ack, dev.addr, server_opts),
            },
        ],
    )
}

/// A lookup through the gateway's resolver, and its answer.
fn dns(me: Endpoint, name: &str, addr: Ipv4Addr, link: Link, rng: &mut Rng) -> UdpExchange {
    let id = rng.next_u64() as u16;
    let from = me.port(30_000 + rng.below(30_000) as u16);
    let resolver = GATEWAY.at(53);
    UdpExchange::new(
        link,
        vec![
            Datagram {
                from,
                to: resolver,
                body: Body::Bytes(proto::dns_query(id, name)),
            },
            Datagram {
                from: resolver,
                to: from,
                body: Body::Bytes(proto::dns_answer(id, name, &[addr], 300)),
            },
        ],
    )
}

fn uuid(rng: &mut Rng) -> String {
    let a = rng.next_u64();
    let b = rng.next_u64();
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0x0fff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

/// The VMS's discovery probe and the device's reply, on the maker's port.
fn discovery(dev: &Device, me: Endpoint, udp: Udp, link: Link, rng: &mut Rng) -> UdpExchange {
    let port = udp.port();
    let group = udp.group();
    let to_group = Endpoint::new(multicast_mac(group), group, port);
    let msg_id = uuid(rng);
    let (probe, reply, reply_to) = match udp {
        Udp::Sadp => (
            format!("<?xml version=\"1.0\" encoding=\"utf-8\"?><Probe><Uuid>{}</Uuid><Types>inquiry</Types></Probe>", msg_id.to_uppercase()).into_bytes(),
            sadp_reply(dev, &msg_id.to_uppercase()),
            to_group,
        ),
        Udp::Dhip => (
            dhip_frame(r#"{"method":"DHDiscover.search","params":{"mac":"","uni":1}}"#),
            dhip_frame(&dhip_reply(dev)),
            to_group,
        ),
        Udp::WsDiscovery => (
            wsd_probe(&msg_id).into_bytes(),
            wsd_reply(dev, &msg_id).into_bytes(),
            VMS.at(51_000),
        ),
    };
    let vms = if udp == Udp::WsDiscovery {
        VMS.at(51_000)
    } else {
        VMS.at(port)
    };
    UdpExchange::new(
        link,
        vec![
            Datagram {
                from: vms,
                to: to_group,
                body: Body::Bytes(probe),
            },
            Datagram {
                from: me.port(port),
                to: reply_to,
                body: Body::Bytes(reply),
            },
        ],
    )
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn sadp_reply(dev: &Device, uuid: &str) -> Vec<u8> {
    let own = dev.profile.label == Some("hikvision");
    let nvr = dev.profile.device_type == Some(DeviceType::Nvr);
    let mac = dev
        .mac
        .map(|m| mac_colons(m.0).replace(':', "-"))
        .unwrap_or_default();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ProbeMatch>\n\t<Uuid>{uuid}</Uuid>\n\t<Types>inquiry</Types>\n\t<DeviceType>{dtype}</DeviceType>\n\t<DeviceDescription>{model}</DeviceDescription>\n\t<DeviceSN>{sn}</DeviceSN>\n\t<CommandPort>8000</CommandPort>\n\t<HttpPort>80</HttpPort>\n\t<MAC>{mac}</MAC>\n\t<IPv4Address>{ip}</IPv4Address>\n\t<IPv4SubnetMask>255.255.0.0</IPv4SubnetMask>\n\t<IPv4Gateway>{gw}</IPv4Gateway>\n\t<DHCP>true</DHCP>\n\t<AnalogChannelNum>0</AnalogChannelNum>\n\t<DigitalChannelNum>{digital}</DigitalChannelNum>\n\t<SoftwareVersion>{version}{build}</SoftwareVersion>\n\t<DSPVersion>V7.3 {build}</DSPVersion>\n\t<Activated>true</Activated>\n\t<DetailOEMCode>{oem}</DetailOEMCode>\n\t<OEMInfo>{oeminfo}</OEMInfo>\n</ProbeMatch>\n",
        dtype = if nvr { "270003" } else { "141945" },
        model = esc(dev.model),
        sn = esc(&dev.serial),
        ip = dev.addr,
        gw = GATEWAY.ip,
        digital = if nvr { 8 } else { 1 },
        version = dev.firmware.version,
        build = dev.firmware.build,
        oem = u8::from(own),
        oeminfo = if own { "N/A".to_owned() } else { esc(dev.profile.brand_name) },
    )
    .into_bytes()
}

/// A DHIP frame: the 32-byte header of `protocols/dahua_discovery.md`
/// (size 0x20, "DHIP", session, id, body length twice) and a JSON body.
fn dhip_frame(json: &str) -> Vec<u8> {
    let len = (json.len() as u32).to_le_bytes();
    let mut f = Vec::with_capacity(32 + json.len());
    f.extend_from_slice(&0x20u32.to_le_bytes());
    f.extend_from_slice(b"DHIP");
    f.extend_from_slice(&[0; 8]);
    f.extend_from_slice(&len);
    f.extend_from_slice(&[0; 4]);
    f.extend_from_slice(&len);
    f.extend_from_slice(&[0; 4]);
    f.extend_from_slice(json.as_bytes());
    f
}

fn dhip_reply(dev: &Device) -> String {
    let class = if dev.profile.device_type == Some(DeviceType::Nvr) {
        "NVR"
    } else {
        "IPC"
    };
    let vendor = if dev.profile.label == Some("dahua") {
        "Private"
    } else {
        dev.profile.brand_name
    };
    serde_json::json!({
        "mac": dev.mac.map(|m| mac_colons(m.0)).unwrap_or_default(),
        "method": "client.notifyDevInfo",
        "params": {"deviceInfo": {
            "DeviceClass": class,
            "DeviceType": dev.model,
            "HttpPort": 80,
            "IPv4Address": {"DefaultGateway": GATEWAY.ip.to_string(), "DhcpEnable": true,
                            "IPAddress": dev.addr.to_string(), "SubnetMask": "255.255.0.0"},
            "MachineName": dev.serial,
            "Manufacturer": vendor,
            "Port": 37777,
            "SerialNo": dev.serial,
            "Vendor": vendor,
            "Version": dev.firmware.version,
        }},
    })
    .to_string()
}

fn wsd_probe(msg_id: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\"><s:Header><a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action><a:MessageID>uuid:{msg_id}</a:MessageID><a:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To></s:Header><s:Body><Probe xmlns=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\"><d:Types xmlns:d=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\" xmlns:dp0=\"http://www.onvif.org/ver10/network/wsdl\">dp0:NetworkVideoTransmitter</d:Types></Probe></s:Body></s:Envelope>"
    )
}

/// The brand a device puts in its ONVIF scopes (as the simulator does).
fn onvif_brand(dev: &Device) -> &'static str {
    match (dev.family(), dev.profile.label) {
        (Family::Hikvision, Some("hikvision")) => "HIKVISION",
        (Family::Dahua, Some("dahua")) => "Dahua",
        (Family::Uniview, _) => "Uniview",
        (Family::Xiongmai, _) => "General",
        (Family::Axis, _) => "AXIS",
        (Family::Hanwha, _) => "Hanwha Techwin",
        (Family::Bosch, _) => "Bosch",
        (Family::GenericOnvif, _) => "IPCAM",
        _ => dev.profile.brand_name,
    }
}

fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn wsd_reply(dev: &Device, relates: &str) -> String {
    let mac = dev.mac.map(|m| mac_colons(m.0)).unwrap_or_default();
    let brand = onvif_brand(dev);
    let name = match dev.family() {
        Family::Hikvision => format!("{brand} {}", dev.model),
        Family::Axis => format!("AXIS {}", dev.model),
        _ => brand.to_owned(),
    };
    let uuid = dev.uuid();
    let epr = format!("{}{}", &uuid[..24], mac.replace(':', ""));
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<env:Envelope xmlns:env=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:wsadis=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" xmlns:d=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\" xmlns:dn=\"http://www.onvif.org/ver10/network/wsdl\" xmlns:tds=\"http://www.onvif.org/ver10/device/wsdl\"><env:Header><wsadis:MessageID>urn:uuid:{uuid}</wsadis:MessageID><wsadis:RelatesTo>uuid:{relates}</wsadis:RelatesTo><wsadis:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsadis:To><wsadis:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsadis:Action></env:Header><env:Body><d:ProbeMatches><d:ProbeMatch><wsadis:EndpointReference><wsadis:Address>urn:uuid:{epr}</wsadis:Address></wsadis:EndpointReference><d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types><d:Scopes>onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/Profile/Streaming onvif://www.onvif.org/MAC/{mac} onvif://www.onvif.org/hardware/{hw} onvif://www.onvif.org/name/{name}</d:Scopes><d:XAddrs>http://{ip}/onvif/device_service</d:XAddrs><d:MetadataVersion>10</d:MetadataVersion></d:ProbeMatch></d:ProbeMatches></env:Body></env:Envelope>\n",
        hw = pct(dev.model),
        name = pct(&name),
        ip = dev.addr,
    )
}

/// The VMS asking the device's web API who it is, and the answer, in each
/// maker's dialect (the simulator's `http` handlers).
fn web(dev: &Device, me: Endpoint, link: Link, rng: &mut Rng) -> TcpSession {
    let host = dev.addr.to_string();
    let auth = format!(
        "Digest username=\"admin\", realm=\"{}\", nonce=\"{:016x}\", uri=\"/\", response=\"{:016x}{:016x}\"",
        "camera",
        rng.next_u64(),
        rng.next_u64(),
        rng.next_u64()
    );
    let (method, path, server, ctype, body): (&str, String, Option<&str>, &str, String) = match dev.family() {
        Family::Hikvision => (
            "GET",
            "/ISAPI/System/deviceInfo".into(),
            Some(match dev.profile.flavor {
                WebFlavor::HikLegacy => "Hikvision-Webs",
                WebFlavor::HikNvr => "DNVRS-Webs",
                _ => "App-webs/",
            }),
            "application/xml",
            hik_device_info(dev),
        ),
        Family::Dahua => (
            "GET",
            "/cgi-bin/magicBox.cgi?action=getSystemInfo".into(),
            None,
            "text/plain;charset=utf-8",
            format!(
                "appAutoStart=true\r\ndeviceType={}\r\nhardwareVersion=1.00\r\nprocessor=SSC327DE\r\nserialNumber={}\r\nupdateSerial={}\r\n",
                dev.model, dev.serial, dev.model
            ),
        ),
        Family::Uniview => (
            "GET",
            "/LAPI/V1.0/System/DeviceBasicInfo".into(),
            None,
            "application/json",
            serde_json::json!({"Response": {"ResponseURL": "/LAPI/V1.0/System/DeviceBasicInfo", "CreatedID": -1, "ResponseCode": 0,
                "SubResponseCode": 0, "ResponseString": "Succeed", "StatusCode": 0, "StatusString": "Succeed",
                "Data": {"Manufacturer": "UNIVIEW", "DeviceModel": dev.model, "SerialNumber": dev.serial,
                         "MAC": dev.mac.map(|m| mac_hex(m.0)).unwrap_or_default(), "FirmwareVersion": dev.firmware.version}}})
            .to_string(),
        ),
        Family::Xiongmai => (
            "GET",
            "/".into(),
            Some("uc-httpd 1.0.0"),
            "text/html",
            "<html><head><title>NETSurveillance WEB</title></head><body><object id=\"ocx\" classid=\"CLSID:6EE3C58A-0F75-4B60-AA43-F1F7A34E1D62\"></object></body></html>".into(),
        ),
        Family::Axis => (
            "POST",
            "/axis-cgi/basicdeviceinfo.cgi".into(),
            None,
            "application/json",
            serde_json::json!({"apiVersion": "1.1", "method": "getAllUnrestrictedProperties", "data": {"propertyList": {
                "Brand": "AXIS", "ProdFullName": format!("AXIS {} Network Camera", dev.model), "ProdNbr": dev.model,
                "ProdType": "Network Camera", "SerialNumber": dev.serial, "Version": dev.firmware.version,
                "WebURL": "http://www.axis.com"}}})
            .to_string(),
        ),
        Family::Hanwha => (
            "GET",
            "/stw-cgi/system.cgi?msubmenu=deviceinfo&action=view".into(),
            None,
            "text/plain",
            format!(
                "Model={}\r\nSerialNumber={}\r\nFirmwareVersion={}\r\nWebURL=http://www.hanwhavision.com\r\nDeviceType=NWC\r\n",
                dev.model, dev.serial, dev.firmware.version
            ),
        ),
        Family::Bosch => (
            "GET",
            "/".into(),
            Some("VCS-VideoJet-Webserver"),
            "text/html",
            format!("<html><head><title>{}</title></head><body>Bosch Security Systems</body></html>", esc(dev.model)),
        ),
        Family::GenericOnvif => (
            "GET",
            "/".into(),
            Some("thttpd/2.25b 29dec2003"),
            "text/html",
            "<html><head><title>IPCAM</title></head><body>Web Client</body></html>".into(),
        ),
        Family::DecoyWeb => (
            "GET",
            "/".into(),
            Some("nginx/1.22.1"),
            "text/html",
            "<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head><body><h1>Welcome to nginx!</h1></body></html>".into(),
        ),
        Family::DecoyPrinter => (
            "GET",
            "/".into(),
            Some("HP HTTP Server; HP LaserJet - Embedded Web Server"),
            "text/html",
            format!("<html><head><title>{} &nbsp;&nbsp;&nbsp;10.77</title></head><body>HP Embedded Web Server</body></html>", esc(dev.model)),
        ),
        Family::DecoyRouter => (
            "GET",
            "/".into(),
            None,
            "text/html",
            "<html><head><title>RouterOS router configuration page</title></head><body>mikrotik</body></html>".into(),
        ),
        Family::Empty => ("GET", "/".into(), None, "text/html", String::new()),
    };
    let mut req_headers = vec![
        ("Host", host.as_str()),
        ("User-Agent", "VMS/4.2"),
        ("Accept", "*/*"),
    ];
    if method == "GET" && path != "/" {
        req_headers.push(("Authorization", auth.as_str()));
    }
    let req_body = if method == "POST" {
        br#"{"apiVersion":"1.0","method":"getAllUnrestrictedProperties"}"#.to_vec()
    } else {
        Vec::new()
    };
    let request = proto::message(
        &format!("{method} {path} HTTP/1.1"),
        &req_headers,
        &req_body,
    );
    let mut resp_headers = Vec::new();
    if let Some(s) = server {
        resp_headers.push(("Server", s));
    }
    resp_headers.push(("Content-Type", ctype));
    resp_headers.push(("Connection", "close"));
    let response = proto::message("HTTP/1.1 200 OK", &resp_headers, body.as_bytes());
    let client = VMS.at(49_152 + rng.below(16_000) as u16);
    TcpSession::new(
        link,
        client,
        me.port(80),
        vec![Message::client(request), Message::server(response)],
        rng.next_u64(),
    )
}

fn hik_device_info(dev: &Device) -> String {
    let mac = dev.mac.map(|m| mac_colons(m.0)).unwrap_or_default();
    let dtype = if dev.profile.device_type == Some(DeviceType::Nvr) {
        "NVR"
    } else {
        "IPCamera"
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DeviceInfo version=\"2.0\" xmlns=\"http://www.hikvision.com/ver20/XMLSchema\">\n<deviceName>{name}</deviceName>\n<deviceID>{id}</deviceID>\n<model>{model}</model>\n<serialNumber>{sn}</serialNumber>\n<macAddress>{mac}</macAddress>\n<firmwareVersion>{fw}</firmwareVersion>\n<firmwareReleasedDate>{build}</firmwareReleasedDate>\n<deviceType>{dtype}</deviceType>\n</DeviceInfo>\n",
        name = if dtype == "NVR" {
            "Network Video Recorder"
        } else {
            "IP CAMERA"
        },
        id = dev.uuid(),
        model = esc(dev.model),
        sn = esc(&dev.serial),
        fw = dev.firmware.version,
        build = dev.firmware.build,
    )
}

/// OPTIONS, DESCRIBE challenged then answered with SDP, SETUP and PLAY.
fn rtsp(dev: &Device, me: Endpoint, link: Link, rng: &mut Rng) -> TcpSession {
    let path = match dev.family() {
        Family::Hikvision => "/Streaming/Channels/101",
        Family::Dahua => "/cam/realmonitor?channel=1&subtype=0",
        Family::Uniview => "/unicast/c1/s0/live",
        Family::Axis => "/axis-media/media.amp",
        Family::Hanwha => "/profile2/media.smp",
        Family::Xiongmai => "/user=admin&password=&channel=1&stream=0.sdp",
        _ => "/live/ch00_0",
    };
    let url = format!("rtsp://{}:554{path}", dev.addr);
    let server = match dev.family() {
        Family::Dahua => Some("Rtsp Server/3.0"),
        Family::Xiongmai => Some("H264DVR 1.0"),
        Family::Axis => Some("GStreamer RTSP server"),
        Family::GenericOnvif => Some("Rtsp Server/2.0"),
        _ => None,
    };
    let realm = match dev.family() {
        Family::Hikvision => match dev.profile.flavor {
            WebFlavor::HikLegacy | WebFlavor::HikNvr => "Hikvision".to_owned(),
            _ => format!(
                "IP Camera({})",
                &dev.serial[dev.serial.len().saturating_sub(5)..]
            ),
        },
        Family::Dahua => format!("Login to {}", dev.serial),
        // The realm is the device's MAC, as in the corpus Uniview capture.
        Family::Uniview => dev.mac.map(|m| mac_hex(m.0)).unwrap_or_default(),
        Family::Axis => format!("AXIS_{}", dev.serial),
        Family::Hanwha => "iPOLiS".to_owned(),
        Family::Bosch => "Bosch".to_owned(),
        _ => "RTSP Server".to_owned(),
    };
    let session = match dev.family() {
        Family::Dahua => "Media Server",
        Family::Uniview => "ONVIF RTSP Server",
        Family::Axis => "Session streamed with GStreamer",
        _ => "Media Presentation",
    };
    let dh = if dev.family() == Family::Dahua {
        "a=packetization-supported:DH\r\na=rtppayload-supported:DH\r\n"
    } else {
        ""
    };
    let sdp = format!(
        "v=0\r\no=- {id} 1 IN IP4 {ip}\r\ns={session}\r\nt=0 0\r\n{dh}a=control:*\r\nm=video 0 RTP/AVP 96\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:96 H264/90000\r\na=control:trackID=1\r\n",
        id = rng.below(1_000_000_000),
        ip = dev.addr,
    );
    let nonce = format!("{:016x}", rng.next_u64());
    let challenge = format!("Digest realm=\"{realm}\", nonce=\"{nonce}\"");
    let authz = format!(
        "Digest username=\"admin\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{url}\", response=\"{:016x}{:016x}\"",
        rng.next_u64(),
        rng.next_u64()
    );
    let ua = (
        "User-Agent",
        "LibVLC/3.0.18 (LIVE555 Streaming Media v2016.11.28)",
    );
    let with_server = |mut h: Vec<(&'static str, String)>| {
        if let Some(s) = server {
            h.insert(1, ("Server", s.to_owned()));
        }
        h
    };
    let reply = |status: &str, h: Vec<(&'static str, String)>, body: &str| {
        let h = with_server(h);
        let refs: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
        proto::message(&format!("RTSP/1.0 {status}"), &refs, body.as_bytes())
    };
    let req = |line: String, h: Vec<(&str, &str)>| proto::message(&line, &h, b"");
    let sess = format!("{:08X};timeout=60", rng.next_u64() as u32);
    let messages = vec![
        Message::client(req(
            format!("OPTIONS {url} RTSP/1.0"),
            vec![("CSeq", "2"), ua],
        )),
        Message::server(reply(
            "200 OK",
            vec![
                ("CSeq", "2".into()),
                ("Public", "OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN".into()),
            ],
            "",
        )),
        Message::client(req(
            format!("DESCRIBE {url} RTSP/1.0"),
            vec![("CSeq", "3"), ua, ("Accept", "application/sdp")],
        )),
        Message::server(reply(
            "401 Unauthorized",
            vec![("CSeq", "3".into()), ("WWW-Authenticate", challenge)],
            "",
        )),
        Message::client(req(
            format!("DESCRIBE {url} RTSP/1.0"),
            vec![
                ("CSeq", "4"),
                ("Authorization", &authz),
                ua,
                ("Accept", "application/sdp"),
            ],
        )),
        Message::server(reply(
            "200 OK",
            vec![
                ("CSeq", "4".into()),
                ("Content-Base", format!("{url}/")),
                ("Content-Type", "application/sdp".into()),
            ],
            &sdp,
        )),
        Message::client(req(
            format!("SETUP {url}/trackID=1 RTSP/1.0"),
            vec![
                ("CSeq", "5"),
                ("Authorization", &authz),
                ua,
                ("Transport", "RTP/AVP;unicast;client_port=50000-50001"),
            ],
        )),
        Message::server(reply(
            "200 OK",
            vec![
                ("CSeq", "5".into()),
                ("Session", sess.clone()),
                (
                    "Transport",
                    "RTP/AVP;unicast;client_port=50000-50001;server_port=5000-5001".into(),
                ),
            ],
            "",
        )),
        Message::client(req(
            format!("PLAY {url} RTSP/1.0"),
            vec![
                ("CSeq", "6"),
                ("Authorization", &authz),
                ua,
                ("Session", &sess),
            ],
        )),
        Message::server(reply(
            "200 OK",
            vec![("CSeq", "6".into()), ("Session", sess.clone())],
            "",
        )),
    ];
    let client = VMS.at(49_152 + rng.below(16_000) as u16);
    TcpSession::new(link, client, me.port(554), messages, rng.next_u64())
}

/// The first second of the RTP stream the PLAY started (filler payload).
fn video(me: Endpoint, link: Link, rng: &mut Rng) -> UdpExchange {
    UdpExchange::new(
        link,
        vec![Datagram {
            from: me.port(5000),
            to: VMS.at(50_000),
            body: Body::Rtp {
                len: 64 * 1024,
                seed: rng.next_u64(),
            },
        }],
    )
}

/// A TLS session to a cloud API: ClientHello naming it, ServerHello, then
/// encrypted records both ways.
fn tls_call(host: &str, from: Endpoint, to: Endpoint, link: Link, rng: &mut Rng) -> TcpSession {
    let hello = proto::tls_client_hello(host, rng);
    let server_hello = proto::tls_server_hello(rng);
    let messages = vec![
        Message::client(hello),
        Message::server(server_hello),
        Message {
            from_client: true,
            body: Body::Tls {
                len: 900,
                seed: rng.next_u64(),
            },
        },
        Message {
            from_client: false,
            body: Body::Tls {
                len: 2_600,
                seed: rng.next_u64(),
            },
        },
    ];
    TcpSession::new(link, from, to, messages, rng.next_u64())
}

/// The XMEye registration connection to port 8086: a DVRIP-framed JSON
/// message (0xff header, session, sequence, message id, length).
fn xmeye_call(dev: &Device, from: Endpoint, to: Endpoint, link: Link, rng: &mut Rng) -> TcpSession {
    let json = serde_json::json!({"Name": "NetWork.CloudCfg", "SerialNo": dev.serial}).to_string();
    let mut m = vec![0xff, 0x01, 0, 0];
    m.extend_from_slice(&[0; 4]);
    m.extend_from_slice(&[0; 4]);
    m.extend_from_slice(&[0, 0, 0xe8, 0x03]);
    m.extend_from_slice(&(json.len() as u32).to_le_bytes());
    m.extend_from_slice(json.as_bytes());
    let messages = vec![
        Message::client(m),
        Message {
            from_client: false,
            body: Body::Filler {
                len: 200,
                seed: rng.next_u64(),
            },
        },
    ];
    TcpSession::new(link, from, to, messages, rng.next_u64())
}

/// Dahua P2P over UDP: DHGET/DHPOST text requests with a CSeq and WSSE
/// authentication, the wire format the Easy4IP cloud speaks
/// (`data/registry/endpoints.toml`); the paths are the documented
/// client's, a stand-in for the device's own registration.
fn dahua_p2p(dev: &Device, from: Endpoint, to: Endpoint, link: Link) -> UdpExchange {
    let req = |verb: &str, path: String, cseq: u32| {
        format!(
            "{verb} {path} HTTP/1.1\r\nCSeq: {cseq}\r\nAuthorization: WSSE profile=\"UsernameToken\"\r\nX-WSSE: UsernameToken Username=\"{sn}\", PasswordDigest=\"{digest}\", Nonce=\"{cseq}{sn}\", Created=\"2024-01-01T00:00:00Z\"\r\n\r\n",
            sn = dev.serial,
            digest = "AAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        )
        .into_bytes()
    };
    let ok = |cseq: u32| format!("HTTP/1.1 200 OK\r\nCSeq: {cseq}\r\n\r\n").into_bytes();
    UdpExchange::new(
        link,
        vec![
            Datagram {
                from,
                to,
                body: Body::Bytes(req("DHGET", "/probe/p2psrv".into(), 1)),
            },
            Datagram {
                from: to,
                to: from,
                body: Body::Bytes(ok(1)),
            },
            Datagram {
                from,
                to,
                body: Body::Bytes(req("DHPOST", format!("/online/p2psrv/{}", dev.serial), 2)),
            },
            Datagram {
                from: to,
                to: from,
                body: Body::Bytes(ok(2)),
            },
        ],
    )
}
