//! Toxin uptake, intracellular persistence, blockade and its recovery.
//!
//! ```text
//! dD/dt = -k_in D                 (solved in closed form: [`Toxin`])
//! dL/dt =  k_in D - k_L L
//! P     = 1 - (1 - P_before E_before)(1 - (1 - exp(-c / c_cov)))   at each dose of c
//! E     = P (L/EC50')^h / (1 + (L/EC50')^h),    EC50' = EC50 / sensitivity
//! dB/dt =  k_on (E - B)        while E >= B   (onset: terminals fall silent)
//!          k_r  (E - B)        while E <  B   (recovery: sprouting, parent terminal)
//! k_r   =  k_r0 / (1 + rho_R R)
//! dR/dt =  k_Rin B (1 - R) - k_Rout R
//! ```
//! `P` is the fraction of the muscle's nerve terminals a deposit reaches (coverage: at 1 U
//! the denervation gradient collapses within 15-30 mm, at 5-10 U it fills the muscle,
//! Borodic 1994 [R]); `L` is the toxin load of a reached terminal, which stays silent while
//! its load is above `EC50'`. Depth is graded and saturates with dose through `P`, while
//! duration keeps growing with the log of the dose because `L` decays exponentially: a
//! reached terminal stays blocked for `ln(L0 / EC50') / k_L`, so doubling a dose adds ~31
//! days (ln 2 / k_L). Terminals from an earlier dose count toward `P` only while their load
//! still blocks them (`P_before E_h(L + D)` at the new dose).

use super::{dynamic, CompartmentConstants, Dynamic, Parameters};

/// Fraction of a reached terminal's transmission blocked by load `L`: `E_h(L)`.
pub fn terminal_block(parameters: &Parameters, constants: &CompartmentConstants, l: f64) -> f64 {
    HillCurve::new(parameters, constants).block(l)
}

/// `E_h` for one compartment with its constants folded in once (it is evaluated at every
/// stage of every step).
#[derive(Debug, Clone, Copy)]
pub struct HillCurve {
    /// `sensitivity / EC50`.
    scale: f64,
    /// `floor(h)`, and whether `h` has a half (x^h = x^floor(h) sqrt(x)).
    whole: u32,
    half: bool,
    /// `h` when it is neither an integer nor a half-integer.
    general: Option<f64>,
}

impl HillCurve {
    pub fn new(parameters: &Parameters, constants: &CompartmentConstants) -> HillCurve {
        let h = parameters.hill;
        let twice = h * 2.0;
        let simple = twice == twice.round() && (0.0..=16.0).contains(&twice);
        HillCurve {
            scale: constants.sensitivity / parameters.ec50,
            whole: h.floor() as u32,
            half: simple && (twice as i32) % 2 == 1,
            general: (!simple).then_some(h),
        }
    }

    #[inline]
    pub fn block(&self, l: f64) -> f64 {
        if l <= 0.0 {
            return 0.0;
        }
        let x = l * self.scale;
        let power = match self.general {
            Some(h) => x.powf(h),
            None => {
                let mut power = if self.half { x.sqrt() } else { 1.0 };
                for _ in 0..self.whole {
                    power *= x;
                }
                power
            }
        };
        power / (1.0 + power)
    }
}

/// Toxin a dose of concentration `c` loads into the terminals it reaches:
/// `c / (1 + c / c_sat)` (acceptor-limited uptake; `c` itself when `c_sat` is infinite).
#[inline]
pub fn taken_up(parameters: &Parameters, c: f64) -> f64 {
    c / (1.0 + c / parameters.uptake_saturation)
}

/// Coverage reached by a dose of concentration `c` alone: `1 - exp(-c sensitivity / c_cov)`.
pub fn dose_coverage(parameters: &Parameters, constants: &CompartmentConstants, c: f64) -> f64 {
    1.0 - (-c * constants.sensitivity / parameters.coverage_concentration).exp()
}

#[cfg(test)]
mod tests {
    #[test]
    fn hill_curve_matches_the_formula() {
        let constants = crate::model::CompartmentConstants {
            mass_g: 1.0,
            sensitivity: 1.3,
            atrophy_susceptibility: 0.1,
        };
        for h in [1.0, 1.5, 2.0, 3.5, 4.0, 2.7] {
            let parameters = crate::model::Parameters {
                hill: h,
                ..crate::model::Parameters::TYPICAL
            };
            let curve = super::HillCurve::new(&parameters, &constants);
            for l in [0.0, 0.01, 0.5, 1.0, 3.0, 40.0] {
                let x: f64 = (l * 1.3 / parameters.ec50).powf(h);
                let exact = if l == 0.0 { 0.0 } else { x / (1.0 + x) };
                assert!((curve.block(l) - exact).abs() <= 1e-12, "h {h}, l {l}");
            }
        }
    }
}

