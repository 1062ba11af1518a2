//! The estate server's administration lists: organisations, sites and
//! tokens, as `org list`, `site list` and `token list` show them. A token
//! row never holds its secret (the store has none to give): only the
//! prefix it starts with.

use std::collections::BTreeMap;
use std::io::Write;

use camaudit_store::{OrgId, Organisation, Site, SiteId, Token, TokenScope};
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::Format;
use crate::check::write_aligned;
use crate::error::{Context, Result};

/// Organisation and site slugs by id, to show a token's or a site's
/// places by name. An id with no name (a row removed under our feet) is
/// shown as `#id`, never dropped.
#[derive(Debug, Default)]
pub struct EstateNames {
    orgs: BTreeMap<OrgId, String>,
    sites: BTreeMap<SiteId, String>,
}

impl EstateNames {
    pub fn new(orgs: &[Organisation], sites: &[Site]) -> EstateNames {
        EstateNames {
            orgs: orgs.iter().map(|o| (o.id, o.slug.to_string())).collect(),
            sites: sites.iter().map(|s| (s.id, s.slug.to_string())).collect(),
        }
    }

    pub fn org(&self, id: OrgId) -> String {
        self.orgs
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("#{id}"))
    }

    pub fn site(&self, id: SiteId) -> String {
        self.sites
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("#{id}"))
    }
}

/// A time as the lists show it: RFC 3339 to the second, in UTC.
pub fn timestamp(t: OffsetDateTime) -> String {
    let t = t
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(t);
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

fn optional(t: Option<OffsetDateTime>) -> Option<String> {
    t.map(timestamp)
}

fn dash(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "-".to_owned())
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrganisationRow {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub sector: &'static str,
    pub sites: usize,
    pub created_at: String,
}

impl OrganisationRow {
    pub fn of(o: &Organisation, sites: &[Site]) -> OrganisationRow {
        OrganisationRow {
            id: o.id.0,
            slug: o.slug.to_string(),
            name: o.name.clone(),
            sector: o.sector.as_str(),
            sites: sites.iter().filter(|s| s.org == o.id).count(),
            created_at: timestamp(o.created_at),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteRow {
    pub id: i64,
    pub org: String,
    pub slug: String,
    pub name: String,
    pub created_at: String,
    /// When a sensor last stored a batch for it (`None`: never).
    pub last_report_at: Option<String>,
}

impl SiteRow {
    pub fn of(s: &Site, names: &EstateNames) -> SiteRow {
        SiteRow {
            id: s.id.0,
            org: names.org(s.org),
            slug: s.slug.to_string(),
            name: s.name.clone(),
            created_at: timestamp(s.created_at),
            last_report_at: optional(s.last_report_at),
        }
    }
}

/// A token as `token list` shows it: what it may do and whether it still
/// lets anyone in, never its secret.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TokenRow {
    pub id: i64,
    pub prefix: String,
    pub scope: &'static str,
    pub org: Option<String>,
    pub sites: Vec<String>,
    pub label: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    /// `valid`, `expired` or `revoked`, at the time of listing.
    pub state: &'static str,
}

impl TokenRow {
    pub fn of(t: &Token, names: &EstateNames, now: OffsetDateTime) -> TokenRow {
        let (org, sites) = match &t.scope {
            TokenScope::Admin => (None, Vec::new()),
            TokenScope::Viewer { org } => (Some(names.org(*org)), Vec::new()),
            TokenScope::Sensor { org, sites } => (
                Some(names.org(*org)),
                sites.iter().map(|s| names.site(*s)).collect(),
            ),
        };
        let state = if t.revoked_at.is_some() {
            "revoked"
        } else if t.is_valid_at(now) {
            "valid"
        } else {
            "expired"
        };
        TokenRow {
            id: t.id.0,
            prefix: t.prefix.clone(),
            scope: t.scope.kind(),
            org,
            sites,
            label: t.label.clone(),
            created_at: timestamp(t.created_at),
            expires_at: optional(t.expires_at),
            revoked_at: optional(t.revoked_at),
            state,
        }
    }
}

/// A list the administration commands write: its columns for people and
/// for CSV.
trait Listed: Serialize {
    const WHAT: &'static str;
    const TABLE: &'static [&'static str];
    const CSV: &'static [&'static str];
    fn table_cells(&self) -> Vec<String>;
    fn csv_record(&self) -> Vec<String>;
}

impl Listed for OrganisationRow {
    const WHAT: &'static str = "organisations";
    const TABLE: &'static [&'static str] = &["ID", "SLUG", "NAME", "SECTOR", "SITES", "CREATED"];
    const CSV: &'static [&'static str] = &["id", "slug", "name", "sector", "sites", "created_at"];
    fn table_cells(&self) -> Vec<String> {
        self.csv_record()
    }
    fn csv_record(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.slug.clone(),
            self.name.clone(),
            self.sector.to_owned(),
            self.sites.to_string(),
            self.created_at.clone(),
        ]
    }
}

