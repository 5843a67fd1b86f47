//! From simulated trajectories to what clinicians read: per-muscle summaries and cycles,
//! wrinkle severity per area, lower-face width from the masseters, and risks.
//!
//! Thresholds and their sources are in `docs/model.md` ("Outputs").

use crate::anatomy::{Anatomy, MuscleId, Side};
use crate::model::{self, immunity, index, Parameters, State};
use crate::plan::{date::format_iso_date, Plan, Site, AREAS};
use crate::report::*;
use crate::simulation::Simulation;
use serde::{Deserialize, Serialize};

/// Strength at or below which a muscle counts as treated (a 20% loss).
pub const EFFECT_STRENGTH: f64 = 0.8;
/// Continuous severity below which an area is graded none (0) or mild (1).
pub const NONE_OR_MILD_SEVERITY: f64 = 1.5;
/// A continuous severity at least this much below baseline rounds to one grade better.
pub const ONE_GRADE: f64 = 0.5;

/// Responder definitions of the glabellar trials (pharmacodynamics.md, sec. 1.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Responder {
    /// Severity 0-1 (none or mild) at maximal contraction.
    NoneOrMild,
    /// At least one grade better than the patient's own baseline.
    Improved1,
    /// At least two grades better than the patient's own baseline.
    Improved2,
    /// Lines at rest at least one grade better than the patient's own rest baseline.
    RestImproved1,
    /// No lines at rest (rest severity below 0.5, grade 0).
    RestNone,
}

impl Responder {
    pub fn responds(self, severity: f64, baseline: f64) -> bool {
        severity < self.threshold(baseline)
    }

    /// The severity below which a patient with `baseline` responds.
    pub fn threshold(self, baseline: f64) -> f64 {
        match self {
            Responder::NoneOrMild => NONE_OR_MILD_SEVERITY,
            Responder::Improved1 => baseline - ONE_GRADE,
            Responder::Improved2 => baseline - 1.0 - ONE_GRADE,
            Responder::RestImproved1 => baseline - ONE_GRADE,
            Responder::RestNone => crate::rest_lines::NO_REST_LINES,
        }
    }

    /// Whether the responder reads the lines at rest (rest severity and rest baseline)
    /// instead of the severity at maximal contraction.
    pub fn at_rest(self) -> bool {
        matches!(self, Responder::RestImproved1 | Responder::RestNone)
    }

    /// Every responder definition, in the order help and errors list them.
    pub const ALL: [Responder; 5] = [
        Responder::NoneOrMild,
        Responder::Improved1,
        Responder::Improved2,
        Responder::RestImproved1,
        Responder::RestNone,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Responder::NoneOrMild => "none_or_mild",
            Responder::Improved1 => "improved_1",
            Responder::Improved2 => "improved_2",
            Responder::RestImproved1 => "rest_improved_1",
            Responder::RestNone => "rest_none",
        }
    }
}

/// A wrinkle area the model does not score (not one of [`AREAS`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown wrinkle area \"{0}\"; the model scores {areas}", areas = AREAS.join(", "))]
pub struct UnknownArea(pub String);

/// Ultrasound minimal detectable change (% of thickness) by muscle, Abe 2019 Cosmetics 6:65
/// [R]: masseter 10%, frontalis 22%, orbicularis oculi 25%, orbicularis oris 26-29%, DAO 21%.
/// Other muscles: 25% [E] (thin muscles like those measured).
pub fn measurable_change_percent(muscle: &str) -> f64 {
    match muscle {
        "masseter" | "temporalis" => 10.0,
        "frontalis" => 22.0,
        "orbicularis_oculi" => 25.0,
        "orbicularis_oris" => 27.5,
        "depressor_anguli_oris" => 21.0,
        _ => 25.0,
    }
}

/// Masseter thickness before treatment (mm), Xie et al. PRS: 12.9 mm [R].
pub const MASSETER_THICKNESS_MM: f64 = 12.9;
/// Lower-face width change per masseter volume change [D]: Xie et al. report the
/// lower-face-width / intercanthal ratio 3.3 -> 3.0 (-9.1%) for thickness -32.6%: 0.28.
pub const WIDTH_PER_VOLUME: f64 = 0.28;

fn strength(state: &State) -> f64 {
    model::strength(state)
}

pub fn build_report(plan: &Plan, simulation: &Simulation, parameters: &Parameters) -> Report {
    build_report_with_face_days(plan, simulation, parameters, &crate::face::DEFAULT_AT_DAYS)
}

/// [`build_report`] with the face graded in full (`face.at`) on `face_days`.
pub fn build_report_with_face_days(
    plan: &Plan,
    simulation: &Simulation,
    parameters: &Parameters,
    face_days: &[usize],
) -> Report {
    build_report_with_course(
        plan,
        simulation,
        parameters,
        &crate::face::course::CourseParameters::TYPICAL,
        face_days,
    )
}

