//! Clinical grading of a simulated face: Sunnybrook (Ross 1996), eFACE (Banks 2015),
//! House-Brackmann (House & Brackmann 1985) and Emotrics-style left/right deviations, from
//! the landmarks of both sides at rest and in each expression. The mapping of continuous
//! movements to the scales' items is documented in docs/model.md ("Face: scores"); items are
//! kept continuous (a rater's expected grade) so that small dose changes show.

use super::data::{
    FaceData, Landmarks, BROW, CHIN, COMMISSURE_OUT, COMMISSURE_UP, FISSURE, LOWER_LIP, NASOLABIAL,
    NECK, UPPER_LIP,
};
use super::kinematics::{excursion, landmarks, SideInputs};
use super::poses::Poses;
use crate::anatomy::{Anatomy, Side};
use serde::Serialize;
use std::sync::OnceLock;

/// The Sunnybrook voluntary-movement and synkinesis expressions, in item order.
pub const SUNNYBROOK_EXPRESSIONS: [&str; 5] = [
    "brow_lift",
    "gentle_eye_closure",
    "smile",
    "snarl",
    "lip_pucker",
];

/// Millimetres of involuntary palpebral-fissure change per Sunnybrook synkinesis point:
/// 0.77 mm during smiling, 1.0 mm during puckering (Pavia group, PRS 2013;132:1255 [R]).
pub const FISSURE_MM_PER_POINT: f64 = 0.77;
pub const FISSURE_MM_PER_POINT_PUCKER: f64 = 1.0;
/// Other landmarks [E]: 1 mm of involuntary mouth (or brow) movement, 1.5 mm of chin dimpling
/// or neck banding per point (the same order as the eye's, visible at conversational distance).
pub const MOUTH_MM_PER_POINT: f64 = 1.0;
pub const CHIN_NECK_MM_PER_POINT: f64 = 1.5;

/// Lip seal needs this much of a full-strength orbicularis oris on each side [E: drooling
/// after perioral doses that weaken the lip sphincter, Sadiq 2012 3/14 [R]].
pub const ORAL_COMPETENCE: f64 = 0.5;

/// A full eye closure leaving less than this gap (mm) counts as complete.
pub const CLOSED_GAP_MM: f64 = 0.05;

/// Sunnybrook items and parts.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Sunnybrook {
    /// Composite = voluntary - resting - synkinesis, 0..100.
    pub composite: f64,
    /// Resting symmetry score: (eye + cheek + mouth) x 5, 0..20.
    pub resting: f64,
    /// Voluntary movement score: sum of the five items x 4, 20..100.
    pub voluntary: f64,
    /// Synkinesis score: sum of the five items, 0..15.
    pub synkinesis: f64,
    /// Eye (0-1), cheek (0-2), mouth (0-1).
    pub resting_items: [f64; 3],
    /// Brow lift, gentle eye closure, open-mouth smile, snarl, lip pucker: 1..5.
    pub voluntary_items: [f64; 5],
    /// Same expressions: 0..3.
    pub synkinesis_items: [f64; 5],
}

/// eFACE subscores and items (100 = normal, balanced).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Eface {
    /// Item mean with dynamic items weighted double (Banks 2015 [R]).
    pub total: f64,
    /// Serialised as `static` (a Rust keyword).
    #[serde(rename = "static")]
    pub static_score: f64,
    pub dynamic: f64,
    pub synkinesis: f64,
    /// Brow, palpebral fissure, nasolabial fold depth, oral commissure (at rest).
    pub static_items: [f64; 4],
    /// Brow elevation, gentle eye closure, full eye closure, oral commissure with smile,
    /// nasolabial fold depth with smile, lower lip movement (EEE).
    pub dynamic_items: [f64; 6],
    /// Ocular, midfacial, mentalis, platysmal.
    pub synkinesis_items: [f64; 4],
}

