//! The dashboard's pages, one module each. Every handler takes a
//! [`Person`](crate::session::Person), reads the store through the pool
//! with what the person's reader allows, builds a view, and renders its
//! template inside [`Layout`](crate::layout::Layout).

pub mod device;
pub mod devices;
pub mod home;

use axum::Router;
use axum::routing::get;
use camaudit_server::AppState;
use camaudit_store::{Organisation, TokenScope};

use crate::session::Person;

/// Every page's route.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::page))
        .route("/devices", get(devices::page))
        .route("/devices.csv", get(devices::csv))
        .route("/devices/{site}/{scan}/{idx}", get(device::page))
}

/// Who is logged in, in words for the page's header: "viewer of Leeds City
/// Council (alice)" or "admin (ops)".
pub fn who(person: &Person, orgs: &[Organisation]) -> String {
    let label = &person.token.label;
    match &person.token.scope {
        TokenScope::Viewer { org } => {
            let name = orgs
                .iter()
                .find(|o| o.id == *org)
                .map_or("your organisation", |o| o.name.as_str());
            format!("viewer of {name} ({label})")
        }
        scope => format!("{} ({label})", scope.kind()),
    }
}
