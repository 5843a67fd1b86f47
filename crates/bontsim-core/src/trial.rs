//! Virtual trials: simulate many virtual patients per arm and aggregate, streaming, into
//! counts that merge exactly. Nothing per patient is kept: memory grows with days and arms,
//! not with patients. Aggregates are integers (probabilities in fixed point), so their sum
//! is the same in any order: any thread count and any sharding give identical results.

use crate::anatomy::{Anatomy, MuscleId, Side};
use crate::metrics::{self, treated_areas, CompartmentPeaks, Peaks};
use crate::model::{self, Parameters};
use crate::plan::{Plan, AREAS};
use crate::population::{virtual_patient, Variability, VirtualPatient};
use crate::report::{round, DISCLAIMER};
use crate::simulation::PreparedCompartments;
use crate::solve::{
    integrate_many_into, DailyRecorder, Problem, Relaxing, SolverOptions, StepDays,
};
use serde::{Deserialize, Serialize};

pub use crate::metrics::Responder;

/// Fixed-point scale of summed probabilities (adverse events): 1e-12 resolution.
const PROBABILITY_SCALE: f64 = 1e12;
/// Bins of the volume histograms: 0.00 to 1.20 by 0.01.
pub const VOLUME_BINS: usize = 121;

/// What is aggregated for one treated area of one arm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AreaAggregate {
    pub area: String,
    /// Responders per day.
    pub responders: Vec<u64>,
    /// Duration of the first response (days), histogram over 0..=days.
    pub durations: Vec<u64>,
    /// First responding day, histogram over 0..days; the last bin counts never.
    pub onsets: Vec<u64>,
    /// Day of the area's second treatment session, which ends its first cycle (`None`: one
    /// session within the horizon, the first cycle runs to the horizon). A repeated plan's
    /// first response can last the whole course; the first cycle's is one dose's.
    #[serde(default)]
    pub first_cycle_end_day: Option<usize>,
    /// Duration of the first response within the first cycle (days, from the first
    /// responding day until the response is lost or the second session is given),
    /// histogram over 0..=days. Empty in partial results of earlier versions.
    #[serde(default)]
    pub first_cycle_durations: Vec<u64>,
    /// Patients still responding when the second session is given (their first-cycle
    /// duration is cut short by it).
    #[serde(default)]
    pub first_cycle_still_responding: u64,
}

/// Volume of one injected muscle-side at chosen days, as histograms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AtrophyAggregate {
    pub muscle: String,
    pub side: String,
    pub day: usize,
    pub volume_histogram: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArmAggregate {
    pub plan: String,
    /// SHA-256 of the plan file's bytes (lowercase hex, as `sha256sum` prints it), so shards
    /// of one arm are known to have simulated the same plan ([`crate::partial::plan_sha256`]).
    /// Empty in partial results of bontsim before it was kept.
    #[serde(default)]
    pub plan_sha256: String,
    pub patients: u64,
    pub areas: Vec<AreaAggregate>,
    pub atrophy: Vec<AtrophyAggregate>,
    /// Sum over patients of each risk's probability, fixed point (1e-12).
    pub adverse_events: Vec<(String, u128)>,
}

/// The settings every shard of a trial must share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialSettings {
    pub seed: u64,
    pub patients: u64,
    pub days: usize,
    pub responder: Responder,
    pub atrophy_days: Vec<usize>,
}

/// A (partial) trial: settings, the patient range covered, and per-arm aggregates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialAggregate {
    /// The model that produced the counts ([`crate::MODEL_VERSION`]); empty in partial results
    /// of bontsim before it was kept.
    #[serde(default)]
    pub model_version: String,
    /// The shard `(i, n)` a partial result holds; `None` for a whole trial (and in partial
    /// results of bontsim before it was kept).
    #[serde(default)]
    pub shard: Option<(u64, u64)>,
    pub settings: TrialSettings,
    /// Patient index ranges `[start, end)` covered, sorted.
    pub covered: Vec<(u64, u64)>,
    pub arms: Vec<ArmAggregate>,
}

/// The empty aggregate of an arm: treated areas and injected muscle-sides of its plan.
fn empty_arm(name: &str, plan: &Plan, settings: &TrialSettings) -> ArmAggregate {
    let anatomy = crate::anatomy::Anatomy::get();
    let areas = treated_areas(plan)
        .into_iter()
        .map(|area| AreaAggregate {
            area: area.to_string(),
            responders: vec![0; settings.days],
            durations: vec![0; settings.days + 1],
            onsets: vec![0; settings.days + 1],
            first_cycle_end_day: first_cycle_end_day(plan, area, settings.days),
            first_cycle_durations: vec![0; settings.days + 1],
            first_cycle_still_responding: 0,
        })
        .collect();
    let mut sides: Vec<(MuscleId, Side)> = Vec::new();
    for injection in &plan.injections {
        for (side, _) in injection.site.shares() {
            if !sides.contains(&(injection.muscle, *side)) {
                sides.push((injection.muscle, *side));
            }
        }
    }
    sides.sort();
    let atrophy = sides
        .iter()
        .flat_map(|&(muscle, side)| {
            settings
                .atrophy_days
                .iter()
                .filter(|&&day| day < settings.days)
                .map(move |&day| AtrophyAggregate {
                    muscle: anatomy.muscle(muscle).name.clone(),
                    side: side.name().to_string(),
                    day,
                    volume_histogram: vec![0; VOLUME_BINS],
                })
        })
        .collect();
    ArmAggregate {
        plan: name.to_string(),
        plan_sha256: String::new(),
        patients: 0,
        areas,
        atrophy,
        adverse_events: Vec::new(),
    }
}

/// The day the second treatment session of `area` is given, when within `days`: the end of
/// the area's first cycle. Sessions are the distinct days of injections into the area's
/// muscles; a fractional day ends the cycle on the next whole day (days are whole).
fn first_cycle_end_day(plan: &Plan, area: &str, days: usize) -> Option<usize> {
    let anatomy = crate::anatomy::Anatomy::get();
    let mut sessions = plan
        .injections
        .iter()
        .filter(|i| anatomy.muscle(i.muscle).wrinkle_area.as_deref() == Some(area))
        .map(|i| i.day);
    let first = sessions.next()?;
    sessions
        .find(|&day| day > first)
        .map(|day| day.ceil() as usize)
        .filter(|&day| day < days)
}

/// The first response within `severity[..end]` as `(duration, still responding at end)`:
/// from the first responding day until the first day it is lost, or `end`.
fn first_response<T: Copy>(
    severity: &[T],
    end: usize,
    responds: impl Fn(T) -> bool,
) -> Option<(usize, bool)> {
    let window = &severity[..end.min(severity.len())];
    let onset = window.iter().position(|&s| responds(s))?;
    Some(match window[onset..].iter().position(|&s| !responds(s)) {
        Some(length) => (length, false),
        None => (window.len() - onset, true),
    })
}

