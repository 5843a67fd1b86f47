//! Every pose of one side at once (at rest and in each expression), computed from a sparse
//! form of the face data and giving the same landmarks, to the bit, as
//! [`kinematics::landmarks`](super::kinematics::landmarks) called once per pose.
//!
//! Why: grading a day moves both sides through rest and every expression, and the report
//! grades every simulated day, so this is the hot loop of `bontsim simulate`. Each muscle
//! moves only one to three of the ten landmarks and each expression commands a few muscles,
//! so most of the dense sums add zeros. Here each landmark keeps the list of terms that can
//! move it, in the dense sum's order (muscle by muscle, the tone-held rest term before the
//! movement term), and a pose recomputes only the landmarks that one of its active muscles
//! moves; the others keep the value of the rest terms alone, which is the same sum.
//!
//! Exactness: floating-point addition is not associative, so the terms are added in the
//! dense order and none is regrouped. A term left out, or one whose factor is zero (a muscle
//! at full capacity, or not active in the pose), adds a product `±0`, which changes nothing
//! unless the running sum is `-0`; a sum that starts at the neutral position can only be
//! `-0` if that position is `-0`, so face data with such a position is posed by the dense sum
//! itself (a test compares both forms on random faces).

use super::data::{FaceData, Landmarks, FISSURE, LANDMARKS};
use super::kinematics::{driver_command, landmarks as dense_landmarks, SideInputs, MAXIMAL_TONE};
use std::sync::OnceLock;

/// Index in [`Poses::factors`] of a muscle's `S N - 1` (rest terms).
fn held_factor(muscle: usize) -> usize {
    2 * muscle
}

/// Index in [`Poses::factors`] of a muscle's activation (movement terms).
fn activation_factor(muscle: usize) -> usize {
    2 * muscle + 1
}

/// The face data arranged for [`Poses`]: built once from [`FaceData`].
#[derive(Debug)]
pub struct Rig {
    neutral: Landmarks,
    /// A neutral position is `-0`: pose by the dense sum.
    dense: bool,
    /// The terms of every landmark's sum, landmark after landmark, each in the dense sum's
    /// order: a coefficient (a muscle's tone-held rest displacement or its movement gain)
    /// times a factor of the pose, by its index in [`Poses::factors`].
    coefficients: Vec<f64>,
    factors: Vec<u32>,
    /// Per landmark, where its terms are in `coefficients` and `factors`.
    ranges: [(usize, usize); LANDMARKS.len()],
    /// Per muscle, the landmarks its movement moves (bit `l` for landmark `l`).
    moves: Vec<u16>,
    /// Per expression, the muscles it commands (command not zero).
    commanded: Vec<Vec<usize>>,
    /// Per coupling, its target muscles.
    coupling_targets: Vec<Vec<usize>>,
    /// Per muscle, the couplings that reach it and their gains, in the dense sum's order
    /// (coupling by coupling, then the coupling's targets in data order).
    coupled_into: Vec<Vec<(usize, f64)>>,
}

impl Rig {
    /// The rig of the embedded face data.
    pub fn get() -> &'static Rig {
        static RIG: OnceLock<Rig> = OnceLock::new();
        RIG.get_or_init(|| Rig::new(FaceData::get()))
    }

    fn new(data: &FaceData) -> Rig {
        let count = data.rest.len();
        let mut coefficients = Vec::new();
        let mut factors = Vec::new();
        let ranges = std::array::from_fn(|l| {
            let start = coefficients.len();
            for muscle in 0..count {
                for (coefficient, factor) in [
                    (data.rest[muscle][l], held_factor(muscle)),
                    (data.movement[muscle][l], activation_factor(muscle)),
                ] {
                    if coefficient != 0.0 {
                        coefficients.push(coefficient);
                        factors.push(factor as u32);
                    }
                }
            }
            (start, coefficients.len())
        });
        let moves = (0..count)
            .map(|muscle| {
                (0..LANDMARKS.len())
                    .filter(|&l| data.movement[muscle][l] != 0.0)
                    .fold(0u16, |mask, l| mask | 1 << l)
            })
            .collect();
        let commanded = data
            .expressions
            .iter()
            .map(|e| (0..count).filter(|&m| e.commands[m] != 0.0).collect())
            .collect();
        let coupling_targets = data
            .couplings
            .iter()
            .map(|c| c.targets.iter().map(|(m, _)| m.index()).collect())
            .collect();
        let mut coupled_into = vec![Vec::new(); count];
        for (k, coupling) in data.couplings.iter().enumerate() {
            for &(target, gain) in &coupling.targets {
                coupled_into[target.index()].push((k, gain));
            }
        }
        Rig {
            neutral: data.neutral,
            dense: data
                .neutral
                .iter()
                .any(|&x| x == 0.0 && x.is_sign_negative()),
            coefficients,
            factors,
            ranges,
            moves,
            commanded,
            coupling_targets,
            coupled_into,
        }
    }

    /// Landmark `l` summed with `factors`.
    fn sum(&self, l: usize, factors: &[f64]) -> f64 {
        let (start, end) = self.ranges[l];
        let mut x = self.neutral[l];
        for (coefficient, &factor) in self.coefficients[start..end]
            .iter()
            .zip(&self.factors[start..end])
        {
            x += coefficient * factors[factor as usize];
        }
        x
    }
}

