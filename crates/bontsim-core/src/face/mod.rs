//! The moving, graded face: a palsy profile and the simulated muscle strengths
//! become landmark positions per side and expression, then clinical scores per day.
//!
//! Data flows on from the toxin model without feeding back into it: strengths `S` come from
//! [`crate::simulation`]; the palsy's nerve drive and therapy's training come from
//! [`course`]; [`kinematics`] moves the landmarks; [`scores`] grades them; [`scene`] lays
//! out one day of the face as a picture (shapes in pixels) for any renderer to draw.

pub mod course;
pub mod data;
pub mod kinematics;
pub mod planner;
pub mod poses;
pub mod scene;
pub mod scores;

use crate::anatomy::{Anatomy, MuscleId, Side};
use crate::model;
use crate::numbers::round;
use crate::plan::Plan;
use crate::simulation::Simulation;
use course::{branch_of, trained_coupling, trained_drive, CourseParameters};
use kinematics::SideInputs;
use scores::{Assessment, Deviation, Eface, Grading, Sunnybrook};
use serde::Serialize;

/// Expressivity below which a treated face counts as flattened (over-treated) [E: half the
/// movement of a healthy face over the standard expressions; the "paralysed look" of an
/// over-injected healthy side, de Sanctis Pecora 2021 [R]].
pub const EXPRESSIVITY_FLOOR: f64 = 0.5;

/// Days reported in `face.at` when none are asked for.
pub const DEFAULT_AT_DAYS: [usize; 6] = [0, 14, 30, 90, 180, 365];

/// The palsy course over the simulated days, and where each compartment's series is.
pub struct FaceCourse {
    pub affected: Option<Side>,
    /// Residual function per branch, per day.
    branches: Vec<[f64; 5]>,
    /// Training state per day.
    pub training: Vec<f64>,
    /// Use-dependent relearning per day (0 without a palsy or a quietened healthy side).
    pub relearning: Vec<f64>,
    /// Branch index per muscle (None: not the facial nerve).
    muscle_branch: Vec<Option<usize>>,
    synkinesis: [f64; 4],
    hypertonicity: Vec<f64>,
    parameters: CourseParameters,
}

impl FaceCourse {
    /// The course of `plan` over `days`; `strengths` (the toxin's) drive relearning.
    pub fn new(
        plan: &Plan,
        days: usize,
        parameters: &CourseParameters,
        strengths: &Strengths,
    ) -> FaceCourse {
        let anatomy = Anatomy::get();
        let muscle_branch: Vec<Option<usize>> = anatomy
            .muscles
            .iter()
            .map(|m| branch_of(&m.nerve_branch))
            .collect();
        let mut hypertonicity = vec![0.0; anatomy.len()];
        let (affected, branches, synkinesis) = match &plan.palsy {
            Some(palsy) => {
                for &(muscle, value) in &palsy.hypertonicity {
                    hypertonicity[muscle.index()] = value;
                }
                (
                    Some(palsy.affected_side),
                    (0..days)
                        .map(|d| course::branch_function(palsy, parameters, d as f64))
                        .collect(),
                    palsy.synkinesis,
                )
            }
            None => (None, vec![[1.0; 5]; days], [0.0; 4]),
        };
        let relearning = match affected {
            Some(side) => {
                let quieted: Vec<(MuscleId, usize)> = planner::HEALTHY_SIDE_MUSCLES
                    .iter()
                    .filter_map(|name| anatomy.index_of(name))
                    .filter_map(|m| muscle_branch[m.index()].map(|b| (m, b)))
                    .collect();
                let healthy = side.opposite();
                // Overpull removed: the healthy muscle's weakness, up to the affected
                // branch's deficit (weakening it further evens nothing, so teaches nothing).
                let quieting: Vec<f64> = (0..days)
                    .map(|day| {
                        quieted
                            .iter()
                            .map(|&(m, b)| {
                                let weakness = 1.0 - strengths.get(m, healthy, day);
                                weakness.min(1.0 - branches[day][b]).max(0.0)
                            })
                            .sum::<f64>()
                            / quieted.len().max(1) as f64
                    })
                    .collect();
                course::relearning(&quieting, &plan.therapies, parameters)
            }
            None => vec![0.0; days],
        };
        FaceCourse {
            affected,
            branches,
            training: course::training(&plan.therapies, parameters, days),
            relearning,
            muscle_branch,
            synkinesis,
            hypertonicity,
            parameters: *parameters,
        }
    }

