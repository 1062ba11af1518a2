//! Plans a generated estate and prints greedy and optimised side by side
//! with the lower bound, the gap and the time each step took:
//!
//! ```text
//! cargo run --release -p camaudit-plan --example plan_bench -- 100000 2000
//! ```
//! Arguments: devices, sites, regions (8), seed (1). With
//! `PLAN_BENCH_PERIODS=1` it also prints spending, installer hours and the
//! risk left per quarter for both schedules. `plan_bench table` plans four
//! generated estates (200 to 100,000 devices) and prints one Markdown row
//! each: the table in BENCHMARKS.md.

use std::process::ExitCode;
use std::time::Instant;

use camaudit_plan::{Problem, generate};

fn arg(n: usize, default: u64) -> Result<u64, String> {
    match std::env::args().nth(n) {
        None => Ok(default),
        Some(s) => s
            .parse()
            .map_err(|_| format!("argument {n}: {s:?} is not a whole number")),
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("plan_bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    if std::env::args().nth(1).as_deref() == Some("table") {
        table();
        return Ok(());
    }
    let shape = generate::Shape {
        devices: arg(1, 100_000)? as usize,
        sites: arg(2, 2_000)? as usize,
        regions: arg(3, 8)? as usize,
        seed: arg(4, 1)?,
    };
    let t = Instant::now();
    let estate = generate::estate(shape);
    let constraints = generate::constraints(&estate, shape.regions);
    let actions: usize = estate.devices.iter().map(|d| d.actions.len()).sum();
    println!(
        "estate: {} devices, {} actions, {} sites, {} regions; budget {} per quarter; generated in {:.2} s",
        estate.devices.len(),
        actions,
        estate.sites.len(),
        shape.regions,
        constraints
            .budget_per_period
            .map_or("unlimited".to_owned(), |b| b.to_string()),
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let problem = Problem::new(estate, constraints).map_err(|e| e.to_string())?;
    let checked = t.elapsed();
    let cpu = cpu_seconds();
    let greedy_alone = camaudit_plan::greedy(&problem);
    let greedy_cpu = cpu_seconds() - cpu;
    let cpu = cpu_seconds();
    let bound_alone = camaudit_plan::lower_bound(&problem);
    let bound_cpu = cpu_seconds() - cpu;
    let t = Instant::now();
    let cpu = cpu_seconds();
    let plan = camaudit_plan::plan(&problem);
    let planned = t.elapsed();
    let planned_cpu = cpu_seconds() - cpu;
    assert_eq!(greedy_alone.exposure, plan.greedy.exposure);
    assert_eq!(bound_alone, plan.bound);
    println!("greedy alone {greedy_cpu:.2} s of CPU; bound alone {bound_cpu:.2} s of CPU");
    println!(
        "checked in {:.2} s; planned (greedy + optimiser + bound) in {:.2} s ({:.2} s of CPU)",
        checked.as_secs_f64(),
        planned.as_secs_f64(),
        planned_cpu
    );
    println!(
        "{:<10} {:>16} {:>14} {:>12} {:>8} {:>12}",
        "schedule", "exposure", "cost", "call-outs", "visits", "unscheduled"
    );
    for s in [&plan.greedy, &plan.optimised] {
        println!(
            "{:<10} {:>16.0} {:>14} {:>12} {:>8} {:>12}",
            s.method.name(),
            s.exposure.risk_days(),
            s.cost.to_string(),
            s.call_outs.to_string(),
            s.visits.len(),
            s.unscheduled.len()
        );
    }
    println!("{:<10} {:>16.0}", "bound", plan.bound.risk_days());
    println!(
        "bounds: knapsack {:.0}, LP relaxation {}",
        plan.bounds.knapsack.risk_days(),
        plan.bounds
            .lp
            .map_or("not computed".to_owned(), |b| format!(
                "{:.0}",
                b.risk_days()
            ))
    );
    let o = &plan.optimisation;
    println!(
        "optimised by: {} (seed {}); integer programs {} built, {} solved, {} improved",
        o.method.name(),
        o.seed.name(),
        o.programs,
        o.programs_solved,
        o.programs_improved
    );
    println!("greedy unscheduled by reason: {:?}", reasons(&plan.greedy));
    println!(
        "optimised unscheduled by reason: {:?}",
        reasons(&plan.optimised)
    );
    if std::env::var_os("PLAN_BENCH_PERIODS").is_some() {
        for (g, o) in plan.greedy.periods.iter().zip(&plan.optimised.periods) {
            println!(
                "{} {:>14} {:>14} {:>8} {:>8} {:>10.0} {:>10.0}",
                g.first,
                g.spent.to_string(),
                o.spent.to_string(),
                g.minutes.0 / 60,
                o.minutes.0 / 60,
                g.risk_at_end.per_day(),
                o.risk_at_end.per_day()
            );
        }
        let mut by_site: std::collections::BTreeMap<String, usize> = Default::default();
        for u in &plan.greedy.unscheduled {
            *by_site
                .entry(u.site.as_str().split('-').next().unwrap_or("").to_owned())
                .or_insert(0) += 1;
        }
        println!("unscheduled by site kind {by_site:?}");
    }
    println!(
        "improvement over greedy {:.1} %; gap to the bound {:.1} % (greedy's {:.1} %)",
        plan.improvement() * 100.0,
        plan.gap() * 100.0,
        (plan.greedy.exposure.0 - plan.bound.0) / plan.greedy.exposure.0.max(f64::MIN_POSITIVE)
            * 100.0
    );
    Ok(())
}

/// One row per generated estate: greedy and optimised exposure, the gain,
/// both bounds, the gap and the time the plan took.
fn table() {
    println!(
        "| estate (seed 1) | devices | sites | greedy exposure | optimised exposure | gain % | knapsack bound | LP bound | bound | gap % | made by | plan wall / CPU |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (devices, sites, regions) in [
        (200, 10, 1),
        (1_000, 40, 2),
        (10_000, 200, 4),
        (100_000, 2_000, 8),
    ] {
        let shape = generate::Shape {
            devices,
            sites,
            regions,
            seed: 1,
        };
        let estate = generate::estate(shape);
        let constraints = generate::constraints(&estate, regions);
        let Ok(problem) = Problem::new(estate, constraints) else {
            eprintln!("plan_bench: the generated estate {devices}/{sites} is refused");
            continue;
        };
        let t = Instant::now();
        let cpu = cpu_seconds();
        let plan = camaudit_plan::plan(&problem);
        let (wall, cpu) = (t.elapsed().as_secs_f64(), cpu_seconds() - cpu);
        println!(
            "| generated, {regions} regions | {devices} | {sites} | {:.0} | {:.0} | {:.1} | {:.0} | {} | {:.0} | {:.1} | {} | {wall:.2} s / {cpu:.2} s |",
            plan.greedy.exposure.0,
            plan.optimised.exposure.0,
            plan.improvement() * 100.0,
            plan.bounds.knapsack.0,
            plan.bounds
                .lp
                .map_or("–".to_owned(), |b| format!("{:.0}", b.0)),
            plan.bound.0,
            plan.gap() * 100.0,
            plan.optimisation.method.name(),
        );
    }
}

/// How many actions are unscheduled, by reason and action.
fn reasons(s: &camaudit_plan::Schedule) -> std::collections::BTreeMap<String, usize> {
    let mut m = std::collections::BTreeMap::new();
    for u in &s.unscheduled {
        *m.entry(format!("{:?} {}", u.reason, u.action.name()))
            .or_insert(0) += 1;
    }
    m
}

/// This process's user + system CPU time (Linux), to tell the work done
/// from the wait on a shared machine; 0 elsewhere.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which is in parentheses): utime is
    // the 12th and stime the 13th, in clock ticks (100 a second here).
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}