/// [`build_report_with_face_days`] with the face's course (recovery and training of a
/// palsy) from `course` instead of the typical patient's, so a fitted patient is reported
/// with their own parameters.
pub fn build_report_with_course(
    plan: &Plan,
    simulation: &Simulation,
    parameters: &Parameters,
    course: &crate::face::course::CourseParameters,
    face_days: &[usize],
) -> Report {
    let anatomy = Anatomy::get();
    let days = simulation.days;
    let muscles = muscle_reports(plan, simulation);

    let (face, face_warnings) = crate::face::report(plan, simulation, course, face_days);
    let mut warnings = plan.warnings.clone();
    warnings.extend(face_warnings);
    Report {
        disclaimer: DISCLAIMER,
        bontsim_version: env!("CARGO_PKG_VERSION"),
        days,
        start_date: plan.start_date.map(format_iso_date),
        warnings,
        thresholds: Thresholds {
            effect_strength: EFFECT_STRENGTH,
            none_or_mild_severity: NONE_OR_MILD_SEVERITY,
            one_grade_improvement: ONE_GRADE,
        },
        injections: plan
            .injections
            .iter()
            .map(|i| InjectionEcho {
                day: round(i.day),
                date: plan
                    .start_date
                    .map(|s| format_iso_date(s + i.day.floor() as i64)),
                product: i.product.to_string(),
                muscle: anatomy.muscle(i.muscle).name.clone(),
                side: match i.site {
                    Site::Left => "left",
                    Site::Right => "right",
                    Site::Midline => "midline",
                }
                .to_string(),
                units: round(i.units),
                equivalent_units: round(i.equivalent_units),
                volume_ml: round(i.volume_ml),
            })
            .collect(),
        muscles,
        areas: area_reports(plan, simulation, parameters),
        lower_face: lower_face_report(plan, simulation),
        risks: risks(plan, simulation, parameters),
        face,
        jaw: crate::jaw::jaw_report(plan, simulation),
        antibodies: antibody_report(plan),
    }
}

/// The muscles' part of a report (strength, mass and volume per day, summary, cycles) on its
/// own: a tenth or less of the cost of a whole report, whose face grading of every day
/// dominates, for callers that read only the muscles. [`build_report_with_course`] takes its
/// muscles from here, so the two agree to the bit.
pub fn muscle_reports(plan: &Plan, simulation: &Simulation) -> Vec<MuscleReport> {
    let anatomy = Anatomy::get();
    let days = simulation.days;
    let mut reports: Vec<MuscleReport> = simulation
        .compartments
        .iter()
        .map(|c| {
            let muscle = anatomy.muscle(c.muscle);
            let series = &c.states;
            let strengths: Vec<f64> = series.iter().map(strength).collect();
            let first_dose_day = plan
                .injections
                .first()
                .map(|i| i.day.ceil() as usize)
                .unwrap_or(0);
            let (peak_day, nadir_strength) = argmin(&strengths);
            let masses: Vec<f64> = series.iter().map(|s| s[index::M]).collect();
            let (minimum_mass_day, minimum_mass) = argmin(&masses);
            let volumes: Vec<f64> = series.iter().map(model::volume).collect();
            let minimum_volume = volumes.iter().copied().fold(1.0, f64::min);
            let volume_loss_percent = (1.0 - minimum_volume) * 100.0;
            let measurable = measurable_change_percent(&muscle.name);
            let clinical_significance = if volume_loss_percent >= measurable {
                format!(
                    "clinically significant: {volume_loss_percent:.1}% volume loss exceeds the {measurable}% that ultrasound can detect in this muscle"
                )
            } else {
                format!(
                    "not clinically significant: {volume_loss_percent:.1}% volume loss is below the {measurable}% that ultrasound can detect in this muscle"
                )
            };
            let cycles = c
                .injections
                .iter()
                .enumerate()
                .filter(|(_, (day, _))| (*day as usize) < days)
                .map(|(k, &(day, units))| {
                    let start = day.ceil() as usize;
                    let end = c
                        .injections
                        .get(k + 1)
                        .map(|next| (next.0.ceil() as usize).min(days))
                        .unwrap_or(days);
                    // The last daily state at or before the injection (outputs on a dose day
                    // are the state just before it).
                    let before = &series[(day.floor() as usize).min(days - 1)];
                    let span = &strengths[start.min(end)..end];
                    Cycle {
                        day,
                        units: round(units),
                        strength_before: round(strength(before)),
                        mass_before: round(before[index::M]),
                        volume_before: round(model::volume(before)),
                        nadir_strength: round(
                            span.iter().copied().fold(strength(before), f64::min),
                        ),
                        days_of_effect: span.iter().filter(|&&s| s <= EFFECT_STRENGTH).count(),
                    }
                })
                .collect();
            let last = series.last().copied().unwrap_or(model::BASELINE_STATE);
            MuscleReport {
                muscle: muscle.name.clone(),
                side: c.side.name().to_string(),
                injected_units: round(c.injections.iter().map(|i| i.1).sum()),
                received_units: round(c.total_units),
                summary: MuscleSummary {
                    onset_day: strengths
                        .iter()
                        .enumerate()
                        .skip(first_dose_day)
                        .find(|(_, &s)| s <= EFFECT_STRENGTH)
                        .map(|(day, _)| day),
                    peak_day,
                    nadir_strength: round(nadir_strength),
                    max_blockade: round(series.iter().map(|s| s[index::B]).fold(0.0, f64::max)),
                    days_of_effect: strengths.iter().filter(|&&s| s <= EFFECT_STRENGTH).count(),
                    minimum_mass: round(minimum_mass),
                    minimum_mass_day,
                    minimum_volume: round(minimum_volume),
                    final_strength: round(strength(&last)),
                    final_mass: round(last[index::M]),
                    final_volume: round(model::volume(&last)),
                    volume_loss_percent: round(volume_loss_percent),
                    measurable_change_percent: measurable,
                    clinical_significance,
                },
                cycles,
                daily: Vec::new(),
            }
        })
        .collect();
    // Left-right twins share one series: its rounded daily rows are written once and copied.
    let compartments = &simulation.compartments;
    for k in 0..reports.len() {
        let states = &compartments[k].states;
        let twin = (0..k).find(|&j| std::sync::Arc::ptr_eq(&compartments[j].states, states));
        reports[k].daily = match twin {
            Some(j) => reports[j].daily.clone(),
            None => daily_rows(states),
        };
    }
    reports
}

