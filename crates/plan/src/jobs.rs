//! Jobs: the units the scheduler places. A job is one action on one device,
//! except a recorder's replacement, which carries the replacements of the
//! cameras tied to it, so they can only ever be done on the same visit.

use crate::problem::{Estate, Urgency};

/// One action of one device, by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Part {
    pub device: usize,
    pub action: usize,
}

#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub site: usize,
    pub pool: usize,
    pub urgency: Urgency,
    /// The lead action first; a recorder's tied cameras after it.
    pub parts: Vec<Part>,
    /// Pence, without the call-out.
    pub cost: u64,
    pub minutes: u32,
}

/// The jobs of an estate, and for each device its parts' job indexes.
pub(crate) struct Jobs {
    pub jobs: Vec<Job>,
    pub of_device: Vec<Vec<(usize, usize)>>,
}

pub(crate) fn build(
    estate: &Estate,
    site_of: &[usize],
    pool_of: &[usize],
    tied_to: &[Option<usize>],
) -> Jobs {
    let mut tied_cameras: Vec<Vec<usize>> = vec![Vec::new(); estate.devices.len()];
    for (camera, recorder) in tied_to.iter().enumerate() {
        if let Some(r) = recorder {
            tied_cameras[*r].push(camera);
        }
    }
    let mut jobs = Vec::new();
    for (d, device) in estate.devices.iter().enumerate() {
        for (a, action) in device.actions.iter().enumerate() {
            let is_replace = action.kind.is_replace();
            if is_replace && tied_to[d].is_some() {
                continue; // carried by its recorder's replacement
            }
            let mut parts = vec![Part {
                device: d,
                action: a,
            }];
            if is_replace {
                for &camera in &tied_cameras[d] {
                    let replace = estate.devices[camera]
                        .actions
                        .iter()
                        .position(|x| x.kind.is_replace());
                    if let Some(action) = replace {
                        parts.push(Part {
                            device: camera,
                            action,
                        });
                    }
                }
            }
            let site = site_of[d];
            // A tied camera that must go now brings its recorder with it.
            let urgency = parts
                .iter()
                .map(|p| estate.devices[p.device].actions[p.action].urgency)
                .min()
                .unwrap_or(action.urgency);
            let action_of = |p: &Part| &estate.devices[p.device].actions[p.action];
            jobs.push(Job {
                site,
                pool: pool_of[site],
                urgency,
                cost: parts.iter().map(|p| action_of(p).cost.0).sum(),
                minutes: parts.iter().map(|p| action_of(p).minutes.0).sum(),
                parts,
            });
        }
    }
    let mut of_device = vec![Vec::new(); estate.devices.len()];
    for (j, job) in jobs.iter().enumerate() {
        for (k, part) in job.parts.iter().enumerate() {
            of_device[part.device].push((j, k));
        }
    }
    Jobs { jobs, of_device }
}
