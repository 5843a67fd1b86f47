//! The requests of the application API. Each checks itself ([`SimulateRequest::validate`]
//! and the like) before any work starts, so every front end refuses the same input with the
//! same words, naming the field at fault ([`RequestError`]).

use super::error::RequestError;
use crate::face::planner::PlannerOptions;
use crate::face::EXPRESSIVITY_FLOOR;
use crate::partial::MAX_PATIENTS;
use crate::plan::{Plan, MAX_DAYS};
use crate::product::find_product;
use crate::simulation::default_days;
use crate::trial::Responder;

/// The days simulated: `days` when given (1 to [`MAX_DAYS`]), otherwise the plan's default
/// (a year past its last injection, at least 730).
pub fn checked_days(days: Option<usize>, plan: &Plan) -> Result<usize, RequestError> {
    match days {
        Some(days) => checked_day_count(days),
        None => Ok(default_days(plan)),
    }
}

/// A number of days simulated: 1 to [`MAX_DAYS`].
fn checked_day_count(days: usize) -> Result<usize, RequestError> {
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(RequestError::out_of_range("days", days, 1, MAX_DAYS));
    }
    Ok(days)
}

/// `day` must lie within the `days` simulated (0 to days - 1).
fn within(field: &'static str, day: usize, days: usize) -> Result<(), RequestError> {
    if day >= days {
        return Err(RequestError::BeyondHorizon { field, day, days });
    }
    Ok(())
}

/// Simulate one plan and report it.
#[derive(Debug, Clone)]
pub struct SimulateRequest<'a> {
    pub plan: &'a Plan,
    /// Days simulated (default: [`crate::simulation::default_days`]).
    pub days: Option<usize>,
    /// Days graded in full in `face.at` (empty: [`crate::face::DEFAULT_AT_DAYS`]).
    pub face_days: Vec<usize>,
}

impl<'a> SimulateRequest<'a> {
    /// The plan over its default days, the face graded on the default days.
    pub fn new(plan: &'a Plan) -> SimulateRequest<'a> {
        SimulateRequest {
            plan,
            days: None,
            face_days: Vec::new(),
        }
    }

    /// The days simulated, once every field is checked.
    pub fn validate(&self) -> Result<usize, RequestError> {
        let days = checked_days(self.days, self.plan)?;
        for &day in &self.face_days {
            within("face_days", day, days)?;
        }
        Ok(days)
    }
}

/// Simulate two plans over the same days, for a side-by-side comparison.
#[derive(Debug, Clone)]
pub struct CompareRequest<'a> {
    pub plans: [&'a Plan; 2],
    /// Days simulated for both (default: the longer of the plans' defaults).
    pub days: Option<usize>,
}

impl CompareRequest<'_> {
    /// The days simulated, once checked.
    pub fn validate(&self) -> Result<usize, RequestError> {
        common_days(self.days, self.plans.iter().copied())
    }
}

/// `days` when given, checked; otherwise the longest default of `plans` (730 without plans).
fn common_days<'p>(
    days: Option<usize>,
    plans: impl Iterator<Item = &'p Plan>,
) -> Result<usize, RequestError> {
    match days {
        Some(days) => checked_day_count(days),
        None => Ok(plans.map(default_days).max().unwrap_or(730)),
    }
}

/// One arm of a trial: its display name, its plan, and the SHA-256 of the plan's text (which
/// partial results record, so shards of different plans never merge).
#[derive(Debug, Clone)]
pub struct TrialArm {
    pub name: String,
    pub plan: Plan,
    pub plan_sha256: String,
}

/// A shard `index` of `count` (1 <= index <= count): a share of a trial's patients, whose
/// partial results `trial_merge` adds up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// A shard, checked.
    pub fn new(index: u64, count: u64) -> Result<Shard, RequestError> {
        if count == 0 || index == 0 || index > count {
            return Err(RequestError::unusable(
                "shard",
                format!("{index}/{count} needs 1 <= i <= n"),
            ));
        }
        Ok(Shard { index, count })
    }

    /// Parse `i/n`, e.g. `2/8`.
    pub fn parse(text: &str) -> Result<Shard, RequestError> {
        let malformed = || RequestError::Malformed {
            field: "shard",
            value: text.to_string(),
            form: "i/n (e.g. 2/8)",
        };
        let (i, n) = text.split_once('/').ok_or_else(malformed)?;
        let number = |part: &str| -> Result<u64, RequestError> {
            part.trim().parse().map_err(|_| {
                RequestError::unusable("shard", format!("\"{part}\" is not a whole number"))
            })
        };
        Shard::new(number(i)?, number(n)?)
    }
}

