//! Sequential updating: the posterior after visit k (its Laplace approximation) is the prior
//! for the observations of visit k+1, as a clinic would update a patient's record visit by
//! visit. With Gaussian-shaped posteriors this reaches the all-at-once posterior; each step
//! also forecasts the next cycle's return, so the report shows how the forecast sharpened
//! with each visit. (Movement reports of one cycle seen at different visits enter as
//! one-sided censored terms here, an interval all at once: the same information.)

use super::forecast::Interval90;
use super::individual::IndividualModel;
use super::observations::Observation;
use super::posterior::{self, GaussianPrior, Problem};
use super::predict::{Prediction, ReturnTarget};
use super::FitRequest;
use crate::engine::Model;
use crate::numbers::round;
use crate::plan::Plan;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use serde::Serialize;

/// Laplace draws per visit for its forecast interval.
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
    /// Laplace posterior.
    pub next_cycle: Vec<VisitForecast>,
}

/// A target's return of movement as forecast at one visit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VisitForecast {
    pub area: String,
    pub return_day: Interval90,
}

pub fn sequential(
    plan: &Plan,
    model: &Model,
    individual: &IndividualModel,
    observations: &[Observation],
    request: &FitRequest,
) -> Vec<SequentialStep> {
    let n = individual.len();
    let mut visits: Vec<f64> = observations.iter().map(|o| o.day).collect();
    visits.dedup();
    let mut prior = GaussianPrior::population(n, request.prior_weight);
    let mut steps = Vec::new();
    let mut previous = f64::NEG_INFINITY;
    let targets = ReturnTarget::treated(plan);
    let last_injection = plan.injections.last().map_or(0.0, |i| i.day);
    let days = (last_injection + 365.0).ceil() as usize;
    for (k, &visit) in visits.iter().enumerate() {
        let new: Vec<Observation> = observations
            .iter()
            .filter(|o| o.day > previous && o.day <= visit)
            .cloned()
            .collect();
        previous = visit;
        let problem = Problem::new(plan, model, individual, &new, prior.clone());
        let f = |z: &[f64]| problem.log_posterior(z);
        let laplace = posterior::laplace(&f, &prior.mean, 1.0);
        // Forecast from this visit's Gaussian posterior.
        let mut rng =
            ChaCha8Rng::seed_from_u64(request.seed ^ (k as u64 + 1).wrapping_mul(0x9E37_79B9));
        let draws: Vec<Vec<f64>> = (0..VISIT_DRAWS)
            .map(|_| {
                let normals: Vec<f64> = (0..n).map(|_| StandardNormal.sample(&mut rng)).collect();
                let offset = super::linear::lower_times(&laplace.covariance_factor, &normals);
                laplace
                    .mode
                    .z
                    .iter()
                    .zip(&offset)
                    .map(|(m, o)| m + o)
                    .collect()
            })
            .collect();
        let returns: Vec<Vec<f64>> = draws
            .par_iter()
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
            observations: observations.iter().filter(|o| o.day <= visit).count(),
            z_mean: laplace.mode.z.iter().map(|x| round(*x)).collect(),
            z_sd: (0..n)
                .map(|i| round(laplace.covariance[i][i].sqrt()))
                .collect(),
            next_cycle,
        });
        prior = GaussianPrior {
            mean: laplace.mode.z.clone(),
            precision: laplace.precision.clone(),
            weight: 1.0,
        };
    }
    steps
}
