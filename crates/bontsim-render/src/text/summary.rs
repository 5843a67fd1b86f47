//! The human summary of a simulation: what `bontsim simulate` prints on a terminal (or with
//! `--format text`) instead of the full JSON report. It answers the questions a reader brings
//! to a plan (when does it work, for how long, what does it do to the muscles, does it atrophy
//! them and does that show, what are the risks) on one screen.
//!
//! Every number is read from the [`Report`]; nothing is simulated again here. The few
//! readings the report does not hold as a single number (the day of the volume minimum, the
//! day strength and volume come back after the last dose) are read off its daily series.
//! [`digest`] gathers those numbers once for the summary and for `bontsim compare`.

use bontsim_core::report::{MuscleReport, Report};
use std::fmt::Write as _;

/// Lines are wrapped to this many columns so the summary fits an ordinary terminal.
pub const WIDTH: usize = 100;

/// A narrowing of the lower face by at least this much (% of its width) is taken as visible
/// [E]: about 3 mm on a 100 mm lower face, above the 2 mm the face model already treats as
/// plainly visible at conversational distance (docs/model.md, resting symmetry).
pub const VISIBLE_WIDTH_CHANGE_PERCENT: f64 = 3.0;

/// A muscle reached only by spread is listed when its strength falls by at least this
/// fraction (half the 20% that counts as an effect) ...
pub const NOTICEABLE_STRENGTH_LOSS: f64 = 0.10;
/// ... or when it loses at least this share of the volume loss ultrasound can detect in it.
pub const NOTICEABLE_SHARE_OF_DETECTABLE_VOLUME_LOSS: f64 = 0.5;

/// What the summary and `compare` say about one muscle: one side, or both sides when their
/// readings are the same.
#[derive(Debug, Clone, PartialEq)]
pub struct MuscleDigest {
    pub muscle: String,
    /// "left", "right", "midline", or "both" when both sides read the same.
    pub sides: String,
    /// Injected directly (not only reached by spread).
    pub injected: bool,
    pub onset_day: Option<usize>,
    pub peak_day: usize,
    pub days_of_effect: usize,
    /// Largest changes in percent of baseline (negative: a loss), with their days.
    pub strength_change: f64,
    pub mass_change: f64,
    pub mass_day: usize,
    pub volume_change: f64,
    pub volume_day: usize,
    /// Ultrasound's minimal detectable volume change for this muscle (%).
    pub detectable_change: f64,
    /// Day of the last direct injection.
    pub last_dose_day: Option<f64>,
    /// First day after the last dose's deepest point on which strength is above the effect
    /// threshold again (`None`: not within the simulated days).
    pub strength_back_day: Option<usize>,
    /// First day after the last dose's volume minimum on which the volume loss is below what
    /// ultrasound detects (`None`: not within the simulated days).
    pub volume_back_day: Option<usize>,
    pub final_strength: f64,
    pub final_mass: f64,
    pub final_volume: f64,
}

impl MuscleDigest {
    pub fn label(&self) -> String {
        format!("{} ({})", self.muscle, self.sides)
    }

    /// The largest volume loss reaches what ultrasound detects in this muscle.
    pub fn atrophies(&self) -> bool {
        -self.volume_change >= self.detectable_change
    }

    fn noticeable(&self) -> bool {
        -self.strength_change >= NOTICEABLE_STRENGTH_LOSS * 100.0
            || -self.volume_change
                >= NOTICEABLE_SHARE_OF_DETECTABLE_VOLUME_LOSS * self.detectable_change
    }

    /// The readings without the side, to decide whether two sides can share one line.
    fn same_readings(&self, other: &MuscleDigest) -> bool {
        let mut other = other.clone();
        other.sides.clone_from(&self.sides);
        // Compared as printed (one decimal), so rounding noise does not split a line.
        format!("{:?}", rounded(self)) == format!("{:?}", rounded(&other))
    }
}

