//! `bontsim sensitivity`: tornado (one at a time) and Sobol indices of a plan's outcomes,
//! written to a directory as JSON, CSV and SVG.

use bontsim_core::plan::Plan;
use bontsim_core::sensitivity::{analyse, SensitivityReport};
use plotters::prelude::*;
use std::fmt::Write as _;
use std::path::Path;

pub fn run(
    plan: &Plan,
    days: usize,
    mass_day: usize,
    samples: usize,
    seed: u64,
    dir: &Path,
) -> Result<(), String> {
    crate::files::prepare_output(dir)?;
    let report = analyse(plan, days, mass_day, samples, seed);
    let mut json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    json.push('\n');
    crate::files::write_atomic(&dir.join("sensitivity.json"), json.as_bytes())?;
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
    crate::files::write_atomic(&dir.join("sensitivity.csv"), csv.as_bytes())?;
    draw(&report, &dir.join("tornado.svg"), true)?;
    draw(&report, &dir.join("sobol.svg"), false)?;
    eprintln!(
        "wrote sensitivity.json, sensitivity.csv, tornado.svg/.png and sobol.svg/.png in {} ({} model runs)",
        dir.display(),
        report.model_runs
    );
    Ok(())
}

/// One figure as SVG (at `path`) and PNG (same name, .png): the same drawing on both.
fn draw(report: &SensitivityReport, path: &Path, tornado: bool) -> Result<(), String> {
    let panels = report.outputs.len().max(1) as u32;
    let size = (560 * panels, 480);
    let svg = path.with_extension("partial-write.svg");
    let png_path = path.with_extension("png");
    let png = path.with_extension("partial-write.png");
    draw_on(
        &SVGBackend::new(&svg, size).into_drawing_area(),
        report,
        tornado,
    )
    .map_err(|e| format!("cannot draw {}: {e}", path.display()))?;
    draw_on(
        &BitMapBackend::new(&png, size).into_drawing_area(),
        report,
        tornado,
    )
    .map_err(|e| format!("cannot draw {}: {e}", png_path.display()))?;
    std::fs::rename(&svg, path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    std::fs::rename(&png, &png_path)
        .map_err(|e| format!("cannot write {}: {e}", png_path.display()))
}

fn draw_on<B: DrawingBackend>(
    root: &DrawingArea<B, plotters::coord::Shift>,
    report: &SensitivityReport,
    tornado: bool,
) -> Result<(), Box<dyn std::error::Error>>
where
    B::ErrorType: 'static,
{
    let panels = report.outputs.len().max(1);
    root.fill(&WHITE)?;
    let areas = root.split_evenly((1, panels));
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
                    RGBColor(31, 119, 180).mix(0.7).filled(),
                )))?;
                chart.draw_series(std::iter::once(Rectangle::new(
                    [
                        (bar.high.min(output.typical), 2 * i),
                        (bar.high.max(output.typical), 2 * i + 2),
                    ],
                    RGBColor(214, 39, 40).mix(0.7).filled(),
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
                    RGBColor(31, 119, 180).filled(),
                )))?;
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(0.0, i + 1), (s.total_order.clamp(0.0, 1.0), i + 2)],
                    RGBColor(214, 39, 40).filled(),
                )))?;
            }
        }
    }
    root.present()?;
    Ok(())
}
