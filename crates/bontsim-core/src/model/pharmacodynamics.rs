//! Toxin uptake, intracellular persistence, blockade and its recovery.
//!
//! ```text
//! dD/dt = -k_in D
//! dL/dt =  k_in D - k_L L
//! E     = (L/EC50')^h / (1 + (L/EC50')^h),    EC50' = EC50 / sensitivity
//! dB/dt =  k_on (E - B)        while E >= B   (onset: terminals fall silent)
//!          k_r  (E - B)        while E <  B   (recovery: sprouting, parent terminal)
//! k_r   =  k_r0 / (1 + rho_R R)
//! dR/dt =  k_Rin B (1 - R) - k_Rout R
//! ```
//! Depth saturates with dose through `E`, while duration keeps growing with the log of the
//! dose because `L` decays exponentially: the time for `E` to fall to one half is
//! `ln(L0 / EC50') / k_L`, so doubling a dose adds ~31 days (ln 2 / k_L).

use super::{index, CompartmentConstants, Parameters, State};

/// Blockade level `E` set by internalised toxin `L`.
pub fn toxin_effect(parameters: &Parameters, constants: &CompartmentConstants, l: f64) -> f64 {
    if l <= 0.0 {
        return 0.0;
    }
    let x = (l * constants.sensitivity / parameters.ec50).powf(parameters.hill);
    x / (1.0 + x)
}

pub fn derivative(
    parameters: &Parameters,
    constants: &CompartmentConstants,
    y: &State,
    dy: &mut State,
) {
    let d = y[index::D];
    let l = y[index::L];
    let b = y[index::B];
    let r = y[index::R];
    dy[index::D] = -parameters.k_in * d;
    dy[index::L] = parameters.k_in * d - parameters.k_l * l;
    let e = toxin_effect(parameters, constants, l);
    let rate = if e >= b {
        parameters.k_on
    } else {
        parameters.k_r0 / (1.0 + parameters.rho_r * r)
    };
    dy[index::B] = rate * (e - b);
    dy[index::R] = parameters.k_r_in * b * (1.0 - r) - parameters.k_r_out * r;
}
