//! The figures of a virtual trial (`bontsim trial`): responder curves with their 95%
//! intervals, and the distribution of how long one session's response lasts, one line per arm
//! and area, drawn through the renderer of every figure (figures/mod.rs), which adds the
//! footer and disclaimer. Arms are named by their plan file's name; the legend sits below the
//! chart.

use super::{legend_panel, render, titled, Figure, LegendEntry, Sample, COLOURS, LEGEND_ROW};
use crate::labels::words;
use crate::{Format, RenderError};
use bontsim_core::trial::TrialSummary;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// Each arm's name in the figures: its plan file's name without directory and extension, or
/// the path as given when two arms' files share a name.
pub fn arm_names(summary: &TrialSummary) -> Vec<String> {
    let stem = |plan: &str| {
        Path::new(plan)
            .file_stem()
            .map_or_else(|| plan.to_string(), |s| s.to_string_lossy().into_owned())
    };
    let stems: Vec<String> = summary.arms.iter().map(|arm| stem(&arm.plan)).collect();
    summary
        .arms
        .iter()
        .zip(&stems)
        .map(|(arm, name)| {
            if stems.iter().filter(|s| *s == name).count() > 1 {
                arm.plan.clone()
            } else {
                name.clone()
            }
        })
        .collect()
}

/// The responder definition in words.
fn responder_words(responder: &str) -> &'static str {
    match responder {
        "none_or_mild" => "none or mild lines at maximal frown",
        "improved_1" => "at least 1 grade better than baseline",
        "improved_2" => "at least 2 grades better than baseline",
        "rest_improved_1" => "lines at rest at least 1 grade better than baseline",
        "rest_none" => "no lines at rest",
        _ => "responders",
    }
}

/// Split `main` into the chart's area and the legend's below it, one row per entry.
fn chart_and_legend<B: DrawingBackend>(
    main: &DrawingArea<B, Shift>,
    entries: usize,
) -> (DrawingArea<B, Shift>, DrawingArea<B, Shift>) {
    let legend_height = LEGEND_ROW * entries as u32 + 12;
    main.split_vertically(main.dim_in_pixel().1.saturating_sub(legend_height))
}

/// Figure height for `entries` legend rows below a chart of the usual size.
fn height(entries: usize) -> u32 {
    650 + LEGEND_ROW * entries as u32
}

fn area_count(summary: &TrialSummary) -> usize {
    summary.arms.iter().map(|arm| arm.areas.len()).sum()
}

/// Responder rate over time per arm and area, with the 95% interval as a band.
///
/// ```
/// use bontsim_core::trial::TrialSummary;
/// let summary = TrialSummary {
///     disclaimer: bontsim_core::report::DISCLAIMER,
///     seed: 1,
///     patients: 100,
///     days: 180,
///     responder: "none_or_mild",
///     arms: Vec::new(),
/// };
/// let svg = bontsim_render::figures::responder_curves(&summary, bontsim_render::Format::Svg);
/// assert!(String::from_utf8(svg.unwrap()).unwrap().contains("Responders over time"));
/// ```
pub fn responder_curves(summary: &TrialSummary, format: Format) -> Result<Vec<u8>, RenderError> {
    render(&ResponderCurves(summary), format)
}

/// How long one session's response lasted, per arm and area (see [`responder_curves`]).
pub fn duration_histogram(summary: &TrialSummary, format: Format) -> Result<Vec<u8>, RenderError> {
    render(&DurationHistogram(summary), format)
}

struct ResponderCurves<'a>(&'a TrialSummary);

impl Figure for ResponderCurves<'_> {
    fn size(&self) -> (u32, u32) {
        (1100, height(area_count(self.0) + 1))
    }

    fn draw<B: DrawingBackend>(
        &self,
        main: &DrawingArea<B, Shift>,
    ) -> Result<&'static str, Box<dyn std::error::Error>>
    where
        B::ErrorType: 'static,
    {
        let summary = self.0;
        let names = arm_names(summary);
        let below = titled(
            main,
            &format!(
                "Responders over time ({}) — {}",
                responder_words(summary.responder),
                names.join(", ")
            ),
            &format!(
                "share of {} virtual patients per arm responding each day, with 95% intervals",
                summary.patients
            ),
        )?;
        let (chart_area, legend_area) = chart_and_legend(&below, area_count(summary) + 1);
        let mut chart = frame(
            &chart_area,
            (0.0..summary.days.max(2) as f64, "day"),
            (0.0..1.0, "share of patients responding"),
        )?;
        let mut entries = Vec::new();
        let mut k = 0;
        for (arm, name) in summary.arms.iter().zip(&names) {
            for area in &arm.areas {
                let colour = COLOURS[k % COLOURS.len()];
                k += 1;
                let band: Vec<(f64, f64)> = area
                    .responders
                    .iter()
                    .map(|r| (r.day as f64, r.high))
                    .chain(area.responders.iter().rev().map(|r| (r.day as f64, r.low)))
                    .collect();
                chart.draw_series(std::iter::once(Polygon::new(
                    band,
                    colour.mix(0.2).filled(),
                )))?;
                chart.draw_series(LineSeries::new(
                    area.responders.iter().map(|r| (r.day as f64, r.rate)),
                    colour.stroke_width(2),
                ))?;
                entries.push(LegendEntry::new(
                    format!("{name}: {}", words(&area.area)),
                    Sample::Solid(colour),
                ));
            }
        }
        entries.push(LegendEntry::new(
            "95% interval of the rate",
            Sample::Band(RGBColor(90, 90, 90)),
        ));
        legend_panel(&legend_area, &entries)?;
        Ok("Bands: 95% intervals of the rate.")
    }
}

