//! `bontsim trial` and `bontsim trial-merge`: virtual trials on the core's streaming
//! aggregation, written to a directory. The directory changes as a whole (files.rs,
//! [`OutputDirectory`]): an interrupted or failed run leaves the previous result intact.

use crate::files::{read_partial, register_input, OutputDirectory};
use crate::plot::render_error;
use bontsim_core::engine::{Engine, Progress, TrialOutcome, TrialRequest, THREADS_PER_CORE};
use bontsim_core::partial::parse_partial;
use bontsim_core::trial::{TrialAggregate, TrialSummary};
use bontsim_render::text::trial as trial_text;
use bontsim_render::{figures, Format};
use indicatif::{ProgressBar, ProgressStyle};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Every file `trial` and `trial-merge` write (a directory holding only these may be replaced).
const TRIAL_FILES: &[&str] = &[
    "summary.json",
    "responders.csv",
    "durations.csv",
    "adverse_events.csv",
    "duration_distribution.csv",
    "atrophy.csv",
    "responders.svg",
    "responders.png",
    "durations.svg",
    "durations.png",
    "partial.json",
];

/// An error of the engine as the user reads it: request fields named as options.
type Refusal = crate::Failure;

/// Runs the trial on the engine and writes its directory; the summary of a whole trial
/// (`None` for a shard, whose partial result is not a trial yet).
pub fn run(
    engine: &Engine,
    request: &TrialRequest,
    output: &Path,
) -> Result<Option<TrialSummary>, Refusal> {
    // Refuse a bad request before the output directory is touched.
    request.validate().map_err(crate::request_failure)?;
    let directory = OutputDirectory::begin(output, "trial", TRIAL_FILES).map_err(Refusal::input)?;
    let threads = bontsim_core::engine::worker_threads(request.threads);
    if let Some(requested) = threads.lowered_from {
        eprintln!(
            "note: --threads {requested} is more than {THREADS_PER_CORE} per core on these {} cores: using {} (the output does not depend on it)",
            threads.cores, threads.threads
        );
    }
    let outcome = with_progress_bar("patients ({per_sec}, {eta} left)", |progress| {
        engine.trial(request, progress)
    });
    match outcome.map_err(crate::engine_failure)? {
        TrialOutcome::Partial(aggregate) => {
            let json = serde_json::to_vec(&aggregate).map_err(|e| Refusal::input(e.to_string()))?;
            directory
                .write("partial.json", &json)
                .map_err(Refusal::input)?;
            directory.commit().map_err(Refusal::input)?;
            let (start, end) = aggregate.covered.first().copied().unwrap_or_default();
            eprintln!(
                "wrote {} (patients {start}..{end}); combine the shards with `bontsim trial-merge`",
                output.join("partial.json").display(),
            );
            Ok(None)
        }
        TrialOutcome::Whole(aggregate) => write_outputs(&aggregate, directory)
            .map(Some)
            .map_err(Refusal::input),
    }
}

/// Runs `work` with a progress bar on standard error (hidden when it is not a terminal) fed
/// by the engine's progress callback; `counted` ends the bar's template ("patients ...").
pub fn with_progress_bar<T>(
    counted: &str,
    work: impl FnOnce(&(dyn Fn(Progress) + Sync)) -> T,
) -> T {
    let progress = ProgressBar::new(0);
    progress.set_style(
        ProgressStyle::with_template(&format!(
            "{{elapsed_precise}} [{{bar:40}}] {{pos}}/{{len}} {counted}"
        ))
        .expect("valid template")
        .progress_chars("=> "),
    );
    let result = work(&|done: Progress| {
        progress.set_length(done.total);
        progress.set_position(done.done);
    });
    progress.finish_and_clear();
    result
}

pub fn merge(engine: &Engine, inputs: &[PathBuf], output: &Path) -> Result<TrialSummary, String> {
    if inputs.is_empty() {
        return Err("trial-merge: give at least one partial result directory".into());
    }
    let mut parts = Vec::new();
    for dir in inputs {
        register_input(dir);
        let path = dir.join("partial.json");
        let bytes = read_partial(&path)
            .map_err(|e| format!("{e} (run `bontsim trial --shard i/n --output DIR` first)"))?;
        let label = path.display().to_string();
        let part = parse_partial(&label, &bytes).map_err(|e| e.to_string())?;
        parts.push((label, part));
    }
    let aggregate = engine.trial_merge(&parts).map_err(|e| e.to_string())?;
    write_outputs(
        &aggregate,
        OutputDirectory::begin(output, "trial-merge", TRIAL_FILES)?,
    )
}

fn write_outputs(aggregate: &TrialAggregate, dir: OutputDirectory) -> Result<TrialSummary, String> {
    let summary = aggregate.summary();
    let json = trial_text::summary_json(&summary).map_err(|e| e.to_string())?;
    dir.write("summary.json", json.as_bytes())?;
    let tables = trial_text::tables(&summary);
    let (responders, durations, adverse, distribution, atrophy) = (
        tables.responders,
        tables.durations,
        tables.adverse_events,
        tables.duration_distribution,
        tables.atrophy,
    );
    dir.write("responders.csv", responders.as_bytes())?;
    dir.write("durations.csv", durations.as_bytes())?;
    dir.write("adverse_events.csv", adverse.as_bytes())?;
    dir.write("duration_distribution.csv", distribution.as_bytes())?;
    dir.write("atrophy.csv", atrophy.as_bytes())?;
    for format in [Format::Svg, Format::Png] {
        let responders = format!("responders.{}", format.extension());
        let bytes = figures::responder_curves(&summary, format)
            .map_err(render_error(&dir.path().join(&responders)))?;
        dir.write(&responders, &bytes)?;
        let durations = format!("durations.{}", format.extension());
        let bytes = figures::duration_histogram(&summary, format)
            .map_err(render_error(&dir.path().join(&durations)))?;
        dir.write(&durations, &bytes)?;
    }
    let shown = dir.path().to_path_buf();
    dir.commit()?;
    eprintln!("wrote summary.json, responders.csv, durations.csv, duration_distribution.csv, adverse_events.csv, atrophy.csv, responders.svg/.png and durations.svg/.png in {}", shown.display());
    Ok(summary)
}

