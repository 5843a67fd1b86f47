//! The palsy's course over the simulated days: natural recovery of each facial-nerve branch
//! and the motor learning accumulated by therapy sessions and by use-dependent relearning
//! while the healthy side is quietened by the toxin (docs/model.md, "Face: course" and
//! "Face: relearning"). Recovery and training are independent of the toxin model;
//! relearning reads the healthy side's strengths, so part of a healthy-side gain outlasts
//! the drug.

use crate::plan::palsy::{Palsy, Therapy, BRANCHES};

/// Parameters of the palsy course and of therapy (docs/model.md, "Face").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CourseParameters {
    /// ρ: share of the deficit at onset that recovers on its own, Bell's palsy typical
    /// patient [E from 70-85% complete recovery, PMC4270115 [R]].
    pub recovery_fraction: f64,
    /// τ_rec (days): time constant of natural recovery [F: days from onset to House-Brackmann
    /// II or better, 93 days without toxin, Eur Arch ORL 2025 [R], from a grade IV onset].
    pub recovery_time_constant_days: f64,
    /// P (days): recovery ends this long after onset [C: recovery of Bell's palsy is over
    /// within a year; "none by 4 months: sequelae likely", Medscape [R]].
    pub recovery_plateau_days: f64,
    /// k_T (1/day at 3 sessions a week): learning rate of therapy [F: Sunnybrook +15 points
    /// after 4 months of biofeedback 3x/week, Pourmomeny RCT saline arm [R]].
    pub training_rate: f64,
    /// τ_T (days): forgetting of what therapy taught once sessions stop [E: motor learning
    /// outlasts the drug, Azuma 2012 [R] gains after the toxin wore off; one-year time
    /// constant assumed].
    pub detraining_time_constant_days: f64,
    /// γ_v: gain of voluntary drive at full training, on a branch at half function.
    pub training_voluntary_gain: f64,
    /// γ_s: share of synkinetic coupling suppressed at full training.
    pub training_synkinesis_gain: f64,
    /// k_R (1/day at a fully quietened healthy side): rate of use-dependent relearning of
    /// the affected side while the healthy side's overpull is reduced [E: one typical
    /// healthy-side cycle (mean quieting about 0.15 over 90 days) leaves a fifth of what
    /// 4 months of biofeedback teach, matching +3% vs +24% Sunnybrook at 4 months for
    /// BTX-A alone vs retraining, Pourmomeny 17932 [R]; gains after the toxin wore off,
    /// Azuma 2012 [R], Pavia series [R]].
    pub relearning_rate: f64,
    /// β_R: how much faster relearning runs per 3 therapy sessions a week [E: the mirror and
    /// biofeedback work is what turns the quiet healthy side into practice; Pourmomeny RCT
    /// [R] saw no extra gain of the toxin beside biofeedback, so the boost is modest].
    pub relearning_therapy_boost: f64,
}

impl CourseParameters {
    pub const TYPICAL: CourseParameters = CourseParameters {
        recovery_fraction: 0.85,
        recovery_time_constant_days: 165.0,
        recovery_plateau_days: 365.0,
        training_rate: 0.0055,
        detraining_time_constant_days: 365.0,
        training_voluntary_gain: 0.35,
        training_synkinesis_gain: 0.6,
        relearning_rate: 0.005,
        relearning_therapy_boost: 1.0,
    };

    /// The parameter named as its field, for tools that set parameters by name (the face
    /// calibration example).
    pub fn by_name_mut(&mut self, name: &str) -> Option<&mut f64> {
        Some(match name {
            "recovery_fraction" => &mut self.recovery_fraction,
            "recovery_time_constant_days" => &mut self.recovery_time_constant_days,
            "recovery_plateau_days" => &mut self.recovery_plateau_days,
            "training_rate" => &mut self.training_rate,
            "detraining_time_constant_days" => &mut self.detraining_time_constant_days,
            "training_voluntary_gain" => &mut self.training_voluntary_gain,
            "training_synkinesis_gain" => &mut self.training_synkinesis_gain,
            _ => return None,
        })
    }
}

