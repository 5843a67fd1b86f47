//! Plans: the patient and the injections of a treatment plan, parsed from TOML or JSON,
//! validated, with repeats expanded and units converted to onabotulinumtoxinA equivalents.
//!
//! Data flows one way: text -> [`schema::PlanFile`] -> [`Plan`] (validated) -> the model.
//! Code that builds plans ([`Plan::builder`]) fills the same [`schema::PlanFile`] and goes
//! through the same validation. The modules: `types` the validated plan, `errors` its
//! errors, `source_lines` where fields sit in the text, `validate` the checks.
//! Errors name the field and, for TOML, the line; warnings (label limits, short intervals)
//! never stop a simulation and never silently change the plan.

pub mod aliases;
mod builder;
pub mod date;
mod errors;
pub mod fields;
mod injection;
pub mod loose;
pub mod palsy;
pub mod schema;
mod source_lines;
mod types;
mod validate;
pub mod warnings;

pub use builder::{InjectionEntry, PlanBuilder};
pub use errors::{PlanError, PlanErrors};
pub use types::{
    Format, Injection, MuscleOverride, Patient, Plan, Sex, Site, AREAS, DEFAULT_BASELINE_SEVERITY,
    DEFAULT_VOLUME_ML, MAX_DAY, MAX_DAYS, MAX_INJECTIONS,
};
