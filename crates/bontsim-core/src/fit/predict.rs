//! What the model predicts for each observed quantity, as a daily series from one simulated
//! patient: area severity (at maximal contraction and at rest), masseter thickness, bite force,
//! palsy scores, strength/mass/volume per muscle, and the day movement returns in a cycle.

use super::observations::{Observation, ObservationKind};
use crate::anatomy::{Anatomy, MuscleId, Side};
use crate::engine::Model;
use crate::metrics::{EFFECT_STRENGTH, MASSETER_THICKNESS_MM, ONE_GRADE};
use crate::model::{self, index, Parameters};
use crate::plan::Plan;
use crate::simulation::Simulation;
use serde::Serialize;

/// A predicted daily quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Quantity {
    /// Severity (0-3) of an area at maximal contraction.
    SeverityMax(&'static str),
    /// Severity (0-3) of an area's lines at rest.
    SeverityRest(&'static str),
    /// Thickness (mm) of one side's muscle: the muscle's baseline thickness, scaled as the
    /// cube root of the patient's muscle mass (geometric similarity), times its volume.
    ThicknessMm(MuscleId, Side),
    /// Bite force relative to baseline.
    BiteForce,
    Sunnybrook,
    Eface,
    Strength(MuscleId, Side),
    Mass(MuscleId, Side),
    Volume(MuscleId, Side),
}

impl Quantity {
    /// The quantity an observation measures (`None` for movement return, which is an event).
    pub fn of(observation: &Observation) -> Option<Quantity> {
        Some(match observation.kind {
            ObservationKind::SeverityMax => Quantity::SeverityMax(observation.area?),
            ObservationKind::SeverityRest => Quantity::SeverityRest(observation.area?),
            ObservationKind::ThicknessMm => {
                Quantity::ThicknessMm(observation.muscle?, observation.side?)
            }
            ObservationKind::BiteForce => Quantity::BiteForce,
            ObservationKind::Sunnybrook => Quantity::Sunnybrook,
            ObservationKind::Eface => Quantity::Eface,
            ObservationKind::MovementReturned => return None,
        })
    }

    /// Name and unit, as bands and plots label it.
    pub fn label(&self) -> (String, &'static str) {
        let anatomy = Anatomy::get();
        let muscle = |m: &MuscleId, s: &Side| format!("{} {}", anatomy.muscle(*m).name, s.name());
        match self {
            Quantity::SeverityMax(area) => (format!("{area} severity_max"), "grade 0-3"),
            Quantity::SeverityRest(area) => (format!("{area} severity_rest"), "grade 0-3"),
            Quantity::ThicknessMm(m, s) => (format!("{} thickness_mm", muscle(m, s)), "mm"),
            Quantity::BiteForce => ("bite_force".into(), "fraction of baseline"),
            Quantity::Sunnybrook => ("sunnybrook".into(), "points 0-100"),
            Quantity::Eface => ("eface".into(), "points 0-100"),
            Quantity::Strength(m, s) => {
                (format!("{} strength", muscle(m, s)), "fraction of baseline")
            }
            Quantity::Mass(m, s) => (format!("{} mass", muscle(m, s)), "fraction of baseline"),
            Quantity::Volume(m, s) => (format!("{} volume", muscle(m, s)), "fraction of baseline"),
        }
    }

    fn needs_face(&self) -> bool {
        matches!(self, Quantity::Sunnybrook | Quantity::Eface)
    }

    /// The compartments ([`Anatomy::compartment`] indices) whose states make this quantity;
    /// `None`: the whole face (palsy scores grade every muscle).
    pub fn compartments(&self) -> Option<Vec<usize>> {
        let anatomy = Anatomy::get();
        Some(match *self {
            Quantity::SeverityMax(area) | Quantity::SeverityRest(area) => area_compartments(area),
            Quantity::ThicknessMm(muscle, side)
            | Quantity::Strength(muscle, side)
            | Quantity::Mass(muscle, side)
            | Quantity::Volume(muscle, side) => vec![Anatomy::compartment(muscle, side)],
            Quantity::BiteForce => ["masseter", "temporalis"]
                .iter()
                .filter_map(|name| anatomy.index_of(name))
                .flat_map(|muscle| Side::BOTH.map(|side| Anatomy::compartment(muscle, side)))
                .collect(),
            Quantity::Sunnybrook | Quantity::Eface => return None,
        })
    }
}

/// Both sides of every muscle of a wrinkle area.
fn area_compartments(area: &str) -> Vec<usize> {
    let anatomy = Anatomy::get();
    anatomy
        .ids()
        .zip(&anatomy.muscles)
        .filter(|(_, muscle)| muscle.wrinkle_area.as_deref() == Some(area))
        .flat_map(|(id, _)| Side::BOTH.map(|side| Anatomy::compartment(id, side)))
        .collect()
}

/// Where movement returns: an area (severity back within one grade of baseline) or a muscle
/// (strength back above the effect threshold, both sides' mean unless a side is named).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum ReturnTarget {
    Area(&'static str),
    Muscle(MuscleId, Option<Side>),
}

impl ReturnTarget {
    pub fn of(observation: &Observation) -> Option<ReturnTarget> {
        match (observation.area, observation.muscle) {
            (Some(area), _) => Some(ReturnTarget::Area(area)),
            (None, Some(muscle)) => Some(ReturnTarget::Muscle(muscle, observation.side)),
            _ => None,
        }
    }

    /// The compartments ([`Anatomy::compartment`] indices) whose strength decides the return.
    pub fn compartments(&self) -> Vec<usize> {
        match *self {
            ReturnTarget::Area(area) => area_compartments(area),
            ReturnTarget::Muscle(muscle, Some(side)) => vec![Anatomy::compartment(muscle, side)],
            ReturnTarget::Muscle(muscle, None) => Side::BOTH
                .map(|side| Anatomy::compartment(muscle, side))
                .to_vec(),
        }
    }

    pub fn name(&self) -> String {
        match self {
            ReturnTarget::Area(area) => area.to_string(),
            ReturnTarget::Muscle(m, side) => {
                let name = &Anatomy::get().muscle(*m).name;
                match side {
                    Some(side) => format!("{name} {}", side.name()),
                    None => name.clone(),
                }
            }
        }
    }

    /// Days of the plan's injections that treat this target (directly), in order.
    pub fn injection_days(&self, plan: &Plan) -> Vec<f64> {
        let anatomy = Anatomy::get();
        let mut days: Vec<f64> = plan
            .injections
            .iter()
            .filter(|i| match self {
                ReturnTarget::Area(area) => {
                    anatomy.muscle(i.muscle).wrinkle_area.as_deref() == Some(*area)
                }
                ReturnTarget::Muscle(m, side) => {
                    i.muscle == *m
                        && side.is_none_or(|side| i.site.shares().iter().any(|(s, _)| *s == side))
                }
            })
            .map(|i| i.day)
            .collect();
        days.dedup();
        days
    }

    /// The treated targets of a plan: every wrinkle area it treats, and every injected muscle
    /// outside the wrinkle areas (e.g. the masseter), in plan order.
    pub fn treated(plan: &Plan) -> Vec<ReturnTarget> {
        let anatomy = Anatomy::get();
        let mut targets: Vec<ReturnTarget> = crate::metrics::treated_areas(plan)
            .into_iter()
            .map(ReturnTarget::Area)
            .collect();
        for injection in &plan.injections {
            if anatomy.muscle(injection.muscle).wrinkle_area.is_none() {
                let target = ReturnTarget::Muscle(injection.muscle, None);
                if !targets.contains(&target) {
                    targets.push(target);
                }
            }
        }
        targets
    }
}

/// One simulated patient with the series its fit and forecasts read.
pub struct Prediction<'a> {
    pub plan: &'a Plan,
    pub parameters: &'a Parameters,
    pub simulation: Simulation,
    face: Option<crate::face::FaceReport>,
}

