//! Sequential updating: the posterior after each visit, as a clinic would update a patient's
//! record visit by visit, and the next cycle forecast from it, so the report shows how the
//! forecast sharpened with each visit. Each visit's posterior is Bayes' rule applied exactly:
//! the population prior times the likelihood of every observation up to that visit, sampled
//! as the all-at-once fit is (MAP, Laplace, adaptive importance resampling). Carrying a
//! Gaussian summary of one visit's posterior into the next as its prior was tried and
//! dropped: it loses the posterior's skew, and over 50 virtual patients its last visit missed
//! the all-at-once sensitivity by a median 0.41 posterior SD (docs/validation.md). The last
//! visit's posterior is therefore the all-at-once posterior itself.

use super::forecast::Interval90;
use super::individual::IndividualModel;
use super::observations::Observation;
use super::posterior::{self, GaussianPrior, Problem};
use super::predict::{Prediction, ReturnTarget};
use super::FitRequest;
use crate::engine::Model;
use crate::numbers::round;
use crate::plan::Plan;
use rayon::prelude::*;
use serde::Serialize;

/// Effective draws of each visit's posterior (before the last), and draws of every visit's
/// forecast interval.
pub const VISIT_DRAWS: usize = 200;

/// The posterior after one visit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SequentialStep {
    pub visit_day: f64,
    /// Observations up to and including this visit.
    pub observations: usize,
    /// Posterior mean and SD of each `z` (standard-normal units of the prior), in
    /// `parameters` order.
    pub z_mean: Vec<f64>,
    pub z_sd: Vec<f64>,
    /// Return of movement after the plan's last injection, forecast from this visit's
    /// posterior draws.
    pub next_cycle: Vec<VisitForecast>,
}

/// A target's return of movement as forecast at one visit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VisitForecast {
    pub area: String,
    pub return_day: Interval90,
}

/// The posterior and next-cycle forecast after each visit; `final_draws` are the all-at-once
/// posterior's draws (the posterior after the last visit).
pub fn sequential(
    plan: &Plan,
    model: &Model,
    individual: &IndividualModel,
    observations: &[Observation],
    request: &FitRequest,
    final_draws: &[Vec<f64>],
) -> Vec<SequentialStep> {
    let n = individual.len();
    let mut visits: Vec<f64> = observations.iter().map(|o| o.day).collect();
    visits.sort_by(f64::total_cmp);
    visits.dedup();
    let prior = GaussianPrior::population(n, request.prior_weight);
    let targets = ReturnTarget::treated(plan);
    let last_injection = plan.injections.last().map_or(0.0, |i| i.day);
    let days = (last_injection + 365.0).ceil() as usize;
    let mut steps = Vec::new();
    for (k, &visit) in visits.iter().enumerate() {
        let so_far: Vec<Observation> = observations
            .iter()
            .filter(|o| o.day <= visit)
            .cloned()
            .collect();
        let draws: Vec<Vec<f64>> = if k + 1 == visits.len() && !final_draws.is_empty() {
            final_draws.to_vec()
        } else {
            let problem = Problem::new(plan, model, individual, &so_far, prior.clone());
            let f = |z: &[f64]| problem.log_posterior(z);
            let laplace = posterior::laplace(&f, &prior.mean, request.prior_weight);
            posterior::sir(
                &f,
                &laplace,
                VISIT_DRAWS,
                VISIT_DRAWS as f64,
                VISIT_DRAWS * super::MAX_PROPOSALS_PER_DRAW,
                request.seed ^ (k as u64 + 1).wrapping_mul(0x9E37_79B9),
            )
            .draws
        };
        let count = draws.len().max(1) as f64;
        let z_mean: Vec<f64> = (0..n)
            .map(|i| draws.iter().map(|z| z[i]).sum::<f64>() / count)
            .collect();
        let z_sd: Vec<f64> = (0..n)
            .map(|i| {
                let variance = draws
                    .iter()
                    .map(|z| (z[i] - z_mean[i]).powi(2))
                    .sum::<f64>()
                    / count;
                variance.sqrt()
            })
            .collect();
        // The forecast from an evenly spaced subset of the (resampled, equally weighted) draws.
        let every = draws.len().div_ceil(VISIT_DRAWS).max(1);
        let returns: Vec<Vec<f64>> = draws
            .par_iter()
            .step_by(every)
            .map(|z| {
                let (patient, parameters) = individual.patient(plan, model, z);
                let prediction = Prediction::new(&patient, &parameters, model, days.max(1), false);
                targets
                    .iter()
                    .map(|t| {
                        let start = t
                            .injection_days(plan)
                            .last()
                            .copied()
                            .unwrap_or(last_injection);
                        prediction.return_day(t, start, None) - last_injection
                    })
                    .collect()
            })
            .collect();
        let next_cycle = targets
            .iter()
            .enumerate()
            .map(|(t, target)| VisitForecast {
                area: target.name(),
                return_day: Interval90::of(&returns.iter().map(|r| r[t]).collect::<Vec<_>>()),
            })
            .collect();
        steps.push(SequentialStep {
            visit_day: visit,
            observations: so_far.len(),
            z_mean: z_mean.iter().map(|x| round(*x)).collect(),
            z_sd: z_sd.iter().map(|x| round(*x)).collect(),
            next_cycle,
        });
    }
    steps
}
