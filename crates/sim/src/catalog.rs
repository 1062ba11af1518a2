//! The makers, brands, models and firmware the simulator can field.
//!
//! Each [`Profile`] is one kind of device: who made it, whose brand it wears,
//! what it answers on which port. Values come from the sources cited in
//! `docs/sim.md` (corpus samples, Recog, nmap-service-probes, vendor API
//! documentation); where a value is a plausible stand-in rather than a
//! captured one, `docs/sim.md` says so.

use camaudit_model::{DeviceType, TruthRole};

/// The firmware family: decides which protocol dialects a device speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// Hikvision firmware (own brand, OEM rebrands, EZVIZ).
    Hikvision,
    /// Dahua firmware (own brand and OEM rebrands).
    Dahua,
    Uniview,
    /// Xiongmai / XMeye "NETSurveillance" DVRs.
    Xiongmai,
    Axis,
    Hanwha,
    Bosch,
    /// A white-label ONVIF camera naming no maker.
    GenericOnvif,
    /// A plain web server (nginx).
    DecoyWeb,
    /// A network printer's web page.
    DecoyPrinter,
    /// A router's login page.
    DecoyRouter,
    /// Nothing listening.
    Empty,
}

/// How a Hikvision device's web server presents itself, by generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebFlavor {
    /// `Server: Hikvision-Webs`, ctime-style Date (firmware 5.2–5.3 era).
    HikLegacy,
    /// `Server: App-webs/` (5.4 onwards, and OEM units on that firmware).
    HikAppWebs,
    /// `Server: DNVRS-Webs` (NVR firmware 3.x/4.x).
    HikNvr,
    /// Anything else: the family decides.
    Default,
}

/// One firmware build a profile can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Firmware {
    /// The version as the main API reports it (`V5.4.1`, `2.800.0000000.13.R`).
    pub version: &'static str,
    /// Build date/stamp (`build 160525`), empty when the family has none.
    pub build: &'static str,
    /// Known-exploited vulnerabilities this version is affected by.
    pub cves: &'static [&'static str],
}

impl Firmware {
    /// The firmware string written to the truth file.
    pub fn truth_string(&self) -> String {
        if self.build.is_empty() {
            self.version.to_owned()
        } else {
            format!("{} {}", self.version, self.build)
        }
    }
}

/// UDP discovery protocols a profile answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Udp {
    /// Hikvision SADP, UDP 37020.
    Sadp,
    /// ONVIF WS-Discovery, UDP 3702.
    WsDiscovery,
    /// Dahua DHIP discovery, UDP 37810.
    Dhip,
}

impl Udp {
    pub fn port(self) -> u16 {
        match self {
            Udp::Sadp => 37020,
            Udp::WsDiscovery => 3702,
            Udp::Dhip => 37810,
        }
    }

    /// The multicast group discovery probes are sent to.
    pub fn group(self) -> std::net::Ipv4Addr {
        match self {
            Udp::Sadp | Udp::WsDiscovery => std::net::Ipv4Addr::new(239, 255, 255, 250),
            Udp::Dhip => std::net::Ipv4Addr::new(239, 255, 255, 251),
        }
    }
}

pub const ALL_UDP: [Udp; 3] = [Udp::Sadp, Udp::WsDiscovery, Udp::Dhip];

/// One kind of device in the estate.
#[derive(Debug)]
pub struct Profile {
    /// Stable key, e.g. `hikvision-camera-legacy`.
    pub key: &'static str,
    pub family: Family,
    pub flavor: WebFlavor,
    /// Brand presented to the user (slug), if any.
    pub label: Option<&'static str>,
    /// Who really made it (slug).
    pub manufacturer: Option<&'static str>,
    /// Top of the manufacturer's corporate chain (slug).
    pub owner: Option<&'static str>,
    /// The brand as the device spells it on its pages and in ONVIF.
    pub brand_name: &'static str,
    pub device_type: Option<DeviceType>,
    pub role: TruthRole,
    pub models: &'static [&'static str],
    pub firmwares: &'static [Firmware],
    pub tcp_ports: &'static [u16],
    pub udp: &'static [Udp],
    /// Relative share of the estate.
    pub weight: u32,
}

