//! Face kinematics: landmark positions of one side at rest and in each expression, from each
//! muscle's strength (toxin, atrophy), its nerve drive (palsy, training), synkinetic
//! co-activation and hypertonic tone (docs/model.md, "Face: kinematics").
//!
//! Activation of muscle m in expression e on a side, voluntary `u = c_e,m N_m` and involuntary
//! `w = Σ_k σ_k g_k,m max_{d ∈ drivers_k} c_e,d + H h_m`, capped together at a maximal
//! contraction (`q = min(1, 1 / (u + w))`):
//! `a_m = q (u S_v,m + w S_m)`, `S_v = 1 - ρ_v (1 - S)` (ρ_v: the toxin's reach of the fibres
//! of voluntary movement, 1 except the orbicularis oculi's palpebral part)
//! and landmark `x = x_neutral + Σ_m r_m (S_m N_m - 1) + Σ_m a_m v_m`, where `c` is the
//! command, `N` the nerve drive, `σ` the coupling, `h` the hypertonicity, `S` the strength
//! from the toxin model, `r` the tone-held rest displacement and `v` the movement gain.

use super::data::{Coupling, FaceData, Landmarks, Measure, COMMISSURE_OUT, COMMISSURE_UP, FISSURE};
use crate::anatomy::MuscleId;

/// Tonic activation (fraction of a maximal contraction) of a muscle with hypertonicity 1 [E:
/// a severe contracture narrows the fissure about 6 mm, closing the eye halfway].
pub const MAXIMAL_TONE: f64 = 0.25;

/// What drives the muscles of one side on one day.
#[derive(Debug, Clone, PartialEq)]
pub struct SideInputs {
    /// Strength `S = (1 - B) M` per muscle index (1 when untreated).
    pub strength: Vec<f64>,
    /// Voluntary nerve drive per muscle index (1 on a healthy side).
    pub drive: Vec<f64>,
    /// Synkinetic coupling strengths in `COUPLINGS` order (0 on a healthy side).
    pub synkinesis: [f64; 4],
    /// Hypertonicity per muscle index, 0..1 (0 on a healthy side).
    pub hypertonicity: Vec<f64>,
}

impl SideInputs {
    pub fn healthy(count: usize) -> SideInputs {
        SideInputs {
            strength: vec![1.0; count],
            drive: vec![1.0; count],
            synkinesis: [0.0; 4],
            hypertonicity: vec![0.0; count],
        }
    }

    pub fn has_synkinesis(&self) -> bool {
        self.synkinesis.iter().any(|&s| s > 0.0)
    }

    /// Capacity for voluntary movement `S N` of a muscle.
    pub fn capacity(&self, muscle: MuscleId) -> f64 {
        self.strength[muscle.index()] * self.drive[muscle.index()]
    }
}

/// Landmarks of one side for an expression (`None`: at rest); `synkinesis` false leaves out
/// involuntary co-activation (to measure what it adds). The reference form of the sums: the
/// daily grading poses a side with [`super::poses::Poses`], which gives the same landmarks to
/// the bit from the non-zero terms only.
pub fn landmarks(
    data: &FaceData,
    side: &SideInputs,
    expression: Option<usize>,
    synkinesis: bool,
) -> Landmarks {
    let mut x = data.neutral;
    let commands = expression.map(|e| &data.expressions[e].commands);
    // Driver command of each coupling in this expression.
    let mut coupled = [0.0; 4];
    if synkinesis {
        if let Some(commands) = commands {
            for (k, coupling) in data.couplings.iter().enumerate() {
                coupled[k] = side.synkinesis[k] * driver_command(coupling, commands);
            }
        }
    }
    for muscle in 0..side.strength.len() {
        let strength = side.strength[muscle];
        let rest = &data.rest[muscle];
        let held = strength * side.drive[muscle] - 1.0;
        if held != 0.0 {
            for (xi, ri) in x.iter_mut().zip(rest) {
                *xi += ri * held;
            }
        }
        let mut voluntary = 0.0;
        if let Some(commands) = commands {
            voluntary = commands[muscle] * side.drive[muscle];
        }
        let mut involuntary = MAXIMAL_TONE * side.hypertonicity[muscle];
        if synkinesis {
            for (k, coupling) in data.couplings.iter().enumerate() {
                if coupled[k] > 0.0 {
                    for &(target, gain) in &coupling.targets {
                        if target.index() == muscle {
                            involuntary += coupled[k] * gain;
                        }
                    }
                }
            }
        }
        // Activation is capped at a maximal contraction, shared pro rata.
        let total = voluntary + involuntary;
        let scale = if total > 1.0 { 1.0 / total } else { 1.0 };
        let reach = data.voluntary_toxin_reach[muscle];
        let voluntary_strength = 1.0 - reach * (1.0 - strength);
        let activation = scale * (voluntary * voluntary_strength + involuntary * strength);
        if activation > 0.0 {
            for (xi, vi) in x.iter_mut().zip(&data.movement[muscle]) {
                *xi += vi * activation;
            }
        }
    }
    x[FISSURE] = x[FISSURE].max(0.0);
    x
}

