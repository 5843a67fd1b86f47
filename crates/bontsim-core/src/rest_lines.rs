//! Lines at rest: the wrinkle an area shows with the face relaxed, on the 0-3 scale of the
//! severity at maximal contraction. Part of it is resting muscle tone, which follows the
//! area's strength at once; the rest is etched in the skin (a dermal state) that deepens
//! slowly with years of movement and smooths with the cumulative weeks the muscles are
//! quiet, so repeated cycles improve lines at rest cycle by cycle (Carruthers 2016 Dermatol
//! Surg 42:1094: 3 x 20 U every 4 months, progressive improvement over cycles).
//! Post-processing of the daily area strength; equations and sources in `docs/model.md`
//! sec. 2.11.

use crate::metrics::area_strength;
use crate::plan::{Plan, AREAS};
use crate::simulation::Simulation;

/// Top of the severity scale.
const MAXIMUM_SEVERITY: f64 = 3.0;
/// Default rest severity as a fraction of the severity at maximal contraction [E]: patients
/// with moderate-to-severe lines at maximal frown (3) typically show mild lines at rest (1).
pub const DEFAULT_REST_FRACTION: f64 = 1.0 / 3.0;
/// Share of the baseline lines at rest held by resting muscle tone [E]; the other half is
/// etched in the skin.
pub const TONE_SHARE: f64 = 0.5;
/// Deepening of the etched lines per day of full movement [E]: about two grades over thirty
/// years (none at 25, moderate at 55), 2/30 grade a year.
pub const DEEPENING_RATE: f64 = 2.0 / 30.0 / 365.0;
/// Smoothing rate of the etched lines per day of complete quiescence (1/day), FITTED so that
/// the typical patient reaches no lines at rest (< 0.5) within the first cycle of glabella
/// 20 U (Carruthers 2016: 76% FWS 0 at rest at some visit of cycle 1).
pub const SMOOTHING_RATE: f64 = 0.015;
/// Rest severity below which an area has no lines at rest (rounds to grade 0).
pub const NO_REST_LINES: f64 = 0.5;

/// Daily rest severity from the baseline rest severity and the area's daily strength `A`
/// (fraction of baseline): `rest = tone R0 A + W`, where the etched lines `W` start at
/// `(1 - tone) R0` and follow `dW/dt = k_deep A (1 - W/3) - k_smooth (1 - A) W`, stepped
/// exactly over each day with that day's strength.
pub fn rest_severity(baseline_rest: f64, area_strength: &[f64]) -> Vec<f64> {
    let mut etched = (1.0 - TONE_SHARE) * baseline_rest;
    area_strength
        .iter()
        .map(|&strength| {
            let activity = strength.clamp(0.0, 1.0);
            let rest =
                (TONE_SHARE * baseline_rest * activity + etched).clamp(0.0, MAXIMUM_SEVERITY);
            let source = DEEPENING_RATE * activity;
            let rate =
                DEEPENING_RATE * activity / MAXIMUM_SEVERITY + SMOOTHING_RATE * (1.0 - activity);
            if rate > 0.0 {
                let equilibrium = source / rate;
                etched = equilibrium + (etched - equilibrium) * (-rate).exp();
            }
            rest
        })
        .collect()
}

/// The patient's baseline rest severity of `area` (the plan's `rest_severity`, else
/// `DEFAULT_REST_FRACTION` of the baseline severity at maximal contraction) and its daily
/// rest severity.
pub fn area_rest_severity(plan: &Plan, simulation: &Simulation, area: &str) -> (f64, Vec<f64>) {
    let area_index = AREAS.iter().position(|a| *a == area).unwrap_or(0);
    let baseline_rest = plan.patient.rest_severity[area_index]
        .unwrap_or(plan.patient.baseline_severity[area_index] * DEFAULT_REST_FRACTION);
    let severity = rest_severity(baseline_rest, &area_strength(simulation, area));
    (baseline_rest, severity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_untreated_area_starts_at_its_baseline_and_deepens_slowly() {
        let rest = rest_severity(1.0, &vec![1.0; 3651]);
        assert!((rest[0] - 1.0).abs() < 1e-12);
        // Ten years of movement: about 2/3 grade deeper (slower as the lines deepen).
        assert!(rest[3650] > 1.4 && rest[3650] < 1.7, "{}", rest[3650]);
    }

    #[test]
    fn quiet_weeks_smooth_the_etched_lines_and_they_stay_smoother() {
        // Half strength for 90 days, then full movement: the tone part returns at once,
        // the etched part only over years.
        let strength: Vec<f64> = (0..200).map(|d| if d < 90 { 0.5 } else { 1.0 }).collect();
        let rest = rest_severity(1.0, &strength);
        // Day 0 at half strength: the tone half of the lines falls at once.
        assert!((rest[0] - 0.75).abs() < 1e-12);
        let etched_after = 0.5 * (-SMOOTHING_RATE * 0.5 * 90.0_f64).exp();
        assert!(
            (rest[90] - (0.5 + etched_after)).abs() < 0.01,
            "{}",
            rest[90]
        );
        assert!(rest[199] < 0.9);
    }

    #[test]
    fn more_quiet_cycles_give_smoother_lines() {
        let cycle = |d: usize| if d % 120 < 90 { 0.4 } else { 1.0 };
        let strength: Vec<f64> = (0..360).map(cycle).collect();
        let rest = rest_severity(1.0, &strength);
        assert!(rest[359] < rest[239] && rest[239] < rest[119]);
    }

    #[test]
    fn rest_severity_stays_on_the_scale() {
        let rest = rest_severity(3.0, &vec![1.0; 20000]);
        assert!(rest.iter().all(|&r| (0.0..=MAXIMUM_SEVERITY).contains(&r)));
        let rest = rest_severity(3.0, &vec![0.0; 2000]);
        assert!(rest.iter().all(|&r| (0.0..=MAXIMUM_SEVERITY).contains(&r)));
    }
}
