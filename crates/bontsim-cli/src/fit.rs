//! `bontsim fit`: a patient's own parameters fitted to their observations, and forecasts
//! over the posterior, written to a directory (posterior.json, draws.csv, bands.csv, one
//! SVG figure per banded quantity). The directory changes as a whole (files.rs,
//! [`OutputDirectory`]). On a terminal, a short summary is printed too.

use crate::files::OutputDirectory;
use crate::Failure;
use bontsim_core::engine::Engine;
use bontsim_core::fit::{parse_observations_csv, FitRequest, FitResult, Observation};
use bontsim_core::plan::Plan;
use bontsim_render::{figures, Format};
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::Path;

/// Most banded quantities drawn (observed ones first); the rest are in bands.csv.
const MAX_FIGURES: usize = 24;

/// Every file `fit` writes (a directory holding only these may be replaced).
const FIT_FILES: &[&str] = &[
    "posterior.json",
    "draws.csv",
    "bands.csv",
    "forecast_01.svg",
    "forecast_02.svg",
    "forecast_03.svg",
    "forecast_04.svg",
    "forecast_05.svg",
    "forecast_06.svg",
    "forecast_07.svg",
    "forecast_08.svg",
    "forecast_09.svg",
    "forecast_10.svg",
    "forecast_11.svg",
    "forecast_12.svg",
    "forecast_13.svg",
    "forecast_14.svg",
    "forecast_15.svg",
    "forecast_16.svg",
    "forecast_17.svg",
    "forecast_18.svg",
    "forecast_19.svg",
    "forecast_20.svg",
    "forecast_21.svg",
    "forecast_22.svg",
    "forecast_23.svg",
    "forecast_24.svg",
];

/// Read and check the observations file against the plan's dates: `FILE:LINE: FIELD: why`.
pub fn load_observations(path: Option<&Path>, plan: &Plan) -> Result<Vec<Observation>, Failure> {
    let Some(path) = path else {
        return Ok(Vec::new());
    };
    let text = crate::files::read_observations(path).map_err(Failure::input)?;
    parse_observations_csv(&text, plan.start_date).map_err(|errors| {
        let name = path.display();
        let lines: Vec<String> = errors
            .iter()
            .map(|e| format!("{name}:{}: {}: {}", e.line, e.field, e.message))
            .collect();
        Failure::input(format!("invalid observations\n{}", lines.join("\n")))
    })
}

/// Fit and write the directory.
pub fn run(
    engine: &Engine,
    request: &FitRequest,
    plan_name: &str,
    dir: &Path,
) -> Result<(), Failure> {
    request.validate().map_err(crate::request_failure)?;
    let output = OutputDirectory::begin(dir, "fit", FIT_FILES).map_err(Failure::input)?;
    let result = engine.fit(request).map_err(crate::engine_failure)?;
    write(&result, plan_name, output).map_err(Failure::input)?;
    if std::io::stdout().is_terminal() {
        print!("{}", summary(&result));
    }
    eprintln!(
        "wrote posterior.json, draws.csv, bands.csv and {} figures in {}",
        result.bands.len().min(MAX_FIGURES),
        dir.display()
    );
    Ok(())
}

fn write(result: &FitResult, plan_name: &str, output: OutputDirectory) -> Result<(), String> {
    let mut json = serde_json::to_value(result).map_err(|e| e.to_string())?;
    let figures: Vec<serde_json::Value> = result
        .bands
        .iter()
        .take(MAX_FIGURES)
        .enumerate()
        .map(|(k, band)| serde_json::json!({"file": FIT_FILES[3 + k], "quantity": band.quantity}))
        .collect();
    json["figures"] = serde_json::Value::Array(figures);
    let mut text = serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?;
    text.push('\n');
    output.write("posterior.json", text.as_bytes())?;

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
    output.write("draws.csv", draws.as_bytes())?;

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
    output.write("bands.csv", bands.as_bytes())?;

    for (k, band) in result.bands.iter().take(MAX_FIGURES).enumerate() {
        let points: Vec<(f64, f64)> = result
            .observations
            .iter()
            .filter(|o| {
                bontsim_core::fit::predict::Quantity::of(o)
                    .is_some_and(|q| q.label().0 == band.quantity)
            })
            .map(|o| (o.day, o.value))
            .collect();
        let file = FIT_FILES[3 + k];
        let bytes = figures::forecast_band(band, &points, plan_name, Format::Svg)
            .map_err(|e| format!("cannot draw {file}: {e}"))?;
        output.write(file, &bytes)?;
    }
    output.commit()
}

/// The terminal summary: parameters, next cycle, diagnostics, the disclaimer.
pub fn summary(result: &FitResult) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Posterior of this patient's parameters (multiples of the typical patient; {} observations, prior weight {}):",
        result.diagnostics.observations, result.prior_weight
    );
    for p in &result.parameters {
        let _ = writeln!(
            out,
            "  {:<17} MAP {:>6.2}  median {:>6.2}  90% {:.2}-{:.2}",
            p.name, p.map, p.median, p.p05, p.p95
        );
    }
    let _ = writeln!(
        out,
        "Movement returns after the last injection (day {}):",
        result.last_injection_day
    );
    for cycle in &result.next_cycle {
        let _ = writeln!(
            out,
            "  {:<17} day {:.0} (90% {:.0}-{:.0}); typical patient day {:.0}",
            cycle.area,
            cycle.return_day.median,
            cycle.return_day.low90,
            cycle.return_day.high90,
            cycle.typical_return_day
        );
    }
    let _ = writeln!(
        out,
        "Sampler: {} proposals, effective sample size {:.0}, MAP {}.",
        result.diagnostics.proposals,
        result.diagnostics.effective_sample_size,
        if result.diagnostics.map_converged {
            "converged"
        } else {
            "NOT converged"
        }
    );
    let _ = writeln!(out, "{}", result.disclaimer);
    out
}

/// `bontsim optimise`: the plan's text, then the proposed sessions as `[[injection]]` tables
/// with a comment per choice (what it buys, the posterior probability of each goal).
pub fn render_proposal(
    plan_text: &str,
    plan: &Plan,
    result: &bontsim_core::fit::optimise::OptimiseResult,
    goals: &bontsim_core::fit::optimise::Goals,
) -> String {
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
    let _ = plan;
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
