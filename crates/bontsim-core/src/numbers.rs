//! How numbers are written in every output (reports, faces, trials, plan summaries). A module
//! of its own, below all of them, so that none needs to import another for it.

/// Round for output: 6 decimals keep files small and byte-stable across platforms.
pub fn round(x: f64) -> f64 {
    let r = half_away_from_zero(x * 1e6) / 1e6;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

/// The nearest integer, halves away from zero: `f64::round` to the bit, inline instead of a
/// library call (a report rounds each of its daily numbers, over a hundred thousand for a
/// full face).
fn half_away_from_zero(x: f64) -> f64 {
    const TWO_TO_52: f64 = 4_503_599_627_370_496.0;
    let magnitude = x.abs();
    // From 2^52 on every f64 is an integer; NaN and the infinities fail the test too (one
    // comparison where `>= || is_nan` takes two, on every number of a report).
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    if !(magnitude < TWO_TO_52) {
        return x;
    }
    // Adding 2^52 leaves no bits below the units: the sum is rounded to an integer (halves
    // to even), and taking 2^52 away again is exact. One down if that went up: the integer
    // part, and the fraction below it exactly.
    let mut whole = (magnitude + TWO_TO_52) - TWO_TO_52;
    if whole > magnitude {
        whole -= 1.0;
    }
    if magnitude - whole >= 0.5 {
        whole += 1.0;
    }
    whole.copysign(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn library_round(x: f64) -> f64 {
        let r = (x * 1e6).round() / 1e6;
        if r == 0.0 {
            0.0
        } else {
            r
        }
    }

    fn same(x: f64) {
        let (ours, library) = (round(x), library_round(x));
        assert!(
            ours.to_bits() == library.to_bits() || (ours.is_nan() && library.is_nan()),
            "{x:e}: {ours:e} against {library:e}"
        );
    }

    #[test]
    fn rounding_equals_the_library_rounding_to_the_bit() {
        let mut specials = vec![
            0.0,
            -0.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            4_503_599_627_370_496.0 * 1e-6,
            9_007_199_254_740_992.0 * 1e-6,
            1e300,
        ];
        // Halves and their neighbours, in millionths and in units.
        for k in [
            0.0,
            1.0,
            2.0,
            7.0,
            1e6,
            123_456_789.0,
            4_503_599_627_370_495.0,
        ] {
            for scale in [1.0, 1e-6] {
                let half: f64 = (k + 0.5) * scale;
                specials.extend([half, half.next_up(), half.next_down()]);
            }
        }
        for x in specials.clone() {
            same(x);
            same(-x);
            for x in [x, -x] {
                let (ours, library) = (half_away_from_zero(x), x.round());
                assert!(
                    ours.to_bits() == library.to_bits() || (ours.is_nan() && library.is_nan()),
                    "{x:e}: {ours:e} against {library:e}"
                );
            }
        }
        let mut rng = ChaCha8Rng::seed_from_u64(20261207);
        for _ in 0..200_000 {
            let magnitude = 10f64.powi(rng.random_range(-12..16));
            let x = rng.random_range(-1.0..1.0) * magnitude;
            same(x);
            let bits = f64::from_bits(rng.random::<u64>());
            same(bits);
            assert_eq!(half_away_from_zero(x).to_bits(), x.round().to_bits());
            assert!(half_away_from_zero(bits).to_bits() == bits.round().to_bits() || bits.is_nan());
        }
    }
}
