//! Endpoints onto identified devices: each device gets the endpoints of
//! every address it was seen on, each flagged with the maker's cloud / P2P
//! service the caller's registry names for it.

use std::collections::BTreeMap;
use std::net::IpAddr;

use camaudit_model::{Device, Endpoint, EndpointService};

/// Gives each device its endpoints. `service_for` names the vendor service
/// a DNS name belongs to (from the registry); a wire-signature match the
/// capture already made is kept.
pub fn attach_endpoints(
    devices: &mut [Device],
    endpoints: &BTreeMap<IpAddr, Vec<Endpoint>>,
    service_for: impl Fn(&str) -> Option<EndpointService>,
) {
    for d in devices.iter_mut() {
        let addrs = d.addr.iter().chain(d.other_addrs.iter());
        let mut list: Vec<Endpoint> = addrs
            .filter_map(|a| endpoints.get(a))
            .flatten()
            .cloned()
            .collect();
        for e in &mut list {
            if e.service.is_none()
                && let Some(name) = &e.name
            {
                e.service = service_for(name);
            }
        }
        list.sort_by(|a, b| {
            b.service
                .is_some()
                .cmp(&a.service.is_some())
                .then((b.bytes_out + b.bytes_in).cmp(&(a.bytes_out + a.bytes_in)))
                .then(a.addr.cmp(&b.addr))
        });
        d.endpoints = list;
    }
}