/// Everything graded on one day.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// Landmarks at rest, by side index.
    pub rest: [Landmarks; 2],
    /// Landmarks per expression (data order), by side index.
    pub moved: Vec<[Landmarks; 2]>,
    /// Excursion per expression, by side index (mm).
    pub excursions: Vec<[f64; 2]>,
    /// Involuntary landmark displacement per expression on the affected side.
    pub involuntary: Vec<Landmarks>,
    pub sunnybrook: Sunnybrook,
    pub eface: Eface,
    pub house_brackmann: u8,
    /// Movement of both sides over the standard expressions, each side's excursion capped at
    /// a healthy face's: 1.0 for a healthy face, lower as the face flattens.
    pub expressivity: f64,
    /// Full eye closure complete, by side index.
    pub eye_closure_complete: [bool; 2],
    /// Orbicularis oris capacity (S N) of the weaker side.
    pub lip_seal: f64,
    /// Mean tonic activation of the hypertonic muscles of the affected side (fraction of a
    /// maximal contraction), 0 without hypertonicity.
    pub hypertonic_tone: f64,
}

/// Excursions of a healthy, untreated face: the reference of `expressivity` and of the
/// absolute part of House-Brackmann.
fn reference_excursions() -> &'static Vec<f64> {
    static REFERENCE: OnceLock<Vec<f64>> = OnceLock::new();
    REFERENCE.get_or_init(|| {
        let data = FaceData::get();
        let healthy = SideInputs::healthy(Anatomy::get().len());
        let rest = landmarks(data, &healthy, None, false);
        data.expressions
            .iter()
            .enumerate()
            .map(|(e, expression)| {
                excursion(
                    expression.measure,
                    &rest,
                    &landmarks(data, &healthy, Some(e), false),
                )
            })
            .collect()
    })
}

fn expression(data: &FaceData, name: &str) -> usize {
    data.expression_index(name)
        .unwrap_or_else(|| panic!("face.toml lacks the standard expression {name}"))
}

/// Where the scales find their expressions and muscles, looked up by name once (the grading
/// of every simulated day reads them).
struct Standard {
    sunnybrook: [usize; 5],
    /// Per Sunnybrook expression: whether it is the lip pucker (its own fissure scale).
    sunnybrook_pucker: [bool; 5],
    brow_lift: usize,
    gentle_eye_closure: usize,
    full_eye_closure: usize,
    smile: usize,
    lower_lip_eee: usize,
    mouth: [usize; 4],
    mouth_pucker: [bool; 4],
    eye: [usize; 2],
    orbicularis_oris: crate::anatomy::MuscleId,
}

fn standard() -> &'static Standard {
    static STANDARD: OnceLock<Standard> = OnceLock::new();
    STANDARD.get_or_init(|| {
        let data = FaceData::get();
        let pucker = |e: usize| data.expressions[e].name == "lip_pucker";
        let sunnybrook = SUNNYBROOK_EXPRESSIONS.map(|name| expression(data, name));
        let mouth = ["smile", "snarl", "lip_pucker", "lower_lip_eee"].map(|n| expression(data, n));
        Standard {
            sunnybrook,
            sunnybrook_pucker: sunnybrook.map(pucker),
            brow_lift: expression(data, "brow_lift"),
            gentle_eye_closure: expression(data, "gentle_eye_closure"),
            full_eye_closure: expression(data, "full_eye_closure"),
            smile: expression(data, "smile"),
            lower_lip_eee: expression(data, "lower_lip_eee"),
            mouth,
            mouth_pucker: mouth.map(pucker),
            eye: ["gentle_eye_closure", "full_eye_closure"].map(|n| expression(data, n)),
            orbicularis_oris: Anatomy::get()
                .index_of("orbicularis_oris")
                .expect("anatomy has orbicularis_oris"),
        }
    })
}

/// Symmetry ratio of two non-negative movements (1 when equal; both absent counts as equal).
fn ratio(a: f64, b: f64) -> f64 {
    const EPSILON: f64 = 0.01;
    (a.min(b) + EPSILON) / (a.max(b) + EPSILON)
}

/// A difference graded 0 below `from` mm and 1 from `to` mm, linearly between.
fn ramp(difference: f64, from: f64, to: f64) -> f64 {
    ((difference.abs() - from) / (to - from)).clamp(0.0, 1.0)
}

/// Sunnybrook synkinesis points of an involuntary displacement.
fn points(involuntary: &Landmarks, pucker: bool) -> f64 {
    let fissure_scale = if pucker {
        FISSURE_MM_PER_POINT_PUCKER
    } else {
        FISSURE_MM_PER_POINT
    };
    involuntary[FISSURE].abs() / fissure_scale
        + mouth_points(involuntary)
        + chin_points(involuntary)
        + neck_points(involuntary)
        + involuntary[BROW].abs() / MOUTH_MM_PER_POINT
}

