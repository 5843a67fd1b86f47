//! Neutralising antibodies (NAb): the risk of conversion from the dosing history, and the
//! titre that then neutralises part of every later dose (secondary non-response).
//!
//! The immune state depends only on the dose schedule, never on the muscles, so it is
//! computed from the plan's sessions before integration and scales each session's dose
//! (`simulation::compartment_doses`). Equations and sources: docs/model.md, "Neutralising
//! antibodies".
//!
//! Conversion. Each treatment session `j` (all injections of one day) carries a hazard
//! ```text
//! A_j = sum over its injections of U_eq * immunogenicity(product)      (antigen units)
//! h_j = h_0 * (A_j / 20 U)^alpha * f_interval * (1 + A_cumulative / U_c)
//! P_k = 1 - prod_{j<=k} (1 - h_j)                                  (converted by session k)
//! ```
//! `h_0` = 0.08% per 20 U session: 2/718 (0.28%, Naumann 2010) and 3/810 (0.4%, Jankovic
//! 2023) glabellar patients converted after a mean of 3.8 sessions [R] -> 3.8 h_0 = 0.3% [D].
//! `alpha` = 0.5: cervical dystonia in the ONA trials, ~4 sessions of ~225 U, 1.3% (Jankovic
//! 2023 [R]) -> h(225 U) = 3.3e-3 = h_0 * 11.25^alpha [D]. Boosters within 4 weeks triple and
//! intervals under 12 weeks double the hazard, priors for the risk factors of Greene 1994 and
//! Bellows & Jankovic 2019 [R] [E]. `U_c` = 10 000 U: treatment duration raises the rate
//! (Rahman 2022 meta-regression [R]); with it 40 sessions of 200 U (10 years of cervical
//! dystonia) give 13%, near the 14.6% MHDA-positive of Albrecht 2019 [R] (held out) [E].
//!
//! Titre. A patient converts at the session where `P_k` first exceeds the patient's immune
//! quantile `q` (uniform over patients, so the share converted by session `k` is `P_k`; the
//! typical patient is the median, `q` = 0.5). The converting session's own dose acts in full
//! (a primary response takes weeks); the titre then starts at `T_0` and
//! ```text
//! T(t) = T(t_j) * 2^(-(t - t_j) / t_half)                   (between sessions)
//! neutralised fraction of session j:  phi_j = T^n / (1 + T^n),  T just before the session
//! T after session j = T * (1 + r * (A_j / 20 U)^alpha * f_interval)   (every later session)
//! ```
//! so each later dose reaches the terminals as `(1 - phi_j)` of its units, and cycles grow
//! shorter and shallower until none responds (secondary non-response). `T_0` = 1 and `r` = 3
//! with `n` = 2 make the aesthetic NAb-positive case series go from a full cycle to a much
//! shorter one to none within about three sessions (Torres 2014 [R]) [E]; `t_half` = 1 year:
//! 27 patients converted but only 16 were still positive at study exit (Jankovic 2023 [R]) [E].

/// Per-session hazard of a 20 U session.
pub const HAZARD_PER_REFERENCE_SESSION: f64 = 0.0008;
pub const REFERENCE_SESSION_UNITS: f64 = 20.0;
pub const DOSE_EXPONENT: f64 = 0.5;
pub const BOOSTER_FACTOR: f64 = 3.0;
pub const SHORT_INTERVAL_FACTOR: f64 = 2.0;
pub const SHORT_INTERVAL_DAYS: f64 = 84.0;
pub const BOOSTER_DAYS: f64 = 28.0;
pub const CUMULATIVE_UNITS_SCALE: f64 = 10_000.0;
/// Titre right after the converting session (relative to the half-neutralising titre).
pub const INITIAL_TITRE: f64 = 1.0;
/// Titre gain per later 20 U session (the titre multiplies by `1 + r * ...`).
pub const BOOST_GAIN: f64 = 3.0;
/// Hill exponent of neutralisation.
pub const NEUTRALISATION_EXPONENT: i32 = 2;
/// Half-life of the titre between sessions (days).
pub const TITRE_HALF_LIFE_DAYS: f64 = 365.0;
/// Ceiling of the titre: all but 1e-12 of a dose is neutralised there; keeps daily boosters
/// over decades finite.
pub const MAX_TITRE: f64 = 1e6;
/// The typical patient's immune quantile: the median patient.
pub const TYPICAL_QUANTILE: f64 = 0.5;