impl Listed for SiteRow {
    const WHAT: &'static str = "sites";
    const TABLE: &'static [&'static str] = &["ID", "SITE", "NAME", "CREATED", "LAST REPORT"];
    const CSV: &'static [&'static str] =
        &["id", "org", "slug", "name", "created_at", "last_report_at"];
    fn table_cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            format!("{}/{}", self.org, self.slug),
            self.name.clone(),
            self.created_at.clone(),
            self.last_report_at
                .clone()
                .unwrap_or_else(|| "never".to_owned()),
        ]
    }
    fn csv_record(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.org.clone(),
            self.slug.clone(),
            self.name.clone(),
            self.created_at.clone(),
            self.last_report_at.clone().unwrap_or_default(),
        ]
    }
}

impl Listed for TokenRow {
    const WHAT: &'static str = "tokens";
    const TABLE: &'static [&'static str] = &[
        "ID", "PREFIX", "SCOPE", "ORG", "SITES", "LABEL", "CREATED", "EXPIRES", "REVOKED", "STATE",
    ];
    const CSV: &'static [&'static str] = &[
        "id",
        "prefix",
        "scope",
        "org",
        "sites",
        "label",
        "created_at",
        "expires_at",
        "revoked_at",
        "state",
    ];
    fn table_cells(&self) -> Vec<String> {
        let sites = if self.sites.is_empty() {
            "-".to_owned()
        } else {
            self.sites.join(",")
        };
        vec![
            self.id.to_string(),
            self.prefix.clone(),
            self.scope.to_owned(),
            dash(&self.org),
            sites,
            if self.label.is_empty() {
                "-".to_owned()
            } else {
                self.label.clone()
            },
            self.created_at.clone(),
            self.expires_at
                .clone()
                .unwrap_or_else(|| "never".to_owned()),
            dash(&self.revoked_at),
            self.state.to_owned(),
        ]
    }
    fn csv_record(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.prefix.clone(),
            self.scope.to_owned(),
            self.org.clone().unwrap_or_default(),
            self.sites.join(";"),
            self.label.clone(),
            self.created_at.clone(),
            self.expires_at.clone().unwrap_or_default(),
            self.revoked_at.clone().unwrap_or_default(),
            self.state.to_owned(),
        ]
    }
}

fn write_list<R: Listed>(out: &mut dyn Write, rows: &[R], format: Format) -> Result<()> {
    match format {
        Format::Table => {
            let mut table = vec![R::TABLE.iter().map(|h| (*h).to_owned()).collect()];
            table.extend(rows.iter().map(Listed::table_cells));
            write_aligned(out, &table).writing(R::WHAT)
        }
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, rows).writing(R::WHAT)?;
            writeln!(out).writing(R::WHAT)
        }
        Format::Jsonl => {
            for r in rows {
                serde_json::to_writer(&mut *out, r).writing(R::WHAT)?;
                writeln!(out).writing(R::WHAT)?;
            }
            Ok(())
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(R::CSV).writing(R::WHAT)?;
            for r in rows {
                w.write_record(r.csv_record()).writing(R::WHAT)?;
            }
            w.flush().writing(R::WHAT)
        }
    }
}

