//! Sensitivity of a plan's outcomes to the model parameters: one-at-a-time (tornado) and
//! global variance-based Sobol indices (first and total order; Saltelli 2010 sampling with
//! the Saltelli first-order and Jansen total-order estimators). Every draw comes from a
//! seeded ChaCha8 generator; model runs are independent and placed by index, so results do
//! not depend on the thread count.

use crate::anatomy::{Anatomy, MuscleId, Side};
use crate::metrics::{area_severity, ONE_GRADE};
use crate::model::{self, index, Parameters};
use crate::plan::Plan;
use crate::simulation::simulate;
use crate::solve::SolverOptions;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

/// A parameter varied in the analysis: log-uniform between `typical / factor` and
/// `typical * factor`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Factor {
    pub name: &'static str,
    pub factor: f64,
}

/// The parameters screened, each over x/÷ 1.5 of its typical value: a generic range for a
/// first screening, wider than most fits' uncertainty and narrower than the priors'.
pub const FACTORS: [Factor; 10] = [
    Factor {
        name: "ec50",
        factor: 1.5,
    },
    Factor {
        name: "coverage_concentration",
        factor: 1.5,
    },
    Factor {
        name: "k_in",
        factor: 1.5,
    },
    Factor {
        name: "k_on",
        factor: 1.5,
    },
    Factor {
        name: "k_l",
        factor: 1.5,
    },
    Factor {
        name: "k_r0",
        factor: 1.5,
    },
    Factor {
        name: "k_loss",
        factor: 1.5,
    },
    Factor {
        name: "k_gain",
        factor: 1.5,
    },
    Factor {
        name: "k_f",
        factor: 1.5,
    },
    Factor {
        name: "spread_escape",
        factor: 1.5,
    },
];

/// The outcomes analysed, for the plan's first injected muscle (left side when injected
/// there) and its first treated wrinkle area.
#[derive(Debug, Clone, Serialize)]
pub struct Outcomes {
    pub muscle: String,
    pub side: String,
    pub area: Option<String>,
    /// Names of the outputs, in the order of [`evaluate`]'s vector.
    pub names: Vec<String>,
}

pub fn outcomes(plan: &Plan, mass_day: usize) -> Outcomes {
    let anatomy = Anatomy::get();
    let first = plan.injections.first();
    let muscle = first.map(|i| i.muscle).unwrap_or(MuscleId::FIRST);
    let side = first.map(|i| i.site.shares()[0].0).unwrap_or(Side::Left);
    let area = crate::metrics::treated_areas(plan)
        .first()
        .map(|a| a.to_string());
    let name = &anatomy.muscle(muscle).name;
    let mut names = vec![
        format!("{name} days of effect"),
        format!("{name} nadir strength"),
        format!("{name} mass on day {mass_day}"),
    ];
    if let Some(area) = &area {
        names.push(format!("{area} days improved >= 1 grade"));
    }
    Outcomes {
        muscle: name.clone(),
        side: side.name().to_string(),
        area,
        names,
    }
}

/// The outcomes of one model run with the given parameter multipliers.
pub fn evaluate(
    plan: &Plan,
    outcomes: &Outcomes,
    multipliers: &[f64],
    days: usize,
    mass_day: usize,
) -> Vec<f64> {
    evaluate_around(
        plan,
        &Parameters::TYPICAL,
        outcomes,
        multipliers,
        days,
        mass_day,
    )
}

