//! Readers for files other tools wrote, turned into camaudit observations.
//!
//! Many organisations already hold scans: this crate reads them so the
//! fingerprint rules and the identify engine judge that evidence exactly as
//! they judge camaudit's own probes. Each reader yields
//! [`camaudit_model::Observation`]s and knows nothing of what follows.
//!
//! - [`nmap`]: nmap's XML output (`nmap -oX`), streamed with bounded memory.
//! - [`jsonl`]: camaudit's own observation JSONL, with bounded lines.

pub mod jsonl;
pub mod nmap;
