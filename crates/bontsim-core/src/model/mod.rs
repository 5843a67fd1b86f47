//! The equations of `docs/model.md`, one file per process. Symbols in code match the
//! document: `k_in`, `k_L`, `EC50`, `k_on`, `k_r`, `M`, `F`, ...
//!
//! State of one compartment (a muscle on one side), all per compartment:
//! `D` deposited toxin and `L` internalised active toxin (U/g onabotulinumtoxinA-equivalent),
//! `B` functional blockade (0..1), `R` neuromuscular remodelling memory (0..1),
//! `M` contractile mass and `F` non-contractile tissue (fractions of baseline muscle mass).

pub mod adaptation;
pub mod immunity;
pub mod parameters;
pub mod pharmacodynamics;
pub mod spread;

pub use parameters::Parameters;

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

/// Right-hand side of the compartment ODE for `[B, R, M, F]` given the blockade level `E`
/// that the toxin sets at that time ([`pharmacodynamics::Toxin::effect`]).
#[inline]
pub fn derivative(
    parameters: &Parameters,
    constants: &CompartmentConstants,
    e: f64,
    y: &Dynamic,
) -> Dynamic {
    let mut dy = [0.0; DYNAMIC_SIZE];
    pharmacodynamics::derivative(parameters, e, y, &mut dy);
    adaptation::derivative(parameters, constants, y, &mut dy);
    dy
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