/// How long one session's response lasted: the share of an arm's patients per two-week bin
/// of the first cycle's duration (from the first responding day until the response is lost or
/// the second session is given), as an outline per arm and area, the median dashed.
struct DurationHistogram<'a>(&'a TrialSummary);

impl Figure for DurationHistogram<'_> {
    fn size(&self) -> (u32, u32) {
        (1100, height(area_count(self.0) + 1))
    }

    fn draw<B: DrawingBackend>(
        &self,
        main: &DrawingArea<B, Shift>,
    ) -> Result<&'static str, Box<dyn std::error::Error>>
    where
        B::ErrorType: 'static,
    {
        let summary = self.0;
        let names = arm_names(summary);
        let areas = || summary.arms.iter().flat_map(|arm| arm.areas.iter());
        // Up to four weeks past the longest response, within the horizon.
        let last_day = areas()
            .flat_map(|area| area.first_cycle_duration_distribution.iter())
            .filter(|bin| bin.share > 0.0)
            .map(|bin| bin.to_day + 28)
            .max()
            .unwrap_or(28)
            .min(summary.days.max(28)) as f64;
        let top = areas()
            .flat_map(|area| {
                area.first_cycle_duration_distribution
                    .iter()
                    .map(|bin| bin.share)
            })
            .fold(0.0f64, f64::max);
        let top = if top > 0.0 { top * 1.15 } else { 1.0 };
        let below = titled(
            main,
            &format!(
                "Duration of response to one session ({}) — {}",
                responder_words(summary.responder),
                names.join(", ")
            ),
            &format!(
                "first cycle: from the first responding day until the response is lost or the next session; {} virtual patients per arm",
                summary.patients
            ),
        )?;
        let (chart_area, legend_area) = chart_and_legend(&below, area_count(summary) + 1);
        let mut chart = frame(
            &chart_area,
            (
                0.0..last_day,
                "days responding after one session (two-week bins)",
            ),
            (0.0..top, "share of the arm's patients"),
        )?;
        let mut entries = Vec::new();
        let mut k = 0;
        for (arm, name) in summary.arms.iter().zip(&names) {
            for area in &arm.areas {
                let colour = COLOURS[k % COLOURS.len()];
                k += 1;
                // The histogram's outline: up and down only where neighbouring bins differ.
                let bins = &area.first_cycle_duration_distribution;
                let mut outline = Vec::with_capacity(2 * bins.len() + 2);
                if let Some(first) = bins.first() {
                    outline.push((first.from_day as f64, 0.0));
                }
                for bin in bins {
                    outline.push((bin.from_day as f64, bin.share));
                    outline.push((bin.to_day as f64, bin.share));
                }
                if let Some(last) = bins.last() {
                    outline.push((last.to_day as f64, 0.0));
                }
                chart.draw_series(LineSeries::new(outline, colour.stroke_width(2)))?;
                let median = area.first_cycle_duration_days.median;
                if let Some(median) = median {
                    chart.draw_series(DashedLineSeries::new(
                        vec![(median as f64, 0.0), (median as f64, top)],
                        4,
                        4,
                        colour.stroke_width(1),
                    ))?;
                }
                let mut label = format!(
                    "{name}: {}: {}",
                    words(&area.area),
                    median.map_or("no median".to_string(), |m| format!(
                        "median {m} days after the first session"
                    ))
                );
                if let Some(day) = area.first_cycle_end_day {
                    label.push_str(&format!(
                        ", {:.0}% still responding at the next session (day {day})",
                        100.0 * area.first_cycle_still_responding
                    ));
                }
                label.push_str(&format!(
                    ", {:.0}% never responded",
                    100.0 * area.never_responded
                ));
                entries.push(LegendEntry::new(label, Sample::Solid(colour)));
            }
        }
        entries.push(LegendEntry::new(
            "median duration among responders",
            Sample::Dashed(RGBColor(90, 90, 90)),
        ));
        legend_panel(&legend_area, &entries)?;
        Ok("Dashed: median duration among responders.")
    }
}

type Chart<'a, B> = ChartContext<'a, B, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Axes and mesh of a trial figure: `(range, description)` per axis.
fn frame<'a, B: DrawingBackend>(
    area: &'a DrawingArea<B, Shift>,
    (x, x_desc): (std::ops::Range<f64>, &str),
    (y, y_desc): (std::ops::Range<f64>, &str),
) -> Result<Chart<'a, B>, Box<dyn std::error::Error>>
where
    B::ErrorType: 'static,
{
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(65)
        .build_cartesian_2d(x, y)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(&|d| format!("{d:.0}"))
        .draw()?;
    Ok(chart)
}
