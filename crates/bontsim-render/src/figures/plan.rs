//! The figures of one plan (`bontsim plot`): strength (solid) and contractile mass (dashed) of
//! chosen muscles over time with injection days marked, and the face's clinical scores
//! (Sunnybrook, eFACE, House-Brackmann, expressivity) over time.

use super::{
    legend_panel, render, titled, Figure, LegendEntry, Sample, COLOURS, GREY, INJECTION_MARKER,
    LEGEND_WIDTH,
};
use crate::labels::{date_of_day, muscle_label, muscle_name, PlanLabel};
use crate::{Format, RenderError};
use bontsim_core::plan::date::{format_iso_date, parse_iso_date};
use bontsim_core::report::{MuscleReport, Report};
use plotters::coord::Shift;
use plotters::prelude::*;

/// The muscles the strength figure draws: those named in `muscles` (keys as in the report),
/// or every injected muscle when `muscles` is empty; an error when that leaves none.
pub fn selected_muscles<'a>(
    report: &'a Report,
    muscles: &[String],
) -> Result<Vec<&'a MuscleReport>, RenderError> {
    let selected: Vec<&MuscleReport> = report
        .muscles
        .iter()
        .filter(|m| {
            if muscles.is_empty() {
                m.injected_units > 0.0
            } else {
                muscles.contains(&m.muscle)
            }
        })
        .collect();
    if selected.is_empty() {
        return Err(if muscles.is_empty() {
            RenderError::NothingInjected
        } else {
            RenderError::NoneInjected(muscles.to_vec())
        });
    }
    Ok(selected)
}

/// Strength and contractile mass over time of the muscles chosen as [`selected_muscles`]
/// chooses them, titled with the plan's name and doses.
///
/// ```
/// use bontsim_core::plan::{Format as PlanFormat, Plan};
/// use bontsim_render::{figures, labels::PlanLabel, Format};
/// let plan = Plan::parse(
///     "[patient]\nsex = \"female\"\nage = 40\n[[injection]]\nday = 0\nproduct = \"Botox\"\nmuscle = \"procerus\"\nside = \"midline\"\nunits = 4\n",
///     PlanFormat::Toml,
/// )
/// .unwrap();
/// let report = bontsim_core::Engine::default()
///     .simulate(&bontsim_core::engine::SimulateRequest {
///         days: Some(200),
///         ..bontsim_core::engine::SimulateRequest::new(&plan)
///     })?;
/// let label = PlanLabel::new(None, &plan);
/// let svg = figures::strength(&report, &[], &label, Format::Svg).unwrap();
/// assert!(String::from_utf8(svg).unwrap().contains("procerus"));
/// # Ok::<(), bontsim_core::Error>(())
/// ```
pub fn strength(
    report: &Report,
    muscles: &[String],
    label: &PlanLabel,
    format: Format,
) -> Result<Vec<u8>, RenderError> {
    let selected = selected_muscles(report, muscles)?;
    render(
        &StrengthFigure {
            report,
            label,
            selected: &selected,
        },
        format,
    )
}

/// Distinct injection days up to the last plotted day.
fn injection_days(report: &Report, last: f64) -> Vec<f64> {
    let mut days: Vec<f64> = report.injections.iter().map(|i| i.day).collect();
    days.dedup();
    days.retain(|d| *d <= last);
    days
}

/// The grey dashed vertical line marking an injection day, from 0 to `top`.
fn injection_line(day: f64, top: f64) -> DashedLineSeries<std::vec::IntoIter<(f64, f64)>, i32> {
    DashedLineSeries::new(
        vec![(day, 0.0), (day, top)],
        3,
        5,
        INJECTION_MARKER.stroke_width(1),
    )
}

/// The days shown: from a little before day 0, so that a day-0 injection's line and marker
/// stand clear of the vertical axis, to the last simulated day.
fn day_range(report: &Report) -> std::ops::Range<f64> {
    let last = report.days.max(2) as f64 - 1.0;
    -(last / 50.0).max(1.0)..last
}

