//! What the parser keeps of one `<host>` (or one run-level script) before
//! it is mapped to observations: nmap's own structure, every text bounded.

/// One `<script>`: its id, its text output and its structured `<elem>`s.
#[derive(Debug, Default, Clone)]
pub(crate) struct ScriptRecord {
    pub id: String,
    pub output: String,
    /// `(path, value)`: the keys of the enclosing `<table>`s and of the
    /// `<elem>`, joined with `.` (`subject.commonName`); an unkeyed elem
    /// at the top has path `""`.
    pub elems: Vec<(String, String)>,
}

impl ScriptRecord {
    pub fn elem(&self, path: &str) -> Option<&str> {
        self.elems
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Default, Clone)]
pub(crate) struct ServiceRecord {
    pub name: String,
    pub product: String,
    pub version: String,
    pub extrainfo: String,
    pub devicetype: String,
    pub ostype: String,
    pub tunnel: String,
    /// `probed` (matched a response) or `table` (a guess from the port
    /// number alone, which is no evidence).
    pub method: String,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct PortRecord {
    pub protocol: String,
    pub port: u16,
    pub state: String,
    pub service: Option<ServiceRecord>,
    pub cpes: Vec<String>,
    pub scripts: Vec<ScriptRecord>,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct AddressRecord {
    pub addr: String,
    pub addrtype: String,
    pub vendor: String,
}

#[derive(Debug, Default)]
pub(crate) struct HostRecord {
    /// Unix seconds from `<host starttime>`.
    pub starttime: Option<i64>,
    /// `up`, `down`, `unknown`; empty when the host had no `<status>`.
    pub state: String,
    pub addresses: Vec<AddressRecord>,
    pub hostnames: Vec<String>,
    pub ports: Vec<PortRecord>,
    pub scripts: Vec<ScriptRecord>,
    /// Name of the best `<osmatch>`.
    pub os_match: Option<String>,
    pub os_cpes: Vec<String>,
    /// Why this host cannot be read, once something made it unreadable.
    pub unreadable: Option<String>,
    /// Bytes of text kept so far, against `Limits::max_host_bytes`.
    pub kept_bytes: usize,
}

impl HostRecord {
    /// Counts `bytes` more of kept text; past `limit` the host is skipped.
    pub fn charge(&mut self, bytes: usize, limit: usize) {
        self.kept_bytes = self.kept_bytes.saturating_add(bytes);
        if self.kept_bytes > limit {
            self.fail(format!("more than {limit} bytes of text for one host"));
        }
    }

    pub fn fail(&mut self, reason: String) {
        if self.unreadable.is_none() {
            self.unreadable = Some(reason);
        }
        // Nothing more is kept for a host that will be skipped.
        self.ports.clear();
        self.scripts.clear();
        self.hostnames.clear();
    }
}