/// Simulate patients `range` of one arm, drawn around the typical patient, and aggregate them.
pub fn run_arm(
    name: &str,
    plan: &Plan,
    settings: &TrialSettings,
    variability: &Variability,
    range: std::ops::Range<u64>,
) -> ArmAggregate {
    run_arm_with(
        name,
        plan,
        &Parameters::TYPICAL,
        settings,
        variability,
        range,
    )
}

/// Patients whose compartments are integrated together: they share the vector lanes, so a
/// lane that one patient's short integration frees takes another patient's compartment
/// instead of idling until the patient's longest one is done.
const PATIENTS_TOGETHER: usize = 16;

/// What a trial reads of one compartment, decided by the arm's aggregates: a compartment
/// that none of them reads is not integrated at all.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Reads {
    /// Blockade and contractile mass of every day: a muscle of a treated area.
    daily: bool,
    /// Peak blockade: a brow muscle (brow ptosis).
    peak_blockade: bool,
    /// Peak internalised load: a smile muscle (smile asymmetry).
    peak_load: bool,
    /// Volume on the atrophy days: an injected muscle-side.
    volumes: bool,
}

impl Reads {
    fn any(self) -> bool {
        self.daily || self.peak_blockade || self.peak_load || self.volumes
    }

    fn union(self, other: Reads) -> Reads {
        Reads {
            daily: self.daily || other.daily,
            peak_blockade: self.peak_blockade || other.peak_blockade,
            peak_load: self.peak_load || other.peak_load,
            volumes: self.volumes || other.volumes,
        }
    }
}

/// What a trial keeps of one compartment as the solver makes its days, instead of storing
/// six values a day: what its [`Reads`] ask for. The values are those of the stored states,
/// bit for bit; a peak skips the steps whose bound cannot raise it.
struct TrialRecorder<'a> {
    reads: Reads,
    peak_blockade: f64,
    peak_load: f64,
    /// `(B, M)` of every day, when read.
    daily: Vec<(f64, f64)>,
    /// The atrophy days, sorted, and the next one not yet reached.
    atrophy_days: &'a [usize],
    next_atrophy: usize,
    /// Volume on each atrophy day.
    volumes: Vec<f64>,
}

impl<'a> TrialRecorder<'a> {
    fn new(reads: Reads, atrophy_days: &'a [usize], days: usize) -> Self {
        TrialRecorder {
            reads,
            peak_blockade: 0.0,
            peak_load: 0.0,
            daily: if reads.daily {
                Vec::with_capacity(days)
            } else {
                Vec::new()
            },
            atrophy_days,
            next_atrophy: 0,
            volumes: vec![1.0; atrophy_days.len()],
        }
    }
}

/// Whether a step bounded by `bound` may raise the running maximum `peak` (a NaN bound
/// may: it is never skipped).
fn may_exceed(bound: f64, peak: f64) -> bool {
    bound > peak || bound.is_nan()
}

/// How far below the recorded peak blockade the blockade of a relaxing compartment must be
/// before its integration ends: a later day could exceed the blockade at that step's end
/// only by the solver's error (absolute and relative tolerance 1e-6; the integrated `B` of a
/// relaxing compartment wanders by about 1e-6 near zero), so this margin, ten times that and
/// a thousandth of the peak, keeps the recorded peak exact while ending the integration
/// days after the peak instead of at the horizon.
fn peak_margin(peak: f64) -> f64 {
    1e-5 + 1e-3 * peak
}

impl DailyRecorder for TrialRecorder<'_> {
    /// Only a compartment read for nothing but its peaks may end early.
    #[inline(always)]
    fn may_end_early(&self) -> bool {
        !self.reads.daily && !self.reads.volumes
    }

    /// A compartment read only for its peaks is done once it relaxes below both of them:
    /// its remaining days could not raise them.
    #[inline(always)]
    fn complete_once_relaxing(&self, end: &Relaxing) -> bool {
        let reads = self.reads;
        (!reads.peak_blockade
            || end.blockade + peak_margin(self.peak_blockade) <= self.peak_blockade)
            && (!reads.peak_load || end.load * (1.0 + 1e-9) <= self.peak_load)
    }

    #[inline(always)]
    fn record(&mut self, days: &StepDays) {
        use model::dynamic;
        let count = days.len();
        if self.reads.daily {
            // Written into reserved room: this loop runs for every day of every read
            // compartment. The running peak (a dependency from day to day) only over the
            // steps whose bound may raise it.
            let start = self.daily.len();
            self.daily.reserve(count);
            let room = &mut self.daily.spare_capacity_mut()[..count];
            for (i, slot) in room.iter_mut().enumerate() {
                slot.write((days.dynamic(dynamic::B, i), days.dynamic(dynamic::M, i)));
            }
            // SAFETY: the loop above initialised the `count` slots after the current length.
            unsafe { self.daily.set_len(start + count) };
            if may_exceed(days.upper_bound(dynamic::B), self.peak_blockade) {
                self.peak_blockade = self.daily[start..]
                    .iter()
                    .fold(self.peak_blockade, |peak, &(blockade, _)| {
                        peak.max(blockade)
                    });
            }
        } else if self.reads.peak_blockade
            && may_exceed(days.upper_bound(dynamic::B), self.peak_blockade)
        {
            for i in 0..count {
                self.peak_blockade = self.peak_blockade.max(days.dynamic(dynamic::B, i));
            }
        }
        if self.reads.peak_load {
            for load in days.loads() {
                self.peak_load = self.peak_load.max(load);
            }
        }
        if self.reads.volumes {
            while let Some(&day) = self.atrophy_days.get(self.next_atrophy) {
                if day >= days.first_day + count {
                    break;
                }
                let i = day - days.first_day;
                self.volumes[self.next_atrophy] =
                    days.dynamic(dynamic::M, i) + days.dynamic(dynamic::F, i);
                self.next_atrophy += 1;
            }
        }
    }
}

/// Integrates the distinct compartments of `prepared` (flattened in `problems`, read as
/// `reads` says) into their recorders, leaving out those read only for a brow peak that
/// cannot change the brow-ptosis risk. A compartment reached by spread (the frontalis or the
/// orbicularis oculi of a glabella plan) is read only for that risk, which is exactly zero
/// while the frontalis's peak blockade stays under the depressors' mean
/// ([`metrics::brow_depression`]). The other compartments go first; then, for each patient
/// and side, the frontalis's peak is bounded without integrating it (its coverage bound, over
/// the solver's error), the depressors' mean from below (the peaks left out taken as zero),
/// and only where the bound exceeds the mean are the brow compartments left out integrated.
/// Those left out record no peak (zero): the risk, zero either way, keeps its bits, and so do
/// the trial's outputs.
fn integrate_for_trial<'a>(
    prepared: &[PreparedCompartments],
    problems: &[Problem],
    reads: &[Reads],
    atrophy_days: &'a [usize],
    days: usize,
    options: &SolverOptions,
) -> Vec<TrialRecorder<'a>> {
    let brow_peak_only = Reads {
        peak_blockade: true,
        ..Reads::default()
    };
    let deferred: Vec<bool> = reads.iter().map(|&r| r == brow_peak_only).collect();
    let recorder = |k: usize| TrialRecorder::new(reads[k], atrophy_days, days);
    let mut recorders: Vec<Option<TrialRecorder>> = (0..problems.len()).map(|_| None).collect();
    let integrate = |selected: &[usize], recorders: &mut Vec<Option<TrialRecorder<'a>>>| {
        let chosen: Vec<Problem> = selected.iter().map(|&k| problems[k]).collect();
        let recorded = integrate_many_into(&chosen, days, options, |i| recorder(selected[i]));
        for (&k, recorded) in selected.iter().zip(recorded) {
            recorders[k] = Some(recorded);
        }
    };
    let first: Vec<usize> = (0..problems.len()).filter(|&k| !deferred[k]).collect();
    integrate(&first, &mut recorders);
    if first.len() < problems.len() {
        let second = needed_brow_compartments(prepared, problems, &deferred, &recorders);
        integrate(&second, &mut recorders);
    }
    // Those left out record nothing: no peak.
    recorders
        .into_iter()
        .enumerate()
        .map(|(k, recorded)| recorded.unwrap_or_else(|| recorder(k)))
        .collect()
}

