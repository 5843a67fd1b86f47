//! The next dose and interval chosen over the posterior: every candidate (the last session's
//! doses scaled, in whole units, within each muscle's usual upper dose; an interval from the
//! label's minimum retreatment interval) is simulated for every posterior draw over the coming
//! year, and the candidate with the least expected loss is proposed: the exact minimum over the
//! whole grid ([`super::grid`], which makes that affordable), or, for the plans the grid's
//! conditions exclude, the best a coordinate search finds. The loss is the sum of the terms
//! asked for, each spelled out in [`Goals`]; the same loss of the label plan (the last session
//! repeated every 90 days) is reported beside it.

use super::individual::IndividualModel;
use super::{posterior_draws, FitRequest};
use crate::anatomy::{Anatomy, Side};
use crate::engine::{Model, RequestError};
use crate::numbers::round;
use crate::plan::warnings::MINIMUM_RETREATMENT_DAYS;
use crate::plan::{Injection, Plan};
use rayon::prelude::*;
use serde::Serialize;

/// Scale factors tried on the last session's doses (per treated target; capped at each
/// muscle's usual upper dose).
pub const DOSE_SCALES: [f64; 11] = [0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0];
/// Intervals tried beyond the minimum, in days.
pub const INTERVAL_STEP_DAYS: f64 = 15.0;
pub const LONGEST_INTERVAL_DAYS: f64 = 180.0;

/// What the loss counts. Each indicator term costs 1 when the target is missed by a draw, so
/// the expected loss is a sum of probabilities of missing, plus the weighted units and
/// antibody risk.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Goals {
    /// Severity grade at or below which an area counts as controlled (`--severity-target`).
    pub severity_target: Option<f64>,
    /// Share of the year's days the area must be controlled (`--severity-share`, default 0.8).
    pub severity_share: f64,
    /// Masseter volume (fraction of baseline) it must never fall below (`--volume-floor`).
    pub volume_floor: Option<f64>,
    /// Masseter volume it must reach by the year's end (`--slimming-target`).
    pub slimming_target: Option<f64>,
    /// Loss per 100 units a year (`--units-weight`, default 0).
    pub units_weight: f64,
    /// Loss per unit probability of antibody conversion (`--antibody-weight`, default 0).
    pub antibody_weight: f64,
    /// Days ahead judged (default 365).
    pub horizon_days: usize,
}

impl Default for Goals {
    fn default() -> Goals {
        Goals {
            severity_target: None,
            severity_share: 0.8,
            volume_floor: None,
            slimming_target: None,
            units_weight: 0.0,
            antibody_weight: 0.0,
            horizon_days: 365,
        }
    }
}

/// One proposed dose.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProposedDose {
    pub product: &'static str,
    pub muscle: String,
    pub side: &'static str,
    pub last_units: f64,
    pub units: f64,
    /// The usual upper dose the units are capped at.
    pub cap_units: f64,
    pub volume_ml: f64,
}

/// How a plan fares on one goal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoalOutcome {
    pub goal: String,
    /// Posterior probability of meeting it: proposed plan, label plan.
    pub probability: f64,
    pub label_probability: f64,
}

/// The proposal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptimiseResult {
    pub disclaimer: &'static str,
    pub next_day: f64,
    pub interval_days: f64,
    pub sessions: usize,
    pub doses: Vec<ProposedDose>,
    pub expected_loss: f64,
    pub label_expected_loss: f64,
    pub goals: Vec<GoalOutcome>,
    pub units_per_year: f64,
    pub label_units_per_year: f64,
    pub antibody_risk: f64,
    pub label_antibody_risk: f64,
    pub draws: usize,
    pub candidates: usize,
}

/// For each injection of `session`, the position in `targets` of the treated target its
/// dose is scaled with: its muscle's area, or the muscle itself (`None` when none matches).
pub(crate) fn target_group_of(
    session: &[&Injection],
    targets: &[super::predict::ReturnTarget],
) -> Vec<Option<usize>> {
    let anatomy = Anatomy::get();
    session
        .iter()
        .map(|i| {
            let area = anatomy.muscle(i.muscle).wrinkle_area.as_deref();
            targets.iter().position(|t| match t {
                super::predict::ReturnTarget::Area(a) => area == Some(*a),
                super::predict::ReturnTarget::Muscle(m, _) => *m == i.muscle,
            })
        })
        .collect()
}

/// The last session's injections (those on the plan's last injection day).
fn last_session(plan: &Plan) -> Vec<&Injection> {
    let last = plan.injections.last().map_or(0.0, |i| i.day);
    plan.injections.iter().filter(|i| i.day == last).collect()
}