impl Profile {
    /// Made by a company subject to the PRC National Intelligence Law.
    pub fn covered(&self) -> bool {
        matches!(
            self.manufacturer,
            Some("hikvision" | "ezviz" | "dahua" | "uniview" | "xiongmai")
        )
    }

    pub fn has_udp(&self, u: Udp) -> bool {
        self.udp.contains(&u)
    }
}

const HIK_LEGACY_FW: &[Firmware] = &[
    Firmware {
        version: "V5.2.0",
        build: "build 140721",
        cves: &["CVE-2017-7921"],
    },
    Firmware {
        version: "V5.3.0",
        build: "build 151016",
        cves: &["CVE-2017-7921"],
    },
];
const HIK_MID_FW: &[Firmware] = &[
    Firmware {
        version: "V5.4.1",
        build: "build 160525",
        cves: &["CVE-2017-7921", "CVE-2021-36260"],
    },
    Firmware {
        version: "V5.5.0",
        build: "build 170725",
        cves: &["CVE-2021-36260"],
    },
    Firmware {
        version: "V5.6.2",
        build: "build 190701",
        cves: &["CVE-2021-36260"],
    },
];
const HIK_CURRENT_FW: &[Firmware] = &[
    Firmware {
        version: "V5.7.3",
        build: "build 220112",
        cves: &[],
    },
    Firmware {
        version: "V5.7.15",
        build: "build 230425",
        cves: &[],
    },
];
const HIK_NVR_FW: &[Firmware] = &[
    Firmware {
        version: "V4.1.70",
        build: "build 170427",
        cves: &["CVE-2021-36260"],
    },
    Firmware {
        version: "V4.61.025",
        build: "build 221213",
        cves: &[],
    },
];
const EZVIZ_FW: &[Firmware] = &[Firmware {
    version: "V5.3.0",
    build: "build 210305",
    cves: &[],
}];
const DAHUA_FW: &[Firmware] = &[
    Firmware {
        version: "2.622.0000000.31.R",
        build: "",
        cves: &["CVE-2021-33044"],
    },
    Firmware {
        version: "2.800.0000000.13.R",
        build: "",
        cves: &[],
    },
    Firmware {
        version: "2.840.0000000.22.R",
        build: "",
        cves: &[],
    },
];
const DAHUA_NVR_FW: &[Firmware] = &[
    Firmware {
        version: "4.001.0000000.3.R",
        build: "",
        cves: &["CVE-2021-33044"],
    },
    Firmware {
        version: "4.001.0000000.8.R",
        build: "",
        cves: &[],
    },
];
const UNIVIEW_FW: &[Firmware] = &[
    Firmware {
        version: "IPC_G6103-B0009P30D1803",
        build: "",
        cves: &[],
    },
    Firmware {
        version: "IPC_G6202-B5037P71D2112",
        build: "",
        cves: &[],
    },
];
const XM_FW: &[Firmware] = &[
    Firmware {
        version: "V4.02.R11.34500140.10012.131600",
        build: "",
        cves: &[],
    },
    Firmware {
        version: "V4.03.R11.C6380181.12001.130000",
        build: "",
        cves: &[],
    },
];
const AXIS_FW: &[Firmware] = &[
    Firmware {
        version: "9.80.1",
        build: "",
        cves: &[],
    },
    Firmware {
        version: "10.12.220",
        build: "",
        cves: &[],
    },
    Firmware {
        version: "11.8.61",
        build: "",
        cves: &[],
    },
];
const HANWHA_FW: &[Firmware] = &[
    Firmware {
        version: "2.21.01_20230321",
        build: "",
        cves: &[],
    },
    Firmware {
        version: "1.41.02_20220114",
        build: "",
        cves: &[],
    },
];
const BOSCH_FW: &[Firmware] = &[
    Firmware {
        version: "7.80.0128",
        build: "",
        cves: &[],
    },
    Firmware {
        version: "8.48.0017",
        build: "",
        cves: &[],
    },
];
const GENERIC_FW: &[Firmware] = &[Firmware {
    version: "V2.1.6",
    build: "",
    cves: &[],
}];
const NONE_FW: &[Firmware] = &[Firmware {
    version: "",
    build: "",
    cves: &[],
}];

