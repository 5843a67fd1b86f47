//! `bontsim sensitivity`: tornado (one at a time) and Sobol indices of a plan's outcomes,
//! written to a directory as JSON, CSV, SVG and PNG. The directory changes as a whole
//! (files.rs, [`OutputDirectory`]).

use crate::files::OutputDirectory;
use crate::plot::{render_bytes, Figure, COLOURS};
use bontsim_core::plan::Plan;
use bontsim_core::sensitivity::{analyse, SensitivityReport};
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

pub fn run(
    plan: &Plan,
    days: usize,
    mass_day: usize,
    samples: usize,
    seed: u64,
    dir: &Path,
) -> Result<(), String> {
    let output = OutputDirectory::begin(dir, "sensitivity", SENSITIVITY_FILES)?;
    let report = analyse(plan, days, mass_day, samples, seed);
    let mut json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
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
            report: &report,
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

/// The tornado (`tornado`) or the Sobol bars of every output, one panel per output, drawn
/// through the renderer of every figure (plot.rs: footer with the disclaimer, atomic write).
struct SensitivityFigure<'a> {
    report: &'a SensitivityReport,
    tornado: bool,
}

impl Figure for SensitivityFigure<'_> {
    fn size(&self) -> (u32, u32) {
        (560 * self.report.outputs.len().max(1) as u32, 520)
    }

    fn draw<B: DrawingBackend>(
        &self,
        main: &DrawingArea<B, Shift>,
    ) -> Result<&'static str, Box<dyn std::error::Error>>
    where
        B::ErrorType: 'static,
    {
        draw_panels(main, self.report, self.tornado)?;
        Ok("")
    }
}

fn draw_panels<B: DrawingBackend>(
    main: &DrawingArea<B, Shift>,
    report: &SensitivityReport,
    tornado: bool,
) -> Result<(), Box<dyn std::error::Error>>
where
    B::ErrorType: 'static,
{
    let panels = report.outputs.len().max(1);
    let areas = main.split_evenly((1, panels));
    for (area, output) in areas.iter().zip(&report.outputs) {
        let names: Vec<String> = output.sobol.iter().map(|s| s.parameter.clone()).collect();
        let rows = names.len() as i32;
        if tornado {
            let (min, max) = output
                .tornado
                .iter()
                .fold((output.typical, output.typical), |(lo, hi), t| {
                    (lo.min(t.low).min(t.high), hi.max(t.low).max(t.high))
                });
            let pad = ((max - min) * 0.1).max(1e-6);
            let mut chart = ChartBuilder::on(area)
                .caption(
                    format!("{} (x/÷1.5 each)", output.output),
                    ("sans-serif", 15),
                )
                .margin(8)
                .x_label_area_size(30)
                .y_label_area_size(150)
                .build_cartesian_2d((min - pad)..(max + pad), 0..rows * 2)?;
            // Two axis units per parameter: its bar spans them, its label sits between.
            chart
                .configure_mesh()
                .y_labels(names.len() * 2 + 1)
                .y_label_formatter(&|y| {
                    if y % 2 == 1 {
                        names.get((*y / 2) as usize).cloned().unwrap_or_default()
                    } else {
                        String::new()
                    }
                })
                .x_desc("blue: parameter / 1.5, red: parameter x 1.5; line: typical")
                .draw()?;
            for (i, bar) in output.tornado.iter().enumerate() {
                let i = i as i32;
                chart.draw_series(std::iter::once(Rectangle::new(
                    [
                        (bar.low.min(output.typical), 2 * i),
                        (bar.low.max(output.typical), 2 * i + 2),
                    ],
                    COLOURS[0].mix(0.7).filled(),
                )))?;
                chart.draw_series(std::iter::once(Rectangle::new(
                    [
                        (bar.high.min(output.typical), 2 * i),
                        (bar.high.max(output.typical), 2 * i + 2),
                    ],
                    COLOURS[1].mix(0.7).filled(),
                )))?;
            }
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(output.typical, 0), (output.typical, rows * 2)],
                BLACK.stroke_width(1),
            )))?;
        } else {
            let mut chart = ChartBuilder::on(area)
                .caption(
                    format!("{}: Sobol (blue first, red total)", output.output),
                    ("sans-serif", 15),
                )
                .margin(8)
                .x_label_area_size(30)
                .y_label_area_size(150)
                .build_cartesian_2d(0.0..1.05, 0..rows * 3)?;
            // Three axis units per parameter: two bars and a gap, the label between the bars.
            chart
                .configure_mesh()
                .y_labels(names.len() * 3 + 1)
                .y_label_formatter(&|y| {
                    if y % 3 == 1 {
                        names.get((*y / 3) as usize).cloned().unwrap_or_default()
                    } else {
                        String::new()
                    }
                })
                .x_desc("share of output variance")
                .draw()?;
            for (i, s) in output.sobol.iter().enumerate() {
                let i = i as i32 * 3;
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(0.0, i), (s.first_order.clamp(0.0, 1.0), i + 1)],
                    COLOURS[0].filled(),
                )))?;
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(0.0, i + 1), (s.total_order.clamp(0.0, 1.0), i + 2)],
                    COLOURS[1].filled(),
                )))?;
            }
        }
    }
    Ok(())
}