/// `dB/dt` and `dR/dt` given the blockade level `E` set by the toxin.
#[inline]
pub fn derivative(parameters: &Parameters, e: f64, y: &Dynamic, dy: &mut Dynamic) {
    let b = y[dynamic::B];
    let r = y[dynamic::R];
    let rate = if e >= b {
        parameters.k_on
    } else {
        parameters.k_r0 / (1.0 + parameters.rho_r * r)
    };
    dy[dynamic::B] = rate * (e - b);
    dy[dynamic::R] = parameters.k_r_in * b * (1.0 - r) - parameters.k_r_out * r;
}

/// `(e^(-k_L tau), e^(-k_in tau))`, the two exponentials of the toxin chain `tau` days after
/// its reference time. Past ~40 uptake time constants the deposit term is below 1e-17 of the
/// dose: its exponential is skipped (most calls come long after a dose).
#[inline]
pub fn exponentials(parameters: &Parameters, tau: f64) -> (f64, f64) {
    let fast_exponent = parameters.k_in * tau;
    let fast = if fast_exponent > 40.0 {
        0.0
    } else {
        (-fast_exponent).exp()
    };
    ((-parameters.k_l * tau).exp(), fast)
}

/// The toxin chain `dD/dt = -k_in D`, `dL/dt = k_in D - k_L L` in closed form since the
/// last dose at `t_ref`:
/// `D(t) = d e^(-k_in tau)`, `L(t) = a e^(-k_L tau) + c e^(-k_in tau)`, `tau = t - t_ref`.
/// Solving it exactly keeps the integrator's steps set by the slow muscle dynamics instead
/// of by the decay of a deposit that no longer matters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Toxin {
    pub t_ref: f64,
    pub d: f64,
    pub a: f64,
    pub c: f64,
    /// Coverage `P` since the last dose.
    pub coverage: f64,
}

impl Toxin {
    pub const NONE: Toxin = Toxin {
        t_ref: 0.0,
        d: 0.0,
        a: 0.0,
        c: 0.0,
        coverage: 0.0,
    };

    /// `(D(t), L(t))`.
    #[inline]
    pub fn at(&self, parameters: &Parameters, t: f64) -> (f64, f64) {
        if self.d == 0.0 && self.a == 0.0 && self.c == 0.0 && self.coverage == 0.0 {
            return (0.0, 0.0);
        }
        let (slow, fast) = exponentials(parameters, t - self.t_ref);
        (self.d * fast, self.a * slow + self.c * fast)
    }

    /// The blockade level `E = P E_h(L)` at time `t`.
    #[inline]
    pub fn effect(&self, parameters: &Parameters, constants: &CompartmentConstants, t: f64) -> f64 {
        if self.coverage == 0.0 {
            return 0.0;
        }
        let (_, l) = self.at(parameters, t);
        self.coverage * terminal_block(parameters, constants, l)
    }

    /// `E = P E_h(L)` from the shared exponentials and the compartment's curve.
    #[inline]
    pub fn effect_from(&self, curve: &HillCurve, slow: f64, fast: f64) -> f64 {
        if self.coverage == 0.0 {
            0.0
        } else {
            self.coverage * curve.block(self.load_from(slow, fast))
        }
    }

    /// The same toxin expressed from reference time `t` (no dose): used to put all
    /// compartments on one reference time so they can share the exponentials.
    pub fn rereference(&mut self, parameters: &Parameters, t: f64) {
        if *self == Toxin::NONE {
            self.t_ref = t;
            return;
        }
        let (d, l) = self.at(parameters, t);
        let gain = parameters.k_in / (parameters.k_in - parameters.k_l);
        *self = Toxin {
            t_ref: t,
            d,
            a: l + d * gain,
            c: -d * gain,
            coverage: self.coverage,
        };
    }

    /// `L` from the shared exponentials `slow = e^(-k_L tau)`, `fast = e^(-k_in tau)`.
    #[inline]
    pub fn load_from(&self, slow: f64, fast: f64) -> f64 {
        self.a * slow + self.c * fast
    }

    /// Add a dose of `concentration` at time `t` (not before the last dose).
    pub fn dose(
        &mut self,
        parameters: &Parameters,
        constants: &CompartmentConstants,
        t: f64,
        concentration: f64,
    ) {
        let (d, l) = self.at(parameters, t);
        // Terminals reached before still count while their load, including toxin still
        // being taken up, keeps them blocked.
        let still_blocked = self.coverage * terminal_block(parameters, constants, l + d);
        let reached = dose_coverage(parameters, constants, concentration);
        let d = d + taken_up(parameters, concentration);
        let gain = parameters.k_in / (parameters.k_in - parameters.k_l);
        *self = Toxin {
            t_ref: t,
            d,
            a: l + d * gain,
            c: -d * gain,
            coverage: 1.0 - (1.0 - still_blocked) * (1.0 - reached),
        };
    }
}
