//! TLS: read any device's certificate (a verifier that accepts all, because
//! we inventory certificates rather than trust them) and carry HTTPS.

use std::net::SocketAddr;
use std::sync::Arc;

use rustls::DigitallySignedStruct;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use x509_parser::prelude::{FromDer, X509Certificate, X509Name};

use crate::ProbeError;
use crate::conn::Ctx;
use crate::obs::HostObs;
use camaudit_model::Source;

#[derive(Debug)]
struct AcceptAny(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// A client configuration on the `ring` provider that accepts any
/// certificate (TLS 1.2 and 1.3: cameras often speak only 1.2).
pub fn client_config() -> Result<Arc<rustls::ClientConfig>, ProbeError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| ProbeError::Tls(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAny(provider)))
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Handshakes over `tcp`, returning the stream and the leaf certificate.
pub async fn handshake(
    ctx: &Ctx,
    addr: SocketAddr,
    tcp: TcpStream,
) -> Result<(TlsStream<TcpStream>, Option<Vec<u8>>), ProbeError> {
    let connector = TlsConnector::from(ctx.tls.clone());
    let name = ServerName::IpAddress(addr.ip().into());
    let s = tokio::time::timeout(ctx.connect_timeout, connector.connect(name, tcp))
        .await
        .map_err(|_| ProbeError::Timeout)?
        .map_err(|e| ProbeError::Tls(e.to_string()))?;
    let leaf = s
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|c| c.first())
        .map(|c| c.as_ref().to_vec());
    Ok((s, leaf))
}

/// The subject and issuer of a DER certificate, RFC 4514-style.
pub fn cert_names(der: &[u8]) -> Result<(String, String), ProbeError> {
    let (_, cert) = X509Certificate::from_der(der)
        .map_err(|e| ProbeError::Malformed(format!("certificate: {e}")))?;
    Ok((rfc4514(cert.subject()), rfc4514(cert.issuer())))
}

fn attr_name(oid: &str) -> &str {
    match oid {
        "2.5.4.3" => "CN",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.9" => "STREET",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.5" => "serialNumber",
        "0.9.2342.19200300.100.1.25" => "DC",
        "0.9.2342.19200300.100.1.1" => "UID",
        "1.2.840.113549.1.9.1" => "emailAddress",
        other => other,
    }
}

fn escape_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let n = v.chars().count();
    for (i, c) in v.chars().enumerate() {
        let special = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';')
            || (i == 0 && (c == '#' || c == ' '))
            || (i + 1 == n && c == ' ');
        if special {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// RFC 4514: the last RDN first, `type=value` joined by commas, no spaces.
pub fn rfc4514(name: &X509Name<'_>) -> String {
    let mut rdns: Vec<String> = name
        .iter()
        .map(|rdn| {
            rdn.iter()
                .map(|atv| {
                    let oid = atv.attr_type().to_id_string();
                    let value = atv.as_str().map(str::to_owned).unwrap_or_else(|_| {
                        String::from_utf8_lossy(atv.attr_value().data).into_owned()
                    });
                    format!("{}={}", attr_name(&oid), escape_value(&value))
                })
                .collect::<Vec<_>>()
                .join("+")
        })
        .collect();
    rdns.reverse();
    rdns.join(",")
}

/// Reads the certificate on a TLS port into observations. Returns whether
/// the port spoke TLS.
pub async fn probe_cert(ctx: &Ctx, addr: SocketAddr, obs: &mut HostObs) -> bool {
    let result = tokio::time::timeout(ctx.io_timeout, async {
        let tcp = ctx.tcp(addr).await?;
        let (mut s, leaf) = handshake(ctx, addr, tcp).await?;
        let _ = tokio::io::AsyncWriteExt::shutdown(&mut s).await;
        Ok::<_, ProbeError>(leaf)
    })
    .await
    .map_err(|_| ProbeError::Timeout)
    .and_then(|r| r);
    ctx.audit.record(
        addr,
        "tls",
        || "tls handshake (certificate read)".to_owned(),
        0,
        match &result {
            Ok(_) => "handshake completed".to_owned(),
            Err(e) => e.to_string(),
        },
    );
    let Ok(leaf) = result else { return false };
    if let Some(der) = leaf
        && let Ok((subject, issuer)) = cert_names(&der)
    {
        let port = Some(addr.port());
        obs.push(port, Source::Tls, "tls.cert.subject", &subject);
        obs.push(port, Source::Tls, "tls.cert.issuer", &issuer);
    }
    true
}
