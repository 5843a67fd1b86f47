//! `bontsim plot`: strength (solid) and contractile mass (dashed) of chosen muscles over
//! time, with injection days marked, as SVG or PNG; with `--face`, the face's clinical scores
//! (Sunnybrook, eFACE, House-Brackmann, expressivity) over time instead. Also the pieces every
//! figure shares: the title naming the plan and its doses, the legend beside or below the
//! chart (never over the curves), the footer with the disclaimer, and the file writer.

use crate::figure_text::{date_of_day, muscle_label, muscle_name, PlanLabel};
use crate::files;
use bontsim_core::plan::date::{format_iso_date, parse_iso_date};
use bontsim_core::report::{MuscleReport, Report};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// Line colours of every figure, in order of appearance.
pub(crate) const COLOURS: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(23, 190, 207),
];

pub fn plot(
    report: &Report,
    muscles: &[String],
    label: &PlanLabel,
    output: &Path,
) -> Result<(), String> {
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
            "the plan injects no muscle: nothing to plot".to_string()
        } else {
            format!(
                "--muscle: none of {} receives toxin in this plan",
                muscles.join(", ")
            )
        });
    }
    render(
        output,
        &StrengthFigure {
            report,
            label,
            selected: &selected,
        },
    )
}

/// Grey of the samples that stand for a style rather than a series, and of injection days.
const GREY: RGBColor = RGBColor(90, 90, 90);
const INJECTION_MARKER: RGBColor = GREY;

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

/// How a legend entry's sample is drawn: as its series is.
#[derive(Clone, Copy)]
pub(crate) enum Sample {
    Solid(RGBColor),
    Thin(RGBColor),
    Dashed(RGBColor),
    /// A solid line with hollow circles: the patient's right side.
    Circles(RGBColor),
    /// A translucent band: an interval.
    Band(RGBColor),
    /// A triangle over a dashed vertical: an injection day.
    Injection,
}

pub(crate) struct LegendEntry {
    pub label: String,
    pub sample: Sample,
}

impl LegendEntry {
    pub fn new(label: impl Into<String>, sample: Sample) -> LegendEntry {
        LegendEntry {
            label: label.into(),
            sample,
        }
    }
}

/// Height of one legend row in pixels.
pub(crate) const LEGEND_ROW: u32 = 22;
/// Width of a legend beside the chart.
const LEGEND_WIDTH: u32 = 330;

/// Draw `entries`, one per row, in `area`: beside or below the chart, never over its data.
pub(crate) fn legend_panel<B: DrawingBackend>(
    area: &DrawingArea<B, Shift>,
    entries: &[LegendEntry],
) -> Result<(), Box<dyn std::error::Error>>
where
    B::ErrorType: 'static,
{
    let (x0, x1) = (8, 38);
    for (row, entry) in entries.iter().enumerate() {
        let y = 14 + (LEGEND_ROW * row as u32) as i32;
        let line = |style: ShapeStyle| PathElement::new(vec![(x0, y), (x1, y)], style);
        match entry.sample {
            Sample::Solid(colour) => area.draw(&line(colour.stroke_width(2)))?,
            Sample::Thin(colour) => area.draw(&line(colour.stroke_width(1)))?,
            Sample::Dashed(colour) => area.draw(&DashedPathElement::new(
                vec![(x0, y), (x1, y)],
                6,
                4,
                colour.stroke_width(2),
            ))?,
            Sample::Circles(colour) => {
                area.draw(&line(colour.stroke_width(2)))?;
                area.draw(&Circle::new(((x0 + x1) / 2, y), 4, colour.stroke_width(2)))?;
            }
            Sample::Band(colour) => {
                area.draw(&Rectangle::new(
                    [(x0, y - 7), (x1, y + 7)],
                    colour.mix(0.2).filled(),
                ))?;
            }
            Sample::Injection => {
                let x = (x0 + x1) / 2;
                area.draw(&DashedPathElement::new(
                    vec![(x, y - 4), (x, y + 9)],
                    3,
                    5,
                    INJECTION_MARKER.stroke_width(1),
                ))?;
                area.draw(&TriangleMarker::new(
                    (x, y - 4),
                    5,
                    INJECTION_MARKER.filled(),
                ))?;
            }
        }
        area.draw(&Text::new(
            entry.label.clone(),
            (x1 + 8, y - 8),
            ("sans-serif", 14),
        ))?;
    }
    Ok(())
}

/// Height of a figure's title block.
pub(crate) const TITLE_HEIGHT: u32 = 58;

