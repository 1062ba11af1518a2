//! PostgreSQL's own bulk load of the same rows: the limit the API is
//! measured against.
//!
//! The rows go into a fresh table made `LIKE devices INCLUDING ALL` (the
//! same columns, defaults and indexes as the store's devices table, without
//! its foreign keys), filled column by column with what the store would
//! write for the same device records, in COPY's text format.

use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use futures_util::SinkExt;
use serde_json::Value;
use tokio_postgres::NoTls;

use crate::devices::Templates;

/// Rows sent per message of the COPY stream.
const ROWS_PER_CHUNK: u64 = 1000;

/// How a column of the devices table is filled.
#[derive(Clone, Copy)]
enum Fill {
    /// A number unique per row, with `idx` below.
    ScanId,
    Idx,
    /// The whole record as JSON.
    Record,
    /// One field of the record (NULL when absent).
    Field(&'static str),
    /// The benchmark's one organisation or site.
    One,
}

fn fill_for(column: &str) -> Option<Fill> {
    Some(match column {
        "scan_id" => Fill::ScanId,
        "idx" => Fill::Idx,
        "device" => Fill::Record,
        "org_id" | "site_id" => Fill::One,
        "manufacturer" => Fill::Field("manufacturer"),
        "covered" => Fill::Field("covered"),
        "addr" => Fill::Field("addr"),
        "mac" => Fill::Field("mac"),
        "model" => Fill::Field("model"),
        "label_vendor" => Fill::Field("label_vendor"),
        _ => return None,
    })
}

/// COPYs `records` rows over `streams` connections at once into a new
/// table, and returns the rows per second.
pub async fn run(
    url: &str,
    templates: &Arc<Templates>,
    records: u64,
    streams: usize,
) -> Result<f64> {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await?;
    tokio::spawn(connection);
    let table = format!("copy_devices_{streams}");
    client
        .batch_execute(&format!(
            "DROP TABLE IF EXISTS {table}; CREATE TABLE {table} (LIKE devices INCLUDING ALL)"
        ))
        .await
        .context("creating the COPY table")?;
    let columns = columns(&client).await?;
    let started = Instant::now();
    let per_stream = records.div_ceil(streams as u64);
    let mut tasks = Vec::new();
    for s in 0..streams {
        let first = s as u64 * per_stream;
        let count = per_stream.min(records.saturating_sub(first));
        let rows = RowMaker {
            columns: columns.clone(),
            stream: s,
        };
        let url = url.to_owned();
        let table = table.clone();
        let templates = templates.clone();
        tasks.push(tokio::spawn(async move {
            copy_in(&url, &table, &rows, &templates, first, count).await
        }));
    }
    for task in tasks {
        task.await.context("a COPY stream stopped")??;
    }
    let seconds = started.elapsed().as_secs_f64();
    client
        .batch_execute(&format!("DROP TABLE {table}"))
        .await
        .context("dropping the COPY table")?;
    Ok(records as f64 / seconds)
}

/// The devices table's columns this benchmark fills; refuses a required
/// column it does not know how to fill.
async fn columns(client: &tokio_postgres::Client) -> Result<Vec<(String, Fill)>> {
    let rows = client
        .query(
            "SELECT column_name::text, is_nullable::text, column_default IS NOT NULL
             FROM information_schema.columns WHERE table_name = 'devices' ORDER BY ordinal_position",
            &[],
        )
        .await?;
    let mut chosen = Vec::new();
    for row in rows {
        let name: String = row.get(0);
        let nullable: String = row.get(1);
        let has_default: bool = row.get(2);
        match fill_for(&name) {
            Some(fill) => chosen.push((name, fill)),
            None if nullable == "YES" || has_default => {}
            None => bail!(
                "the devices table has a required column {name} the COPY benchmark cannot fill"
            ),
        }
    }
    Ok(chosen)
}

struct RowMaker {
    columns: Vec<(String, Fill)>,
    stream: usize,
}

impl RowMaker {
    /// Rows `n..end`, in COPY's text format. Formatting is part of a bulk
    /// load's work, as serialising JSON is part of the API's, so it happens
    /// inside the timing, one chunk at a time (a million rows at once would
    /// not fit in memory).
    fn chunk(&self, templates: &Templates, n: u64, end: u64) -> Bytes {
        let mut text = String::new();
        for i in n..end {
            self.row(&templates.device(self.stream, i), i, &mut text);
        }
        Bytes::from(text)
    }

    fn row(&self, record: &Value, n: u64, out: &mut String) {
        for (i, (_, fill)) in self.columns.iter().enumerate() {
            if i > 0 {
                out.push('\t');
            }
            match fill {
                Fill::ScanId => {
                    out.push_str(&(self.stream as u64 * 1_000_000 + n / 1000).to_string())
                }
                Fill::Idx => out.push_str(&n.to_string()),
                Fill::Record => escape(&record.to_string(), out),
                Fill::One => out.push('1'),
                Fill::Field(name) => match record.get(*name) {
                    None | Some(Value::Null) => out.push_str("\\N"),
                    Some(Value::String(s)) => escape(s, out),
                    Some(Value::Bool(b)) => out.push_str(if *b { "t" } else { "f" }),
                    Some(other) => escape(&other.to_string(), out),
                },
            }
        }
        out.push('\n');
    }
}

/// COPY text format: backslash, tab, newline and carriage return escaped.
fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

async fn copy_in(
    url: &str,
    table: &str,
    rows: &RowMaker,
    templates: &Templates,
    first: u64,
    count: u64,
) -> Result<()> {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await?;
    tokio::spawn(connection);
    let names: Vec<&str> = rows.columns.iter().map(|(n, _)| n.as_str()).collect();
    let statement = format!("COPY {table} ({}) FROM STDIN", names.join(", "));
    let sink = client.copy_in::<_, Bytes>(&statement).await?;
    futures_util::pin_mut!(sink);
    let mut n = first;
    while n < first + count {
        let end = (n + ROWS_PER_CHUNK).min(first + count);
        sink.send(rows.chunk(templates, n, end)).await?;
        n = end;
    }
    sink.as_mut().finish().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn copy_text_is_escaped() {
        let mut out = String::new();
        escape("a\tb\\c\nd", &mut out);
        assert_eq!(out, "a\\tb\\\\c\\nd");
    }
}
