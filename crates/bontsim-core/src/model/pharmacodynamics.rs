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

use super::real::Real;
use super::{CompartmentConstants, Parameters, ProductRates, Rates};

/// The Hill exponent `h` in the form that decides the operations of `x^h`: integer and
/// half-integer `h` by multiplication (and one square root), others by `powf`. The solver
/// integrates compartments that share this form side by side, one per vector lane.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HillExponent {
    hill: f64,
    /// `floor(h)`, and whether `h` has a half (`x^h = x^floor(h) sqrt(x)`).
    whole: u32,
    half: bool,
    /// `h` is neither an integer nor a half-integer (up to 8): `powf`.
    general: bool,
}

impl HillExponent {
    pub fn new(hill: f64) -> HillExponent {
        let twice = hill * 2.0;
        let simple = twice == twice.round() && (0.0..=16.0).contains(&twice);
        HillExponent {
            hill,
            whole: if simple { hill.floor() as u32 } else { 0 },
            half: simple && (twice as i32) % 2 == 1,
            general: !simple,
        }
    }

    /// `x^h` of every lane, the same operations in every lane (each loop over the lanes is
    /// one vector operation once inlined).
    #[inline(always)]
    pub fn powers<T: Real, const N: usize>(&self, x: &[T; N]) -> [T; N] {
        let mut power = [T::ONE; N];
        if self.general {
            for (power, x) in power.iter_mut().zip(x) {
                *power = T::of(x.to_f64().powf(self.hill));
            }
        } else {
            if self.half {
                for (power, x) in power.iter_mut().zip(x) {
                    *power = x.sqrt();
                }
            }
            for _ in 0..self.whole {
                for (power, x) in power.iter_mut().zip(x) {
                    *power *= *x;
                }
            }
        }
        power
    }

    /// `x^h` of one value.
    #[inline(always)]
    pub fn power(&self, x: f64) -> f64 {
        self.powers(&[x])[0]
    }
}

/// The closed-form load `L = a e^(-k_L tau) + c e^(-k_in tau)` from the two exponentials.
#[inline(always)]
pub fn load<T: Real>(a: T, c: T, slow: T, fast: T) -> T {
    a * slow + c * fast
}

/// `x = L sensitivity / EC50` (`scale = sensitivity / EC50`), held at zero from below with a
/// comparison (not `max`) so that a NaN load stays NaN.
#[inline(always)]
pub fn scaled_load<T: Real>(l: T, scale: T) -> T {
    let scaled = l * scale;
    if scaled < T::ZERO {
        T::ZERO
    } else {
        scaled
    }
}

/// `E_h = x^h / (1 + x^h)` from `x` and `power = x^h`: the block of a reached terminal. A
/// terminal without load is not blocked (`E_h(0) = 0` even when `h = 0`); beyond
/// [`Real::POWER_CEILING`] the power could overflow to inf and inf/inf to NaN, so it saturates.
#[inline(always)]
pub fn terminal_block_of<T: Real>(x: T, power: T) -> T {
    let power = if power > T::POWER_CEILING {
        T::POWER_CEILING
    } else {
        power
    };
    if x <= T::ZERO {
        T::ZERO
    } else {
        power / (T::ONE + power)
    }
}

/// Fraction of a reached terminal's transmission blocked by load `L`: `E_h(L)`.
pub fn terminal_block(parameters: &Parameters, constants: &CompartmentConstants, l: f64) -> f64 {
    terminal_block_at(
        l,
        constants.sensitivity / parameters.ec50,
        &HillExponent::new(parameters.hill),
    )
}

/// [`terminal_block`] of load `l` with `scale = sensitivity / EC50` and the Hill exponent
/// already made (as the solver holds them for each lane).
#[inline(always)]
pub fn terminal_block_at(l: f64, scale: f64, hill: &HillExponent) -> f64 {
    let x = scaled_load(l, scale);
    terminal_block_of(x, hill.power(x))
}

/// `E = P E_h(L)`: the blockade level the toxin sets.
#[inline(always)]
pub fn blockade_level<T: Real>(coverage: T, terminal_block: T) -> T {
    coverage * terminal_block
}

/// `dB/dt = k_on (E - B)` while `E >= B` (onset), `k_r (E - B)` with
/// `k_r = k_r0 / (1 + rho_R R)` while `E < B` (recovery). Both rates are computed and one
/// chosen, so that the lanes of the solver run the same operations.
#[inline(always)]
pub fn blockade_rate<T: Real>(rates: &Rates<T>, e: T, b: T, r: T) -> T {
    let recovery = rates.k_r0 / (T::ONE + rates.rho_r * r);
    let rate = if e >= b { rates.k_on } else { recovery };
    rate * (e - b)
}