/// The command driving a coupling in an expression: the largest of its drivers' commands,
/// 0 or more.
pub(super) fn driver_command(coupling: &Coupling, commands: &[f64]) -> f64 {
    coupling
        .drivers
        .iter()
        .map(|&d| commands[d.index()])
        .fold(0.0, f64::max)
}

/// How far an expression moved from rest, by the expression's measure (mm, >= 0).
pub fn excursion(measure: Measure, rest: &Landmarks, moved: &Landmarks) -> f64 {
    match measure {
        Measure::Landmark(l) => (moved[l] - rest[l]).abs(),
        Measure::EyeClosure => (rest[FISSURE] - moved[FISSURE]).max(0.0),
        Measure::Commissure => (moved[COMMISSURE_UP] - rest[COMMISSURE_UP])
            .hypot(moved[COMMISSURE_OUT] - rest[COMMISSURE_OUT]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anatomy::Anatomy;
    use crate::face::data::{BROW, NASOLABIAL};

    #[test]
    fn a_healthy_face_rests_at_the_neutral_landmarks() {
        let data = FaceData::get();
        let side = SideInputs::healthy(Anatomy::get().len());
        assert_eq!(landmarks(data, &side, None, true), data.neutral);
    }

    #[test]
    fn a_weak_frontalis_lowers_the_brow_at_rest_and_in_brow_lift() {
        let data = FaceData::get();
        let anatomy = Anatomy::get();
        let frontalis = anatomy.index_of("frontalis").unwrap();
        let lift = data.expression_index("brow_lift").unwrap();
        let healthy = SideInputs::healthy(anatomy.len());
        let mut weak = healthy.clone();
        weak.strength[frontalis.index()] = 0.3;
        assert!(landmarks(data, &weak, None, true)[BROW] < data.neutral[BROW] - 1.5);
        let full = landmarks(data, &healthy, Some(lift), true)[BROW];
        let partial = landmarks(data, &weak, Some(lift), true)[BROW];
        assert!(partial < full - 5.0);
    }

    #[test]
    fn full_eye_closure_needs_about_half_the_orbicularis() {
        let data = FaceData::get();
        let anatomy = Anatomy::get();
        let ooc = anatomy.index_of("orbicularis_oculi").unwrap();
        let close = data.expression_index("full_eye_closure").unwrap();
        let mut side = SideInputs::healthy(anatomy.len());
        for (drive, closed) in [(0.55, true), (0.35, false)] {
            side.drive[ooc.index()] = drive;
            let fissure = landmarks(data, &side, Some(close), true)[FISSURE];
            assert_eq!(fissure == 0.0, closed, "drive {drive}: fissure {fissure}");
        }
    }

    #[test]
    fn synkinesis_narrows_the_eye_during_a_smile() {
        let data = FaceData::get();
        let anatomy = Anatomy::get();
        let smile = data.expression_index("smile").unwrap();
        let mut side = SideInputs::healthy(anatomy.len());
        side.synkinesis[0] = 0.5;
        let with = landmarks(data, &side, Some(smile), true);
        let without = landmarks(data, &side, Some(smile), false);
        let narrowing = without[FISSURE] - with[FISSURE];
        assert!((1.0..2.0).contains(&narrowing), "{narrowing}");
        assert_eq!(with[NASOLABIAL], without[NASOLABIAL]);
    }
}