/// A compartment's rounded daily rows of its report.
fn daily_rows(series: &[State]) -> Vec<Daily> {
    series
        .iter()
        .enumerate()
        .map(|(day, s)| Daily {
            day,
            blockade: round(s[index::B].clamp(0.0, 1.0)),
            strength: round(strength(s)),
            mass: round(s[index::M]),
            volume: round(model::volume(s)),
        })
        .collect()
}

/// The immune course of the plan's patient, session by session.
pub fn antibody_report(plan: &Plan) -> crate::report::AntibodyReport {
    let course = crate::simulation::plan_immunity(plan);
    let expected = immunity::expected_neutralised_fraction(&course);
    crate::report::AntibodyReport {
        status: plan.patient.antibodies,
        probability: round(course.probability()),
        converted_day: course.conversion.map(|k| course.sessions[k].day),
        sessions: course
            .sessions
            .iter()
            .enumerate()
            .map(|(j, session)| crate::report::AntibodySession {
                day: session.day,
                units: round(session.units),
                antigen_units: round(session.antigen_units),
                conversion_probability: round(course.cumulative_probability[j]),
                titre: round(course.titre[j]),
                neutralised_fraction: round(course.neutralised_fraction[j]),
                expected_neutralised_fraction: round(expected[j]),
            })
            .collect(),
    }
}

pub(crate) fn argmin(values: &[f64]) -> (usize, f64) {
    values
        .iter()
        .copied()
        .enumerate()
        .fold(
            (0, f64::INFINITY),
            |best, (i, v)| if v < best.1 { (i, v) } else { best },
        )
}

/// The strength of the band of a muscle where its area's lines fold, `M (1 - min(1, B /
/// phi))`: the terminals a dose reaches lie around its sites, which sit in that band (a
/// fraction `phi` of the muscle's terminals), so the band carries the muscle's mean block
/// `B` concentrated into it. `phi = 1` is the muscle's own strength.
pub fn line_strength(state: &State, line_band_fraction: f64) -> f64 {
    band_strength(state[index::B], state[index::M], line_band_fraction)
}

/// [`line_strength`] from the blockade `B` and contractile mass `M` alone.
#[inline(always)]
pub fn band_strength(blockade: f64, mass: f64, line_band_fraction: f64) -> f64 {
    let block = blockade.clamp(0.0, 1.0);
    // A whole-muscle band (the usual case) skips the division, the slowest operation of the
    // daily loops that call this: `x / 1` is `x` exactly, so the bits are the same.
    let in_band = if line_band_fraction == 1.0 {
        block
    } else {
        block / line_band_fraction
    };
    (1.0 - in_band.min(1.0)) * mass
}

/// Mass-weighted strength of the line-forming band of an area's muscles
/// ([`line_strength`]), both sides, each day.
pub fn area_strength(simulation: &Simulation, area: &str) -> Vec<f64> {
    area_strength_from(simulation.days, area, |muscle, side| {
        simulation
            .compartment(muscle, side)
            .map(|c| c.states.iter().map(|s| (s[index::B], s[index::M])))
    })
}

/// [`area_strength`] from each compartment's daily blockade and contractile mass `(B, M)`,
/// however they were kept (`None`: the compartment was not simulated, full strength).
pub fn area_strength_from<I: Iterator<Item = (f64, f64)>>(
    days: usize,
    area: &str,
    mut daily: impl FnMut(MuscleId, Side) -> Option<I>,
) -> Vec<f64> {
    let anatomy = Anatomy::get();
    let mut weighted = vec![0.0; days];
    let mut total_mass = 0.0;
    for (muscle_id, muscle) in anatomy.ids().zip(&anatomy.muscles) {
        if muscle.wrinkle_area.as_deref() != Some(area) {
            continue;
        }
        for side in Side::BOTH {
            let mass = muscle.mass_g;
            total_mass += mass;
            match daily(muscle_id, side) {
                Some(states) => {
                    add_band_strengths(&mut weighted, states, mass, muscle.line_band_fraction)
                }
                None => weighted.iter_mut().for_each(|w| *w += mass),
            }
        }
    }
    for w in &mut weighted {
        *w /= total_mass;
    }
    weighted
}

