//! `bontsim plot`: strength (solid) and contractile mass (dashed) of chosen muscles over
//! time, with injection days marked, as SVG or PNG; with `--face`, the face's clinical scores
//! (Sunnybrook, eFACE, House-Brackmann, expressivity) over time instead.

use crate::files;
use bontsim_core::report::{MuscleReport, Report};
use plotters::coord::Shift;
use plotters::prelude::*;
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

pub fn plot(report: &Report, muscles: &[String], output: &Path) -> Result<(), String> {
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
        &Strengths {
            report,
            selected: &selected,
        },
    )
}

const INJECTION_MARKER: RGBColor = RGBColor(90, 90, 90);

/// Distinct injection days up to the last plotted day.
fn injection_days(report: &Report, last: f64) -> Vec<f64> {
    let mut days: Vec<f64> = report.injections.iter().map(|i| i.day).collect();
    days.dedup();
    days.retain(|d| *d <= last);
    days
}

/// The dotted vertical line marking an injection day, from 0 to `top`.
fn injection_line(day: f64, top: f64) -> DashedLineSeries<std::vec::IntoIter<(f64, f64)>, i32> {
    DashedLineSeries::new(
        vec![(day, 0.0), (day, top)],
        3,
        5,
        INJECTION_MARKER.stroke_width(1),
    )
}

/// The legend sample of a line of `colour`.
pub(crate) fn legend_line(colour: RGBColor) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
}

/// Draw the legend box of every figure: lower right, on a translucent white background.
fn legend<'a, 'b, B: DrawingBackend + 'a, C: plotters::coord::CoordTranslate>(
    mut labels: plotters::chart::SeriesLabelStyle<'a, 'b, B, C>,
) -> Result<(), Box<dyn std::error::Error>>
where
    B::ErrorType: 'static,
{
    labels
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .draw()?;
    Ok(())
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

struct Strengths<'a> {
    report: &'a Report,
    selected: &'a [&'a MuscleReport],
}

impl Figure for Strengths<'_> {
    fn draw<B: DrawingBackend>(
        &self,
        area: &DrawingArea<B, Shift>,
    ) -> Result<&'static str, Box<dyn std::error::Error>>
    where
        B::ErrorType: 'static,
    {
        draw(area, self.report, self.selected)
    }
}

/// The face's scores over time (`bontsim plot --face`).
pub fn plot_face(report: &Report, output: &Path) -> Result<(), String> {
    render(output, &FaceScores { report })
}

struct FaceScores<'a> {
    report: &'a Report,
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
        let days = report.days.max(2) as f64 - 1.0;
        let title = match face.affected_side {
            Some(side) => format!("Face scores over time (palsy on the {side} side)"),
            None => "Face scores over time (left graded against right)".to_string(),
        };
        let mut chart = ChartBuilder::on(main)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .right_y_label_area_size(60)
            .build_cartesian_2d(0.0..days, 0.0..100.0)?
            .set_secondary_coord(0.0..days, 6.5..0.5);
        chart
            .configure_mesh()
            .x_desc("day")
            .y_desc("score (0-100)")
            .x_label_formatter(&|day| format!("{day:.0}"))
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
        for day in injection_days(report, days) {
            chart.draw_series(injection_line(day, 100.0))?;
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
        for (k, (name, value)) in series.into_iter().enumerate() {
            let colour = COLOURS[k];
            chart
                .draw_series(LineSeries::new(
                    face.daily.iter().map(|d| (d.day as f64, value(d))),
                    colour.stroke_width(2),
                ))?
                .label(name)
                .legend(legend_line(colour));
        }
        let grey = RGBColor(60, 60, 60);
        chart
            .draw_secondary_series(LineSeries::new(
                face.daily.iter().flat_map(|d| {
                    let grade = d.house_brackmann as f64;
                    [(d.day as f64, grade), (d.day as f64 + 1.0, grade)]
                }),
                grey.stroke_width(1),
            ))?
            .label("House-Brackmann grade (right axis)")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], grey));
        legend(chart.configure_series_labels())?;
        Ok("dotted lines: injection days.")
    }
}

fn draw<B: DrawingBackend>(
    main: &DrawingArea<B, Shift>,
    report: &Report,
    selected: &[&MuscleReport],
) -> Result<&'static str, Box<dyn std::error::Error>>
where
    B::ErrorType: 'static,
{
    let days = report.days.max(2) as f64 - 1.0;
    let mut chart = ChartBuilder::on(main)
        .caption(
            "Strength (solid) and contractile mass (dashed), fraction of untreated baseline",
            ("sans-serif", 20),
        )
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..days, 0.0..1.05)?;
    chart
        .configure_mesh()
        .x_desc("day")
        .y_desc("fraction of baseline (1 = untreated)")
        .x_label_formatter(&|day| format!("{day:.0}"))
        .y_label_formatter(&|y| format!("{y:.1}"))
        .bold_line_style(RGBColor(225, 225, 225))
        .light_line_style(RGBColor(245, 245, 245))
        .label_style(("sans-serif", 14))
        .draw()?;
    for day in injection_days(report, days) {
        chart.draw_series(injection_line(day, 1.05))?;
        chart.draw_series(std::iter::once(TriangleMarker::new(
            (day, 1.03),
            5,
            INJECTION_MARKER.filled(),
        )))?;
    }
    for (k, muscle) in selected.iter().enumerate() {
        let colour = COLOURS[k % COLOURS.len()];
        chart
            .draw_series(LineSeries::new(
                muscle.daily.iter().map(|d| (d.day as f64, d.strength)),
                colour.stroke_width(2),
            ))?
            .label(format!("{} ({})", muscle.muscle, muscle.side))
            .legend(legend_line(colour));
        chart.draw_series(DashedLineSeries::new(
            muscle.daily.iter().map(|d| (d.day as f64, d.mass)),
            6,
            4,
            colour.stroke_width(2),
        ))?;
    }
    legend(chart.configure_series_labels())?;
    Ok("triangles and dotted lines: injection days.")
}