/// `org list`: every organisation.
pub fn write_organisations(
    out: &mut dyn Write,
    rows: &[OrganisationRow],
    format: Format,
) -> Result<()> {
    write_list(out, rows, format)
}

/// `site list`: sites with their last report time.
pub fn write_sites(out: &mut dyn Write, rows: &[SiteRow], format: Format) -> Result<()> {
    write_list(out, rows, format)
}

/// `token list`: tokens with their scope and state, never a secret.
pub fn write_tokens(out: &mut dyn Write, rows: &[TokenRow], format: Format) -> Result<()> {
    write_list(out, rows, format)
}

/// A token just made, with its secret: the one time the secret is shown.
#[derive(Serialize)]
struct CreatedToken<'a> {
    secret: &'a str,
    #[serde(flatten)]
    token: &'a TokenRow,
}

/// `token create`'s answer: for people the secret alone on one line (so
/// `$(camaudit token create …)` captures it); for machines the token's row
/// with the secret in front.
pub fn write_created_token(
    out: &mut dyn Write,
    secret: &str,
    row: &TokenRow,
    format: Format,
) -> Result<()> {
    const WHAT: &str = "new token";
    let created = CreatedToken { secret, token: row };
    match format {
        Format::Table => writeln!(out, "{secret}").writing(WHAT),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &created).writing(WHAT)?;
            writeln!(out).writing(WHAT)
        }
        Format::Jsonl => {
            serde_json::to_writer(&mut *out, &created).writing(WHAT)?;
            writeln!(out).writing(WHAT)
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            let header = std::iter::once("secret").chain(TokenRow::CSV.iter().copied());
            w.write_record(header).writing(WHAT)?;
            let record = std::iter::once(secret.to_owned()).chain(row.csv_record());
            w.write_record(record).writing(WHAT)?;
            w.flush().writing(WHAT)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use camaudit_store::{Sector, TokenId};
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2027-01-01 09:00 UTC);

    fn estate() -> (Vec<Organisation>, Vec<Site>) {
        let leeds = Organisation {
            id: OrgId(1),
            slug: "leeds".parse().unwrap(),
            name: "Leeds City Council".to_owned(),
            sector: Sector::Council,
            created_at: T0,
        };
        let civic = Site {
            id: SiteId(5),
            org: OrgId(1),
            slug: "civic-centre".parse().unwrap(),
            name: "Civic Centre, Calverley St".to_owned(),
            created_at: T0,
            last_report_at: None,
        };
        (vec![leeds], vec![civic])
    }

    fn sensor(revoked: bool, expires: Option<OffsetDateTime>) -> Token {
        Token {
            id: TokenId(2),
            prefix: "cam_AbCdEfGh".to_owned(),
            label: "civic sensor".to_owned(),
            scope: TokenScope::Sensor {
                org: OrgId(1),
                sites: vec![SiteId(5), SiteId(9)],
            },
            created_at: T0,
            expires_at: expires,
            revoked_at: revoked.then_some(datetime!(2027-02-01 0:00 UTC)),
        }
    }

    fn render(rows: &[TokenRow], format: Format) -> String {
        let mut out = Vec::new();
        write_tokens(&mut out, rows, format).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_token_row_names_its_places_and_its_state() {
        let (orgs, sites) = estate();
        let names = EstateNames::new(&orgs, &sites);
        let later = datetime!(2027-06-01 0:00 UTC);
        let row = TokenRow::of(&sensor(false, None), &names, later);
        assert_eq!(row.org.as_deref(), Some("leeds"));
        // Site 9 is not in the list given: shown by number, not dropped.
        assert_eq!(row.sites, vec!["civic-centre", "#9"]);
        assert_eq!(row.state, "valid");
        let expiring = Some(datetime!(2027-03-01 0:00 UTC));
        assert_eq!(
            TokenRow::of(&sensor(false, expiring), &names, later).state,
            "expired"
        );
        assert_eq!(
            TokenRow::of(&sensor(true, None), &names, later).state,
            "revoked"
        );
    }

    #[test]
    fn token_lists_in_every_format_show_the_prefix_and_the_scope() {
        let (orgs, sites) = estate();
        let names = EstateNames::new(&orgs, &sites);
        let rows = vec![TokenRow::of(&sensor(false, None), &names, T0)];
        let table = render(&rows, Format::Table);
        let mut lines = table.lines();
        assert!(lines.next().unwrap().starts_with("ID  PREFIX"));
        let row = lines.next().unwrap();
        assert!(row.contains("cam_AbCdEfGh  sensor  leeds  civic-centre,#9"));
        assert!(row.contains("never"), "{row}");
        let csv = render(&rows, Format::Csv);
        assert!(csv.starts_with("id,prefix,scope,org,sites,label,"));
        assert!(csv.contains("2,cam_AbCdEfGh,sensor,leeds,civic-centre;#9,civic sensor,"));
        let json: serde_json::Value = serde_json::from_str(&render(&rows, Format::Json)).unwrap();
        assert_eq!(json[0]["created_at"], "2027-01-01T09:00:00Z");
        assert_eq!(json[0]["expires_at"], serde_json::Value::Null);
        let jsonl = render(&rows, Format::Jsonl);
        assert_eq!(jsonl.lines().count(), 1);
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(jsonl.trim()).unwrap(),
            json[0]
        );
    }

    #[test]
    fn a_created_token_shows_its_secret_once_in_every_format() {
        let (orgs, sites) = estate();
        let names = EstateNames::new(&orgs, &sites);
        let row = TokenRow::of(&sensor(false, None), &names, T0);
        let secret = "cam_AbCdEfGhsecretsecretsecretsecretsecretsecr";
        let written = |format| {
            let mut out = Vec::new();
            write_created_token(&mut out, secret, &row, format).unwrap();
            String::from_utf8(out).unwrap()
        };
        assert_eq!(written(Format::Table), format!("{secret}\n"));
        let json: serde_json::Value = serde_json::from_str(&written(Format::Json)).unwrap();
        assert_eq!(json["secret"], secret);
        assert_eq!(json["prefix"], "cam_AbCdEfGh");
        assert_eq!(json["scope"], "sensor");
        let jsonl: serde_json::Value = serde_json::from_str(&written(Format::Jsonl)).unwrap();
        assert_eq!(jsonl, json);
        let csv = written(Format::Csv);
        let mut lines = csv.lines();
        assert!(lines.next().unwrap().starts_with("secret,id,prefix,scope,"));
        assert!(
            lines
                .next()
                .unwrap()
                .starts_with(&format!("{secret},2,cam_AbCdEfGh,sensor,"))
        );
        for text in [written(Format::Table), written(Format::Json), csv] {
            assert_eq!(text.matches(secret).count(), 1, "{text}");
        }
    }

    #[test]
    fn a_site_that_never_reported_says_so() {
        let (orgs, sites) = estate();
        let names = EstateNames::new(&orgs, &sites);
        let rows = vec![SiteRow::of(&sites[0], &names)];
        let mut out = Vec::new();
        write_sites(&mut out, &rows, Format::Table).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("leeds/civic-centre"), "{text}");
        assert!(text.trim_end().ends_with("never"), "{text}");
        assert_eq!(OrganisationRow::of(&orgs[0], &sites).sites, 1);
    }
}
