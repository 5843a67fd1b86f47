//! Activity-driven adaptation of the muscle: loss of contractile mass while transmission is
//! blocked, slower regrowth when activity returns, and slowly reversible replacement by
//! non-contractile tissue (fat, connective tissue) after long block.
//!
//! ```text
//! a     = 1 - B                                   (activity reaching the fibres)
//! dM/dt = k_gain a (1 - F - M) / (1 + rho_F F)  -  k_loss (1 - a) (M - (1 - s))
//! dF/dt = k_F (1 - M) - k_Fd F
//! ```
//! Contractile mass regrows only into the space non-contractile tissue leaves free, so the
//! volume `M + F` can return to baseline while strength stays lower (rat: mass recovered,
//! torque -25% at 12 months, Ward 2018 [R]; rabbit: mass as controls, contractile material
//! reduced, Fortuna 2015 [R]).
//! `s` is the muscle's atrophy susceptibility: the fraction of contractile mass lost under
//! sustained complete block (large for the masseter, small for expression muscles).

use super::{dynamic, CompartmentConstants, Dynamic, Parameters};

#[inline]
pub fn derivative(
    parameters: &Parameters,
    constants: &CompartmentConstants,
    y: &Dynamic,
    dy: &mut Dynamic,
) {
    let b = y[dynamic::B].clamp(0.0, 1.0);
    let m = y[dynamic::M];
    let f = y[dynamic::F].max(0.0);
    let activity = 1.0 - b;
    let floor = 1.0 - constants.atrophy_susceptibility;
    dy[dynamic::M] = parameters.k_gain * activity * (1.0 - f - m) / (1.0 + parameters.rho_f * f)
        - parameters.k_loss * b * (m - floor);
    dy[dynamic::F] = parameters.k_f * (1.0 - m) - parameters.k_fd * f;
}