/// The day at which the arms' responder rates are set side by side: day 30, the primary
/// endpoint of the glabellar line trials (or the last simulated day of a shorter trial).
pub const RESPONDER_TABLE_DAY: usize = 30;

/// The arms of a trial as a table for a terminal: per arm and area the responder rate with its
/// 95% interval on [`RESPONDER_TABLE_DAY`], the median duration and onset; then each arm's
/// adverse-event rates and its largest median volume loss.
pub fn arms_table(summary: &TrialSummary) -> String {
    let mut out = String::new();
    let day = RESPONDER_TABLE_DAY.min(summary.days.saturating_sub(1));
    let _ = writeln!(
        out,
        "{} patients per arm, seed {}, responder: {}",
        summary.patients, summary.seed, summary.responder
    );
    let _ = writeln!(
        out,
        "{:<4} {:<16} {:>26} {:>20} {:>12}",
        "arm",
        "area",
        format!("responders day {day} (95% CI)"),
        "median duration",
        "median onset"
    );
    let show = |value: Option<usize>| value.map_or_else(|| "-".into(), |d| format!("day {d}"));
    for (index, arm) in summary.arms.iter().enumerate() {
        if arm.areas.is_empty() {
            let _ = writeln!(
                out,
                "{:<4} {:<16} {:>26}",
                index + 1,
                "(no wrinkle area)",
                "-"
            );
        }
        for area in &arm.areas {
            let rate = area.responders.iter().find(|r| r.day == day).map_or_else(
                || "-".into(),
                |r| {
                    format!(
                        "{:.1}% ({:.1}-{:.1}%)",
                        r.rate * 100.0,
                        r.low * 100.0,
                        r.high * 100.0
                    )
                },
            );
            let _ = writeln!(
                out,
                "{:<4} {:<16} {:>26} {:>20} {:>12}",
                index + 1,
                area.area,
                rate,
                area.duration_days
                    .median
                    .map_or_else(|| "-".into(), |d| format!("{d} days")),
                show(area.onset_days.median),
            );
        }
    }
    out.push_str("\nAdverse events (share of patients) and the largest median volume loss\n");
    for (index, arm) in summary.arms.iter().enumerate() {
        let events: Vec<String> = arm
            .adverse_events
            .iter()
            .map(|a| {
                format!(
                    "{} {}",
                    a.risk.replace('_', " "),
                    crate::summary::percent(a.rate)
                )
            })
            .collect();
        out.push_str(&crate::summary::wrap(
            &format!("arm {}: {}", index + 1, events.join(", ")),
            7,
        ));
        if let Some(worst) = arm
            .atrophy
            .iter()
            .min_by(|a, b| a.median_volume.total_cmp(&b.median_volume))
        {
            let _ = writeln!(
                out,
                "       {} ({}) volume {:.0}% below baseline on day {} (median)",
                worst.muscle,
                worst.side,
                (1.0 - worst.median_volume) * 100.0,
                worst.day
            );
        }
    }
    out.push('\n');
    for (index, arm) in summary.arms.iter().enumerate() {
        out.push_str(&crate::summary::wrap(
            &format!("arm {}: {}", index + 1, arm.plan),
            7,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use bontsim_core::plan::{Format, Plan};
    use bontsim_core::population::Variability;
    use bontsim_core::trial::{run_arm, Responder, TrialSettings};
    use bontsim_core::MODEL_VERSION;

    #[test]
    fn the_arms_table_shows_the_day_30_rate_with_its_interval() {
        let plan = Plan::parse(
            include_str!("../../../examples/glabella_20u_every_4_months.toml"),
            Format::Toml,
        )
        .expect("valid example");
        let settings = TrialSettings {
            seed: 1,
            patients: 40,
            days: 200,
            responder: Responder::NoneOrMild,
            atrophy_days: vec![90],
        };
        let arm = run_arm("glabella", &plan, &settings, &Variability::default(), 0..40);
        let summary = TrialAggregate {
            model_version: MODEL_VERSION.into(),
            shard: None,
            settings,
            covered: vec![(0, 40)],
            arms: vec![arm],
        }
        .summary();
        let table = arms_table(&summary);
        let rate = summary.arms[0].areas[0]
            .responders
            .iter()
            .find(|r| r.day == RESPONDER_TABLE_DAY)
            .expect("day 30 within 200 days");
        let expected = format!(
            "{:.1}% ({:.1}-{:.1}%)",
            rate.rate * 100.0,
            rate.low * 100.0,
            rate.high * 100.0
        );
        assert!(table.contains(&expected), "{expected} not in\n{table}");
        assert!(table.contains("arm 1: glabella"), "{table}");
        assert!(table.contains("eyelid ptosis"), "{table}");
        assert!(table
            .lines()
            .all(|l| l.chars().count() <= crate::summary::WIDTH));
    }
}
