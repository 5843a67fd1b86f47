//! `bontsim face`: a schematic front view of the face on chosen days. This module handles
//! the request: which days (checked against the simulated horizon), which expression, one file
//! per day and its name. The picture itself is the core's scene
//! ([`bontsim_core::face::scene`]), drawn as SVG or PNG by bontsim-render and written through
//! files.rs.

use crate::files;
use crate::plot::{output_format, render_error};
use bontsim_core::engine::Engine;
use bontsim_core::face;
use bontsim_core::face::data::FaceData;
use bontsim_core::face::scene::SceneTitle;
use bontsim_core::plan::Plan;
use bontsim_render::labels;
use std::path::{Path, PathBuf};

/// What `bontsim face` was asked for.
pub struct Request<'a> {
    pub plan: &'a Plan,
    /// Shown in the title: the plan file's name without its extension.
    pub plan_name: String,
    /// Simulated days (`--days`).
    pub horizon: usize,
    /// `--frames` (any number, in any order).
    pub days: Vec<usize>,
    /// `--every N`: days 0, N, 2N, ... up to `--until` (default: the last simulated day).
    pub every: Option<usize>,
    pub until: Option<usize>,
    pub expression: String,
    pub output: PathBuf,
}

/// Validate the request, simulate, and write one picture per day.
pub fn run(request: Request) -> Result<(), String> {
    let format = output_format(&request.output)?;
    let data = FaceData::get();
    let expression = match request.expression.as_str() {
        "rest" => None,
        name => Some(data.expression_index(name).ok_or_else(|| {
            format!(
                "--expression: unknown expression \"{name}\"{}; choose rest, {}",
                face::suggest_expression(name)
                    .map(|s| format!(" (did you mean \"{s}\"?)"))
                    .unwrap_or_default(),
                data.expression_names().join(", ")
            )
        })?),
    };
    let days = select_days(&request)?;
    let outputs = frame_paths(&request.output, &days);
    for warning in &request.plan.warnings {
        eprintln!("warning: {warning}");
    }
    // The horizon was checked when the request was made; the engine checks it again.
    let series = Engine::default()
        .face_series(request.plan, Some(request.horizon))
        .map_err(|e| e.to_string())?;
    let title = SceneTitle {
        plan_name: request.plan_name,
        doses: labels::doses(request.plan),
        expression_name: request.expression,
    };
    for (&day, path) in days.iter().zip(&outputs) {
        let scene = series.scene(day, expression, &title);
        let bytes = bontsim_render::face::picture(&scene, format).map_err(render_error(path))?;
        files::write_file(path, &bytes)?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// The days to draw, sorted and without repeats; every one inside the simulated horizon.
fn select_days(request: &Request) -> Result<Vec<usize>, String> {
    let horizon = request.horizon;
    let beyond = |option: &str, day: usize| {
        format!(
            "{option}: day {day} is beyond the simulated horizon ({horizon} days, 0..{}); raise --days",
            horizon - 1
        )
    };
    let mut days = Vec::new();
    for &day in &request.days {
        if day >= horizon {
            return Err(beyond("--frames", day));
        }
        days.push(day);
    }
    match (request.every, request.until) {
        (Some(0), _) => return Err("--every: must be at least 1".to_string()),
        (Some(every), until) => {
            let until = until.unwrap_or(horizon - 1);
            if until >= horizon {
                return Err(beyond("--until", until));
            }
            days.extend((0..=until).step_by(every));
        }
        (None, Some(_)) => return Err("--until: needs --every".to_string()),
        (None, None) => {}
    }
    if days.is_empty() {
        days.push(0);
    }
    days.sort_unstable();
    days.dedup();
    Ok(days)
}

/// One day: the output as given; several: `STEM_dayNNNN.EXT` beside it, the day padded to
/// at least four digits (to the width of the last day when it has more).
fn frame_paths(output: &Path, days: &[usize]) -> Vec<PathBuf> {
    if days.len() == 1 {
        return vec![output.to_path_buf()];
    }
    let stem = output
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let extension = output
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_default();
    let width = days.last().map_or(0, |d| d.to_string().len()).max(4);
    days.iter()
        .map(|day| output.with_file_name(format!("{stem}_day{day:0width$}.{extension}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_named_by_padded_day() {
        let one = frame_paths(Path::new("out/face.svg"), &[14]);
        assert_eq!(one, vec![PathBuf::from("out/face.svg")]);
        let many = frame_paths(Path::new("out/face.png"), &[0, 12345]);
        assert_eq!(
            many,
            vec![
                PathBuf::from("out/face_day00000.png"),
                PathBuf::from("out/face_day12345.png")
            ]
        );
    }
}