    /// Residual function per branch on a day.
    pub fn branch_function(&self, day: usize) -> [f64; 5] {
        self.branches[day]
    }

    /// Everything of the course that changes from day to day, as bits: two days with the
    /// same key and the same strengths have the same inputs ([`FaceCourse::inputs`]).
    fn day_key(&self, day: usize) -> [u64; 7] {
        let branches = self.branches[day];
        [
            branches[0].to_bits(),
            branches[1].to_bits(),
            branches[2].to_bits(),
            branches[3].to_bits(),
            branches[4].to_bits(),
            self.training[day].to_bits(),
            self.relearning[day].to_bits(),
        ]
    }

    /// Both sides' inputs on `day` with the strengths of `strength(muscle, side)`.
    pub fn inputs(&self, day: usize, strength: impl Fn(MuscleId, Side) -> f64) -> [SideInputs; 2] {
        let count = self.muscle_branch.len();
        let mut inputs = [SideInputs::healthy(count), SideInputs::healthy(count)];
        self.fill_inputs(day, strength, &mut inputs);
        inputs
    }

    /// [`FaceCourse::inputs`] written over `out` (every field of both sides), so that grading
    /// day after day allocates nothing.
    fn fill_inputs(
        &self,
        day: usize,
        strength: impl Fn(MuscleId, Side) -> f64,
        out: &mut [SideInputs; 2],
    ) {
        let count = self.muscle_branch.len();
        let training = self.training[day];
        let learned = (training + self.relearning[day]).min(1.0);
        for side in Side::BOTH {
            let inputs = &mut out[side.index()];
            for muscle in Anatomy::get().ids().take(count) {
                inputs.strength[muscle.index()] = strength(muscle, side);
            }
            if self.affected == Some(side) {
                let branches = self.branches[day];
                for (drive, branch) in inputs.drive.iter_mut().zip(&self.muscle_branch) {
                    *drive = match branch {
                        Some(branch) => trained_drive(branches[*branch], learned, &self.parameters),
                        None => 1.0,
                    };
                }
                inputs.synkinesis = self
                    .synkinesis
                    .map(|sigma| trained_coupling(sigma, training, &self.parameters));
                inputs.hypertonicity.copy_from_slice(&self.hypertonicity);
            } else {
                inputs.drive.fill(1.0);
                inputs.synkinesis = [0.0; 4];
                inputs.hypertonicity.fill(0.0);
            }
        }
    }
}

/// Daily strength of every compartment of a simulation (1 where no toxin arrived).
pub struct Strengths<'a> {
    series: Vec<Option<&'a [model::State]>>,
    /// No compartment has a series: every strength is 1 on every day.
    untreated: bool,
}

impl<'a> Strengths<'a> {
    pub fn new(simulation: &'a Simulation) -> Strengths<'a> {
        let mut series = vec![None; Anatomy::get().compartment_count()];
        for c in &simulation.compartments {
            series[Anatomy::compartment(c.muscle, c.side)] = Some(c.states.as_slice());
        }
        Strengths {
            untreated: series.iter().all(Option::is_none),
            series,
        }
    }

    /// No toxin anywhere: every strength 1.
    pub fn untreated() -> Strengths<'static> {
        Strengths {
            series: vec![None; Anatomy::get().compartment_count()],
            untreated: true,
        }
    }

    pub fn get(&self, muscle: MuscleId, side: Side, day: usize) -> f64 {
        match self.series[Anatomy::compartment(muscle, side)] {
            Some(states) => model::strength(&states[day.min(states.len() - 1)]),
            None => 1.0,
        }
    }
}

