//! The equations of `docs/model.md`, one file per process. Symbols in code match the
//! document: `k_in`, `k_L`, `EC50`, `k_on`, `k_r`, `M`, `F`, ... The right-hand side that
//! `solve.rs` integrates is [`derivative`] (built from `pharmacodynamics` and `adaptation`),
//! with the toxin chain of [`pharmacodynamics::Toxin`]: editing an equation here changes
//! the results.
//!
//! State of one compartment (a muscle on one side), all per compartment:
//! `D` deposited toxin and `L` internalised active toxin (U/g onabotulinumtoxinA-equivalent),
//! `B` functional blockade (0..1), `R` neuromuscular remodelling memory (0..1),
//! `M` contractile mass and `F` non-contractile tissue (fractions of baseline muscle mass).

pub mod adaptation;
pub mod immunity;
pub mod parameters;
pub mod pharmacodynamics;
pub mod ptosis;
pub mod real;
pub mod spread;

pub use parameters::{NamedParameter, Parameters, PARAMETERS};

/// Number of state variables of one compartment.
pub const STATE_SIZE: usize = 6;

/// Indices into a compartment state vector.
pub mod index {
    pub const D: usize = 0;
    pub const L: usize = 1;
    pub const B: usize = 2;
    pub const R: usize = 3;
    pub const M: usize = 4;
    pub const F: usize = 5;
}

pub type State = [f64; STATE_SIZE];

/// The untreated steady state: no toxin, no blockade, full contractile mass.
pub const BASELINE_STATE: State = [0.0, 0.0, 0.0, 0.0, 1.0, 0.0];

/// Per-compartment constants derived from anatomy, patient and parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompartmentConstants {
    /// Mass of the compartment's muscle (g), with the patient's override.
    pub mass_g: f64,
    /// Multiplier on toxin sensitivity (`EC50` is divided by it).
    pub sensitivity: f64,
    /// Atrophy susceptibility `s`: fraction of contractile mass lost under complete block.
    pub atrophy_susceptibility: f64,
}

/// Number of states integrated numerically (`B`, `R`, `M`, `F`); the toxin states `D` and
/// `L` form a linear chain solved in closed form (see [`pharmacodynamics::Toxin`]).
pub const DYNAMIC_SIZE: usize = 4;

/// `[B, R, M, F]`: the numerically integrated part of a compartment state.
pub type Dynamic = [f64; DYNAMIC_SIZE];

/// Indices into [`Dynamic`].
pub mod dynamic {
    pub const B: usize = 0;
    pub const R: usize = 1;
    pub const M: usize = 2;
    pub const F: usize = 3;
}

/// The untreated dynamic state.
pub const BASELINE_DYNAMIC: Dynamic = [0.0, 0.0, 1.0, 0.0];

/// A product's rate multipliers (`data/products.toml`): `onset` multiplies the uptake rate
/// `k_in` and the onset rate `k_on`, `recovery` the recovery rate `k_r0`, and `duration`
/// divides the loss rate `k_L` of the light-chain activity in the terminals (how long a
/// reached terminal stays silent, apart from potency, which sets the units). 1 for the
/// reference product, onabotulinumtoxinA.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProductRates {
    pub onset: f64,
    pub recovery: f64,
    pub duration: f64,
}

impl ProductRates {
    /// The reference product's rates: the model's parameters unchanged.
    pub const REFERENCE: ProductRates = ProductRates {
        onset: 1.0,
        recovery: 1.0,
        duration: 1.0,
    };

    /// `k_in` of this product's deposit (1/day).
    pub fn uptake_rate(&self, parameters: &Parameters) -> f64 {
        parameters.k_in * self.onset
    }

    /// `k_L / f_duration`: loss of this product's light-chain activity (1/day).
    pub fn activity_loss_rate(&self, parameters: &Parameters) -> f64 {
        parameters.k_l / self.duration
    }