/// Parse a responder definition by name: `none_or_mild`, `improved_1` or `improved_2`.
pub fn parse_responder(text: &str) -> Result<Responder, RequestError> {
    Responder::ALL
        .into_iter()
        .find(|r| r.name() == text)
        .ok_or_else(|| RequestError::UnknownName {
            field: "responder",
            value: text.to_string(),
            allowed: Responder::ALL.map(Responder::name).join(", "),
        })
}

/// The days at which muscle volume is summarised when a trial names none.
pub const DEFAULT_ATROPHY_DAYS: [usize; 3] = [90, 180, 365];

/// A virtual trial: one arm per plan, `patients` virtual patients each.
#[derive(Debug, Clone)]
pub struct TrialRequest {
    pub arms: Vec<TrialArm>,
    pub patients: u64,
    pub seed: u64,
    /// Days simulated (default: the longest default of the arms' plans).
    pub days: Option<usize>,
    pub responder: Responder,
    /// Days at which muscle volume is summarised (empty: [`DEFAULT_ATROPHY_DAYS`]).
    pub atrophy_days: Vec<usize>,
    /// Worker threads (default: one per core); at most [`super::THREADS_PER_CORE`] per core
    /// are started. The result does not depend on it.
    pub threads: Option<usize>,
    /// Run only this shard and return its partial result.
    pub shard: Option<Shard>,
}

impl TrialRequest {
    /// A whole trial of `patients` per arm, seed 1, responders "none or mild".
    pub fn new(arms: Vec<TrialArm>, patients: u64) -> TrialRequest {
        TrialRequest {
            arms,
            patients,
            seed: 1,
            days: None,
            responder: Responder::NoneOrMild,
            atrophy_days: Vec::new(),
            threads: None,
            shard: None,
        }
    }

    /// The trial's settings (what every shard must share), once every field is checked.
    pub fn validate(&self) -> Result<crate::trial::TrialSettings, RequestError> {
        if self.arms.is_empty() {
            return Err(RequestError::unusable(
                "plans",
                "a trial needs at least one plan",
            ));
        }
        if !(1..=MAX_PATIENTS).contains(&self.patients) {
            return Err(RequestError::out_of_range(
                "patients",
                self.patients,
                1,
                MAX_PATIENTS,
            ));
        }
        if self.threads == Some(0) {
            return Err(RequestError::unusable("threads", "must be at least 1"));
        }
        if let Some(shard) = self.shard {
            Shard::new(shard.index, shard.count)?;
        }
        let days = common_days(self.days, self.arms.iter().map(|arm| &arm.plan))?;
        let atrophy_days = if self.atrophy_days.is_empty() {
            DEFAULT_ATROPHY_DAYS.to_vec()
        } else {
            self.atrophy_days.clone()
        };
        Ok(crate::trial::TrialSettings {
            seed: self.seed,
            patients: self.patients,
            days,
            responder: self.responder,
            atrophy_days,
        })
    }
}

/// Smallest and largest base sample counts of a sensitivity analysis.
pub const SENSITIVITY_SAMPLES: std::ops::RangeInclusive<usize> = 8..=1_000_000;

/// Sensitivity of one plan's outcomes to the model parameters.
#[derive(Debug, Clone)]
pub struct SensitivityRequest<'a> {
    pub plan: &'a Plan,
    /// Base samples N of the Sobol design (N x (parameters + 2) model runs).
    pub samples: usize,
    pub seed: u64,
    /// Days per model run (default: the plan's default).
    pub days: Option<usize>,
    /// Day at which the mass outcome is read.
    pub mass_day: usize,
}