fn rounded(digest: &MuscleDigest) -> MuscleDigest {
    let r = |x: f64| (x * 10.0).round() / 10.0;
    MuscleDigest {
        strength_change: r(digest.strength_change),
        mass_change: r(digest.mass_change),
        volume_change: r(digest.volume_change),
        final_strength: r(digest.final_strength * 100.0),
        final_mass: r(digest.final_mass * 100.0),
        final_volume: r(digest.final_volume * 100.0),
        ..digest.clone()
    }
}

/// The numbers of a report that the summary and `compare` show.
#[derive(Debug, Clone)]
pub struct Digest {
    /// Treated muscles first (report order), then those reached only by spread.
    pub muscles: Vec<MuscleDigest>,
    /// Onabotulinumtoxin-A-equivalent units in all, and in the 365 days from the first dose.
    pub total_units: f64,
    pub units_first_year: f64,
    pub sessions: usize,
    pub first_dose_day: Option<f64>,
    pub last_dose_day: Option<f64>,
}

pub fn digest(report: &Report) -> Digest {
    let per_side: Vec<MuscleDigest> = report
        .muscles
        .iter()
        .map(|m| muscle_digest(report, m))
        .collect();
    let mut merged: Vec<MuscleDigest> = Vec::new();
    for side in per_side {
        // Sides of one muscle are adjacent in the report; merge them when they read the same.
        match merged.last_mut() {
            Some(previous) if previous.muscle == side.muscle && previous.same_readings(&side) => {
                previous.sides = "both".into();
            }
            _ => merged.push(side),
        }
    }
    let (treated, spread): (Vec<_>, Vec<_>) = merged.into_iter().partition(|m| m.injected);
    let first = report
        .injections
        .iter()
        .map(|i| i.day)
        .fold(None, |a: Option<f64>, d| Some(a.map_or(d, |a| a.min(d))));
    let last = report
        .injections
        .iter()
        .map(|i| i.day)
        .fold(None, |a: Option<f64>, d| Some(a.map_or(d, |a| a.max(d))));
    let mut session_days: Vec<f64> = report.injections.iter().map(|i| i.day).collect();
    session_days.sort_by(f64::total_cmp);
    session_days.dedup();
    Digest {
        muscles: treated.into_iter().chain(spread).collect(),
        total_units: report.injections.iter().map(|i| i.equivalent_units).sum(),
        units_first_year: report
            .injections
            .iter()
            .filter(|i| first.is_some_and(|f| i.day < f + 365.0))
            .map(|i| i.equivalent_units)
            .sum(),
        sessions: session_days.len(),
        first_dose_day: first,
        last_dose_day: last,
    }
}

fn argmin_from(values: impl Iterator<Item = f64>, from: usize) -> Option<(usize, f64)> {
    values
        .enumerate()
        .skip(from)
        .fold(None, |best: Option<(usize, f64)>, (day, v)| match best {
            Some((_, b)) if b <= v => best,
            _ => Some((day, v)),
        })
}

fn muscle_digest(report: &Report, muscle: &MuscleReport) -> MuscleDigest {
    let summary = &muscle.summary;
    let effect = report.thresholds.effect_strength;
    let strengths = || muscle.daily.iter().map(|d| d.strength);
    let volumes = || muscle.daily.iter().map(|d| d.volume);
    let volume_day = argmin_from(volumes(), 0).map_or(0, |(day, _)| day);
    let last_dose_day = muscle.cycles.last().map(|c| c.day);
    let from = last_dose_day.map_or(0, |d| d.ceil() as usize);
    let strength_back_day = last_dose_day.and_then(|_| {
        let (nadir, _) = argmin_from(strengths(), from)?;
        strengths()
            .enumerate()
            .skip(nadir)
            .find(|&(_, s)| s > effect)
            .map(|(day, _)| day)
    });
    let detectable = summary.measurable_change_percent;
    let volume_back_day = last_dose_day.and_then(|_| {
        let (minimum, _) = argmin_from(volumes(), from)?;
        volumes()
            .enumerate()
            .skip(minimum)
            .find(|&(_, v)| (1.0 - v) * 100.0 < detectable)
            .map(|(day, _)| day)
    });
    MuscleDigest {
        muscle: muscle.muscle.clone(),
        sides: muscle.side.clone(),
        injected: muscle.injected_units > 0.0,
        onset_day: summary.onset_day,
        peak_day: summary.peak_day,
        days_of_effect: summary.days_of_effect,
        strength_change: (summary.nadir_strength.min(1.0) - 1.0) * 100.0,
        mass_change: (summary.minimum_mass.min(1.0) - 1.0) * 100.0,
        mass_day: summary.minimum_mass_day,
        volume_change: -summary.volume_loss_percent.max(0.0),
        volume_day,
        detectable_change: detectable,
        last_dose_day,
        strength_back_day,
        volume_back_day,
        final_strength: summary.final_strength,
        final_mass: summary.final_mass,
        final_volume: summary.final_volume,
    }
}