    /// The rates of deposits of one day merged into one dose: each multiplier is the mean of
    /// the two weighted by their concentrations (onabotulinumtoxinA-equivalent units, since
    /// the compartment's mass is the same), so the product that brings most of the toxin sets
    /// most of the speed. Equal rates stay exactly as they are.
    pub fn merged(self, weight: f64, other: ProductRates, other_weight: f64) -> ProductRates {
        if self == other {
            return self;
        }
        let mean = |a: f64, b: f64| (a * weight + b * other_weight) / (weight + other_weight);
        ProductRates {
            onset: mean(self.onset, other.onset),
            recovery: mean(self.recovery, other.recovery),
            duration: mean(self.duration, other.duration),
        }
    }
}

/// The rate constants of one compartment's right-hand side (docs/model.md sec. 2.4-2.5): the
/// patient's parameters, the compartment's constants and the rates of the product of its
/// latest dose, combined here and nowhere else (with [`ProductRates::uptake_rate`] for the
/// toxin chain).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rates<T = f64> {
    /// `k_on`: onset of blockade (1/day).
    pub k_on: T,
    /// `k_r0`: recovery of transmission without remodelling (1/day).
    pub k_r0: T,
    pub rho_r: T,
    pub k_r_in: T,
    pub k_r_out: T,
    pub k_gain: T,
    pub k_loss: T,
    pub rho_f: T,
    /// `rho_A`: slowing of contractile-mass loss by remodelling memory `R`.
    pub rho_a: T,
    pub k_f: T,
    pub k_fd: T,
    /// `1 - s`: the contractile mass left under sustained complete block.
    pub contractile_floor: T,
}

impl Rates {
    /// The rates in the precision `T` (single precision for the solver's lanes).
    #[inline(always)]
    pub fn to<T: real::Real>(&self) -> Rates<T> {
        Rates {
            k_on: T::of(self.k_on),
            k_r0: T::of(self.k_r0),
            rho_r: T::of(self.rho_r),
            k_r_in: T::of(self.k_r_in),
            k_r_out: T::of(self.k_r_out),
            k_gain: T::of(self.k_gain),
            k_loss: T::of(self.k_loss),
            rho_f: T::of(self.rho_f),
            rho_a: T::of(self.rho_a),
            k_f: T::of(self.k_f),
            k_fd: T::of(self.k_fd),
            contractile_floor: T::of(self.contractile_floor),
        }
    }

    pub fn new(
        parameters: &Parameters,
        constants: &CompartmentConstants,
        product: &ProductRates,
    ) -> Rates {
        Rates {
            k_on: parameters.k_on * product.onset,
            k_r0: parameters.k_r0 * product.recovery,
            rho_r: parameters.rho_r,
            k_r_in: parameters.k_r_in,
            k_r_out: parameters.k_r_out,
            k_gain: parameters.k_gain,
            k_loss: parameters.k_loss,
            rho_f: parameters.rho_f,
            rho_a: parameters.rho_a,
            k_f: parameters.k_f,
            k_fd: parameters.k_fd,
            contractile_floor: 1.0 - constants.atrophy_susceptibility,
        }
    }
}

/// The right-hand side of the compartment ODE, `d[B, R, M, F]/dt`, given the blockade level
/// `E` the toxin sets at that time ([`pharmacodynamics::blockade_level`]). This is the
/// function the solver integrates (`solve.rs` calls it in every lane at every stage, in single
/// precision).
#[inline(always)]
pub fn derivative<T: real::Real>(
    rates: &Rates<T>,
    e: T,
    y: &[T; DYNAMIC_SIZE],
) -> [T; DYNAMIC_SIZE] {
    let b = y[dynamic::B];
    let r = y[dynamic::R];
    let m = y[dynamic::M];
    let f = y[dynamic::F];
    [
        pharmacodynamics::blockade_rate(rates, e, b, r),
        pharmacodynamics::remodelling_rate(rates, b, r),
        adaptation::contractile_mass_rate(rates, b, r, m, f),
        adaptation::non_contractile_rate(rates, b, m, f),
    ]
}