/// `weighted[d] += mass * band_strength(B_d, M_d, fraction)` for each day's `(B_d, M_d)` of
/// `states`: the daily loop of [`area_strength_from`], run for every read compartment of every
/// virtual patient. A whole-muscle band gets a loop of its own, where `band_strength`'s test of
/// the fraction is decided once instead of every day; with AVX2 the loop takes four days at a
/// time (the same operations, without fused multiply-add: the same bits).
fn add_band_strengths<I: Iterator<Item = (f64, f64)>>(
    weighted: &mut [f64],
    states: I,
    mass: f64,
    fraction: f64,
) {
    #[inline(always)]
    fn plain<I: Iterator<Item = (f64, f64)>>(
        weighted: &mut [f64],
        states: I,
        mass: f64,
        fraction: f64,
    ) {
        let add = |fraction: f64| {
            for (w, (blockade, contractile)) in weighted.iter_mut().zip(states) {
                *w += mass * band_strength(blockade, contractile, fraction);
            }
        };
        if fraction == 1.0 {
            add(1.0)
        } else {
            add(fraction)
        }
    }
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn avx2<I: Iterator<Item = (f64, f64)>>(
        weighted: &mut [f64],
        states: I,
        mass: f64,
        fraction: f64,
    ) {
        plain(weighted, states, mass, fraction)
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has AVX2.
        return unsafe { avx2(weighted, states, mass, fraction) };
    }
    plain(weighted, states, mass, fraction)
}

/// Whether an area's severity at maximal contraction, `baseline * max(S, 0)^gamma` (as
/// [`area_severity`] makes it), is below `threshold` (or at most `threshold`,
/// [`SeverityCut::at_most`]), decided on the strength `S` itself: the strength at the
/// threshold is computed once, and only a strength within a hair of it (a relative 1e-9, far
/// wider than the power's rounding) is decided by the power as before. So the decisions are
/// those of the severities, without a power per day.
#[derive(Debug, Clone, Copy)]
pub struct SeverityCut {
    baseline: f64,
    exponent: f64,
    threshold: f64,
    /// Whether a severity equal to the threshold counts as below it.
    inclusive: bool,
    /// Strengths below `low` respond, above `high` do not; between, the power decides.
    low: f64,
    high: f64,
}

impl SeverityCut {
    /// Severity strictly below `threshold` (a responder).
    pub fn new(baseline: f64, exponent: f64, threshold: f64) -> Self {
        Self::with(baseline, exponent, threshold, false)
    }

    /// Severity at most `threshold` (a severity target kept).
    pub fn at_most(baseline: f64, exponent: f64, threshold: f64) -> Self {
        Self::with(baseline, exponent, threshold, true)
    }

    fn with(baseline: f64, exponent: f64, threshold: f64, inclusive: bool) -> Self {
        let at_threshold = (threshold / baseline).powf(exponent.recip());
        // The shortcut needs a severity rising with strength (a positive exponent).
        let (low, high) = if threshold > 0.0
            && baseline > 0.0
            && exponent > 0.0
            && at_threshold.is_finite()
            && at_threshold > 0.0
        {
            (at_threshold * (1.0 - 1e-9), at_threshold * (1.0 + 1e-9))
        } else {
            // A threshold at or below zero, or degenerate inputs: the power decides always.
            (f64::NEG_INFINITY, f64::INFINITY)
        };
        SeverityCut {
            baseline,
            exponent,
            threshold,
            inclusive,
            low,
            high,
        }
    }

    #[inline(always)]
    pub fn below(&self, strength: f64) -> bool {
        let strength = strength.max(0.0);
        if strength < self.low {
            true
        } else if strength > self.high {
            false
        } else {
            let severity = self.baseline * strength.powf(self.exponent);
            if self.inclusive {
                severity <= self.threshold
            } else {
                severity < self.threshold
            }
        }
    }
}

/// The wrinkle areas whose muscles the plan injects directly, in [`AREAS`] order.
pub fn treated_areas(plan: &Plan) -> Vec<&'static str> {
    let anatomy = Anatomy::get();
    AREAS
        .iter()
        .copied()
        .filter(|area| {
            plan.injections
                .iter()
                .any(|i| anatomy.muscle(i.muscle).wrinkle_area.as_deref() == Some(*area))
        })
        .collect()
}

/// The patient's baseline severity of `area` and its daily severity at maximal contraction:
/// `baseline * S_area^gamma`. An area the model does not score is an error, never another
/// area's numbers.
pub fn area_severity(
    plan: &Plan,
    simulation: &Simulation,
    parameters: &Parameters,
    area: &str,
) -> Result<(f64, Vec<f64>), UnknownArea> {
    let area_index = AREAS
        .iter()
        .position(|a| *a == area)
        .ok_or_else(|| UnknownArea(area.to_string()))?;
    let baseline = plan.patient.baseline_severity[area_index];
    let severity = area_strength(simulation, area)
        .iter()
        .map(|s| baseline * s.max(0.0).powf(parameters.severity_exponent))
        .collect();
    Ok((baseline, severity))
}

