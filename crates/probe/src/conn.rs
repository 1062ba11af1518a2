//! The connections stage 2 opens: paced by the scan's rate limiter, each
//! bounded by a timeout, plain or TLS.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use crate::ProbeError;
use crate::audit::Audit;
use crate::ratelimit::RateLimiter;
use crate::tls;
use crate::wire::Limits;

/// A byte stream to a device: TCP or TLS over TCP.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// Everything a stage-2 probe needs to talk to a device.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub rate: Arc<RateLimiter>,
    /// Time to establish a TCP connection (and a TLS handshake).
    pub connect_timeout: Duration,
    /// Time for one whole request and reply.
    pub io_timeout: Duration,
    /// How long to wait for a banner a device sends unasked.
    pub banner_timeout: Duration,
    pub limits: Limits,
    pub tls: Arc<rustls::ClientConfig>,
    /// Where every request sent is recorded (off unless `--audit-log`).
    pub audit: Audit,
    /// Lab use: every service is served at its usual port plus this offset
    /// (the simulator's `--port-offset`, for running without privileges).
    /// UDP discovery is sent to the offset ports too.
    pub port_offset: u16,
}

impl Ctx {
    pub fn new(rate: Arc<RateLimiter>) -> Result<Ctx, ProbeError> {
        Ok(Ctx {
            rate,
            connect_timeout: Duration::from_secs(2),
            io_timeout: Duration::from_secs(5),
            banner_timeout: Duration::from_millis(1500),
            limits: Limits::default(),
            tls: tls::client_config()?,
            audit: Audit::default(),
            port_offset: 0,
        })
    }

    /// One paced TCP connection.
    pub async fn tcp(&self, addr: SocketAddr) -> Result<TcpStream, ProbeError> {
        self.rate.acquire().await;
        let s = tokio::time::timeout(self.connect_timeout, TcpStream::connect(addr))
            .await
            .map_err(|_| ProbeError::Timeout)??;
        let _ = s.set_nodelay(true);
        Ok(s)
    }

    /// A plain or TLS stream.
    pub async fn open(&self, addr: SocketAddr, use_tls: bool) -> Result<Box<dyn Io>, ProbeError> {
        let tcp = self.tcp(addr).await?;
        if use_tls {
            let (s, _) = tls::handshake(self, addr, tcp).await?;
            Ok(Box::new(s))
        } else {
            Ok(Box::new(tcp))
        }
    }
}