/// The full state from the toxin levels and the dynamic part.
pub fn full_state(d: f64, l: f64, y: &Dynamic) -> State {
    [
        d,
        l,
        y[dynamic::B],
        y[dynamic::R],
        y[dynamic::M],
        y[dynamic::F],
    ]
}

/// Strength `S = (1 - B) * M`: functional innervation times contractile mass. `B` is held
/// to [0, 1]: the integrator may overshoot a saturated blockade by its tolerance (~1e-6).
pub fn strength(y: &State) -> f64 {
    (1.0 - y[index::B].clamp(0.0, 1.0)) * y[index::M]
}

/// Muscle volume `V = M + F`, what ultrasound, CT and MRI measure.
pub fn volume(y: &State) -> f64 {
    y[index::M] + y[index::F]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivative_is_the_documented_equations() {
        // docs/model.md sec. 2.4-2.5, written out here independently of the model's files.
        let parameters = Parameters::TYPICAL;
        let constants = CompartmentConstants {
            mass_g: 2.0,
            sensitivity: 1.1,
            atrophy_susceptibility: 0.4,
        };
        let product = ProductRates {
            onset: 1.5,
            recovery: 0.8,
            duration: 1.0,
        };
        let rates = Rates::new(&parameters, &constants, &product);
        let p = &parameters;
        for (e, y) in [
            (0.7, [0.2, 0.1, 0.9, 0.05]),
            (0.1, [0.6, 0.4, 0.7, 0.2]),
            (0.0, [1.000001, 0.0, 1.0, -1e-9]),
        ] {
            let [b, r, m, f] = y;
            let k_on = p.k_on * 1.5;
            let k_r = p.k_r0 * 0.8 / (1.0 + p.rho_r * r);
            let db = if e >= b {
                k_on * (e - b)
            } else {
                k_r * (e - b)
            };
            let dr = p.k_r_in * b * (1.0 - r) - p.k_r_out * r;
            let (bc, fc) = (b.clamp(0.0, 1.0), f.max(0.0));
            let dm = p.k_gain * (1.0 - bc) * (1.0 - fc - m) / (1.0 + p.rho_f * fc)
                - p.k_loss * bc * (m - (1.0 - 0.4)) / (1.0 + p.rho_a * r);
            let df = p.k_f * bc * (1.0 - m - fc) - p.k_fd * fc;
            let dy = derivative(&rates, e, &y);
            for (actual, expected) in dy.iter().zip([db, dr, dm, df]) {
                assert!(
                    (actual - expected).abs() <= 1e-15,
                    "{dy:?} at E {e}, y {y:?}"
                );
            }
        }
        assert_eq!(product.uptake_rate(&parameters), parameters.k_in * 1.5);
    }

    #[test]
    fn merged_product_rates_are_weighted_by_concentration() {
        let slow = ProductRates {
            onset: 1.0,
            recovery: 1.0,
            duration: 1.0,
        };
        let fast = ProductRates {
            onset: 2.0,
            recovery: 0.5,
            duration: 3.0,
        };
        let merged = slow.merged(3.0, fast, 1.0);
        assert!((merged.onset - 1.25).abs() < 1e-15);
        assert!((merged.recovery - 0.875).abs() < 1e-15);
        assert!((merged.duration - 1.5).abs() < 1e-15);
        // One product keeps its rates to the bit, whatever the weights.
        let odd = ProductRates {
            onset: 0.3,
            recovery: 1.7,
            duration: 2.2,
        };
        assert_eq!(odd.merged(0.1, odd, 7.3), odd);
        assert_eq!(
            Rates::new(
                &Parameters::TYPICAL,
                &CompartmentConstants {
                    mass_g: 1.0,
                    sensitivity: 1.0,
                    atrophy_susceptibility: 0.2
                },
                &ProductRates::REFERENCE
            )
            .k_on,
            Parameters::TYPICAL.k_on
        );
    }
}
