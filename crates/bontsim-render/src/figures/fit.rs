//! The forecast of a fitted patient (`bontsim fit`): one quantity's daily posterior band
//! (median, 50% and 90%) with the patient's observations drawn as points over it.

use super::{legend_panel, render, titled, Figure, LegendEntry, Sample, COLOURS, LEGEND_ROW};
use crate::{Format, RenderError};
use bontsim_core::fit::Band;
use plotters::coord::Shift;
use plotters::prelude::*;

/// One quantity's band with the observations `(day, value)` as points; `subtitle` names the
/// plan.
///
/// ```
/// use bontsim_core::fit::{Band, BandDay};
/// let band = Band {
///     quantity: "glabella severity_max".into(),
///     unit: "grade 0-3",
///     days: (0..10)
///         .map(|day| BandDay { day, median: 2.0, low50: 1.5, high50: 2.5, low90: 1.0, high90: 3.0 })
///         .collect(),
/// };
/// let svg = bontsim_render::figures::forecast_band(&band, &[(5.0, 2.0)], "plan", bontsim_render::Format::Svg).unwrap();
/// assert!(String::from_utf8(svg).unwrap().contains("glabella severity_max"));
/// ```
pub fn forecast_band(
    band: &Band,
    observations: &[(f64, f64)],
    subtitle: &str,
    format: Format,
) -> Result<Vec<u8>, RenderError> {
    render(
        &BandFigure {
            band,
            observations,
            subtitle,
        },
        format,
    )
}

struct BandFigure<'a> {
    band: &'a Band,
    observations: &'a [(f64, f64)],
    subtitle: &'a str,
}

impl Figure for BandFigure<'_> {
    fn size(&self) -> (u32, u32) {
        (1100, 650 + LEGEND_ROW * 4)
    }

    fn draw<B: DrawingBackend>(
        &self,
        main: &DrawingArea<B, Shift>,
    ) -> Result<&'static str, Box<dyn std::error::Error>>
    where
        B::ErrorType: 'static,
    {
        let band = self.band;
        let below = titled(
            main,
            &format!("Forecast for this patient: {}", band.quantity),
            self.subtitle,
        )?;
        let legend_height = LEGEND_ROW * 4 + 12;
        let (chart_area, legend_area) =
            below.split_vertically(below.dim_in_pixel().1.saturating_sub(legend_height));
        let days = band.days.len().max(2) as f64;
        let values = band
            .days
            .iter()
            .flat_map(|d| [d.low90, d.high90])
            .chain(self.observations.iter().map(|o| o.1))
            .filter(|v| v.is_finite());
        let (low, high) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(v), h.max(v))
        });
        let (low, high) = if low.is_finite() && high > low {
            let pad = (high - low) * 0.08;
            (low - pad, high + pad)
        } else {
            (0.0, 1.0)
        };
        let mut chart = ChartBuilder::on(&chart_area)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(65)
            .build_cartesian_2d(0.0..days, low..high)?;
        chart
            .configure_mesh()
            .x_desc("day")
            .y_desc(band.unit)
            .x_label_formatter(&|d| format!("{d:.0}"))
            .draw()?;
        let colour = COLOURS[0];
        let polygon = |lower: fn(&bontsim_core::fit::BandDay) -> f64,
                       upper: fn(&bontsim_core::fit::BandDay) -> f64| {
            band.days
                .iter()
                .map(|d| (d.day as f64, upper(d)))
                .chain(band.days.iter().rev().map(|d| (d.day as f64, lower(d))))
                .collect::<Vec<_>>()
        };
        chart.draw_series(std::iter::once(Polygon::new(
            polygon(|d| d.low90, |d| d.high90),
            colour.mix(0.15).filled(),
        )))?;
        chart.draw_series(std::iter::once(Polygon::new(
            polygon(|d| d.low50, |d| d.high50),
            colour.mix(0.3).filled(),
        )))?;
        chart.draw_series(LineSeries::new(
            band.days.iter().map(|d| (d.day as f64, d.median)),
            colour.stroke_width(2),
        ))?;
        let points = COLOURS[1];
        chart.draw_series(
            self.observations
                .iter()
                .map(|&(day, value)| Circle::new((day, value), 5, points.filled())),
        )?;
        legend_panel(
            &legend_area,
            &[
                LegendEntry::new("posterior median", Sample::Solid(colour)),
                LegendEntry::new("50% interval", Sample::Band(colour)),
                LegendEntry::new("90% interval", Sample::Band(colour)),
                LegendEntry::new("observed (points)", Sample::Circles(points)),
            ],
        )?;
        Ok("Bands: posterior draws of this patient's parameters.")
    }
}