fn mouth_points(d: &Landmarks) -> f64 {
    (d[COMMISSURE_UP].hypot(d[COMMISSURE_OUT]) + d[UPPER_LIP].abs() + d[LOWER_LIP].abs())
        / MOUTH_MM_PER_POINT
}

fn chin_points(d: &Landmarks) -> f64 {
    d[CHIN].abs() / CHIN_NECK_MM_PER_POINT
}

fn neck_points(d: &Landmarks) -> f64 {
    d[NECK].abs() / CHIN_NECK_MM_PER_POINT
}

fn eface_synkinesis_item(points: f64) -> f64 {
    100.0 * (1.0 - (points / 3.0).min(1.0))
}

/// Grade both sides on one day. `affected`: the palsied side, whose involuntary movement is
/// synkinesis (none without a palsy).
pub fn assess(sides: &[SideInputs; 2], affected: Option<Side>) -> Assessment {
    Grading::new().assess(sides, affected, None)
}

/// Working space for grading many days: the poses' buffers, kept between days.
pub struct Grading {
    poses: Poses,
}

impl Default for Grading {
    fn default() -> Grading {
        Grading::new()
    }
}

impl Grading {
    pub fn new() -> Grading {
        Grading {
            poses: Poses::new(),
        }
    }

    /// [`assess`], reusing the storage of `recycled` (an earlier day's grading) if given.
    pub fn assess(
        &mut self,
        sides: &[SideInputs; 2],
        affected: Option<Side>,
        recycled: Option<Assessment>,
    ) -> Assessment {
        let data = FaceData::get();
        let count = data.expressions.len();
        let (mut moved, mut excursions, mut involuntary) = match recycled {
            Some(a) => (a.moved, a.excursions, a.involuntary),
            None => (
                Vec::with_capacity(count),
                Vec::with_capacity(count),
                Vec::with_capacity(count),
            ),
        };
        moved.clear();
        excursions.clear();
        involuntary.clear();
        let poses = &mut self.poses;
        let mut rest = [[0.0; 10]; 2];
        poses.set_side(&sides[0]);
        rest[0] = poses.landmarks(&sides[0], None, true);
        moved.extend((0..count).map(|e| [poses.landmarks(&sides[0], Some(e), true), [0.0; 10]]));
        // Both sides alike (a symmetric plan without a palsy): the same inputs give the same
        // landmarks.
        let symmetric = sides[1] == sides[0];
        let mut prepared = 0;
        if symmetric {
            rest[1] = rest[0];
            for pose in moved.iter_mut() {
                pose[1] = pose[0];
            }
        } else {
            poses.set_side(&sides[1]);
            prepared = 1;
            rest[1] = poses.landmarks(&sides[1], None, true);
            for (e, pose) in moved.iter_mut().enumerate() {
                pose[1] = poses.landmarks(&sides[1], Some(e), true);
            }
        }
        let synkinetic = affected.filter(|side| sides[side.index()].has_synkinesis());
        if let Some(side) = synkinetic {
            let inputs = &sides[side.index()];
            if !symmetric && prepared != side.index() {
                poses.set_side(inputs);
            }
            for (e, pose) in moved.iter().enumerate() {
                let without = poses.landmarks(inputs, Some(e), false);
                let mut extra = [0.0; 10];
                for (l, value) in extra.iter_mut().enumerate() {
                    *value = pose[side.index()][l] - without[l];
                }
                involuntary.push(extra);
            }
        } else {
            involuntary.resize(count, [0.0; 10]);
        }
        for (expression, pose) in data.expressions.iter().zip(&moved) {
            excursions.push([
                excursion(expression.measure, &rest[0], &pose[0]),
                excursion(expression.measure, &rest[1], &pose[1]),
            ]);
        }
        scored(sides, affected, rest, moved, excursions, involuntary)
    }
}