fn area_reports(plan: &Plan, simulation: &Simulation, parameters: &Parameters) -> Vec<AreaReport> {
    treated_areas(plan)
        .into_iter()
        // Treated areas are taken from AREAS, so every one is known.
        .filter_map(|area| {
            Some((
                area,
                area_severity(plan, simulation, parameters, area).ok()?,
            ))
        })
        .map(|(area, (baseline, severity))| {
            let (_, rest) = crate::rest_lines::area_rest_severity(plan, simulation, area);
            let (peak_day, nadir_severity) = argmin(&severity);
            let count = |predicate: &dyn Fn(f64) -> bool| {
                severity.iter().filter(|&&s| predicate(s)).count()
            };
            AreaReport {
                area: area.to_string(),
                baseline_severity: baseline,
                summary: AreaSummary {
                    nadir_severity: round(nadir_severity),
                    peak_day,
                    onset_day: severity.iter().position(|&s| s <= baseline - ONE_GRADE),
                    days_none_or_mild: count(&|s| Responder::NoneOrMild.responds(s, baseline)),
                    days_improved_1: count(&|s| Responder::Improved1.responds(s, baseline)),
                    days_improved_2: count(&|s| Responder::Improved2.responds(s, baseline)),
                },
                daily: severity
                    .iter()
                    .zip(&rest)
                    .enumerate()
                    .map(|(day, (&s, &r))| AreaDaily {
                        day,
                        severity: round(s),
                        rest_severity: round(r),
                    })
                    .collect(),
            }
        })
        .collect()
}

fn lower_face_report(plan: &Plan, simulation: &Simulation) -> Option<LowerFaceReport> {
    let anatomy = Anatomy::get();
    let masseter = anatomy.index_of("masseter")?;
    if !plan.injections.iter().any(|i| i.muscle == masseter) {
        return None;
    }
    let volume_change = |side: Side, day: usize| {
        simulation
            .compartment(masseter, side)
            .map(|c| model::volume(&c.states[day]) - 1.0)
            .unwrap_or(0.0)
    };
    let daily: Vec<(f64, f64)> = (0..simulation.days)
        .map(|day| {
            let left = volume_change(Side::Left, day);
            let right = volume_change(Side::Right, day);
            (
                WIDTH_PER_VOLUME * (left + right) / 2.0 * 100.0,
                MASSETER_THICKNESS_MM * (left + right),
            )
        })
        .collect();
    let widths: Vec<f64> = daily.iter().map(|d| d.0).collect();
    let (nadir_day, nadir) = argmin(&widths);
    Some(LowerFaceReport {
        nadir_width_change_percent: round(nadir),
        nadir_day,
        nadir_width_change_mm: round(daily[nadir_day].1),
        daily: widths
            .iter()
            .enumerate()
            .map(|(day, &w)| LowerFaceDaily {
                day,
                width_change_percent: round(w),
            })
            .collect(),
    })
}

/// Standard normal cumulative distribution (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7).
pub fn normal_cdf(x: f64) -> f64 {
    let z = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * z);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-z * z).exp();
    if x >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

/// Spread varies between injectors, techniques and patients: the toxin concentration that
/// reaches an at-risk muscle is taken as log-normal around the typical patient's, with this
/// spread (natural-log units). Fitted so that the label glabella dose (ONA 20 U) gives a 3%
/// eyelid-ptosis rate, between 5.4% (Carruthers 2002) and 0.9% (SAKURA 3) [R].
pub const SPREAD_LOG_SD: f64 = 1.35;
/// Net brow-depressor dominance (frontalis blockade minus mean brow-depressor blockade) at
/// which half of the brows would drop; its variability is `SPREAD_LOG_SD` above (the same
/// injector-to-injector differences move toxin toward or away from the lower frontalis, the
/// brow's only elevator). Above 1, so that even a fully unopposed frontalis block drops fewer
/// than half of the brows: label frontalis injections sit above the C-line (~61% of forehead
/// height, Cotofana [R]), away from the lower fibres that lift the brow. FITTED [E target]:
/// forehead-alone ONA 20 U gives ~9% (label forehead + glabella ~2% [M]; upper-face brow
/// ptosis quoted up to 20%, Canadian Dermatology Today 2021 [R2]; no forehead-alone trial rate
/// was read).
pub const BROW_PTOSIS_DOMINANCE: f64 = 4.0;
/// Neck dose with a 50% dysphagia risk and its log spread: ~19% in cervical dystonia at
/// ~150 U [C], <1% at the 40 U cosmetic ceiling [R: keep <= 40 U] [E].
pub const DYSPHAGIA_UNITS_50: f64 = 300.0;
pub const DYSPHAGIA_LOG_SD: f64 = 0.8;

fn lognormal_risk(value: f64, threshold: f64, log_sd: f64) -> f64 {
    if value <= 0.0 {
        return 0.0;
    }
    normal_cdf((value / threshold).ln() / log_sd)
}

/// What the risks read of one simulated compartment: its peak blockade and peak internalised
/// load over the simulated days (each the running maximum from 0, day by day), and its toxin
/// sensitivity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompartmentPeaks {
    pub blockade: f64,
    pub load: f64,
    pub sensitivity: f64,
}

/// The peaks of a simulation's compartments: a [`Simulation`] folds its stored daily states;
/// a virtual trial keeps the peaks as the solver makes the days, without storing them.
pub trait Peaks {
    /// `None`: the compartment received no toxin and was not simulated.
    fn peaks(&self, muscle: MuscleId, side: Side) -> Option<CompartmentPeaks>;
}

impl Peaks for Simulation {
    fn peaks(&self, muscle: MuscleId, side: Side) -> Option<CompartmentPeaks> {
        self.compartment(muscle, side).map(|c| CompartmentPeaks {
            blockade: c.states.iter().map(|s| s[index::B]).fold(0.0, f64::max),
            load: c.states.iter().map(|s| s[index::L]).fold(0.0, f64::max),
            sensitivity: c.constants.sensitivity,
        })
    }
}

