//! bontsim-core: the pure model library of bontsim.
//!
//! Data flows one way: plan text -> [`plan::Plan`] (validated, repeats expanded, units
//! converted) -> [`simulation::simulate`] (the equations of `docs/model.md`, integrated by
//! [`solve`]) -> [`metrics::build_report`] -> front ends. No I/O happens here: front ends
//! read files and print.

pub mod anatomy;
pub mod face;
pub mod metrics;
pub mod model;
pub mod names;
pub mod numbers;
pub mod partial;
pub mod plan;
pub mod population;
pub mod product;
pub mod report;
pub mod sensitivity;
pub mod simulation;
pub mod solve;
pub mod trial;
/// Label-limit and interval warnings, computed with every plan (kept at their earlier path).
pub use plan::warnings;

pub use model::Parameters;
pub use plan::{Format, Plan, PlanError, PlanErrors};
pub use report::Report;
pub use simulation::{simulate, Simulation};
pub use solve::SolverOptions;

/// Version of the model (equations, parameters and thresholds of `docs/model.md`, the
/// population, solver tolerances and trial counting), separate from the software version: it
/// is raised whenever the same plan would give different predictions, so a report can be
/// matched to the model that produced it. `bontsim --version` prints it beside the crate
/// version; partial trial results record it, and `trial-merge` merges only partials of the
/// model it runs, so counts of different models never add up.
pub const MODEL_VERSION: &str = "1";

/// Parse, simulate and report in one call, with the typical patient's parameters.
pub fn run(plan: &Plan, days: usize) -> Report {
    let simulation = simulate(plan, &Parameters::TYPICAL, days, &SolverOptions::default());
    metrics::build_report(plan, &simulation, &Parameters::TYPICAL)
}