/// Day 0's date (days since 1970-01-01) when the plan gave dates.
fn start_date(report: &Report) -> Option<i64> {
    report
        .start_date
        .as_deref()
        .and_then(|date| parse_iso_date(date).ok())
}

/// The x axis of days: labelled by date when day 0 has one, by day number otherwise.
fn day_axis(start: Option<i64>) -> (String, impl Fn(&f64) -> String) {
    let description = match start {
        Some(start) => format!("date (day 0 = {})", format_iso_date(start)),
        None => "day".to_string(),
    };
    let label = move |day: &f64| {
        if *day < 0.0 {
            String::new()
        } else {
            date_of_day(start, *day).unwrap_or_else(|| format!("{day:.0}"))
        }
    };
    (description, label)
}

struct StrengthFigure<'a> {
    report: &'a Report,
    label: &'a PlanLabel,
    selected: &'a [&'a MuscleReport],
}

/// Whether two sides' courses are the same day by day (a midline dose, or equal doses on
/// both sides): drawn once and said so, since one line would hide the other.
fn same_course(left: &MuscleReport, right: &MuscleReport) -> bool {
    left.daily.len() == right.daily.len()
        && left
            .daily
            .iter()
            .zip(&right.daily)
            .all(|(a, b)| (a.strength - b.strength).abs() < 1e-9 && (a.mass - b.mass).abs() < 1e-9)
}

impl Figure for StrengthFigure<'_> {
    fn draw<B: DrawingBackend>(
        &self,
        main: &DrawingArea<B, Shift>,
    ) -> Result<&'static str, Box<dyn std::error::Error>>
    where
        B::ErrorType: 'static,
    {
        let report = self.report;
        let below = titled(
            main,
            &format!(
                "Strength and contractile mass (fraction of untreated) — {}",
                self.label.name
            ),
            &self.label.doses,
        )?;
        let (plot_area, legend_area) =
            below.split_horizontally(below.dim_in_pixel().0 - LEGEND_WIDTH);
        let range = day_range(report);
        let last = range.end;
        let start = start_date(report);
        let (x_description, x_label) = day_axis(start);
        let mut chart = ChartBuilder::on(&plot_area)
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(range, 0.0..1.05)?;
        chart
            .configure_mesh()
            .x_desc(x_description)
            .y_desc("fraction of baseline (1 = untreated)")
            .x_labels(if start.is_some() { 8 } else { 10 })
            .x_label_formatter(&x_label)
            .y_label_formatter(&|y| format!("{y:.1}"))
            .bold_line_style(RGBColor(225, 225, 225))
            .light_line_style(RGBColor(245, 245, 245))
            .label_style(("sans-serif", 14))
            .draw()?;
        for day in injection_days(report, last) {
            chart.draw_series(injection_line(day, 1.05))?;
            chart.draw_series(std::iter::once(TriangleMarker::new(
                (day, 1.03),
                5,
                INJECTION_MARKER.filled(),
            )))?;
        }
        // One colour per muscle; the right side is marked with circles.
        let mut muscles: Vec<&str> = Vec::new();
        for m in self.selected {
            if !muscles.contains(&m.muscle.as_str()) {
                muscles.push(&m.muscle);
            }
        }
        let marker_step = (report.days / 24).max(1);
        let mut entries = Vec::new();
        for (k, muscle) in muscles.iter().enumerate() {
            let colour = COLOURS[k % COLOURS.len()];
            let side = |name: &str| {
                self.selected
                    .iter()
                    .find(|m| m.muscle == *muscle && m.side == name)
                    .copied()
            };
            let drawn: Vec<(&MuscleReport, bool, String)> = match (side("left"), side("right")) {
                (Some(left), Some(right)) if same_course(left, right) => vec![(
                    left,
                    false,
                    format!("{} (left = right)", muscle_name(muscle)),
                )],
                (left, right) => [(left, false), (right, true)]
                    .into_iter()
                    .filter_map(|(m, circles)| {
                        m.map(|m| (m, circles, muscle_label(&m.muscle, &m.side)))
                    })
                    .collect(),
            };
            for (m, circles, label) in drawn {
                let strength = || m.daily.iter().map(|d| (d.day as f64, d.strength));
                let mass = || m.daily.iter().map(|d| (d.day as f64, d.mass));
                chart.draw_series(LineSeries::new(strength(), colour.stroke_width(2)))?;
                chart.draw_series(DashedLineSeries::new(mass(), 6, 4, colour.stroke_width(2)))?;
                if circles {
                    for points in [strength().collect::<Vec<_>>(), mass().collect()] {
                        chart.draw_series(
                            points
                                .into_iter()
                                .step_by(marker_step)
                                .map(|p| Circle::new(p, 4, colour.stroke_width(2))),
                        )?;
                    }
                }
                entries.push(LegendEntry::new(
                    label,
                    if circles {
                        Sample::Circles(colour)
                    } else {
                        Sample::Solid(colour)
                    },
                ));
            }
        }
        let circles = entries
            .iter()
            .any(|e| matches!(e.sample, Sample::Circles(_)));
        entries.push(LegendEntry::new("strength", Sample::Solid(GREY)));
        entries.push(LegendEntry::new("contractile mass", Sample::Dashed(GREY)));
        entries.push(LegendEntry::new("injection day", Sample::Injection));
        legend_panel(&legend_area, &entries)?;
        Ok(if circles {
            "Solid: strength; dashed: contractile mass; circles: the patient's right side; grey dashed verticals and triangles: injection days."
        } else {
            "Solid: strength; dashed: contractile mass; grey dashed verticals and triangles: injection days."
        })
    }
}

