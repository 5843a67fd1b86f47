//! Individual Bayesian forecasting: a patient's own parameters fitted to what the clinic
//! observed of them, with the virtual population (`crate::population`) as the prior, and
//! forecasts over the posterior instead of the typical patient.
//!
//! The parts: [`observations`] (what was observed, from CSV or `[[observation]]`),
//! [`individual`] (the parameters and their log-normal prior), [`predict`] (the model's value
//! of each observed quantity), [`likelihood`] (ordered probit for grades, interval censoring
//! for the return of movement, Gaussian for measurements), [`posterior`] (MAP, Laplace,
//! sampling-importance-resampling), [`forecast`] (bands and the next cycle's return) and
//! sequential updating visit by visit ([`sequential`]). Everything is pure: the front ends
//! read and write files. Front ends call [`crate::Engine::fit`].

pub mod forecast;
pub mod grid;
pub mod individual;
pub mod likelihood;
pub mod linear;
pub mod observations;
pub mod optimise;
pub mod posterior;
pub mod predict;
pub mod sequential;

pub use forecast::{Band, BandDay, Interval90, NextCycle};
pub use individual::IndividualModel;
pub use observations::{
    parse_observations_csv, validate_observation, Observation, ObservationError, ObservationFile,
    ObservationKind, OBSERVATION_KEYS,
};
pub use sequential::SequentialStep;

use crate::engine::{Model, RequestError};
use crate::numbers::round;
use crate::plan::Plan;
use posterior::{GaussianPrior, Problem};
use serde::Serialize;

/// Default number of posterior draws (and effective sample size sought).
pub const DEFAULT_DRAWS: usize = 1000;
/// Default weight of the population prior: 1 is full Bayes; below 1 the patient's own data
/// count more against the population (less shrinkage), above 1 less.
pub const DEFAULT_PRIOR_WEIGHT: f64 = 1.0;
/// Proposals spent at most per effective draw sought before resampling anyway.
pub const MAX_PROPOSALS_PER_DRAW: usize = 20;
/// Most draws entering the daily bands (every k-th draw): 500 give quantiles as fine as a plot
/// shows, at half the memory of 1,000.
pub const BAND_DRAWS: usize = 500;

/// What to fit.
#[derive(Debug, Clone)]
pub struct FitRequest<'a> {
    pub plan: &'a Plan,
    /// The observations (the plan's own `[[observation]]` entries are added by the engine).
    pub observations: Vec<Observation>,
    pub seed: u64,
    /// Posterior draws resampled (and the effective sample size sought), 10 to 100,000.
    pub draws: usize,
    /// Weight of the population prior (the shrinkage knob), above 0 and at most 100.
    pub prior_weight: f64,
    /// Fit visit by visit as well (`sequential` of the result).
    pub sequential: bool,
    /// Days forecast; default: a year past the later of the last injection and observation.
    pub days: Option<usize>,
}