/// The scales' scores from the landmarks of both sides at rest and in each expression.
fn scored(
    sides: &[SideInputs; 2],
    affected: Option<Side>,
    rest: [Landmarks; 2],
    moved: Vec<[Landmarks; 2]>,
    excursions: Vec<[f64; 2]>,
    involuntary: Vec<Landmarks>,
) -> Assessment {
    let reference = reference_excursions();
    let standard = standard();
    let count = moved.len();

    // Sunnybrook resting symmetry [E thresholds: a 0.5 mm difference is invisible, 2 mm is
    // plainly asymmetric; the fold scored by depth ratio: half as deep = 1, absent = 2].
    let eye = ramp(rest[0][FISSURE] - rest[1][FISSURE], 0.5, 2.0);
    let folds = ratio(rest[0][NASOLABIAL], rest[1][NASOLABIAL]);
    let cheek = (2.0 * (1.0 - folds)).clamp(0.0, 2.0);
    let mouth = ramp(rest[0][COMMISSURE_UP] - rest[1][COMMISSURE_UP], 0.5, 2.0);
    let resting_items = [eye, cheek, mouth];

    let sunnybrook_indices = standard.sunnybrook;
    let voluntary_items =
        sunnybrook_indices.map(|e| 1.0 + 4.0 * ratio(excursions[e][0], excursions[e][1]));
    let synkinesis_items = std::array::from_fn(|i| {
        points(
            &involuntary[sunnybrook_indices[i]],
            standard.sunnybrook_pucker[i],
        )
        .min(3.0)
    });
    let resting = 5.0 * resting_items.iter().sum::<f64>();
    let voluntary = 4.0 * voluntary_items.iter().sum::<f64>();
    let synkinesis = synkinesis_items.iter().sum::<f64>();
    let sunnybrook = Sunnybrook {
        composite: (voluntary - resting - synkinesis).clamp(0.0, 100.0),
        resting,
        voluntary,
        synkinesis,
        resting_items,
        voluntary_items,
        synkinesis_items,
    };

    // eFACE [E scales: the static items lose all 100 points at 8 mm (brow), 5 mm (fissure)
    // or 6 mm (commissure) of difference; dynamic items are the symmetry ratio].
    let static_items = [
        100.0 * (1.0 - ((rest[0][BROW] - rest[1][BROW]).abs() / 8.0).min(1.0)),
        100.0 * (1.0 - ((rest[0][FISSURE] - rest[1][FISSURE]).abs() / 5.0).min(1.0)),
        100.0 * folds,
        100.0 * (1.0 - ((rest[0][COMMISSURE_UP] - rest[1][COMMISSURE_UP]).abs() / 6.0).min(1.0)),
    ];
    let smile = standard.smile;
    let dynamic_items = [
        100.0 * ratio_of(&excursions, standard.brow_lift),
        100.0 * ratio_of(&excursions, standard.gentle_eye_closure),
        100.0 * ratio_of(&excursions, standard.full_eye_closure),
        100.0 * ratio_of(&excursions, smile),
        100.0 * ratio(moved[smile][0][NASOLABIAL], moved[smile][1][NASOLABIAL]),
        100.0 * ratio_of(&excursions, standard.lower_lip_eee),
    ];
    let ocular = standard
        .mouth
        .iter()
        .zip(standard.mouth_pucker)
        .map(|(&e, pucker)| points(&fissure_only(&involuntary[e]), pucker))
        .fold(0.0, f64::max);
    let midfacial = standard
        .eye
        .iter()
        .map(|&e| mouth_points(&involuntary[e]))
        .fold(0.0, f64::max);
    let mentalis = involuntary.iter().map(chin_points).fold(0.0, f64::max);
    let platysmal = involuntary.iter().map(neck_points).fold(0.0, f64::max);
    let synkinesis_items_eface =
        [ocular, midfacial, mentalis, platysmal].map(eface_synkinesis_item);
    let mean = |items: &[f64]| items.iter().sum::<f64>() / items.len() as f64;
    let weighted_total = (static_items.iter().sum::<f64>()
        + 2.0 * dynamic_items.iter().sum::<f64>()
        + synkinesis_items_eface.iter().sum::<f64>())
        / (static_items.len() + 2 * dynamic_items.len() + synkinesis_items_eface.len()) as f64;
    let eface = Eface {
        total: weighted_total,
        static_score: mean(&static_items),
        dynamic: mean(&dynamic_items),
        synkinesis: mean(&synkinesis_items_eface),
        static_items,
        dynamic_items,
        synkinesis_items: synkinesis_items_eface,
    };

    let full_closure = standard.full_eye_closure;
    let eye_closure_complete = [
        moved[full_closure][0][FISSURE] <= CLOSED_GAP_MM,
        moved[full_closure][1][FISSURE] <= CLOSED_GAP_MM,
    ];
    let house_brackmann = house_brackmann(
        &excursions,
        reference,
        &sunnybrook_indices,
        eye_closure_complete,
        sunnybrook.synkinesis,
    );

    let expressivity = excursions
        .iter()
        .zip(reference)
        .map(|(pair, reference)| {
            (pair[0].min(*reference) + pair[1].min(*reference)) / (2.0 * reference)
        })
        .sum::<f64>()
        / count as f64;

    let oris = standard.orbicularis_oris;
    let lip_seal = sides[0].capacity(oris).min(sides[1].capacity(oris));

    let hypertonic_tone = affected
        .map(|side| {
            let inputs = &sides[side.index()];
            let (sum, n) = inputs
                .hypertonicity
                .iter()
                .zip(&inputs.strength)
                .filter(|(h, _)| **h > 0.0)
                .fold((0.0, 0usize), |(sum, n), (h, s)| {
                    (sum + super::kinematics::MAXIMAL_TONE * h * s, n + 1)
                });
            if n == 0 {
                0.0
            } else {
                sum / n as f64
            }
        })
        .unwrap_or(0.0);

    Assessment {
        rest,
        moved,
        excursions,
        involuntary,
        sunnybrook,
        eface,
        house_brackmann,
        expressivity,
        eye_closure_complete,
        lip_seal,
        hypertonic_tone,
    }
}

