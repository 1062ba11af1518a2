//! https:// to a server whose certificate a private CA signed: trusted with
//! the CA given (`--push-ca`), refused without it, and a CA file that is
//! not one is a clear error.

mod server;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use camaudit_push::{Answer, Link, PushError, ServerUrl, Timeouts, Token};
use camaudit_store::BatchId;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use server::{Options, ResettingListener, TOKEN, TestServer};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::server::TlsStream;

struct TlsListener {
    plain: ResettingListener,
    acceptor: TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, SocketAddr) {
        loop {
            let (tcp, addr) = self.plain.accept().await;
            // A client that refuses the certificate ends the handshake.
            if let Ok(tls) = self.acceptor.accept(tcp).await {
                return (tls, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.plain.local_addr()
    }
}

/// A CA (its PEM) and a server with a certificate it signed for 127.0.0.1.
fn https_server(dir: &std::path::Path) -> (TestServer, PathBuf) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    let ca_file = dir.join("estate-ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();

    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(cert.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let server = TestServer::start_with(Options::default(), move |plain| TlsListener {
        plain,
        acceptor,
    });
    (server, ca_file)
}

fn temp_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("camaudit-push-https-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn body(id: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "id": id, "site": "town-hall",
        "scan": {"ref": "sensor-a/1/2026-12-01T10:00:00Z", "kind": "scan",
                 "started_at": "2026-12-01T10:00:00Z", "finished_at": "2026-12-01T10:05:00Z", "params": {}},
        "observations": [], "devices": []
    }))
    .unwrap()
}

fn link(server: &TestServer, ca: Option<&std::path::Path>) -> Result<Link, PushError> {
    let url: ServerUrl = format!("https://{}", server.addr).parse().unwrap();
    Link::new(
        url,
        Token::new(TOKEN).unwrap(),
        ca,
        Timeouts {
            connect: Duration::from_secs(5),
            request: Duration::from_secs(30),
        },
    )
}

#[test]
fn https_with_the_private_ca_given_is_trusted() {
    let dir = temp_dir("trusted");
    let (server, ca) = https_server(&dir);
    let id: BatchId = "b-1".parse().unwrap();
    let answer = link(&server, Some(&ca)).unwrap().post(&id, &body("b-1"));
    assert!(matches!(answer, Answer::Taken(_)), "{answer:?}");
    assert!(server.snapshot().stored.contains_key("b-1"));
}

#[test]
fn https_without_the_ca_is_refused_and_says_what_to_give() {
    let dir = temp_dir("untrusted");
    let (server, _ca) = https_server(&dir);
    let id: BatchId = "b-1".parse().unwrap();
    let answer = link(&server, None).unwrap().post(&id, &body("b-1"));
    match answer {
        Answer::Broken(why) => assert!(why.contains("--push-ca"), "{why}"),
        other => panic!("an untrusted certificate is not retried: {other:?}"),
    }
    assert!(server.snapshot().stored.is_empty());
}

#[test]
fn a_ca_file_that_is_not_pem_is_a_clear_error() {
    let dir = temp_dir("bad-ca");
    let (server, _ca) = https_server(&dir);
    let bad = dir.join("not-a-ca.pem");
    std::fs::write(&bad, "hello\n").unwrap();
    let err = link(&server, Some(&bad)).err().expect("refused");
    assert!(
        err.to_string()
            .contains("not-a-ca.pem: no CERTIFICATE block in it"),
        "{err}"
    );
    let missing = dir.join("missing.pem");
    let err = link(&server, Some(&missing)).err().expect("refused");
    assert!(err.to_string().contains("missing.pem"), "{err}");
}