impl<'a> FitRequest<'a> {
    pub fn new(plan: &'a Plan, observations: Vec<Observation>) -> FitRequest<'a> {
        FitRequest {
            plan,
            observations,
            seed: 1,
            draws: DEFAULT_DRAWS,
            prior_weight: DEFAULT_PRIOR_WEIGHT,
            sequential: true,
            days: None,
        }
    }

    /// The observations fitted: the request's and the plan's, by day (stable).
    pub fn all_observations(&self) -> Vec<Observation> {
        let mut all: Vec<Observation> = self.plan.observations.clone();
        all.extend(self.observations.iter().cloned());
        all.sort_by(|a, b| a.day.total_cmp(&b.day));
        all
    }

    /// Checks the request; returns the forecast days.
    pub fn validate(&self) -> Result<usize, RequestError> {
        if !(10..=100_000).contains(&self.draws) {
            return Err(RequestError::out_of_range("draws", self.draws, 10, 100_000));
        }
        if !(self.prior_weight > 0.0 && self.prior_weight <= 100.0) {
            return Err(RequestError::unusable(
                "prior_weight",
                format!(
                    "{} is not a weight above 0 and at most 100 (1 = full Bayes)",
                    self.prior_weight
                ),
            ));
        }
        let observations = self.all_observations();
        if observations.is_empty() {
            return Err(RequestError::unusable(
                "observations",
                "no observations to fit: give an observations file or `[[observation]]` entries",
            ));
        }
        if self.plan.injections.is_empty() {
            return Err(RequestError::unusable(
                "plan",
                "the plan has no injections: there is no treatment to fit",
            ));
        }
        let last_injection = self.plan.injections.last().map_or(0.0, |i| i.day);
        let last_observation = observations.iter().map(|o| o.day).fold(0.0, f64::max);
        let default = (last_injection.max(last_observation) + 365.0).ceil() as usize;
        let days = self.days.unwrap_or(default);
        if !(1..=crate::plan::MAX_DAYS).contains(&days) {
            return Err(RequestError::out_of_range(
                "days",
                days,
                1,
                crate::plan::MAX_DAYS,
            ));
        }
        Ok(days)
    }
}

/// One parameter's posterior, as a multiplier of the typical patient's value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParameterSummary {
    pub name: &'static str,
    pub meaning: &'static str,
    /// Population log-normal SD (the prior).
    pub prior_sd: f64,
    pub map: f64,
    pub median: f64,
    pub p05: f64,
    pub p95: f64,
}

/// How far to trust the sampler.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostics {
    pub method: &'static str,
    pub observations: usize,
    pub map_converged: bool,
    pub map_iterations: usize,
    pub map_log_posterior: f64,
    /// Ridge added to the Hessian to make it positive definite (0: none needed).
    pub laplace_ridge: f64,
    pub proposals: usize,
    /// Proposals refitted to the weighted draws after the Laplace one.
    pub proposal_adaptations: usize,
    pub effective_sample_size: f64,
    pub max_importance_weight: f64,
    pub draws: usize,
    pub model_evaluations: usize,
}

/// The fit of one patient.
#[derive(Debug, Clone, Serialize)]
pub struct FitResult {
    pub disclaimer: &'static str,
    pub bontsim_version: &'static str,
    pub model_version: &'static str,
    pub seed: u64,
    pub prior_weight: f64,
    pub days: usize,
    pub last_injection_day: f64,
    pub parameters: Vec<ParameterSummary>,
    pub next_cycle: Vec<NextCycle>,
    pub diagnostics: Diagnostics,
    pub sequential: Vec<SequentialStep>,
    /// Resampled draws as multipliers, in `parameters` order (draws CSV).
    #[serde(skip)]
    pub draws: Vec<Vec<f64>>,
    /// Per draw, the return day of each `next_cycle` target (draws CSV).
    #[serde(skip)]
    pub draw_return_days: Vec<Vec<f64>>,
    /// Daily bands (bands CSV and plots).
    #[serde(skip)]
    pub bands: Vec<Band>,
    /// The observations fitted (plots).
    #[serde(skip)]
    pub observations: Vec<Observation>,
}

/// The posterior of a request: the Laplace approximation, the resampled draws of `z`, and
/// the number of model evaluations spent.
pub struct PosteriorDraws {
    pub individual: IndividualModel,
    pub observations: Vec<Observation>,
    pub laplace: posterior::Laplace,
    pub sampled: posterior::Sir,
    pub evaluations: usize,
}

