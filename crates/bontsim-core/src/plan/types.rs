//! The validated plan and its parts: the patient, the expanded injections, and the limits
//! every plan keeps. These are the only plan values the model reads; they are built by
//! validation ([`super::validate`]) from text or from [`super::PlanBuilder`], never directly.

use super::palsy;
use crate::anatomy::{MuscleId, Side};
use crate::model::immunity::AntibodyStatus;
use serde::Serialize;

/// Wrinkle areas scored by the model.
pub const AREAS: [&str; 3] = ["glabella", "forehead", "lateral_canthal"];

/// Default baseline severity at maximal contraction: "severe" (3) on the 0-3 scale, the
/// enrolment level of most pivotal glabellar trials (moderate-to-severe at maximal frown).
pub const DEFAULT_BASELINE_SEVERITY: f64 = 3.0;

/// Latest day a plan may reach (100 years): keeps every horizon and output bounded.
pub const MAX_DAY: f64 = MAX_DAYS as f64;

/// Most days a simulation may run (100 years), the whole-day form of [`MAX_DAY`].
pub const MAX_DAYS: usize = 36_500;

/// Largest number of injections a plan may expand to; protects against `times = 10^9`.
pub const MAX_INJECTIONS: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
}

/// Where a dose goes: one side, or split half and half across the midline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Site {
    Left,
    Right,
    Midline,
}

impl Site {
    /// The sides that receive a share of the dose, with the share.
    pub fn shares(self) -> &'static [(Side, f64)] {
        match self {
            Site::Left => &[(Side::Left, 1.0)],
            Site::Right => &[(Side::Right, 1.0)],
            Site::Midline => &[(Side::Left, 0.5), (Side::Right, 0.5)],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MuscleOverride {
    pub mass_scale: f64,
    pub sensitivity: f64,
    pub atrophy_susceptibility: Option<f64>,
}

impl Default for MuscleOverride {
    fn default() -> Self {
        MuscleOverride {
            mass_scale: 1.0,
            sensitivity: 1.0,
            atrophy_susceptibility: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Patient {
    pub sex: Sex,
    pub age: f64,
    /// Baseline severity per area in [`AREAS`] order.
    pub baseline_severity: [f64; 3],
    /// Baseline severity of the lines at rest per area in [`AREAS`] order; `None`: the
    /// default fraction of `baseline_severity` (`rest_lines::DEFAULT_REST_FRACTION`).
    pub rest_severity: [Option<f64>; 3],
    /// Neutralising-antibody status (`[patient] antibodies`; modelled from the doses unless
    /// known).
    #[serde(skip_serializing_if = "AntibodyStatus::is_modelled")]
    pub antibodies: AntibodyStatus,
    /// Where this patient stands in the population's immune response (uniform in [0, 1)):
    /// a modelled patient converts once the conversion probability exceeds it. The typical
    /// patient is the median; virtual trial patients draw it (`population`). Not a plan key.
    #[serde(skip)]
    pub immune_quantile: f64,
    /// Overrides per muscle index (default where absent).
    pub overrides: Vec<MuscleOverride>,
}

/// One injection after repeat expansion.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Injection {
    /// Day of the injection, day 0 being the plan's first day.
    pub day: f64,
    pub product: &'static str,
    pub muscle: MuscleId,
    pub site: Site,
    /// Labelled units of the product.
    pub units: f64,
    /// OnabotulinumtoxinA-equivalent units.
    pub equivalent_units: f64,
    /// Injected volume in mL (default 0.1 mL per injection, the labelled 4 U/0.1 mL dilution).
    pub volume_ml: f64,
    /// 1-based index of the `[[injection]]` entry it came from.
    pub entry: usize,
}

/// A validated plan: the only input the model accepts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub patient: Patient,
    /// Expanded injections sorted by day (stable: file order within a day).
    pub injections: Vec<Injection>,
    /// Day number (days since 1970-01-01) of day 0 when the plan used dates.
    pub start_date: Option<i64>,
    /// Facial palsy profile and therapy sessions, validated (simulated by `crate::face`).
    pub palsy: Option<palsy::Palsy>,
    pub therapies: Vec<palsy::Therapy>,
    /// `[[observation]]`: what a clinic observed of this patient, for `crate::fit`; the
    /// simulation does not read them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub observations: Vec<crate::fit::Observation>,
    pub warnings: Vec<String>,
}

impl Plan {
    /// Treatment sessions `(day, U-eq)`: the injections of one day that pass `filter`,
    /// summed, in day order.
    pub fn sessions(&self, filter: impl Fn(&Injection) -> bool) -> Vec<(f64, f64)> {
        let mut sessions: Vec<(f64, f64)> = Vec::new();
        for injection in self.injections.iter().filter(|i| filter(i)) {
            match sessions.last_mut() {
                Some((day, total)) if *day == injection.day => *total += injection.equivalent_units,
                _ => sessions.push((injection.day, injection.equivalent_units)),
            }
        }
        sessions
    }

    /// The plan's extent in words: "7 injections in 1 session on day 0", "12 injections in
    /// 3 sessions over 240 days (day 0 to day 240)", "no injections". A session is a day
    /// with injections.
    pub fn extent(&self) -> String {
        let sessions = self.sessions(|_| true);
        let injections = match self.injections.len() {
            1 => "1 injection".to_string(),
            n => format!("{n} injections"),
        };
        match (sessions.first(), sessions.last()) {
            (Some(&(first, _)), _) if sessions.len() == 1 => {
                format!("{injections} in 1 session on day {first}")
            }
            (Some(&(first, _)), Some(&(last, _))) => format!(
                "{injections} in {} sessions over {} days (day {first} to day {last})",
                sessions.len(),
                crate::numbers::round(last - first)
            ),
            _ => "no injections".into(),
        }
    }
}

/// Default injected volume per injection (mL): 4 U in 0.1 mL on the Botox Cosmetic label.
pub const DEFAULT_VOLUME_ML: f64 = 0.1;

/// The format of plan text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Toml,
    Json,
}
