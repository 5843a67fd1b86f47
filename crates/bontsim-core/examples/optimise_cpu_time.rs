//! CPU time of `optimise` on one core, for a machine whose other cores are busy (where the
//! wall clock of `cargo bench` says more about the others than about bontsim): runs the
//! benchmark's `optimise` (benches/fit.rs) a few times and prints each run's wall time; run it
//! under `/usr/bin/time` for the CPU time:
//! `RAYON_NUM_THREADS=1 /usr/bin/time -f "%U s user" target/release/examples/optimise_cpu_time 3`
//! (and with `posterior` as second argument, the posterior alone). Figures in
//! docs/performance.md.

#[path = "../benches/common/mod.rs"]
mod common;

use bontsim_core::engine::{Engine, Model};
use bontsim_core::fit::optimise::Goals;
use bontsim_core::fit::{posterior_draws, FitRequest};

fn main() {
    let (plan, observations) = common::three_year_patient();
    let model = Model::default();
    let engine = Engine::new(model);
    let mut request = FitRequest::new(&plan, observations);
    request.sequential = false;
    let goals = Goals {
        severity_target: Some(1.0),
        volume_floor: Some(0.8),
        ..Goals::default()
    };
    let mut arguments = std::env::args().skip(1);
    let runs: usize = arguments.next().and_then(|a| a.parse().ok()).unwrap_or(3);
    let posterior_only = arguments.next().as_deref() == Some("posterior");
    for _ in 0..runs {
        let started = std::time::Instant::now();
        if posterior_only {
            posterior_draws(&request, &model);
            println!("posterior: {:.2?}", started.elapsed());
        } else {
            let proposal = engine.optimise(&request, &goals).expect("valid request");
            let units: Vec<String> = proposal.doses.iter().map(|d| d.units.to_string()).collect();
            println!(
                "optimise: {:.2?}; every {} days, units {}, expected loss {}, {} candidates over {} draws",
                started.elapsed(),
                proposal.interval_days,
                units.join(", "),
                proposal.expected_loss,
                proposal.candidates,
                proposal.draws
            );
        }
    }
}