/// [`evaluate`] with the multipliers applied to `base` instead of the typical patient.
pub fn evaluate_around(
    plan: &Plan,
    base: &Parameters,
    outcomes: &Outcomes,
    multipliers: &[f64],
    days: usize,
    mass_day: usize,
) -> Vec<f64> {
    let mut parameters = *base;
    for (factor, multiplier) in FACTORS.iter().zip(multipliers) {
        if let Some(value) = parameters.by_name_mut(factor.name) {
            *value *= *multiplier;
        }
    }
    let simulation = simulate(plan, &parameters, days, &SolverOptions::default());
    let anatomy = Anatomy::get();
    let muscle = anatomy
        .index_of(&outcomes.muscle)
        .unwrap_or(MuscleId::FIRST);
    let side = if outcomes.side == "left" {
        Side::Left
    } else {
        Side::Right
    };
    let states = simulation
        .compartment(muscle, side)
        .map(|c| c.states.as_slice())
        .unwrap_or(&[]);
    let strengths: Vec<f64> = states.iter().map(model::strength).collect();
    let mut values = vec![
        strengths
            .iter()
            .filter(|&&s| s <= crate::metrics::EFFECT_STRENGTH)
            .count() as f64,
        strengths.iter().copied().fold(1.0, f64::min),
        states
            .get(mass_day.min(days.saturating_sub(1)))
            .map(|s| s[index::M])
            .unwrap_or(1.0),
    ];
    // The outcome's area is a treated area of the plan, so it is known.
    if let Some(Ok((baseline, severity))) = outcomes
        .area
        .as_deref()
        .map(|area| area_severity(plan, &simulation, &parameters, area))
    {
        let improved = severity
            .iter()
            .filter(|&&s| s < baseline - ONE_GRADE)
            .count();
        values.push(improved as f64);
    }
    values
}

