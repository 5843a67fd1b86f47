//! `bontsim trial` and `bontsim trial-merge`: virtual trials on the core's streaming
//! aggregation, written to a directory. The directory changes as a whole (files.rs,
//! [`OutputDirectory`]): an interrupted or failed run leaves the previous result intact.

use crate::files::{read_partial, register_input, OutputDirectory};
use crate::plot::render_bytes;
use crate::trial_plot::{DurationHistogram, ResponderCurves};
use bontsim_core::partial::parse_partial;
use bontsim_core::plan::Plan;
use bontsim_core::population::Variability;
use bontsim_core::trial::{
    run_arm, shard_range, ArmAggregate, Responder, TrialAggregate, TrialSettings, TrialSummary,
};
use bontsim_core::MODEL_VERSION;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Patients simulated per parallel work item.
const CHUNK: u64 = 64;
/// Work items run in parallel before their aggregates are merged (bounds memory: a million
/// patients are 15,625 chunks, and a chunk's aggregate holds every day's counts).
const WAVE: u64 = 256;

/// Worker threads allowed per core: more only adds thread start-up and switching (50,000
/// threads for 10 patients ran for over 20 s).
pub const THREADS_PER_CORE: usize = 4;

/// One arm: the plan's display name, the plan, and the SHA-256 of its file's bytes.
pub struct Arm {
    pub name: String,
    pub plan: Plan,
    pub plan_sha256: String,
}

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

pub struct TrialRequest {
    pub plans: Vec<Arm>,
    pub settings: TrialSettings,
    pub threads: Option<usize>,
    pub shard: Option<(u64, u64)>,
    pub output: PathBuf,
}

/// Parse `i/n` (1 <= i <= n).
pub fn parse_shard(text: &str) -> Result<(u64, u64), String> {
    let (i, n) = text
        .split_once('/')
        .ok_or_else(|| format!("--shard: \"{text}\" is not of the form i/n (e.g. 2/8)"))?;
    let i: u64 = i
        .trim()
        .parse()
        .map_err(|_| format!("--shard: \"{i}\" is not a whole number"))?;
    let n: u64 = n
        .trim()
        .parse()
        .map_err(|_| format!("--shard: \"{n}\" is not a whole number"))?;
    if n == 0 || i == 0 || i > n {
        return Err(format!("--shard: {i}/{n} needs 1 <= i <= n"));
    }
    Ok((i, n))
}

pub fn parse_responder(text: &str) -> Result<Responder, String> {
    match text {
        "none_or_mild" => Ok(Responder::NoneOrMild),
        "improved_1" => Ok(Responder::Improved1),
        "improved_2" => Ok(Responder::Improved2),
        "rest_improved_1" => Ok(Responder::RestImproved1),
        "rest_none" => Ok(Responder::RestNone),
        other => Err(format!(
            "--responder: \"{other}\" is not one of none_or_mild, improved_1, improved_2, rest_improved_1, rest_none"
        )),
    }
}

/// The worker threads to start (0: rayon's default, one per core): `--threads` capped at
/// [`THREADS_PER_CORE`] per core, with a note on standard error when capped.
fn bounded_threads(requested: Option<usize>) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let limit = cores * THREADS_PER_CORE;
    match requested {
        Some(threads) if threads > limit => {
            eprintln!(
                "note: --threads {threads} is more than {THREADS_PER_CORE} per core on these {cores} cores: using {limit} (the output does not depend on it)"
            );
            limit
        }
        Some(threads) => threads,
        None => 0,
    }
}

/// Runs the trial and writes its directory; the summary of a whole trial (`None` for a shard,
/// whose partial result is not a trial yet).
pub fn run(request: TrialRequest) -> Result<Option<TrialSummary>, String> {
    let output = OutputDirectory::begin(&request.output, "trial", TRIAL_FILES)?;
    let settings = &request.settings;
    let range = match request.shard {
        Some((i, n)) => shard_range(settings.patients, i, n),
        None => 0..settings.patients,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(bounded_threads(request.threads))
        .build()
        .map_err(|e| format!("--threads: {e}"))?;
    let total = (range.end - range.start) * request.plans.len() as u64;
    let progress = ProgressBar::new(total);
    progress.set_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:40}] {pos}/{len} patients ({per_sec}, {eta} left)",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    let variability = Variability::default();
    let arms: Vec<ArmAggregate> = pool.install(|| {
        request
            .plans
            .iter()
            .map(
                |Arm {
                     name,
                     plan,
                     plan_sha256,
                 }| {
                    let chunk_count = (range.end - range.start).div_ceil(CHUNK);
                    let run_chunk = |c: u64| {
                        let start = range.start + c * CHUNK;
                        let chunk = start..(start + CHUNK).min(range.end);
                        let count = chunk.end - chunk.start;
                        let part = run_arm(name, plan, settings, &variability, chunk);
                        progress.inc(count);
                        part
                    };
                    // Chunks run in parallel a wave at a time and merge in chunk order, so memory
                    // holds one wave of aggregates whatever the number of patients, and the result
                    // does not depend on the number of threads.
                    let mut arm: Option<ArmAggregate> = None;
                    let mut wave_start = 0;
                    while wave_start < chunk_count {
                        let wave_end = (wave_start + WAVE).min(chunk_count);
                        let parts: Vec<ArmAggregate> = (wave_start..wave_end)
                            .into_par_iter()
                            .map(run_chunk)
                            .collect();
                        for part in parts {
                            match arm.as_mut() {
                                None => arm = Some(part),
                                Some(arm) => arm.merge(&part).expect("chunks of one arm merge"),
                            }
                        }
                        wave_start = wave_end;
                    }
                    let mut arm =
                        arm.unwrap_or_else(|| run_arm(name, plan, settings, &variability, 0..0));
                    arm.plan_sha256 = plan_sha256.clone();
                    arm
                },
            )
            .collect()
    });
    progress.finish_and_clear();
    let aggregate = TrialAggregate {
        model_version: MODEL_VERSION.into(),
        shard: request.shard,
        settings: settings.clone(),
        covered: vec![(range.start, range.end)],
        arms,
    };
    if request.shard.is_some() {
        let json = serde_json::to_vec(&aggregate).map_err(|e| e.to_string())?;
        output.write("partial.json", &json)?;
        output.commit()?;
        eprintln!(
            "wrote {} (patients {}..{}); combine the shards with `bontsim trial-merge`",
            request.output.join("partial.json").display(),
            range.start,
            range.end
        );
        return Ok(None);
    }
    write_outputs(&aggregate, output).map(Some)
}

