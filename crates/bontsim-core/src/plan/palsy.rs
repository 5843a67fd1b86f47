//! Facial palsy in a plan: the affected side, residual function per facial-nerve branch (or a
//! House-Brackmann grade as a preset), onset, synkinesis couplings, hypertonicity, and
//! therapy sessions. This module validates them (the keys are those of the plan
//! schema, [`super::schema`]); `crate::face` simulates them.

use crate::anatomy::MuscleId;
use serde::Serialize;
use std::collections::BTreeMap;

/// Facial-nerve branches, in the order of [`Palsy::branches`].
pub const BRANCHES: [&str; 5] = [
    "temporal",
    "zygomatic",
    "buccal",
    "marginal_mandibular",
    "cervical",
];

/// Synkinesis couplings, in the order of [`Palsy::synkinesis`].
pub const COUPLINGS: [&str; 4] = ["oral_ocular", "ocular_oral", "mentalis", "platysma"];

/// Therapy kinds.
pub const THERAPY_KINDS: [&str; 2] = ["neuromuscular_retraining", "mirror_biofeedback"];

/// The `[palsy]` table as written, filled by `super::fields` (`None`: absent, or reported).
#[derive(Debug, Clone, Default)]
pub struct PalsyFile {
    pub affected_side: Option<String>,
    /// From an integer or a Roman numeral ([`grade_from_roman`]).
    pub house_brackmann: Option<i64>,
    /// Required: a palsy's course depends on it, so it is never guessed.
    pub onset_day: Option<f64>,
    pub branches: BTreeMap<String, f64>,
    pub synkinesis: BTreeMap<String, f64>,
    /// Resting tone (tightness, spasm) per muscle, 0..1.
    pub hypertonicity: BTreeMap<String, f64>,
    /// Share of the deficit at onset that recovers on its own (default: the typical Bell's
    /// palsy, 0.85; 0 for a palsy that will not recover, e.g. after nerve section).
    pub expected_recovery: Option<f64>,
    /// Time constant of natural recovery in days (default: fitted, 165).
    pub recovery_time_constant_days: Option<f64>,
}

/// One `[[therapy]]` entry as written (`None`: absent, or reported).
#[derive(Debug, Clone, Default)]
pub struct TherapyFile {
    pub kind: Option<String>,
    pub start_day: Option<f64>,
    pub end_day: Option<f64>,
    pub sessions_per_week: Option<f64>,
}

/// A House-Brackmann grade (1-6) as its Roman numeral, as the scale is written.
pub fn house_brackmann_roman(grade: u8) -> &'static str {
    ["I", "II", "III", "IV", "V", "VI"][(grade.clamp(1, 6) - 1) as usize]
}

