//! Spread of an injected dose to neighbouring muscles.
//!
//! ```text
//! lambda = lambda_1 * U^(1/3) * (V / 0.1 mL)^(1/4)          (mm)
//! w_n    = kappa * phi_n * exp(-d_n / lambda)                     (share reaching neighbour n)
//! target keeps 1 - sum(w_n)
//! ```
//! `d_n` is the distance to the neighbour and `phi_n` the fraction crossing the fascial
//! boundary, both from `data/anatomy.toml`. Dose is conserved: what reaches a neighbour
//! leaves the target. Spread grows with dose (Borodic 1994; Dover 2018: "predominately,
//! perhaps exclusively, dose dependent") and with volume (Kim 2003; Brodsky 2012).

use super::Parameters;
use crate::anatomy::{Anatomy, MuscleId, NeighbourSide, Side};

/// A share of a dose arriving in one compartment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Deposit {
    pub compartment: usize,
    /// OnabotulinumtoxinA-equivalent units.
    pub units: f64,
}

/// The spread length `lambda` (mm) of `units` injected in `volume_ml`.
pub fn spread_length_mm(parameters: &Parameters, units: f64, volume_ml: f64) -> f64 {
    parameters.spread_length_mm
        * units.max(0.0).powf(parameters.spread_dose_exponent)
        * (volume_ml / 0.1).powf(parameters.spread_volume_exponent)
}

/// Where `units` injected into `muscle` on `side` end up.
pub fn distribute(
    parameters: &Parameters,
    muscle: MuscleId,
    side: Side,
    units: f64,
    volume_ml: f64,
    deposits: &mut Vec<Deposit>,
) {
    let anatomy = Anatomy::get();
    let lambda = spread_length_mm(parameters, units, volume_ml);
    let start = deposits.len();
    let mut spread_total = 0.0;
    for (neighbour, id) in anatomy
        .muscle(muscle)
        .neighbours
        .iter()
        .zip(anatomy.neighbour_ids(muscle))
    {
        let Some(index) = *id else {
            continue;
        };
        let neighbour_side = match neighbour.side {
            NeighbourSide::Same => side,
            NeighbourSide::Opposite => side.opposite(),
        };
        let share = parameters.spread_escape
            * neighbour.fascial_barrier
            * (-neighbour.distance_mm / lambda).exp();
        spread_total += share;
        deposits.push(Deposit {
            compartment: Anatomy::compartment(index, neighbour_side),
            units: units * share,
        });
    }
    // Dose is conserved; if the neighbours' shares ever exceed 90%, they are scaled so the
    // target keeps at least 10% (very large, dilute injections).
    let scale = if spread_total > 0.9 {
        0.9 / spread_total
    } else {
        1.0
    };
    for deposit in &mut deposits[start..] {
        deposit.units *= scale;
    }
    deposits.push(Deposit {
        compartment: Anatomy::compartment(muscle, side),
        units: units * (1.0 - spread_total * scale),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dose_is_conserved_and_spread_grows_with_dose_and_volume() {
        let parameters = Parameters::TYPICAL;
        let anatomy = Anatomy::get();
        let corrugator = anatomy.index_of("corrugator_supercilii").unwrap();
        let levator = anatomy.index_of("levator_palpebrae_superioris").unwrap();
        let levator_share = |units: f64, volume: f64| {
            let mut deposits = Vec::new();
            distribute(
                &parameters,
                corrugator,
                Side::Left,
                units,
                volume,
                &mut deposits,
            );
            let total: f64 = deposits.iter().map(|d| d.units).sum();
            assert!((total - units).abs() < 1e-9 * units.max(1.0));
            deposits
                .iter()
                .filter(|d| d.compartment == Anatomy::compartment(levator, Side::Left))
                .map(|d| d.units / units)
                .sum::<f64>()
        };
        assert!(levator_share(4.0, 0.1) > 0.0);
        assert!(levator_share(10.0, 0.1) > levator_share(4.0, 0.1));
        assert!(levator_share(4.0, 0.5) > levator_share(4.0, 0.1));
    }
}
