//! Bite force from the simulated masticatory muscles: the jaw closers share the load, and the
//! synergists that are still strong take up part of the lost force over weeks, so bite force
//! returns well before the masseter's strength does (Kang et al. Toxins 2025;17:519; Yu 2007).
//! Post-processing of the daily strengths; equations and sources in `docs/model.md` sec. 2.10.

use crate::anatomy::{Anatomy, MuscleId, Side};
use crate::model;
use crate::plan::Plan;
use crate::report::{round, JawDaily, JawReport};
use crate::simulation::Simulation;

/// Share of maximal bite force carried by the masseters [E]: the largest closer by
/// cross-section; masseter and temporalis have similar masses (24 and 25 g, `anatomy.toml`),
/// but the temporalis' fibres fan out and partly retrude the jaw.
pub const MASSETER_SHARE: f64 = 0.40;
/// Share of the temporalis [E] (see [`MASSETER_SHARE`]).
pub const TEMPORALIS_SHARE: f64 = 0.35;
/// Share of the medial pterygoids [E]: not simulated, so always at full strength.
pub const MEDIAL_PTERYGOID_SHARE: f64 = 0.25;
/// How far above its remaining strength a closer can be driven by compensation [D]: the
/// temporalis thickens from 9.27 to 13.05 mm (+41%) 12 weeks after masseter toxin
/// (J Craniofac Surg 2025 [R]).
pub const COMPENSATION_CAPACITY: f64 = 0.41;
/// Rate of each of the two stages of synergist compensation (1/day), FITTED to the Kang 2025
/// masseter-only and masseter + temporalis series (mean delay 2 / 0.06 = 33 days).
pub const COMPENSATION_RATE: f64 = 0.06;
/// A bite force at least this fraction of baseline counts as back (within 10%).
pub const RECOVERED_BITE_FORCE: f64 = 0.9;

/// Daily bite force relative to baseline from the daily strengths (fractions of baseline) of
/// the masseters, temporalis and medial pterygoids (each the mean of both sides):
/// `F = sum_i w_i S_i + C`, where the compensation `C` follows its target
/// `min(1 - sum_i w_i S_i, kappa sum_i w_i S_i)` through two first-order stages of rate
/// `k_c`, each stepped exactly over a day.
pub fn bite_force(masseter: &[f64], temporalis: &[f64], medial_pterygoid: &[f64]) -> Vec<f64> {
    bite_force_at_rate(COMPENSATION_RATE, masseter, temporalis, medial_pterygoid)
}

/// [`bite_force`] with another compensation rate (1/day), for the fit
/// (`examples/calibrate_jaw.rs`).
pub fn bite_force_at_rate(
    compensation_rate: f64,
    masseter: &[f64],
    temporalis: &[f64],
    medial_pterygoid: &[f64],
) -> Vec<f64> {
    let decay = (-compensation_rate).exp();
    let mut intermediate = 0.0;
    let mut compensation = 0.0;
    masseter
        .iter()
        .zip(temporalis)
        .zip(medial_pterygoid)
        .map(|((&m, &t), &p)| {
            let unaided = MASSETER_SHARE * m + TEMPORALIS_SHARE * t + MEDIAL_PTERYGOID_SHARE * p;
            let force = unaided + compensation;
            let target = (1.0 - unaided)
                .min(COMPENSATION_CAPACITY * unaided)
                .max(0.0);
            intermediate = target + (intermediate - target) * decay;
            compensation = intermediate + (compensation - intermediate) * decay;
            force
        })
        .collect()
}

/// Mean strength of both sides of `muscle` each day (1 for a side that received no toxin, and
/// every day for `None`).
pub fn mean_strength(simulation: &Simulation, muscle: Option<MuscleId>) -> Vec<f64> {
    let side = |side: Side, day: usize| {
        muscle
            .and_then(|m| simulation.compartment(m, side))
            .map(|c| model::strength(&c.states[day]))
            .unwrap_or(1.0)
    };
    (0..simulation.days)
        .map(|day| (side(Side::Left, day) + side(Side::Right, day)) / 2.0)
        .collect()
}

/// The `jaw` block: present when the plan injects a masseter or a temporalis.
pub fn jaw_report(plan: &Plan, simulation: &Simulation) -> Option<JawReport> {
    let anatomy = Anatomy::get();
    let masseter = anatomy.index_of("masseter");
    let temporalis = anatomy.index_of("temporalis");
    if !plan
        .injections
        .iter()
        .any(|i| Some(i.muscle) == masseter || Some(i.muscle) == temporalis)
        || simulation.days == 0
    {
        return None;
    }
    let force = bite_force(
        &mean_strength(simulation, masseter),
        &mean_strength(simulation, temporalis),
        &vec![1.0; simulation.days],
    );
    let (nadir_day, nadir) = crate::metrics::argmin(&force);
    let recovered_day = if nadir >= RECOVERED_BITE_FORCE {
        None
    } else {
        force[nadir_day..]
            .iter()
            .position(|&f| f >= RECOVERED_BITE_FORCE)
            .map(|offset| nadir_day + offset)
    };
    Some(JawReport {
        nadir_bite_force: round(nadir),
        nadir_day,
        recovered_day,
        daily: force
            .iter()
            .enumerate()
            .map(|(day, &f)| JawDaily {
                day,
                bite_force: round(f),
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn untreated_closers_bite_at_baseline() {
        let ones = vec![1.0; 100];
        assert!(bite_force(&ones, &ones, &ones)
            .iter()
            .all(|&f| (f - 1.0).abs() < 1e-12));
    }

    #[test]
    fn the_shares_add_up_to_the_whole_bite() {
        let total = MASSETER_SHARE + TEMPORALIS_SHARE + MEDIAL_PTERYGOID_SHARE;
        assert!((total - 1.0).abs() < 1e-12);
    }

    #[test]
    fn synergists_restore_most_of_a_sustained_masseter_loss() {
        // Masseter held at half strength for 200 days: the first day loses the masseter's
        // share of the half; compensation then makes up the loss up to its capacity.
        let days = 200;
        let half = vec![0.5; days];
        let ones = vec![1.0; days];
        let force = bite_force(&half, &ones, &ones);
        assert!((force[0] - 0.8).abs() < 1e-12);
        assert!(force[14] < 0.9, "compensation takes weeks: {}", force[14]);
        assert!(
            force[199] > 0.99,
            "then it restores the bite: {}",
            force[199]
        );
        assert!(force.iter().all(|&f| f <= 1.0 + 1e-12));
    }

    #[test]
    fn compensation_is_limited_when_every_closer_is_weak() {
        let days = 200;
        let weak = vec![0.3; days];
        let force = bite_force(&weak, &weak, &weak);
        // Capacity 41% above the remaining 0.3: at most 0.423.
        assert!((force[199] - 0.3 * (1.0 + COMPENSATION_CAPACITY)).abs() < 1e-3);
    }

    #[test]
    fn compensation_outlasts_the_weakness_briefly() {
        // The masseter recovers at day 100; the compensation fades over weeks, so the bite
        // is briefly above baseline, as in Kang 2025's masseter + temporalis group at 4 months.
        let masseter: Vec<f64> = (0..200).map(|d| if d < 100 { 0.5 } else { 1.0 }).collect();
        let ones = vec![1.0; 200];
        let force = bite_force(&masseter, &ones, &ones);
        assert!(force[100] > 1.0);
        assert!((force[199] - 1.0).abs() < 0.01);
    }
}