/// Of the compartments `deferred` (read only for a brow peak), those whose peak may change a
/// patient's brow-ptosis risk, given what the others `recorded` ([`integrate_for_trial`]).
fn needed_brow_compartments(
    prepared: &[PreparedCompartments],
    problems: &[Problem],
    deferred: &[bool],
    recorded: &[Option<TrialRecorder>],
) -> Vec<usize> {
    let anatomy = Anatomy::get();
    let muscle = |name: &str| anatomy.index_of(name).expect("brow muscle in anatomy");
    let frontalis = muscle(metrics::BROW_ELEVATOR);
    let depressors = metrics::BROW_DEPRESSORS.map(muscle);
    let mut needed = vec![false; problems.len()];
    let mut offset = 0;
    for patient in prepared {
        // The distinct integration of a compartment of this patient, when it is simulated.
        let distinct = |muscle: MuscleId, side: Side| {
            let item = patient.item_of(Anatomy::compartment(muscle, side))?;
            Some(offset + patient.twin_of[item])
        };
        for side in Side::BOTH {
            let known_peak = |k: Option<usize>| {
                k.and_then(|k| recorded[k].as_ref())
                    .map_or(0.0, |recorded| recorded.peak_blockade)
            };
            let lifting = distinct(frontalis, side);
            let depressing = depressors.map(|m| distinct(m, side));
            let depression_at_least = metrics::brow_depression(depressing.map(known_peak));
            let lift_at_most = match lifting {
                Some(k) if deferred[k] => {
                    let problem = &problems[k];
                    let bound = model::pharmacodynamics::coverage_bound(
                        problem.parameters,
                        problem.constants,
                        problem.doses.iter().map(|dose| dose.concentration),
                    );
                    bound + SOLVER_BLOCKADE_MARGIN
                }
                k => known_peak(k),
            };
            if lift_at_most > depression_at_least || lift_at_most.is_nan() {
                for k in std::iter::once(lifting).chain(depressing).flatten() {
                    needed[k] |= deferred[k];
                }
            }
        }
        offset += patient.distinct.len();
    }
    (0..problems.len()).filter(|&k| needed[k]).collect()
}

/// How far the integrated blockade may stand above the level it relaxes toward: the solver
/// holds `B` to 1e-6 a step, and its largest error against tight references is 2e-5 to 1.1e-4
/// (`docs/performance.md`, "Accuracy at that speed" and "Python peers"); ten times that keeps a
/// bound of `B` from its coverage a bound of the integrated `B` too.
const SOLVER_BLOCKADE_MARGIN: f64 = 1e-3;

/// One simulated patient as the trial reads it: the prepared compartments and what their
/// distinct integrations recorded.
struct RecordedPatient<'p> {
    prepared: &'p PreparedCompartments,
    recorded: &'p [TrialRecorder<'p>],
}

impl RecordedPatient<'_> {
    /// The item and the recording of compartment `compartment`, when it was simulated.
    fn find(&self, compartment: usize) -> Option<(usize, &TrialRecorder<'_>)> {
        let item = self.prepared.item_of(compartment)?;
        Some((item, &self.recorded[self.prepared.twin_of[item]]))
    }
}

impl Peaks for RecordedPatient<'_> {
    fn peaks(&self, muscle: MuscleId, side: Side) -> Option<CompartmentPeaks> {
        let (item, recorded) = self.find(Anatomy::compartment(muscle, side))?;
        Some(CompartmentPeaks {
            blockade: recorded.peak_blockade,
            load: recorded.peak_load,
            sensitivity: self.prepared.items[item].constants.sensitivity,
        })
    }
}

/// [`metrics::area_strength`] from the recorded blockade and mass: the same sums in the
/// same order, so the same bits.
fn recorded_area_strength(patient: &RecordedPatient, area: &str, days: usize) -> Vec<f64> {
    metrics::area_strength_from(days, area, |muscle, side| {
        patient
            .find(Anatomy::compartment(muscle, side))
            .map(|(_, recorded)| recorded.daily.iter().copied())
    })
}

