//! Sockets: limits, network namespaces, listeners bound per address or
//! shared per port, and UDP with the destination address (IP_PKTINFO) so a
//! shared socket can answer from the address that was asked.

use std::io;
use std::mem::{size_of, zeroed};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::os::fd::AsRawFd;

use socket2::{Domain, Protocol, Socket, Type};

use crate::error::SimError;

/// SO_LINGER 0: closing the socket sends RST (with a zero timeout the
/// close does not block).
pub fn reset_on_close(stream: &tokio::net::TcpStream) {
    let _ = socket2::SockRef::from(stream).set_linger(Some(std::time::Duration::ZERO));
}

/// Raises the soft RLIMIT_NOFILE to the hard limit; returns (soft, hard).
pub fn raise_nofile() -> (u64, u64) {
    // SAFETY: getrlimit/setrlimit with a valid, initialised struct.
    unsafe {
        let mut r: libc::rlimit = zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) != 0 {
            return (1024, 1024);
        }
        if r.rlim_cur < r.rlim_max {
            let want = libc::rlimit {
                rlim_cur: r.rlim_max,
                rlim_max: r.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &want) == 0 {
                r = want;
            }
        }
        (r.rlim_cur as u64, r.rlim_max as u64)
    }
}

/// Moves the calling thread into the named network namespace
/// (`/var/run/netns/NAME`, as `ip netns add` makes).
pub fn enter_netns(name: &str) -> Result<(), SimError> {
    if name.is_empty() || name.contains('/') || name.starts_with('.') {
        return Err(SimError::Config(format!("bad namespace name {name:?}")));
    }
    let path = format!("/var/run/netns/{name}");
    let err = |source| SimError::Netns {
        name: name.to_owned(),
        source,
    };
    let f = std::fs::File::open(&path).map_err(err)?;
    // SAFETY: setns on an open namespace file descriptor.
    let rc = unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) };
    if rc != 0 {
        return Err(err(io::Error::last_os_error()));
    }
    Ok(())
}

fn bind_err(addr: SocketAddr, source: io::Error) -> SimError {
    SimError::Bind {
        addr: addr.to_string(),
        source,
    }
}

/// A listening TCP socket on `addr`; with `lo_only`, restricted to the
/// loopback device.
pub fn tcp_listener(
    addr: SocketAddrV4,
    lo_only: bool,
    backlog: i32,
) -> Result<std::net::TcpListener, SimError> {
    let sa = SocketAddr::V4(addr);
    let s = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))
        .map_err(|e| bind_err(sa, e))?;
    s.set_reuse_address(true).map_err(|e| bind_err(sa, e))?;
    if lo_only {
        s.bind_device(Some(b"lo")).map_err(|e| bind_err(sa, e))?;
    }
    s.bind(&sa.into()).map_err(|e| bind_err(sa, e))?;
    s.listen(backlog).map_err(|e| bind_err(sa, e))?;
    s.set_nonblocking(true).map_err(|e| bind_err(sa, e))?;
    Ok(s.into())
}

/// A UDP socket on `addr`; shared sockets also report each datagram's
/// destination address.
pub fn udp_socket(
    addr: SocketAddrV4,
    lo_only: bool,
    pktinfo: bool,
) -> Result<std::net::UdpSocket, SimError> {
    let sa = SocketAddr::V4(addr);
    let s =
        Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP)).map_err(|e| bind_err(sa, e))?;
    s.set_reuse_address(true).map_err(|e| bind_err(sa, e))?;
    if lo_only {
        s.bind_device(Some(b"lo")).map_err(|e| bind_err(sa, e))?;
    }
    if pktinfo {
        set_ip_opt(&s, libc::IP_PKTINFO, 1).map_err(|e| bind_err(sa, e))?;
        // A wildcard socket would also get the datagrams of every group
        // joined on the host (--multicast): those are the multicast
        // sockets' to answer, once.
        set_ip_opt(&s, libc::IP_MULTICAST_ALL, 0).map_err(|e| bind_err(sa, e))?;
    }
    s.bind(&sa.into()).map_err(|e| bind_err(sa, e))?;
    s.set_nonblocking(true).map_err(|e| bind_err(sa, e))?;
    Ok(s.into())
}

/// Sets an integer IPPROTO_IP option.
fn set_ip_opt(s: &Socket, opt: libc::c_int, value: libc::c_int) -> io::Result<()> {
    // SAFETY: setsockopt with a valid int option.
    let rc = unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            libc::IPPROTO_IP,
            opt,
            &value as *const _ as *const libc::c_void,
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// A socket that receives a discovery group's datagrams arriving on
/// `iface` (joined there, and bound to it), reporting each datagram's
/// destination so the shared reply path answers for every device.
pub fn multicast_socket(
    group: Ipv4Addr,
    port: u16,
    iface: &str,
) -> Result<std::net::UdpSocket, SimError> {
    let sa = SocketAddr::V4(SocketAddrV4::new(group, port));
    let err = |e| bind_err(sa, e);
    let index = std::ffi::CString::new(iface)
        .ok()
        // SAFETY: if_nametoindex reads a NUL-terminated name.
        .map(|c| unsafe { libc::if_nametoindex(c.as_ptr()) })
        .filter(|&i| i != 0)
        .ok_or_else(|| {
            SimError::Config(format!("multicast interface {iface:?}: no such interface"))
        })?;
    let s = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP)).map_err(err)?;
    s.set_reuse_address(true).map_err(err)?;
    s.bind_device(Some(iface.as_bytes())).map_err(err)?;
    set_ip_opt(&s, libc::IP_PKTINFO, 1).map_err(err)?;
    s.bind(&sa.into()).map_err(err)?;
    s.join_multicast_v4_n(&group, &socket2::InterfaceIndexOrAddress::Index(index))
        .map_err(err)?;
    s.set_nonblocking(true).map_err(err)?;
    Ok(s.into())
}

