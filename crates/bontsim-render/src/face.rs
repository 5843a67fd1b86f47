//! The face picture (`bontsim face`) drawn from its scene (the core's
//! [`bontsim_core::face::scene`]): as SVG written by hand, so that each muscle region carries
//! an `id`, its numbers as `data-` attributes and a `<title>`, or as PNG drawn with plotters.
//! The scene decides every shape, colour and word; this module only draws them.

use crate::{Format, RenderError};
use bontsim_core::face::scene::{Anchor, Point, Rgb, Scene, Shape};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::fmt::Write as _;

/// The picture of `scene` as an SVG or PNG file.
///
/// ```
/// use bontsim_core::face::scene::{FaceSeries, SceneTitle};
/// use bontsim_core::plan::{Format as PlanFormat, Plan};
/// let plan = Plan::parse("[patient]\nsex = \"female\"\nage = 40\n", PlanFormat::Toml).unwrap();
/// let title = SceneTitle {
///     plan_name: "untreated".to_string(),
///     doses: "no injections".to_string(),
///     expression_name: "rest".to_string(),
/// };
/// let scene = FaceSeries::new(&plan, 10).scene(0, None, &title);
/// let svg = bontsim_render::face::picture(&scene, bontsim_render::Format::Svg).unwrap();
/// assert!(String::from_utf8(svg).unwrap().contains("id=\"procerus_left\""));
/// ```
pub fn picture(scene: &Scene, format: Format) -> Result<Vec<u8>, RenderError> {
    match format {
        Format::Svg => Ok(svg(scene).into_bytes()),
        Format::Png => png(scene),
    }
}