fn ratio_of(excursions: &[[f64; 2]], e: usize) -> f64 {
    ratio(excursions[e][0], excursions[e][1])
}

fn fissure_only(d: &Landmarks) -> Landmarks {
    let mut out = [0.0; 10];
    out[FISSURE] = d[FISSURE];
    out
}

/// House-Brackmann grade from function and symmetry. HB's descriptions mix absolute motion
/// of the weaker side ("barely perceptible motion") with the difference between sides
/// ("obvious but not disfiguring difference"), so the function index is the mean of both
/// [E]: `I = (mean weaker-side excursion / healthy reference + mean symmetry ratio) / 2` over
/// the Sunnybrook expressions. Cut-offs sit midway between the presets' residual function
/// (`branches_for_grade`: 1, 0.8, 0.55, 0.35, 0.15, 0) so each preset grades as itself.
/// Incomplete eye closure is grade IV or worse; more than mild synkinesis (Sunnybrook
/// synkinesis score above 3) is grade III or worse (House & Brackmann 1985 [R]).
fn house_brackmann(
    excursions: &[[f64; 2]],
    reference: &[f64],
    expressions: &[usize; 5],
    eye_closure_complete: [bool; 2],
    synkinesis: f64,
) -> u8 {
    let mut absolute = 0.0;
    let mut symmetry = 0.0;
    for &e in expressions {
        let [a, b] = excursions[e];
        absolute += (a.min(b) / reference[e]).min(1.0);
        symmetry += ratio(a, b);
    }
    let index = (absolute + symmetry) / (2.0 * expressions.len() as f64);
    let mut grade = match index {
        i if i >= 0.9 => 1,
        i if i >= 0.675 => 2,
        i if i >= 0.45 => 3,
        i if i >= 0.25 => 4,
        i if i >= 0.075 => 5,
        _ => 6,
    };
    if !(eye_closure_complete[0] && eye_closure_complete[1]) {
        grade = grade.max(4);
    }
    if synkinesis > 3.0 {
        grade = grade.max(3);
    }
    grade
}

/// Emotrics-style measurement of one quantity on both sides.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Deviation {
    pub measure: &'static str,
    pub expression: &'static str,
    pub units: &'static str,
    pub left: f64,
    pub right: f64,
    pub absolute_deviation: f64,
    /// |left - right| / max(|left|, |right|) x 100.
    pub percent_deviation: f64,
}

