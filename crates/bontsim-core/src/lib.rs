//! bontsim-core: the pure model library of bontsim.
//!
//! Data flows one way: plan text -> [`plan::Plan`] (validated, repeats expanded, units
//! converted) -> [`simulation::simulate`] (the equations of `docs/model.md`, integrated by
//! [`solve`]) -> [`metrics::build_report`] -> front ends. No I/O happens here: front ends
//! read files and print. Front ends call it through [`Engine`] (module [`engine`]), which
//! checks requests and returns one typed [`Error`].

pub mod anatomy;
pub mod engine;
pub mod face;
pub mod fit;
pub mod jaw;
pub mod metrics;
pub mod model;
pub mod names;
pub mod numbers;
pub mod partial;
pub mod plan;
pub mod population;
pub mod product;
pub mod report;
pub mod rest_lines;
pub mod sensitivity;
pub mod simulation;
pub mod solve;
pub mod trial;
/// Label-limit and interval warnings, computed with every plan (kept at their earlier path).
pub use plan::warnings;

pub use engine::{Engine, Error, Model};
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
pub const MODEL_VERSION: &str = "5";

/// The Rust examples of README.md, compiled and run by `cargo test --doc`.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