/// Peak internalised toxin of an at-risk compartment relative to its half-blocking level
/// (`L sensitivity / EC50`): a patient in whom spread delivers e times more than typical has
/// this ratio times e; the muscle is clinically weakened when the ratio reaches 1.
fn relative_exposure(
    peaks: &impl Peaks,
    parameters: &Parameters,
    muscle: MuscleId,
    side: Side,
) -> f64 {
    peaks
        .peaks(muscle, side)
        .map(|p| p.load * p.sensitivity / parameters.ec50)
        .unwrap_or(0.0)
}

fn peak_blockade(peaks: &impl Peaks, muscle: MuscleId, side: Side) -> f64 {
    peaks.peaks(muscle, side).map_or(0.0, |p| p.blockade)
}

/// The brow's elevator and depressors, whose peak blockades set the brow-ptosis risk.
pub const BROW_ELEVATOR: &str = "frontalis";
pub const BROW_DEPRESSORS: [&str; 4] = [
    "corrugator_supercilii",
    "procerus",
    "depressor_supercilii",
    "orbicularis_oculi",
];

/// The brow depressors' mean peak blockade on one side, from their peaks in the order of
/// [`BROW_DEPRESSORS`]: what the frontalis's peak must exceed for the brow to drop. Its risk
/// is exactly zero when the frontalis's peak does not exceed it. Floating-point sums and
/// quotients are monotone, so lower peaks here give a lower bound of the mean: a virtual trial
/// that knows the frontalis's peak stays under such a bound knows that risk without the
/// peaks it left out.
pub fn brow_depression(peaks: [f64; BROW_DEPRESSORS.len()]) -> f64 {
    peaks.iter().sum::<f64>() / BROW_DEPRESSORS.len() as f64
}

/// The smile muscles, whose peak internalised load sets the smile-asymmetry risk.
pub const SMILE_MUSCLES: [&str; 2] = ["zygomaticus_major", "risorius"];

/// The names of the risks, in the order [`risks`] and [`risk_probabilities`] give them.
pub const RISK_NAMES: [&str; 5] = [
    "eyelid_ptosis",
    "brow_ptosis",
    "smile_asymmetry",
    "dysphagia",
    "neutralising_antibodies",
];

/// Every risk's probability and the numbers that drive it: computed once, then either
/// reported with words ([`risks`]) or summed by a trial ([`risk_probabilities`]).
struct RiskFindings {
    /// Levator exposure of each eye, relative to the level that droops half of the eyelids.
    eyelid: (f64, [f64; 2]),
    /// Largest frontalis dominance over the brow depressors.
    brow: (f64, f64),
    smile: (f64, [f64; 2]),
    /// Largest neck session (U).
    dysphagia: (f64, f64),
    /// Sessions and cumulative units.
    antibodies: (f64, usize, f64),
}

fn risk_findings(plan: &Plan, peaks: &impl Peaks, parameters: &Parameters) -> RiskFindings {
    let anatomy = Anatomy::get();
    let index_of = |name: &str| anatomy.index_of(name).expect("muscle in anatomy");

    let exposure = crate::model::ptosis::levator_site_exposure(plan, parameters);
    let either_eye = 1.0
        - exposure
            .iter()
            .map(|&e| {
                1.0 - lognormal_risk(e, crate::model::ptosis::EYELID_EXPOSURE_50, SPREAD_LOG_SD)
            })
            .product::<f64>();
    let eyelid = (
        either_eye,
        [
            exposure[0] / crate::model::ptosis::EYELID_EXPOSURE_50,
            exposure[1] / crate::model::ptosis::EYELID_EXPOSURE_50,
        ],
    );

    let frontalis = index_of(BROW_ELEVATOR);
    let depressors = BROW_DEPRESSORS;
    let mut brow = 0.0f64;
    let mut brow_driver = 0.0f64;
    for side in Side::BOTH {
        let lift = peak_blockade(peaks, frontalis, side);
        let depression =
            brow_depression(depressors.map(|m| peak_blockade(peaks, index_of(m), side)));
        let dominance = (lift - depression).max(0.0);
        brow_driver = brow_driver.max(dominance);
        brow = 1.0
            - (1.0 - brow)
                * (1.0 - lognormal_risk(dominance, BROW_PTOSIS_DOMINANCE, SPREAD_LOG_SD));
    }

    // Smile asymmetry: toxin reaching a smile muscle (zygomaticus major, risorius) on either
    // side; patient-to-patient spread makes even symmetric doses land unequally, so each
    // side's exposure counts on its own.
    let mut smile = [0.0f64; 2];
    for side in Side::BOTH {
        smile[side.index()] = SMILE_MUSCLES
            .iter()
            .map(|m| relative_exposure(peaks, parameters, index_of(m), side))
            .fold(0.0, f64::max);
    }
    let smile_risk = 1.0
        - smile
            .iter()
            .map(|&e| 1.0 - lognormal_risk(e, 1.0, SPREAD_LOG_SD))
            .product::<f64>();

    let platysma = index_of("platysma");
    let neck_sessions = plan.sessions(|i| i.muscle == platysma);
    let neck_max = neck_sessions.iter().map(|s| s.1).fold(0.0, f64::max);
    let dysphagia = 1.0
        - neck_sessions
            .iter()
            .map(|s| 1.0 - lognormal_risk(s.1, DYSPHAGIA_UNITS_50, DYSPHAGIA_LOG_SD))
            .product::<f64>();

    let sessions = plan.sessions(|_| true);
    let cumulative: f64 = sessions.iter().map(|s| s.1).sum();
    RiskFindings {
        eyelid,
        brow: (brow, brow_driver),
        smile: (smile_risk, smile),
        dysphagia: (dysphagia, neck_max),
        antibodies: (
            crate::simulation::plan_immunity(plan).probability(),
            sessions.len(),
            cumulative,
        ),
    }
}

