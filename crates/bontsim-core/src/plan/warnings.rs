//! Label-limit and practice warnings for a validated plan. They never stop a simulation
//! and never change the plan: the user sees them in every report.
//!
//! Limits: Botox/Botox Cosmetic label, at most 400 U in any 3 months and treatments at
//! least 90 days apart (pharmacodynamics.md sec. 6.1 [R]); "booster" injections 2-3 weeks
//! after a session raise antibody risk (Greene 1994; Bellows & Jankovic 2019 [R]); neck
//! (platysma) total at most 40 U per session to avoid dysphagia (muscle-and-palsy.md 4.3 [R]).

use super::{Plan, Site};
use crate::anatomy::Anatomy;
use std::collections::HashMap;

pub const LABEL_LIMIT_UNITS_PER_90_DAYS: f64 = 400.0;
pub const MINIMUM_RETREATMENT_DAYS: f64 = 90.0;
pub const BOOSTER_WINDOW_DAYS: f64 = 28.0;
pub const NECK_LIMIT_UNITS_PER_SESSION: f64 = 40.0;
/// Fixed-point scale of the 90-day totals: doses are summed in units of 1e-9 U.
const NANO_UNITS: f64 = 1e9;

pub fn label_warnings(plan: &Plan) -> Vec<String> {
    let anatomy = Anatomy::get();
    let mut warnings = Vec::new();
    let injections = &plan.injections;

    // Rolling 90-day totals, reported once per window start that breaks the limit. Doses are
    // summed in fixed point (1e-9 U), so a window's total is exact whatever the order: the
    // window slides in linear time (the injection entering is added, the one leaving is
    // subtracted; 99,000 injections within 90 days took 7 s summed afresh per window), and
    // three conversions adding up to 400 U never read as 400.00000000000006.
    let doses: Vec<u64> = injections
        .iter()
        .map(|j| (j.equivalent_units * NANO_UNITS).round() as u64)
        .collect();
    let limit = (LABEL_LIMIT_UNITS_PER_90_DAYS * NANO_UNITS) as u64;
    let mut reported_until = f64::NEG_INFINITY;
    let mut window_total: u64 = 0;
    let mut entered = 0;
    for (i, first) in injections.iter().enumerate() {
        let window_end = first.day + 90.0;
        // Injections are sorted by day, so the window [first.day, window_end) is
        // injections[i..entered], and `entered` only moves forward.
        while entered < injections.len() && injections[entered].day < window_end {
            window_total += doses[entered];
            entered += 1;
        }
        if window_total > limit && first.day >= reported_until {
            warnings.push(format!(
                "label limit: {:.1} U onabotulinumtoxinA-equivalent between day {} and day {} (limit {LABEL_LIMIT_UNITS_PER_90_DAYS} U in any 90 days)",
                window_total as f64 / NANO_UNITS,
                first.day,
                window_end - 1.0
            ));
            reported_until = window_end;
        }
        window_total -= doses[i];
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

    // Doses far above practice for the muscle: informative, not a label limit. Identical
    // doses (same muscle, side, day and units) are one line with their count.
    let mut high_doses: Vec<(String, String, usize)> = Vec::new();
    let mut high_dose_index: HashMap<String, usize> = HashMap::new();
    for injection in injections {
        let muscle = anatomy.muscle(injection.muscle);
        let per_side = injection.equivalent_units / injection.site.shares().len() as f64;
        let high = muscle.typical_dose_units[1];
        if high > 0.0 && per_side > 2.0 * high {
            let side = match injection.site {
                Site::Left => "left",
                Site::Right => "right",
                Site::Midline => "midline, per side",
            };
            let dose = format!(
                "{per_side:.1} U into {} ({side}) on day {}",
                muscle.name, injection.day
            );
            let limit = format!("more than twice the usual upper dose of {high} U per side");
            match high_dose_index.get(&dose) {
                Some(&index) => high_doses[index].2 += 1,
                None => {
                    high_dose_index.insert(dose.clone(), high_doses.len());
                    high_doses.push((dose, limit, 1));
                }
            }
        }
    }
    for (dose, limit, count) in high_doses {
        warnings.push(if count == 1 {
            format!("high dose: {dose} is {limit}")
        } else {
            format!("high dose: {count} injections of {dose}, each {limit}")
        });
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Format;

    fn plan(injections: &[(f64, &str, &str, f64)]) -> Plan {
        let mut text = String::from("[patient]\nsex = \"female\"\nage = 40\n");
        for (day, muscle, side, units) in injections {
            text += &format!(
                "[[injection]]\nday = {day}\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"{muscle}\"\nside = \"{side}\"\nunits = {units}\n"
            );
        }
        Plan::parse(&text, Format::Toml).expect("valid plan")
    }

    fn starting(plan: &Plan, prefix: &str) -> Vec<String> {
        plan.warnings
            .iter()
            .filter(|w| w.starts_with(prefix))
            .cloned()
            .collect()
    }

    /// The 90-day windows summed afresh for every window start (the definition).
    fn label_windows_by_definition(plan: &Plan) -> Vec<(f64, f64)> {
        let mut reported = Vec::new();
        let mut reported_until = f64::NEG_INFINITY;
        for (i, first) in plan.injections.iter().enumerate() {
            let total: f64 = plan.injections[i..]
                .iter()
                .take_while(|j| j.day < first.day + 90.0)
                .map(|j| j.equivalent_units)
                .sum();
            if total > LABEL_LIMIT_UNITS_PER_90_DAYS && first.day >= reported_until {
                reported.push((first.day, total));
                reported_until = first.day + 90.0;
            }
        }
        reported
    }

    #[test]
    fn sliding_label_window_reports_what_the_definition_does() {
        // Sessions of 150 U every 40 days, then a gap, then a dense month: windows that break
        // the limit, windows that do not, and windows that start inside a reported one.
        let mut injections = Vec::new();
        for k in 0..8 {
            injections.push((40.0 * k as f64, "masseter", "left", 75.0));
            injections.push((40.0 * k as f64, "masseter", "right", 75.0));
        }
        for k in 0..30 {
            injections.push((600.0 + k as f64, "frontalis", "left", 15.0));
        }
        let plan = plan(&injections);
        let expected = label_windows_by_definition(&plan);
        assert!(expected.len() >= 2, "{expected:?}");
        let reported = starting(&plan, "label limit:");
        assert_eq!(reported.len(), expected.len(), "{reported:?}");
        for (line, (day, total)) in reported.iter().zip(&expected) {
            assert!(
                line.starts_with(&format!(
                    "label limit: {total:.1} U onabotulinumtoxinA-equivalent between day {day} "
                )),
                "{line}"
            );
        }
    }

    #[test]
    fn a_total_of_exactly_the_limit_is_not_above_it() {
        // 400 U in doses whose floating-point sum is not exactly 400.
        let injections: Vec<_> = (0..30)
            .map(|k| (k as f64 * 0.1, "masseter", "left", 40.0 / 3.0))
            .collect();
        let plan = plan(&injections);
        assert!(
            starting(&plan, "label limit:").is_empty(),
            "{:?}",
            plan.warnings
        );
    }

    #[test]
    fn high_doses_name_the_side_and_identical_ones_are_grouped() {
        let plan = plan(&[
            (0.0, "masseter", "left", 200.0),
            (0.0, "masseter", "left", 200.0),
            (0.0, "masseter", "right", 200.0),
            (0.0, "procerus", "midline", 60.0),
        ]);
        let high = starting(&plan, "high dose:");
        assert_eq!(high.len(), 3, "{high:?}");
        assert!(
            high[0].starts_with("high dose: 2 injections of 200.0 U into masseter (left) on day 0, each more than twice"),
            "{}",
            high[0]
        );
        assert!(
            high[1].starts_with(
                "high dose: 200.0 U into masseter (right) on day 0 is more than twice"
            ),
            "{}",
            high[1]
        );
        assert!(
            high[2].starts_with("high dose: 30.0 U into procerus (midline, per side) on day 0"),
            "{}",
            high[2]
        );
    }
}