/// Receives one datagram: (length, source, destination address).
pub async fn recv_with_dst(
    sock: &tokio::net::UdpSocket,
    buf: &mut [u8],
) -> io::Result<(usize, SocketAddrV4, Option<Ipv4Addr>)> {
    loop {
        sock.readable().await?;
        match sock.try_io(tokio::io::Interest::READABLE, || {
            recvmsg(sock.as_raw_fd(), buf)
        }) {
            Ok(r) => return Ok(r),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e),
        }
    }
}

fn recvmsg(fd: i32, buf: &mut [u8]) -> io::Result<(usize, SocketAddrV4, Option<Ipv4Addr>)> {
    // SAFETY: recvmsg with buffers that outlive the call; control messages
    // are walked with the libc CMSG macros within the buffer's bounds.
    unsafe {
        let mut src: libc::sockaddr_in = zeroed();
        let mut iov = libc::iovec {
            iov_base: buf.as_mut_ptr() as *mut libc::c_void,
            iov_len: buf.len(),
        };
        let mut cbuf = [0u64; 16];
        let mut msg: libc::msghdr = zeroed();
        msg.msg_name = &mut src as *mut _ as *mut libc::c_void;
        msg.msg_namelen = size_of::<libc::sockaddr_in>() as libc::socklen_t;
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = cbuf.as_mut_ptr() as *mut libc::c_void;
        msg.msg_controllen = size_of::<[u64; 16]>() as _;
        let n = libc::recvmsg(fd, &mut msg, 0);
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        let mut dst = None;
        let mut c = libc::CMSG_FIRSTHDR(&msg);
        while !c.is_null() {
            if (*c).cmsg_level == libc::IPPROTO_IP && (*c).cmsg_type == libc::IP_PKTINFO {
                let info = libc::CMSG_DATA(c) as *const libc::in_pktinfo;
                let a = std::ptr::read_unaligned(info).ipi_addr.s_addr;
                dst = Some(Ipv4Addr::from(u32::from_be(a)));
            }
            c = libc::CMSG_NXTHDR(&msg, c);
        }
        let ip = Ipv4Addr::from(u32::from_be(src.sin_addr.s_addr));
        let port = u16::from_be(src.sin_port);
        Ok((n as usize, SocketAddrV4::new(ip, port), dst))
    }
}

/// Sends `data` to `to` with `from` as the source address.
pub async fn send_from(
    sock: &tokio::net::UdpSocket,
    data: &[u8],
    to: SocketAddrV4,
    from: Ipv4Addr,
) -> io::Result<()> {
    loop {
        sock.writable().await?;
        match sock.try_io(tokio::io::Interest::WRITABLE, || {
            sendmsg(sock.as_raw_fd(), data, to, from)
        }) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e),
        }
    }
}

fn sendmsg(fd: i32, data: &[u8], to: SocketAddrV4, from: Ipv4Addr) -> io::Result<()> {
    // SAFETY: as in recvmsg; one IP_PKTINFO control message fits the buffer.
    unsafe {
        let mut dst: libc::sockaddr_in = zeroed();
        dst.sin_family = libc::AF_INET as libc::sa_family_t;
        dst.sin_port = to.port().to_be();
        dst.sin_addr.s_addr = u32::from(*to.ip()).to_be();
        let mut iov = libc::iovec {
            iov_base: data.as_ptr() as *mut libc::c_void,
            iov_len: data.len(),
        };
        let mut cbuf = [0u64; 8];
        let mut msg: libc::msghdr = zeroed();
        msg.msg_name = &mut dst as *mut _ as *mut libc::c_void;
        msg.msg_namelen = size_of::<libc::sockaddr_in>() as libc::socklen_t;
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = cbuf.as_mut_ptr() as *mut libc::c_void;
        msg.msg_controllen = libc::CMSG_SPACE(size_of::<libc::in_pktinfo>() as u32) as _;
        let c = libc::CMSG_FIRSTHDR(&msg);
        (*c).cmsg_level = libc::IPPROTO_IP;
        (*c).cmsg_type = libc::IP_PKTINFO;
        (*c).cmsg_len = libc::CMSG_LEN(size_of::<libc::in_pktinfo>() as u32) as _;
        let mut info: libc::in_pktinfo = zeroed();
        info.ipi_spec_dst.s_addr = u32::from(from).to_be();
        std::ptr::write_unaligned(libc::CMSG_DATA(c) as *mut libc::in_pktinfo, info);
        if libc::sendmsg(fd, &msg, 0) < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}
