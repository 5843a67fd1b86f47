//! `bontsim compare A B`: two plans' summaries side by side, each measure with both values,
//! the difference (B - A) and which plan does better where "better" has a direction.
//!
//! Longer effect is better; fewer units, lower risks and fewer warnings are better. Atrophy,
//! strength loss and the lower-face width have no better side: slimming the jaw is the aim of
//! a masseter plan and a side effect elsewhere, so those rows are compared but not judged.
//! Every number comes from the two reports through [`crate::text::summary::digest`].

use crate::text::summary::{atrophy_answer, digest, wrap, Digest, WIDTH};
use bontsim_core::report::{round, Report, DISCLAIMER};
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Debug, Serialize)]
pub struct Comparison {
    pub disclaimer: &'static str,
    pub days: usize,
    pub plan_a: String,
    pub plan_b: String,
    pub rows: Vec<Row>,
    /// The plain-language atrophy answer of each plan (as in the `simulate` summary).
    pub atrophy_a: String,
    pub atrophy_b: String,
}

#[derive(Debug, Serialize)]
pub struct Row {
    pub measure: String,
    /// "days", "U", "%", "count".
    pub unit: &'static str,
    /// `null` when the plan has no such measure (an area or lower face it does not treat).
    pub a: Option<f64>,
    pub b: Option<f64>,
    /// `b - a`, when both exist.
    pub difference: Option<f64>,
    /// "a", "b" or "same"; `null` when the measure has no better direction or a value is missing.
    pub better: Option<&'static str>,
}

#[derive(Clone, Copy)]
enum Better {
    Higher,
    Lower,
    Neither,
}

fn row(measure: String, unit: &'static str, a: Option<f64>, b: Option<f64>, better: Better) -> Row {
    let difference = match (a, b) {
        (Some(a), Some(b)) => Some(round(b - a)),
        _ => None,
    };
    let judged = difference.and_then(|d| match better {
        Better::Neither => None,
        _ if d.abs() < 1e-9 => Some("same"),
        Better::Higher if d > 0.0 => Some("b"),
        Better::Lower if d < 0.0 => Some("b"),
        _ => Some("a"),
    });
    Row {
        measure,
        unit,
        a: a.map(round),
        b: b.map(round),
        difference,
        better: judged,
    }
}