/// Grade the face on one day.
pub fn assess_day(course: &FaceCourse, strengths: &Strengths, day: usize) -> Assessment {
    let inputs = course.inputs(day, |muscle, side| strengths.get(muscle, side, day));
    scores::assess(&inputs, course.affected)
}

/// Grades days in order, reusing the last grading when a day's inputs equal the previous
/// day's (an untreated long-standing palsy, or a face once the toxin is gone): the same
/// inputs give the same grading, so this changes no output, only the time taken. The
/// inputs and the grading's storage are reused from day to day.
struct Grader<'a> {
    course: &'a FaceCourse,
    strengths: &'a Strengths<'a>,
    grading: Grading,
    /// The day being graded's inputs.
    inputs: [SideInputs; 2],
    last: Option<([SideInputs; 2], Assessment)>,
    /// The course's key of the day last graded (see [`FaceCourse::day_key`]).
    last_key: [u64; 7],
}

impl<'a> Grader<'a> {
    fn new(course: &'a FaceCourse, strengths: &'a Strengths<'a>) -> Grader<'a> {
        let count = course.muscle_branch.len();
        Grader {
            course,
            strengths,
            grading: Grading::new(),
            inputs: [SideInputs::healthy(count), SideInputs::healthy(count)],
            last: None,
            last_key: [0; 7],
        }
    }

    fn assess(&mut self, day: usize) -> &Assessment {
        let strengths = self.strengths;
        // Without toxin the strengths are the same every day, so the same course gives the
        // same inputs: no need to build and compare them.
        let key = self.course.day_key(day);
        let standing = strengths.untreated && self.last.is_some() && key == self.last_key;
        if !standing {
            self.last_key = key;
            self.course.fill_inputs(
                day,
                |muscle, side| strengths.get(muscle, side, day),
                &mut self.inputs,
            );
            let reuse = matches!(&self.last, Some((previous, _)) if *previous == self.inputs);
            if !reuse {
                let (previous, recycled) = match self.last.take() {
                    Some((previous, assessment)) => (Some(previous), Some(assessment)),
                    None => (None, None),
                };
                let assessment = self
                    .grading
                    .assess(&self.inputs, self.course.affected, recycled);
                let spare = previous.unwrap_or_else(|| self.inputs.clone());
                let inputs = std::mem::replace(&mut self.inputs, spare);
                self.last = Some((inputs, assessment));
            }
        }
        &self.last.as_ref().expect("graded above").1
    }
}

/// `face` of the simulate JSON: daily scores and full grading at chosen days.
#[derive(Debug, Clone, Serialize)]
pub struct FaceReport {
    /// `null` without a palsy profile (the face is then graded left against right).
    pub affected_side: Option<&'static str>,
    pub expressions: Vec<String>,
    pub expressivity_floor: f64,
    pub oral_competence_floor: f64,
    pub daily: Vec<FaceDaily>,
    pub at: Vec<FaceAt>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FaceDaily {
    pub day: usize,
    pub sunnybrook: f64,
    pub sunnybrook_resting: f64,
    pub sunnybrook_voluntary: f64,
    pub sunnybrook_synkinesis: f64,
    pub eface_total: f64,
    pub eface_static: f64,
    pub eface_dynamic: f64,
    pub eface_synkinesis: f64,
    pub house_brackmann: u8,
    pub expressivity: f64,
    /// Full eye closure complete on both sides.
    pub eye_closure_complete: bool,
    /// Orbicularis oris capacity of the weaker side (oral competence from 0.5).
    pub lip_seal: f64,
    /// Mean tonic activation of the affected side's hypertonic muscles.
    pub hypertonic_tone: f64,
    /// Therapy's training state, 0..1.
    pub training: f64,
    /// Use-dependent relearning while the healthy side is quietened, 0..1.
    pub relearning: f64,
    /// Mean over the expressions of the left-right difference in excursion, over the
    /// healthy (without a palsy: the more mobile) side's mean excursion; 0 = symmetric.
    pub asymmetry_index: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Movement {
    pub expression: String,
    /// Excursion (mm) by the expression's measure.
    pub left: f64,
    pub right: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct FaceAt {
    pub day: usize,
    pub house_brackmann: u8,
    pub expressivity: f64,
    pub sunnybrook: Sunnybrook,
    pub eface: Eface,
    pub emotrics: Vec<Deviation>,
    pub movements: Vec<Movement>,
    /// Residual function per branch on the affected side (1 everywhere without a palsy).
    pub nerve_function: std::collections::BTreeMap<&'static str, f64>,
}

fn rounded<const N: usize>(items: [f64; N]) -> [f64; N] {
    items.map(round)
}

/// Mean absolute left-right excursion difference over the expressions, divided by the
/// healthy side's mean excursion (the more mobile side's without a palsy); 0 = symmetric.
pub fn asymmetry_index(a: &Assessment, affected: Option<Side>) -> f64 {
    let count = a.excursions.len().max(1) as f64;
    let sums = a
        .excursions
        .iter()
        .fold([0.0; 2], |s, pair| [s[0] + pair[0], s[1] + pair[1]]);
    let healthy = match affected {
        Some(side) => sums[side.opposite().index()],
        None => sums[0].max(sums[1]),
    } / count;
    let difference = a
        .excursions
        .iter()
        .map(|pair| (pair[0] - pair[1]).abs())
        .sum::<f64>()
        / count;
    if healthy > 1e-9 {
        difference / healthy
    } else {
        0.0
    }
}

fn daily(day: usize, a: &Assessment, course: &FaceCourse) -> FaceDaily {
    FaceDaily {
        day,
        sunnybrook: round(a.sunnybrook.composite),
        sunnybrook_resting: round(a.sunnybrook.resting),
        sunnybrook_voluntary: round(a.sunnybrook.voluntary),
        sunnybrook_synkinesis: round(a.sunnybrook.synkinesis),
        eface_total: round(a.eface.total),
        eface_static: round(a.eface.static_score),
        eface_dynamic: round(a.eface.dynamic),
        eface_synkinesis: round(a.eface.synkinesis),
        house_brackmann: a.house_brackmann,
        expressivity: round(a.expressivity),
        eye_closure_complete: a.eye_closure_complete.iter().all(|&c| c),
        lip_seal: round(a.lip_seal),
        hypertonic_tone: round(a.hypertonic_tone),
        training: round(course.training[day]),
        relearning: round(course.relearning[day]),
        asymmetry_index: round(asymmetry_index(a, course.affected)),
    }
}

fn at(day: usize, a: &Assessment, course: &FaceCourse) -> FaceAt {
    let data = data::FaceData::get();
    let branches = course.branch_function(day);
    FaceAt {
        day,
        house_brackmann: a.house_brackmann,
        expressivity: round(a.expressivity),
        sunnybrook: Sunnybrook {
            composite: round(a.sunnybrook.composite),
            resting: round(a.sunnybrook.resting),
            voluntary: round(a.sunnybrook.voluntary),
            synkinesis: round(a.sunnybrook.synkinesis),
            resting_items: rounded(a.sunnybrook.resting_items),
            voluntary_items: rounded(a.sunnybrook.voluntary_items),
            synkinesis_items: rounded(a.sunnybrook.synkinesis_items),
        },
        eface: Eface {
            total: round(a.eface.total),
            static_score: round(a.eface.static_score),
            dynamic: round(a.eface.dynamic),
            synkinesis: round(a.eface.synkinesis),
            static_items: rounded(a.eface.static_items),
            dynamic_items: rounded(a.eface.dynamic_items),
            synkinesis_items: rounded(a.eface.synkinesis_items),
        },
        emotrics: scores::emotrics(a)
            .into_iter()
            .map(|d| Deviation {
                left: round(d.left),
                right: round(d.right),
                absolute_deviation: round(d.absolute_deviation),
                percent_deviation: round(d.percent_deviation),
                ..d
            })
            .collect(),
        movements: data
            .expressions
            .iter()
            .zip(&a.excursions)
            .map(|(e, pair)| Movement {
                expression: e.name.clone(),
                left: round(pair[0]),
                right: round(pair[1]),
            })
            .collect(),
        nerve_function: crate::plan::palsy::BRANCHES
            .iter()
            .zip(branches)
            .map(|(name, value)| (*name, round(value)))
            .collect(),
    }
}

/// The face of a simulated plan: daily scores, grading at `at_days` (those inside the
/// horizon), and warnings when the treatment flattens the face, opens the eye or breaks the
/// lip seal compared with the same patient untreated.
pub fn report(
    plan: &Plan,
    simulation: &Simulation,
    parameters: &CourseParameters,
    at_days: &[usize],
) -> (FaceReport, Vec<String>) {
    let days = simulation.days;
    let strengths = Strengths::new(simulation);
    let course = FaceCourse::new(plan, days, parameters, &strengths);
    let untreated = Strengths::untreated();
    let treated = !plan.injections.is_empty();
    let mut daily_scores = Vec::with_capacity(days);
    let mut at_scores = Vec::new();
    let mut flattened: Option<(usize, f64)> = None;
    let mut eye_opened: Option<(usize, Side)> = None;
    let mut seal_broken: Option<(usize, f64)> = None;
    let mut grader = Grader::new(&course, &strengths);
    let mut untreated_grader = Grader::new(&course, &untreated);
    for day in 0..days {
        let a = grader.assess(day);
        if treated {
            let before = untreated_grader.assess(day);
            if a.expressivity < EXPRESSIVITY_FLOOR
                && before.expressivity >= EXPRESSIVITY_FLOOR
                && flattened.is_none_or(|(_, e)| a.expressivity < e)
            {
                flattened = Some((day, a.expressivity));
            }
            for side in Side::BOTH {
                if eye_opened.is_none()
                    && before.eye_closure_complete[side.index()]
                    && !a.eye_closure_complete[side.index()]
                {
                    eye_opened = Some((day, side));
                }
            }
            if a.lip_seal < scores::ORAL_COMPETENCE
                && before.lip_seal >= scores::ORAL_COMPETENCE
                && seal_broken.is_none_or(|(_, s)| a.lip_seal < s)
            {
                seal_broken = Some((day, a.lip_seal));
            }
        }
        daily_scores.push(daily(day, a, &course));
        if at_days.contains(&day) {
            at_scores.push(at(day, a, &course));
        }
    }
    let mut warnings = Vec::new();
    if let Some((day, value)) = flattened {
        warnings.push(format!(
            "over-treatment: the face is flattened (expressivity {value:.2} on day {day}, below the floor {EXPRESSIVITY_FLOOR}; untreated it stays above): lower the healthy-side doses"
        ));
    }
    if let Some((day, side)) = eye_opened {
        warnings.push(format!(
            "eye closure lost: the {} eye no longer closes fully from day {day} (orbicularis oculi too weak after treatment)",
            side.name()
        ));
    }
    if let Some((day, value)) = seal_broken {
        warnings.push(format!(
            "oral competence lost: lip seal {value:.2} on day {day}, below {} (orbicularis oris weakened; drooling risk)",
            scores::ORAL_COMPETENCE
        ));
    }
    let report = FaceReport {
        affected_side: course.affected.map(Side::name),
        expressions: data::FaceData::get()
            .expression_names()
            .into_iter()
            .map(String::from)
            .collect(),
        expressivity_floor: EXPRESSIVITY_FLOOR,
        oral_competence_floor: scores::ORAL_COMPETENCE,
        daily: daily_scores,
        at: at_scores,
    };
    (report, warnings)
}

/// The closest expression name (or "rest") to a mistyped one, for "did you mean" hints.
pub fn suggest_expression(name: &str) -> Option<&'static str> {
    std::iter::once("rest")
        .chain(data::FaceData::get().expression_names())
        .map(|e| (crate::names::edit_distance(e, name), e))
        .min_by_key(|(distance, _)| *distance)
        .filter(|(distance, _)| *distance <= 1 + name.chars().count() / 4)
        .map(|(_, e)| e)
}

/// House-Brackmann grades are written as plans write them (kept at this path for the face's users).
pub use crate::plan::palsy::house_brackmann_roman;