/// A probability as a percentage, with "<0.1%" for small non-zero ones.
pub fn percent(probability: f64) -> String {
    if probability <= 0.0 {
        "0%".into()
    } else if probability < 0.0005 {
        "<0.1%".into()
    } else {
        format!("{:.1}%", probability * 100.0)
    }
}

/// `text` wrapped to [`WIDTH`] columns, its own leading spaces kept, continuation lines
/// indented by `indent` spaces.
pub fn wrap(text: &str, indent: usize) -> String {
    let mut out = String::new();
    let mut line = " ".repeat(text.len() - text.trim_start_matches(' ').len());
    for word in text.split_whitespace() {
        let blank = line.chars().all(|c| c == ' ');
        if !blank && line.chars().count() + 1 + word.chars().count() > WIDTH {
            out.push_str(&line);
            out.push('\n');
            line = " ".repeat(indent);
        } else if !blank {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
    out
}

fn day(day: Option<usize>) -> String {
    day.map_or_else(|| "-".into(), |d| format!("day {d}"))
}

fn signed(change: f64) -> String {
    let change = if change.abs() < 0.05 { 0.0 } else { change };
    format!("{change:+.1}%")
}

/// The plain-language answer: does the plan atrophy the muscles, and does it show?
pub fn atrophy_answer(report: &Report, digest: &Digest) -> String {
    let treated: Vec<&MuscleDigest> = digest.muscles.iter().filter(|m| m.injected).collect();
    let Some(largest) = treated
        .iter()
        .copied()
        .min_by(|a, b| a.volume_change.total_cmp(&b.volume_change))
    else {
        return "Atrophy: no muscle is injected, so there is none.".into();
    };
    let atrophying: Vec<&MuscleDigest> = {
        let mut names: Vec<&MuscleDigest> = Vec::new();
        for m in treated.iter().copied().filter(|m| m.atrophies()) {
            if !names.iter().any(|n| n.muscle == m.muscle) {
                names.push(m);
            }
        }
        names
    };
    let mut answer = if atrophying.is_empty() {
        format!(
            "Atrophy: no measurable atrophy. The largest volume loss, {:.1}% ({}), stays below the {}% \
             ultrasound can detect in that muscle.",
            -largest.volume_change, largest.muscle, largest.detectable_change
        )
    } else {
        let list: Vec<String> = atrophying
            .iter()
            .map(|m| {
                format!(
                    "{} loses up to {:.1}% of its volume (ultrasound detects {}%)",
                    m.muscle, -m.volume_change, m.detectable_change
                )
            })
            .collect();
        format!("Atrophy: yes. The {}.", list.join("; the "))
    };
    answer.push(' ');
    match &report.lower_face {
        Some(lower) if lower.nadir_width_change_percent <= -VISIBLE_WIDTH_CHANGE_PERCENT => {
            let _ = write!(
                answer,
                "Visible: yes, the lower face narrows by up to {:.1}% ({:.1} mm) on day {} \
                 ({VISIBLE_WIDTH_CHANGE_PERCENT}% or more is taken as visible).",
                -lower.nadir_width_change_percent, -lower.nadir_width_change_mm, lower.nadir_day
            );
        }
        Some(lower) => {
            let _ = write!(
                answer,
                "Visible: unlikely, the lower face narrows by {:.1}% at most, under the \
                 {VISIBLE_WIDTH_CHANGE_PERCENT}% taken as visible.",
                -lower.nadir_width_change_percent
            );
        }
        None if atrophying.is_empty() => answer.push_str("Visible: no."),
        None => answer.push_str(
            "Visible: not predicted; bontsim models a change of the face's shape only for the \
             masseter (lower-face width), the thin expression muscles show their loss as \
             weaker movement.",
        ),
    }
    answer
}

/// The summary printed by `bontsim simulate` on a terminal. `plan_name` names the plan file.
pub fn summary(report: &Report, plan_name: &str) -> String {
    let digest = digest(report);
    let mut out = wrap(report.disclaimer, 0);
    let start = report
        .start_date
        .as_ref()
        .map(|d| format!(", day 0 = {d}"))
        .unwrap_or_default();
    out.push_str(&wrap(
        &format!(
            "Plan {plan_name}: {} days simulated (0-{}{start}), typical patient.",
            report.days,
            report.days.saturating_sub(1)
        ),
        2,
    ));
    match (digest.first_dose_day, digest.last_dose_day) {
        (Some(first), Some(last)) => out.push_str(&wrap(
            &format!(
                "{} injections in {} session{} from day {first} to day {last}: {:.0} U \
                 onabotulinumtoxinA-equivalent in all, {:.0} U in the first year.",
                report.injections.len(),
                digest.sessions,
                if digest.sessions == 1 { "" } else { "s" },
                digest.total_units,
                digest.units_first_year
            ),
            2,
        )),
        _ => out.push_str("No injections.\n"),
    }
    out.push('\n');
    out.push_str(&wrap(&atrophy_answer(report, &digest), 2));

    if !report.areas.is_empty() {
        out.push_str(
            "\nEffect by area (wrinkle severity at maximal contraction, 0 none to 3 severe)\n",
        );
        for area in &report.areas {
            let s = &area.summary;
            out.push_str(&wrap(
                &format!(
                    "  {}: {:.1} -> {:.1} at best on day {}; one grade better from {}, on {} of {} days; \
                     none or mild on {} days",
                    area.area,
                    area.baseline_severity,
                    s.nadir_severity,
                    s.peak_day,
                    day(s.onset_day),
                    s.days_improved_1,
                    report.days,
                    s.days_none_or_mild
                ),
                4,
            ));
        }
    }

    let treated: Vec<&MuscleDigest> = digest.muscles.iter().filter(|m| m.injected).collect();
    if !treated.is_empty() {
        let _ = writeln!(
            out,
            "\nTreated muscles: effect = strength {:.0}% or more below baseline; largest changes (day)",
            (1.0 - report.thresholds.effect_strength) * 100.0
        );
        muscle_table(&mut out, &treated, report.days);
        out.push('\n');
        recovery_table(&mut out, &treated, report.days);
    }

    let spread: Vec<&MuscleDigest> = digest
        .muscles
        .iter()
        .filter(|m| !m.injected && m.noticeable())
        .collect();
    if spread.is_empty() {
        out.push('\n');
        out.push_str(&wrap(
            &format!(
                "Reached only by spread: no muscle loses {:.0}% of its strength or half the volume \
                 ultrasound detects.",
                NOTICEABLE_STRENGTH_LOSS * 100.0
            ),
            2,
        ));
    } else {
        out.push_str("\nReached only by spread (not injected)\n");
        muscle_table(&mut out, &spread, report.days);
    }

    if let Some(lower) = &report.lower_face {
        let _ = writeln!(
            out,
            "\nLower face: width {} ({:+.1} mm) at most, on day {}",
            signed(lower.nadir_width_change_percent),
            lower.nadir_width_change_mm,
            lower.nadir_day
        );
    }

    out.push('\n');
    if report.warnings.is_empty() {
        out.push_str("Warnings: none\n");
    } else {
        out.push_str("Warnings\n");
        // The same warning for both sides is shown once, with its count.
        let mut shown: Vec<&String> = Vec::new();
        for warning in &report.warnings {
            if shown.contains(&warning) {
                continue;
            }
            shown.push(warning);
            let count = report.warnings.iter().filter(|w| *w == warning).count();
            let times = if count > 1 {
                format!(" (x{count})")
            } else {
                String::new()
            };
            out.push_str(&wrap(&format!("  - {warning}{times}"), 4));
        }
    }
    let risks: Vec<String> = report
        .risks
        .iter()
        .map(|r| format!("{} {}", r.risk.replace('_', " "), percent(r.probability)))
        .collect();
    out.push_str(&wrap(&format!("Risks: {}", risks.join(", ")), 2));
    out.push_str(&wrap(
        "Full report: --format json (daily series, cycles, sources), --format csv.",
        2,
    ));
    out
}

/// Labels longer than this go on a line of their own, so rows stay within [`WIDTH`].
const LABEL_COLUMN: usize = 36;

/// The width of the muscle column: the longest label that fits [`LABEL_COLUMN`].
fn label_column(muscles: &[&MuscleDigest]) -> usize {
    muscles
        .iter()
        .map(|m| m.label().chars().count())
        .filter(|&n| n <= LABEL_COLUMN)
        .max()
        .unwrap_or(0)
        .max("muscle".len())
}

/// The muscle's label for a row; a label too long for the column gets a line of its own.
fn label_cell(out: &mut String, muscle: &MuscleDigest, column: usize) -> String {
    let label = muscle.label();
    if label.chars().count() > column {
        let _ = writeln!(out, "  {label}");
        String::new()
    } else {
        label
    }
}

fn muscle_table(out: &mut String, muscles: &[&MuscleDigest], days: usize) {
    let column = label_column(muscles);
    let _ = writeln!(
        out,
        "  {:<column$} {:>5} {:>11} {:>13} {:>13} {:>13}",
        "muscle", "onset", "effect days", "strength", "mass", "volume"
    );
    for m in muscles {
        let label = label_cell(out, m, column);
        let _ = writeln!(
            out,
            "  {:<column$} {:>5} {:>11} {:>13} {:>13} {:>13}",
            label,
            m.onset_day.map_or_else(|| "-".into(), |d| d.to_string()),
            format!("{}/{days}", m.days_of_effect),
            format!("{} ({})", signed(m.strength_change), m.peak_day),
            format!("{} ({})", signed(m.mass_change), m.mass_day),
            format!("{} ({})", signed(m.volume_change), m.volume_day),
        );
    }
}

fn recovery_table(out: &mut String, muscles: &[&MuscleDigest], days: usize) {
    let last_day = days.saturating_sub(1);
    out.push_str(&wrap(
        &format!(
            "Recovery after the last dose: effect ends = strength back above the effect threshold; \
             volume back = loss under what ultrasound detects; then strength, mass and volume on \
             day {last_day}"
        ),
        2,
    ));
    let column = label_column(muscles);
    let _ = writeln!(
        out,
        "  {:<column$} {:>9} {:>13} {:>13} {:>8} {:>5} {:>6}",
        "muscle", "last dose", "effect ends", "volume back", "strength", "mass", "volume"
    );
    for m in muscles {
        let Some(last) = m.last_dose_day else {
            continue;
        };
        let since = |d: usize| format!("{d} (+{:.0})", d as f64 - last);
        let effect_ends = m
            .strength_back_day
            .map_or_else(|| "after the end".into(), since);
        let volume_back = if !m.atrophies() {
            "never lost".into()
        } else {
            m.volume_back_day
                .map_or_else(|| "after the end".into(), since)
        };
        let percent = |x: f64| format!("{:.0}%", x * 100.0);
        let label = label_cell(out, m, column);
        let _ = writeln!(
            out,
            "  {:<column$} {:>9} {:>13} {:>13} {:>8} {:>5} {:>6}",
            label,
            last,
            effect_ends,
            volume_back,
            percent(m.final_strength),
            percent(m.final_mass),
            percent(m.final_volume)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bontsim_core::plan::{Format, Plan};

    fn report(plan: &str, days: usize) -> Report {
        let plan = Plan::parse(plan, Format::Toml).expect("a valid test plan");
        let request = bontsim_core::engine::SimulateRequest {
            days: Some(days),
            ..bontsim_core::engine::SimulateRequest::new(&plan)
        };
        bontsim_core::Engine::default()
            .simulate(&request)
            .expect("a valid request")
    }

    const MASSETER: &str = include_str!("../../../../examples/masseter_25u_every_3_months.toml");
    const GLABELLA: &str = include_str!("../../../../examples/glabella_20u_every_4_months.toml");

    fn fits_one_screen(text: &str) {
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines.len() <= 40, "{} lines:\n{text}", lines.len());
        for line in &lines {
            assert!(line.chars().count() <= WIDTH, "line too wide: {line:?}");
        }
    }

    #[test]
    fn masseter_summary_answers_atrophy_with_the_report_numbers() {
        // 1400 days: after eight 3-monthly doses the masseter's strength is back above the
        // effect threshold on day 1201, past the example's 995 days, since contractile mass
        // regrows more slowly after a course (docs/model.md sec. 2.12).
        let report = report(MASSETER, 1400);
        let text = summary(&report, "masseter.toml");
        fits_one_screen(&text);
        let masseter = report.muscle("masseter").expect("masseter reported");
        let loss = format!("{:.1}%", masseter.summary.volume_loss_percent);
        assert!(text.contains("Atrophy: yes"), "{text}");
        assert!(
            text.contains(&format!("masseter loses up to {loss}")),
            "{text}"
        );
        assert!(text.contains("Visible: yes"), "{text}");
        let width = report
            .lower_face
            .as_ref()
            .expect("lower face")
            .nadir_width_change_percent;
        assert!(
            text.contains(&format!("Lower face: width {width:+.1}%")),
            "{text}"
        );
        // Both sides read the same: one line, not two.
        assert!(text.contains("masseter (both)"), "{text}");
        // The spread-only muscles barely move: not listed one by one.
        assert!(!text.contains("buccinator"), "{text}");
        assert!(text.starts_with(report.disclaimer.split_whitespace().next().unwrap()));
    }

    #[test]
    fn glabella_summary_shows_the_area_effect_and_no_atrophy() {
        let report = report(GLABELLA, 730);
        let text = summary(&report, "glabella.toml");
        fits_one_screen(&text);
        assert!(text.contains("Atrophy: no measurable atrophy"), "{text}");
        assert!(text.contains("Visible: no."), "{text}");
        let area = &report.areas[0];
        assert!(
            text.contains(&format!("on {} of 730 days", area.summary.days_improved_1)),
            "{text}"
        );
        assert!(!text.contains("Lower face"), "{text}");
    }

    #[test]
    fn recovery_days_are_read_after_the_last_dose() {
        // 1400 days: after eight 3-monthly doses the masseter's strength is back above the
        // effect threshold on day 1201, past the example's 995 days, since contractile mass
        // regrows more slowly after a course (docs/model.md sec. 2.12).
        let report = report(MASSETER, 1400);
        let digest = digest(&report);
        let masseter = &digest.muscles[0];
        assert_eq!(masseter.muscle, "masseter");
        assert_eq!(masseter.last_dose_day, Some(630.0));
        let back = masseter
            .strength_back_day
            .expect("strength recovers within 1400 days");
        let daily = &report.muscle("masseter").unwrap().daily;
        assert!(daily[back].strength > report.thresholds.effect_strength);
        assert!(daily[back - 1].strength <= report.thresholds.effect_strength);
        assert_eq!(digest.total_units, 400.0);
        // Days 0, 90, 180, 270 and 360 fall in the first 365 days.
        assert_eq!(digest.units_first_year, 250.0);
        assert_eq!(digest.sessions, 8);
    }

    #[test]
    fn wrap_keeps_lines_within_the_width() {
        let text = "word ".repeat(80);
        let wrapped = wrap(&text, 4);
        assert!(wrapped.lines().count() > 1);
        assert!(wrapped.lines().all(|l| l.chars().count() <= WIDTH));
        assert!(wrapped.lines().skip(1).all(|l| l.starts_with("    word")));
    }

    #[test]
    fn small_probabilities_are_not_shown_as_zero() {
        assert_eq!(percent(0.0), "0%");
        assert_eq!(percent(0.0001), "<0.1%");
        assert_eq!(percent(0.02124), "2.1%");
    }
}
