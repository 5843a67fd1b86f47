//! Forecasts over posterior draws: each draw is a patient simulated with their own
//! parameters, and the draws' daily quantiles are the bands (median, 50% and 90%) of every
//! observed quantity and of strength, mass and volume of every injected muscle; the day
//! movement returns after the plan's last injection is summarised per treated target.

use super::individual::IndividualModel;
use super::predict::{Prediction, Quantity, ReturnTarget};
use crate::anatomy::Side;
use crate::engine::Model;
use crate::numbers::round;
use crate::plan::Plan;
use rayon::prelude::*;
use serde::Serialize;

/// Median and central 90% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval90 {
    pub median: f64,
    pub low90: f64,
    pub high90: f64,
}

impl Interval90 {
    pub fn of(values: &[f64]) -> Interval90 {
        let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        sorted.sort_by(f64::total_cmp);
        Interval90 {
            median: round(quantile(&sorted, 0.5)),
            low90: round(quantile(&sorted, 0.05)),
            high90: round(quantile(&sorted, 0.95)),
        }
    }

    pub fn width(&self) -> f64 {
        self.high90 - self.low90
    }
}

/// Quantile of sorted values (linear between order statistics); 0 for none.
pub fn quantile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let position = p * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    sorted[below] + (sorted[above] - sorted[below]) * (position - below as f64)
}

/// The forecast return of movement of one treated target after the plan's last injection.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NextCycle {
    /// The area (`glabella`...) or, outside the wrinkle areas, the muscle (`masseter`).
    pub area: String,
    /// Day movement returns, counted from the plan's last injection.
    pub return_day: Interval90,
    /// The same for the typical patient (the population's median parameters).
    pub typical_return_day: f64,
}

/// One day of a band.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BandDay {
    pub day: usize,
    pub median: f64,
    pub low50: f64,
    pub high50: f64,
    pub low90: f64,
    pub high90: f64,
}

/// The daily band of one quantity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Band {
    pub quantity: String,
    pub unit: &'static str,
    pub days: Vec<BandDay>,
}

/// The quantities banded: the observed ones, then strength, mass and volume of every muscle
/// side the plan injects directly.
pub fn band_quantities(plan: &Plan, observed: &[Quantity]) -> Vec<Quantity> {
    let mut quantities = observed.to_vec();
    let mut sides: Vec<(crate::anatomy::MuscleId, Side)> = Vec::new();
    for injection in &plan.injections {
        for &(side, _) in injection.site.shares() {
            if !sides.contains(&(injection.muscle, side)) {
                sides.push((injection.muscle, side));
            }
        }
    }
    sides.sort();
    for (muscle, side) in sides {
        quantities.push(Quantity::Strength(muscle, side));
        quantities.push(Quantity::Mass(muscle, side));
        quantities.push(Quantity::Volume(muscle, side));
    }
    quantities
}

/// What the draws forecast.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    pub next_cycle: Vec<NextCycle>,
    pub bands: Vec<Band>,
    /// Return days (from the last injection) per target, per draw, for the draws CSV.
    pub return_days: Vec<Vec<f64>>,
}

/// Simulate every draw over `days` and summarise. `band_every`: every how many draws enter
/// the bands (bands of 500 draws have quantiles as good as the plot shows).
pub fn forecast(
    plan: &Plan,
    model: &Model,
    individual: &IndividualModel,
    draws: &[Vec<f64>],
    quantities: &[Quantity],
    days: usize,
    band_every: usize,
) -> Forecast {
    let targets = ReturnTarget::treated(plan);
    let last_injection = plan.injections.last().map_or(0.0, |i| i.day);
    let face = Prediction::face_needed(quantities);
    let returns_of = |prediction: &Prediction| -> Vec<f64> {
        targets
            .iter()
            .map(|target| {
                let start = target
                    .injection_days(plan)
                    .last()
                    .copied()
                    .unwrap_or(last_injection);
                prediction.return_day(target, start, None) - last_injection
            })
            .collect()
    };
    // Resampled draws repeat; each distinct draw is simulated once (repeats are adjacent).
    let mut distinct: Vec<usize> = Vec::new();
    let mut of_draw = Vec::with_capacity(draws.len());
    for (i, draw) in draws.iter().enumerate() {
        if distinct.last().is_none_or(|&k| draws[k] != *draw) {
            distinct.push(i);
        }
        of_draw.push(distinct.len() - 1);
    }
    let band_every = band_every.max(1);
    let results: Vec<(Vec<f64>, Vec<Vec<f64>>)> = distinct
        .par_iter()
        .map(|&i| {
            let (patient, parameters) = individual.patient(plan, model, &draws[i]);
            let prediction = Prediction::new(&patient, &parameters, model, days, face);
            let series = if draws_in_bands(i, band_every, &of_draw) {
                quantities.iter().map(|q| prediction.series(q)).collect()
            } else {
                Vec::new()
            };
            (returns_of(&prediction), series)
        })
        .collect();
    let return_days: Vec<Vec<f64>> = of_draw.iter().map(|&k| results[k].0.clone()).collect();
    let (typical_plan, typical_parameters) =
        individual.patient(plan, model, &vec![0.0; individual.len()]);
    let typical = returns_of(&Prediction::new(
        &typical_plan,
        &typical_parameters,
        model,
        days,
        false,
    ));
    let next_cycle = targets
        .iter()
        .enumerate()
        .map(|(t, target)| NextCycle {
            area: target.name(),
            return_day: Interval90::of(&return_days.iter().map(|r| r[t]).collect::<Vec<_>>()),
            typical_return_day: round(typical[t]),
        })
        .collect();
    // Band members: every `band_every`-th draw (with its repeats counted as draws).
    let members: Vec<usize> = (0..draws.len())
        .step_by(band_every)
        .map(|i| of_draw[i])
        .collect();
    let bands = quantities
        .iter()
        .enumerate()
        .map(|(q, quantity)| {
            let (name, unit) = quantity.label();
            let band_days = (0..days)
                .map(|day| {
                    let mut values: Vec<f64> = members
                        .iter()
                        .map(|&k| results[k].1[q][day])
                        .filter(|v| v.is_finite())
                        .collect();
                    values.sort_by(f64::total_cmp);
                    BandDay {
                        day,
                        median: round(quantile(&values, 0.5)),
                        low50: round(quantile(&values, 0.25)),
                        high50: round(quantile(&values, 0.75)),
                        low90: round(quantile(&values, 0.05)),
                        high90: round(quantile(&values, 0.95)),
                    }
                })
                .collect();
            Band {
                quantity: name,
                unit,
                days: band_days,
            }
        })
        .collect();
    Forecast {
        next_cycle,
        bands,
        return_days,
    }
}

/// Whether the distinct draw starting at `i` is a band member (some draw it stands for sits
/// at a multiple of `band_every`).
fn draws_in_bands(i: usize, band_every: usize, of_draw: &[usize]) -> bool {
    let k = of_draw[i];
    (i..of_draw.len())
        .take_while(|&j| of_draw[j] == k)
        .any(|j| j % band_every == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_between_order_statistics() {
        let sorted = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile(&sorted, 0.5), 3.0);
        assert_eq!(quantile(&sorted, 0.25), 2.0);
        assert!((quantile(&sorted, 0.05) - 1.2).abs() < 1e-12);
        let interval = Interval90::of(&[5.0, 1.0, 3.0, f64::NAN, 2.0, 4.0]);
        assert_eq!(interval.median, 3.0);
    }
}