/// Working space for the poses of one side (no allocation per pose once built).
pub struct Poses {
    rig: &'static Rig,
    data: &'static FaceData,
    /// Per muscle, `S N - 1` (what its rest terms are multiplied by) and its activation in
    /// the pose being computed (0 when inactive): see [`held_factor`], [`activation_factor`].
    factors: Vec<f64>,
    /// Muscles with hypertonicity (not zero) on this side.
    hypertonic: Vec<usize>,
    /// Each landmark's sum with every muscle inactive (its rest terms alone).
    rest_terms_only: Landmarks,
    /// Muscles made active in the pose being computed.
    active: Vec<usize>,
}

impl Default for Poses {
    fn default() -> Poses {
        Poses::new()
    }
}

impl Poses {
    pub fn new() -> Poses {
        let data = FaceData::get();
        Poses {
            rig: Rig::get(),
            data,
            factors: vec![0.0; 2 * data.rest.len()],
            hypertonic: Vec::new(),
            rest_terms_only: [0.0; LANDMARKS.len()],
            active: Vec::new(),
        }
    }

    /// Prepare the poses of a side with these inputs.
    pub fn set_side(&mut self, side: &SideInputs) {
        for (muscle, (strength, drive)) in side.strength.iter().zip(&side.drive).enumerate() {
            self.factors[held_factor(muscle)] = strength * drive - 1.0;
        }
        self.hypertonic.clear();
        self.hypertonic.extend(
            side.hypertonicity
                .iter()
                .enumerate()
                .filter(|(_, h)| **h != 0.0)
                .map(|(m, _)| m),
        );
        for (l, value) in self.rest_terms_only.iter_mut().enumerate() {
            *value = self.rig.sum(l, &self.factors);
        }
    }

    /// Set a muscle's activation in the pose (the dense sum's formula, term for term);
    /// returns the landmarks it moves (none when it is not active).
    #[inline]
    fn activate(
        &mut self,
        muscle: usize,
        side: &SideInputs,
        commands: Option<&Vec<f64>>,
        coupled: &[f64; 4],
    ) -> u16 {
        let rig = self.rig;
        let strength = side.strength[muscle];
        let voluntary = match commands {
            Some(commands) => commands[muscle] * side.drive[muscle],
            None => 0.0,
        };
        let mut involuntary = MAXIMAL_TONE * side.hypertonicity[muscle];
        for &(k, gain) in &rig.coupled_into[muscle] {
            if coupled[k] > 0.0 {
                involuntary += coupled[k] * gain;
            }
        }
        let total = voluntary + involuntary;
        let scale = if total > 1.0 { 1.0 / total } else { 1.0 };
        let reach = self.data.voluntary_toxin_reach[muscle];
        let voluntary_strength = 1.0 - reach * (1.0 - strength);
        let activation = scale * (voluntary * voluntary_strength + involuntary * strength);
        if activation > 0.0 {
            self.factors[activation_factor(muscle)] = activation;
            self.active.push(muscle);
            rig.moves[muscle]
        } else {
            0
        }
    }