#[derive(Debug, Clone, Serialize)]
pub struct TornadoBar {
    pub parameter: String,
    pub low: f64,
    pub high: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SobolIndex {
    pub parameter: String,
    pub first_order: f64,
    pub total_order: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct OutputSensitivity {
    pub output: String,
    pub typical: f64,
    pub tornado: Vec<TornadoBar>,
    pub sobol: Vec<SobolIndex>,
    pub variance: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SensitivityReport {
    pub disclaimer: &'static str,
    pub seed: u64,
    pub base_samples: usize,
    pub model_runs: usize,
    pub factors: Vec<Factor>,
    pub outputs: Vec<OutputSensitivity>,
}

/// One-at-a-time bars and Sobol indices from `base_samples` x (k + 2) model runs.
pub fn analyse(
    plan: &Plan,
    days: usize,
    mass_day: usize,
    base_samples: usize,
    seed: u64,
) -> SensitivityReport {
    analyse_around(
        plan,
        &Parameters::TYPICAL,
        days,
        mass_day,
        base_samples,
        seed,
        &|_| {},
    )
}

/// The number of model runs of [`analyse`] with `base_samples`: the typical run, two per
/// factor for the tornado, and `base_samples` x (factors + 2) for the Sobol indices.
pub fn model_runs(base_samples: usize) -> usize {
    1 + 2 * FACTORS.len() + base_samples * (FACTORS.len() + 2)
}

/// [`analyse`] around `base` instead of the typical patient, calling `progress` with the
/// number of model runs done after each one (out of [`model_runs`]).
pub fn analyse_around(
    plan: &Plan,
    base: &Parameters,
    days: usize,
    mass_day: usize,
    base_samples: usize,
    seed: u64,
    progress: &(dyn Fn(usize) + Sync),
) -> SensitivityReport {
    let outcomes = outcomes(plan, mass_day);
    let k = FACTORS.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let run = |m: &[f64]| {
        let values = evaluate_around(plan, base, &outcomes, m, days, mass_day);
        progress(done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1);
        values
    };
    let typical = run(&[1.0; FACTORS.len()]);
    // One at a time: each factor at its low and high end, the others typical.
    let oat: Vec<(Vec<f64>, Vec<f64>)> = FACTORS
        .par_iter()
        .enumerate()
        .map(|(j, factor)| {
            let mut low = vec![1.0; k];
            let mut high = vec![1.0; k];
            low[j] = 1.0 / factor.factor;
            high[j] = factor.factor;
            (run(&low), run(&high))
        })
        .collect();
    // Saltelli matrices A, B (uniform in log space) and A with column j from B.
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut draw_matrix = || -> Vec<Vec<f64>> {
        (0..base_samples)
            .map(|_| {
                FACTORS
                    .iter()
                    .map(|f| {
                        let u: f64 = rand::RngExt::random::<f64>(&mut rng);
                        f.factor.powf(2.0 * u - 1.0)
                    })
                    .collect()
            })
            .collect()
    };
    let a = draw_matrix();
    let b = draw_matrix();
    let mut inputs: Vec<Vec<f64>> = Vec::with_capacity(base_samples * (k + 2));
    inputs.extend(a.iter().cloned());
    inputs.extend(b.iter().cloned());
    for j in 0..k {
        for (row_a, row_b) in a.iter().zip(&b) {
            let mut row = row_a.clone();
            row[j] = row_b[j];
            inputs.push(row);
        }
    }
    let results: Vec<Vec<f64>> = inputs.par_iter().map(|m| run(m)).collect();
    let n = base_samples;
    let outputs = outcomes
        .names
        .iter()
        .enumerate()
        .map(|(o, name)| {
            // Outputs are centred on their mean: the estimators are unchanged in expectation
            // and much less noisy when the mean is large (days of effect ~150).
            let raw_mean = results[..2 * n].iter().map(|r| r[o]).sum::<f64>() / (2 * n) as f64;
            let fa: Vec<f64> = results[..n].iter().map(|r| r[o] - raw_mean).collect();
            let fb: Vec<f64> = results[n..2 * n].iter().map(|r| r[o] - raw_mean).collect();
            let variance = fa.iter().chain(&fb).map(|v| v * v).sum::<f64>() / (2 * n) as f64;
            let sobol = FACTORS
                .iter()
                .enumerate()
                .map(|(j, factor)| {
                    let fab: Vec<f64> = results[(2 + j) * n..(3 + j) * n]
                        .iter()
                        .map(|r| r[o] - raw_mean)
                        .collect();
                    let (first, total) = if variance > 0.0 {
                        let first = fb
                            .iter()
                            .zip(&fab)
                            .zip(&fa)
                            .map(|((b, ab), a)| b * (ab - a))
                            .sum::<f64>()
                            / n as f64
                            / variance;
                        let total = fa
                            .iter()
                            .zip(&fab)
                            .map(|(a, ab)| (a - ab).powi(2))
                            .sum::<f64>()
                            / (2.0 * n as f64)
                            / variance;
                        (first, total)
                    } else {
                        (0.0, 0.0)
                    };
                    SobolIndex {
                        parameter: factor.name.to_string(),
                        first_order: crate::report::round(first),
                        total_order: crate::report::round(total),
                    }
                })
                .collect();
            let tornado = FACTORS
                .iter()
                .zip(&oat)
                .map(|(factor, (low, high))| TornadoBar {
                    parameter: factor.name.to_string(),
                    low: crate::report::round(low[o]),
                    high: crate::report::round(high[o]),
                })
                .collect();
            OutputSensitivity {
                output: name.clone(),
                typical: crate::report::round(typical[o]),
                tornado,
                sobol,
                variance: crate::report::round(variance),
            }
        })
        .collect();
    SensitivityReport {
        disclaimer: crate::report::DISCLAIMER,
        seed,
        base_samples,
        model_runs: model_runs(n),
        factors: FACTORS.to_vec(),
        outputs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Format;

    #[test]
    fn every_factor_names_a_parameter() {
        let mut parameters = Parameters::TYPICAL;
        for factor in &FACTORS {
            assert!(
                parameters.by_name_mut(factor.name).is_some(),
                "{}",
                factor.name
            );
        }
    }

    #[test]
    fn sobol_indices_rank_the_duration_drivers() {
        let plan = Plan::parse(
            "[patient]\nsex = \"female\"\nage = 40\n[[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"corrugator_supercilii\"\nside = \"left\"\nunits = 8\nvolume_ml = 0.2\n",
            Format::Toml,
        )
        .unwrap();
        let report = analyse(&plan, 300, 180, 256, 5);
        let duration = &report.outputs[0];
        let total = |name: &str| {
            duration
                .sobol
                .iter()
                .find(|s| s.parameter == name)
                .unwrap()
                .total_order
        };
        // Duration is set by the toxin's persistence and the blocking level, not by muscle
        // regrowth: k_l and ec50 dominate k_gain.
        assert!(total("k_l") > 5.0 * total("k_gain"), "{:?}", duration.sobol);
        assert!(total("ec50") > total("k_gain"));
        for s in &duration.sobol {
            assert!(s.first_order <= s.total_order + 0.15, "{s:?}");
        }
        // Same seed, same result.
        let again = analyse(&plan, 300, 180, 256, 5);
        assert_eq!(
            serde_json::to_string(&report).unwrap(),
            serde_json::to_string(&again).unwrap()
        );
    }
}
