//! The seeded estate the server's tests share (crates/server/src/testing.rs).
#![allow(unused_imports)]
pub use camaudit_server::testing::*;