/// `dR/dt = k_Rin B (1 - R) - k_Rout R`.
#[inline(always)]
pub fn remodelling_rate<T: Real>(rates: &Rates<T>, b: T, r: T) -> T {
    rates.k_r_in * b * (T::ONE - r) - rates.k_r_out * r
}

/// Dissociation constant of the toxin's binding to the terminals' acceptors, as a fraction
/// `K / c_sat` of the ceiling. [E] Small: BoNT/A binds its acceptors with high affinity
/// (sub-nanomolar, Montal 2010 [M]), so a terminal takes up nearly all the toxin that reaches it
/// until its acceptors fill, and little beyond. 0.05 keeps the bend smooth over a doubling.
pub const UPTAKE_DISSOCIATION_FRACTION: f64 = 0.05;

/// Toxin a dose of concentration `c` loads into the terminals it reaches: tight binding to a
/// limited pool of acceptors `S = c_sat` with dissociation constant
/// `K = 0.05 S` (the Morrison quadratic),
/// `bound = ((c + S + K) - sqrt((c + S + K)^2 - 4 c S)) / 2`, written in the form without
/// cancellation `2 c S / ((c + S + K) + sqrt(...))`. Below the ceiling nearly all is taken up
/// (`bound ~ c (1 - K / S)`), above it `bound -> S`: units above the label add little
/// (receptor-limited uptake; the rest is cleared). `c` itself when `c_sat` is infinite.
#[inline]
pub fn taken_up(parameters: &Parameters, c: f64) -> f64 {
    let ceiling = parameters.uptake_saturation;
    if !ceiling.is_finite() {
        return c;
    }
    if c <= 0.0 || ceiling <= 0.0 {
        return 0.0;
    }
    let sum = c + ceiling * (1.0 + UPTAKE_DISSOCIATION_FRACTION);
    let discriminant = (sum * sum - 4.0 * c * ceiling).max(0.0);
    2.0 * c * ceiling / (sum + discriminant.sqrt())
}

/// Coverage reached by a dose of concentration `c` alone: `1 - exp(-c sensitivity / c_cov)`.
pub fn dose_coverage(parameters: &Parameters, constants: &CompartmentConstants, c: f64) -> f64 {
    1.0 - (-c * constants.sensitivity / parameters.coverage_concentration).exp()
}

/// An upper bound of the coverage `P` over a course of doses of these concentrations, and so
/// of the blockade level `E = P E_h(L)` (`E_h < 1`) and of the blockade `B`, which starts at
/// zero and relaxes toward `E`: each dose sets `P = 1 - (1 - P_before E_before)(1 - q)` with
/// `E_before <= 1` and `q` its own [`dose_coverage`], so `1 - P` never falls below the product
/// of the `1 - q` of the doses so far. Cheap (no integration): a virtual trial uses it to leave
/// out a compartment whose blockade, however it runs, cannot change what the trial reads.
pub fn coverage_bound(
    parameters: &Parameters,
    constants: &CompartmentConstants,
    concentrations: impl IntoIterator<Item = f64>,
) -> f64 {
    let unreached: f64 = concentrations
        .into_iter()
        .map(|c| 1.0 - dose_coverage(parameters, constants, c))
        .product();
    1.0 - unreached
}

/// `(e^(-k_L tau), e^(-k_in tau))`, the two exponentials of the toxin chain `tau` days after
/// its reference time. Past ~40 uptake time constants the deposit term is below 1e-17 of the
/// dose: its exponential is skipped (most calls come long after a dose).
#[inline]
pub fn exponentials(k_l: f64, k_in: f64, tau: f64) -> (f64, f64) {
    let fast_exponent = k_in * tau;
    let fast = if fast_exponent > 40.0 {
        0.0
    } else {
        (-fast_exponent).exp()
    };
    ((-k_l * tau).exp(), fast)
}

