//! The symmetry planner: healthy-side doses (and affected-side doses for synkinesis when
//! asked) that maximise the mean Sunnybrook composite over a horizon, with synkinesis relief
//! valued as the synkinesis literature values it, without flattening the face, opening the
//! eye, breaking the lip seal, leaving the healthy side moving less than the palsied side
//! in any expression or passing unit and label limits.
//!
//! Greedy marginal allocation: from the patient's own plan, add one step of units at a time
//! to the muscle that raises the objective most while every constraint holds; stop when no
//! step helps. Each candidate step is a full simulation and grading of the horizon, so the
//! proposal is what the model predicts, not a rule of thumb (docs/model.md, "Symmetry
//! planner"). Candidates are evaluated in parallel; ties go to the earlier candidate, so the
//! proposal does not depend on the number of threads.

use super::course::CourseParameters;
use super::scores::{Assessment, ORAL_COMPETENCE, SUNNYBROOK_EXPRESSIONS};
use super::{assess_day, FaceCourse, Grader, Strengths, EXPRESSIVITY_FLOOR};
use crate::anatomy::{Anatomy, MuscleId, Side};
use crate::plan::{Injection, Plan, Site, DEFAULT_VOLUME_ML};
use crate::product::Product;
use crate::{simulate, Parameters, SolverOptions};
use rayon::prelude::*;

/// Healthy-side muscles the planner may relax: the ones treated in the palsy series
/// (frontalis, corrugator; zygomaticus major and minor, levator labii superioris, risorius,
/// DAO, DLI, platysma: Dalla Toffola 2010, Hong 2007, Choi 2013, Sadiq 2012 [R]).
pub const HEALTHY_SIDE_MUSCLES: [&str; 10] = [
    "frontalis",
    "corrugator_supercilii",
    "zygomaticus_major",
    "zygomaticus_minor",
    "levator_labii_superioris",
    "risorius",
    "depressor_anguli_oris",
    "depressor_labii_inferioris",
    "platysma",
    "orbicularis_oculi",
];

/// Affected-side muscles for synkinesis (OOc, mentalis, platysma, DAO, buccinator,
/// corrugator: muscle-and-palsy 4.4, Choi 2013, Patel 2018 [R]).
pub const SYNKINESIS_MUSCLES: [&str; 6] = [
    "orbicularis_oculi",
    "mentalis",
    "platysma",
    "depressor_anguli_oris",
    "buccinator",
    "corrugator_supercilii",
];

/// A step must buy at least this many mean Sunnybrook points per onabotulinumtoxinA-equivalent
/// unit over a 180-day horizon (scaled by 180 / horizon, so the total benefit asked of a unit
/// does not depend on the horizon) [E: 0.1 point per 2.5 U site; below that the toxin adds
/// risk and cost for a change no rater would see].
pub const MINIMUM_GAIN_PER_UNIT: f64 = 0.04;
/// The horizon on which [`MINIMUM_GAIN_PER_UNIT`] is stated.
pub const MINIMUM_GAIN_HORIZON_DAYS: f64 = 180.0;

/// Weight of a Sunnybrook synkinesis point in the planner's objective beyond the one it
/// already has in the composite [E: the synkinesis literature values affected-side doses by
/// the synkinesis subscore; OPRS 2014 [R] saw the composite fall 57.6 -> 45.2 at 1 month
/// while synkinesis improved and the patient-reported FaCE rose 40.9 -> 47.6, so the
/// composite alone undervalues the relief patients seek; counting a synkinesis point twice
/// lets the standard treatment (OOc, mentalis, platysma 2.5 U steps, muscle-and-palsy 4.4)
/// pay while voluntary losses still cost].
pub const SYNKINESIS_WEIGHT: f64 = 1.0;

/// A healthy side may trail the palsied side by at most this much (mm) in an expression:
/// rounding, not movement.
pub const SYMMETRY_GUARD_TOLERANCE_MM: f64 = 1e-6;

