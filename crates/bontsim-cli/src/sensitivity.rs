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
    crate::trial::prepare_output(dir)?;
    let report = analyse(plan, days, mass_day, samples, seed);
    let mut json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    json.push('\n');
    crate::trial::write_atomic(&dir.join("sensitivity.json"), json.as_bytes())?;
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
    crate::trial::write_atomic(&dir.join("sensitivity.csv"), csv.as_bytes())?;
    draw(&report, &dir.join("tornado.svg"), true)?;
    draw(&report, &dir.join("sobol.svg"), false)?;
    eprintln!(
        "wrote sensitivity.json, sensitivity.csv, tornado.svg and sobol.svg in {} ({} model runs)",
        dir.display(),
        report.model_runs
    );
    Ok(())
}

fn draw(report: &SensitivityReport, path: &Path, tornado: bool) -> Result<(), String> {
    let temporary = path.with_extension("partial-write.svg");
    let panels = report.outputs.len().max(1);
    {
        let root = SVGBackend::new(&temporary, (560 * panels as u32, 480)).into_drawing_area();
        let result = (|| -> Result<(), Box<dyn std::error::Error>> {
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
                        .build_cartesian_2d((min - pad)..(max + pad), 0..rows)?;
                    chart
                        .configure_mesh()
                        .y_labels(names.len())
                        .y_label_formatter(&|y| names.get(*y as usize).cloned().unwrap_or_default())
                        .draw()?;
                    for (i, bar) in output.tornado.iter().enumerate() {
                        let i = i as i32;
                        chart.draw_series(std::iter::once(Rectangle::new(
                            [
                                (bar.low.min(output.typical), i),
                                (bar.low.max(output.typical), i + 1),
                            ],
                            RGBColor(31, 119, 180).mix(0.7).filled(),
                        )))?;
                        chart.draw_series(std::iter::once(Rectangle::new(
                            [
                                (bar.high.min(output.typical), i),
                                (bar.high.max(output.typical), i + 1),
                            ],
                            RGBColor(214, 39, 40).mix(0.7).filled(),
                        )))?;
                    }
                    chart.draw_series(std::iter::once(PathElement::new(
                        vec![(output.typical, 0), (output.typical, rows)],
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
                        .build_cartesian_2d(0.0..1.05, 0..rows * 2)?;
                    chart
                        .configure_mesh()
                        .y_labels(names.len())
                        .y_label_formatter(&|y| {
                            names.get((*y / 2) as usize).cloned().unwrap_or_default()
                        })
                        .draw()?;
                    for (i, s) in output.sobol.iter().enumerate() {
                        let i = i as i32 * 2;
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
        })();
        result.map_err(|e| format!("cannot draw {}: {e}", path.display()))?;
    }
    std::fs::rename(&temporary, path).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
