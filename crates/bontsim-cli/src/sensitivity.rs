//! `bontsim sensitivity`: tornado (one at a time) and Sobol indices of a plan's outcomes,
//! written to a directory as JSON, CSV, SVG and PNG (the figures drawn by bontsim-render).
//! The directory changes as a whole (files.rs, [`OutputDirectory`]).

use crate::files::OutputDirectory;
use crate::plot::render_error;
use bontsim_core::engine::{Engine, SensitivityRequest};
use bontsim_core::sensitivity::SensitivityReport;
use bontsim_render::labels::PlanLabel;
use bontsim_render::text::sensitivity as sensitivity_text;
use bontsim_render::{figures, Format};
use std::path::Path;

/// Every file `sensitivity` writes (a directory holding only these may be replaced).
const SENSITIVITY_FILES: &[&str] = &[
    "sensitivity.json",
    "sensitivity.csv",
    "tornado.svg",
    "tornado.png",
    "sobol.svg",
    "sobol.png",
];

/// Runs the analysis on the engine and writes its directory.
pub fn run(
    engine: &Engine,
    request: &SensitivityRequest,
    label: &PlanLabel,
    dir: &Path,
) -> Result<(), crate::Failure> {
    // Refuse a bad request before the output directory is touched.
    request.validate().map_err(crate::request_failure)?;
    let output = OutputDirectory::begin(dir, "sensitivity", SENSITIVITY_FILES)
        .map_err(crate::Failure::input)?;
    let report = crate::trial::with_progress_bar("model runs ({eta} left)", |progress| {
        engine.sensitivity(request, progress)
    });
    let report = report.map_err(crate::engine_failure)?;
    write(&report, label, dir, output).map_err(crate::Failure::input)
}

/// The report's tables and figures, written into `output` (the directory `dir`).
fn write(
    report: &SensitivityReport,
    label: &PlanLabel,
    dir: &Path,
    output: OutputDirectory,
) -> Result<(), String> {
    let json = sensitivity_text::json(report).map_err(|e| e.to_string())?;
    output.write("sensitivity.json", json.as_bytes())?;
    let csv = sensitivity_text::csv(report);
    output.write("sensitivity.csv", csv.as_bytes())?;
    type Draw = fn(
        &bontsim_core::sensitivity::SensitivityReport,
        &PlanLabel,
        Format,
    ) -> Result<Vec<u8>, bontsim_render::RenderError>;
    let drawings: [(&str, Draw); 2] = [("tornado", figures::tornado), ("sobol", figures::sobol)];
    for (name, draw) in drawings {
        for format in [Format::Svg, Format::Png] {
            let file = format!("{name}.{}", format.extension());
            let bytes = draw(report, label, format).map_err(render_error(&dir.join(&file)))?;
            output.write(&file, &bytes)?;
        }
    }
    output.commit()?;
    eprintln!(
        "wrote sensitivity.json, sensitivity.csv, tornado.svg/.png and sobol.svg/.png in {} ({} model runs)",
        dir.display(),
        report.model_runs
    );
    Ok(())
}