/// The face's scores over time (`bontsim plot --face`): Sunnybrook composite, eFACE total,
/// expressivity and synkinesis on the left axis, the House-Brackmann grade on the right.
///
/// ```
/// use bontsim_core::plan::{Format as PlanFormat, Plan};
/// use bontsim_render::{figures, labels::PlanLabel, Format};
/// let plan = Plan::parse("[patient]\nsex = \"male\"\nage = 50\n", PlanFormat::Toml).unwrap();
/// let report = bontsim_core::Engine::default()
///     .simulate(&bontsim_core::engine::SimulateRequest {
///         days: Some(30),
///         ..bontsim_core::engine::SimulateRequest::new(&plan)
///     })?;
/// let png = figures::face_scores(&report, &PlanLabel::new(None, &plan), Format::Png).unwrap();
/// assert_eq!(&png[1..4], b"PNG");
/// # Ok::<(), bontsim_core::Error>(())
/// ```
pub fn face_scores(
    report: &Report,
    label: &PlanLabel,
    format: Format,
) -> Result<Vec<u8>, RenderError> {
    render(&FaceScores { report, label }, format)
}

struct FaceScores<'a> {
    report: &'a Report,
    label: &'a PlanLabel,
}

impl Figure for FaceScores<'_> {
    fn draw<B: DrawingBackend>(
        &self,
        main: &DrawingArea<B, Shift>,
    ) -> Result<&'static str, Box<dyn std::error::Error>>
    where
        B::ErrorType: 'static,
    {
        let report = self.report;
        let face = &report.face;
        let title = match face.affected_side {
            Some(side) => format!("Face scores over time, palsy on the {side} side"),
            None => "Face scores over time, left graded against right".to_string(),
        };
        let below = titled(
            main,
            &format!("{title} — {}", self.label.name),
            &self.label.doses,
        )?;
        let (plot_area, legend_area) =
            below.split_horizontally(below.dim_in_pixel().0 - LEGEND_WIDTH);
        let range = day_range(report);
        let last = range.end;
        let start = start_date(report);
        let (x_description, x_label) = day_axis(start);
        let mut chart = ChartBuilder::on(&plot_area)
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .right_y_label_area_size(60)
            .build_cartesian_2d(range.clone(), 0.0..100.0)?
            .set_secondary_coord(range, 6.5..0.5);
        chart
            .configure_mesh()
            .x_desc(x_description)
            .y_desc("score (0-100)")
            .x_labels(if start.is_some() { 8 } else { 10 })
            .x_label_formatter(&x_label)
            .bold_line_style(RGBColor(225, 225, 225))
            .light_line_style(RGBColor(245, 245, 245))
            .label_style(("sans-serif", 14))
            .draw()?;
        chart
            .configure_secondary_axes()
            .y_desc("House-Brackmann grade")
            .y_labels(6)
            .y_label_formatter(&|g: &f64| {
                if (0.5..6.5).contains(g) {
                    bontsim_core::face::house_brackmann_roman(g.round() as u8).to_string()
                } else {
                    String::new()
                }
            })
            .label_style(("sans-serif", 14))
            .draw()?;
        for day in injection_days(report, last) {
            chart.draw_series(injection_line(day, 100.0))?;
            chart.draw_series(std::iter::once(TriangleMarker::new(
                (day, 98.0),
                5,
                INJECTION_MARKER.filled(),
            )))?;
        }
        type Series = (&'static str, fn(&bontsim_core::face::FaceDaily) -> f64);
        let series: [Series; 4] = [
            ("Sunnybrook composite", |d| d.sunnybrook),
            ("eFACE total", |d| d.eface_total),
            ("expressivity x 100", |d| 100.0 * d.expressivity),
            ("Sunnybrook synkinesis x 100/15", |d| {
                d.sunnybrook_synkinesis * 100.0 / 15.0
            }),
        ];
        let mut entries = Vec::new();
        for (k, (name, value)) in series.into_iter().enumerate() {
            let colour = COLOURS[k];
            chart.draw_series(LineSeries::new(
                face.daily.iter().map(|d| (d.day as f64, value(d))),
                colour.stroke_width(2),
            ))?;
            entries.push(LegendEntry::new(name, Sample::Solid(colour)));
        }
        let grey = RGBColor(60, 60, 60);
        chart.draw_secondary_series(LineSeries::new(
            face.daily.iter().flat_map(|d| {
                let grade = d.house_brackmann as f64;
                [(d.day as f64, grade), (d.day as f64 + 1.0, grade)]
            }),
            grey.stroke_width(1),
        ))?;
        entries.push(LegendEntry::new(
            "House-Brackmann grade (right axis)",
            Sample::Thin(grey),
        ));
        entries.push(LegendEntry::new("injection day", Sample::Injection));
        legend_panel(&legend_area, &entries)?;
        Ok("Grey dashed verticals and triangles: injection days.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bontsim_core::plan::{Format as PlanFormat, Plan};

    #[test]
    fn the_selection_names_what_it_cannot_draw() {
        let untreated = Plan::parse("[patient]\nsex = \"female\"\nage = 40\n", PlanFormat::Toml)
            .expect("a valid plan");
        let report = bontsim_core::Engine::default()
            .simulate(&bontsim_core::engine::SimulateRequest {
                days: Some(20),
                ..bontsim_core::engine::SimulateRequest::new(&untreated)
            })
            .expect("a simulation");
        let label = PlanLabel::new(None, &untreated);
        let error = strength(&report, &[], &label, Format::Svg).unwrap_err();
        assert_eq!(error, RenderError::NothingInjected);
        assert_eq!(
            error.to_string(),
            "the plan injects no muscle: nothing to plot"
        );
        let asked = ["masseter".to_string(), "procerus".to_string()];
        let error = selected_muscles(&report, &asked).unwrap_err();
        assert_eq!(
            error.to_string(),
            "none of masseter, procerus receives toxin in this plan"
        );
        assert_eq!(
            selected_muscles(&report, &asked[..1]).unwrap_err(),
            RenderError::NoneInjected(vec!["masseter".to_string()])
        );
    }
}