/// The risks' probabilities in [`RISK_NAMES`] order, rounded as [`risks`] reports them,
/// without their words: what a virtual trial sums over its patients.
pub fn risk_probabilities(plan: &Plan, peaks: &impl Peaks, parameters: &Parameters) -> [f64; 5] {
    risk_probabilities_of(&risk_findings(plan, peaks, parameters))
}

/// The risks of a simulated plan (eyelid and brow ptosis, smile asymmetry, dysphagia,
/// antibodies), each with its driver and source.
pub fn risks(plan: &Plan, simulation: &Simulation, parameters: &Parameters) -> Vec<RiskReport> {
    let findings = risk_findings(plan, simulation, parameters);
    let probabilities = risk_probabilities_of(&findings);
    let (eyelid, brow, smile) = (findings.eyelid.1, findings.brow.1, findings.smile.1);
    let (neck_max, (_, sessions, cumulative)) = (findings.dysphagia.1, findings.antibodies);
    let drivers_and_sources = [
        (
            format!(
                "injected fluid reaching the levator palpebrae from the injection sites (distance, volume): {:.4} (left), {:.4} (right) of the level that droops half of the eyelids",
                eyelid[0], eyelid[1]
            ),
            "injection sites' distance to the levator palpebrae through the orbital septum and volume, not units (dose-ranging trials: no more ptosis at 40-80 U, Carruthers 2005 [R], PMC9558451 [R]); fitted to the label glabella dose (Carruthers 2002 5.4%; SAKURA 3 0.9%)",
        ),
        (
            format!("frontalis blockade exceeding brow-depressor blockade by {brow:.3}"),
            "unopposed brow depressors after frontalis block (Cotofana C-line); ~2% with forehead + glabella on the label [M]",
        ),
        (
            format!(
                "toxin reaching the smile muscles: {:.4} (left), {:.4} (right) of the half-blocking level",
                smile[0], smile[1]
            ),
            "spread from masseter or lower-face injections to risorius and zygomaticus major; smile limitation in 0.15% of masseter sessions (Peng 2018) [R], a validation point",
        ),
        (
            format!("largest neck session {neck_max:.1} U"),
            "neck dose: keep <= 40 U per session (platysma chapter); dysphagia common at cervical-dystonia doses",
        ),
        (
            format!("{sessions} sessions, {cumulative:.0} U in all"),
            "per-session hazard from dose, interval, boosters, cumulative exposure and product (docs/model.md, Neutralising antibodies); fitted to 0.3% after ~4 glabella sessions (Naumann 2010, Jankovic 2023) and 1.3% in cervical dystonia trials (Jankovic 2023)",
        ),
    ];
    RISK_NAMES
        .iter()
        .zip(probabilities)
        .zip(drivers_and_sources)
        .map(|((name, probability), (driver, source))| RiskReport {
            risk: (*name).into(),
            probability,
            driver,
            source: source.into(),
        })
        .collect()
}