impl<'a> SensitivityRequest<'a> {
    /// 512 samples, seed 1, mass read on day 180, over the plan's default days.
    pub fn new(plan: &'a Plan) -> SensitivityRequest<'a> {
        SensitivityRequest {
            plan,
            samples: 512,
            seed: 1,
            days: None,
            mass_day: 180,
        }
    }

    /// The days per model run, once every field is checked.
    pub fn validate(&self) -> Result<usize, RequestError> {
        if !SENSITIVITY_SAMPLES.contains(&self.samples) {
            return Err(RequestError::out_of_range(
                "samples",
                self.samples,
                SENSITIVITY_SAMPLES.start(),
                SENSITIVITY_SAMPLES.end(),
            ));
        }
        if self.plan.injections.is_empty() {
            return Err(RequestError::unusable(
                "plan",
                "the plan has no injection: nothing to analyse",
            ));
        }
        let days = checked_days(self.days, self.plan)?;
        within("mass_day", self.mass_day, days)?;
        Ok(days)
    }
}

/// Largest total and per-muscle units the symmetry planner may propose.
pub const MAX_PROPOSED_UNITS: f64 = 1000.0;
/// Longest horizon the symmetry planner grades (10 years).
pub const MAX_HORIZON_DAYS: usize = 3650;

/// Doses that even a palsied face (the planner's options by name, as a front end gets them).
#[derive(Debug, Clone)]
pub struct SymmetryRequest<'a> {
    pub plan: &'a Plan,
    pub max_units: f64,
    pub horizon_days: usize,
    pub synkinesis: bool,
    pub day: f64,
    /// Product name (any name `crate::product::find_product` knows).
    pub product: String,
    pub max_per_muscle: Option<f64>,
    pub step_units: f64,
    pub min_expressivity: f64,
}

impl<'a> SymmetryRequest<'a> {
    /// The planner's defaults: 50 U of onabotulinumtoxinA on day 0 in steps of 2.5 U, graded
    /// over 180 days, synkinesis untreated.
    pub fn new(plan: &'a Plan) -> SymmetryRequest<'a> {
        SymmetryRequest {
            plan,
            max_units: 50.0,
            horizon_days: 180,
            synkinesis: false,
            day: 0.0,
            product: "onabotulinumtoxinA".into(),
            max_per_muscle: None,
            step_units: 2.5,
            min_expressivity: EXPRESSIVITY_FLOOR,
        }
    }

    /// The planner's options, once every field is checked.
    pub fn validate(&self) -> Result<PlannerOptions, RequestError> {
        let product = find_product(&self.product).ok_or_else(|| RequestError::UnknownName {
            field: "product",
            value: self.product.clone(),
            allowed: crate::product::products()
                .iter()
                .map(|product| product.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })?;
        let units = |field: &'static str, value: f64| {
            if value > 0.0 && value <= MAX_PROPOSED_UNITS {
                Ok(())
            } else {
                Err(RequestError::unusable(
                    field,
                    format!("must be above 0 and at most {MAX_PROPOSED_UNITS}, got {value}"),
                ))
            }
        };
        units("max_units", self.max_units)?;
        if !(1..=MAX_HORIZON_DAYS).contains(&self.horizon_days) {
            return Err(RequestError::out_of_range(
                "horizon_days",
                self.horizon_days,
                1,
                MAX_HORIZON_DAYS,
            ));
        }
        if !(self.day.is_finite() && (0.0..=MAX_DAYS as f64).contains(&self.day)) {
            return Err(RequestError::out_of_range("day", self.day, 0, MAX_DAYS));
        }
        if self.day.ceil() + self.horizon_days as f64 > MAX_DAYS as f64 {
            return Err(RequestError::unusable(
                "horizon_days",
                format!("the day plus the horizon must stay within {MAX_DAYS} days (100 years), as in simulate"),
            ));
        }
        if !(self.step_units > 0.0 && self.step_units <= self.max_units) {
            return Err(RequestError::unusable(
                "step_units",
                format!(
                    "must be above 0 and at most the maximum units ({}), got {}",
                    self.max_units, self.step_units
                ),
            ));
        }
        if let Some(cap) = self.max_per_muscle {
            units("max_per_muscle", cap)?;
        }
        if !(0.0..=1.0).contains(&self.min_expressivity) {
            return Err(RequestError::out_of_range(
                "min_expressivity",
                self.min_expressivity,
                0,
                1,
            ));
        }
        if self.plan.palsy.is_none() {
            return Err(RequestError::unusable(
                "palsy",
                "the plan has no [palsy] profile; plan-symmetry balances a palsied face",
            ));
        }
        let mut options = PlannerOptions::new(product);
        options.day = self.day;
        options.horizon_days = self.horizon_days;
        options.max_units = self.max_units;
        options.max_units_per_muscle = self.max_per_muscle;
        options.step_units = self.step_units;
        options.treat_synkinesis = self.synkinesis;
        options.min_expressivity = self.min_expressivity;
        Ok(options)
    }
}
