//! The plan file as written by users (TOML, or the same schema as JSON), before validation.
//!
//! These keys are a promise to users: extend them, never rename or remove one.
//! Unknown keys are rejected so that a typo never silently changes a simulation.
//! [`super::fields`] fills these structures from the text key by key; a key that is absent,
//! or present with the wrong type (already reported, with its line), is `None` here.

use std::collections::BTreeMap;

#[derive(Debug, Clone, Default)]
pub struct PlanFile {
    /// `None` only when missing or not a table (reported).
    pub patient: Option<PatientFile>,
    pub injections: Vec<InjectionFile>,
    /// Facial palsy profile.
    pub palsy: Option<super::palsy::PalsyFile>,
    pub therapies: Vec<super::palsy::TherapyFile>,
    /// `[[observation]]`: what a clinic observed of this patient (`crate::fit`).
    pub observations: Vec<crate::fit::ObservationFile>,
}

#[derive(Debug, Clone, Default)]
pub struct PatientFile {
    pub sex: Option<String>,
    pub age: Option<f64>,
    /// Wrinkle severity (0-3) at maximal contraction before treatment, per area.
    pub baseline_severity: BTreeMap<String, f64>,
    /// Severity (0-3) of the lines at rest before treatment, per area (optional).
    pub rest_severity: BTreeMap<String, f64>,
    /// Neutralising-antibody status: "modelled" (default), "negative" or "positive".
    pub antibodies: Option<String>,
    /// Per-muscle overrides of the typical patient, keyed by muscle name.
    pub muscles: BTreeMap<String, MuscleOverrideFile>,
}

#[derive(Debug, Clone, Default)]
pub struct MuscleOverrideFile {
    /// Muscle mass relative to the anatomy table (e.g. 1.4 for masseter hypertrophy).
    pub mass_scale: Option<f64>,
    /// Multiplier on toxin sensitivity (1.0 typical; larger is more sensitive).
    pub sensitivity: Option<f64>,
    /// Replaces the anatomy table's atrophy susceptibility (0 to 0.95).
    pub atrophy_susceptibility: Option<f64>,
}

#[derive(Debug, Clone, Default)]
pub struct InjectionFile {
    pub day: Option<f64>,
    /// `YYYY-MM-DD`, from a string or an unquoted TOML date.
    pub date: Option<String>,
    pub product: Option<String>,
    pub muscle: Option<String>,
    /// A treatment area (`super::aliases`), instead of `muscle`.
    pub area: Option<String>,
    /// Required for a muscle; for an area, absent means both sides.
    pub side: Option<String>,
    /// Labelled units; for an area, the total for the area.
    pub units: Option<f64>,
    pub volume_ml: Option<f64>,
    pub every_days: Option<f64>,
    pub times: Option<i64>,
}
