//! The binary control ports: Hikvision's SDK port 8000, Dahua's DVRIP port
//! 37777, Xiongmai's "Sofia" port 34567, and a printer's silent JetDirect
//! port 9100.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::dahua_rpc::{self, dhip_frame};
use crate::estate::Device;
use crate::faults;

const IDLE: Duration = Duration::from_secs(30);
const MAX_MESSAGES: usize = 16;

/// What Hikvision's port 8000 sends first (nmap-service-probes, NULL probe:
/// "Hikvision IPCam control port"); repeated as the answer to any request
/// that is not a valid, authenticated SDK command.
pub const HIK_8000: [u8; 16] = [0, 0, 0, 0x10, 0, 0, 0, 0x1e, 0, 0, 0, 0x1e, 0, 0, 0, 0];

async fn read_some<S: AsyncRead + Unpin>(s: &mut S, buf: &mut [u8]) -> Option<usize> {
    match tokio::time::timeout(IDLE, s.read(buf)).await {
        Ok(Ok(n)) if n > 0 => Some(n),
        _ => None,
    }
}

pub async fn hikvision_8000<S: AsyncRead + AsyncWrite + Unpin>(
    dev: &Device,
    mut s: S,
) -> std::io::Result<()> {
    faults::deliver(&mut s, dev.fault, &HIK_8000).await?;
    let mut buf = [0u8; 4096];
    for _ in 0..MAX_MESSAGES {
        if read_some(&mut s, &mut buf).await.is_none() {
            break;
        }
        faults::deliver(&mut s, dev.fault, &HIK_8000).await?;
    }
    Ok(())
}

/// Port 37777: DHIP (JSON over the DVRIP port, as the web client's RPC2
/// login) gets the same login challenge as `/RPC2_Login`; a legacy binary
/// DVRIP request (first byte 0xa0 login, 0xa3 discovery …) gets a 32-byte
/// reply header with the "login failed" result.
pub async fn dahua_37777<S: AsyncRead + AsyncWrite + Unpin>(
    dev: &Device,
    mut s: S,
) -> std::io::Result<()> {
    let mut buf = [0u8; 8192];
    for _ in 0..MAX_MESSAGES {
        let Some(n) = read_some(&mut s, &mut buf).await else {
            break;
        };
        let msg = &buf[..n];
        if n >= 32 && &msg[4..8] == b"DHIP" {
            let body = String::from_utf8_lossy(&msg[32..]);
            let id = u32::from_le_bytes([msg[12], msg[13], msg[14], msg[15]]);
            let reply = if body.contains("global.login")
                || body.contains("DHDiscover")
                || body.is_empty()
            {
                dahua_rpc::login_challenge(dev, &body)
            } else {
                dahua_rpc::no_session(&body)
            };
            faults::deliver(&mut s, dev.fault, &dhip_frame(0, id, &reply)).await?;
        } else if n >= 1 && matches!(msg[0], 0xa0 | 0xa1 | 0xa3 | 0xa4 | 0xf6) {
            let mut h = [0u8; 32];
            h[0] = 0xb0;
            h[2] = 0;
            h[3] = 0x68;
            // Result byte: 1 = wrong user name or password.
            h[8] = 0x01;
            h[9] = 0x01;
            h[10] = 0x00;
            faults::deliver(&mut s, dev.fault, &h).await?;
        } else {
            break;
        }
    }
    Ok(())
}

/// Port 34567: the Xiongmai "Sofia" binary protocol: a 20-byte header
/// (0xff, version, session, sequence, message id, length) and JSON. Logins
/// (message 1000) are refused with `Ret` 203 (wrong password).
pub async fn xiongmai_34567<S: AsyncRead + AsyncWrite + Unpin>(
    dev: &Device,
    mut s: S,
) -> std::io::Result<()> {
    let mut buf = [0u8; 8192];
    for _ in 0..MAX_MESSAGES {
        let Some(n) = read_some(&mut s, &mut buf).await else {
            break;
        };
        if n < 20 || buf[0] != 0xff {
            break;
        }
        let msg_id = u16::from_le_bytes([buf[14], buf[15]]);
        let seq = u32::from_le_bytes([buf[8], buf[9], buf[10], buf[11]]);
        let (reply_id, json) = match msg_id {
            1000 => (
                1001u16,
                format!(
                    "{{ \"AliveInterval\" : 0, \"ChannelNum\" : 4, \"DeviceType \" : \"DVR\", \"ExtraChannel\" : 0, \"Ret\" : 203, \"SessionID\" : \"0x{:08X}\" }}\n",
                    dev.seed as u32
                ),
            ),
            _ => (
                msg_id.wrapping_add(1),
                "{ \"Name\" : \"\", \"Ret\" : 101, \"SessionID\" : \"0x00000000\" }\n".to_owned(),
            ),
        };
        let mut body = json.into_bytes();
        body.push(0);
        let mut h = Vec::with_capacity(20 + body.len());
        h.extend_from_slice(&[0xff, 0x01, 0, 0]);
        h.extend_from_slice(&(dev.seed as u32).to_le_bytes());
        h.extend_from_slice(&seq.to_le_bytes());
        h.extend_from_slice(&[0, 0]);
        h.extend_from_slice(&reply_id.to_le_bytes());
        h.extend_from_slice(&(body.len() as u32).to_le_bytes());
        h.extend_from_slice(&body);
        faults::deliver(&mut s, dev.fault, &h).await?;
    }
    Ok(())
}

/// Port 9100: a raw print port says nothing and swallows what it gets.
pub async fn jetdirect<S: AsyncRead + AsyncWrite + Unpin>(mut s: S) -> std::io::Result<()> {
    let mut buf = [0u8; 4096];
    let mut total = 0usize;
    while let Some(n) = read_some(&mut s, &mut buf).await {
        total += n;
        if total > 1 << 20 {
            break;
        }
    }
    s.shutdown().await
}
