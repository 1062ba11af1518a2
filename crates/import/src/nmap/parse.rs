//! The streaming pass over the XML: events in, one [`HostRecord`] (or one
//! run-level script) at a time out to the mapping.

use std::io::BufRead;

use camaudit_model::Observation;
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::input::BoundedInput;
use super::map::{self, RunContext};
use super::record::{AddressRecord, HostRecord, PortRecord, ScriptRecord, ServiceRecord};
use super::{ImportError, Limits, Position, RunFinished, ScanSummary, SkippedHost};

/// Which text the parser is collecting, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextTarget {
    None,
    Elem,
    Cpe,
}

/// A script being read: the record, the `<table>` keys around the reader
/// and the `<elem>` in progress.
#[derive(Default)]
struct ScriptBuilder {
    record: ScriptRecord,
    tables: Vec<String>,
    elem_key: String,
    text: String,
    kept_bytes: usize,
}

pub(crate) struct Parser<R: BufRead> {
    xml: Reader<BoundedInput<R>>,
    buf: Vec<u8>,
    limits: Limits,
    /// Names of the open elements, innermost last.
    open: Vec<String>,
    seen_root: bool,
    run: RunContext,
    summary: ScanSummary,
    host: Option<HostRecord>,
    host_at: Position,
    port: Option<PortRecord>,
    script: Option<ScriptBuilder>,
    /// Scripts of `<prescript>`/`<postscript>`, mapped when it closes.
    run_scripts: Vec<ScriptRecord>,
    text: TextTarget,
    cpe: String,
}

impl<R: BufRead> Parser<R> {
    pub(crate) fn new(input: R, limits: Limits) -> Self {
        let mut xml = Reader::from_reader(BoundedInput::new(input, limits.max_event_bytes));
        let config = xml.config_mut();
        config.check_end_names = true;
        config.expand_empty_elements = false;
        Parser {
            xml,
            buf: Vec::with_capacity(64 * 1024),
            limits,
            open: Vec::new(),
            seen_root: false,
            run: RunContext::default(),
            summary: ScanSummary::default(),
            host: None,
            host_at: Position { line: 1, byte: 0 },
            port: None,
            script: None,
            run_scripts: Vec::new(),
            text: TextTarget::None,
            cpe: String::new(),
        }
    }

    fn at(&self) -> Position {
        Position {
            line: self.xml.get_ref().line(),
            byte: self.xml.buffer_position(),
        }
    }