/// Mouth half-width at rest (mm) [C: typical adult intercommissural width about 50 mm].
pub const MOUTH_HALF_WIDTH_MM: f64 = 25.0;
/// Height of the resting commissure below the pupils (mm) [C: typical adult face], the
/// reference of the Emotrics-style commissure height (so a droop is a few percent, as in
/// Emotrics, not a ratio to zero).
pub const PUPIL_TO_COMMISSURE_MM: f64 = 50.0;

fn deviation(
    measure: &'static str,
    expression: &'static str,
    units: &'static str,
    left: f64,
    right: f64,
) -> Deviation {
    let larger = left.abs().max(right.abs());
    Deviation {
        measure,
        expression,
        units,
        left,
        right,
        absolute_deviation: (left - right).abs(),
        percent_deviation: if larger > 0.0 {
            100.0 * (left - right).abs() / larger
        } else {
            0.0
        },
    }
}

/// Emotrics-style measurements (Guarin 2018): brow height and palpebral fissure at rest,
/// commissure height below the pupils at rest, commissure excursion and smile angle in the smile.
pub fn emotrics(assessment: &Assessment) -> Vec<Deviation> {
    let smile = standard().smile;
    let rest = &assessment.rest;
    let smiling = &assessment.moved[smile];
    let angle = |l: &Landmarks| {
        l[COMMISSURE_UP]
            .atan2(MOUTH_HALF_WIDTH_MM + l[COMMISSURE_OUT])
            .to_degrees()
    };
    vec![
        deviation("brow_height", "rest", "mm", rest[0][BROW], rest[1][BROW]),
        deviation(
            "palpebral_fissure",
            "rest",
            "mm",
            rest[0][FISSURE],
            rest[1][FISSURE],
        ),
        deviation(
            "commissure_below_pupil",
            "rest",
            "mm",
            PUPIL_TO_COMMISSURE_MM - rest[0][COMMISSURE_UP],
            PUPIL_TO_COMMISSURE_MM - rest[1][COMMISSURE_UP],
        ),
        deviation(
            "commissure_excursion",
            "smile",
            "mm",
            assessment.excursions[smile][0],
            assessment.excursions[smile][1],
        ),
        deviation(
            "smile_angle",
            "smile",
            "degrees",
            angle(&smiling[0]),
            angle(&smiling[1]),
        ),
        deviation(
            "palpebral_fissure",
            "smile",
            "mm",
            smiling[0][FISSURE],
            smiling[1][FISSURE],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::palsy::branches_for_grade;

    fn palsied(residual: f64) -> [SideInputs; 2] {
        let anatomy = Anatomy::get();
        let healthy = SideInputs::healthy(anatomy.len());
        let mut affected = healthy.clone();
        for (m, muscle) in anatomy.muscles.iter().enumerate() {
            if super::super::course::branch_of(&muscle.nerve_branch).is_some() {
                affected.drive[m] = residual;
            }
        }
        [affected, healthy]
    }

    #[test]
    fn a_healthy_face_scores_normal_everywhere() {
        let anatomy = Anatomy::get();
        let healthy = SideInputs::healthy(anatomy.len());
        let a = assess(&[healthy.clone(), healthy], None);
        assert!((a.sunnybrook.composite - 100.0).abs() < 1e-9);
        assert!((a.eface.total - 100.0).abs() < 1e-9);
        assert_eq!(a.house_brackmann, 1);
        assert!((a.expressivity - 1.0).abs() < 1e-12);
        assert_eq!(a.eye_closure_complete, [true, true]);
    }

    #[test]
    fn each_house_brackmann_preset_grades_as_itself() {
        for grade in 1..=6u8 {
            let residual = branches_for_grade(grade)[0];
            let a = assess(&palsied(residual), Some(Side::Left));
            assert_eq!(
                a.house_brackmann, grade,
                "preset {grade} (residual {residual})"
            );
        }
    }

    #[test]
    fn sunnybrook_falls_with_the_grade() {
        let scores: Vec<f64> = (1..=6u8)
            .map(|g| {
                assess(&palsied(branches_for_grade(g)[0]), Some(Side::Left))
                    .sunnybrook
                    .composite
            })
            .collect();
        for pair in scores.windows(2) {
            assert!(pair[1] < pair[0], "{scores:?}");
        }
    }
}