const HIK_TCP: &[u16] = &[80, 443, 554, 8000];
const HIK_UDP: &[Udp] = &[Udp::Sadp, Udp::WsDiscovery];
const DAHUA_TCP: &[u16] = &[80, 443, 554, 37777];
const DAHUA_UDP: &[Udp] = &[Udp::Dhip, Udp::WsDiscovery];
const ONVIF_TCP: &[u16] = &[80, 443, 554];
const ONVIF_UDP: &[Udp] = &[Udp::WsDiscovery];

/// Every profile the simulator fields, in a fixed order (the plan depends
/// on it: append, never reorder).
pub static PROFILES: &[Profile] = &[
    Profile {
        key: "hikvision-camera-legacy",
        family: Family::Hikvision,
        flavor: WebFlavor::HikLegacy,
        label: Some("hikvision"),
        manufacturer: Some("hikvision"),
        owner: Some("hikvision"),
        brand_name: "HIKVISION",
        device_type: Some(DeviceType::Camera),
        role: TruthRole::Surveillance,
        models: &["DS-2CD2032-I", "DS-2CD2132F-IS", "DS-2CD2332-I"],
        firmwares: HIK_LEGACY_FW,
        tcp_ports: HIK_TCP,
        udp: HIK_UDP,
        weight: 6,
    },
    Profile {
        key: "hikvision-camera-mid",
        family: Family::Hikvision,
        flavor: WebFlavor::HikAppWebs,
        label: Some("hikvision"),
        manufacturer: Some("hikvision"),
        owner: Some("hikvision"),
        brand_name: "HIKVISION",
        device_type: Some(DeviceType::Camera),
        role: TruthRole::Surveillance,
        models: &["DS-2CD2142FWD-I", "DS-2CD2385G1-I", "DS-2CD2320D-I"],
        firmwares: HIK_MID_FW,
        tcp_ports: HIK_TCP,
        udp: HIK_UDP,
        weight: 8,
    },
    Profile {
        key: "hikvision-camera-current",
        family: Family::Hikvision,
        flavor: WebFlavor::HikAppWebs,
        label: Some("hikvision"),
        manufacturer: Some("hikvision"),
        owner: Some("hikvision"),
        brand_name: "HIKVISION",
        device_type: Some(DeviceType::Camera),
        role: TruthRole::Surveillance,
        models: &["DS-2CD2387G2-LU", "DS-2CD2047G2-L", "DS-2DE4425IW-DE"],
        firmwares: HIK_CURRENT_FW,
        tcp_ports: HIK_TCP,
        udp: HIK_UDP,
        weight: 8,
    },
    Profile {
        key: "hikvision-nvr",
        family: Family::Hikvision,
        flavor: WebFlavor::HikNvr,
        label: Some("hikvision"),
        manufacturer: Some("hikvision"),
        owner: Some("hikvision"),
        brand_name: "HIKVISION",
        device_type: Some(DeviceType::Nvr),
        role: TruthRole::Surveillance,
        models: &["DS-7608NI-K2", "DS-7616NI-I2/16P", "DS-7732NI-K4"],
        firmwares: HIK_NVR_FW,
        tcp_ports: HIK_TCP,
        udp: HIK_UDP,
        weight: 5,
    },
    Profile {
        key: "annke-camera",
        family: Family::Hikvision,
        flavor: WebFlavor::HikAppWebs,
        label: Some("annke"),
        manufacturer: Some("hikvision"),
        owner: Some("hikvision"),
        brand_name: "ANNKE",
        device_type: Some(DeviceType::Camera),
        role: TruthRole::Surveillance,
        models: &["I91BN", "C800", "I41DM"],
        firmwares: HIK_MID_FW,
        tcp_ports: HIK_TCP,
        udp: HIK_UDP,
        weight: 3,
    },
    Profile {
        key: "lts-camera",
        family: Family::Hikvision,
        flavor: WebFlavor::HikAppWebs,
        label: Some("lts"),
        manufacturer: Some("hikvision"),
        owner: Some("hikvision"),
        brand_name: "LTS",
        device_type: Some(DeviceType::Camera),
        role: TruthRole::Surveillance,
        models: &["CMIP3042W-28", "CMIP7442W-28M", "CMIP9342W-28M"],
        firmwares: HIK_MID_FW,
        tcp_ports: HIK_TCP,
        udp: HIK_UDP,
        weight: 3,
    },
    Profile {
        key: "hilook-camera",
        family: Family::Hikvision,
        flavor: WebFlavor::HikAppWebs,
        label: Some("hilook"),
        manufacturer: Some("hikvision"),
        owner: Some("hikvision"),
        brand_name: "HiLook",
        device_type: Some(DeviceType::Camera),
        role: TruthRole::Surveillance,
        models: &["IPC-B140H", "IPC-T240H", "IPC-D140H"],
        firmwares: HIK_CURRENT_FW,
        tcp_ports: HIK_TCP,
        udp: HIK_UDP,
        weight: 3,
    },
    Profile {
        key: "ezviz-camera",
        family: Family::Hikvision,
        flavor: WebFlavor::HikAppWebs,
        label: Some("ezviz"),
        manufacturer: Some("ezviz"),
        owner: Some("hikvision"),
        brand_name: "EZVIZ",
        device_type: Some(DeviceType::Camera),
        role: TruthRole::Surveillance,
        models: &["CS-C6N", "CS-C3W", "CS-H8c"],
        firmwares: EZVIZ_FW,
        tcp_ports: HIK_TCP,
        udp: HIK_UDP,
        weight: 4,
    },
    Profile {
        key: "dahua-camera",
        family: Family::Dahua,
        flavor: WebFlavor::Default,
        label: Some("dahua"),
        manufacturer: Some("dahua"),
        owner: Some("dahua"),
        brand_name: "Dahua",
        device_type: Some(DeviceType::Camera),
        role: TruthRole::Surveillance,
        models: &["IPC-HDW1431T1-S4", "IPC-HFW2431S-S-S2", "IPC-HDBW5442R-ASE"],
        firmwares: DAHUA_FW,
        tcp_ports: DAHUA_TCP,
        udp: DAHUA_UDP,
        weight: 10,
    },
    Profile {
        key: "dahua-nvr",
        family: Family::Dahua,
        flavor: WebFlavor::Default,
        label: Some("dahua"),
        manufacturer: Some("dahua"),
        owner: Some("dahua"),
        brand_name: "Dahua",
        device_type: Some(DeviceType::Nvr),
        role: TruthRole::Surveillance,
        models: &["DHI-NVR4108HS-8P-4KS2", "NVR5216-16P-I", "DHI-NVR2104HS-S2"],
        firmwares: DAHUA_NVR_FW,
        tcp_ports: DAHUA_TCP,
        udp: DAHUA_UDP,
        weight: 4,
    },
    Profile {
        key: "amcrest-camera",
        family: Family::Dahua,
        flavor: WebFlavor::Default,
        label: Some("amcrest"),
        manufacturer: Some("dahua"),
        owner: Some("dahua"),
        brand_name: "Amcrest",
        device_type: Some(DeviceType::Camera),
        role: TruthRole::Surveillance,
        models: &["IP8M-2496EB", "IP4M-1041B", "IP5M-T1179EW"],
        firmwares: DAHUA_FW,
        tcp_ports: DAHUA_TCP,
        udp: DAHUA_UDP,
        weight: 3,
    },
    Profile {
        key: "lorex-nvr",
        family: Family::Dahua,
        flavor: WebFlavor::Default,
        label: Some("lorex"),
        manufacturer: Some("dahua"),
        owner: Some("dahua"),
        brand_name: "LOREX",
        device_type: Some(DeviceType::Nvr),
        role: TruthRole::Surveillance,
        models: &["LNR6108", "NR908X", "N843B81"],
        firmwares: DAHUA_NVR_FW,
        tcp_ports: DAHUA_TCP,
        udp: DAHUA_UDP,
        weight: 3,
    },
    Profile {
        key: "uniview-camera",
        family: Family::Uniview,
        flavor: WebFlavor::Default,
        label: Some("uniview"),
        manufacturer: Some("uniview"),
        owner: Some("uniview"),
        brand_name: "Uniview",
        device_type: Some(DeviceType::Camera),
        role: TruthRole::Surveillance,
        models: &[
            "IPC-B312-IR@DP-IR3-F60-C",
            "IPC2124LB-SF28KM-G",
            "IPC3612LB-ADF28K-G",
        ],
        firmwares: UNIVIEW_FW,
        tcp_ports: ONVIF_TCP,
        udp: ONVIF_UDP,
        weight: 5,
    },
    Profile {
        key: "xiongmai-dvr",
        family: Family::Xiongmai,
        flavor: WebFlavor::Default,
        label: None,
        manufacturer: Some("xiongmai"),
        owner: Some("xiongmai"),
        brand_name: "NETSurveillance",
        device_type: Some(DeviceType::Dvr),
        role: TruthRole::Surveillance,
        models: &["AHB7008T-MH", "AHB7804R-MS", "NBD7904T-P"],
        firmwares: XM_FW,
        tcp_ports: &[80, 554, 34567],
        udp: ONVIF_UDP,
        weight: 4,
    },
    Profile {
        key: "axis-camera",
        family: Family::Axis,
        flavor: WebFlavor::Default,
        label: Some("axis"),
        manufacturer: Some("axis"),
        owner: Some("canon"),
        brand_name: "AXIS",
        device_type: Some(DeviceType::Camera),
        role: TruthRole::Surveillance,
        models: &["M1065-LW", "P3245-V", "Q6075-E"],
        firmwares: AXIS_FW,
        tcp_ports: ONVIF_TCP,
        udp: ONVIF_UDP,
        weight: 7,
    },
    Profile {
        key: "hanwha-camera",
        family: Family::Hanwha,
        flavor: WebFlavor::Default,
        label: Some("hanwha"),
        manufacturer: Some("hanwha"),
        owner: Some("hanwha"),
        brand_name: "Hanwha Techwin",
        device_type: Some(DeviceType::Camera),
        role: TruthRole::Surveillance,
        models: &["XNO-6080R", "QNV-6012R", "XND-8080RV"],
        firmwares: HANWHA_FW,
        tcp_ports: ONVIF_TCP,
        udp: ONVIF_UDP,
        weight: 4,
    },
    Profile {
        key: "bosch-camera",
        family: Family::Bosch,
        flavor: WebFlavor::Default,
        label: Some("bosch"),
        manufacturer: Some("bosch"),
        owner: Some("bosch"),
        brand_name: "Bosch",
        device_type: Some(DeviceType::Camera),
        role: TruthRole::Surveillance,
        models: &["FLEXIDOME IP 5000i", "DINION IP 3000i", "AUTODOME IP 4000i"],
        firmwares: BOSCH_FW,
        tcp_ports: ONVIF_TCP,
        udp: ONVIF_UDP,
        weight: 3,
    },
    Profile {
        key: "generic-onvif-camera",
        family: Family::GenericOnvif,
        flavor: WebFlavor::Default,
        label: None,
        manufacturer: None,
        owner: None,
        brand_name: "IPCAM",
        device_type: Some(DeviceType::Camera),
        role: TruthRole::Surveillance,
        models: &["IPC-1080P", "IPCAM-H264"],
        firmwares: GENERIC_FW,
        tcp_ports: &[80, 554],
        udp: ONVIF_UDP,
        weight: 3,
    },
    Profile {
        key: "decoy-web-server",
        family: Family::DecoyWeb,
        flavor: WebFlavor::Default,
        label: None,
        manufacturer: None,
        owner: None,
        brand_name: "nginx",
        device_type: Some(DeviceType::WebServer),
        role: TruthRole::Decoy,
        models: &[""],
        firmwares: NONE_FW,
        tcp_ports: &[80, 443],
        udp: &[],
        weight: 3,
    },
    Profile {
        key: "decoy-printer",
        family: Family::DecoyPrinter,
        flavor: WebFlavor::Default,
        label: Some("hp"),
        manufacturer: Some("hp"),
        owner: Some("hp"),
        brand_name: "HP",
        device_type: Some(DeviceType::Printer),
        role: TruthRole::Decoy,
        models: &["HP LaserJet Pro M404dn", "HP Color LaserJet MFP M477fdw"],
        firmwares: NONE_FW,
        tcp_ports: &[80, 443, 631, 9100],
        udp: &[],
        weight: 3,
    },
    Profile {
        key: "decoy-router",
        family: Family::DecoyRouter,
        flavor: WebFlavor::Default,
        label: Some("mikrotik"),
        manufacturer: Some("mikrotik"),
        owner: Some("mikrotik"),
        brand_name: "MikroTik",
        device_type: Some(DeviceType::Router),
        role: TruthRole::Decoy,
        models: &["RB4011iGS+", "hEX RB750Gr3"],
        firmwares: NONE_FW,
        tcp_ports: &[80, 443],
        udp: &[],
        weight: 3,
    },
    Profile {
        key: "empty",
        family: Family::Empty,
        flavor: WebFlavor::Default,
        label: None,
        manufacturer: None,
        owner: None,
        brand_name: "",
        device_type: None,
        role: TruthRole::Empty,
        models: &[""],
        firmwares: NONE_FW,
        tcp_ports: &[],
        udp: &[],
        weight: 5,
    },
];