/// Residual function of each branch on `day` (day 0 values are the plan's; before the
/// onset the face is healthy).
///
/// Deficit `D(t) = D_on (1 - ρ (1 - exp(-u/τ)) / (1 - exp(-P/τ)))` with
/// `u = min(t - t_on, P)`: a share ρ of the deficit recovers, the most early, none after the
/// plateau `P`. The plan gives `D` at day 0 (or at onset if the onset is later), which fixes
/// `D_on`.
pub fn branch_function(palsy: &Palsy, parameters: &CourseParameters, day: f64) -> [f64; 5] {
    let onset = palsy.onset_day;
    if day < onset {
        return [1.0; 5];
    }
    let rho = palsy
        .expected_recovery
        .unwrap_or(parameters.recovery_fraction);
    let tau = palsy
        .recovery_time_constant_days
        .unwrap_or(parameters.recovery_time_constant_days);
    let plateau = parameters.recovery_plateau_days;
    let full = 1.0 - (-plateau / tau).exp();
    let remaining = |t: f64| 1.0 - rho * (1.0 - (-(t - onset).min(plateau) / tau).exp()) / full;
    // The plan's values describe the patient at day 0, or at onset when it comes later.
    let described = remaining(onset.max(0.0));
    let mut out = [1.0; 5];
    for (branch, value) in out.iter_mut().enumerate() {
        let deficit_now = 1.0 - palsy.branches[branch];
        // A course that would have recovered fully by day 0 (ρ = 1 past the plateau) cannot
        // explain a deficit on day 0: the plan's values then stand as a permanent sequel.
        *value = if described < 1e-9 {
            palsy.branches[branch]
        } else {
            (1.0 - deficit_now / described * remaining(day)).clamp(0.0, 1.0)
        };
    }
    out
}

/// Training state `T` (0..1) at the start of each day `0..days`: `dT/dt = k_T (s/3) (1 - T)`
/// while sessions run (`s` sessions a week, summed over concurrent therapies), `-T/τ_T`
/// otherwise. Therapy before day 0 counts from its start.
pub fn training(therapies: &[Therapy], parameters: &CourseParameters, days: usize) -> Vec<f64> {
    if therapies.is_empty() {
        return vec![0.0; days];
    }
    let first = therapies
        .iter()
        .map(|t| t.start_day.floor())
        .fold(0.0_f64, f64::min);
    let mut level = 0.0_f64;
    let mut out = Vec::with_capacity(days);
    let mut day = first;
    let forget = (-1.0 / parameters.detraining_time_constant_days).exp();
    while day < days as f64 {
        if day >= 0.0 {
            out.push(level);
        }
        // Sessions a week in force over [day, day + 1), in fractions of a day.
        let sessions: f64 = therapies
            .iter()
            .map(|t| {
                let overlap = (t.end_day.min(day + 1.0) - t.start_day.max(day)).max(0.0);
                t.sessions_per_week * overlap
            })
            .sum();
        let learn = (-parameters.training_rate * sessions / 3.0).exp();
        level = 1.0 - (1.0 - level) * learn;
        if sessions == 0.0 {
            level *= forget;
        }
        day += 1.0;
    }
    out
}

/// Relearning state `R` (0..1) at the start of each day `0..days`, from the healthy side's
/// quieting `Q(t)` (0..1: mean over its expression muscles of the weakness `1 - S`, each
/// counted up to the affected branch's deficit `1 - N`, the overpull there is to remove) and
/// the therapy
/// sessions a week `s(t)`:
/// `dR/dt = k_R Q (1 + β_R s/3) (1 - R) - R/τ_T`: practice with a quiet healthy side
/// teaches the affected side to move without being overpowered (mirror effect), and what is
/// learned is forgotten as slowly as therapy's training. Solved exactly per day with `Q`
/// and `s` held over the day.
pub fn relearning(
    quieting: &[f64],
    therapies: &[Therapy],
    parameters: &CourseParameters,
) -> Vec<f64> {
    let mut level = 0.0_f64;
    let forget = 1.0 / parameters.detraining_time_constant_days;
    quieting
        .iter()
        .enumerate()
        .map(|(day, &q)| {
            let today = level;
            let day = day as f64;
            let sessions: f64 = therapies
                .iter()
                .map(|t| {
                    t.sessions_per_week * (t.end_day.min(day + 1.0) - t.start_day.max(day)).max(0.0)
                })
                .sum();
            let learn = parameters.relearning_rate
                * q.clamp(0.0, 1.0)
                * (1.0 + parameters.relearning_therapy_boost * sessions / 3.0);
            // dR/dt = learn (1 - R) - forget R: relaxes to learn / (learn + forget).
            let rate = learn + forget;
            let target = learn / rate;
            level = target + (level - target) * (-rate).exp();
            today
        })
        .collect()
}

/// Voluntary drive of a branch with residual function `n` after training `t`:
/// `N_eff = N + γ_v T 4 N (1 - N)`: training recruits what survives (nothing when `N = 0`,
/// nothing to gain when `N = 1`).
pub fn trained_drive(n: f64, t: f64, parameters: &CourseParameters) -> f64 {
    (n + parameters.training_voluntary_gain * t * 4.0 * n * (1.0 - n)).min(1.0)
}

/// Synkinetic coupling after training: `σ_eff = σ (1 - γ_s T)`.
pub fn trained_coupling(sigma: f64, t: f64, parameters: &CourseParameters) -> f64 {
    sigma * (1.0 - parameters.training_synkinesis_gain * t)
}