/// One treatment session as the immune system sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImmuneSession {
    pub day: f64,
    /// OnabotulinumtoxinA-equivalent units of the session.
    pub units: f64,
    /// Units weighted by each product's immunogenicity (`products.toml`).
    pub antigen_units: f64,
}

/// A patient's antibody status: modelled from the doses (converting at their quantile), known
/// negative (never converts), or known positive before the plan starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AntibodyStatus {
    #[default]
    Modelled,
    Negative,
    Positive,
}

impl AntibodyStatus {
    pub fn is_modelled(&self) -> bool {
        *self == AntibodyStatus::Modelled
    }
}

/// The immune state over a plan's sessions.
#[derive(Debug, Clone, PartialEq)]
pub struct ImmuneCourse {
    pub sessions: Vec<ImmuneSession>,
    pub status: AntibodyStatus,
    /// Probability of conversion by the end of each session (`P_k`).
    pub cumulative_probability: Vec<f64>,
    /// Index of the converting session (`None`: not converted, or positive from the start).
    pub conversion: Option<usize>,
    /// Titre just before each session (0 before conversion).
    pub titre: Vec<f64>,
    /// Neutralised fraction of each session's dose.
    pub neutralised_fraction: Vec<f64>,
}

impl ImmuneCourse {
    /// The neutralised fraction of the dose given on `day` (0 on a day without a session).
    pub fn neutralised_on(&self, day: f64) -> f64 {
        // Sessions are in day order: a binary search keeps long plans linear-logarithmic.
        let j = self.sessions.partition_point(|s| s.day < day);
        match self.sessions.get(j) {
            Some(session) if session.day == day => self.neutralised_fraction[j],
            _ => 0.0,
        }
    }

    /// Probability of conversion by the end of the plan.
    pub fn probability(&self) -> f64 {
        self.cumulative_probability.last().copied().unwrap_or(0.0)
    }
}

fn interval_factor(gap: Option<f64>) -> f64 {
    match gap {
        Some(gap) if gap < BOOSTER_DAYS => BOOSTER_FACTOR,
        Some(gap) if gap < SHORT_INTERVAL_DAYS => SHORT_INTERVAL_FACTOR,
        _ => 1.0,
    }
}

fn dose_factor(antigen_units: f64) -> f64 {
    (antigen_units / REFERENCE_SESSION_UNITS)
        .max(0.0)
        .powf(DOSE_EXPONENT)
}

/// `P_k` after each session (sorted by day).
pub fn cumulative_probabilities(sessions: &[ImmuneSession]) -> Vec<f64> {
    let mut survival = 1.0;
    let mut cumulative = 0.0;
    let mut previous: Option<f64> = None;
    sessions
        .iter()
        .map(|session| {
            let hazard = HAZARD_PER_REFERENCE_SESSION
                * dose_factor(session.antigen_units)
                * interval_factor(previous.map(|p| session.day - p))
                * (1.0 + cumulative / CUMULATIVE_UNITS_SCALE);
            survival *= 1.0 - hazard.min(1.0);
            cumulative += session.antigen_units;
            previous = Some(session.day);
            1.0 - survival
        })
        .collect()
}

/// Probability of conversion after the given sessions `(day, U-eq)` of products of the
/// reference immunogenicity, sorted by day.
pub fn antibody_risk(sessions: &[(f64, f64)]) -> f64 {
    let sessions: Vec<ImmuneSession> = sessions
        .iter()
        .map(|&(day, units)| ImmuneSession {
            day,
            units,
            antigen_units: units,
        })
        .collect();
    cumulative_probabilities(&sessions)
        .last()
        .copied()
        .unwrap_or(0.0)
}

/// Per session: the titre's decay since the previous session, and its boost by the session
/// (the factor applied after it, once the patient has converted).
fn decays_and_boosts(sessions: &[ImmuneSession]) -> (Vec<f64>, Vec<f64>) {
    let mut previous: Option<f64> = None;
    sessions
        .iter()
        .map(|session| {
            let gap = previous.map(|p| session.day - p);
            previous = Some(session.day);
            let decay = gap.map_or(1.0, |gap| {
                (-gap / TITRE_HALF_LIFE_DAYS * std::f64::consts::LN_2).exp()
            });
            let boost =
                1.0 + BOOST_GAIN * dose_factor(session.antigen_units) * interval_factor(gap);
            (decay, boost)
        })
        .unzip()
}

