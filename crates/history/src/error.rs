//! Why a diff of stored scans could not be made.

use camaudit_store::{ScanId, StoreError};

/// What went wrong, naming the scan.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The scan id is not in the store; `known` says what is.
    #[error("no scan {id} in this store; {}", known_scans(.known))]
    NoScan { id: ScanId, known: Vec<ScanId> },
    /// The two scans are of different places, so a diff would call every
    /// device of one new and every device of the other gone.
    #[error(
        "scan {a} ({place_a}) and scan {b} ({place_b}) are not of the same place: compare two scans of one site, or compare them anyway (--any-site)"
    )]
    DifferentPlaces {
        a: ScanId,
        b: ScanId,
        place_a: String,
        place_b: String,
    },
    #[error("reading {what} from the store")]
    Store {
        what: String,
        #[source]
        source: StoreError,
    },
}

fn known_scans(known: &[ScanId]) -> String {
    match (known.first(), known.last()) {
        (None, _) | (_, None) => "it holds no scans (check --db)".to_owned(),
        (Some(a), Some(b)) if a == b => format!("it holds scan {a} only (check --db)"),
        (Some(a), Some(b)) => format!(
            "it holds {} scans, numbered {a} to {b} (check --db)",
            known.len()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_scan_says_which_scans_there_are() {
        let e = HistoryError::NoScan {
            id: ScanId(9),
            known: vec![ScanId(1), ScanId(2), ScanId(4)],
        };
        assert_eq!(
            e.to_string(),
            "no scan 9 in this store; it holds 3 scans, numbered 1 to 4 (check --db)"
        );
        let e = HistoryError::NoScan {
            id: ScanId(1),
            known: vec![],
        };
        assert_eq!(
            e.to_string(),
            "no scan 1 in this store; it holds no scans (check --db)"
        );
    }
}
