//! The protocol readers: each turns one protocol's messages into
//! observations in the scanner's field vocabulary (`docs/fields.md`).

pub mod dhcp;
pub mod discovery;
pub mod dns;
pub mod message;
pub mod p2p;
pub mod stream;
pub mod tls;
pub mod upnp;
pub mod web;
