//! The estate plan: which device stands at which address, decided from the
//! seed alone (no sockets), and its answer key.

use std::net::{IpAddr, Ipv4Addr};

use camaudit_model::{Mac, TruthRecord, TruthRole, VendorId};

use crate::catalog::{self, Family, Firmware, PROFILES, Profile};
use crate::config::Cidr;
use crate::error::SimError;
use crate::faults::Fault;

/// A small, fast, well-mixed deterministic generator (SplitMix64), so the
/// plan depends on nothing but the seed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// A float in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// One address of the estate and everything it serves.
#[derive(Debug, Clone)]
pub struct Device {
    pub index: u32,
    pub addr: Ipv4Addr,
    pub mac: Option<Mac>,
    pub profile: &'static Profile,
    pub model: &'static str,
    pub firmware: &'static Firmware,
    pub serial: String,
    pub fault: Option<Fault>,
    /// Per-device randomness for UUIDs, nonces and salts.
    pub seed: u64,
}

impl Device {
    pub fn family(&self) -> Family {
        self.profile.family
    }

    /// TCP ports this device listens on.
    pub fn tcp_ports(&self) -> &'static [u16] {
        self.profile.tcp_ports
    }

    pub fn serves_tcp(&self, port: u16) -> bool {
        self.profile.tcp_ports.contains(&port)
    }

    /// The MAC without separators, upper case (`5850ED1FE385`).
    pub fn mac_hex_upper(&self) -> String {
        self.mac
            .map(|m| m.0.iter().map(|b| format!("{b:02X}")).collect())
            .unwrap_or_default()
    }

    /// A stable UUID (version-4 layout) derived from the device seed.
    pub fn uuid(&self) -> String {
        let mut r = Rng::new(self.seed ^ 0xA11C_E5ED);
        let a = r.next_u64();
        let b = r.next_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0x0fff,
            0x8000 | ((b >> 48) & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }

    /// The answer key for this address.
    pub fn truth(&self) -> TruthRecord {
        let p = self.profile;
        let slug = |s: Option<&str>| s.and_then(|s| VendorId::new(s).ok());
        let nonempty = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        TruthRecord {
            addr: IpAddr::V4(self.addr),
            mac: self.mac,
            label_vendor: slug(p.label),
            manufacturer: slug(p.manufacturer),
            owner: slug(p.owner),
            model: nonempty(self.model),
            firmware: nonempty(&self.firmware.truth_string()),
            device_type: p.device_type,
            covered: p.covered(),
            open_ports: p.tcp_ports.to_vec(),
            role: p.role,
            fault: self.fault.map(|f| f.name().to_owned()),
        }
    }
}

/// The whole estate, indexed by address.
#[derive(Debug)]
pub struct Estate {
    pub cidr: Cidr,
    /// Offset of device 0 from the network address.
    pub first_offset: u32,
    pub devices: Vec<Device>,
}

impl Estate {
    /// The device at `addr`, if the address belongs to the estate.
    pub fn device_at(&self, addr: IpAddr) -> Option<&Device> {
        let IpAddr::V4(v4) = addr else { return None };
        let off = u32::from(v4).checked_sub(u32::from(self.cidr.network))?;
        let i = off.checked_sub(self.first_offset)? as usize;
        self.devices.get(i).filter(|d| d.addr == v4)
    }
}

