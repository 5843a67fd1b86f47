//! The patient's own parameters: the individual parameters of the virtual population
//! (`crate::population`), whose log-normal spreads ([`Variability`]) are the prior of a fit.
//! A patient is a vector of standard normal deviates `z` (one per parameter with a spread):
//! parameter `j` is the typical value times `exp(spread_j * z_j)`, exactly as a virtual patient
//! is drawn, so `z = 0` is the typical patient of `bontsim simulate` and the population's
//! virtual patients are draws from the prior.

use crate::engine::Model;
use crate::model::Parameters;
use crate::plan::Plan;
use crate::population::Variability;

/// One individual parameter of the population model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndividualParameter {
    pub name: &'static str,
    pub meaning: &'static str,
    /// Log-normal SD of the population (the prior SD of `ln(multiplier)`).
    pub spread: f64,
}

/// Which individual parameter: the order of the population's draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    Sensitivity,
    Recovery,
    MuscleSize,
    Atrophy,
    LoadSensitivity,
}

const ALL: [(Which, &str, &str); 5] = [
    (
        Which::Sensitivity,
        "sensitivity",
        "toxin sensitivity of every muscle (depth and duration of the effect)",
    ),
    (
        Which::Recovery,
        "recovery",
        "recovery rate of neuromuscular transmission (k_r0)",
    ),
    (
        Which::MuscleSize,
        "muscle_size",
        "muscle mass relative to the typical patient (dose per gram, thickness)",
    ),
    (
        Which::Atrophy,
        "atrophy",
        "atrophy susceptibility (mass and volume lost under blockade)",
    ),
    (
        Which::LoadSensitivity,
        "load_sensitivity",
        "terminal sensitivity to the internalised toxin (duration without depth)",
    ),
];

/// The individual parameters a fit estimates: those the population spreads (spread > 0).
#[derive(Debug, Clone, PartialEq)]
pub struct IndividualModel {
    which: Vec<Which>,
    pub parameters: Vec<IndividualParameter>,
}

impl IndividualModel {
    pub fn new(variability: &Variability) -> IndividualModel {
        let spread = |which: Which| match which {
            Which::Sensitivity => variability.sensitivity,
            Which::Recovery => variability.recovery,
            Which::MuscleSize => variability.muscle_size,
            Which::Atrophy => variability.atrophy,
            Which::LoadSensitivity => variability.load_sensitivity,
        };
        let chosen: Vec<(Which, &str, &str)> = ALL
            .iter()
            .copied()
            .filter(|(which, _, _)| spread(*which) > 0.0)
            .collect();
        IndividualModel {
            which: chosen.iter().map(|c| c.0).collect(),
            parameters: chosen
                .iter()
                .map(|&(which, name, meaning)| IndividualParameter {
                    name,
                    meaning,
                    spread: spread(which),
                })
                .collect(),
        }
    }

    pub fn len(&self) -> usize {
        self.parameters.len()
    }

    pub fn is_empty(&self) -> bool {
        self.parameters.is_empty()
    }

    /// The multipliers of the typical values for standard deviates `z`.
    pub fn multipliers(&self, z: &[f64]) -> Vec<f64> {
        self.parameters
            .iter()
            .zip(z)
            .map(|(p, z)| (p.spread * z).exp())
            .collect()
    }

    /// The plan and parameters of the patient `z`: the plan's own overrides times the
    /// multipliers, as `population::virtual_patient` applies them (the plan's baselines,
    /// sex and immune place are kept: they are known for this patient).
    pub fn patient(&self, plan: &Plan, model: &Model, z: &[f64]) -> (Plan, Parameters) {
        let mut patient_plan = plan.clone();
        let mut parameters = model.parameters;
        let anatomy = crate::anatomy::Anatomy::get();
        for (&which, multiplier) in self.which.iter().zip(self.multipliers(z)) {
            match which {
                Which::Recovery => parameters.k_r0 *= multiplier,
                Which::LoadSensitivity => parameters.ec50 /= multiplier,
                _ => {
                    for (muscle, given) in
                        anatomy.ids().zip(patient_plan.patient.overrides.iter_mut())
                    {
                        match which {
                            Which::Sensitivity => given.sensitivity *= multiplier,
                            Which::MuscleSize => given.mass_scale *= multiplier,
                            _ => {
                                let base = anatomy.muscle(muscle).atrophy_susceptibility;
                                given.atrophy_susceptibility = Some(
                                    (given.atrophy_susceptibility.unwrap_or(base) * multiplier)
                                        .min(0.95),
                                );
                            }
                        }
                    }
                }
            }
        }
        (patient_plan, parameters)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prior_is_the_populations_spread_and_zero_is_the_typical_patient() {
        let model = Model::default();
        let individual = IndividualModel::new(&model.variability);
        let names: Vec<&str> = individual.parameters.iter().map(|p| p.name).collect();
        assert!(names.contains(&"sensitivity") && names.contains(&"recovery"));
        let plan = crate::plan::Plan::parse(
            "[patient]\nsex = \"female\"\nage = 40\n[[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"procerus\"\nside = \"midline\"\nunits = 4\n",
            crate::plan::Format::Toml,
        )
        .unwrap();
        let zero = vec![0.0; individual.len()];
        let (same_plan, parameters) = individual.patient(&plan, &model, &zero);
        assert_eq!(parameters, model.parameters);
        // Atrophy is made explicit but equal to the anatomy's value.
        let simulated = |p: &Plan, q: &Parameters| crate::simulate(p, q, 60, &Default::default());
        let a = simulated(&plan, &model.parameters);
        let b = simulated(&same_plan, &parameters);
        assert_eq!(
            a.compartments[0].states.last(),
            b.compartments[0].states.last()
        );
        let mut up = zero.clone();
        up[0] = 1.0;
        let (sensitive, _) = individual.patient(&plan, &model, &up);
        assert!(
            (sensitive.patient.overrides[0].sensitivity - model.variability.sensitivity.exp())
                .abs()
                < 1e-12
        );
    }
}