/// A House-Brackmann grade written as a Roman numeral, "I" to "VI" in any case.
pub fn grade_from_roman(text: &str) -> Option<i64> {
    (1..=6u8)
        .find(|&grade| house_brackmann_roman(grade).eq_ignore_ascii_case(text.trim()))
        .map(i64::from)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Palsy {
    pub affected_side: crate::anatomy::Side,
    pub house_brackmann: Option<u8>,
    /// Days relative to day 0 (negative: before the plan starts).
    pub onset_day: f64,
    /// Residual function per branch, [`BRANCHES`] order, 0 (none) to 1 (normal).
    pub branches: [f64; 5],
    /// Coupling strengths, [`COUPLINGS`] order, 0..1.
    pub synkinesis: [f64; 4],
    /// Hypertonicity per muscle, 0..1.
    pub hypertonicity: Vec<(MuscleId, f64)>,
    /// Patient-specific recovery prognosis; `None`: the typical course.
    pub expected_recovery: Option<f64>,
    pub recovery_time_constant_days: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Therapy {
    pub kind: String,
    pub start_day: f64,
    pub end_day: f64,
    pub sessions_per_week: f64,
}

/// Residual function of every branch for a House-Brackmann grade (I normal .. VI total
/// paralysis): the grade descriptions (House & Brackmann 1985: II slight, III obvious but
/// not disfiguring, IV obvious disfiguring, V barely perceptible motion, VI none) read as
/// residual motion [E].
pub fn branches_for_grade(grade: u8) -> [f64; 5] {
    let residual = match grade {
        1 => 1.0,
        2 => 0.8,
        3 => 0.55,
        4 => 0.35,
        5 => 0.15,
        _ => 0.0,
    };
    [residual; 5]
}

/// One problem: the field path relative to the plan, the key whose line locates it, why.
pub struct Problem {
    pub field: String,
    pub message: String,
}

fn fraction(field: String, value: f64, problems: &mut Vec<Problem>) -> f64 {
    if value.is_finite() && (0.0..=1.0).contains(&value) {
        value
    } else {
        problems.push(Problem {
            field,
            message: format!("{value} is outside 0 to 1"),
        });
        0.0
    }
}

pub fn validate_palsy(raw: &PalsyFile, problems: &mut Vec<Problem>) -> Option<Palsy> {
    let before = problems.len();
    let affected_side = match raw.affected_side.as_deref().map(crate::names::canonical) {
        Some(side) if side == "left" => crate::anatomy::Side::Left,
        Some(side) if side == "right" => crate::anatomy::Side::Right,
        Some(_) => {
            problems.push(Problem {
                field: "palsy.affected_side".into(),
                message: format!(
                    "\"{}\" is not one of \"left\", \"right\"",
                    raw.affected_side.as_deref().unwrap_or_default()
                ),
            });
            crate::anatomy::Side::Left
        }
        None => crate::anatomy::Side::Left, // missing: reported while reading
    };
    let house_brackmann = match raw.house_brackmann {
        Some(grade) if (1..=6).contains(&grade) => Some(grade as u8),
        Some(grade) => {
            problems.push(Problem {
                field: "palsy.house_brackmann".into(),
                message: format!("{grade} is not a House-Brackmann grade (1 to 6, or I to VI)"),
            });
            None
        }
        None => None,
    };
    let onset_day = raw.onset_day.unwrap_or(0.0);
    if !onset_day.is_finite() || onset_day.abs() > 36_500.0 {
        problems.push(Problem {
            field: "palsy.onset_day".into(),
            message: format!("{onset_day} is not a day within 100 years of day 0"),
        });
    }
    let mut branches = branches_for_grade(house_brackmann.unwrap_or(1));
    for (name, value) in &raw.branches {
        let field = format!("palsy.branches.{name}");
        match BRANCHES.iter().position(|b| b == name) {
            Some(index) => branches[index] = fraction(field, *value, problems),
            None => problems.push(Problem {
                field,
                message: format!("unknown branch; known branches: {}", BRANCHES.join(", ")),
            }),
        }
    }
    let mut synkinesis = [0.0; 4];
    for (name, value) in &raw.synkinesis {
        let field = format!("palsy.synkinesis.{name}");
        match COUPLINGS.iter().position(|c| c == name) {
            Some(index) => synkinesis[index] = fraction(field, *value, problems),
            None => problems.push(Problem {
                field,
                message: format!(
                    "unknown coupling; known couplings: {}",
                    COUPLINGS.join(", ")
                ),
            }),
        }
    }
    let anatomy = crate::anatomy::Anatomy::get();
    let mut hypertonicity = Vec::new();
    for (name, value) in &raw.hypertonicity {
        let field = format!("palsy.hypertonicity.{name}");
        match anatomy.find(name) {
            Some(index) if !BRANCHES.contains(&anatomy.muscle(index).nerve_branch.as_str()) => {
                problems.push(Problem {
                    field,
                    message: format!(
                        "a facial palsy's tightness and spasm are in muscles of the facial nerve; {name} is supplied by the {} nerve",
                        anatomy.muscle(index).nerve_branch.replace('_', " ")
                    ),
                })
            }
            Some(index) => hypertonicity.push((index, fraction(field, *value, problems))),
            None => problems.push(Problem {
                field,
                message: format!("unknown muscle \"{name}\" (`bontsim muscles` lists them)"),
            }),
        }
    }
    let expected_recovery = raw
        .expected_recovery
        .map(|value| fraction("palsy.expected_recovery".into(), value, problems));
    let recovery_time_constant_days = match raw.recovery_time_constant_days {
        Some(days) if !(days.is_finite() && (1.0..=3650.0).contains(&days)) => {
            problems.push(Problem {
                field: "palsy.recovery_time_constant_days".into(),
                message: format!("{days} is not a number of days from 1 to 3650"),
            });
            None
        }
        other => other,
    };
    (problems.len() == before && raw.affected_side.is_some() && raw.onset_day.is_some()).then_some(
        Palsy {
            affected_side,
            house_brackmann,
            onset_day,
            branches,
            synkinesis,
            hypertonicity,
            expected_recovery,
            recovery_time_constant_days,
        },
    )
}

pub fn validate_therapy(
    entry: usize,
    raw: &TherapyFile,
    problems: &mut Vec<Problem>,
) -> Option<Therapy> {
    let before = problems.len();
    let field = |key: &str| format!("therapy[{}].{key}", entry + 1);
    // A missing required key was reported while reading: the entry is dropped.
    let (Some(kind), Some(start_day), Some(sessions_per_week)) =
        (&raw.kind, raw.start_day, raw.sessions_per_week)
    else {
        return None;
    };
    let kind = crate::names::canonical(kind);
    if !THERAPY_KINDS.contains(&kind.as_str()) {
        problems.push(Problem {
            field: field("kind"),
            message: format!(
                "\"{}\" is not a therapy kind; known kinds: {}",
                raw.kind.as_deref().unwrap_or_default(),
                THERAPY_KINDS.join(", ")
            ),
        });
    }
    if !start_day.is_finite() || start_day.abs() > 36_500.0 {
        problems.push(Problem {
            field: field("start_day"),
            message: format!("{start_day} is not a day within 100 years of day 0"),
        });
    }
    let end_day = match raw.end_day {
        None => return None, // reported while reading
        Some(end) if !end.is_finite() || end <= start_day || end > 36_500.0 => {
            problems.push(Problem {
                field: field("end_day"),
                message: format!(
                    "{end} must come after start_day {start_day} and within 100 years of day 0"
                ),
            });
            0.0
        }
        Some(end) => end,
    };
    if !sessions_per_week.is_finite()
        || !(0.0..=21.0).contains(&sessions_per_week)
        || sessions_per_week == 0.0
    {
        problems.push(Problem {
            field: field("sessions_per_week"),
            message: format!(
                "{sessions_per_week} is not a number of sessions per week above 0 and at most 21"
            ),
        });
    }
    (problems.len() == before).then_some(Therapy {
        kind,
        start_day,
        end_day,
        sessions_per_week,
    })
}
