//! Activity-driven adaptation of the muscle: loss of contractile mass while transmission is
//! blocked, slower regrowth when activity returns, and slowly reversible replacement by
//! non-contractile tissue (fat, connective tissue) after long block.
//!
//! ```text
//! a     = 1 - B                                   (activity reaching the fibres)
//! dM/dt = k_gain a (1 - F - M) / (1 + rho_F F)  -  k_loss (1 - a) (M - (1 - s)) / (1 + rho_A R)
//! dF/dt = k_F B (1 - M - F) - k_Fd F
//! ```
//! Fat and connective tissue replace contractile mass while the muscle is blocked (disuse
//! infiltration) and only into the space contractile loss left (`1 - M - F`, so the volume
//! never exceeds baseline), not once activity is back: after a course stops, the volume imaging sees
//! comes back only as fast as contractile mass regrows, and that regrowth is slowed by the
//! tissue the course left (`rho_F F`), so the return of volume takes longer the more units
//! were given (docs/model.md sec. 2.5).
//! Contractile mass regrows only into the space non-contractile tissue leaves free, so the
//! volume `M + F` can return to baseline while strength stays lower (rat: mass recovered,
//! torque -25% at 12 months, Ward 2018 [R]; rabbit: mass as controls, contractile material
//! reduced, Fortuna 2015 [R]).
//! `s` is the muscle's atrophy susceptibility: the fraction of contractile mass lost under
//! sustained complete block (large for the masseter, small for expression muscles).
//! Remodelled junctions (`R`, the recovery memory of `pharmacodynamics`) return trophic support
//! to the fibres before evoked transmission returns, so the drive to lose mass falls over a
//! course (`rho_A R`): maintenance atrophy levels off where imaging finds it instead of
//! reaching the floor `1 - s` (docs/model.md sec. 2.13).
//! `B` is held to [0, 1] and `F` to >= 0 here: the integrator may overshoot them by its
//! tolerance.

use super::real::Real;
use super::Rates;

/// `dM/dt`: contractile mass regrows with activity into the space `1 - F - M` (slowed by
/// non-contractile tissue) and is lost under block down to `1 - s`, the more slowly the more
/// the junctions have remodelled (`R`).
#[inline(always)]
pub fn contractile_mass_rate<T: Real>(rates: &Rates<T>, b: T, r: T, m: T, f: T) -> T {
    let b = b.clamp(T::ZERO, T::ONE);
    let f = f.max(T::ZERO);
    let activity = T::ONE - b;
    rates.k_gain * activity * (T::ONE - f - m) / (T::ONE + rates.rho_f * f)
        - rates.k_loss * b * (m - rates.contractile_floor) / (T::ONE + rates.rho_a * r)
}

/// `dF/dt`: non-contractile tissue fills the volume contractile mass left while the muscle
/// is blocked, and is resorbed.
#[inline(always)]
pub fn non_contractile_rate<T: Real>(rates: &Rates<T>, b: T, m: T, f: T) -> T {
    let b = b.clamp(T::ZERO, T::ONE);
    let f = f.max(T::ZERO);
    rates.k_f * b * (T::ONE - m - f) - rates.k_fd * f
}
