//! The schema's versions: one numbered list of migrations, written once per
//! SQL dialect under the repository's `migrations/` directory and built
//! into the binary.
//!
//! Both backends apply, on open and in one transaction, every migration
//! newer than the one the database records in `schema_migrations`, and
//! refuse a database newer than [`SCHEMA_VERSION`].

/// One step of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: i64,
    /// The file's name without number and extension (`scan_kind`).
    pub name: &'static str,
    pub sql: &'static str,
}

macro_rules! migrations {
    ($dialect:literal: $($version:literal $name:literal),+ $(,)?) => {
        &[$(Migration {
            version: $version,
            name: $name,
            sql: include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"), "/../../migrations/", $dialect, "/",
                stringify!($version), "_", $name, ".sql"
            )),
        }),+]
    };
}

// The numbers are written as the files' four digits, so `stringify!`
// spells the file name.
#[rustfmt::skip]
#[allow(clippy::zero_prefixed_literal)]
pub(crate) const SQLITE: &[Migration] = migrations!("sqlite":
    0001 "scans",
    0002 "scan_kind",
    0003 "estate",
);

#[rustfmt::skip]
#[allow(clippy::zero_prefixed_literal)]
pub(crate) const POSTGRES: &[Migration] = migrations!("postgres":
    0001 "scans",
    0002 "scan_kind",
    0003 "estate",
);

/// The schema version this build writes: the last migration's number.
/// 1 is scans, blocks, observations and devices; 2 added `scans.kind`; 3
/// the estate (organisations, sites, tokens, batches, plans, and the
/// columns that tie scans, observations and devices to them).
pub const SCHEMA_VERSION: i64 = 3;

/// The table both backends record applied migrations in.
pub(crate) const VERSIONS_TABLE: &str = "schema_migrations";

/// The migrations after `current`, in order.
pub(crate) fn after(
    all: &'static [Migration],
    current: i64,
) -> impl Iterator<Item = &'static Migration> {
    all.iter().filter(move |m| m.version > current)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The migrations directory as files: (version, name) per dialect.
    fn on_disk(dialect: &str) -> Vec<(i64, String)> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations/");
        let mut found: Vec<(i64, String)> = std::fs::read_dir(format!("{dir}{dialect}"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .map(|f| {
                let stem = f
                    .strip_suffix(".sql")
                    .unwrap_or_else(|| panic!("{f}: not .sql"));
                let (n, name) = stem
                    .split_once('_')
                    .unwrap_or_else(|| panic!("{f}: no NNNN_"));
                assert_eq!(n.len(), 4, "{f}: four digits");
                (n.parse().unwrap(), name.to_owned())
            })
            .collect();
        found.sort();
        found
    }

    fn listed(all: &[Migration]) -> Vec<(i64, String)> {
        all.iter().map(|m| (m.version, m.name.to_owned())).collect()
    }

    #[test]
    fn every_file_is_listed_and_both_dialects_have_the_same_steps() {
        assert_eq!(listed(SQLITE), on_disk("sqlite"));
        assert_eq!(listed(POSTGRES), on_disk("postgres"));
        assert_eq!(listed(SQLITE), listed(POSTGRES));
    }

    #[test]
    fn versions_run_from_one_without_gaps_to_the_schema_version() {
        for all in [SQLITE, POSTGRES] {
            let versions: Vec<i64> = all.iter().map(|m| m.version).collect();
            let expected: Vec<i64> = (1..=SCHEMA_VERSION).collect();
            assert_eq!(versions, expected);
        }
        let later: Vec<i64> = after(SQLITE, 1).map(|m| m.version).collect();
        assert_eq!(later, [2, 3]);
    }
}
