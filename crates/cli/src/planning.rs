//! What `camaudit plan`, `camaudit report` and `camaudit demo` share: the
//! policy (built-in controls with the estate's and the user's overlays)
//! and the schedule under given limits.

use std::path::Path;

use anyhow::{Context, Result, bail};
use camaudit_policy::{Assessment, Estate, Limits, Policy, remedy};

/// The built-in controls, then the estate's overlay (relative to the
/// estate file), then `controls`.
pub fn policy(estate: &Estate, estate_file: &Path, controls: Option<&Path>) -> Result<Policy> {
    let mut policy = Policy::builtin()?;
    let from_estate = estate
        .controls
        .as_ref()
        .map(|c| estate_file.parent().unwrap_or(Path::new(".")).join(c));
    for path in from_estate.iter().map(|p| p.as_path()).chain(controls) {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the controls file {}", path.display()))?;
        policy.overlay(&path.display().to_string(), &text)?;
    }
    if let Some(problem) = policy.example_failures().first() {
        bail!("{problem}: fix the control's condition or its example");
    }
    Ok(policy)
}

/// One plan per limits given, all from one schedule problem (built with
/// the first limits), in the order given.
pub fn plans(
    estate: &Estate,
    policy: &Policy,
    a: &Assessment,
    limits: &[Limits],
) -> Result<Vec<camaudit_plan::Plan>> {
    let Some(first) = limits.first() else {
        return Ok(Vec::new());
    };
    let built = remedy(estate, policy, a, first).context("building the schedule's problem")?;
    limits
        .iter()
        .map(|l| {
            let problem = built
                .problem
                .with_constraints(camaudit_policy::constraints(estate, l))
                .context("setting the plan's limits")?;
            Ok(camaudit_plan::plan(&problem))
        })
        .collect()
}

/// The plan under the estate's own budget and capacity, from `start`.
pub fn plan(
    estate: &Estate,
    policy: &Policy,
    a: &Assessment,
    start: time::Date,
    quarters: u32,
) -> Result<camaudit_plan::Plan> {
    let limits = Limits {
        start,
        budget_per_quarter: None,
        capacity_hours: None,
        quarters,
    };
    plans(estate, policy, a, std::slice::from_ref(&limits))?
        .pop()
        .context("no plan was made")
}