fn hex(colour: Rgb) -> String {
    format!("#{:02x}{:02x}{:02x}", colour.0, colour.1, colour.2)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn svg_points(points: &[Point]) -> String {
    points
        .iter()
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The picture as an SVG document.
pub fn svg(scene: &Scene) -> String {
    let (width, height) = (scene.width, scene.height);
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\">\n"
    );
    for shape in &scene.shapes {
        match shape {
            Shape::Area {
                points,
                fill,
                outline,
                region,
            } => {
                let fill = fill.map_or("none".to_string(), hex);
                let stroke = match outline {
                    Some((colour, width)) => {
                        format!(" stroke=\"{}\" stroke-width=\"{width}\"", hex(*colour))
                    }
                    None => String::new(),
                };
                let points = svg_points(points);
                match region {
                    Some(r) => {
                        let _ = writeln!(
                            out,
                            "<polygon id=\"{}\" class=\"muscle {}\" data-muscle=\"{}\" data-side=\"{}\" data-capacity=\"{:.4}\" data-strength=\"{:.4}\" data-nerve-function=\"{:.4}\" points=\"{points}\" fill=\"{fill}\"{stroke}><title>{} ({}): capacity {:.2} = strength {:.2} x nerve function {:.2}</title></polygon>",
                            r.id,
                            r.side.name(),
                            r.muscle,
                            r.side.name(),
                            r.capacity,
                            r.strength,
                            r.drive,
                            r.muscle.replace('_', " "),
                            r.side.name(),
                            r.capacity,
                            r.strength,
                            r.drive
                        );
                    }
                    None => {
                        let _ = writeln!(
                            out,
                            "<polygon points=\"{points}\" fill=\"{fill}\"{stroke}/>"
                        );
                    }
                }
            }
            Shape::Line {
                points,
                colour,
                width,
                dashed,
            } => {
                let dash = if *dashed {
                    " stroke-dasharray=\"6 4\""
                } else {
                    ""
                };
                let _ = writeln!(
                    out,
                    "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{width:.1}\" stroke-linecap=\"round\" stroke-linejoin=\"round\"{dash}/>",
                    svg_points(points),
                    hex(*colour)
                );
            }
            Shape::Text {
                at,
                text,
                size,
                anchor,
                bold,
            } => {
                let anchor = match anchor {
                    Anchor::Start => "start",
                    Anchor::Middle => "middle",
                };
                let weight = if *bold { " font-weight=\"bold\"" } else { "" };
                let _ = writeln!(
                    out,
                    "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"{size}\" text-anchor=\"{anchor}\"{weight} xml:space=\"preserve\">{}</text>",
                    at.0,
                    at.1,
                    escape(text)
                );
            }
        }
    }
    out.push_str("</svg>\n");
    out
}

/// The PNG file of the picture, drawn in memory.
fn png(scene: &Scene) -> Result<Vec<u8>, RenderError> {
    let size = (scene.width as u32, scene.height as u32);
    let mut pixels = vec![0u8; size.0 as usize * size.1 as usize * 3];
    draw_png(&scene.shapes, &mut pixels, size).map_err(|e| RenderError::Drawing(e.to_string()))?;
    crate::figures::encode_png(&pixels, size)
}

fn draw_png(
    shapes: &[Shape],
    pixels: &mut [u8],
    size: (u32, u32),
) -> Result<(), Box<dyn std::error::Error>> {
    let root = BitMapBackend::with_buffer(pixels, size).into_drawing_area();
    let pixels = |points: &[Point]| -> Vec<(i32, i32)> {
        points
            .iter()
            .map(|(x, y)| (x.round() as i32, y.round() as i32))
            .collect()
    };
    let colour = |c: &Rgb| RGBColor(c.0, c.1, c.2);
    let width = |w: f64| (w.round() as u32).max(1);
    for shape in shapes {
        match shape {
            Shape::Area {
                points,
                fill,
                outline,
                ..
            } => {
                let mut points = pixels(points);
                if let Some(fill) = fill {
                    root.draw(&Polygon::new(points.clone(), colour(fill).filled()))?;
                }
                if let Some((stroke, w)) = outline {
                    points.push(points[0]);
                    root.draw(&PathElement::new(
                        points,
                        colour(stroke).stroke_width(width(*w)),
                    ))?;
                }
            }
            Shape::Line {
                points,
                colour: c,
                width: w,
                dashed,
            } => {
                let style = colour(c).stroke_width(width(*w));
                if *dashed {
                    root.draw(&DashedPathElement::new(pixels(points), 6, 4, style))?;
                } else {
                    root.draw(&PathElement::new(pixels(points), style))?;
                }
            }
            Shape::Text {
                at,
                text,
                size,
                anchor,
                bold,
            } => {
                let horizontal = match anchor {
                    Anchor::Start => HPos::Left,
                    Anchor::Middle => HPos::Center,
                };
                let font = if *bold {
                    ("sans-serif", *size, FontStyle::Bold).into_font()
                } else {
                    ("sans-serif", *size).into_font()
                };
                let style = font.color(&BLACK).pos(Pos::new(horizontal, VPos::Bottom));
                root.draw(&Text::new(
                    text.clone(),
                    (at.0.round() as i32, at.1.round() as i32),
                    style,
                ))?;
            }
        }
    }
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use bontsim_core::face::scene::{FaceSeries, SceneTitle};
    use bontsim_core::plan::{Format as PlanFormat, Plan};

    #[test]
    fn the_svg_names_every_region_and_escapes_the_title() {
        let plan = Plan::parse("[patient]\nsex = \"male\"\nage = 60\n", PlanFormat::Toml)
            .expect("a valid plan");
        let title = SceneTitle {
            plan_name: "a <b> & c".to_string(),
            doses: "no injections".to_string(),
            expression_name: "rest".to_string(),
        };
        let scene = FaceSeries::new(&plan, 5).scene(2, None, &title);
        let text = svg(&scene);
        assert!(text.starts_with("<?xml"));
        assert!(text.contains("width=\"1000\" height=\"1140\""));
        assert!(text.contains("a &lt;b&gt; &amp; c: day 2, at rest"));
        let regions = text.matches("class=\"muscle ").count();
        assert_eq!(regions, 38);
        let png = picture(&scene, Format::Png).expect("a PNG");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    }
}