    pub(crate) fn run<E>(
        mut self,
        mut on_host: impl FnMut(Vec<Observation>) -> Result<(), E>,
    ) -> Result<ScanSummary, ImportError>
    where
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let mut sink = |batch: Vec<Observation>, at: Position| {
            on_host(batch).map_err(|e| ImportError::Sink {
                at,
                error: e.into(),
            })
        };
        loop {
            self.xml.get_mut().start_event();
            self.buf.clear();
            let event = match self.xml.read_event_into(&mut self.buf) {
                Ok(event) => event.into_owned(),
                Err(e) => return Err(self.xml_error(e)),
            };
            match event {
                Event::Start(tag) => self.open_element(&tag, false, &mut sink)?,
                Event::Empty(tag) => self.open_element(&tag, true, &mut sink)?,
                Event::End(tag) => {
                    let name = tag.name().as_ref().to_owned();
                    self.open.pop();
                    self.close_element(&name, &mut sink)?;
                }
                Event::Text(text) => self.push_text(&text),
                Event::CData(text) => self.push_text(&text),
                Event::GeneralRef(reference) => {
                    let name: String = reference.to_string();
                    let resolved =
                        resolve_reference(&name).ok_or_else(|| ImportError::UndefinedEntity {
                            at: self.at(),
                            name: name.clone(),
                        })?;
                    self.push_text(&resolved);
                }
                Event::DocType(doctype) => self.check_doctype(&doctype)?,
                Event::Eof => return self.finish(),
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            }
        }
    }

    fn xml_error(&self, e: quick_xml::Error) -> ImportError {
        let at = self.at();
        if self.xml.get_ref().overflowed() {
            return ImportError::EventTooLarge {
                at,
                limit: self.limits.max_event_bytes,
            };
        }
        match e {
            quick_xml::Error::Io(io) => ImportError::Io {
                at,
                error: std::io::Error::new(io.kind(), io.to_string()),
            },
            quick_xml::Error::Escape(quick_xml::escape::EscapeError::UnrecognizedEntity(
                _,
                name,
            )) => ImportError::UndefinedEntity { at, name },
            other => ImportError::Xml {
                at: Position {
                    line: at.line,
                    byte: self.xml.error_position(),
                },
                message: other.to_string(),
            },
        }
    }

    fn check_doctype(&self, doctype: &str) -> Result<(), ImportError> {
        // nmap writes `<!DOCTYPE nmaprun>`. An internal subset that declares
        // entities is how XML bombs and external-entity reads begin; it is
        // refused outright rather than parsed and ignored.
        let text = doctype.to_ascii_uppercase();
        if text.contains("<!ENTITY") {
            return Err(ImportError::EntityDeclaration { at: self.at() });
        }
        Ok(())
    }

    fn finish(self) -> Result<ScanSummary, ImportError> {
        if let Some(open) = self.open.last() {
            return Err(ImportError::Truncated {
                at: self.at(),
                open: open.clone(),
            });
        }
        if !self.seen_root {
            return Err(ImportError::NotNmap {
                at: self.at(),
                what: "no <nmaprun> element".into(),
            });
        }
        Ok(self.summary)
    }

    fn open_element<S>(
        &mut self,
        tag: &BytesStart<'_>,
        empty: bool,
        sink: &mut S,
    ) -> Result<(), ImportError>
    where
        S: FnMut(Vec<Observation>, Position) -> Result<(), ImportError>,
    {
        let name = tag.name().as_ref().to_owned();
        if self.open.len() >= self.limits.max_depth {
            return Err(ImportError::TooDeep {
                at: self.at(),
                limit: self.limits.max_depth,
            });
        }
        let attrs = Attrs::read(tag).map_err(|name| ImportError::UndefinedEntity {
            at: self.at(),
            name,
        })?;
        if self.open.is_empty() && name != "nmaprun" {
            return Err(ImportError::NotNmap {
                at: self.at(),
                what: format!("the root element is <{name}>, not <nmaprun>"),
            });
        }
        self.start(&name, &attrs);
        if empty {
            self.close_element(&name, sink)
        } else {
            self.open.push(name);
            Ok(())
        }
    }

    fn start(&mut self, name: &str, attrs: &Attrs) {
        let limit = self.limits.max_value_bytes;
        if self.script.is_some() {
            self.start_in_script(name, attrs);
            return;
        }
        match name {
            "nmaprun" => {
                self.seen_root = true;
                self.summary.nmap_version = attrs.get("version").map(str::to_owned);
                self.summary.args = attrs.get("args").map(|a| cut(a, limit));
                self.run.started = attrs.get("start").and_then(|s| s.parse().ok());
                self.summary.scan_started_at = self.run.started.and_then(map::rfc3339);
            }
            "host" => {
                self.host = Some(HostRecord {
                    starttime: attrs.get("starttime").and_then(|s| s.parse().ok()),
                    ..HostRecord::default()
                });
                self.host_at = self.at();
            }
            "script" => {
                self.script = Some(ScriptBuilder {
                    record: ScriptRecord {
                        id: cut(attrs.get("id").unwrap_or_default(), limit),
                        output: cut(
                            attrs.get("output").unwrap_or_default(),
                            self.limits.max_script_bytes,
                        ),
                        elems: Vec::new(),
                    },
                    ..ScriptBuilder::default()
                });
            }
            "finished" => {
                let finished = self
                    .summary
                    .finished
                    .get_or_insert_with(RunFinished::default);
                finished.at = attrs
                    .get("time")
                    .and_then(|t| t.parse().ok())
                    .and_then(map::rfc3339);
                finished.exit = attrs.get("exit").map(str::to_owned);
                finished.error_message = attrs.get("errormsg").map(|m| cut(m, limit));
            }
            "hosts" if self.host.is_none() => {
                let finished = self
                    .summary
                    .finished
                    .get_or_insert_with(RunFinished::default);
                finished.hosts_up = attrs.get("up").and_then(|n| n.parse().ok());
                finished.hosts_down = attrs.get("down").and_then(|n| n.parse().ok());
                finished.hosts_total = attrs.get("total").and_then(|n| n.parse().ok());
            }
            _ => self.start_in_host(name, attrs),
        }
    }

    fn start_in_host(&mut self, name: &str, attrs: &Attrs) {
        let limit = self.limits.max_value_bytes;
        let Some(host) = self.host.as_mut() else {
            return;
        };
        match name {
            "status" => host.state = cut(attrs.get("state").unwrap_or_default(), 32),
            "address" => {
                let address = AddressRecord {
                    addr: cut(attrs.get("addr").unwrap_or_default(), 64),
                    addrtype: cut(attrs.get("addrtype").unwrap_or_default(), 16),
                    vendor: cut(attrs.get("vendor").unwrap_or_default(), limit),
                };
                host.charge(address.vendor.len() + 96, self.limits.max_host_bytes);
                if host.unreadable.is_none() {
                    host.addresses.push(address);
                }
            }
            "hostname" => {
                if let Some(n) = attrs.get("name") {
                    host.charge(n.len().min(limit) + 32, self.limits.max_host_bytes);
                    if host.unreadable.is_none() {
                        host.hostnames.push(cut(n, limit));
                    }
                }
            }
            "port" => {
                let portid = attrs.get("portid").unwrap_or_default();
                match portid.parse::<u16>() {
                    Ok(port) => {
                        self.port = Some(PortRecord {
                            protocol: cut(attrs.get("protocol").unwrap_or_default(), 16),
                            port,
                            ..PortRecord::default()
                        })
                    }
                    Err(_) => host.fail(format!("port number {portid:?} is not 0-65535")),
                }
            }
            "state" => {
                if let Some(port) = self.port.as_mut() {
                    port.state = cut(attrs.get("state").unwrap_or_default(), 32);
                }
            }
            "service" => {
                if let Some(port) = self.port.as_mut() {
                    port.service = Some(service_record(attrs, limit));
                }
            }
            "cpe" => {
                self.text = TextTarget::Cpe;
                self.cpe.clear();
            }
            "osmatch" if host.os_match.is_none() => {
                host.os_match = attrs.get("name").map(|n| cut(n, limit));
            }
            _ => {}
        }
    }

    fn start_in_script(&mut self, name: &str, attrs: &Attrs) {
        let Some(script) = self.script.as_mut() else {
            return;
        };
        match name {
            "table" => script
                .tables
                .push(cut(attrs.get("key").unwrap_or_default(), 128)),
            "elem" => {
                script.elem_key = cut(attrs.get("key").unwrap_or_default(), 128);
                script.text.clear();
                self.text = TextTarget::Elem;
            }
            _ => {}
        }
    }

    fn push_text(&mut self, text: &str) {
        match self.text {
            TextTarget::None => {}
            TextTarget::Cpe => push_bounded(&mut self.cpe, text, self.limits.max_value_bytes),
            TextTarget::Elem => {
                if let Some(script) = self.script.as_mut() {
                    push_bounded(&mut script.text, text, self.limits.max_script_bytes);
                }
            }
        }
    }

    fn close_element<S>(&mut self, name: &str, sink: &mut S) -> Result<(), ImportError>
    where
        S: FnMut(Vec<Observation>, Position) -> Result<(), ImportError>,
    {
        if self.script.is_some() {
            return self.close_in_script(name);
        }
        match name {
            "cpe" => {
                self.text = TextTarget::None;
                let cpe = std::mem::take(&mut self.cpe);
                let cpe = cpe.trim().to_owned();
                if let (Some(port), false) = (self.port.as_mut(), cpe.is_empty()) {
                    port.cpes.push(cpe);
                } else if let (Some(host), false) = (self.host.as_mut(), cpe.is_empty()) {
                    host.os_cpes.push(cpe);
                }
            }
            "port" => {
                if let (Some(port), Some(host)) = (self.port.take(), self.host.as_mut()) {
                    host.charge(port_size(&port), self.limits.max_host_bytes);
                    if host.unreadable.is_none() {
                        host.ports.push(port);
                    }
                }
            }
            "host" => self.close_host(sink)?,
            "prescript" | "postscript" => {
                let scripts = std::mem::take(&mut self.run_scripts);
                let batch = map::run_scripts(&scripts, &self.run, &self.limits);
                if !batch.is_empty() {
                    self.summary.observations += batch.len() as u64;
                    sink(batch, self.at())?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn close_in_script(&mut self, name: &str) -> Result<(), ImportError> {
        let Some(script) = self.script.as_mut() else {
            return Ok(());
        };
        match name {
            "elem" => {
                self.text = TextTarget::None;
                let mut path = script.tables.join(".");
                if !script.elem_key.is_empty() {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(&script.elem_key);
                }
                let value = std::mem::take(&mut script.text);
                script.kept_bytes += path.len() + value.len();
                // A script's structured output is bounded like its text.
                if script.kept_bytes <= self.limits.max_script_bytes {
                    script.record.elems.push((path, value));
                }
            }
            "table" => {
                script.tables.pop();
            }
            "script" => {
                if let Some(done) = self.script.take() {
                    self.attach_script(done.record);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn attach_script(&mut self, script: ScriptRecord) {
        let Some(host) = self.host.as_mut() else {
            // A run-level script: a few per file, each bounded on its own.
            self.run_scripts.push(script);
            return;
        };
        host.charge(script_size(&script), self.limits.max_host_bytes);
        if host.unreadable.is_some() {
            return;
        }
        match self.port.as_mut() {
            Some(port) => port.scripts.push(script),
            None => host.scripts.push(script),
        }
    }

    fn close_host<S>(&mut self, sink: &mut S) -> Result<(), ImportError>
    where
        S: FnMut(Vec<Observation>, Position) -> Result<(), ImportError>,
    {
        let Some(host) = self.host.take() else {
            return Ok(());
        };
        self.port = None;
        match map::host(&host, &self.run, &self.limits) {
            Ok(map::HostOutcome::Down) => self.summary.hosts_down += 1,
            Ok(map::HostOutcome::Read(batch)) => {
                self.summary.hosts_read += 1;
                self.summary.observations += batch.len() as u64;
                if !batch.is_empty() {
                    sink(batch, self.at())?;
                }
            }
            Err(reason) => {
                self.summary.hosts_skipped += 1;
                if self.summary.skipped.len() < self.limits.max_skip_reasons {
                    self.summary.skipped.push(SkippedHost {
                        at: self.host_at,
                        addr: host.addresses.first().map(|a| a.addr.clone()),
                        reason,
                    });
                }
            }
        }
        Ok(())
    }
}

/// What a port keeps beyond its scripts (charged as they close).
fn port_size(port: &PortRecord) -> usize {
    let service = port.service.as_ref().map_or(0, |s| {
        s.name.len() + s.product.len() + s.version.len() + s.extrainfo.len()
    });
    port.cpes.iter().map(String::len).sum::<usize>() + service + 64
}

fn script_size(script: &ScriptRecord) -> usize {
    script.output.len()
        + script
            .elems
            .iter()
            .map(|(k, v)| k.len() + v.len() + 16)
            .sum::<usize>()
}

fn service_record(attrs: &Attrs, limit: usize) -> ServiceRecord {
    let get = |k: &str| cut(attrs.get(k).unwrap_or_default(), limit);
    ServiceRecord {
        name: get("name"),
        product: get("product"),
        version: get("version"),
        extrainfo: get("extrainfo"),
        devicetype: get("devicetype"),
        ostype: get("ostype"),
        tunnel: get("tunnel"),
        method: get("method"),
    }
}

/// The five predefined entities and character references; nothing else.
fn resolve_reference(name: &str) -> Option<String> {
    let predefined = match name {
        "lt" => Some("<"),
        "gt" => Some(">"),
        "amp" => Some("&"),
        "apos" => Some("'"),
        "quot" => Some("\""),
        _ => None,
    };
    if let Some(p) = predefined {
        return Some(p.to_owned());
    }
    let code = name.strip_prefix('#')?;
    let n = match code.strip_prefix('x') {
        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
        None => code.parse().ok()?,
    };
    char::from_u32(n).map(String::from)
}

/// A tag's attributes, unescaped (predefined entities and character
/// references only: an unknown entity is the `Err` name).
struct Attrs(Vec<(String, String)>);

impl Attrs {
    fn read(tag: &BytesStart<'_>) -> Result<Attrs, String> {
        let mut out = Vec::new();
        for attr in tag.attributes().with_checks(false).flatten() {
            let key = attr.key.as_ref().to_owned();
            let raw = &attr.value;
            let value = unescape(raw)?;
            out.push((key, value));
        }
        Ok(Attrs(out))
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

fn unescape(raw: &str) -> Result<String, String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let Some(semi) = after.find(';') else {
            // A bare `&` is not well-formed; keep it rather than lose text.
            out.push('&');
            rest = after;
            continue;
        };
        let name = &after[..semi];
        out.push_str(&resolve_reference(name).ok_or_else(|| name.to_owned())?);
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// `s` cut to at most `max` bytes on a character boundary.
pub(crate) fn cut(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

fn push_bounded(into: &mut String, text: &str, max: usize) {
    let room = max.saturating_sub(into.len());
    if room > 0 {
        into.push_str(&cut(text, room));
    }
}