pub fn merge(inputs: &[PathBuf], output: &Path) -> Result<TrialSummary, String> {
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
    let aggregate = TrialAggregate::merge_partials(&parts).map_err(|e| e.to_string())?;
    write_outputs(
        &aggregate,
        OutputDirectory::begin(output, "trial-merge", TRIAL_FILES)?,
    )
}

/// A CSV field, quoted when it holds a comma, quote or line break (plan paths may).
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn write_outputs(aggregate: &TrialAggregate, dir: OutputDirectory) -> Result<TrialSummary, String> {
    let summary = aggregate.summary();
    let mut json = serde_json::to_string_pretty(&summary).map_err(|e| e.to_string())?;
    json.push('\n');
    dir.write("summary.json", json.as_bytes())?;

    let mut responders = format!("# {}\narm,area,day,rate,low,high\n", summary.disclaimer);
    let mut durations =
        String::from("arm,area,median_duration_days,p25,p75,median_onset_day,never_responded,first_cycle_median_duration_days,first_cycle_p25,first_cycle_p75,first_cycle_end_day,first_cycle_still_responding\n");
    let mut adverse = String::from("arm,risk,rate\n");
    let mut distribution = String::from("arm,area,from_day,to_day,share\n");
    let mut atrophy = String::from("arm,muscle,side,day,median_volume,p05_volume,p95_volume\n");
    let show = |q: Option<usize>| q.map(|v| v.to_string()).unwrap_or_default();
    for arm in &summary.arms {
        let plan = csv_field(&arm.plan);
        for area in &arm.areas {
            for r in &area.responders {
                let _ = writeln!(
                    responders,
                    "{},{},{},{},{},{}",
                    plan, area.area, r.day, r.rate, r.low, r.high
                );
            }
            let _ = writeln!(
                durations,
                "{},{},{},{},{},{},{},{},{},{},{},{}",
                plan,
                area.area,
                show(area.duration_days.median),
                show(area.duration_days.p25),
                show(area.duration_days.p75),
                show(area.onset_days.median),
                area.never_responded,
                show(area.first_cycle_duration_days.median),
                show(area.first_cycle_duration_days.p25),
                show(area.first_cycle_duration_days.p75),
                show(area.first_cycle_end_day),
                area.first_cycle_still_responding
            );
        }
        for area in &arm.areas {
            for bin in &area.duration_distribution {
                let _ = writeln!(
                    distribution,
                    "{},{},{},{},{}",
                    plan, area.area, bin.from_day, bin.to_day, bin.share
                );
            }
        }
        for a in &arm.adverse_events {
            let _ = writeln!(adverse, "{},{},{}", plan, a.risk, a.rate);
        }
        for a in &arm.atrophy {
            let _ = writeln!(
                atrophy,
                "{},{},{},{},{},{},{}",
                plan, a.muscle, a.side, a.day, a.median_volume, a.p05_volume, a.p95_volume
            );
        }
    }
    dir.write("responders.csv", responders.as_bytes())?;
    dir.write("durations.csv", durations.as_bytes())?;
    dir.write("adverse_events.csv", adverse.as_bytes())?;
    dir.write("duration_distribution.csv", distribution.as_bytes())?;
    dir.write("atrophy.csv", atrophy.as_bytes())?;
    for extension in ["svg", "png"] {
        let responders = format!("responders.{extension}");
        let figure = ResponderCurves(&summary);
        let bytes = render_bytes(extension, &figure, &dir.path().join(&responders))?;
        dir.write(&responders, &bytes)?;
        let durations = format!("durations.{extension}");
        let figure = DurationHistogram(&summary);
        let bytes = render_bytes(extension, &figure, &dir.path().join(&durations))?;
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
    use bontsim_core::plan::Format;

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
