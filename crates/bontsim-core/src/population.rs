//! Virtual patients: inter-individual variability around the typical patient.
//!
//! Each virtual patient `i` of a trial with seed `S` draws its own parameters from a
//! ChaCha8 generator seeded by `(S, i)` alone, so a patient is the same whatever the thread
//! count, shard or arm it is simulated in (arms of one trial compare the same patients).
//!
//! Distributions (docs/model.md, "Population"): log-normal toxin sensitivity, recovery rate,
//! muscle size and atrophy susceptibility, and a baseline severity of 2 or 3. The
//! spread of sensitivity is fitted to the responder curves (`population_fit -- search`); the
//! others are priors [E].

use crate::model::Parameters;
use crate::plan::{MuscleOverride, Plan, Sex};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

/// Spreads (log-normal standard deviations unless stated) of the virtual population.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Variability {
    /// Toxin sensitivity: shifts depth and, by `ln(sensitivity) / k_L`, duration. 1.0 gives a
    /// duration SD of ~45 days at the typical `k_L` (CV ~0.32 at the ONA 20 U median of
    /// 139 d), near the 78.5 +/- 28.4 d (CV 0.36) of therapeutic doses (Ledda 2022 [R]) [D];
    /// FITTED by the grid of `population_fit -- search` to the responder curves
    /// (docs/validation.md, "Population"; the former prior 0.6 gave a CV of ~0.19).
    pub sensitivity: f64,
    /// Terminal sensitivity to the internalised load alone: divides `EC50` but not `c_cov`,
    /// so it spreads duration (by `ln(factor) / k_L`) without spreading depth. 0: duration
    /// and depth vary together through `sensitivity` only.
    pub load_sensitivity: f64,
    /// Recovery rate of transmission `k_r0` [E].
    pub recovery: f64,
    /// Muscle size: facial muscle size follows body weight (Volk 2013/2014 [R]) [E].
    pub muscle_size: f64,
    /// Atrophy susceptibility `s` [E].
    pub atrophy: f64,
    /// Share of patients with a severe (3) rather than moderate (2) baseline: pivotal
    /// glabella trials enrol moderate-to-severe lines [R]; even split [E].
    pub severe_baseline_share: f64,
    /// Share of slow recoverers: "most subjects 3 to 4 months; some up to 12 months"
    /// (Carruthers 2005 [R]). Their recovery rate `k_r0` is further multiplied by
    /// `slow_recovery_factor`.
    pub slow_share: f64,
    /// Factor on `k_r0` of the slow recoverers (1: no mixture).
    pub slow_recovery_factor: f64,
}

impl Default for Variability {
    fn default() -> Self {
        Variability {
            sensitivity: 1.0,
            load_sensitivity: 0.0,
            recovery: 0.3,
            muscle_size: 0.2,
            atrophy: 0.3,
            severe_baseline_share: 0.5,
            slow_share: 0.0,
            slow_recovery_factor: 1.0,
        }
    }
}

/// Men have larger facial muscles and need higher doses (Carruthers 2005: >= 40 U advised in
/// men [R]); modelled as a larger muscle mass [E].
pub const MALE_MUSCLE_SCALE: f64 = 1.3;

/// A virtual patient: the plan with this patient's overrides and baseline, and parameters.
#[derive(Debug, Clone)]
pub struct VirtualPatient {
    pub index: u64,
    pub plan: Plan,
    pub parameters: Parameters,
}

/// The generator of patient `index` in a trial seeded with `seed`.
pub fn patient_rng(seed: u64, index: u64) -> ChaCha8Rng {
    // SplitMix64-style mixing keeps nearby (seed, index) pairs far apart.
    let mut z = seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ChaCha8Rng::seed_from_u64(z ^ (z >> 31))
}

/// The random numbers of patient `index`, independent of the spreads: standard normals of
/// sensitivity, recovery, size and atrophy, then uniforms of the baseline and of the slow
/// recoverers, then the standard normal of the load sensitivity, then the uniform of the
/// immune response (drawn in this order, so adding the last draws left the others unchanged).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PatientDraws {
    pub normals: [f64; 4],
    pub severe_uniform: f64,
    pub slow_uniform: f64,
    pub load_normal: f64,
    /// Uniform of the patient's place in the immune response (drawn last).
    pub immune_uniform: f64,
}

