//! The likelihood of a patient's observations given the model's predictions: ordered probit
//! for graded severity (the model's continuous severity plus a latent grading error, cut at the
//! grade boundaries 0.5, 1.5, 2.5: a grade is a range, not a number to square), interval
//! censoring for the return of movement (the return lies after the last "not yet" visit and
//! by the first "returned" visit of the cycle, give or take the days a patient takes to notice
//! it), and Gaussian errors for thickness, bite force and palsy scores.

/// ln Φ(x), accurate in both tails (complementary error function of Numerical Recipes,
/// relative error below 1.2e-7 everywhere, evaluated in logs so deep tails do not underflow).
pub fn log_normal_cdf(x: f64) -> f64 {
    if x == f64::INFINITY {
        return 0.0;
    }
    if x == f64::NEG_INFINITY {
        return f64::NEG_INFINITY;
    }
    // Φ(x) = erfc(-x / √2) / 2.
    let z = -x / std::f64::consts::SQRT_2;
    let log_erfc = |z: f64| -> f64 {
        let a = z.abs();
        let t = 1.0 / (1.0 + 0.5 * a);
        let poly = -a * a - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77))))))));
        let log_tail = t.ln() + poly; // ln erfc(|z|)
        if z >= 0.0 {
            log_tail
        } else {
            (2.0 - log_tail.exp()).ln()
        }
    };
    log_erfc(z) - std::f64::consts::LN_2
}

/// ln(Φ(b) − Φ(a)) for a < b, computed on the side of the distribution where it is accurate.
pub fn log_normal_interval(a: f64, b: f64) -> f64 {
    if b <= a {
        return f64::NEG_INFINITY;
    }
    // Mirror into the lower tail so both terms are small probabilities, not differences of ones.
    let (low, high) = if a > 0.0 { (-b, -a) } else { (a, b) };
    let high_log = log_normal_cdf(high);
    let low_log = log_normal_cdf(low);
    // ln(e^h − e^l) = h + ln(1 − e^(l − h)).
    high_log + (-(low_log - high_log).exp()).ln_1p()
}

/// Grade boundaries of the 0-3 scales.
const CUTS: [f64; 3] = [0.5, 1.5, 2.5];

/// ln P(grade | continuous severity `severity`, latent SD `sd`): ordered probit.
pub fn log_ordinal(grade: f64, severity: f64, sd: f64) -> f64 {
    let g = grade.round().clamp(0.0, 3.0) as usize;
    let lower = if g == 0 {
        f64::NEG_INFINITY
    } else {
        CUTS[g - 1]
    };
    let upper = if g == 3 { f64::INFINITY } else { CUTS[g] };
    log_normal_interval((lower - severity) / sd, (upper - severity) / sd)
}

/// ln P(the noticed return lies in (`not_yet`, `returned`]) when the model's return day is
/// `predicted` and patients notice it give or take `sd` days. `None`: no such visit (the
/// interval is open on that side).
pub fn log_censored_return(
    predicted: f64,
    not_yet: Option<f64>,
    returned: Option<f64>,
    sd: f64,
) -> f64 {
    let a = not_yet.map_or(f64::NEG_INFINITY, |day| (day - predicted) / sd);
    let b = returned.map_or(f64::INFINITY, |day| (day - predicted) / sd);
    if b <= a {
        // Visits that contradict each other (returned, then "not yet" later): each counts
        // on its own, so the fit still sees both.
        return log_normal_cdf(b) + log_normal_cdf(-a);
    }
    log_normal_interval(a, b)
}

/// ln N(value; mean, sd²).
pub fn log_gaussian(value: f64, mean: f64, sd: f64) -> f64 {
    let r = (value - mean) / sd;
    -0.5 * r * r - sd.ln() - 0.5 * (2.0 * std::f64::consts::PI).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_cdf_matches_known_values_and_its_tails() {
        assert!((log_normal_cdf(0.0) - 0.5f64.ln()).abs() < 1e-7);
        assert!((log_normal_cdf(1.0).exp() - 0.841_344_746).abs() < 1e-7);
        assert!((log_normal_cdf(-1.959_963_985).exp() - 0.025).abs() < 1e-8);
        // Deep lower tail: ln Φ(-20) = -203.917...
        assert!((log_normal_cdf(-20.0) + 203.917_155).abs() < 1e-3);
        assert!(log_normal_cdf(30.0) <= 0.0 && log_normal_cdf(30.0) > -1e-12);
    }

    #[test]
    fn the_grades_are_a_probability_distribution_peaking_at_the_nearest_grade() {
        for severity in [0.2, 1.1, 1.7, 2.9, 3.4] {
            let p: Vec<f64> = (0..4)
                .map(|g| log_ordinal(g as f64, severity, 0.5).exp())
                .collect();
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-6, "{p:?}");
            let best = (0..4).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap();
            assert_eq!(best as f64, severity.round().clamp(0.0, 3.0));
        }
    }

    #[test]
    fn a_higher_grade_is_likelier_the_higher_the_predicted_severity() {
        // Monotone likelihood ratio: P(3)/P(1) grows with the severity.
        let mut last = f64::NEG_INFINITY;
        for k in 0..30 {
            let severity = k as f64 * 0.1;
            let ratio = log_ordinal(3.0, severity, 0.5) - log_ordinal(1.0, severity, 0.5);
            assert!(ratio > last);
            last = ratio;
        }
    }

    #[test]
    fn not_yet_favours_a_later_return_and_returned_an_earlier_one() {
        let not_yet = |predicted| log_censored_return(predicted, Some(100.0), None, 7.0);
        let returned = |predicted| log_censored_return(predicted, None, Some(100.0), 7.0);
        assert!(not_yet(120.0) > not_yet(100.0) && not_yet(100.0) > not_yet(80.0));
        assert!(returned(80.0) > returned(100.0) && returned(100.0) > returned(120.0));
        // Both visits bracket the return: most likely inside the bracket.
        let both = |predicted| log_censored_return(predicted, Some(90.0), Some(110.0), 7.0);
        assert!(both(100.0) > both(70.0) && both(100.0) > both(130.0));
        assert!(both(100.0) <= 0.0);
    }

    #[test]
    fn intervals_are_accurate_in_the_upper_tail() {
        // P(8 < X < 9) ≈ 6.2e-16: a difference of two numbers near 1 would give 0.
        let p = log_normal_interval(8.0, 9.0).exp();
        assert!((p / 6.219_831_986e-16 - 1.0).abs() < 1e-5, "{p:e}");
    }
}
