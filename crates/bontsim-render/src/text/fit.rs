//! A patient's fit and the optimiser's proposal as text, for `bontsim fit` / `optimise` and
//! every other front end (the Python package gives the same texts): the posterior JSON, the
//! draws and bands CSV tables, observation errors in `FILE:LINE: FIELD: why` form, and the
//! plan with the proposed sessions appended as commented `[[injection]]` tables.

use bontsim_core::fit::optimise::{Goals, OptimiseResult};
use bontsim_core::fit::{FitResult, ObservationError};
use std::fmt::Write as _;

/// The observations file's errors as the command line reports them: a first line, then one
/// `NAME:LINE: FIELD: why` line per bad field (`name`: the file as the user named it).
pub fn observation_errors(name: &str, errors: &[ObservationError]) -> String {
    let lines: Vec<String> = errors
        .iter()
        .map(|e| format!("{name}:{}: {}: {}", e.line, e.field, e.message))
        .collect();
    format!("invalid observations\n{}", lines.join("\n"))
}

/// `posterior.json` without its `figures` (the files only the command line draws).
pub fn posterior(result: &FitResult) -> Result<serde_json::Value, String> {
    serde_json::to_value(result).map_err(|e| format!("cannot serialise the posterior: {e}"))
}

/// `draws.csv`: `draw`, one column per parameter (multipliers), `return_day_AREA` per target.
pub fn draws_csv(result: &FitResult) -> String {
    let mut draws = String::from("draw");
    for p in &result.parameters {
        let _ = write!(draws, ",{}", p.name);
    }
    for cycle in &result.next_cycle {
        let _ = write!(draws, ",return_day_{}", cycle.area.replace(' ', "_"));
    }
    draws.push('\n');
    for (k, (draw, returns)) in result
        .draws
        .iter()
        .zip(&result.draw_return_days)
        .enumerate()
    {
        let _ = write!(draws, "{}", k + 1);
        for value in draw.iter().chain(returns) {
            let _ = write!(draws, ",{}", bontsim_core::numbers::round(*value));
        }
        draws.push('\n');
    }
    draws
}

/// `bands.csv`: `quantity,unit,day,median,low50,high50,low90,high90`, daily.
pub fn bands_csv(result: &FitResult) -> String {
    let mut bands = String::from("quantity,unit,day,median,low50,high50,low90,high90\n");
    for band in &result.bands {
        for d in &band.days {
            let _ = writeln!(
                bands,
                "{},{},{},{},{},{},{},{}",
                band.quantity, band.unit, d.day, d.median, d.low50, d.high50, d.low90, d.high90
            );
        }
    }
    bands
}

/// `bontsim optimise`'s output: the plan's text, then the proposed sessions as
/// `[[injection]]` tables with a comment per choice (what it buys, the posterior probability
/// of each goal).
pub fn proposal(plan_text: &str, result: &OptimiseResult, goals: &Goals) -> String {
    let mut out = plan_text.trim_end().to_string();
    out.push_str("\n\n");
    let mut comment = |line: String| {
        let _ = writeln!(out, "# {line}");
    };
    comment(format!(
        "Proposed by `bontsim optimise` (bontsim {}) over {} posterior draws of this patient, {} candidates.",
        env!("CARGO_PKG_VERSION"),
        result.draws,
        result.candidates
    ));
    comment(result.disclaimer.to_string());
    comment(format!(
        "Loss = the number of goals missed (expected: posterior probability of missing each){}{}.",
        if goals.units_weight > 0.0 {
            format!(" + {} per 100 U a year", goals.units_weight)
        } else {
            String::new()
        },
        if goals.antibody_weight > 0.0 {
            format!(
                " + {} x antibody conversion probability",
                goals.antibody_weight
            )
        } else {
            String::new()
        }
    ));
    comment(format!(
        "Expected loss {:.3} (label plan: the last session repeated every 90 days, {:.3}).",
        result.expected_loss, result.label_expected_loss
    ));
    for goal in &result.goals {
        comment(format!(
            "P({}) = {:.2} (label plan {:.2})",
            goal.goal, goal.probability, goal.label_probability
        ));
    }
    comment(format!(
        "Interval {:.0} days (label minimum 90): {} sessions in the next {} days, {:.0} U a year (label plan {:.0}); antibody conversion probability {:.4} (label plan {:.4}).",
        result.interval_days,
        result.sessions,
        goals.horizon_days,
        result.units_per_year,
        result.label_units_per_year,
        result.antibody_risk,
        result.label_antibody_risk
    ));
    for dose in &result.doses {
        let volume = dose.volume_ml;
        let _ = writeln!(
            out,
            "\n[[injection]]\n# {} {}: {} U last time -> {} U (whole units, capped at the usual upper dose {} U)\nday = {}\nproduct = \"{}\"\nmuscle = \"{}\"\nside = \"{}\"\nunits = {}\nvolume_ml = {}\nevery_days = {}\ntimes = {}",
            dose.muscle,
            dose.side,
            dose.last_units,
            dose.units,
            dose.cap_units,
            result.next_day,
            dose.product,
            dose.muscle,
            dose.side,
            dose.units,
            volume,
            result.interval_days,
            result.sessions.max(1)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use bontsim_core::fit::parse_observations_csv;

    #[test]
    fn observation_errors_name_the_file_line_and_field_of_each_bad_row() {
        let text = "day,area,kind,value\n30,glabella,severity_max,1\n60,glabella,severity_max,7\n";
        let errors = parse_observations_csv(text, None).unwrap_err();
        let message = observation_errors("visits.csv", &errors);
        let lines: Vec<&str> = message.lines().collect();
        assert_eq!(lines[0], "invalid observations");
        assert_eq!(lines.len(), 1 + errors.len());
        assert!(
            lines[1].starts_with("visits.csv:3: value: 7 is not a grade"),
            "{message}"
        );
    }
}