/// Share of a dose neutralised at titre `titre`.
fn neutralised(titre: f64) -> f64 {
    let power = titre.powi(NEUTRALISATION_EXPONENT);
    power / (1.0 + power)
}

/// Titre before each session and the neutralised fractions, for a patient converting at
/// session `conversion` (`None`: never), or positive before the first session.
fn titres(
    sessions: &[ImmuneSession],
    conversion: Option<usize>,
    positive: bool,
) -> (Vec<f64>, Vec<f64>) {
    let (decays, boosts) = decays_and_boosts(sessions);
    let mut titre = if positive { INITIAL_TITRE } else { 0.0 };
    let mut before = Vec::with_capacity(sessions.len());
    let mut fractions = Vec::with_capacity(sessions.len());
    for j in 0..sessions.len() {
        titre *= decays[j];
        before.push(titre);
        fractions.push(neutralised(titre));
        titre = if conversion == Some(j) {
            INITIAL_TITRE
        } else {
            (titre * boosts[j]).min(MAX_TITRE)
        };
    }
    (before, fractions)
}

/// The immune course of a patient with `status` and immune quantile `quantile` (uniform in
/// [0, 1); the patient converts at the first session whose `P_k` exceeds it).
pub fn immune_course(
    sessions: Vec<ImmuneSession>,
    status: AntibodyStatus,
    quantile: f64,
) -> ImmuneCourse {
    // A known status is certain: the probability is 0 (negative) or 1 (positive) throughout.
    let cumulative_probability = match status {
        AntibodyStatus::Modelled => cumulative_probabilities(&sessions),
        AntibodyStatus::Negative => vec![0.0; sessions.len()],
        AntibodyStatus::Positive => vec![1.0; sessions.len()],
    };
    let conversion = match status {
        AntibodyStatus::Modelled => cumulative_probability.iter().position(|&p| p > quantile),
        AntibodyStatus::Negative | AntibodyStatus::Positive => None,
    };
    let (titre, neutralised_fraction) =
        titres(&sessions, conversion, status == AntibodyStatus::Positive);
    ImmuneCourse {
        sessions,
        status,
        cumulative_probability,
        conversion,
        titre,
        neutralised_fraction,
    }
}

