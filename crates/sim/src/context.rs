//! What every protocol handler may consult besides the device it answers
//! for: the credentials the estate accepts and the offset its ports are
//! served at. Handlers depend on this and on [`crate::estate::Device`]
//! only, never on the server that calls them.

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
}

impl Context {
    /// The context of an estate accepting the default credentials.
    pub fn new(port_offset: u16) -> Self {
        Context {
            username: DEFAULT_USERNAME.to_owned(),
            password: DEFAULT_PASSWORD.to_owned(),
            port_offset,
        }
    }
}