/// [`run_arm`] with the population drawn around `parameters` instead of the typical patient.
pub fn run_arm_with(
    name: &str,
    plan: &Plan,
    parameters: &Parameters,
    settings: &TrialSettings,
    variability: &Variability,
    range: std::ops::Range<u64>,
) -> ArmAggregate {
    let anatomy = Anatomy::get();
    let mut arm = empty_arm(name, plan, settings);
    let options = SolverOptions::default();
    let days = settings.days;
    // What the arm's aggregates read of each compartment.
    let mut reads = vec![Reads::default(); anatomy.compartment_count()];
    let name_reads = |name: &str| anatomy.index_of(name).expect("muscle in anatomy");
    for (muscle_id, muscle) in anatomy.ids().zip(&anatomy.muscles) {
        let daily = arm
            .areas
            .iter()
            .any(|area| muscle.wrinkle_area.as_deref() == Some(area.area.as_str()));
        for side in Side::BOTH {
            reads[Anatomy::compartment(muscle_id, side)].daily = daily;
        }
    }
    for name in std::iter::once(metrics::BROW_ELEVATOR).chain(metrics::BROW_DEPRESSORS) {
        for side in Side::BOTH {
            reads[Anatomy::compartment(name_reads(name), side)].peak_blockade = true;
        }
    }
    for name in metrics::SMILE_MUSCLES {
        for side in Side::BOTH {
            reads[Anatomy::compartment(name_reads(name), side)].peak_load = true;
        }
    }
    // The atrophy days, sorted; and each atrophy histogram's compartment and day.
    let mut atrophy_days: Vec<usize> = arm.atrophy.iter().map(|a| a.day).collect();
    atrophy_days.sort_unstable();
    atrophy_days.dedup();
    let atrophy_reads: Vec<(usize, usize)> = arm
        .atrophy
        .iter()
        .map(|atrophy| {
            let muscle = anatomy.index_of(&atrophy.muscle).unwrap_or(MuscleId::FIRST);
            let side = if atrophy.side == "left" {
                Side::Left
            } else {
                Side::Right
            };
            let slot = atrophy_days.binary_search(&atrophy.day).unwrap_or(0);
            (Anatomy::compartment(muscle, side), slot)
        })
        .collect();
    for &(compartment, _) in &atrophy_reads {
        reads[compartment].volumes = true;
    }
    let read: Vec<usize> = (0..reads.len()).filter(|&c| reads[c].any()).collect();
    if arm.adverse_events.is_empty() {
        arm.adverse_events = metrics::RISK_NAMES
            .iter()
            .map(|name| (name.to_string(), 0))
            .collect();
    }
    let indices: Vec<u64> = range.collect();
    for together in indices.chunks(PATIENTS_TOGETHER) {
        let patients: Vec<_> = together
            .iter()
            .map(|&index| virtual_patient(plan, parameters, variability, settings.seed, index))
            .collect();
        let prepared: Vec<PreparedCompartments> = patients
            .iter()
            .map(|patient| {
                PreparedCompartments::new(&patient.plan, &patient.parameters, Some(&read))
            })
            .collect();
        let problems: Vec<Problem> = prepared.iter().flat_map(|p| p.problems()).collect();
        // What each distinct integration must keep: what its twins are read for.
        let problem_reads: Vec<Reads> = prepared
            .iter()
            .flat_map(|p| {
                let mut distinct = vec![Reads::default(); p.distinct.len()];
                for (item, &twin) in p.items.iter().zip(&p.twin_of) {
                    distinct[twin] = distinct[twin].union(reads[item.compartment]);
                }
                distinct
            })
            .collect();
        let recorded = integrate_for_trial(
            &prepared,
            &problems,
            &problem_reads,
            &atrophy_days,
            days,
            &options,
        );
        let mut offset = 0;
        for (patient, prepared) in patients.iter().zip(&prepared) {
            let view = RecordedPatient {
                prepared,
                recorded: &recorded[offset..offset + prepared.distinct.len()],
            };
            offset += prepared.distinct.len();
            aggregate_patient(&mut arm, settings, patient, &view, &atrophy_reads);
        }
    }
    arm
}

/// Add one simulated patient to the arm's counts.
fn aggregate_patient(
    arm: &mut ArmAggregate,
    settings: &TrialSettings,
    patient: &VirtualPatient,
    view: &RecordedPatient,
    atrophy_reads: &[(usize, usize)],
) {
    for area in &mut arm.areas {
        let Some(area_index) = AREAS.iter().position(|a| *a == area.area) else {
            continue;
        };
        let strength = recorded_area_strength(view, &area.area, settings.days);
        let responding: Vec<bool> = if settings.responder.at_rest() {
            let baseline_rest = patient.plan.patient.rest_severity[area_index].unwrap_or(
                patient.plan.patient.baseline_severity[area_index]
                    * crate::rest_lines::DEFAULT_REST_FRACTION,
            );
            let threshold = settings.responder.threshold(baseline_rest);
            crate::rest_lines::rest_severity(baseline_rest, &strength)
                .iter()
                .map(|&severity| severity < threshold)
                .collect()
        } else {
            let baseline = patient.plan.patient.baseline_severity[area_index];
            let cut = metrics::SeverityCut::new(
                baseline,
                patient.parameters.severity_exponent,
                settings.responder.threshold(baseline),
            );
            strength.iter().map(|&s| cut.below(s)).collect()
        };
        let mut onset = None;
        let mut end = None;
        for (day, &responds) in responding.iter().enumerate() {
            if responds {
                area.responders[day] += 1;
                onset.get_or_insert(day);
            } else if onset.is_some() && end.is_none() {
                end = Some(day);
            }
        }
        // Durations are those of responders: a patient who never responds has none
        // (counted in `never_responded` through the onset histogram).
        match (onset, end) {
            (Some(start), Some(stop)) => area.durations[stop - start] += 1,
            (Some(start), None) => area.durations[settings.days - start] += 1,
            _ => {}
        }
        area.onsets[onset.unwrap_or(settings.days)] += 1;
        let end = area.first_cycle_end_day.unwrap_or(settings.days);
        if let Some((duration, still_responding)) = first_response(&responding, end, |r| r) {
            area.first_cycle_durations[duration] += 1;
            if still_responding && area.first_cycle_end_day.is_some() {
                area.first_cycle_still_responding += 1;
            }
        }
    }
    for (atrophy, &(compartment, slot)) in arm.atrophy.iter_mut().zip(atrophy_reads) {
        let volume = view
            .find(compartment)
            .map_or(1.0, |(_, recorded)| recorded.volumes[slot]);
        let bin = ((volume * 100.0).round().max(0.0) as usize).min(VOLUME_BINS - 1);
        atrophy.volume_histogram[bin] += 1;
    }
    let risks = metrics::risk_probabilities(&patient.plan, view, &patient.parameters);
    for (total, probability) in arm.adverse_events.iter_mut().zip(risks) {
        total.1 += (probability * PROBABILITY_SCALE).round() as u128;
    }
    arm.patients += 1;
}

/// Why two aggregates of an arm cannot be added; `field` is relative to the arm.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CountsError {
    #[error("arms differ: \"{first}\" and \"{second}\"")]
    DifferentArms { first: String, second: String },
    #[error("area {area}: first_cycle_end_day or the length of first_cycle_durations differs between the arms \"{plan}\"")]
    DifferentFirstCycle { area: String, plan: String },
    #[error("{field}: {found} counts where {expected} are expected")]
    Length {
        field: String,
        found: usize,
        expected: usize,
    },
    #[error("{field}: the sum overflows")]
    Overflow { field: String },
}

/// Add `from` to `into`, element by element, refusing other lengths and overflow: the error
/// names what failed, relative to `field`.
fn add_counts<T: Copy + CheckedAdd>(
    into: &mut [T],
    from: &[T],
    field: &str,
) -> Result<(), CountsError> {
    if into.len() != from.len() {
        return Err(CountsError::Length {
            field: field.to_string(),
            found: from.len(),
            expected: into.len(),
        });
    }
    for (index, (a, b)) in into.iter_mut().zip(from).enumerate() {
        *a = a.checked(*b).ok_or_else(|| CountsError::Overflow {
            field: format!("{field}[{index}]"),
        })?;
    }
    Ok(())
}

/// Overflow-checked addition of the two count types of an aggregate.
trait CheckedAdd: Sized {
    fn checked(self, other: Self) -> Option<Self>;
}

impl CheckedAdd for u64 {
    fn checked(self, other: u64) -> Option<u64> {
        self.checked_add(other)
    }
}

impl CheckedAdd for u128 {
    fn checked(self, other: u128) -> Option<u128> {
        self.checked_add(other)
    }
}

