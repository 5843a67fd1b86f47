//! `bontsim sensitivity`: tornado (one at a time) and Sobol indices of a plan's outcomes,
//! written to a directory as JSON, CSV, SVG and PNG. The directory changes as a whole
//! (files.rs, [`OutputDirectory`]).

use crate::figure_text::{words, PlanLabel};
use crate::files::OutputDirectory;
use crate::plot::{render_bytes, titled, Figure, COLOURS, TITLE_HEIGHT};
use bontsim_core::engine::{Engine, SensitivityRequest};
use bontsim_core::sensitivity::{OutputSensitivity, SensitivityReport, SobolIndex, TornadoBar};
use bontsim_core::Parameters;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::fmt::Write as _;
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
    let mut json = serde_json::to_string_pretty(report).map_err(|e| e.to_string())?;
    json.push('\n');
    output.write("sensitivity.json", json.as_bytes())?;
    let mut csv = String::from("output,parameter,first_order,total_order,low,high,typical\n");
    for output in &report.outputs {
        for (s, t) in output.sobol.iter().zip(&output.tornado) {
            let _ = writeln!(
                csv,
                "{},{},{},{},{},{},{}",
                output.output,
                s.parameter,
                s.first_order,
                s.total_order,
                t.low,
                t.high,
                output.typical
            );
        }
    }
    output.write("sensitivity.csv", csv.as_bytes())?;
    for (name, tornado) in [("tornado", true), ("sobol", false)] {
        let figure = SensitivityFigure {
            report,
            label,
            tornado,
        };
        for extension in ["svg", "png"] {
            let file = format!("{name}.{extension}");
            output.write(&file, &render_bytes(extension, &figure, &dir.join(&file))?)?;
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

/// The tornado (`tornado`) or the Sobol bars of every output, one panel per output (two
/// panels a row), drawn through the renderer of every figure (plot.rs: title with the plan and
/// its doses, footer with the disclaimer). Parameters are named in words with their symbol,
/// the largest effect at the top.
struct SensitivityFigure<'a> {
    report: &'a SensitivityReport,
    label: &'a PlanLabel,
    tornado: bool,
}

/// Panels per row, and each panel's size in pixels.
const COLUMNS: usize = 2;
const PANEL: (u32, u32) = (720, 400);

impl SensitivityFigure<'_> {
    fn grid(&self) -> (usize, usize) {
        let panels = self.report.outputs.len().max(1);
        (panels.min(COLUMNS), panels.div_ceil(COLUMNS))
    }
}

impl Figure for SensitivityFigure<'_> {
    fn size(&self) -> (u32, u32) {
        let (columns, rows) = self.grid();
        (
            PANEL.0 * columns as u32,
            TITLE_HEIGHT + PANEL.1 * rows as u32 + 40,
        )
    }

    fn draw<B: DrawingBackend>(
        &self,
        main: &DrawingArea<B, Shift>,
    ) -> Result<&'static str, Box<dyn std::error::Error>>
    where
        B::ErrorType: 'static,
    {
        let what = if self.tornado {
            "One parameter at a time, each / 1.5 and x 1.5"
        } else {
            "Sobol indices: share of each outcome's variance"
        };
        let below = titled(
            main,
            &format!("{what} — {}", self.label.name),
            &self.label.doses,
        )?;
        let (columns, rows) = self.grid();
        let areas = below.split_evenly((rows, columns));
        for (area, output) in areas.iter().zip(&self.report.outputs) {
            if self.tornado {
                tornado_panel(area, output)?;
            } else {
                sobol_panel(area, output)?;
            }
        }
        Ok(if self.tornado {
            "Largest effect at the top. Blue: parameter / 1.5; red: parameter x 1.5; black line: typical value."
        } else {
            "Largest total effect at the top. Blue: first order; red: total order."
        })
    }
}

/// How far a tornado bar reaches from the typical value: its effect size.
fn effect(output: &OutputSensitivity, bar: &TornadoBar) -> f64 {
    (bar.low - output.typical)
        .abs()
        .max((bar.high - output.typical).abs())
}

/// The tornado's bars, largest effect first (ties by parameter name, for stable output).
fn tornado_order(output: &OutputSensitivity) -> Vec<&TornadoBar> {
    let mut bars: Vec<&TornadoBar> = output.tornado.iter().collect();
    bars.sort_by(|a, b| {
        effect(output, b)
            .total_cmp(&effect(output, a))
            .then_with(|| a.parameter.cmp(&b.parameter))
    });
    bars
}

/// `slot` counted from the bottom of a panel of `rows` rows, as an index from the top.
fn from_top(slot: i32, rows: i32) -> Option<usize> {
    (0..rows)
        .contains(&slot)
        .then(|| (rows - 1 - slot) as usize)
}

