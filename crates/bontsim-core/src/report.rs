//! The report of a simulation: the stable output contract of `bontsim simulate` (JSON keys
//! documented in `docs/cli.md`). Keys may be added, never renamed or removed.

use serde::Serialize;

pub const DISCLAIMER: &str = "bontsim is research and education software, not a medical device. Its predictions are model outputs for a typical patient, not advice for any person; treatment decisions belong to a qualified clinician.";

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub disclaimer: &'static str,
    pub bontsim_version: &'static str,
    pub days: usize,
    pub start_date: Option<String>,
    pub warnings: Vec<String>,
    pub thresholds: Thresholds,
    pub injections: Vec<InjectionEcho>,
    pub muscles: Vec<MuscleReport>,
    pub areas: Vec<AreaReport>,
    pub lower_face: Option<LowerFaceReport>,
    pub risks: Vec<RiskReport>,
    /// The graded face: daily Sunnybrook, eFACE, House-Brackmann, expressivity.
    pub face: crate::face::FaceReport,
    /// Bite force relative to baseline, when the plan injects a masseter or temporalis
    /// (absent otherwise, so reports of other plans are unchanged).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jaw: Option<JawReport>,
    /// Neutralising antibodies: the conversion probability session by session, and the
    /// titre and neutralised share of each session's dose for this patient and on average.
    pub antibodies: AntibodyReport,
}

#[derive(Debug, Clone, Serialize)]
pub struct AntibodyReport {
    /// "modelled" (from the doses), "negative" or "positive" (`[patient] antibodies`).
    pub status: crate::model::immunity::AntibodyStatus,
    /// Probability of conversion by the end of the plan (as `risks[]` "neutralising_antibodies").
    pub probability: f64,
    /// Day of the session at which this (typical, median) patient converts; null: none.
    pub converted_day: Option<f64>,
    pub sessions: Vec<AntibodySession>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AntibodySession {
    pub day: f64,
    /// OnabotulinumtoxinA-equivalent units of the session.
    pub units: f64,
    /// Units weighted by the products' immunogenicity.
    pub antigen_units: f64,
    /// Probability of having converted by the end of this session.
    pub conversion_probability: f64,
    /// This patient's titre just before the session (1 = half-neutralising).
    pub titre: f64,
    /// Share of the session's dose this patient's antibodies neutralise.
    pub neutralised_fraction: f64,
    /// The population's mean neutralised share of the session's dose.
    pub expected_neutralised_fraction: f64,
}

impl Report {
    /// The first muscle-side entry of `muscle` (the left side when both are reported).
    pub fn muscle(&self, muscle: &str) -> Option<&MuscleReport> {
        self.muscles.iter().find(|m| m.muscle == muscle)
    }

    /// The probability of risk `name` (as in `risks[].risk`).
    pub fn risk(&self, name: &str) -> Option<f64> {
        self.risks
            .iter()
            .find(|r| r.risk == name)
            .map(|r| r.probability)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Thresholds {
    /// Strength (fraction of baseline) at or below which an effect is counted.
    pub effect_strength: f64,
    /// Severity below which an area is "none or mild" (grade 0-1).
    pub none_or_mild_severity: f64,
    /// Severity improvement counted as one grade.
    pub one_grade_improvement: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct InjectionEcho {
    pub day: f64,
    pub date: Option<String>,
    pub product: String,
    pub muscle: String,
    pub side: String,
    pub units: f64,
    pub equivalent_units: f64,
    pub volume_ml: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct MuscleReport {
    pub muscle: String,
    pub side: String,
    /// Units injected directly into this muscle and side (U onabotulinumtoxinA-equivalent).
    pub injected_units: f64,
    /// Units reaching it in all, including spread from neighbouring injections.
    pub received_units: f64,
    pub summary: MuscleSummary,
    pub cycles: Vec<Cycle>,
    pub daily: Vec<Daily>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MuscleSummary {
    /// First day strength fell to the effect threshold.
    pub onset_day: Option<usize>,
    /// Day of lowest strength.
    pub peak_day: usize,
    pub nadir_strength: f64,
    pub max_blockade: f64,
    /// Days with strength at or below the effect threshold.
    pub days_of_effect: usize,
    pub minimum_mass: f64,
    pub minimum_mass_day: usize,
    pub minimum_volume: f64,
    pub final_strength: f64,
    pub final_mass: f64,
    pub final_volume: f64,
    /// Largest volume loss in percent, and whether it exceeds what imaging can detect.
    pub volume_loss_percent: f64,
    pub measurable_change_percent: f64,
    pub clinical_significance: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Cycle {
    pub day: f64,
    pub units: f64,
    pub strength_before: f64,
    pub mass_before: f64,
    pub volume_before: f64,
    pub nadir_strength: f64,
    pub days_of_effect: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Daily {
    pub day: usize,
    pub blockade: f64,
    pub strength: f64,
    pub mass: f64,
    pub volume: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct AreaReport {
    pub area: String,
    pub baseline_severity: f64,
    pub summary: AreaSummary,
    pub daily: Vec<AreaDaily>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AreaSummary {
    pub nadir_severity: f64,
    pub peak_day: usize,
    /// First day the severity improved by at least one grade.
    pub onset_day: Option<usize>,
    pub days_none_or_mild: usize,
    pub days_improved_1: usize,
    pub days_improved_2: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct AreaDaily {
    pub day: usize,
    pub severity: f64,
    /// Severity of the lines at rest (0-3, the scale of `severity`; `rest_lines.rs`).
    pub rest_severity: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct LowerFaceReport {
    pub nadir_width_change_percent: f64,
    pub nadir_day: usize,
    pub nadir_width_change_mm: f64,
    pub daily: Vec<LowerFaceDaily>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LowerFaceDaily {
    pub day: usize,
    pub width_change_percent: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct JawReport {
    /// Lowest bite force (fraction of the untreated baseline) and its day.
    pub nadir_bite_force: f64,
    pub nadir_day: usize,
    /// First day after the nadir with bite force back within 10% of baseline (`None`: the
    /// nadir is within 10%, or the bite does not come back within the horizon).
    pub recovered_day: Option<usize>,
    pub daily: Vec<JawDaily>,
}

#[derive(Debug, Clone, Serialize)]
pub struct JawDaily {
    pub day: usize,
    pub bite_force: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RiskReport {
    pub risk: String,
    pub probability: f64,
    pub driver: String,
    pub source: String,
}

pub use crate::numbers::round;