impl<'a> Prediction<'a> {
    /// Simulate `days` days; the face is graded only if `quantities` need it (it costs most).
    pub fn new(
        plan: &'a Plan,
        parameters: &'a Parameters,
        model: &Model,
        days: usize,
        needs_face: bool,
    ) -> Prediction<'a> {
        let simulation =
            crate::simulation::simulate(plan, parameters, days, &crate::SolverOptions::default());
        let face = needs_face.then(|| crate::face::report(plan, &simulation, &model.course, &[]).0);
        Prediction {
            plan,
            parameters,
            simulation,
            face,
        }
    }

    /// [`Prediction::new`] simulating only the compartments in `only` (when given): the
    /// series of quantities and return targets made of those compartments are the same to
    /// the bit, the others read them as untreated.
    pub fn of_compartments(
        plan: &'a Plan,
        parameters: &'a Parameters,
        days: usize,
        only: &[usize],
    ) -> Prediction<'a> {
        let simulation = crate::simulation::simulate_compartments(
            plan,
            parameters,
            days,
            &crate::SolverOptions::default(),
            Some(only),
        );
        Prediction {
            plan,
            parameters,
            simulation,
            face: None,
        }
    }

    /// Whether any of `quantities` needs the graded face.
    pub fn face_needed<'q>(quantities: impl IntoIterator<Item = &'q Quantity>) -> bool {
        quantities.into_iter().any(Quantity::needs_face)
    }

    fn side_state(&self, muscle: MuscleId, side: Side, day: usize) -> model::State {
        self.simulation
            .compartment(muscle, side)
            .map(|c| c.states[day.min(c.states.len() - 1)])
            .unwrap_or(model::BASELINE_STATE)
    }

    /// The daily series of `quantity` over the simulated days.
    pub fn series(&self, quantity: &Quantity) -> Vec<f64> {
        let days = self.simulation.days;
        match *quantity {
            Quantity::SeverityMax(area) => {
                crate::metrics::area_severity(self.plan, &self.simulation, self.parameters, area)
                    .map(|(_, series)| series)
                    .unwrap_or_else(|_| vec![0.0; days])
            }
            Quantity::SeverityRest(area) => {
                crate::rest_lines::area_rest_severity(self.plan, &self.simulation, area).1
            }
            Quantity::ThicknessMm(muscle, side) => {
                let scale = self.plan.patient.overrides[muscle.index()]
                    .mass_scale
                    .cbrt();
                (0..days)
                    .map(|d| {
                        MASSETER_THICKNESS_MM
                            * scale
                            * model::volume(&self.side_state(muscle, side, d))
                    })
                    .collect()
            }
            Quantity::BiteForce => {
                let anatomy = Anatomy::get();
                crate::jaw::bite_force(
                    &crate::jaw::mean_strength(&self.simulation, anatomy.index_of("masseter")),
                    &crate::jaw::mean_strength(&self.simulation, anatomy.index_of("temporalis")),
                    &vec![1.0; days],
                )
            }
            Quantity::Sunnybrook | Quantity::Eface => match &self.face {
                Some(face) => face
                    .daily
                    .iter()
                    .map(|d| {
                        if *quantity == Quantity::Sunnybrook {
                            d.sunnybrook
                        } else {
                            d.eface_total
                        }
                    })
                    .collect(),
                None => vec![f64::NAN; days],
            },
            Quantity::Strength(muscle, side) => (0..days)
                .map(|d| model::strength(&self.side_state(muscle, side, d)))
                .collect(),
            Quantity::Mass(muscle, side) => (0..days)
                .map(|d| self.side_state(muscle, side, d)[index::M])
                .collect(),
            Quantity::Volume(muscle, side) => (0..days)
                .map(|d| model::volume(&self.side_state(muscle, side, d)))
                .collect(),
        }
    }

    /// The series whose crossing back over a threshold is the return of movement, and the
    /// threshold.
    pub fn return_series(&self, target: &ReturnTarget) -> (Vec<f64>, f64) {
        self.return_series_reusing(target, &[], &[])
    }

    /// [`Prediction::return_series`] reusing series already made: `known[k]` is the series of
    /// `quantities[k]` (a severity series costs a power a day).
    pub fn return_series_reusing(
        &self,
        target: &ReturnTarget,
        quantities: &[Quantity],
        known: &[Vec<f64>],
    ) -> (Vec<f64>, f64) {
        let series = |quantity: Quantity| {
            quantities
                .iter()
                .position(|q| *q == quantity)
                .map_or_else(|| self.series(&quantity), |k| known[k].clone())
        };
        match *target {
            ReturnTarget::Area(area) => {
                let index = crate::plan::AREAS
                    .iter()
                    .position(|a| *a == area)
                    .unwrap_or(0);
                let baseline = self.plan.patient.baseline_severity[index];
                (series(Quantity::SeverityMax(area)), baseline - ONE_GRADE)
            }
            ReturnTarget::Muscle(muscle, Some(side)) => {
                (series(Quantity::Strength(muscle, side)), EFFECT_STRENGTH)
            }
            ReturnTarget::Muscle(muscle, None) => {
                let left = series(Quantity::Strength(muscle, Side::Left));
                let right = series(Quantity::Strength(muscle, Side::Right));
                (
                    left.iter()
                        .zip(&right)
                        .map(|(l, r)| (l + r) / 2.0)
                        .collect(),
                    EFFECT_STRENGTH,
                )
            }
        }
    }

    /// The day (of the plan, fractional) movement of `target` returns after the injection
    /// of day `start` treating it: the first upward crossing of the threshold after the
    /// cycle's deepest day, interpolated between days so it moves smoothly with the
    /// parameters. A cycle that never reached the threshold returns on its first day; one
    /// that has not returned by the next injection (or the horizon) returns there plus the
    /// days still missing at the recovery rate of its last week, at most a year more.
    pub fn return_day(&self, target: &ReturnTarget, start: f64, end: Option<f64>) -> f64 {
        let (series, threshold) = self.return_series(target);
        return_day_of(&series, threshold, start, end)
    }
}