#[derive(Debug, Clone)]
pub struct PlannerOptions {
    /// Day of the proposed injections.
    pub day: f64,
    /// Days graded from `day` on.
    pub horizon_days: usize,
    /// Total units the proposal may add (the product's labelled units).
    pub max_units: f64,
    /// Per-muscle cap (the product's labelled units), counting what the plan already puts
    /// into the muscle that day; `None`: twice the muscle's usual upper dose (in
    /// onabotulinumtoxinA units, converted by potency), where bontsim's high-dose warning
    /// starts.
    pub max_units_per_muscle: Option<f64>,
    /// Units per search step (the product's labelled units).
    pub step_units: f64,
    /// Also treat the affected side's synkinesis.
    pub treat_synkinesis: bool,
    pub min_expressivity: f64,
    pub product: &'static Product,
    /// The toxin model's parameters of the patient planned for.
    pub parameters: Parameters,
    /// The face's course (palsy recovery and training) of the patient planned for.
    pub course: CourseParameters,
}

impl PlannerOptions {
    pub fn new(product: &'static Product) -> PlannerOptions {
        PlannerOptions {
            day: 0.0,
            horizon_days: 180,
            max_units: 50.0,
            max_units_per_muscle: None,
            step_units: 2.5,
            treat_synkinesis: false,
            min_expressivity: EXPRESSIVITY_FLOOR,
            product,
            parameters: Parameters::TYPICAL,
            course: CourseParameters::TYPICAL,
        }
    }
}

/// Predicted outcome of a plan over the horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub mean_sunnybrook: f64,
    pub mean_eface: f64,
    pub mean_synkinesis: f64,
    pub min_expressivity: f64,
    /// Eye closure complete on every day, by side index.
    pub eye_closure_kept: [bool; 2],
    pub min_lip_seal: f64,
    /// Worst and best House-Brackmann grades over the horizon.
    pub house_brackmann_range: (u8, u8),
    /// Best Sunnybrook day and its grading.
    pub best_day: usize,
    pub best: Assessment,
    /// Sunnybrook composite of each day of the horizon.
    pub daily: Vec<f64>,
    /// Smallest lead (mm) of the healthy side's excursion over the palsied side's, over the
    /// horizon's days and every expression, with its day and expression index.
    pub worst_lead: (f64, usize, usize),
}

