//! What each scope may do. Every check names exactly who is allowed, so a
//! scope added later is refused everything until it is written here.

use camaudit_store::{OrgId, SiteId, TokenScope};

/// Whether the token may read an organisation's devices, scans, findings
/// and plans: an admin reads every one, a viewer its own, a sensor none.
pub fn may_read_org(scope: &TokenScope, org: OrgId) -> bool {
    match scope {
        TokenScope::Admin => true,
        TokenScope::Viewer { org: own } => *own == org,
        TokenScope::Sensor { .. } => false,
    }
}

/// Whether the token may store a batch for `site` of `org`: only a sensor,
/// and only for a site it was issued for. Both are checked, so a site id
/// that belongs to another organisation than the token's is refused even if
/// it were listed.
pub fn may_write_site(scope: &TokenScope, org: OrgId, site: SiteId) -> bool {
    match scope {
        TokenScope::Sensor { org: own, sites } => *own == org && sites.contains(&site),
        TokenScope::Admin | TokenScope::Viewer { .. } => false,
    }
}

/// Whether the token may manage organisations, sites and tokens.
pub fn may_admin(scope: &TokenScope) -> bool {
    matches!(scope, TokenScope::Admin)
}

/// A sensor scope with no site would let nobody write anything.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a sensor token needs at least one site: give --site SITE")]
pub struct EmptySensorScope;

/// A sensor's scope for `sites` of `org`, each once and in order, refusing
/// none at all (the store's [`TokenScope::Sensor`] must never be empty).
pub fn sensor_scope(org: OrgId, sites: &[SiteId]) -> Result<TokenScope, EmptySensorScope> {
    if sites.is_empty() {
        return Err(EmptySensorScope);
    }
    let mut sites = sites.to_vec();
    sites.sort();
    sites.dedup();
    Ok(TokenScope::Sensor { org, sites })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEEDS: OrgId = OrgId(1);
    const YORK: OrgId = OrgId(2);
    const CIVIC: SiteId = SiteId(10);
    const DEPOT: SiteId = SiteId(11);
    const MINSTER: SiteId = SiteId(20);

    fn leeds_civic_sensor() -> TokenScope {
        sensor_scope(LEEDS, &[CIVIC]).unwrap()
    }

    #[test]
    fn a_sensor_writes_only_the_sites_it_was_issued_for() {
        let s = leeds_civic_sensor();
        assert!(may_write_site(&s, LEEDS, CIVIC));
        // Another site of its own organisation.
        assert!(!may_write_site(&s, LEEDS, DEPOT));
        // Another organisation's site.
        assert!(!may_write_site(&s, YORK, MINSTER));
        // Its site's id given with another organisation.
        assert!(!may_write_site(&s, YORK, CIVIC));
    }

    #[test]
    fn a_sensor_reads_nothing_and_manages_nothing() {
        let s = leeds_civic_sensor();
        assert!(!may_read_org(&s, LEEDS));
        assert!(!may_read_org(&s, YORK));
        assert!(!may_admin(&s));
    }

    #[test]
    fn a_viewer_reads_only_its_organisation_and_writes_nothing() {
        let v = TokenScope::Viewer { org: LEEDS };
        assert!(may_read_org(&v, LEEDS));
        assert!(!may_read_org(&v, YORK));
        assert!(!may_write_site(&v, LEEDS, CIVIC));
        assert!(!may_admin(&v));
    }

    #[test]
    fn an_admin_manages_and_reads_everything_but_pushes_no_batch() {
        let a = TokenScope::Admin;
        assert!(may_admin(&a));
        assert!(may_read_org(&a, LEEDS));
        assert!(may_read_org(&a, YORK));
        // Batches come from sensors only: an admin token on a sensor would
        // be a far larger loss if the sensor were taken.
        assert!(!may_write_site(&a, LEEDS, CIVIC));
    }

    #[test]
    fn a_sensor_scope_needs_a_site_and_lists_each_once() {
        assert_eq!(sensor_scope(LEEDS, &[]), Err(EmptySensorScope));
        assert_eq!(
            sensor_scope(LEEDS, &[DEPOT, CIVIC, DEPOT]),
            Ok(TokenScope::Sensor {
                org: LEEDS,
                sites: vec![CIVIC, DEPOT]
            })
        );
    }
}