/// The plan continued with sessions of `units` (one per last-session injection) every
/// `interval` days over the horizon.
pub fn continued(plan: &Plan, units: &[f64], interval: f64, horizon: f64) -> (Plan, usize) {
    let session = last_session(plan);
    let last = plan.injections.last().map_or(0.0, |i| i.day);
    let mut extended = plan.clone();
    let mut day = last + interval;
    let mut sessions = 0;
    while day < last + horizon {
        for (injection, &u) in session.iter().zip(units) {
            let mut next = (*injection).clone();
            next.day = day;
            next.equivalent_units = injection.equivalent_units * u / injection.units;
            next.units = u;
            extended.injections.push(next);
        }
        sessions += 1;
        day += interval;
    }
    (extended, sessions)
}

/// How a candidate fares over draws: its loss, the share of draws meeting each goal, its
/// units a year and antibody risk.
pub struct Judged {
    pub loss: f64,
    pub met: Vec<f64>,
    pub units_per_year: f64,
    pub antibody: f64,
}

/// Judge the plan continued with sessions of `units` every `interval` days over `draws`.
pub fn judge(
    plan: &Plan,
    model: &Model,
    individual: &IndividualModel,
    draws: &[Vec<f64>],
    goals: &Goals,
    units: &[f64],
    interval: f64,
) -> Judged {
    let horizon = goals.horizon_days as f64;
    let last = plan.injections.last().map_or(0.0, |i| i.day);
    let (candidate, _) = continued(plan, units, interval, horizon);
    let first = last.ceil() as usize;
    let days = first + goals.horizon_days;
    let areas = crate::metrics::treated_areas(plan);
    let masseter = Anatomy::get().index_of("masseter");
    let has_masseter = plan.injections.iter().any(|i| Some(i.muscle) == masseter);
    // Only the muscles the goals read are simulated (each bit-identical to the whole face's).
    let mut only: Vec<usize> = areas
        .iter()
        .flat_map(|area| {
            super::predict::Quantity::SeverityMax(area)
                .compartments()
                .unwrap_or_default()
        })
        .collect();
    if let Some(masseter) = masseter {
        only.extend(super::predict::ReturnTarget::Muscle(masseter, None).compartments());
    }
    let per_draw: Vec<Vec<f64>> = draws
        .par_iter()
        .map(|z| {
            let (patient, parameters) = individual.patient(&candidate, model, z);
            let simulation = crate::simulation::simulate_compartments(
                &patient,
                &parameters,
                days,
                &Default::default(),
                Some(&only),
            );
            let mut met = Vec::new();
            if let Some(target) = goals.severity_target {
                for area in &areas {
                    let (_, severity) =
                        crate::metrics::area_severity(&patient, &simulation, &parameters, area)
                            .expect("treated areas are scored");
                    let controlled = severity[first..]
                        .iter()
                        .filter(|&&s| s <= target + 0.5)
                        .count() as f64
                        / goals.horizon_days as f64;
                    met.push(f64::from(u8::from(controlled >= goals.severity_share)));
                }
            }
            if has_masseter && (goals.volume_floor.is_some() || goals.slimming_target.is_some()) {
                let volume = |day: usize| {
                    let side = |s: Side| {
                        masseter
                            .and_then(|m| simulation.compartment(m, s))
                            .map_or(1.0, |c| crate::model::volume(&c.states[day]))
                    };
                    (side(Side::Left) + side(Side::Right)) / 2.0
                };
                if let Some(floor) = goals.volume_floor {
                    let lowest = (first..days).map(volume).fold(f64::INFINITY, f64::min);
                    met.push(f64::from(u8::from(lowest >= floor)));
                }
                if let Some(target) = goals.slimming_target {
                    met.push(f64::from(u8::from(volume(days - 1) <= target)));
                }
            }
            met
        })
        .collect();
    let goals_count = per_draw.first().map_or(0, Vec::len);
    let met: Vec<f64> = (0..goals_count)
        .map(|g| per_draw.iter().map(|m| m[g]).sum::<f64>() / per_draw.len().max(1) as f64)
        .collect();
    judged(plan, goals, units, interval, met)
}

/// A candidate's loss from the shares of draws meeting each goal: the misses, plus its units
/// a year and antibody risk weighted.
pub fn judged(plan: &Plan, goals: &Goals, units: &[f64], interval: f64, met: Vec<f64>) -> Judged {
    let horizon = goals.horizon_days as f64;
    let (candidate, sessions) = continued(plan, units, interval, horizon);
    let session_units: f64 = last_session(plan)
        .iter()
        .zip(units)
        .map(|(i, u)| i.equivalent_units * u / i.units)
        .sum();
    let units_per_year = session_units * sessions as f64 * 365.0 / horizon;
    let antibody = crate::simulation::plan_immunity(&candidate).probability();
    let loss = met.iter().map(|p| 1.0 - p).sum::<f64>()
        + goals.units_weight * units_per_year / 100.0
        + goals.antibody_weight * antibody;
    Judged {
        loss,
        met,
        units_per_year,
        antibody,
    }
}

