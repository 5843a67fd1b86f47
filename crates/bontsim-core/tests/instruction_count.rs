//! A fixed workload for counting instructions with callgrind, which repeats to the
//! instruction where wall time on a shared machine does not (docs/performance.md):
//!
//! ```text
//! cargo test --release -p bontsim-core --test instruction_count --no-run
//! RAYON_NUM_THREADS=1 valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out \
//!     target/release/deps/instruction_count-<hash> --ignored --exact full_face_for_two_years
//! ```
//! Ignored in ordinary test runs: it only does work, its assertions are elsewhere.

mod common;

use bontsim_core::{simulate, Parameters, SolverOptions};
use std::hint::black_box;

/// Ten simulations of the full face, 730 days each.
#[test]
#[ignore = "a workload for valgrind --tool=callgrind, not a check"]
fn full_face_for_two_years() {
    let plan = common::full_face();
    for _ in 0..10 {
        black_box(simulate(
            &plan,
            &Parameters::TYPICAL,
            730,
            &SolverOptions::default(),
        ));
    }
}

/// Ten simulations of glabella 20 U every 4 months, 730 days each.
#[test]
#[ignore = "a workload for valgrind --tool=callgrind, not a check"]
fn glabella_for_two_years() {
    let plan = common::example("glabella_20u_every_4_months.toml");
    for _ in 0..10 {
        black_box(simulate(
            &plan,
            &Parameters::TYPICAL,
            730,
            &SolverOptions::default(),
        ));
    }
}

/// Ten simulations of the full face, 730 days each, each turned into its report (the
/// `simulate + report` benchmark: metrics, face grading, bite force, lines at rest).
#[test]
#[ignore = "a workload for valgrind --tool=callgrind, not a check"]
fn full_face_simulated_and_reported_for_two_years() {
    let plan = common::full_face();
    for _ in 0..10 {
        let simulation = simulate(&plan, &Parameters::TYPICAL, 730, &SolverOptions::default());
        black_box(bontsim_core::metrics::build_report(
            &plan,
            &simulation,
            &Parameters::TYPICAL,
        ));
    }
}