/// Draw a figure's title (what it shows, and for which plan) with the plan's doses on a
/// second line; returns the area below them.
pub(crate) fn titled<B: DrawingBackend>(
    area: &DrawingArea<B, Shift>,
    title: &str,
    subtitle: &str,
) -> Result<DrawingArea<B, Shift>, Box<dyn std::error::Error>>
where
    B::ErrorType: 'static,
{
    let (top, rest) = area.split_vertically(TITLE_HEIGHT);
    let centre = top.dim_in_pixel().0 as i32 / 2;
    let style = |size: u32, weight: FontStyle| {
        ("sans-serif", size)
            .into_font()
            .style(weight)
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Top))
    };
    top.draw(&Text::new(
        title.to_string(),
        (centre, 8),
        style(19, FontStyle::Bold),
    ))?;
    top.draw(&Text::new(
        subtitle.to_string(),
        (centre, 34),
        style(14, FontStyle::Normal),
    ))?;
    Ok(rest)
}

/// Height of the footer below a figure's chart, where `render` writes note and disclaimer.
const FOOTER_HEIGHT: u32 = 40;

/// A figure that can be drawn on any plotters backend: it draws its chart on `area` and
/// returns the note for the footer, which `render` writes before the disclaimer.
pub(crate) trait Figure {
    fn draw<B: DrawingBackend>(
        &self,
        area: &DrawingArea<B, Shift>,
    ) -> Result<&'static str, Box<dyn std::error::Error>>
    where
        B::ErrorType: 'static;

    /// Width and height in pixels, footer included.
    fn size(&self) -> (u32, u32) {
        (1100, 650)
    }
}

/// White background, the figure above, its note and the disclaimer in the footer, then the
/// write: every figure carries the disclaimer.
fn paint<B: DrawingBackend>(
    root: &DrawingArea<B, Shift>,
    figure: &impl Figure,
) -> Result<(), Box<dyn std::error::Error>>
where
    B::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let (main, footer) = root.split_vertically(figure.size().1 - FOOTER_HEIGHT);
    let note = figure.draw(&main)?;
    let disclaimer = "bontsim is research and education software, not a medical device.";
    footer.draw(&Text::new(
        if note.is_empty() {
            disclaimer.to_string()
        } else {
            format!("{note} {disclaimer}")
        },
        (14, 12),
        ("sans-serif", 14),
    ))?;
    root.present()?;
    Ok(())
}

/// Draw a figure to SVG or PNG by the output's extension and write it through
/// [`files::write_file`] (atomic, never through a link or onto a device).
pub(crate) fn render(output: &Path, figure: &impl Figure) -> Result<(), String> {
    files::refuse_standard_output(output)?;
    let extension = output.extension().and_then(|e| e.to_str()).unwrap_or("");
    let bytes = render_bytes(extension, figure, output)?;
    files::write_file(output, &bytes)
}

/// The bytes of a figure as an `svg` or `png` file, drawn in memory; errors name `shown`.
pub(crate) fn render_bytes(
    extension: &str,
    figure: &impl Figure,
    shown: &Path,
) -> Result<Vec<u8>, String> {
    let size = figure.size();
    let cannot = |e: Box<dyn std::error::Error>| format!("cannot draw {}: {e}", shown.display());
    match extension {
        "svg" => {
            let mut text = String::new();
            paint(
                &SVGBackend::with_string(&mut text, size).into_drawing_area(),
                figure,
            )
            .map_err(cannot)?;
            Ok(text.into_bytes())
        }
        "png" => {
            let mut pixels = vec![0u8; size.0 as usize * size.1 as usize * 3];
            paint(
                &BitMapBackend::with_buffer(&mut pixels, size).into_drawing_area(),
                figure,
            )
            .map_err(cannot)?;
            encode_png(&pixels, size).map_err(|e| cannot(e.into()))
        }
        other => Err(format!(
            "--output: unsupported extension \"{other}\"; use .svg or .png"
        )),
    }
}

/// A PNG file of RGB pixels, encoded as plotters encodes the figures it saves itself.
pub(crate) fn encode_png(pixels: &[u8], (width, height): (u32, u32)) -> Result<Vec<u8>, String> {
    use image::ImageEncoder;
    let mut bytes = Vec::new();
    image::codecs::png::PngEncoder::new(&mut bytes)
        .write_image(pixels, width, height, image::ColorType::Rgb8)
        .map_err(|e| e.to_string())?;
    Ok(bytes)
}

/// The figure of muscle strength over time (`plot`), one line per muscle side.
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

/// The face's scores over time (`bontsim plot --face`).
pub fn plot_face(report: &Report, label: &PlanLabel, output: &Path) -> Result<(), String> {
    render(output, &FaceScores { report, label })
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
