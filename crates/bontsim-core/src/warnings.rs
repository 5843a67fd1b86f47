//! Label-limit and practice warnings for a validated plan. They never stop a simulation
//! and never change the plan: the user sees them in every report.
//!
//! Limits: Botox/Botox Cosmetic label, at most 400 U in any 3 months and treatments at
//! least 90 days apart (pharmacodynamics.md sec. 6.1 [R]); "booster" injections 2-3 weeks
//! after a session raise antibody risk (Greene 1994; Bellows & Jankovic 2019 [R]); neck
//! (platysma) total at most 40 U per session to avoid dysphagia (muscle-and-palsy.md 4.3 [R]).

use crate::anatomy::Anatomy;
use crate::plan::Plan;

pub const LABEL_LIMIT_UNITS_PER_90_DAYS: f64 = 400.0;
pub const MINIMUM_RETREATMENT_DAYS: f64 = 90.0;
pub const BOOSTER_WINDOW_DAYS: f64 = 28.0;
pub const NECK_LIMIT_UNITS_PER_SESSION: f64 = 40.0;

pub fn label_warnings(plan: &Plan) -> Vec<String> {
    let anatomy = Anatomy::get();
    let mut warnings = Vec::new();
    let injections = &plan.injections;

    // Rolling 90-day totals, reported once per window start that breaks the limit.
    let mut reported_until = f64::NEG_INFINITY;
    for (i, first) in injections.iter().enumerate() {
        let window_end = first.day + 90.0;
        let total: f64 = injections[i..]
            .iter()
            .take_while(|j| j.day < window_end)
            .map(|j| j.equivalent_units)
            .sum();
        if total > LABEL_LIMIT_UNITS_PER_90_DAYS && first.day >= reported_until {
            warnings.push(format!(
                "label limit: {total:.1} U onabotulinumtoxinA-equivalent between day {} and day {} (limit {LABEL_LIMIT_UNITS_PER_90_DAYS} U in any 90 days)",
                first.day,
                window_end - 1.0
            ));
            reported_until = window_end;
        }
    }

    // Re-treatment intervals per muscle and side.
    let mut last_by_compartment: Vec<Option<f64>> = vec![None; anatomy.compartment_count()];
    for injection in injections {
        for (side, _) in injection.site.shares() {
            let compartment = Anatomy::compartment(injection.muscle, *side);
            if let Some(previous) = last_by_compartment[compartment] {
                let gap = injection.day - previous;
                let muscle = &anatomy.muscle(injection.muscle).name;
                if gap > 0.0 && gap < BOOSTER_WINDOW_DAYS {
                    warnings.push(format!(
                        "booster: {muscle} ({}) injected again on day {} only {gap} days after day {previous}; touch-ups within 4 weeks raise the risk of neutralising antibodies",
                        side.name(),
                        injection.day
                    ));
                } else if (BOOSTER_WINDOW_DAYS..MINIMUM_RETREATMENT_DAYS).contains(&gap) {
                    warnings.push(format!(
                        "short interval: {muscle} ({}) re-treated on day {} after {gap} days (label: at least {MINIMUM_RETREATMENT_DAYS} days between treatments)",
                        side.name(),
                        injection.day
                    ));
                }
            }
            last_by_compartment[compartment] = Some(injection.day);
        }
    }

    // Neck total per session (same day).
    let platysma = anatomy.index_of("platysma");
    let day_totals = plan.sessions(|j| Some(j.muscle) == platysma);
    for (day, total) in day_totals {
        if total > NECK_LIMIT_UNITS_PER_SESSION {
            warnings.push(format!(
                "neck dose: {total:.1} U onabotulinumtoxinA-equivalent into the platysma on day {day} (above {NECK_LIMIT_UNITS_PER_SESSION} U per session: dysphagia and dysphonia risk)"
            ));
        }
    }

    // Doses far above practice for the muscle: informative, not a label limit.
    for injection in injections {
        let muscle = anatomy.muscle(injection.muscle);
        let per_side = injection.equivalent_units / injection.site.shares().len() as f64;
        let high = muscle.typical_dose_units[1];
        if high > 0.0 && per_side > 2.0 * high {
            warnings.push(format!(
                "high dose: {per_side:.1} U into {} on day {} is more than twice the usual upper dose of {high} U per side",
                muscle.name, injection.day
            ));
        }
    }
    warnings
}
