//! The figures, as SVG or PNG bytes: a plan's strength and contractile mass over time and its
//! face scores over time (`bontsim plot`), a trial's responder curves and response durations
//! (`bontsim trial`), and the tornado and Sobol bars of a sensitivity analysis (`bontsim
//! sensitivity`). Also the pieces every figure shares: the title naming the plan and its
//! doses, the legend beside or below the chart (never over the curves), and the footer with
//! the disclaimer. Drawn in memory, never written: the caller decides where the bytes go.

mod fit;
mod plan;
mod sensitivity;
mod trial;

pub use fit::forecast_band;
pub use plan::{face_scores, selected_muscles, strength};
pub use sensitivity::{sobol, tornado};
pub use trial::{arm_names, duration_histogram, responder_curves};

use crate::{Format, RenderError};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

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

/// Grey of the samples that stand for a style rather than a series, and of injection days.
pub(crate) const GREY: RGBColor = RGBColor(90, 90, 90);
pub(crate) const INJECTION_MARKER: RGBColor = GREY;

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
pub(crate) const LEGEND_WIDTH: u32 = 330;

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

/// Height of the footer below a figure's chart, where `paint` writes note and disclaimer.
const FOOTER_HEIGHT: u32 = 40;

/// A figure that can be drawn on any plotters backend: it draws its chart on `area` and
/// returns the note for the footer, which `paint` writes before the disclaimer.
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

/// White background, the figure above, its note and the disclaimer in the footer: every
/// figure carries the disclaimer.
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

/// The bytes of a figure as an SVG or PNG file, drawn in memory.
pub(crate) fn render(figure: &impl Figure, format: Format) -> Result<Vec<u8>, RenderError> {
    let size = figure.size();
    let failed = |e: Box<dyn std::error::Error>| RenderError::Drawing(e.to_string());
    match format {
        Format::Svg => {
            let mut text = String::new();
            paint(
                &SVGBackend::with_string(&mut text, size).into_drawing_area(),
                figure,
            )
            .map_err(failed)?;
            Ok(text.into_bytes())
        }
        Format::Png => {
            let mut pixels = vec![0u8; size.0 as usize * size.1 as usize * 3];
            paint(
                &BitMapBackend::with_buffer(&mut pixels, size).into_drawing_area(),
                figure,
            )
            .map_err(failed)?;
            encode_png(&pixels, size)
        }
    }
}

/// A PNG file of RGB pixels, encoded as plotters encodes the figures it saves itself.
pub(crate) fn encode_png(
    pixels: &[u8],
    (width, height): (u32, u32),
) -> Result<Vec<u8>, RenderError> {
    use image::ImageEncoder;
    let mut bytes = Vec::new();
    image::codecs::png::PngEncoder::new(&mut bytes)
        .write_image(pixels, width, height, image::ColorType::Rgb8)
        .map_err(|e| RenderError::Drawing(e.to_string()))?;
    Ok(bytes)
}