/// Every TCP port any profile serves, for shared-listener mode.
pub fn all_tcp_ports() -> Vec<u16> {
    let mut v: Vec<u16> = PROFILES
        .iter()
        .flat_map(|p| p.tcp_ports.iter().copied())
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Real IEEE OUIs (MA-L, /24) per maker, from the IEEE registry as packaged
/// by Wireshark (`manuf`, 2026; see `docs/sim.md`). A handful per maker is
/// enough: a scanner's OUI table must know all of them.
pub fn ouis(profile: &Profile) -> &'static [[u8; 3]] {
    match (profile.family, profile.manufacturer) {
        (_, Some("ezviz")) => &[
            [0x0C, 0xA6, 0x4C],
            [0x20, 0xBB, 0xBC],
            [0x34, 0xC6, 0xDD],
            [0x54, 0xD6, 0x0D],
        ],
        (Family::Hikvision, _) => &[
            [0x00, 0xBC, 0x99],
            [0x04, 0x03, 0x12],
            [0x08, 0x54, 0x11],
            [0x44, 0x19, 0xB6],
            [0x58, 0x50, 0xED],
            [0xBC, 0xAD, 0x28],
        ],
        (Family::Dahua, _) => &[
            [0x08, 0xED, 0xED],
            [0x14, 0xA7, 0x8B],
            [0x38, 0xAF, 0x29],
            [0x3C, 0xE3, 0x6B],
            [0x4C, 0x99, 0xE8],
        ],
        (Family::Uniview, _) => &[[0x48, 0xEA, 0x63], [0x6C, 0xF1, 0x7E], [0xC4, 0x79, 0x05]],
        (Family::Axis, _) => &[[0x00, 0x40, 0x8C], [0xAC, 0xCC, 0x8E], [0xB8, 0xA4, 0x4F]],
        (Family::Hanwha, _) => &[[0x00, 0x09, 0x18], [0x44, 0xB4, 0x23]],
        (Family::Bosch, _) => &[[0x00, 0x04, 0x63], [0x00, 0x07, 0x5F]],
        (Family::DecoyPrinter, _) => &[[0x00, 0x01, 0xE6], [0x00, 0x08, 0x02]],
        (Family::DecoyRouter, _) => &[[0x04, 0xF4, 0x1C], [0x2C, 0xC8, 0x1B]],
        // No IEEE block is registered to Xiongmai (none in the 2026
        // registry); its boards, white-label cameras and the plain web
        // server get locally administered addresses, which name no maker.
        (Family::Xiongmai | Family::GenericOnvif | Family::DecoyWeb, _) => &[],
        (Family::Empty, _) => &[],
    }
}