/// The toxin chain `dD/dt = -k_in D`, `dL/dt = k_in D - k_L L` in closed form since the
/// last dose at `t_ref`:
/// `D(t) = d e^(-k_in tau)`, `L(t) = a e^(-k_L tau) + c e^(-k_in tau)`, `tau = t - t_ref`.
/// Solving it exactly keeps the integrator's steps set by the slow muscle dynamics instead
/// of by the decay of a deposit that no longer matters. `k_in` is that of the product of
/// the last dose (the deposit left from earlier doses is taken up at that rate too).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Toxin {
    pub t_ref: f64,
    pub d: f64,
    pub a: f64,
    pub c: f64,
    /// Coverage `P` since the last dose.
    pub coverage: f64,
    /// Uptake rate `k_in` of the chain since the last dose (1/day).
    pub k_in: f64,
    /// Loss rate `k_L / f_duration` of the light-chain activity since the last dose (1/day):
    /// that of the last dose's product ([`ProductRates::activity_loss_rate`]).
    pub k_l: f64,
}

impl Toxin {
    pub const NONE: Toxin = Toxin {
        t_ref: 0.0,
        d: 0.0,
        a: 0.0,
        c: 0.0,
        coverage: 0.0,
        k_in: 0.0,
        k_l: 0.0,
    };

    /// `(D(t), L(t))`.
    #[inline]
    pub fn at(&self, t: f64) -> (f64, f64) {
        if self.d == 0.0 && self.a == 0.0 && self.c == 0.0 && self.coverage == 0.0 {
            return (0.0, 0.0);
        }
        let (slow, fast) = exponentials(self.k_l, self.k_in, t - self.t_ref);
        (self.d * fast, self.load_from(slow, fast))
    }

    /// `L` from the exponentials `slow = e^(-k_L tau)`, `fast = e^(-k_in tau)`.
    #[inline]
    pub fn load_from(&self, slow: f64, fast: f64) -> f64 {
        load(self.a, self.c, slow, fast)
    }

