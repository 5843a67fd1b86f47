//! `bontsim plot`: strength and contractile mass of chosen muscles over time, or with
//! `--face` the face's clinical scores over time, drawn by bontsim-render as SVG or PNG and
//! written through files.rs. Also what every figure-writing command shares: the format named
//! by the output's extension, and the render errors in the command line's words.

use crate::files;
use bontsim_core::report::Report;
use bontsim_render::labels::PlanLabel;
use bontsim_render::{figures, Format, RenderError};
use std::path::Path;

/// Draw the strength figure of `muscles` (every injected muscle when empty), or the face
/// scores when `muscles` is `None`, and write it to `output`.
pub fn plot(
    report: &Report,
    muscles: Option<&[String]>,
    label: &PlanLabel,
    output: &Path,
) -> Result<(), String> {
    let error = render_error(output);
    // The muscles are checked before the output, as the options are read.
    if let Some(muscles) = muscles {
        figures::selected_muscles(report, muscles).map_err(&error)?;
    }
    let format = output_format(output)?;
    let bytes = match muscles {
        Some(muscles) => figures::strength(report, muscles, label, format),
        None => figures::face_scores(report, label, format),
    }
    .map_err(&error)?;
    files::write_file(output, &bytes)
}

/// The image format of an output file, by its extension; standard output is refused (a
/// figure is binary or a whole document, never a stream).
pub fn output_format(output: &Path) -> Result<Format, String> {
    files::refuse_standard_output(output)?;
    let extension = output.extension().and_then(|e| e.to_str()).unwrap_or("");
    Format::from_extension(extension).map_err(render_error(output))
}

/// A render error as the command line says it: naming the option at fault, or the file that
/// could not be drawn (`shown`).
pub fn render_error(shown: &Path) -> impl Fn(RenderError) -> String + '_ {
    move |error| match error {
        RenderError::UnsupportedFormat(_) => format!("--output: {error}"),
        RenderError::NoneInjected(_) => format!("--muscle: {error}"),
        RenderError::NothingInjected => error.to_string(),
        RenderError::Drawing(_) => format!("cannot draw {}: {error}", shown.display()),
    }
}