/// Whether candidate `a` (interval `ia`) is better than `b` (interval `ib`): less expected
/// loss, then fewer units a year, then the longer interval.
pub fn better(a: &Judged, b: &Judged, ia: f64, ib: f64) -> bool {
    a.loss
        .total_cmp(&b.loss)
        .then(a.units_per_year.total_cmp(&b.units_per_year))
        .then(ib.total_cmp(&ia))
        .is_lt()
}

/// Choose the next dose and interval (see the module header).
pub fn optimise(
    request: &FitRequest,
    goals: &Goals,
    model: &Model,
) -> Result<OptimiseResult, RequestError> {
    request.validate()?;
    if goals.severity_target.is_none()
        && goals.volume_floor.is_none()
        && goals.slimming_target.is_none()
    {
        return Err(RequestError::unusable(
            "severity_target",
            "give at least one target: --severity-target, --volume-floor or --slimming-target",
        ));
    }
    if !(0.0..=1.0).contains(&goals.severity_share) {
        return Err(RequestError::out_of_range(
            "severity_share",
            goals.severity_share,
            0,
            1,
        ));
    }
    for (field, value) in [
        ("volume_floor", goals.volume_floor),
        ("slimming_target", goals.slimming_target),
    ] {
        if let Some(v) = value {
            if !(0.0..=1.0).contains(&v) {
                return Err(RequestError::out_of_range(field, v, 0, 1));
            }
        }
    }
    if let Some(t) = goals.severity_target {
        if !(0.0..=3.0).contains(&t) {
            return Err(RequestError::out_of_range("severity_target", t, 0, 3));
        }
    }
    for (field, value) in [
        ("units_weight", goals.units_weight),
        ("antibody_weight", goals.antibody_weight),
    ] {
        if !(0.0..=1e6).contains(&value) {
            return Err(RequestError::out_of_range(field, value, 0, 1_000_000));
        }
    }
    if !(30..=3650).contains(&goals.horizon_days) {
        return Err(RequestError::out_of_range(
            "horizon_days",
            goals.horizon_days,
            30,
            3650,
        ));
    }
    let posterior = posterior_draws(request, model);
    let draws: &[Vec<f64>] = &posterior.sampled.draws;
    let plan = request.plan;
    let session = last_session(plan);
    let anatomy = Anatomy::get();
    let caps: Vec<f64> = session
        .iter()
        .map(|i| anatomy.muscle(i.muscle).typical_dose_units[1].max(i.units))
        .collect();
    let mut intervals = vec![MINIMUM_RETREATMENT_DAYS];
    while intervals.last().copied().unwrap_or(0.0) + INTERVAL_STEP_DAYS <= LONGEST_INTERVAL_DAYS {
        intervals.push(intervals.last().copied().unwrap_or(0.0) + INTERVAL_STEP_DAYS);
    }
    // Doses are scaled per treated target (an area's muscles together, a masseter pair
    // together), so goals of different areas are met by their own doses.
    let targets = super::predict::ReturnTarget::treated(plan);
    // An injection no target matches is scaled with the first.
    let group_of: Vec<usize> = target_group_of(&session, &targets)
        .into_iter()
        .map(|group| group.unwrap_or(0))
        .collect();
    let units_for = |scales: &[f64]| -> Vec<f64> {
        session
            .iter()
            .zip(&caps)
            .zip(&group_of)
            .map(|((i, cap), &g)| (i.units * scales[g]).round().clamp(1.0, *cap))
            .collect()
    };
    let individual = &posterior.individual;
    let label_units: Vec<f64> = session.iter().map(|i| i.units).collect();
    let mut scales = vec![1.0; targets.len().max(1)];
    // Each target's distinct units over the dose scales.
    let options: Vec<Vec<Vec<f64>>> = (0..scales.len())
        .map(|g| {
            let mut distinct: Vec<Vec<f64>> = Vec::new();
            for scale in DOSE_SCALES {
                let mut trial = vec![1.0; scales.len()];
                trial[g] = scale;
                let units: Vec<f64> = units_for(&trial)
                    .into_iter()
                    .zip(&group_of)
                    .filter(|(_, &group)| group == g)
                    .map(|(u, _)| u)
                    .collect();
                if !distinct.contains(&units) {
                    distinct.push(units);
                }
            }
            distinct
        })
        .collect();
    let grid = super::grid::Grid::new(
        plan,
        session.clone(),
        &group_of,
        &options,
        &intervals,
        goals,
    );
    let judge_label = || {
        judge(
            plan,
            model,
            individual,
            draws,
            goals,
            &label_units,
            MINIMUM_RETREATMENT_DAYS,
        )
    };
    let (exact, label) = match grid {
        Some(grid) => {
            let counts = grid.met_counts(model, individual, draws, goals);
            let label = grid
                .judged(
                    &counts,
                    draws.len(),
                    goals,
                    &label_units,
                    MINIMUM_RETREATMENT_DAYS,
                )
                .unwrap_or_else(judge_label);
            let best = grid.best(&counts, draws.len(), goals, &label_units);
            (Some((best, grid.candidates)), label)
        }
        None => (None, judge_label()),
    };
    let ((units, interval, chosen), candidates_count) = match exact {
        Some(found) => found,
        None => {
            // Otherwise a coordinate search: each target's scale in turn, then the
            // interval; two rounds.
            let mut interval_chosen = MINIMUM_RETREATMENT_DAYS;
            let mut candidates: Vec<(Vec<f64>, f64)> = Vec::new();
            let mut judged: Vec<Judged> = Vec::new();
            let evaluate = |candidates: &mut Vec<(Vec<f64>, f64)>,
                            judged: &mut Vec<Judged>,
                            units: Vec<f64>,
                            interval: f64|
             -> usize {
                if let Some(k) = candidates
                    .iter()
                    .position(|(u, d)| *u == units && *d == interval)
                {
                    return k;
                }
                judged.push(judge(
                    plan, model, individual, draws, goals, &units, interval,
                ));
                candidates.push((units, interval));
                candidates.len() - 1
            };
            let mut best = evaluate(
                &mut candidates,
                &mut judged,
                units_for(&scales),
                interval_chosen,
            );
            for _round in 0..2 {
                for group in 0..scales.len() {
                    for scale in DOSE_SCALES {
                        let mut trial = scales.clone();
                        trial[group] = scale;
                        let k = evaluate(
                            &mut candidates,
                            &mut judged,
                            units_for(&trial),
                            interval_chosen,
                        );
                        if better(
                            &judged[k],
                            &judged[best],
                            candidates[k].1,
                            candidates[best].1,
                        ) {
                            best = k;
                            scales = trial;
                        }
                    }
                }
                for &interval in &intervals {
                    let k = evaluate(&mut candidates, &mut judged, units_for(&scales), interval);
                    if better(
                        &judged[k],
                        &judged[best],
                        candidates[k].1,
                        candidates[best].1,
                    ) {
                        best = k;
                        interval_chosen = interval;
                    }
                }
            }
            let count = candidates.len();
            let (units, interval) = candidates.swap_remove(best);
            ((units, interval, judged.swap_remove(best)), count)
        }
    };
    let (units, interval, chosen) = (&units, &interval, &chosen);
    let mut goal_names = Vec::new();
    if let Some(target) = goals.severity_target {
        for area in crate::metrics::treated_areas(plan) {
            goal_names.push(format!(
                "{area} severity at most {target} on at least {:.0}% of the next {} days",
                goals.severity_share * 100.0,
                goals.horizon_days
            ));
        }
    }
    let masseter_treated = plan
        .injections
        .iter()
        .any(|i| Some(i.muscle) == anatomy.index_of("masseter"));
    if masseter_treated {
        if let Some(floor) = goals.volume_floor {
            goal_names.push(format!("masseter volume never below {floor} of baseline"));
        }
        if let Some(target) = goals.slimming_target {
            goal_names.push(format!(
                "masseter volume at most {target} of baseline after {} days",
                goals.horizon_days
            ));
        }
    }
    let last = plan.injections.last().map_or(0.0, |i| i.day);
    let (_, sessions) = continued(plan, units, *interval, goals.horizon_days as f64);
    Ok(OptimiseResult {
        disclaimer: crate::report::DISCLAIMER,
        next_day: last + interval,
        interval_days: *interval,
        sessions,
        doses: session
            .iter()
            .zip(units)
            .zip(&caps)
            .map(|((i, &u), &cap)| ProposedDose {
                product: i.product,
                muscle: anatomy.muscle(i.muscle).name.clone(),
                side: match i.site {
                    crate::plan::Site::Left => "left",
                    crate::plan::Site::Right => "right",
                    crate::plan::Site::Midline => "midline",
                },
                last_units: i.units,
                units: u,
                cap_units: cap,
                volume_ml: i.volume_ml,
            })
            .collect(),
        expected_loss: round(chosen.loss),
        label_expected_loss: round(label.loss),
        goals: goal_names
            .into_iter()
            .zip(chosen.met.iter().zip(&label.met))
            .map(|(goal, (p, q))| GoalOutcome {
                goal,
                probability: round(*p),
                label_probability: round(*q),
            })
            .collect(),
        units_per_year: round(chosen.units_per_year),
        label_units_per_year: round(label.units_per_year),
        antibody_risk: round(chosen.antibody),
        label_antibody_risk: round(label.antibody),
        draws: draws.len(),
        candidates: candidates_count,
    })
}