/// Lays out `devices` devices on `cidr` from `seed`, giving `fault_rate` of
/// the non-empty ones a fault.
pub fn layout(cidr: Cidr, devices: u32, seed: u64, fault_rate: f64) -> Result<Estate, SimError> {
    let size = cidr.size();
    if devices == 0 || u64::from(devices) > size {
        return Err(SimError::Config(format!(
            "{devices} devices do not fit {cidr} ({size} addresses)"
        )));
    }
    if !(0.0..=1.0).contains(&fault_rate) {
        return Err(SimError::Config(format!(
            "--faults {fault_rate} is outside 0..=1"
        )));
    }
    // Skip the network address when there is room, as a real subnet would.
    let first_offset = u32::from(u64::from(devices) < size);
    let mut rng = Rng::new(seed);
    // Small estates first get one of every profile (in seeded order), so a
    // handful of devices already covers every maker; the rest is weighted.
    let mut order: Vec<usize> = (0..PROFILES.len()).collect();
    for i in (1..order.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        order.swap(i, j);
    }
    let total_weight: u64 = PROFILES.iter().map(|p| u64::from(p.weight)).sum();
    let mut faulted = 0usize;
    let mut out = Vec::with_capacity(devices as usize);
    for index in 0..devices {
        let profile = if (index as usize) < order.len() {
            &PROFILES[order[index as usize]]
        } else {
            let mut w = rng.below(total_weight);
            let mut chosen = &PROFILES[0];
            for p in PROFILES {
                if w < u64::from(p.weight) {
                    chosen = p;
                    break;
                }
                w -= u64::from(p.weight);
            }
            chosen
        };
        let dseed = rng.next_u64();
        let mut drng = Rng::new(dseed);
        let model = *drng.pick(profile.models);
        let firmware = drng.pick(profile.firmwares);
        let addr = Ipv4Addr::from(u32::from(cidr.network) + first_offset + index);
        let mac = make_mac(profile, index, seed, &mut drng);
        let serial = make_serial(profile, model, mac, &mut drng);
        let roll = rng.unit();
        let fault = if profile.role != TruthRole::Empty && roll < fault_rate {
            let f = Fault::ALL[faulted % Fault::ALL.len()];
            faulted += 1;
            Some(f)
        } else {
            None
        };
        out.push(Device {
            index,
            addr,
            mac,
            profile,
            model,
            firmware,
            serial,
            fault,
            seed: dseed,
        });
    }
    Ok(Estate {
        cidr,
        first_offset,
        devices: out,
    })
}

fn make_mac(profile: &Profile, index: u32, seed: u64, rng: &mut Rng) -> Option<Mac> {
    if profile.role == TruthRole::Empty {
        return None;
    }
    // A bijection of the index onto 24 bits keeps MACs unique per block.
    let low = (index
        .wrapping_mul(0x9E_3779)
        .wrapping_add(Rng::new(seed).next_u64() as u32))
        & 0x00ff_ffff;
    let ouis = catalog::ouis(profile);
    let head = if ouis.is_empty() {
        // Locally administered, unicast: names no maker.
        [0x02, (seed >> 8) as u8, (seed >> 16) as u8]
    } else {
        *rng.pick(ouis)
    };
    Some(Mac([
        head[0],
        head[1],
        head[2],
        (low >> 16) as u8,
        (low >> 8) as u8,
        low as u8,
    ]))
}

fn digits(rng: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.below(10) as u8))
        .collect()
}

fn alnum(rng: &mut Rng, n: usize) -> String {
    const A: &[u8] = b"0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    (0..n).map(|_| char::from(*rng.pick(A))).collect()
}

fn make_serial(profile: &Profile, model: &str, mac: Option<Mac>, rng: &mut Rng) -> String {
    let year = 2016 + rng.below(8);
    let month = 1 + rng.below(12);
    let day = 1 + rng.below(28);
    match (profile.family, profile.label) {
        // Hikvision DeviceSN: model + yyyymmdd + 4 letters + 9 digits
        // (corpus SADP samples).
        (Family::Hikvision, _) => format!(
            "{model}{year}{month:02}{day:02}AAWR{}{}",
            alnum(rng, 1),
            digits(rng, 8)
        ),
        // Lorex serials "ND" + digits (Recog realm example ND011811000000).
        (Family::Dahua, Some("lorex")) => format!("ND{}", digits(rng, 12)),
        // Dahua: 15 characters such as 6C01E93PAG69A7D (corpus DHIP sample).
        (Family::Dahua, _) => alnum(rng, 15),
        (Family::Uniview, _) => format!("210235{}", alnum(rng, 14)),
        (Family::Axis, _) => mac
            .map(|m| m.0.iter().map(|b| format!("{b:02X}")).collect())
            .unwrap_or_default(),
        (Family::Hanwha, _) => format!("Z{}", alnum(rng, 12)),
        (Family::Bosch, _) => digits(rng, 18),
        _ => alnum(rng, 12),
    }
}
