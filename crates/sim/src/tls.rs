//! HTTPS on port 443 with device-style self-signed certificates: the subject
//! each firmware generates (Recog's x509 fingerprints where they exist).
//! Certificates are made on first use and cached, so a large estate starts
//! without generating thousands of keys.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair};
use rustls::ServerConfig;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::catalog::{Family, WebFlavor};
use crate::error::SimError;
use crate::estate::Device;

/// Most distinct certificates kept at once.
const CACHE_CAP: usize = 4096;

/// A certificate subject: attribute kinds and values, in order.
pub type Subject = Vec<(DnKind, String)>;

#[derive(Default)]
pub struct Store {
    cache: Mutex<HashMap<Subject, Arc<ServerConfig>>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DnKind {
    C,
    St,
    L,
    O,
    Ou,
    Cn,
}

/// The subject a device's self-signed certificate carries, in order.
pub fn subject(dev: &Device) -> Vec<(DnKind, String)> {
    use DnKind::*;
    let ip = dev.addr.to_string();
    let v = |items: &[(DnKind, &str)]| items.iter().map(|(k, s)| (*k, (*s).to_owned())).collect();
    match dev.family() {
        Family::Hikvision if dev.profile.label == Some("hikvision") => match dev.profile.flavor {
            WebFlavor::HikLegacy | WebFlavor::HikNvr => v(&[
                (Cn, "www.hikvision.com"),
                (Ou, "DVRNVR"),
                (O, "HIKVISION"),
                (L, "HangZhou"),
                (St, "ZheJiang"),
                (C, "CN"),
            ]),
            _ => v(&[
                (C, "CN"),
                (St, "ZheJiang"),
                (L, "HangZhou"),
                (O, "HIKVISION"),
                (Cn, &ip),
            ]),
        },
        Family::Hikvision => v(&[(C, "CN"), (O, dev.profile.brand_name), (Cn, &ip)]),
        Family::Dahua => v(&[
            (C, "CN"),
            (St, "ZheJiang"),
            (L, "HangZhou"),
            (O, dev.profile.brand_name),
            (Cn, &dev.serial),
        ]),
        Family::Uniview => v(&[(C, "CN"), (O, "Uniview"), (Cn, &ip)]),
        Family::Axis => v(&[
            (Cn, &format!("axis-{}", dev.serial.to_lowercase())),
            (O, "Axis Communications AB"),
        ]),
        Family::Hanwha => v(&[(C, "KR"), (O, "Hanwha Techwin"), (Cn, &ip)]),
        Family::Bosch => v(&[
            (Cn, "local.myboschcam.net"),
            (O, "Bosch Sicherheitssysteme GmbH"),
            (L, "Grasbrunn"),
            (St, "Bayern"),
            (C, "DE"),
        ]),
        Family::DecoyPrinter => v(&[
            (Cn, &format!("HP{}", &dev.serial[..6.min(dev.serial.len())])),
            (O, "HP"),
        ]),
        Family::DecoyRouter => v(&[(Cn, "router")]),
        _ => v(&[(Cn, "localhost")]),
    }
}

impl Store {
    /// The TLS configuration for `dev`, made on first use.
    pub fn config(&self, dev: &Device) -> Result<Arc<ServerConfig>, SimError> {
        let subj = subject(dev);
        if let Ok(cache) = self.cache.lock()
            && let Some(c) = cache.get(&subj)
        {
            return Ok(c.clone());
        }
        let cfg = Arc::new(make(&subj, dev)?);
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= CACHE_CAP {
                cache.clear();
            }
            cache.insert(subj, cfg.clone());
        }
        Ok(cfg)
    }
}

fn make(subj: &[(DnKind, String)], dev: &Device) -> Result<ServerConfig, SimError> {
    let tls = |e: &dyn std::fmt::Display| SimError::Tls(e.to_string());
    let key = KeyPair::generate().map_err(|e| tls(&e))?;
    let mut params = CertificateParams::new(vec![dev.addr.to_string()]).map_err(|e| tls(&e))?;
    let mut dn = DistinguishedName::new();
    for (k, v) in subj {
        let t = match k {
            DnKind::C => DnType::CountryName,
            DnKind::St => DnType::StateOrProvinceName,
            DnKind::L => DnType::LocalityName,
            DnKind::O => DnType::OrganizationName,
            DnKind::Ou => DnType::OrganizationalUnitName,
            DnKind::Cn => DnType::CommonName,
        };
        dn.push(t, v.as_str());
    }
    params.distinguished_name = dn;
    let cert = params.self_signed(&key).map_err(|e| tls(&e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls(&e))?
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .map_err(|e| tls(&e))
}