/// [`Prediction::return_day`] on a series (rising back above `threshold` = returned).
pub fn return_day_of(series: &[f64], threshold: f64, start: f64, end: Option<f64>) -> f64 {
    let days = series.len();
    let first = (start.ceil() as usize).min(days.saturating_sub(1));
    let last = end
        .map_or(days, |e| (e.ceil() as usize).min(days))
        .max(first + 1)
        .min(days);
    let window = &series[first..last];
    if window.is_empty() {
        return start;
    }
    let (nadir_offset, nadir) =
        window
            .iter()
            .copied()
            .enumerate()
            .fold(
                (0, f64::INFINITY),
                |best, (i, v)| if v < best.1 { (i, v) } else { best },
            );
    if nadir >= threshold {
        return start;
    }
    for k in nadir_offset + 1..window.len() {
        if window[k] >= threshold {
            let (before, after) = (window[k - 1], window[k]);
            let fraction = (threshold - before) / (after - before);
            return (first + k - 1) as f64 + fraction.clamp(0.0, 1.0);
        }
    }
    // Not returned within the window: extrapolate the last week's rise.
    let n = window.len();
    let tail = window[n - 1];
    let week = window[n.saturating_sub(8)];
    let rate = (tail - week) / 7.0_f64.min((n - 1).max(1) as f64);
    let missing = if rate > 1e-6 {
        ((threshold - tail) / rate).min(365.0)
    } else {
        365.0
    };
    (first + n - 1) as f64 + missing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_return_day_is_the_interpolated_crossing_after_the_nadir() {
        // Falls to 0 by day 10, rises 0.1 a day from day 10.
        let series: Vec<f64> = (0..40)
            .map(|d| {
                if d <= 10 {
                    1.0 - d as f64 * 0.1
                } else {
                    (d as f64 - 10.0) * 0.1
                }
            })
            .collect();
        let day = return_day_of(&series, 0.85, 0.0, None);
        assert!((day - 18.5).abs() < 1e-9, "{day}");
        // Never below the threshold: returned at once.
        assert_eq!(return_day_of(&[1.0; 20], 0.8, 3.0, None), 3.0);
        // Not yet returned by the horizon: later than the horizon.
        assert!(return_day_of(&series[..15], 0.85, 0.0, None) > 14.0);
    }
}