/// The draws of patient `index` in a trial seeded with `seed`.
pub fn patient_draws(seed: u64, index: u64) -> PatientDraws {
    let mut rng = patient_rng(seed, index);
    let standard = Normal::new(0.0, 1.0).expect("valid normal");
    let mut normals = [0.0; 4];
    for z in &mut normals {
        *z = standard.sample(&mut rng);
    }
    let severe_uniform = rand::RngExt::random::<f64>(&mut rng);
    let slow_uniform = rand::RngExt::random::<f64>(&mut rng);
    let load_normal = standard.sample(&mut rng);
    let immune_uniform = rand::RngExt::random::<f64>(&mut rng);
    PatientDraws {
        normals,
        severe_uniform,
        slow_uniform,
        load_normal,
        immune_uniform,
    }
}

/// Draw virtual patient `index` for `plan`.
pub fn virtual_patient(
    plan: &Plan,
    typical: &Parameters,
    variability: &Variability,
    seed: u64,
    index: u64,
) -> VirtualPatient {
    let draws = patient_draws(seed, index);
    let [z1, z2, z3, z4] = draws.normals;
    let sensitivity = (variability.sensitivity * z1).exp();
    let slow = draws.slow_uniform < variability.slow_share;
    let recovery = (variability.recovery * z2).exp()
        * if slow {
            variability.slow_recovery_factor
        } else {
            1.0
        };
    let size = (variability.muscle_size * z3).exp();
    let atrophy = (variability.atrophy * z4).exp();
    let severe = draws.severe_uniform < variability.severe_baseline_share;

    let mut patient_plan = plan.clone();
    let sex_scale = match plan.patient.sex {
        Sex::Male => MALE_MUSCLE_SCALE,
        Sex::Female => 1.0,
    };
    let anatomy = crate::anatomy::Anatomy::get();
    for (muscle, given) in anatomy.ids().zip(patient_plan.patient.overrides.iter_mut()) {
        let base = anatomy.muscle(muscle).atrophy_susceptibility;
        *given = MuscleOverride {
            mass_scale: given.mass_scale * size * sex_scale,
            sensitivity: given.sensitivity * sensitivity,
            atrophy_susceptibility: Some(
                (given.atrophy_susceptibility.unwrap_or(base) * atrophy).min(0.95),
            ),
        };
    }
    let baseline = if severe { 3.0 } else { 2.0 };
    patient_plan.patient.baseline_severity = [baseline; 3];
    // The rest baseline follows the drawn severity (the default fraction), as in a trial the
    // plan's baselines are not used.
    patient_plan.patient.rest_severity = [None; 3];
    // A modelled patient converts once the plan's conversion probability exceeds this draw,
    // so the trial's share of antibody-positive patients is the calibrated probability.
    patient_plan.patient.immune_quantile = draws.immune_uniform;
    let mut parameters = *typical;
    parameters.k_r0 *= recovery;
    parameters.ec50 /= (variability.load_sensitivity * draws.load_normal).exp();
    VirtualPatient {
        index,
        plan: patient_plan,
        parameters,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Format;

    #[test]
    fn a_patient_depends_only_on_seed_and_index() {
        let plan = Plan::parse(
            "[patient]\nsex = \"female\"\nage = 40\n[[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"procerus\"\nside = \"midline\"\nunits = 4\n",
            Format::Toml,
        )
        .unwrap();
        let v = Variability::default();
        let a = virtual_patient(&plan, &Parameters::TYPICAL, &v, 7, 12);
        let b = virtual_patient(&plan, &Parameters::TYPICAL, &v, 7, 12);
        let c = virtual_patient(&plan, &Parameters::TYPICAL, &v, 7, 13);
        assert_eq!(a.plan, b.plan);
        assert_eq!(a.parameters, b.parameters);
        assert_ne!(a.plan.patient.overrides, c.plan.patient.overrides);
        // The spread is the one asked for: log sensitivity over many patients.
        let logs: Vec<f64> = (0..4000)
            .map(|i| {
                virtual_patient(&plan, &Parameters::TYPICAL, &v, 1, i)
                    .plan
                    .patient
                    .overrides[0]
                    .sensitivity
                    .ln()
            })
            .collect();
        let mean = logs.iter().sum::<f64>() / logs.len() as f64;
        let sd = (logs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / logs.len() as f64).sqrt();
        assert!(
            mean.abs() < 0.05 && (sd - v.sensitivity).abs() < 0.05,
            "mean {mean}, sd {sd}"
        );
    }
}