impl ArmAggregate {
    /// Add another aggregate of the same arm (other patients). Lengths must agree and no sum
    /// may overflow; the error names the field (relative to the arm) that failed.
    pub fn merge(&mut self, other: &ArmAggregate) -> Result<(), CountsError> {
        if self.plan != other.plan
            || self.areas.len() != other.areas.len()
            || self.atrophy.len() != other.atrophy.len()
        {
            return Err(CountsError::DifferentArms {
                first: self.plan.clone(),
                second: other.plan.clone(),
            });
        }
        for (a, b) in self.areas.iter().zip(&other.areas) {
            if a.first_cycle_durations.len() != b.first_cycle_durations.len()
                || a.first_cycle_end_day != b.first_cycle_end_day
            {
                return Err(CountsError::DifferentFirstCycle {
                    area: a.area.clone(),
                    plan: self.plan.clone(),
                });
            }
        }
        self.patients =
            self.patients
                .checked_add(other.patients)
                .ok_or_else(|| CountsError::Overflow {
                    field: "patients".into(),
                })?;
        for (j, (a, b)) in self.areas.iter_mut().zip(&other.areas).enumerate() {
            add_counts(
                &mut a.responders,
                &b.responders,
                &format!("areas[{j}].responders"),
            )?;
            add_counts(
                &mut a.durations,
                &b.durations,
                &format!("areas[{j}].durations"),
            )?;
            add_counts(&mut a.onsets, &b.onsets, &format!("areas[{j}].onsets"))?;
            add_counts(
                &mut a.first_cycle_durations,
                &b.first_cycle_durations,
                &format!("areas[{j}].first_cycle_durations"),
            )?;
            a.first_cycle_still_responding = a
                .first_cycle_still_responding
                .checked_add(b.first_cycle_still_responding)
                .ok_or_else(|| CountsError::Overflow {
                    field: format!("areas[{j}].first_cycle_still_responding"),
                })?;
        }
        for (m, (a, b)) in self.atrophy.iter_mut().zip(&other.atrophy).enumerate() {
            add_counts(
                &mut a.volume_histogram,
                &b.volume_histogram,
                &format!("atrophy[{m}].volume_histogram"),
            )?;
        }
        // An arm of no patients has no risks yet: it takes the other's list.
        if self.adverse_events.is_empty() {
            self.adverse_events = other.adverse_events.clone();
        } else if !other.adverse_events.is_empty() {
            let mut totals: Vec<u128> = self.adverse_events.iter().map(|a| a.1).collect();
            let others: Vec<u128> = other.adverse_events.iter().map(|a| a.1).collect();
            add_counts(&mut totals, &others, "adverse_events")?;
            for (a, total) in self.adverse_events.iter_mut().zip(totals) {
                a.1 = total;
            }
        }
        Ok(())
    }
}

/// The patient range of shard `i` of `n` (1-based) among `patients`.
pub fn shard_range(patients: u64, i: u64, n: u64) -> std::ops::Range<u64> {
    let start = (patients as u128 * (i - 1) as u128 / n as u128) as u64;
    let end = (patients as u128 * i as u128 / n as u128) as u64;
    start..end
}

// --- summary: the documented contract of DIR/summary.json ---