/// The names (areas, muscles) of either plan, A's first, each once.
fn union<'a>(a: impl Iterator<Item = &'a str>, b: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut names: Vec<&str> = Vec::new();
    for name in a.chain(b) {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// A muscle's reading over its sides: the longest effect, the largest loss. A muscle absent
/// from a report received no toxin and is unchanged (0).
fn muscle_value(
    digest: &Digest,
    muscle: &str,
    read: impl Fn(&crate::text::summary::MuscleDigest) -> f64,
    pick: fn(f64, f64) -> f64,
) -> f64 {
    digest
        .muscles
        .iter()
        .filter(|m| m.muscle == muscle)
        .map(read)
        .fold(0.0, pick)
}

pub fn compare(a: &(String, Report), b: &(String, Report)) -> Comparison {
    let (name_a, report_a) = a;
    let (name_b, report_b) = b;
    let digest_a = digest(report_a);
    let digest_b = digest(report_b);
    let mut rows = vec![
        row(
            "units in the first year (ONA-equivalent)".into(),
            "U",
            Some(digest_a.units_first_year),
            Some(digest_b.units_first_year),
            Better::Lower,
        ),
        row(
            "units in all (ONA-equivalent)".into(),
            "U",
            Some(digest_a.total_units),
            Some(digest_b.total_units),
            Better::Lower,
        ),
    ];
    let areas = union(
        report_a.areas.iter().map(|r| r.area.as_str()),
        report_b.areas.iter().map(|r| r.area.as_str()),
    );
    for area in areas {
        let read = |report: &Report, value: fn(&bontsim_core::report::AreaSummary) -> f64| {
            report
                .areas
                .iter()
                .find(|r| r.area == area)
                .map(|r| value(&r.summary))
        };
        rows.push(row(
            format!("{area}: days one grade better"),
            "days",
            read(report_a, |s| s.days_improved_1 as f64),
            read(report_b, |s| s.days_improved_1 as f64),
            Better::Higher,
        ));
        rows.push(row(
            format!("{area}: best severity (0-3)"),
            "grade",
            read(report_a, |s| s.nadir_severity),
            read(report_b, |s| s.nadir_severity),
            Better::Lower,
        ));
    }
    let treated = union(
        digest_a
            .muscles
            .iter()
            .filter(|m| m.injected)
            .map(|m| m.muscle.as_str()),
        digest_b
            .muscles
            .iter()
            .filter(|m| m.injected)
            .map(|m| m.muscle.as_str()),
    );
    for muscle in treated {
        let days = |d: &Digest| muscle_value(d, muscle, |m| m.days_of_effect as f64, f64::max);
        let volume = |d: &Digest| muscle_value(d, muscle, |m| m.volume_change, f64::min);
        let strength = |d: &Digest| muscle_value(d, muscle, |m| m.strength_change, f64::min);
        rows.push(row(
            format!("{muscle}: days of effect"),
            "days",
            Some(days(&digest_a)),
            Some(days(&digest_b)),
            Better::Higher,
        ));
        rows.push(row(
            format!("{muscle}: largest strength change"),
            "%",
            Some(strength(&digest_a)),
            Some(strength(&digest_b)),
            Better::Neither,
        ));
        rows.push(row(
            format!("{muscle}: largest volume change"),
            "%",
            Some(volume(&digest_a)),
            Some(volume(&digest_b)),
            Better::Neither,
        ));
    }
    let width = |r: &Report| r.lower_face.as_ref().map(|l| l.nadir_width_change_percent);
    if report_a.lower_face.is_some() || report_b.lower_face.is_some() {
        rows.push(row(
            "lower face: largest width change".into(),
            "%",
            width(report_a),
            width(report_b),
            Better::Neither,
        ));
    }
    for risk in &report_a.risks {
        rows.push(row(
            format!("risk: {}", risk.risk.replace('_', " ")),
            "%",
            Some(risk.probability * 100.0),
            report_b.risk(&risk.risk).map(|p| p * 100.0),
            Better::Lower,
        ));
    }
    rows.push(row(
        "warnings".into(),
        "count",
        Some(report_a.warnings.len() as f64),
        Some(report_b.warnings.len() as f64),
        Better::Lower,
    ));
    Comparison {
        disclaimer: DISCLAIMER,
        days: report_a.days,
        plan_a: name_a.clone(),
        plan_b: name_b.clone(),
        rows,
        atrophy_a: atrophy_answer(report_a, &digest_a),
        atrophy_b: atrophy_answer(report_b, &digest_b),
    }
}

fn show(value: Option<f64>, unit: &str) -> String {
    match value {
        None => "-".into(),
        Some(v) => match unit {
            "days" | "U" | "count" => format!("{v:.0}"),
            "grade" => format!("{v:.2}"),
            _ => format!("{v:.2}%"),
        },
    }
}

fn show_difference(value: Option<f64>, unit: &str) -> String {
    match value {
        None => "-".into(),
        Some(v) if v.abs() < 1e-9 => "0".into(),
        Some(v) => {
            let plain = show(Some(v), unit);
            if v > 0.0 {
                format!("+{plain}")
            } else {
                plain
            }
        }
    }
}

/// The comparison as a table. With `colour`, the better value is bold green (ANSI).
pub fn table(comparison: &Comparison, colour: bool) -> String {
    let mut out = wrap(comparison.disclaimer, 0);
    out.push_str(&wrap(&format!("A: {}", comparison.plan_a), 3));
    out.push_str(&wrap(&format!("B: {}", comparison.plan_b), 3));
    let _ = writeln!(out, "Both simulated over {} days.\n", comparison.days);
    let _ = writeln!(
        out,
        "{:<44} {:>12} {:>12} {:>14}  better",
        "measure", "A", "B", "difference"
    );
    let highlight = |text: String, on: bool| {
        if on && colour {
            format!("\x1b[1;32m{text}\x1b[0m")
        } else {
            text
        }
    };
    for r in &comparison.rows {
        let a = format!("{:>12}", show(r.a, r.unit));
        let b = format!("{:>12}", show(r.b, r.unit));
        let _ = writeln!(
            out,
            "{:<44} {} {} {:>14}  {}",
            r.measure,
            highlight(a, r.better == Some("a")),
            highlight(b, r.better == Some("b")),
            show_difference(r.difference, r.unit),
            match r.better {
                Some("a") => "A",
                Some("b") => "B",
                Some(_) => "same",
                None => "",
            }
        );
    }
    out.push('\n');
    out.push_str(&wrap(&format!("A: {}", comparison.atrophy_a), 3));
    out.push_str(&wrap(&format!("B: {}", comparison.atrophy_b), 3));
    debug_assert!(out.lines().all(|l| colour || l.chars().count() <= WIDTH));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use bontsim_core::plan::{Format, Plan};

    fn report(text: &str) -> Report {
        let plan = Plan::parse(text, Format::Toml).expect("valid plan");
        let request = bontsim_core::engine::SimulateRequest {
            days: Some(995),
            ..bontsim_core::engine::SimulateRequest::new(&plan)
        };
        bontsim_core::Engine::default()
            .simulate(&request)
            .expect("a valid request")
    }

    #[test]
    fn every_three_months_against_every_six() {
        let a = (
            "3".to_string(),
            report(include_str!(
                "../../../../examples/masseter_25u_every_3_months.toml"
            )),
        );
        let b = (
            "6".to_string(),
            report(include_str!(
                "../../../../examples/masseter_25u_every_6_months.toml"
            )),
        );
        let comparison = compare(&a, &b);
        let find = |measure: &str| {
            comparison
                .rows
                .iter()
                .find(|r| r.measure == measure)
                .unwrap_or_else(|| panic!("no row {measure}"))
        };
        let units = find("units in the first year (ONA-equivalent)");
        assert_eq!((units.a, units.b), (Some(250.0), Some(150.0)));
        assert_eq!(units.difference, Some(-100.0));
        assert_eq!(units.better, Some("b"));
        let effect = find("masseter: days of effect");
        assert_eq!(effect.better, Some("a"), "{effect:?}");
        let volume = find("masseter: largest volume change");
        assert!(volume.better.is_none());
        assert!(volume.a.unwrap() < volume.b.unwrap(), "{volume:?}");
        let plain = table(&comparison, false);
        assert!(!plain.contains('\x1b'));
        assert!(plain.lines().all(|l| l.chars().count() <= WIDTH), "{plain}");
        let coloured = table(&comparison, true);
        assert!(coloured.contains("\x1b[1;32m"));
    }
}