    /// Landmarks of the side last given to [`Poses::set_side`] at rest (`expression`
    /// `None`) or in an expression; `synkinesis` false leaves out involuntary co-activation.
    /// Same arguments and result as [`super::kinematics::landmarks`].
    pub fn landmarks(
        &mut self,
        side: &SideInputs,
        expression: Option<usize>,
        synkinesis: bool,
    ) -> Landmarks {
        let rig = self.rig;
        let data = self.data;
        if rig.dense {
            return dense_landmarks(data, side, expression, synkinesis);
        }
        let commands = expression.map(|e| &data.expressions[e].commands);
        // A coupling acts only through `coupled > 0`, which needs a positive strength (its
        // driver, the largest command of its drivers, is 0 or more).
        let mut coupled = [0.0; 4];
        if synkinesis {
            if let Some(commands) = commands {
                for (k, coupling) in data.couplings.iter().enumerate() {
                    if side.synkinesis[k] > 0.0 {
                        coupled[k] = side.synkinesis[k] * driver_command(coupling, commands);
                    }
                }
            }
        }
        let mut moved = 0u16;
        // Only these muscles can be active: any other has no command, no tone and no
        // coupling, so its activation is zero.
        if let Some(e) = expression {
            for &muscle in &rig.commanded[e] {
                moved |= self.activate(muscle, side, commands, &coupled);
            }
        }
        for index in 0..self.hypertonic.len() {
            moved |= self.activate(self.hypertonic[index], side, commands, &coupled);
        }
        for (k, targets) in rig.coupling_targets.iter().enumerate() {
            if coupled[k] > 0.0 {
                for &muscle in targets {
                    moved |= self.activate(muscle, side, commands, &coupled);
                }
            }
        }
        let mut x = self.rest_terms_only;
        while moved != 0 {
            let l = moved.trailing_zeros() as usize;
            x[l] = rig.sum(l, &self.factors);
            moved &= moved - 1;
        }
        for &muscle in &self.active {
            self.factors[activation_factor(muscle)] = 0.0;
        }
        self.active.clear();
        x[FISSURE] = x[FISSURE].max(0.0);
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anatomy::Anatomy;
    use crate::face::kinematics::landmarks;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// A value drawn among the special cases of the sums (0, 1, exactly held) or at random.
    fn draw(rng: &mut ChaCha8Rng, low: f64, high: f64) -> f64 {
        match rng.random_range(0..6) {
            0 => low,
            1 => high,
            _ => rng.random_range(low..high),
        }
    }

    #[test]
    fn every_pose_equals_the_dense_sum_to_the_bit() {
        let data = FaceData::get();
        let count = Anatomy::get().len();
        let mut rng = ChaCha8Rng::seed_from_u64(20261207);
        let mut poses = Poses::new();
        for case in 0..3000 {
            let mut side = SideInputs::healthy(count);
            // A third healthy but for the toxin, a third palsied, a third anything.
            let palsied = case % 3 != 0;
            for m in 0..count {
                side.strength[m] = draw(&mut rng, 0.0, 1.0);
                if palsied {
                    side.drive[m] = draw(&mut rng, 0.0, 1.0);
                    if rng.random_range(0..4) == 0 {
                        side.hypertonicity[m] = draw(&mut rng, 0.0, 1.0);
                    }
                }
            }
            if palsied {
                side.synkinesis = std::array::from_fn(|_| draw(&mut rng, 0.0, 1.0));
            }
            if case % 3 == 2 {
                side.strength.iter_mut().for_each(|s| *s *= 3.0);
            }
            poses.set_side(&side);
            for synkinesis in [true, false] {
                for expression in std::iter::once(None).chain((0..data.expressions.len()).map(Some))
                {
                    let dense = landmarks(data, &side, expression, synkinesis);
                    let sparse = poses.landmarks(&side, expression, synkinesis);
                    assert_eq!(
                        dense.map(f64::to_bits),
                        sparse.map(f64::to_bits),
                        "case {case}, expression {expression:?}, synkinesis {synkinesis}"
                    );
                }
            }
        }
    }

    #[test]
    fn each_muscle_moves_only_the_landmarks_of_its_terms() {
        let rig = Rig::get();
        let data = FaceData::get();
        for (m, mask) in rig.moves.iter().enumerate() {
            for l in 0..LANDMARKS.len() {
                assert_eq!(mask & 1 << l != 0, data.movement[m][l] != 0.0, "muscle {m}");
            }
        }
        assert!(!rig.dense);
        let terms = rig.coefficients.len();
        assert!(
            terms < 2 * LANDMARKS.len() * data.rest.len() / 4,
            "{terms} terms"
        );
    }
}