impl Outcome {
    /// What the search maximises: the mean composite with synkinesis relief counted again
    /// ([`SYNKINESIS_WEIGHT`]).
    pub fn objective(&self) -> f64 {
        self.mean_sunnybrook - SYNKINESIS_WEIGHT * self.mean_synkinesis
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProposedDose {
    pub muscle: MuscleId,
    pub side: Side,
    pub units: f64,
    /// Mean Sunnybrook points lost if this dose were left out.
    pub contribution: f64,
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct Proposal {
    pub doses: Vec<ProposedDose>,
    /// The plan as given (with its own injections, if any).
    pub before: Outcome,
    /// Whether the plan as given has injections (then `before` is not untreated).
    pub given_has_injections: bool,
    pub after: Outcome,
    /// The same total units split equally over the healthy-side candidates.
    pub naive: Option<Outcome>,
    /// Why the search stopped.
    pub stopped: String,
    pub evaluations: usize,
}

/// Most injections a plan may have for the planner. Every search step simulates and grades
/// the whole plan, a search takes tens to hundreds of steps, and each step's label check
/// and simulation grow with the plan's injections: a plan of 99,000 injections did not
/// finish in a minute. Palsy plans over years of sessions stay far below this.
pub const MAX_PLANNER_INJECTIONS: usize = 2_000;

/// Why a palsy plan cannot be planned for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlannerError {
    #[error("the plan has no [palsy] profile: there is no affected side to balance")]
    NoPalsy,
    #[error("injection: the plan has {injections} injections (repeats expanded); plan-symmetry plans for at most {MAX_PLANNER_INJECTIONS}, since each of its steps simulates the whole plan")]
    TooManyInjections { injections: usize },
    #[error("step units must be above 0")]
    NoStep,
}

/// Grade a plan over `[day, day + horizon)` for the typical patient.
pub fn outcome(plan: &Plan, day: f64, horizon_days: usize) -> Outcome {
    outcome_with(
        plan,
        &Parameters::TYPICAL,
        &CourseParameters::TYPICAL,
        day,
        horizon_days,
    )
}

/// Grade a plan over `[day, day + horizon)` for a patient with these parameters.
pub fn outcome_with(
    plan: &Plan,
    parameters: &Parameters,
    course: &CourseParameters,
    day: f64,
    horizon_days: usize,
) -> Outcome {
    let first = day.max(0.0).ceil() as usize;
    let days = first + horizon_days;
    let simulation = simulate(plan, parameters, days, &SolverOptions::default());
    let strengths = Strengths::new(&simulation);
    let course = FaceCourse::new(plan, days, course, &strengths);
    let palsied = course.affected;
    let mut sums = [0.0; 3];
    let mut min_expressivity = f64::INFINITY;
    let mut eye_closure_kept = [true, true];
    let mut min_lip_seal = f64::INFINITY;
    let mut grades = (1u8, 6u8);
    let mut best: Option<(usize, Assessment)> = None;
    let mut daily = Vec::with_capacity(horizon_days);
    let mut worst_lead = (f64::INFINITY, first, 0);
    let mut grader = Grader::new(&course, &strengths);
    for d in first..days {
        let a = grader.assess(d);
        if let Some(side) = palsied {
            let (healthy, affected) = (side.opposite().index(), side.index());
            for (e, pair) in a.excursions.iter().enumerate() {
                let lead = pair[healthy] - pair[affected];
                if lead < worst_lead.0 {
                    worst_lead = (lead, d, e);
                }
            }
        }
        daily.push(a.sunnybrook.composite);
        sums[0] += a.sunnybrook.composite;
        sums[1] += a.eface.total;
        sums[2] += a.sunnybrook.synkinesis;
        min_expressivity = min_expressivity.min(a.expressivity);
        for (kept, complete) in eye_closure_kept.iter_mut().zip(a.eye_closure_complete) {
            *kept &= complete;
        }
        min_lip_seal = min_lip_seal.min(a.lip_seal);
        grades = (
            grades.0.max(a.house_brackmann),
            grades.1.min(a.house_brackmann),
        );
        if best
            .as_ref()
            .is_none_or(|(_, b)| a.sunnybrook.composite > b.sunnybrook.composite)
        {
            best = Some((d, a.clone()));
        }
    }
    let n = horizon_days.max(1) as f64;
    let (best_day, best) = best.expect("the horizon has at least one day");
    Outcome {
        mean_sunnybrook: sums[0] / n,
        mean_eface: sums[1] / n,
        mean_synkinesis: sums[2] / n,
        min_expressivity,
        eye_closure_kept,
        min_lip_seal,
        house_brackmann_range: grades,
        best_day,
        best,
        daily,
        worst_lead,
    }
}

/// The grading of a plan on one day.
fn assessment_on(plan: &Plan, options: &PlannerOptions, day: usize) -> Assessment {
    let simulation = simulate(
        plan,
        &options.parameters,
        day + 1,
        &SolverOptions::default(),
    );
    let strengths = Strengths::new(&simulation);
    let course = FaceCourse::new(plan, day + 1, &options.course, &strengths);
    assess_day(&course, &strengths, day)
}

/// The patient's plan with `doses` (muscle, side, product units) added on `day`.
pub fn with_doses(
    plan: &Plan,
    doses: &[(MuscleId, Side, f64)],
    day: f64,
    product: &'static Product,
) -> Plan {
    let mut plan = plan.clone();
    let entry = plan.injections.iter().map(|i| i.entry).max().unwrap_or(0);
    for (k, &(muscle, side, units)) in doses.iter().enumerate() {
        if units <= 0.0 {
            continue;
        }
        plan.injections.push(Injection {
            day,
            product: &product.name,
            muscle,
            site: match side {
                Side::Left => Site::Left,
                Side::Right => Site::Right,
            },
            units,
            equivalent_units: product.equivalent_units(units),
            // What the printed plan means without `volume_ml`: the default volume.
            volume_ml: DEFAULT_VOLUME_ML,
            entry: entry + k + 1,
        });
    }
    plan.injections.sort_by(|a, b| a.day.total_cmp(&b.day));
    plan.warnings = crate::warnings::label_warnings(&plan);
    plan
}

/// Whether `after` keeps what the untreated face had: expressivity above the floor (or not
/// lower than untreated when already below), eye closure on each side that closed, and the
/// lip seal.
fn feasible(after: &Outcome, before: &Outcome, min_expressivity: f64) -> Result<(), String> {
    let floor = min_expressivity.min(before.min_expressivity);
    if after.min_expressivity < floor {
        return Err(format!(
            "expressivity would fall to {:.3}, below the floor {floor:.3} (a flattened face)",
            after.min_expressivity
        ));
    }
    for side in Side::BOTH {
        if before.eye_closure_kept[side.index()] && !after.eye_closure_kept[side.index()] {
            return Err(format!(
                "the {} eye would no longer close fully",
                side.name()
            ));
        }
    }
    // The healthy side must not end up moving less than the palsied side in any expression
    // (where untreated it already trails, no further than it does untreated).
    let lead_floor = before.worst_lead.0.min(0.0) - SYMMETRY_GUARD_TOLERANCE_MM;
    if after.worst_lead.0 < lead_floor {
        let (lead, day, e) = after.worst_lead;
        return Err(format!(
            "the healthy side would move {:.2} mm less than the palsied side in {} on day {day}",
            -lead,
            super::data::FaceData::get().expressions[e]
                .name
                .replace('_', " ")
        ));
    }
    let seal = ORAL_COMPETENCE.min(before.min_lip_seal);
    if after.min_lip_seal < seal - 1e-9 {
        return Err(format!(
            "the lip seal would fall to {:.3}, below {seal:.3} (oral incompetence)",
            after.min_lip_seal
        ));
    }
    Ok(())
}

/// A candidate step: which candidate, the units after it, the predicted outcome, and whether
/// it keeps every constraint.
type Step = (usize, Vec<f64>, Outcome, Result<(), String>);

struct Candidate {
    muscle: MuscleId,
    side: Side,
    cap: f64,
}

/// Propose doses for a palsy plan.
pub fn plan_symmetry(plan: &Plan, options: &PlannerOptions) -> Result<Proposal, PlannerError> {
    let palsy = plan.palsy.as_ref().ok_or(PlannerError::NoPalsy)?;
    if plan.injections.len() > MAX_PLANNER_INJECTIONS {
        return Err(PlannerError::TooManyInjections {
            injections: plan.injections.len(),
        });
    }
    if !(options.step_units > 0.0 && options.step_units.is_finite()) {
        return Err(PlannerError::NoStep);
    }
    let anatomy = Anatomy::get();
    let healthy = palsy.affected_side.opposite();
    let potency = options.product.potency;
    // Caps are in the product's units, less what the plan already injects that day.
    let cap = |muscle: MuscleId, side: Side| {
        let limit = options
            .max_units_per_muscle
            .unwrap_or(2.0 * anatomy.muscle(muscle).typical_dose_units[1] / potency);
        let existing_equivalent: f64 = plan
            .injections
            .iter()
            .filter(|i| i.muscle == muscle && i.day == options.day)
            .map(|i| {
                i.equivalent_units
                    * i.site
                        .shares()
                        .iter()
                        .filter(|(s, _)| *s == side)
                        .map(|(_, share)| share)
                        .sum::<f64>()
            })
            .sum();
        (limit - existing_equivalent / potency).max(0.0)
    };
    let mut candidates: Vec<Candidate> = HEALTHY_SIDE_MUSCLES
        .iter()
        .map(|name| {
            anatomy
                .index_of(name)
                .expect("planner muscles are in the anatomy")
        })
        .map(|muscle| Candidate {
            muscle,
            side: healthy,
            cap: cap(muscle, healthy),
        })
        .collect();
    let healthy_count = candidates.len();
    if options.treat_synkinesis {
        candidates.extend(SYNKINESIS_MUSCLES.iter().map(|name| {
            let muscle = anatomy
                .index_of(name)
                .expect("planner muscles are in the anatomy");
            Candidate {
                muscle,
                side: palsy.affected_side,
                cap: cap(muscle, palsy.affected_side),
            }
        }));
    }

    let planned = |units: &[f64]| -> Plan {
        let doses: Vec<(MuscleId, Side, f64)> = candidates
            .iter()
            .zip(units)
            .map(|(c, &u)| (c.muscle, c.side, u))
            .collect();
        with_doses(plan, &doses, options.day, options.product)
    };
    let evaluate = |units: &[f64]| -> Outcome {
        outcome_with(
            &planned(units),
            &options.parameters,
            &options.course,
            options.day,
            options.horizon_days,
        )
    };
    let label_warnings = plan.warnings.len();
    let new_label_warning = |units: &[f64]| planned(units).warnings.len() > label_warnings;
    let threshold =
        MINIMUM_GAIN_PER_UNIT * options.step_units * potency * MINIMUM_GAIN_HORIZON_DAYS
            / options.horizon_days as f64;

    let before = outcome_with(
        plan,
        &options.parameters,
        &options.course,
        options.day,
        options.horizon_days,
    );
    let given_has_injections = !plan.injections.is_empty();
    // The floors are the untreated face's, not those of a plan that may already flatten it.
    let untreated = if given_has_injections {
        let mut bare = plan.clone();
        bare.injections.clear();
        outcome_with(
            &bare,
            &options.parameters,
            &options.course,
            options.day,
            options.horizon_days,
        )
    } else {
        before.clone()
    };
    let mut units = vec![0.0; candidates.len()];
    let mut current = before.clone();
    let mut evaluations = 1;
    let mut stopped: String;
    let mut taken_back = 0;
    // Muscles whose steps were taken back get no more: the search then ends, since each
    // round either adds nothing or bans a candidate.
    let mut banned = vec![false; candidates.len()];
    loop {
        stopped = String::from(
            "no further step raises the mean Sunnybrook composite (synkinesis relief counted again)",
        );
        loop {
            let total: f64 = units.iter().sum();
            if total + options.step_units > options.max_units + 1e-9 {
                stopped = format!("the total limit of {} U is reached", options.max_units);
                break;
            }
            let trials: Vec<(usize, Vec<f64>)> = (0..candidates.len())
                .filter(|&k| {
                    !banned[k] && units[k] + options.step_units <= candidates[k].cap + 1e-9
                })
                .map(|k| {
                    let mut trial = units.clone();
                    trial[k] += options.step_units;
                    (k, trial)
                })
                .filter(|(_, trial)| !new_label_warning(trial))
                .collect();
            if trials.is_empty() {
                stopped = if units.iter().all(|&u| u == 0.0)
                    && candidates.iter().all(|c| c.cap < options.step_units)
                {
                    "the per-muscle cap is smaller than one step".into()
                } else {
                    "every candidate muscle is at its per-muscle limit".into()
                };
                break;
            }
            let results: Vec<Step> = trials
                .into_par_iter()
                .map(|(k, trial)| {
                    let result = evaluate(&trial);
                    let ok = feasible(&result, &untreated, options.min_expressivity);
                    (k, trial, result, ok)
                })
                .collect();
            evaluations += results.len();
            let best = results
                .iter()
                .filter(|r| r.3.is_ok())
                .fold(None::<&Step>, |best, r| match best {
                    Some(b) if b.2.objective() >= r.2.objective() => Some(b),
                    _ => Some(r),
                });
            match best {
                Some(b) if b.2.objective() > current.objective() + 1e-9 => {
                    units = b.1.clone();
                    current = b.2.clone();
                }
                Some(_) => break,
                None => {
                    let reasons: Vec<&str> = results
                        .iter()
                        .filter_map(|r| r.3.as_ref().err().map(String::as_str))
                        .collect();
                    stopped = format!(
                        "every further step breaks a constraint ({})",
                        reasons.first().copied().unwrap_or("none")
                    );
                    break;
                }
            }
        }

        // Greedy steps look one step ahead, so a muscle that pays only after several steps
        // is still reached; then steps that buy too little are taken back, least valuable
        // first.
        let mut removed = Vec::new();
        loop {
            let removals: Vec<(usize, Vec<f64>)> = (0..candidates.len())
                .filter(|&k| units[k] > 0.0)
                .map(|k| {
                    let mut trial = units.clone();
                    trial[k] = (trial[k] - options.step_units).max(0.0);
                    (k, trial)
                })
                .collect();
            let results: Vec<(usize, Vec<f64>, Outcome)> = removals
                .into_par_iter()
                .map(|(k, trial)| {
                    let result = evaluate(&trial);
                    (k, trial, result)
                })
                .collect();
            evaluations += results.len();
            let weakest =
                results.iter().fold(
                    None::<&(usize, Vec<f64>, Outcome)>,
                    |worst, r| match worst {
                        Some(w) if w.2.objective() >= r.2.objective() => Some(w),
                        _ => Some(r),
                    },
                );
            match weakest {
                Some((k, trial, result))
                    if current.objective() - result.objective() < threshold =>
                {
                    units = trial.clone();
                    current = result.clone();
                    removed.push(*k);
                }
                _ => break,
            }
        }
        if removed.is_empty() {
            break;
        }
        taken_back += removed.len();
        for k in removed {
            banned[k] = true;
        }
    }

    if taken_back > 0 {
        stopped = format!(
            "{stopped}; then {taken_back} step(s) buying less than {threshold:.3} mean Sunnybrook points each were taken back"
        );
    }
    if options.treat_synkinesis && units[healthy_count..].iter().all(|&u| u == 0.0) {
        stopped = format!(
            "{stopped}; affected-side doses for synkinesis were tried but none paid: they weaken voluntary movement more than they calm synkinesis, even with synkinesis relief counted again"
        );
    }
    let total: f64 = units.iter().sum();
    let naive = (total > 0.0).then(|| {
        let mut split = vec![0.0; candidates.len()];
        for share in split.iter_mut().take(healthy_count) {
            *share = total / healthy_count as f64;
        }
        evaluations += 1;
        evaluate(&split)
    });

    let mut doses = Vec::new();
    for (k, candidate) in candidates.iter().enumerate() {
        if units[k] <= 0.0 {
            continue;
        }
        let mut without = units.clone();
        without[k] = 0.0;
        let rest = evaluate(&without);
        // The day this dose changes the face most, and the item it changes there.
        let offset = current
            .daily
            .iter()
            .zip(&rest.daily)
            .map(|(a, b)| (a - b).abs())
            .enumerate()
            .fold(
                (0, -1.0),
                |best, (i, d)| if d > best.1 { (i, d) } else { best },
            )
            .0;
        let day = options.day.max(0.0).ceil() as usize + offset;
        let with_dose = assessment_on(&planned(&units), options, day);
        let without_dose = assessment_on(&planned(&without), options, day);
        evaluations += 3;
        let mut why = reason(
            candidate.side == healthy,
            (
                current.mean_sunnybrook - rest.mean_sunnybrook,
                rest.mean_synkinesis - current.mean_synkinesis,
            ),
            &with_dose,
            &without_dose,
            day,
        );
        let usual = anatomy.muscle(candidate.muscle).typical_dose_units;
        let equivalent = units[k] * potency;
        if equivalent > usual[1] + 1e-9 {
            why.push_str(&format!(
                "; above the usual {}-{} U (onabotulinumtoxinA) because the last step to {equivalent} U still bought at least {threshold:.3} mean Sunnybrook points (steps buying less are taken back) within every limit (expressivity, eye closure, lip seal, the healthy side moving at least as much as the palsied side)",
                usual[0], usual[1]
            ));
        }
        doses.push(ProposedDose {
            muscle: candidate.muscle,
            side: candidate.side,
            units: units[k],
            contribution: current.mean_sunnybrook - rest.mean_sunnybrook,
            reason: why,
        });
    }
    if given_has_injections && feasible(&before, &untreated, options.min_expressivity).is_err() {
        stopped = format!(
            "{stopped}; note: the plan as given already breaks a constraint ({})",
            feasible(&before, &untreated, options.min_expressivity)
                .err()
                .unwrap_or_default()
        );
    }
    Ok(Proposal {
        doses,
        before,
        given_has_injections,
        after: current,
        naive,
        stopped,
        evaluations,
    })
}

/// Which Sunnybrook item the dose improves most (on the day it changes the face most), in
/// words.
fn reason(
    healthy_side: bool,
    (gain, synkinesis_relief): (f64, f64),
    with: &Assessment,
    without: &Assessment,
    day: usize,
) -> String {
    let (a, b) = (&with.sunnybrook, &without.sunnybrook);
    let mut changes: Vec<(f64, String)> = Vec::new();
    for (i, name) in SUNNYBROOK_EXPRESSIONS.iter().enumerate() {
        changes.push((
            4.0 * (a.voluntary_items[i] - b.voluntary_items[i]),
            format!(
                "{} symmetry {:.1} -> {:.1} of 5",
                name.replace('_', " "),
                b.voluntary_items[i],
                a.voluntary_items[i]
            ),
        ));
        changes.push((
            b.synkinesis_items[i] - a.synkinesis_items[i],
            format!(
                "synkinesis in {} {:.1} -> {:.1} of 3",
                name.replace('_', " "),
                b.synkinesis_items[i],
                a.synkinesis_items[i]
            ),
        ));
    }
    for (i, name) in ["eye", "cheek (nasolabial fold)", "mouth"]
        .iter()
        .enumerate()
    {
        changes.push((
            5.0 * (b.resting_items[i] - a.resting_items[i]),
            format!(
                "resting {name} asymmetry {:.1} -> {:.1}",
                b.resting_items[i], a.resting_items[i]
            ),
        ));
    }
    changes.sort_by(|x, y| y.0.total_cmp(&x.0));
    let main = changes
        .first()
        .filter(|c| c.0 > 0.01)
        .map(|c| c.1.clone())
        .unwrap_or_else(|| "keeps the balance of the other doses".into());
    let role = if healthy_side {
        "relaxes the healthy side"
    } else {
        "calms synkinesis on the affected side"
    };
    // The expression whose left-right difference the dose changes most, in millimetres.
    let data = super::data::FaceData::get();
    let asymmetry = with
        .excursions
        .iter()
        .zip(&without.excursions)
        .enumerate()
        .map(|(e, (a, b))| (e, (b[0] - b[1]).abs(), (a[0] - a[1]).abs()))
        .max_by(|x, y| (x.1 - x.2).abs().total_cmp(&(y.1 - y.2).abs()))
        .map(|(e, b, a)| {
            format!(
                ", {} asymmetry {b:.1} -> {a:.1} mm",
                data.expressions[e].name.replace('_', " ")
            )
        })
        .unwrap_or_default();
    let relief = if synkinesis_relief.abs() >= 0.05 {
        format!(
            ", synkinesis subscore {:+.1} points (mean)",
            -synkinesis_relief
        )
    } else {
        String::new()
    };
    format!(
        "{role}: {gain:+.1} Sunnybrook composite (mean over the horizon){relief}{asymmetry} at day {day}; {main}"
    )
}