#[derive(Debug, Clone, Serialize)]
pub struct TrialSummary {
    pub disclaimer: &'static str,
    pub seed: u64,
    pub patients: u64,
    pub days: usize,
    pub responder: &'static str,
    pub arms: Vec<ArmSummary>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ArmSummary {
    pub plan: String,
    pub patients: u64,
    pub areas: Vec<AreaSummary>,
    pub adverse_events: Vec<RateSummary>,
    pub atrophy: Vec<AtrophySummary>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AreaSummary {
    pub area: String,
    pub responders: Vec<ResponderRate>,
    pub duration_days: Quantiles,
    pub onset_days: Quantiles,
    /// Share of patients who never responded.
    pub never_responded: f64,
    /// Distribution of the responders' durations in two-week bins.
    pub duration_distribution: Vec<DurationBin>,
    /// Day of the area's second session, which ends the first cycle (null: one session
    /// within the horizon).
    pub first_cycle_end_day: Option<usize>,
    /// Duration of the first response within the first cycle: one dose's effect, where
    /// `duration_days` is that of the first response, which lasts the whole course when
    /// re-treatment comes before the response is lost.
    pub first_cycle_duration_days: Quantiles,
    /// Share of the arm's patients still responding when the second session is given.
    pub first_cycle_still_responding: f64,
    /// Distribution of the first-cycle durations in two-week bins (share of all patients).
    pub first_cycle_duration_distribution: Vec<DurationBin>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DurationBin {
    /// Durations from `from_day` up to, not including, `to_day`.
    pub from_day: usize,
    pub to_day: usize,
    /// Share of all patients of the arm.
    pub share: f64,
}

/// Width of the duration bins (days).
pub const DURATION_BIN_DAYS: usize = 14;

#[derive(Debug, Clone, Serialize)]
pub struct ResponderRate {
    pub day: usize,
    pub rate: f64,
    pub low: f64,
    pub high: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Quantiles {
    pub median: Option<usize>,
    pub p25: Option<usize>,
    pub p75: Option<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RateSummary {
    pub risk: String,
    pub rate: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct AtrophySummary {
    pub muscle: String,
    pub side: String,
    pub day: usize,
    pub median_volume: f64,
    pub p05_volume: f64,
    pub p95_volume: f64,
}

/// Wilson score interval (95%) for `k` of `n`.
pub fn wilson(k: u64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let z = 1.959_963_984_540_054;
    let n = n as f64;
    let p = k as f64 / n;
    let denominator = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denominator;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / denominator;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// The 95% prediction interval, as counts `(low, high)` of `n`, of the responders a trial arm
/// of `n` patients would observe if the model were true: `Binomial(n, p)` with the model's
/// rate `p` known from `k` responders among `m` virtual patients, `p ~ Beta(k + 1/2,
/// m - k + 1/2)` (Jeffreys). The predictive law is beta-binomial; the interval is
/// equal-tailed (its 2.5% and 97.5% quantiles). A published responder rate from an arm of `n`
/// lies outside it with probability ~5% when the model is right, so it is the tolerance a
/// comparison with that arm can claim; it is set by the trial's size, not chosen.
pub fn prediction_interval(k: u64, m: u64, n: u64) -> (u64, u64) {
    assert!(k <= m && m > 0, "{k} responders of {m} virtual patients");
    let (a, b) = (k as f64 + 0.5, (m - k) as f64 + 0.5);
    let n_f = n as f64;
    // ln pmf(0) = sum_i ln((b + i) / (a + b + i)); then the ratio of successive terms.
    let mut log_pmf = Vec::with_capacity(n as usize + 1);
    log_pmf.push(
        (0..n)
            .map(|i| ((b + i as f64) / (a + b + i as f64)).ln())
            .sum::<f64>(),
    );
    for j in 0..n {
        let j = j as f64;
        let last = log_pmf[log_pmf.len() - 1];
        log_pmf.push(last + ((n_f - j) / (j + 1.0)).ln() + ((a + j) / (b + n_f - j - 1.0)).ln());
    }
    let pmf: Vec<f64> = log_pmf.iter().map(|l| l.exp()).collect();
    let total: f64 = pmf.iter().sum();
    let quantile = |q: f64| {
        let mut cumulative = 0.0;
        for (j, p) in pmf.iter().enumerate() {
            cumulative += p / total;
            if cumulative >= q - 1e-12 {
                return j as u64;
            }
        }
        n
    };
    (quantile(0.025), quantile(0.975))
}

/// The smallest value whose cumulative count reaches `q` of the total.
fn quantile(histogram: &[u64], q: f64) -> Option<usize> {
    let total: u64 = histogram.iter().sum();
    if total == 0 {
        return None;
    }
    let target = (q * total as f64).ceil().max(1.0) as u64;
    let mut cumulative = 0;
    for (value, &count) in histogram.iter().enumerate() {
        cumulative += count;
        if cumulative >= target {
            return Some(value);
        }
    }
    None
}

/// A histogram of durations in two-week bins, as shares of the arm's `patients`.
fn duration_bins(durations: &[u64], patients: u64) -> Vec<DurationBin> {
    durations
        .chunks(DURATION_BIN_DAYS)
        .enumerate()
        .map(|(bin, counts)| DurationBin {
            from_day: bin * DURATION_BIN_DAYS,
            to_day: bin * DURATION_BIN_DAYS + counts.len(),
            share: round(counts.iter().sum::<u64>() as f64 / patients.max(1) as f64),
        })
        .collect()
}

impl TrialAggregate {
    pub fn summary(&self) -> TrialSummary {
        TrialSummary {
            disclaimer: DISCLAIMER,
            seed: self.settings.seed,
            patients: self.settings.patients,
            days: self.settings.days,
            responder: self.settings.responder.name(),
            arms: self
                .arms
                .iter()
                .map(|arm| ArmSummary {
                    plan: arm.plan.clone(),
                    patients: arm.patients,
                    areas: arm
                        .areas
                        .iter()
                        .map(|area| {
                            let never = *area.onsets.last().unwrap_or(&0);
                            let onset_days = &area.onsets[..area.onsets.len().saturating_sub(1)];
                            AreaSummary {
                                area: area.area.clone(),
                                responders: area
                                    .responders
                                    .iter()
                                    .enumerate()
                                    .map(|(day, &k)| {
                                        let (low, high) = wilson(k, arm.patients);
                                        ResponderRate {
                                            day,
                                            rate: round(k as f64 / arm.patients.max(1) as f64),
                                            low: round(low),
                                            high: round(high),
                                        }
                                    })
                                    .collect(),
                                duration_days: Quantiles {
                                    median: quantile(&area.durations, 0.5),
                                    p25: quantile(&area.durations, 0.25),
                                    p75: quantile(&area.durations, 0.75),
                                },
                                onset_days: Quantiles {
                                    median: quantile(onset_days, 0.5),
                                    p25: quantile(onset_days, 0.25),
                                    p75: quantile(onset_days, 0.75),
                                },
                                never_responded: round(never as f64 / arm.patients.max(1) as f64),
                                duration_distribution: duration_bins(&area.durations, arm.patients),
                                first_cycle_end_day: area.first_cycle_end_day,
                                first_cycle_duration_days: Quantiles {
                                    median: quantile(&area.first_cycle_durations, 0.5),
                                    p25: quantile(&area.first_cycle_durations, 0.25),
                                    p75: quantile(&area.first_cycle_durations, 0.75),
                                },
                                first_cycle_still_responding: round(
                                    area.first_cycle_still_responding as f64
                                        / arm.patients.max(1) as f64,
                                ),
                                first_cycle_duration_distribution: duration_bins(
                                    &area.first_cycle_durations,
                                    arm.patients,
                                ),
                            }
                        })
                        .collect(),
                    adverse_events: arm
                        .adverse_events
                        .iter()
                        .map(|(risk, total)| RateSummary {
                            risk: risk.clone(),
                            rate: round(
                                *total as f64 / PROBABILITY_SCALE / arm.patients.max(1) as f64,
                            ),
                        })
                        .collect(),
                    atrophy: arm
                        .atrophy
                        .iter()
                        .map(|a| AtrophySummary {
                            muscle: a.muscle.clone(),
                            side: a.side.clone(),
                            day: a.day,
                            median_volume: quantile(&a.volume_histogram, 0.5).unwrap_or(100) as f64
                                / 100.0,
                            p05_volume: quantile(&a.volume_histogram, 0.05).unwrap_or(100) as f64
                                / 100.0,
                            p95_volume: quantile(&a.volume_histogram, 0.95).unwrap_or(100) as f64
                                / 100.0,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The arm's counts from whole simulations, one patient at a time, as the report reads
    /// them (`simulate`, `area_severity`, the stored states, `risks`): the reference that
    /// the trial's recorders, which keep only what the counts read, must match to the bit.
    fn counts_from_whole_simulations(
        plan: &Plan,
        settings: &TrialSettings,
        patients: std::ops::Range<u64>,
    ) -> (Vec<Vec<u64>>, Vec<Vec<u64>>, Vec<u128>) {
        let anatomy = Anatomy::get();
        let arm = empty_arm("reference", plan, settings);
        let mut responders: Vec<Vec<u64>> = vec![vec![0; settings.days]; arm.areas.len()];
        let mut volumes: Vec<Vec<u64>> = vec![vec![0; VOLUME_BINS]; arm.atrophy.len()];
        let mut risks = vec![0u128; metrics::RISK_NAMES.len()];
        for index in patients {
            let patient = virtual_patient(
                plan,
                &Parameters::TYPICAL,
                &Variability::default(),
                settings.seed,
                index,
            );
            let simulation = crate::simulate(
                &patient.plan,
                &patient.parameters,
                settings.days,
                &SolverOptions::default(),
            );
            for (area, counts) in arm.areas.iter().zip(&mut responders) {
                let (baseline, severity) = if settings.responder.at_rest() {
                    crate::rest_lines::area_rest_severity(&patient.plan, &simulation, &area.area)
                } else {
                    metrics::area_severity(
                        &patient.plan,
                        &simulation,
                        &patient.parameters,
                        &area.area,
                    )
                    .unwrap()
                };
                for (count, &s) in counts.iter_mut().zip(&severity) {
                    *count += u64::from(settings.responder.responds(s, baseline));
                }
            }
            for (atrophy, histogram) in arm.atrophy.iter().zip(&mut volumes) {
                let muscle = anatomy.index_of(&atrophy.muscle).unwrap();
                let side = if atrophy.side == "left" {
                    Side::Left
                } else {
                    Side::Right
                };
                let volume = simulation
                    .compartment(muscle, side)
                    .map_or(1.0, |c| model::volume(&c.states[atrophy.day]));
                histogram[((volume * 100.0).round() as usize).min(VOLUME_BINS - 1)] += 1;
            }
            let reported = metrics::risks(&patient.plan, &simulation, &patient.parameters);
            for (total, risk) in risks.iter_mut().zip(&reported) {
                *total += (risk.probability * PROBABILITY_SCALE).round() as u128;
            }
        }
        (responders, volumes, risks)
    }

    #[test]
    fn the_recorded_counts_are_those_of_whole_simulations() {
        // Three areas, a brow-ptosis risk (frontalis), spread to the smile muscles (masseter),
        // repeated sessions and atrophy days: every kind of read the recorders keep.
        let plan = Plan::parse(
            "[patient]\nsex = \"female\"\nage = 45\n\
             [[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"procerus\"\nside = \"midline\"\nunits = 4\n\
             [[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"corrugator_supercilii\"\nside = \"left\"\nunits = 8\n\
             [[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"corrugator_supercilii\"\nside = \"right\"\nunits = 8\n\
             [[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"frontalis\"\nside = \"left\"\nunits = 5\n\
             [[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"frontalis\"\nside = \"right\"\nunits = 5\n\
             [[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"orbicularis_oculi\"\nside = \"left\"\nunits = 12\n\
             [[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"masseter\"\nside = \"right\"\nunits = 30\n\
             [[injection]]\nday = 120\nproduct = \"abobotulinumtoxinA\"\nmuscle = \"corrugator_supercilii\"\nside = \"left\"\nunits = 20\n\
             [[injection]]\nday = 120\nproduct = \"abobotulinumtoxinA\"\nmuscle = \"corrugator_supercilii\"\nside = \"right\"\nunits = 20\n\
             [[injection]]\nday = 120\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"masseter\"\nside = \"right\"\nunits = 30\n",
            crate::plan::Format::Toml,
        )
        .unwrap();
        for responder in [Responder::Improved1, Responder::RestImproved1] {
            let settings = TrialSettings {
                seed: 7,
                patients: 40,
                days: 300,
                responder,
                atrophy_days: vec![0, 90, 299],
            };
            let arm = run_arm("recorded", &plan, &settings, &Variability::default(), 0..40);
            let (responders, volumes, risks) =
                counts_from_whole_simulations(&plan, &settings, 0..40);
            assert_eq!(arm.areas.len(), 3);
            for (area, expected) in arm.areas.iter().zip(&responders) {
                assert_eq!(&area.responders, expected, "{}", area.area);
            }
            assert!(!arm.atrophy.is_empty());
            for (atrophy, expected) in arm.atrophy.iter().zip(&volumes) {
                assert_eq!(&atrophy.volume_histogram, expected, "{atrophy:?}");
            }
            let summed: Vec<u128> = arm.adverse_events.iter().map(|e| e.1).collect();
            assert_eq!(summed, risks);
            // The risks that read peaks are not all zero here: the comparison means something.
            assert!(risks[1] > 0 && risks[2] > 0, "{risks:?}");
        }
    }

    /// A trial recorder that notes whether it ended its integration early.
    struct Probe<'a> {
        inner: TrialRecorder<'a>,
        ended: std::cell::Cell<bool>,
    }

    impl DailyRecorder for Probe<'_> {
        fn record(&mut self, days: &StepDays) {
            self.inner.record(days);
        }

        fn may_end_early(&self) -> bool {
            self.inner.may_end_early()
        }

        fn complete_once_relaxing(&self, end: &Relaxing) -> bool {
            let complete = self.inner.complete_once_relaxing(end);
            self.ended.set(self.ended.get() || complete);
            complete
        }
    }

    #[test]
    fn peaks_of_compartments_that_end_early_are_those_of_whole_integrations() {
        // Peak-only compartments (brow muscles, smile muscles) end their integration once they
        // relax below their peaks; every peak must still equal, to the bit, the largest daily
        // value of the whole integration, for doses that reach them directly, by spread, and
        // again later in the course.
        let plan = Plan::parse(
            "[patient]\nsex = \"female\"\nage = 45\n\
             [[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"corrugator_supercilii\"\nside = \"left\"\nunits = 8\n\
             [[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"frontalis\"\nside = \"right\"\nunits = 6\n\
             [[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"masseter\"\nside = \"right\"\nunits = 30\n\
             [[injection]]\nday = 150\nproduct = \"abobotulinumtoxinA\"\nmuscle = \"orbicularis_oculi\"\nside = \"left\"\nunits = 30\n\
             [[injection]]\nday = 150\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"masseter\"\nside = \"right\"\nunits = 40\n",
            crate::plan::Format::Toml,
        )
        .unwrap();
        let days = 400;
        let peaks_only = Reads {
            peak_blockade: true,
            peak_load: true,
            ..Reads::default()
        };
        let mut ended_early = 0;
        for patient_index in 0..30 {
            let patient = virtual_patient(
                &plan,
                &Parameters::TYPICAL,
                &Variability::default(),
                11,
                patient_index,
            );
            let prepared = PreparedCompartments::new(&patient.plan, &patient.parameters, None);
            let problems: Vec<Problem> = prepared.problems().collect();
            let options = SolverOptions::default();
            let recorded = integrate_many_into(&problems, days, &options, |_| Probe {
                inner: TrialRecorder::new(peaks_only, &[], days),
                ended: std::cell::Cell::new(false),
            });
            let whole =
                integrate_many_into(&problems, days, &options, |_| Vec::<model::State>::new());
            for (probe, states) in recorded.iter().zip(&whole) {
                let blockade = states
                    .iter()
                    .map(|s| s[model::index::B])
                    .fold(0.0, f64::max);
                let load = states
                    .iter()
                    .map(|s| s[model::index::L])
                    .fold(0.0, f64::max);
                assert_eq!(probe.inner.peak_blockade.to_bits(), blockade.to_bits());
                assert_eq!(probe.inner.peak_load.to_bits(), load.to_bits());
                ended_early += usize::from(probe.ended.get());
            }
        }
        // The early end is exercised, not merely allowed.
        assert!(ended_early > 30, "{ended_early} integrations ended early");
    }

    #[test]
    fn brow_peaks_left_out_change_no_risk() {
        // Brow muscles reached only by spread: left out beside a blocked glabella, integrated
        // when spread from the temporalis reaches the frontalis alone (no depressor blocked),
        // and both in one plan (one side each). The risks from the trial's recorders must be
        // those of every compartment integrated, to the bit.
        let injection = |muscle: &str, side: &str, units: u32| {
            format!(
                "[[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"{muscle}\"\nside = \"{side}\"\nunits = {units}\n"
            )
        };
        let glabella = [
            injection("procerus", "midline", 4),
            injection("corrugator_supercilii", "left", 8),
            injection("corrugator_supercilii", "right", 8),
        ]
        .concat();
        let temporalis = [
            injection("temporalis", "left", 40),
            injection("temporalis", "right", 40),
        ]
        .concat();
        let mixed = [
            injection("corrugator_supercilii", "right", 10),
            injection("temporalis", "left", 40),
        ]
        .concat();
        let anatomy = Anatomy::get();
        // As a trial of the glabella area reads them: the frontalis and the orbicularis oculi
        // for their peaks only, the glabella's muscles every day.
        let brow: Vec<usize> = [metrics::BROW_ELEVATOR, "orbicularis_oculi"]
            .into_iter()
            .flat_map(|name| {
                let muscle = anatomy.index_of(name).unwrap();
                Side::BOTH.map(|side| Anatomy::compartment(muscle, side))
            })
            .collect();
        let (mut left_out, mut integrated_late) = (0, 0);
        for injections in [glabella, temporalis, mixed] {
            let plan = Plan::parse(
                &format!("[patient]\nsex = \"female\"\nage = 45\n{injections}"),
                crate::plan::Format::Toml,
            )
            .unwrap();
            let patients: Vec<_> = (0..24)
                .map(|i| {
                    virtual_patient(&plan, &Parameters::TYPICAL, &Variability::default(), 5, i)
                })
                .collect();
            let prepared: Vec<PreparedCompartments> = patients
                .iter()
                .map(|p| PreparedCompartments::new(&p.plan, &p.parameters, None))
                .collect();
            let problems: Vec<Problem> = prepared.iter().flat_map(|p| p.problems()).collect();
            let reads: Vec<Reads> = prepared
                .iter()
                .flat_map(|p| {
                    p.distinct.iter().map(|&item| {
                        if brow.contains(&p.items[item].compartment) {
                            Reads {
                                peak_blockade: true,
                                ..Reads::default()
                            }
                        } else {
                            Reads {
                                daily: true,
                                ..Reads::default()
                            }
                        }
                    })
                })
                .collect();
            let days = 200;
            let options = SolverOptions::default();
            let lazy = integrate_for_trial(&prepared, &problems, &reads, &[], days, &options);
            let whole = integrate_many_into(&problems, days, &options, |k| {
                TrialRecorder::new(reads[k], &[], days)
            });
            let mut offset = 0;
            for (patient, prepared) in patients.iter().zip(&prepared) {
                let range = offset..offset + prepared.distinct.len();
                offset = range.end;
                let view = |recorded| RecordedPatient { prepared, recorded };
                let risks = |recorded| {
                    metrics::risk_probabilities(&patient.plan, &view(recorded), &patient.parameters)
                };
                let lazy_risks = risks(&lazy[range.clone()]);
                let whole_risks = risks(&whole[range.clone()]);
                assert_eq!(
                    lazy_risks.map(f64::to_bits),
                    whole_risks.map(f64::to_bits),
                    "{lazy_risks:?} against {whole_risks:?}"
                );
                for k in range {
                    let (lazy, whole) = (lazy[k].peak_blockade, whole[k].peak_blockade);
                    if reads[k].daily {
                        assert_eq!(lazy.to_bits(), whole.to_bits());
                    } else if lazy == 0.0 && whole > 0.0 {
                        left_out += 1;
                    } else {
                        assert_eq!(lazy.to_bits(), whole.to_bits());
                        integrated_late += usize::from(whole > 0.0);
                    }
                }
            }
        }
        // Both ways are exercised: brow compartments left out, and integrated after the check.
        assert!(left_out > 24, "{left_out} left out");
        assert!(
            integrated_late > 24,
            "{integrated_late} integrated after the bound"
        );
    }

    #[test]
    fn wilson_interval_brackets_the_rate() {
        let (low, high) = wilson(50, 100);
        assert!((low - 0.4038).abs() < 1e-3 && (high - 0.5962).abs() < 1e-3);
        assert_eq!(wilson(0, 10).0, 0.0);
    }

    #[test]
    fn prediction_interval_is_binomial_when_the_model_rate_is_known() {
        // With many virtual patients the law is Binomial(n, p): for n = 45, p = 0.5 the
        // 2.5% and 97.5% quantiles are 16 and 29.
        assert_eq!(prediction_interval(500_000, 1_000_000, 45), (16, 29));
        // Few virtual patients widen it.
        let (low, high) = prediction_interval(10, 20, 45);
        assert!(low < 16 && high > 29, "{low}-{high}");
        // A rate of 0 predicts 0, and 1 predicts n.
        assert_eq!(prediction_interval(0, 2000, 80), (0, 0));
        assert_eq!(prediction_interval(2000, 2000, 80), (80, 80));
    }

    #[test]
    fn shards_partition_the_patients() {
        let ranges: Vec<_> = (1..=3).map(|i| shard_range(10, i, 3)).collect();
        assert_eq!(ranges, vec![0..3, 3..6, 6..10]);
    }

    #[test]
    fn the_first_response_stops_at_the_end_of_the_first_cycle() {
        let severity = [3.0, 0.5, 0.5, 0.5, 2.0, 0.5, 0.5];
        let responds = |s: f64| s < 1.0;
        // Lost on day 4: three days, whatever comes after.
        assert_eq!(first_response(&severity, 7, responds), Some((3, false)));
        // Re-treated on day 3, while still responding: cut to two days.
        assert_eq!(first_response(&severity, 3, responds), Some((2, true)));
        // No response before the second session.
        assert_eq!(first_response(&severity, 1, responds), None);
    }

    #[test]
    fn the_first_cycle_ends_at_the_area_s_second_session() {
        let text = |second: &str| {
            format!(
                "[patient]\nsex = \"female\"\nage = 40\n\
                 [[injection]]\nday = 0\nproduct = \"Botox\"\nmuscle = \"procerus\"\nside = \"midline\"\nunits = 4\n\
                 [[injection]]\nday = 30\nproduct = \"Botox\"\nmuscle = \"masseter\"\nside = \"left\"\nunits = 20\n{second}"
            )
        };
        let plan = |second: &str| Plan::parse(&text(second), crate::plan::Format::Toml).unwrap();
        let again = "[[injection]]\nday = 119.5\nproduct = \"Botox\"\nmuscle = \"procerus\"\nside = \"midline\"\nunits = 4\n";
        // The masseter session on day 30 treats another area: it does not end the cycle.
        assert_eq!(first_cycle_end_day(&plan(""), "glabella", 400), None);
        assert_eq!(
            first_cycle_end_day(&plan(again), "glabella", 400),
            Some(120)
        );
        assert_eq!(first_cycle_end_day(&plan(again), "glabella", 100), None);
    }

    #[test]
    fn rest_responders_read_the_lines_at_rest() {
        assert!(Responder::RestNone.at_rest() && Responder::RestImproved1.at_rest());
        assert!(!Responder::Improved1.at_rest());
        assert!(Responder::RestNone.responds(0.49, 1.0));
        assert!(!Responder::RestNone.responds(0.5, 1.0));
        assert!(Responder::RestImproved1.responds(0.49, 1.0));
        assert!(!Responder::RestImproved1.responds(0.51, 1.0));
        assert_eq!(Responder::RestImproved1.name(), "rest_improved_1");
    }

    #[test]
    fn quantiles_of_a_histogram() {
        assert_eq!(quantile(&[0, 2, 2, 0, 1], 0.5), Some(2));
        assert_eq!(quantile(&[0, 0], 0.5), None);
    }
}
