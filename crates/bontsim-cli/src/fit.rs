//! `bontsim fit`: a patient's own parameters fitted to their observations, and forecasts
//! over the posterior, written to a directory (posterior.json, draws.csv, bands.csv, one
//! SVG figure per banded quantity). The directory changes as a whole (files.rs,
//! [`OutputDirectory`]). On a terminal, a short summary is printed too.

use crate::files::OutputDirectory;
use crate::Failure;
use bontsim_core::engine::Engine;
use bontsim_core::fit::{parse_observations_csv, FitRequest, FitResult, Observation};
use bontsim_core::plan::Plan;
use bontsim_render::{figures, text, Format};
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
        Failure::input(text::fit::observation_errors(
            &path.display().to_string(),
            &errors,
        ))
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
    let mut json = text::fit::posterior(result)?;
    let figures: Vec<serde_json::Value> = result
        .bands
        .iter()
        .take(MAX_FIGURES)
        .enumerate()
        .map(|(k, band)| serde_json::json!({"file": FIT_FILES[3 + k], "quantity": band.quantity}))
        .collect();
    json["figures"] = serde_json::Value::Array(figures);
    let mut posterior = serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?;
    posterior.push('\n');
    output.write("posterior.json", posterior.as_bytes())?;
    output.write("draws.csv", text::fit::draws_csv(result).as_bytes())?;
    output.write("bands.csv", text::fit::bands_csv(result).as_bytes())?;

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