fn risk_probabilities_of(findings: &RiskFindings) -> [f64; 5] {
    [
        round(findings.eyelid.0),
        round(findings.brow.0),
        round(findings.smile.0),
        round(findings.dysphagia.0),
        round(findings.antibodies.0),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{InjectionEntry, Sex, Site};
    use crate::{simulate, SolverOptions};

    #[test]
    fn line_band_concentrates_the_block_and_saturates() {
        let mut state = model::BASELINE_STATE;
        state[index::B] = 0.3;
        state[index::M] = 0.9;
        // The whole muscle: the model's own strength.
        assert!((line_strength(&state, 1.0) - model::strength(&state)).abs() < 1e-15);
        // Half the terminals in the band: it carries twice the mean block.
        assert!((line_strength(&state, 0.5) - 0.9 * 0.4).abs() < 1e-12);
        // A block larger than the band silences it, never a negative strength.
        state[index::B] = 0.6;
        assert_eq!(line_strength(&state, 0.5), 0.0);
    }

    #[test]
    fn band_strengths_add_up_to_the_bits_of_the_day_by_day_sum() {
        // Whatever the instruction set, the daily loop gives the bits of the written-out sum:
        // blockades across and beyond [0, 1] and a NaN, a whole and a partial band, lengths
        // that are not a multiple of the vector width.
        for days in [0, 1, 5, 365] {
            let states: Vec<(f64, f64)> = (0..days)
                .map(|d| {
                    let blockade = if d == 3 {
                        f64::NAN
                    } else {
                        (d as f64 * 0.37).sin() * 0.7 + 0.25
                    };
                    (blockade, 0.9 + 0.1 * (d as f64 * 0.11).cos())
                })
                .collect();
            for fraction in [1.0, 0.6] {
                let start: Vec<f64> = (0..days).map(|d| 0.01 * d as f64).collect();
                let mut weighted = start.clone();
                add_band_strengths(&mut weighted, states.iter().copied(), 1.7, fraction);
                for d in 0..days {
                    let (blockade, mass) = states[d];
                    let expected = start[d] + 1.7 * band_strength(blockade, mass, fraction);
                    assert_eq!(weighted[d].to_bits(), expected.to_bits(), "day {d}");
                }
            }
        }
    }

    #[test]
    fn a_whole_band_gives_the_bits_of_the_divided_band() {
        // Blockades across and beyond [0, 1], including a NaN (which must stay a NaN).
        let blockades = (-20..=120).map(|i| i as f64 * 0.01 + 1e-7).chain([
            0.0,
            1.0,
            -0.0,
            f64::NAN,
            1.0 - f64::EPSILON,
        ]);
        for blockade in blockades {
            for mass in [0.0, 0.37, 0.9999, 1.0] {
                let divided = (1.0 - (blockade.clamp(0.0, 1.0) / 1.0).min(1.0)) * mass;
                let whole = band_strength(blockade, mass, 1.0);
                assert_eq!(whole.to_bits(), divided.to_bits(), "B {blockade}, M {mass}");
            }
        }
    }

    #[test]
    fn forehead_lines_fall_deeper_than_the_frontalis_strength() {
        let plan = Plan::builder()
            .patient(Sex::Female, 45.0)
            .injection(InjectionEntry::new(
                "onabotulinumtoxinA",
                "frontalis",
                Site::Left,
                10.0,
            ))
            .injection(InjectionEntry::new(
                "onabotulinumtoxinA",
                "frontalis",
                Site::Right,
                10.0,
            ))
            .build()
            .unwrap();
        let simulation = simulate(&plan, &Parameters::TYPICAL, 60, &SolverOptions::default());
        let frontalis = Anatomy::get().index_of("frontalis").unwrap();
        let muscle = simulation.compartment(frontalis, Side::Left).unwrap();
        let lines = area_strength(&simulation, "forehead");
        assert!(lines[30] < model::strength(&muscle.states[30]) - 0.1);
        assert!(lines[0] > 0.99);
    }

    #[test]
    fn an_unknown_area_is_an_error_not_the_glabella() {
        let plan = Plan::builder()
            .patient(Sex::Female, 40.0)
            .injection(InjectionEntry::new(
                "onabotulinumtoxinA",
                "frontalis",
                Site::Left,
                10.0,
            ))
            .build()
            .unwrap();
        let parameters = Parameters::TYPICAL;
        let simulation = simulate(&plan, &parameters, 30, &SolverOptions::default());
        let error = area_severity(&plan, &simulation, &parameters, "chin").unwrap_err();
        assert_eq!(error, UnknownArea("chin".into()));
        assert!(error
            .to_string()
            .contains("glabella, forehead, lateral_canthal"));
        let (baseline, severity) =
            area_severity(&plan, &simulation, &parameters, "forehead").unwrap();
        assert_eq!(baseline, 3.0);
        assert!(severity[20] < baseline);
    }

    #[test]
    fn the_severity_cut_decides_as_the_power_does() {
        // Strengths swept densely, and packed around each cut's own strength to the last
        // bits, for every responder threshold, baseline and a range of exponents.
        for exponent in [0.5, 1.0, 1.37, 2.0, 3.3] {
            for baseline in [1.0, 2.0, 3.0] {
                for responder in Responder::ALL {
                    let threshold = responder.threshold(baseline);
                    let cut = SeverityCut::new(baseline, exponent, threshold);
                    let kept = SeverityCut::at_most(baseline, exponent, threshold);
                    let at = (threshold / baseline).powf(exponent.recip());
                    let mut strengths: Vec<f64> = (0..=2000).map(|i| i as f64 * 0.0007).collect();
                    strengths.extend([-0.1, f64::NAN, 1.0, 0.0]);
                    if at.is_finite() {
                        let mut x = at;
                        for _ in 0..64 {
                            strengths.push(x);
                            x = f64::from_bits(x.to_bits() + 1);
                        }
                        x = at;
                        for _ in 0..64 {
                            strengths.push(x);
                            x = f64::from_bits(x.to_bits() - 1);
                        }
                    }
                    for s in strengths {
                        let severity = baseline * s.max(0.0).powf(exponent);
                        assert_eq!(
                            cut.below(s),
                            responder.responds(severity, baseline),
                            "{responder:?} baseline {baseline} exponent {exponent} strength {s}"
                        );
                        assert_eq!(
                            kept.below(s),
                            severity <= threshold,
                            "at most {threshold}: baseline {baseline} exponent {exponent} strength {s}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn responder_thresholds() {
        assert!(Responder::NoneOrMild.responds(1.4, 3.0));
        assert!(!Responder::NoneOrMild.responds(1.5, 3.0));
        assert!(Responder::Improved1.responds(2.4, 3.0));
        assert!(!Responder::Improved1.responds(2.5, 3.0));
        assert!(Responder::Improved2.responds(1.4, 3.0));
        assert!(!Responder::Improved2.responds(1.5, 3.0));
    }
}