/// Index of a muscle's facial-nerve branch in [`BRANCHES`], `None` for other nerves.
pub fn branch_of(nerve_branch: &str) -> Option<usize> {
    BRANCHES.iter().position(|b| *b == nerve_branch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_course_parameter_is_reachable_by_name() {
        let mut parameters = CourseParameters::TYPICAL;
        *parameters.by_name_mut("training_rate").unwrap() = 0.01;
        *parameters.by_name_mut("recovery_fraction").unwrap() = 0.5;
        assert_eq!(parameters.training_rate, 0.01);
        assert_eq!(parameters.recovery_fraction, 0.5);
        assert!(parameters.by_name_mut("no_such_parameter").is_none());
    }
    use crate::anatomy::Side;

    fn palsy(onset_day: f64, residual: f64) -> Palsy {
        Palsy {
            affected_side: Side::Left,
            house_brackmann: None,
            onset_day,
            branches: [residual; 5],
            synkinesis: [0.0; 4],
            hypertonicity: Vec::new(),
            expected_recovery: None,
            recovery_time_constant_days: None,
        }
    }

    #[test]
    fn a_full_recovery_past_its_plateau_keeps_the_described_deficit() {
        let mut p = palsy(-1000.0, 0.35);
        p.expected_recovery = Some(1.0);
        let params = CourseParameters::TYPICAL;
        assert_eq!(branch_function(&p, &params, 0.0), [0.35; 5]);
        assert_eq!(branch_function(&p, &params, 200.0), [0.35; 5]);
        p.onset_day = -60.0;
        p.recovery_time_constant_days = Some(1.0);
        for day in [0.0, 10.0, 400.0] {
            assert!(branch_function(&p, &params, day)
                .iter()
                .all(|v| v.is_finite()));
        }
    }

    #[test]
    fn a_plan_can_say_the_palsy_will_not_recover() {
        let mut p = palsy(0.0, 0.35);
        p.expected_recovery = Some(0.0);
        let params = CourseParameters::TYPICAL;
        assert_eq!(branch_function(&p, &params, 300.0), [0.35; 5]);
        p.expected_recovery = Some(1.0);
        p.recovery_time_constant_days = Some(30.0);
        assert!(branch_function(&p, &params, 200.0)[0] > 0.99);
    }

    #[test]
    fn a_long_standing_palsy_no_longer_recovers() {
        let p = palsy(-400.0, 0.35);
        let params = CourseParameters::TYPICAL;
        let at_zero = branch_function(&p, &params, 0.0)[0];
        let later = branch_function(&p, &params, 365.0)[0];
        assert!((at_zero - 0.35).abs() < 1e-12);
        assert_eq!(later, at_zero);
    }

    #[test]
    fn an_acute_palsy_recovers_most_of_its_deficit() {
        let p = palsy(0.0, 0.35);
        let params = CourseParameters::TYPICAL;
        let year = branch_function(&p, &params, 365.0)[0];
        let expected = 1.0 - 0.65 * (1.0 - params.recovery_fraction);
        assert!((year - expected).abs() < 0.03, "{year} vs {expected}");
        assert_eq!(branch_function(&p, &params, -1.0), [1.0; 5]);
    }

    #[test]
    fn training_rises_during_sessions_and_fades_slowly_after() {
        let therapy = Therapy {
            kind: "neuromuscular_retraining".into(),
            start_day: 0.0,
            end_day: 120.0,
            sessions_per_week: 3.0,
        };
        let params = CourseParameters::TYPICAL;
        let t = training(&[therapy], &params, 400);
        assert_eq!(t[0], 0.0);
        assert!(t[120] > t[60] && t[60] > t[10]);
        assert!(t[300] < t[120] && t[300] > 0.5 * t[120]);
    }

    #[test]
    fn relearning_grows_while_the_healthy_side_is_quiet_and_outlasts_it() {
        let params = CourseParameters::TYPICAL;
        let mut quieting = vec![0.0; 400];
        for q in quieting.iter_mut().take(90) {
            *q = 0.3;
        }
        let r = relearning(&quieting, &[], &params);
        assert_eq!(r[0], 0.0);
        assert!(r[90] > r[30] && r[30] > 0.0);
        // Forgotten with therapy's one-year time constant once the toxin is gone.
        let expected = r[90] * (-90.0 / params.detraining_time_constant_days).exp();
        assert!((r[180] - expected).abs() < 1e-9, "{} vs {expected}", r[180]);
        let therapy = Therapy {
            kind: "mirror".into(),
            start_day: 0.0,
            end_day: 90.0,
            sessions_per_week: 3.0,
        };
        assert!(relearning(&quieting, &[therapy], &params)[90] > 1.5 * r[90]);
        assert!(relearning(&[0.0; 50], &[], &params)
            .iter()
            .all(|&v| v == 0.0));
    }

    #[test]
    fn trained_drive_needs_surviving_axons() {
        let params = CourseParameters::TYPICAL;
        assert_eq!(trained_drive(0.0, 1.0, &params), 0.0);
        assert_eq!(trained_drive(1.0, 1.0, &params), 1.0);
        assert!(trained_drive(0.5, 1.0, &params) > 0.5);
    }
}