    /// Add a dose of `concentration` at time `t` (not before the last dose), of a product
    /// whose deposit is taken up at its rate `k_in` ([`ProductRates::uptake_rate`]) up to the
    /// terminals' ceiling ([`taken_up`]) and whose light-chain activity is lost at its rate
    /// ([`ProductRates::activity_loss_rate`]; the load left from earlier doses then decays
    /// at that rate too, as it is taken up at the new `k_in`).
    pub fn dose(
        &mut self,
        parameters: &Parameters,
        constants: &CompartmentConstants,
        product: &ProductRates,
        t: f64,
        concentration: f64,
    ) {
        let k_in = product.uptake_rate(parameters);
        let k_l = product.activity_loss_rate(parameters);
        let (d, l) = self.at(t);
        // Terminals reached before still count while their load, including toxin still
        // being taken up, keeps them blocked.
        let still_blocked = self.coverage * terminal_block(parameters, constants, l + d);
        let reached = dose_coverage(parameters, constants, concentration);
        let d = d + taken_up(parameters, concentration);
        let gain = k_in / (k_in - k_l);
        *self = Toxin {
            t_ref: t,
            d,
            a: l + d * gain,
            c: -d * gain,
            coverage: 1.0 - (1.0 - still_blocked) * (1.0 - reached),
            k_in,
            k_l,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 1-g compartment of the given toxin sensitivity.
    fn compartment(sensitivity: f64) -> CompartmentConstants {
        CompartmentConstants {
            mass_g: 1.0,
            sensitivity,
            atrophy_susceptibility: 0.1,
        }
    }

    #[test]
    fn coverage_never_exceeds_its_bound() {
        let parameters = Parameters::TYPICAL;
        let constants = compartment(1.3);
        // Courses of close and spaced doses, small and large, of two products.
        let fast = ProductRates {
            onset: 1.5,
            recovery: 1.0,
            duration: 0.8,
        };
        let courses: [&[(f64, f64, ProductRates)]; 3] = [
            &[(0.0, 0.01, ProductRates::REFERENCE)],
            &[
                (0.0, 4.0, ProductRates::REFERENCE),
                (14.0, 2.0, fast),
                (120.0, 8.0, ProductRates::REFERENCE),
            ],
            &[(0.0, 30.0, fast), (1.0, 30.0, fast), (2.0, 0.5, fast)],
        ];
        for course in courses {
            let mut toxin = Toxin::NONE;
            for (n, &(day, concentration, product)) in course.iter().enumerate() {
                toxin.dose(&parameters, &constants, &product, day, concentration);
                let bound = coverage_bound(
                    &parameters,
                    &constants,
                    course[..=n].iter().map(|dose| dose.1),
                );
                assert!(
                    toxin.coverage <= bound + 1e-15,
                    "{course:?}: coverage {} above its bound {bound}",
                    toxin.coverage
                );
            }
        }
        assert_eq!(coverage_bound(&parameters, &constants, []), 0.0);
    }

    #[test]
    fn a_longer_lasting_product_loses_its_load_slower_at_the_same_uptake() {
        let parameters = Parameters::TYPICAL;
        let constants = compartment(1.0);
        let load_at = |duration: f64, t: f64| {
            let product = ProductRates {
                duration,
                ..ProductRates::REFERENCE
            };
            let mut toxin = Toxin::NONE;
            toxin.dose(&parameters, &constants, &product, 0.0, 8.0);
            (toxin.at(t), toxin.coverage)
        };
        let ((_, reference), reference_coverage) = load_at(1.0, 120.0);
        let ((_, longer), longer_coverage) = load_at(1.2, 120.0);
        // Same terminals reached and the same toxin taken up (potency untouched) ...
        assert_eq!(reference_coverage, longer_coverage);
        let ((d_reference, _), _) = load_at(1.0, 0.0);
        let ((d_longer, _), _) = load_at(1.2, 0.0);
        assert_eq!(d_reference, d_longer);
        // ... but the load decays at k_L / 1.2: by day 120, once uptake is over, the ratio of
        // the loads is close to exp(k_L (1 - 1/1.2) 120).
        let expected = (parameters.k_l * (1.0 - 1.0 / 1.2) * 120.0).exp();
        assert!(
            (longer / reference / expected - 1.0).abs() < 0.02,
            "{longer} / {reference} vs {expected}"
        );
    }

    #[test]
    fn hill_power_matches_the_formula() {
        let constants = CompartmentConstants {
            mass_g: 1.0,
            sensitivity: 1.3,
            atrophy_susceptibility: 0.1,
        };
        for h in [1.0, 1.5, 2.0, 3.5, 4.0, 2.7] {
            let parameters = Parameters {
                hill: h,
                ..Parameters::TYPICAL
            };
            for l in [0.0, 0.01, 0.5, 1.0, 3.0, 40.0] {
                let x: f64 = (l * 1.3 / parameters.ec50).powf(h);
                let exact = if l == 0.0 { 0.0 } else { x / (1.0 + x) };
                let block = terminal_block(&parameters, &constants, l);
                assert!((block - exact).abs() <= 1e-12, "h {h}, l {l}");
            }
        }
    }

    #[test]
    fn uptake_is_nearly_complete_below_the_ceiling_and_capped_above() {
        let parameters = Parameters::TYPICAL;
        let ceiling = parameters.uptake_saturation;
        // The Morrison quadratic, in its textbook form.
        let morrison = |c: f64, s: f64| {
            let sum = c + s + UPTAKE_DISSOCIATION_FRACTION * s;
            (sum - (sum * sum - 4.0 * c * s).sqrt()) / 2.0
        };
        for c in [0.01, 1.0, 0.3 * ceiling, ceiling, 3.0 * ceiling, 100.0] {
            let bound = taken_up(&parameters, c);
            assert!(
                (bound - morrison(c, ceiling)).abs() <= 1e-9 * c.max(1.0),
                "c {c}"
            );
            assert!(bound <= c && bound <= ceiling, "c {c}: {bound}");
        }
        // A quarter of the ceiling is taken up to within ~7%; four times it adds < 8% more
        // than twice it.
        assert!(taken_up(&parameters, 0.25 * ceiling) > 0.93 * 0.25 * ceiling);
        assert!(taken_up(&parameters, 4.0 * ceiling) < 1.08 * taken_up(&parameters, 2.0 * ceiling));
        // An infinite ceiling takes up all.
        let unlimited = Parameters {
            uptake_saturation: f64::INFINITY,
            ..parameters
        };
        assert_eq!(taken_up(&unlimited, 7.5), 7.5);
        assert_eq!(taken_up(&parameters, 0.0), 0.0);
    }

    #[test]
    fn an_overflowing_load_saturates_the_block() {
        let constants = CompartmentConstants {
            mass_g: 1.0,
            sensitivity: 1.0,
            atrophy_susceptibility: 0.1,
        };
        let block = terminal_block(&Parameters::TYPICAL, &constants, 1e200);
        assert!(block > 0.999_999 && block <= 1.0, "{block}");
        assert_eq!(terminal_block(&Parameters::TYPICAL, &constants, -1.0), 0.0);
    }
}
