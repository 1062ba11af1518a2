//! What every protocol handler may consult besides the device it answers
//! for: the credentials the estate accepts, which devices want ONVIF
//! passwords in the clear, and the offset its ports are served at.
//! Handlers depend on this and on [`crate::estate::Device`] only, never on
//! the server that calls them.

use std::net::Ipv4Addr;

use crate::config::Accounts;

/// The user name every emulated device accepts.
pub const DEFAULT_USERNAME: &str = "admin";
/// The password every emulated device accepts (tests authenticate with it).
pub const DEFAULT_PASSWORD: &str = "camaudit-sim";

/// Read-only settings of a running estate, shared by every handler.
#[derive(Debug, Clone)]
pub struct Context {
    pub username: String,
    pub password: String,
    /// Added to every well-known port (`--port-offset`); handlers need it
    /// for the addresses they advertise (ONVIF XAddrs, RTSP Content-Base).
    pub port_offset: u16,
    /// Devices whose ONVIF accepts only PasswordText ([`Accounts`]).
    pub password_text_only: Vec<Ipv4Addr>,
}

impl Context {
    /// The context of an estate with its own accounts.
    pub fn with_accounts(port_offset: u16, accounts: &Accounts) -> Self {
        Context {
            username: accounts.username.clone(),
            password: accounts.password.clone(),
            port_offset,
            password_text_only: accounts.password_text_only.clone(),
        }
    }
}