/// MAP, Laplace and sampling-importance-resampling for a checked request.
pub fn posterior_draws(request: &FitRequest, model: &Model) -> PosteriorDraws {
    let observations = request.all_observations();
    let individual = IndividualModel::new(&model.variability);
    let n = individual.len();
    let problem = Problem::new(
        request.plan,
        model,
        &individual,
        &observations,
        GaussianPrior::population(n, request.prior_weight),
    );
    let evaluations = std::sync::atomic::AtomicUsize::new(0);
    let log_posterior = |z: &[f64]| {
        evaluations.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        problem.log_posterior(z)
    };
    let laplace = posterior::laplace(&log_posterior, &vec![0.0; n], request.prior_weight);
    let sampled = posterior::sir(
        &log_posterior,
        &laplace,
        request.draws,
        request.draws as f64,
        request.draws * MAX_PROPOSALS_PER_DRAW,
        request.seed,
    );
    let evaluations = evaluations.load(std::sync::atomic::Ordering::Relaxed);
    drop(problem);
    PosteriorDraws {
        individual,
        observations,
        laplace,
        sampled,
        evaluations,
    }
}

/// Fit a patient (see [`crate::Engine::fit`]).
pub fn fit(request: &FitRequest, model: &Model) -> Result<FitResult, RequestError> {
    let days = request.validate()?;
    let PosteriorDraws {
        individual,
        observations,
        laplace,
        sampled,
        evaluations: model_evaluations,
    } = posterior_draws(request, model);
    let quantities = forecast::band_quantities(request.plan, &observed_quantities(&observations));
    let band_every = request.draws.div_ceil(BAND_DRAWS);
    let forecast = forecast::forecast(
        request.plan,
        model,
        &individual,
        &sampled.draws,
        &quantities,
        days,
        band_every,
    );
    let multipliers: Vec<Vec<f64>> = sampled
        .draws
        .iter()
        .map(|z| individual.multipliers(z))
        .collect();
    let map = individual.multipliers(&laplace.mode.z);
    let parameters = individual
        .parameters
        .iter()
        .enumerate()
        .map(|(j, p)| {
            let mut values: Vec<f64> = multipliers.iter().map(|m| m[j]).collect();
            values.sort_by(f64::total_cmp);
            ParameterSummary {
                name: p.name,
                meaning: p.meaning,
                prior_sd: p.spread,
                map: round(map[j]),
                median: round(forecast::quantile(&values, 0.5)),
                p05: round(forecast::quantile(&values, 0.05)),
                p95: round(forecast::quantile(&values, 0.95)),
            }
        })
        .collect();
    let sequential = if request.sequential {
        sequential::sequential(
            request.plan,
            model,
            &individual,
            &observations,
            request,
            &sampled.draws,
        )
    } else {
        Vec::new()
    };
    Ok(FitResult {
        disclaimer: crate::report::DISCLAIMER,
        bontsim_version: env!("CARGO_PKG_VERSION"),
        model_version: crate::MODEL_VERSION,
        seed: request.seed,
        prior_weight: request.prior_weight,
        days,
        last_injection_day: request.plan.injections.last().map_or(0.0, |i| i.day),
        parameters,
        next_cycle: forecast.next_cycle,
        diagnostics: Diagnostics {
            method: "MAP (BFGS, central differences) + Laplace + sampling-importance-resampling from adaptive Student-t (5 df) proposals (adaptive multiple importance sampling)",
            observations: observations.len(),
            map_converged: laplace.mode.converged,
            map_iterations: laplace.mode.iterations,
            map_log_posterior: round(laplace.mode.log_posterior),
            laplace_ridge: laplace.ridge,
            proposals: sampled.proposals,
            proposal_adaptations: sampled.adaptations,
            effective_sample_size: round(sampled.effective_sample_size),
            max_importance_weight: round(sampled.max_weight),
            draws: sampled.draws.len(),
            model_evaluations,
        },
        sequential,
        draws: multipliers,
        draw_return_days: forecast.return_days,
        bands: forecast.bands,
        observations,
    })
}

/// The distinct quantities the observations measure, in order.
pub fn observed_quantities(observations: &[Observation]) -> Vec<predict::Quantity> {
    let mut quantities: Vec<predict::Quantity> = observations
        .iter()
        .filter_map(predict::Quantity::of)
        .collect();
    quantities.sort();
    quantities.dedup();
    quantities
}
