//! Stage 1: the TCP connect sweep, and the file-descriptor budget it runs in.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpStream;

use crate::ratelimit::RateLimiter;

/// What one port did when we knocked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortState {
    /// It accepted the connection.
    Open,
    /// It refused (a TCP reset): the host is there, the port is not.
    Closed,
    /// No answer before the timeout, or the network said unreachable.
    Filtered,
}

/// How a connection attempt ended, keeping the stream when it opened.
#[derive(Debug)]
pub enum Connect {
    Open(TcpStream),
    Closed,
    Filtered,
}

impl Connect {
    pub fn state(&self) -> PortState {
        match self {
            Connect::Open(_) => PortState::Open,
            Connect::Closed => PortState::Closed,
            Connect::Filtered => PortState::Filtered,
        }
    }
}

/// Local resource errors (out of file descriptors or ephemeral ports) say
/// nothing about the target: wait and try again.
fn is_local_exhaustion(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EMFILE) | Some(libc::ENFILE) | Some(libc::EADDRNOTAVAIL) | Some(libc::ENOBUFS)
    )
}

/// One paced connection attempt with a timeout, retried `retries` more times
/// when it times out. A reset is final (the host answered).
pub async fn connect(
    addr: SocketAddr,
    timeout: Duration,
    retries: u32,
    rate: &RateLimiter,
) -> Connect {
    let mut attempts_left = retries + 1;
    let mut exhaustion_waits = 0u32;
    loop {
        rate.acquire().await;
        match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
            Ok(Ok(s)) => return Connect::Open(s),
            Ok(Err(e)) if e.kind() == io::ErrorKind::ConnectionRefused => return Connect::Closed,
            Ok(Err(e)) if is_local_exhaustion(&e) && exhaustion_waits < 50 => {
                exhaustion_waits += 1;
                tokio::time::sleep(Duration::from_millis(20 * exhaustion_waits as u64)).await;
                continue;
            }
            Ok(Err(_)) | Err(_) => {}
        }
        attempts_left -= 1;
        if attempts_left == 0 {
            return Connect::Filtered;
        }
    }
}

/// Raises the soft open-file limit to the hard limit and returns the new
/// soft limit, so the sweep can size its concurrency to it.
pub fn raise_fd_limit() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write the struct we pass.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return 1024;
        }
        if lim.rlim_cur < lim.rlim_max {
            let want = libc::rlimit {
                rlim_cur: lim.rlim_max,
                rlim_max: lim.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &want) == 0 {
                lim.rlim_cur = lim.rlim_max;
            }
        }
    }
    lim.rlim_cur
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    #[tokio::test]
    async fn open_and_closed_are_told_apart() {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let open = l.local_addr().unwrap();
        let rate = RateLimiter::new(10_000);
        let c = connect(open, Duration::from_secs(2), 0, &rate).await;
        assert_eq!(c.state(), PortState::Open);
        // A port we just closed: refused.
        let l2 = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let closed = l2.local_addr().unwrap();
        drop(l2);
        let c = connect(closed, Duration::from_secs(2), 1, &rate).await;
        assert_eq!(c.state(), PortState::Closed);
    }

    #[test]
    fn fd_limit_is_raised_to_at_least_what_it_was() {
        assert!(raise_fd_limit() >= 256);
    }
}
