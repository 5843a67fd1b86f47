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

/// The nearest integer, halves away from zero: `f64::round` but for the sign of a zero
/// result (here always `+0`, which [`round`] writes as 0 either way), inline instead of a
/// library call (a report rounds each of its daily numbers, over a hundred thousand for a
/// full face).
fn half_away_from_zero(x: f64) -> f64 {
    // From 2^52 on every f64 is an integer; NaN and the infinities fail the test too.
    if !(x.abs() < 4_503_599_627_370_496.0) {
        return x;
    }
    let truncated = x as i64 as f64;
    // Exact: the bits of `x` below the units.
    let fraction = x - truncated;
    if fraction >= 0.5 {
        truncated + 1.0
    } else if fraction <= -0.5 {
        truncated - 1.0
    } else {
        truncated
    }
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
            4_503_599_627_370_496.0e-6,
            9_007_199_254_740_993.0e-6,
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
                    ours.to_bits() == library.to_bits()
                        || (ours == 0.0 && library == 0.0)
                        || (ours.is_nan() && library.is_nan()),
                    "{x:e}: {ours:e} against {library:e}"
                );
            }
        }
        let mut rng = ChaCha8Rng::seed_from_u64(20261207);
        for _ in 0..200_000 {
            let magnitude = 10f64.powi(rng.random_range(-12..16));
            let x = rng.random_range(-1.0..1.0) * magnitude;
            same(x);
            same(f64::from_bits(rng.random::<u64>()));
        }
    }
}
