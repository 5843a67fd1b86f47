//! The figures of `bontsim trial`: responder curves with their 95% intervals, and the
//! distribution of response durations, one line per arm and area, drawn through the same
//! renderer as `bontsim plot` (plot.rs), which adds the footer and disclaimer.

use crate::plot::{legend_line, Figure, COLOURS};
use bontsim_core::trial::TrialSummary;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Responder rate over time per arm and area, with the 95% interval as a band.
pub struct ResponderCurves<'a>(pub &'a TrialSummary);

impl Figure for ResponderCurves<'_> {
    fn draw<B: DrawingBackend>(
        &self,
        main: &DrawingArea<B, Shift>,
    ) -> Result<&'static str, Box<dyn std::error::Error>>
    where
        B::ErrorType: 'static,
    {
        let summary = self.0;
        let mut chart = frame(
            main,
            format!(
                "Responders ({}) over time, 95% intervals; {} virtual patients per arm",
                summary.responder, summary.patients
            ),
            (0.0..summary.days.max(2) as f64, "day"),
            (0.0..1.0, "share of patients responding"),
        )?;
        let mut k = 0;
        for arm in &summary.arms {
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
                chart
                    .draw_series(LineSeries::new(
                        area.responders.iter().map(|r| (r.day as f64, r.rate)),
                        colour.stroke_width(2),
                    ))?
                    .label(format!("{} - {}", arm.plan, area.area))
                    .legend(legend_line(colour));
            }
        }
        upper_right_legend(&mut chart)?;
        Ok("Bands: 95% intervals of the rate.")
    }
}

/// How long responders kept responding: the share of an arm's patients per two-week bin of
/// duration, as an outline per arm and area, with the median as a dashed line.
pub struct DurationHistogram<'a>(pub &'a TrialSummary);

impl Figure for DurationHistogram<'_> {
    fn draw<B: DrawingBackend>(
        &self,
        main: &DrawingArea<B, Shift>,
    ) -> Result<&'static str, Box<dyn std::error::Error>>
    where
        B::ErrorType: 'static,
    {
        let summary = self.0;
        let areas = || summary.arms.iter().flat_map(|arm| arm.areas.iter());
        // Up to four weeks past the longest response, within the horizon.
        let last_day = areas()
            .flat_map(|area| area.duration_distribution.iter())
            .filter(|bin| bin.share > 0.0)
            .map(|bin| bin.to_day + 28)
            .max()
            .unwrap_or(28)
            .min(summary.days.max(28)) as f64;
        let top = areas()
            .flat_map(|area| area.duration_distribution.iter().map(|bin| bin.share))
            .fold(0.0f64, f64::max);
        let top = if top > 0.0 { top * 1.15 } else { 1.0 };
        let mut chart = frame(
            main,
            format!(
                "Duration of response ({}), two-week bins; {} virtual patients per arm",
                summary.responder, summary.patients
            ),
            (0.0..last_day, "days responding"),
            (0.0..top, "share of the arm's patients"),
        )?;
        let mut k = 0;
        for arm in &summary.arms {
            for area in &arm.areas {
                let colour = COLOURS[k % COLOURS.len()];
                k += 1;
                // The histogram's outline: up and down only where neighbouring bins differ.
                let bins = &area.duration_distribution;
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
                let median = area
                    .duration_days
                    .median
                    .map_or("no median".to_string(), |m| format!("median {m} d"));
                chart
                    .draw_series(LineSeries::new(outline, colour.stroke_width(2)))?
                    .label(format!(
                        "{} - {}: {median}, {:.0}% never responded",
                        arm.plan,
                        area.area,
                        100.0 * area.never_responded
                    ))
                    .legend(legend_line(colour));
                if let Some(median) = area.duration_days.median {
                    chart.draw_series(DashedLineSeries::new(
                        vec![(median as f64, 0.0), (median as f64, top)],
                        4,
                        4,
                        colour.stroke_width(1),
                    ))?;
                }
            }
        }
        upper_right_legend(&mut chart)?;
        Ok("Dashed: median duration among responders.")
    }
}

type Chart<'a, B> = ChartContext<'a, B, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Caption, axes and mesh of a trial figure: `(range, description)` per axis.
fn frame<'a, B: DrawingBackend>(
    area: &'a DrawingArea<B, Shift>,
    caption: String,
    (x, x_desc): (std::ops::Range<f64>, &str),
    (y, y_desc): (std::ops::Range<f64>, &str),
) -> Result<Chart<'a, B>, Box<dyn std::error::Error>>
where
    B::ErrorType: 'static,
{
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 18))
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

fn upper_right_legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<
        'a,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
) -> Result<(), Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .draw()?;
    Ok(())
}