fn tornado_panel<B: DrawingBackend>(
    area: &DrawingArea<B, Shift>,
    output: &OutputSensitivity,
) -> Result<(), Box<dyn std::error::Error>>
where
    B::ErrorType: 'static,
{
    let bars = tornado_order(output);
    let names: Vec<String> = bars
        .iter()
        .map(|b| Parameters::label(&b.parameter))
        .collect();
    let rows = names.len() as i32;
    let (min, max) = output
        .tornado
        .iter()
        .fold((output.typical, output.typical), |(lo, hi), t| {
            (lo.min(t.low).min(t.high), hi.max(t.low).max(t.high))
        });
    let pad = ((max - min) * 0.1).max(1e-6);
    let mut chart = ChartBuilder::on(area)
        .caption(words(&output.output), ("sans-serif", 15))
        .margin(8)
        .x_label_area_size(30)
        .y_label_area_size(290)
        .build_cartesian_2d((min - pad)..(max + pad), 0..rows * 2)?;
    // Two axis units per parameter: its bar spans them, its label sits between.
    chart
        .configure_mesh()
        .y_labels(names.len() * 2 + 1)
        .y_label_formatter(
            &|y| match (y % 2 == 1).then(|| from_top(*y / 2, rows)).flatten() {
                Some(row) => names[row].clone(),
                None => String::new(),
            },
        )
        .x_desc("outcome: blue at parameter / 1.5, red at x 1.5")
        .draw()?;
    for (row, bar) in bars.iter().enumerate() {
        let slot = rows - 1 - row as i32;
        for (value, colour) in [(bar.low, COLOURS[0]), (bar.high, COLOURS[1])] {
            chart.draw_series(std::iter::once(Rectangle::new(
                [
                    (value.min(output.typical), 2 * slot),
                    (value.max(output.typical), 2 * slot + 2),
                ],
                colour.mix(0.7).filled(),
            )))?;
        }
    }
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(output.typical, 0), (output.typical, rows * 2)],
        BLACK.stroke_width(1),
    )))?;
    Ok(())
}

fn sobol_panel<B: DrawingBackend>(
    area: &DrawingArea<B, Shift>,
    output: &OutputSensitivity,
) -> Result<(), Box<dyn std::error::Error>>
where
    B::ErrorType: 'static,
{
    let mut indices: Vec<&SobolIndex> = output.sobol.iter().collect();
    indices.sort_by(|a, b| {
        b.total_order
            .total_cmp(&a.total_order)
            .then_with(|| a.parameter.cmp(&b.parameter))
    });
    let names: Vec<String> = indices
        .iter()
        .map(|s| Parameters::label(&s.parameter))
        .collect();
    let rows = names.len() as i32;
    let mut chart = ChartBuilder::on(area)
        .caption(words(&output.output), ("sans-serif", 15))
        .margin(8)
        .x_label_area_size(30)
        .y_label_area_size(290)
        .build_cartesian_2d(0.0..1.05, 0..rows * 3)?;
    // Three axis units per parameter: two bars and a gap, the label between the bars.
    chart
        .configure_mesh()
        .y_labels(names.len() * 3 + 1)
        .y_label_formatter(
            &|y| match (y % 3 == 1).then(|| from_top(*y / 3, rows)).flatten() {
                Some(row) => names[row].clone(),
                None => String::new(),
            },
        )
        .x_desc("share of output variance: blue first order, red total order")
        .draw()?;
    for (row, s) in indices.iter().enumerate() {
        let i = (rows - 1 - row as i32) * 3;
        chart.draw_series(std::iter::once(Rectangle::new(
            [(0.0, i), (s.first_order.clamp(0.0, 1.0), i + 1)],
            COLOURS[0].filled(),
        )))?;
        chart.draw_series(std::iter::once(Rectangle::new(
            [(0.0, i + 1), (s.total_order.clamp(0.0, 1.0), i + 2)],
            COLOURS[1].filled(),
        )))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tornado_puts_the_largest_effect_first() {
        let bar = |parameter: &str, low: f64, high: f64| TornadoBar {
            parameter: parameter.to_string(),
            low,
            high,
        };
        let output = OutputSensitivity {
            output: "days of effect".to_string(),
            typical: 100.0,
            tornado: vec![
                bar("k_l", 99.0, 101.0),
                bar("k_r0", 140.0, 70.0),
                bar("ec50", 100.0, 100.0),
                bar("k_in", 95.0, 110.0),
                bar("hill", 100.0, 100.0),
            ],
            sobol: Vec::new(),
            variance: 0.0,
        };
        let order: Vec<&str> = tornado_order(&output)
            .iter()
            .map(|b| b.parameter.as_str())
            .collect();
        assert_eq!(order, ["k_r0", "k_in", "k_l", "ec50", "hill"]);
        assert_eq!(from_top(4, 5), Some(0));
        assert_eq!(from_top(0, 5), Some(4));
        assert_eq!(from_top(5, 5), None);
    }
}
