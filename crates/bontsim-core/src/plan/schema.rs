//! The plan file as written by users (TOML, or the same schema as JSON), before validation.
//!
//! These keys are a promise to users: extend them, never rename or remove one.
//! Unknown keys are rejected so that a typo never silently changes a simulation.

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanFile {
    pub patient: PatientFile,
    #[serde(default, rename = "injection")]
    pub injections: Vec<InjectionFile>,
    /// Facial palsy profile (issue 4 schema).
    #[serde(default)]
    pub palsy: Option<super::palsy::PalsyFile>,
    #[serde(default, rename = "therapy")]
    pub therapies: Vec<super::palsy::TherapyFile>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatientFile {
    pub sex: String,
    pub age: f64,
    /// Wrinkle severity (0-3) at maximal contraction before treatment, per area.
    #[serde(default)]
    pub baseline_severity: BTreeMap<String, f64>,
    /// Per-muscle overrides of the typical patient, keyed by muscle name.
    #[serde(default)]
    pub muscles: BTreeMap<String, MuscleOverrideFile>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MuscleOverrideFile {
    /// Muscle mass relative to the anatomy table (e.g. 1.4 for masseter hypertrophy).
    pub mass_scale: Option<f64>,
    /// Multiplier on toxin sensitivity (1.0 typical; larger is more sensitive).
    pub sensitivity: Option<f64>,
    /// Replaces the anatomy table's atrophy susceptibility (0 to 0.95).
    pub atrophy_susceptibility: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InjectionFile {
    pub day: Option<f64>,
    pub date: Option<String>,
    pub product: String,
    pub muscle: String,
    pub side: String,
    pub units: f64,
    pub volume_ml: Option<f64>,
    pub every_days: Option<f64>,
    pub times: Option<i64>,
}
