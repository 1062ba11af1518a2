//! The overview page `/`: the headline figures of the latest stored board
//! report, covered devices by site and sensitivity, progress over the
//! stored scans, and the sites with their last report.

mod common;

use camaudit_server::on_both_backends;

use common::{Fixture, council_board, dashboard};

on_both_backends!(each_organisations_latest_plan_holds_the_councils_board);

async fn each_organisations_latest_plan_holds_the_councils_board(f: Fixture) {
    let f = dashboard(f);
    let store = f.store();
    for org in [f.org_a, f.org_b] {
        let plans = store.plans(org).unwrap();
        let latest = plans.first().expect("a saved plan");
        let board: camaudit_report::BoardReport =
            serde_json::from_value(latest.plan["board"].clone()).unwrap();
        assert_eq!(board, council_board());
        assert_eq!(board.overview.covered_devices, 7);
        assert!(latest.findings.as_array().is_some_and(|f| !f.is_empty()));
    }
}