/// The population's mean neutralised fraction of each session: the fractions of patients
/// converting at each earlier session, weighted by the probability of converting there.
pub fn expected_neutralised_fraction(course: &ImmuneCourse) -> Vec<f64> {
    if course.status != AntibodyStatus::Modelled {
        return course.neutralised_fraction.clone();
    }
    // A patient converting at session k has, at each later session, the titre T_0 times the
    // decays and boosts since; one pass per k (quadratic in sessions, cheap per step).
    let (decays, boosts) = decays_and_boosts(&course.sessions);
    let mut expected = vec![0.0; course.sessions.len()];
    let mut previous = 0.0;
    for (k, &p) in course.cumulative_probability.iter().enumerate() {
        let weight = p - previous;
        previous = p;
        if weight <= 0.0 {
            continue;
        }
        let mut titre = INITIAL_TITRE;
        for j in k + 1..course.sessions.len() {
            titre *= decays[j];
            expected[j] += weight * neutralised(titre);
            titre = (titre * boosts[j]).min(MAX_TITRE);
        }
    }
    expected
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every(days: f64, units: f64, count: usize) -> Vec<ImmuneSession> {
        (0..count)
            .map(|k| ImmuneSession {
                day: k as f64 * days,
                units,
                antigen_units: units,
            })
            .collect()
    }

    #[test]
    fn risk_grows_with_dose_boosters_and_history() {
        let glabella = antibody_risk(&[(0.0, 20.0), (120.0, 20.0), (240.0, 20.0)]);
        assert!(glabella > 0.002 && glabella < 0.005, "{glabella}");
        assert!(antibody_risk(&[(0.0, 100.0)]) > antibody_risk(&[(0.0, 20.0)]));
        let booster = antibody_risk(&[(0.0, 20.0), (14.0, 20.0)]);
        let spaced = antibody_risk(&[(0.0, 20.0), (120.0, 20.0)]);
        assert!(booster > 1.5 * spaced);
        assert_eq!(antibody_risk(&[]), 0.0);
    }

    #[test]
    fn incidence_matches_the_cohorts() {
        // Glabella trials: 0.28-0.4% after a mean of 3.8 sessions (Naumann 2010, Jankovic 2023).
        let glabella = cumulative_probabilities(&every(120.0, 20.0, 4));
        assert!(glabella[3] > 0.0028 && glabella[3] < 0.004, "{glabella:?}");
        // Cervical dystonia trials: 1.3% after about 4 sessions of 225 U (Jankovic 2023).
        let dystonia = cumulative_probabilities(&every(90.0, 225.0, 4));
        assert!((dystonia[3] - 0.013).abs() < 0.003, "{dystonia:?}");
        // Five years of 200 U every 90 days: a few per cent (Greene 1994 4.3%, Rahman 2022
        // dystonia 7.4%), not the former 37%.
        let five_years = cumulative_probabilities(&every(90.0, 200.0, 20));
        assert!(
            five_years[19] > 0.03 && five_years[19] < 0.08,
            "{five_years:?}"
        );
    }

    #[test]
    fn a_converted_patient_loses_response_within_a_few_sessions() {
        let sessions = every(120.0, 20.0, 5);
        let converted = immune_course(sessions.clone(), AntibodyStatus::Modelled, 0.0);
        assert_eq!(converted.conversion, Some(0));
        let phi = &converted.neutralised_fraction;
        assert_eq!(phi[0], 0.0, "the converting dose acts in full");
        assert!(phi[1] > 0.2 && phi[1] < 0.6, "{phi:?}");
        assert!(phi[2] > phi[1] && phi[3] > 0.95, "{phi:?}");
        // The median patient does not convert at cosmetic doses.
        let typical = immune_course(sessions.clone(), AntibodyStatus::Modelled, TYPICAL_QUANTILE);
        assert_eq!(typical.conversion, None);
        assert!(typical.neutralised_fraction.iter().all(|&f| f == 0.0));
        // A known-negative patient never converts, a known-positive one neutralises at once.
        let negative = immune_course(sessions.clone(), AntibodyStatus::Negative, 0.0);
        assert!(negative.neutralised_fraction.iter().all(|&f| f == 0.0));
        assert_eq!(negative.probability(), 0.0);
        let positive = immune_course(sessions, AntibodyStatus::Positive, 0.9);
        assert!((positive.neutralised_fraction[0] - 0.5).abs() < 1e-12);
        assert_eq!(positive.probability(), 1.0);
        assert_eq!(
            expected_neutralised_fraction(&positive),
            positive.neutralised_fraction
        );
    }

    #[test]
    fn daily_boosters_for_years_stay_finite() {
        let course = immune_course(every(1.0, 1.0, 5000), AntibodyStatus::Modelled, 0.5);
        let expected = expected_neutralised_fraction(&course);
        for ((titre, fraction), mean) in course
            .titre
            .iter()
            .zip(&course.neutralised_fraction)
            .zip(&expected)
        {
            assert!(titre.is_finite() && *titre <= MAX_TITRE);
            assert!((0.0..=1.0).contains(fraction));
            assert!((0.0..=1.0 + 1e-12).contains(mean), "{mean}");
        }
        assert!(course.neutralised_fraction[4999] > 0.999);
    }

    #[test]
    fn boosters_raise_the_titre_most() {
        let spaced = immune_course(every(120.0, 20.0, 3), AntibodyStatus::Modelled, 0.0);
        let boosted = immune_course(every(14.0, 20.0, 3), AntibodyStatus::Modelled, 0.0);
        assert!(boosted.titre[2] > 2.0 * spaced.titre[2]);
    }

    #[test]
    fn expected_fraction_is_small_at_cosmetic_doses() {
        let course = immune_course(every(120.0, 20.0, 6), AntibodyStatus::Modelled, 0.5);
        let expected = expected_neutralised_fraction(&course);
        assert_eq!(expected[0], 0.0);
        assert!(expected.iter().all(|&e| e < course.probability()));
        assert!(expected[5] > 0.0);
        // The one-pass sum equals the mean over every conversion session, patient by patient.
        let boosted = immune_course(every(20.0, 200.0, 8), AntibodyStatus::Modelled, 0.5);
        let mut brute = vec![0.0; 8];
        let mut previous = 0.0;
        for (k, &p) in boosted.cumulative_probability.iter().enumerate() {
            let (_, fractions) = titres(&boosted.sessions, Some(k), false);
            for (b, f) in brute.iter_mut().zip(fractions) {
                *b += (p - previous) * f;
            }
            previous = p;
        }
        for (e, b) in expected_neutralised_fraction(&boosted).iter().zip(&brute) {
            assert!((e - b).abs() < 1e-15, "{e} {b}");
        }
    }
}
