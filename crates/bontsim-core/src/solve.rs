//! Integration of a plan's compartments through their dosing events.
//!
//! The toxin chain (`D`, `L`) is exact (closed form); the muscle states `B`, `R`, `M`, `F`
//! are integrated by Dormand-Prince 5(4) with error control, restarted at every dose day (`L`
//! changes slope there, so no step may straddle a dose), with daily output from the method's
//! own order-4 continuous extension. Each compartment keeps its own step sizes; several
//! compartments (of one plan, or of many patients) are interleaved stage by stage
//! ([`integrate_many`]) so that the processor works on one while another waits for a result,
//! and a compartment's output is bit-identical whether it is integrated alone or with others.
//! The toxin exponentials at a step's six stages are powers of one `exp` per rate, and daily
//! toxin levels advance by a one-day factor. Hand-written rather than a general ODE crate
//! because each compartment is four states and its forcing is closed form, which keeps a
//! whole face within a benchmark budget of microseconds (`docs/performance.md`). Accuracy is
//! checked against an analytic solution and a tight-tolerance reference in the tests below.

use crate::model::pharmacodynamics::{exponentials, HillCurve, Toxin};
use crate::model::{
    self, CompartmentConstants, Dynamic, Parameters, State, BASELINE_DYNAMIC, DYNAMIC_SIZE,
};

/// A dose reaching a compartment: `concentration` U/g added to the deposit `D` at `day`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dose {
    pub day: f64,
    pub concentration: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SolverOptions {
    pub relative_tolerance: f64,
    pub absolute_tolerance: f64,
    /// Longest step (days); bounds the interpolation error of daily output.
    pub max_step: f64,
    /// First step after a dose (days).
    pub initial_step: f64,
}

impl Default for SolverOptions {
    fn default() -> Self {
        SolverOptions {
            relative_tolerance: 1e-6,
            absolute_tolerance: 1e-6,
            max_step: 20.0,
            initial_step: 0.02,
        }
    }
}

/// Daily state of a compartment, day 0 to `days - 1`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trajectory {
    pub states: Vec<State>,
}

// Dormand-Prince 5(4) tableau.
const A2: [f64; 1] = [1.0 / 5.0];
const A3: [f64; 2] = [3.0 / 40.0, 9.0 / 40.0];
const A4: [f64; 3] = [44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0];
const A5: [f64; 4] = [
    19372.0 / 6561.0,
    -25360.0 / 2187.0,
    64448.0 / 6561.0,
    -212.0 / 729.0,
];
const A6: [f64; 5] = [
    9017.0 / 3168.0,
    -355.0 / 33.0,
    46732.0 / 5247.0,
    49.0 / 176.0,
    -5103.0 / 18656.0,
];
const B5: [f64; 6] = [
    35.0 / 384.0,
    0.0,
    500.0 / 1113.0,
    125.0 / 192.0,
    -2187.0 / 6784.0,
    11.0 / 84.0,
];
const E: [f64; 7] = [
    71.0 / 57600.0,
    0.0,
    -71.0 / 16695.0,
    71.0 / 1920.0,
    -17253.0 / 339200.0,
    22.0 / 525.0,
    -1.0 / 40.0,
];
/// Dormand-Prince's continuous extension of order 4 (Hairer, Norsett & Wanner; the
/// coefficients of SciPy's RK45): the state at `t0 + theta h` from the step's stages, as
/// `y0 + h sum_s (sum_j DENSE[s][j] theta^(j+1)) k_s`.
const DENSE: [[f64; 4]; 7] = [
    [
        1.0,
        -8048581381.0 / 2820520608.0,
        8663915743.0 / 2820520608.0,
        -12715105075.0 / 11282082432.0,
    ],
    [0.0, 0.0, 0.0, 0.0],
    [
        0.0,
        131558114200.0 / 32700410799.0,
        -68118460800.0 / 10900136933.0,
        87487479700.0 / 32700410799.0,
    ],
    [
        0.0,
        -1754552775.0 / 470086768.0,
        14199869525.0 / 1410260304.0,
        -10690763975.0 / 1880347072.0,
    ],
    [
        0.0,
        127303824393.0 / 49829197408.0,
        -318862633887.0 / 49829197408.0,
        701980252875.0 / 199316789632.0,
    ],
    [
        0.0,
        -282668133.0 / 205662961.0,
        2019193451.0 / 616988883.0,
        -1453857185.0 / 822651844.0,
    ],
    [
        0.0,
        40617522.0 / 29380423.0,
        -110615467.0 / 29380423.0,
        69997945.0 / 29380423.0,
    ],
];

/// `y + h sum_j a_j k_j` (the stage coefficients are constants: unrolled).
#[inline(always)]
fn combine<const S: usize>(y: &Dynamic, h: f64, a: &[f64; S], k: &[Dynamic; 7]) -> Dynamic {
    let mut out = *y;
    for i in 0..DYNAMIC_SIZE {
        let mut sum = 0.0;
        for j in 0..S {
            sum += a[j] * k[j][i];
        }
        out[i] += h * sum;
    }
    out
}

/// One compartment to integrate: its patient's parameters, its constants and its doses
/// (sorted by day; doses after the horizon are ignored).
#[derive(Debug, Clone, Copy)]
pub struct Problem<'a> {
    pub parameters: &'a Parameters,
    pub constants: &'a CompartmentConstants,
    pub doses: &'a [Dose],
}

/// Compartments [`integrate_many`] interleaves at a time. More hides more latency between
/// dependent operations but spreads the working set; 8 was fastest on the benchmark machine.
/// It has no effect on results.
pub const WIDTH: usize = 8;

/// Integrate one compartment from the untreated state over `days` days (outputs at
/// integer days 0..days-1). Doses must be sorted by day; doses after the horizon are ignored.
pub fn integrate(
    parameters: &Parameters,
    constants: &CompartmentConstants,
    doses: &[Dose],
    days: usize,
    options: &SolverOptions,
) -> Trajectory {
    let problem = Problem {
        parameters,
        constants,
        doses,
    };
    let mut work = [Work::new(&problem, days)];
    run(&mut work, days, options);
    let [work] = work;
    Trajectory {
        states: work.states,
    }
}

/// Integrate independent compartments (of one plan, or of many patients), [`WIDTH`] at a
/// time, interleaved stage by stage. Each keeps its own step sizes, so each result is
/// bit-identical to [`integrate`] of that compartment alone, whatever the others are.
pub fn integrate_many(
    problems: &[Problem],
    days: usize,
    options: &SolverOptions,
) -> Vec<Trajectory> {
    let mut out = Vec::with_capacity(problems.len());
    for chunk in problems.chunks(WIDTH) {
        let mut work: Vec<Work> = chunk.iter().map(|p| Work::new(p, days)).collect();
        run(&mut work, days, options);
        out.extend(work.into_iter().map(|w| Trajectory { states: w.states }));
    }
    out
}

/// The working state of one compartment.
struct Work<'a> {
    parameters: &'a Parameters,
    constants: CompartmentConstants,
    doses: &'a [Dose],
    curve: HillCurve,
    toxin: Toxin,
    next_dose: usize,
    /// Time, reference time of the toxin (last dose), end of the current segment.
    t: f64,
    t_ref: f64,
    segment_end: f64,
    /// Step size to try next; whether the last attempt was rejected.
    h: f64,
    rejected: bool,
    /// Toxin exponentials at `t`, and at the stages of the current step.
    base: (f64, f64),
    powers: StagePowers,
    clock: DayClock,
    next_output: usize,
    done: bool,
    y: Dynamic,
    y_new: Dynamic,
    k: [Dynamic; 7],
    states: Vec<State>,
}

impl<'a> Work<'a> {
    fn new(problem: &Problem<'a>, days: usize) -> Self {
        Work {
            parameters: problem.parameters,
            constants: *problem.constants,
            doses: problem.doses,
            curve: HillCurve::new(problem.parameters, problem.constants),
            toxin: Toxin::NONE,
            next_dose: 0,
            t: 0.0,
            t_ref: 0.0,
            segment_end: 0.0,
            h: 0.0,
            rejected: false,
            base: (1.0, 1.0),
            powers: StagePowers {
                slow: [0.0; 7],
                fast: [0.0; 7],
            },
            clock: DayClock {
                day_slow: (-problem.parameters.k_l).exp(),
                day_fast: (-problem.parameters.k_in).exp(),
                day: 0,
                slow: 1.0,
                fast: 1.0,
                valid: false,
            },
            next_output: 0,
            done: days == 0,
            y: BASELINE_DYNAMIC,
            y_new: BASELINE_DYNAMIC,
            k: [[0.0; DYNAMIC_SIZE]; 7],
            states: Vec::with_capacity(days),
        }
    }

    #[inline(always)]
    fn f(&self, (slow, fast): (f64, f64), y: &Dynamic) -> Dynamic {
        let e = self.toxin.effect_from(&self.curve, slow, fast);
        model::derivative(self.parameters, &self.constants, e, y)
    }

    /// Record day `day` with dynamic state `y`.
    #[inline]
    fn push(&mut self, day: usize, y: &Dynamic) {
        let (slow, fast) = self.clock.at(self.parameters, day, self.t_ref);
        let toxin = &self.toxin;
        self.states.push(model::full_state(
            toxin.d * fast,
            toxin.load_from(slow, fast),
            y,
        ));
    }

    /// Bookkeeping up to the next step attempt: outputs at `t`, doses due at `t`, the start
    /// of the next segment. False when the horizon is reached.
    fn prepare(&mut self, days: usize, options: &SolverOptions) -> bool {
        if self.t < self.segment_end {
            return true;
        }
        loop {
            // Outputs at the current time (left limit at a dose day), then the doses due now.
            while self.next_output < days && self.next_output as f64 <= self.t {
                let y = self.y;
                self.push(self.next_output, &y);
                self.next_output += 1;
            }
            if self.next_output >= days {
                self.done = true;
                return false;
            }
            let next_dose = self
                .doses
                .get(self.next_dose)
                .map_or(f64::INFINITY, |d| d.day);
            if next_dose <= self.t {
                let parameters = self.parameters;
                while let Some(dose) = self.doses.get(self.next_dose).filter(|d| d.day <= self.t) {
                    self.toxin
                        .dose(parameters, &self.constants, self.t, dose.concentration);
                    self.next_dose += 1;
                }
                self.t_ref = self.t;
                self.clock.valid = false;
                continue;
            }
            self.segment_end = next_dose.min((days - 1) as f64);
            if self.toxin == Toxin::NONE && self.y == BASELINE_DYNAMIC {
                // Untreated so far: the state stays at baseline (its derivative is zero).
                self.t = self.segment_end;
                continue;
            }
            self.h = options.initial_step.min(self.segment_end - self.t);
            self.rejected = false;
            self.base = exponentials(self.parameters, self.t - self.t_ref);
            self.k[0] = self.f(self.base, &self.y);
            return true;
        }
    }

    /// Step size and stage exponentials of the next attempt.
    #[inline]
    fn begin_step(&mut self, options: &SolverOptions) {
        self.h = self.h.min(self.segment_end - self.t).min(options.max_step);
        self.powers = StagePowers::new(self.parameters, self.h, self.base);
    }

    #[inline(always)]
    fn stage<const S: usize>(&mut self, a: &[f64; S]) {
        let point = combine(&self.y, self.h, a, &self.k);
        self.k[S] = self.f(self.powers.at(S), &point);
    }

    /// Solution, error estimate, acceptance and the next step size.
    fn finish_step(&mut self, days: usize, options: &SolverOptions) {
        let h = self.h;
        self.y_new = combine(&self.y, h, &B5, &self.k);
        self.k[6] = self.f(self.powers.at(6), &self.y_new);
        let mut sum = 0.0;
        for i in 0..DYNAMIC_SIZE {
            let mut estimate = 0.0;
            for (j, ej) in E.iter().enumerate() {
                estimate += ej * self.k[j][i];
            }
            let scale = options.absolute_tolerance
                + options.relative_tolerance * self.y[i].abs().max(self.y_new[i].abs());
            let ratio = h * estimate / scale;
            sum += ratio * ratio;
        }
        let error = (sum / DYNAMIC_SIZE as f64).sqrt();
        if error <= 1.0 || h <= 1e-10 {
            let last = self.t + h >= self.segment_end - 1e-12;
            let t_new = if last { self.segment_end } else { self.t + h };
            if self.next_output < days && self.next_output as f64 <= t_new {
                self.emit_step(days, t_new);
            }
            self.t = t_new;
            self.y = self.y_new;
            self.k[0] = self.k[6];
            let (slow, fast) = self.powers.at(6);
            let fast_done = self.parameters.k_in * (self.t - self.t_ref) > 40.0;
            self.base = (slow, if fast_done { 0.0 } else { fast });
            let mut factor = if error == 0.0 {
                5.0
            } else {
                0.9 * inverse_fifth_root(error)
            };
            if self.rejected {
                factor = factor.min(1.0);
            }
            self.h = h * factor.clamp(0.2, 5.0);
            self.rejected = false;
        } else {
            self.h = h * (0.9 * inverse_fifth_root(error)).clamp(0.1, 0.9);
            self.rejected = true;
        }
    }

    /// Outputs at integer days in (t, t1], from the step's dense output (the state at the
    /// step's end for a day at t1).
    fn emit_step(&mut self, days: usize, t1: f64) {
        let t0 = self.t;
        let h = t1 - t0;
        // q_j = h sum_s DENSE[s][j] k_s: y(t0 + theta h) = y0 + theta (q0 + theta (q1 + ...)).
        let mut q = [[0.0; DYNAMIC_SIZE]; 4];
        for (j, qj) in q.iter_mut().enumerate() {
            for (i, value) in qj.iter_mut().enumerate() {
                let sum: f64 = DENSE
                    .iter()
                    .zip(&self.k)
                    .map(|(row, stage)| row[j] * stage[i])
                    .sum();
                *value = h * sum;
            }
        }
        while self.next_output < days && self.next_output as f64 <= t1 {
            let day = self.next_output;
            let y = if day as f64 >= t1 {
                self.y_new
            } else {
                let theta = (day as f64 - t0) / h;
                let mut y = self.y;
                for i in 0..DYNAMIC_SIZE {
                    y[i] +=
                        theta * (q[0][i] + theta * (q[1][i] + theta * (q[2][i] + theta * q[3][i])));
                }
                y
            };
            self.push(day, &y);
            self.next_output += 1;
        }
    }
}

/// The toxin exponentials at consecutive output days: two `exp` at the first day after a
/// dose, then one multiplication per day.
#[derive(Debug, Clone, Copy)]
struct DayClock {
    /// `e^(-k_L)` and `e^(-k_in)`: the factors of one day.
    day_slow: f64,
    day_fast: f64,
    day: usize,
    slow: f64,
    fast: f64,
    valid: bool,
}

impl DayClock {
    #[inline]
    fn at(&mut self, parameters: &Parameters, day: usize, t_ref: f64) -> (f64, f64) {
        if self.valid && day == self.day + 1 {
            self.slow *= self.day_slow;
            self.fast *= self.day_fast;
        } else if !(self.valid && day == self.day) {
            (self.slow, self.fast) = exponentials(parameters, day as f64 - t_ref);
        }
        self.day = day;
        self.valid = true;
        (self.slow, self.fast)
    }
}

/// Integrate `lanes` to their horizons, interleaved stage by stage: every problem keeps its
/// own step sizes, so its result does not depend on the others.
fn run(lanes: &mut [Work], days: usize, options: &SolverOptions) {
    loop {
        let mut active = 0;
        for lane in lanes.iter_mut() {
            if !lane.done && lane.prepare(days, options) {
                lane.begin_step(options);
                active += 1;
            }
        }
        if active == 0 {
            return;
        }
        macro_rules! each {
            ($body:expr) => {
                for lane in lanes.iter_mut().filter(|lane| !lane.done) {
                    $body(lane);
                }
            };
        }
        each!(|lane: &mut Work| lane.stage(&A2));
        each!(|lane: &mut Work| lane.stage(&A3));
        each!(|lane: &mut Work| lane.stage(&A4));
        each!(|lane: &mut Work| lane.stage(&A5));
        each!(|lane: &mut Work| lane.stage(&A6));
        each!(|lane: &mut Work| lane.finish_step(days, options));
    }
}

/// `x^(-1/5)` to about 1e-7 relative (for the step-size controller): a bit-level first guess
/// and Newton steps, instead of a general `powf`.
#[inline]
fn inverse_fifth_root(x: f64) -> f64 {
    // x = 2^e m: guess 2^(-e/5) from the exponent bits, then y <- y (6 - x y^5) / 5.
    let bits = x.to_bits() as i64;
    let exponent_bits = bits - 0x3FF0_0000_0000_0000;
    let mut y = f64::from_bits((0x3FF0_0000_0000_0000 - exponent_bits / 5) as u64);
    for _ in 0..3 {
        let y2 = y * y;
        y *= (6.0 - x * y2 * y2 * y) * 0.2;
    }
    y
}

/// The toxin exponentials at the stage times `t + c_s h` of one step from those at `t`:
/// `e^(-k c_s h)` are powers of `u = e^(-k h / 90)` (90 c_s = 18, 27, 72, 80, 90), so a step
/// costs one `exp` per rate instead of one per stage.
struct StagePowers {
    slow: [f64; 7],
    fast: [f64; 7],
}

impl StagePowers {
    #[inline]
    fn new(parameters: &Parameters, h: f64, base: (f64, f64)) -> StagePowers {
        #[inline(always)]
        fn powers(u: f64, base: f64) -> [f64; 7] {
            let u2 = u * u;
            let u4 = u2 * u2;
            let u8 = u4 * u4;
            let u9 = u8 * u;
            let u18 = u9 * u9;
            let u27 = u18 * u9;
            let u36 = u18 * u18;
            let u72 = u36 * u36;
            let u80 = u72 * u8;
            let u90 = u72 * u18;
            [
                base,
                base * u18,
                base * u27,
                base * u72,
                base * u80,
                base * u90,
                base * u90,
            ]
        }
        let slow = powers((-parameters.k_l * h / 90.0).exp(), base.0);
        let fast = if base.1 == 0.0 {
            [0.0; 7]
        } else {
            powers((-parameters.k_in * h / 90.0).exp(), base.1)
        };
        StagePowers { slow, fast }
    }

    #[inline(always)]
    fn at(&self, stage: usize) -> (f64, f64) {
        (self.slow[stage], self.fast[stage])
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{index, BASELINE_STATE, STATE_SIZE};

    fn constants() -> CompartmentConstants {
        CompartmentConstants {
            mass_g: 1.0,
            sensitivity: 1.0,
            atrophy_susceptibility: 0.1,
        }
    }

    #[test]
    fn toxin_chain_matches_the_analytic_solution_through_doses() {
        // D and L form a linear chain with a closed form; check it across three doses.
        let parameters = Parameters::TYPICAL;
        let doses = [
            Dose {
                day: 0.0,
                concentration: 10.0,
            },
            Dose {
                day: 30.5,
                concentration: 5.0,
            },
            Dose {
                day: 120.0,
                concentration: 8.0,
            },
        ];
        let trajectory = integrate(
            &parameters,
            &constants(),
            &doses,
            400,
            &SolverOptions::default(),
        );
        let (k_in, k_l) = (parameters.k_in, parameters.k_l);
        for (day, state) in trajectory.states.iter().enumerate() {
            let t = day as f64;
            let (mut d, mut l) = (0.0, 0.0);
            for dose in doses.iter().filter(|dose| dose.day < t) {
                let s = t - dose.day;
                d += dose.concentration * (-k_in * s).exp();
                l += dose.concentration * k_in / (k_in - k_l)
                    * ((-k_l * s).exp() - (-k_in * s).exp());
            }
            assert!(
                (state[index::D] - d).abs() <= 1e-5 * (1.0 + d),
                "D day {day}"
            );
            assert!(
                (state[index::L] - l).abs() <= 1e-5 * (1.0 + l),
                "L day {day}: {} vs {l}",
                state[index::L]
            );
        }
    }

    #[test]
    fn default_tolerance_agrees_with_a_tight_reference() {
        let parameters = Parameters::TYPICAL;
        let doses: Vec<Dose> = (0..6)
            .map(|k| Dose {
                day: 90.0 * k as f64,
                concentration: 10.0,
            })
            .collect();
        let loose = integrate(
            &parameters,
            &constants(),
            &doses,
            730,
            &SolverOptions::default(),
        );
        let tight_options = SolverOptions {
            relative_tolerance: 1e-11,
            absolute_tolerance: 1e-13,
            max_step: 1.0,
            initial_step: 1e-4,
        };
        let tight = integrate(&parameters, &constants(), &doses, 730, &tight_options);
        let mut worst = 0.0f64;
        for (a, b) in loose.states.iter().zip(&tight.states) {
            for i in index::B..STATE_SIZE {
                worst = worst.max((a[i] - b[i]).abs());
            }
        }
        eprintln!("largest difference in B, R, M, F: {worst:e}");
        assert!(worst < 1e-4, "largest difference in B, R, M, F: {worst}");
    }

    #[test]
    fn many_at_once_is_bit_identical_to_one_at_a_time() {
        let typical = Parameters::TYPICAL;
        let slow_recovery = Parameters {
            k_r0: 0.06,
            k_l: 0.018,
            ..Parameters::TYPICAL
        };
        let every_120_days: Vec<Dose> = (0..6)
            .map(|k| Dose {
                day: 120.0 * k as f64,
                concentration: 9.0,
            })
            .collect();
        let two_doses = [
            Dose {
                day: 0.0,
                concentration: 3.0,
            },
            Dose {
                day: 200.5,
                concentration: 4.0,
            },
        ];
        let masseter = CompartmentConstants {
            mass_g: 24.0,
            sensitivity: 1.3,
            atrophy_susceptibility: 0.75,
        };
        let small = constants();
        let mut problems = Vec::new();
        // More than WIDTH problems, so that they span several interleaved groups.
        for k in 0..(WIDTH + 3) {
            let (parameters, constants, doses): (&Parameters, &CompartmentConstants, &[Dose]) =
                match k % 4 {
                    0 => (&typical, &small, &every_120_days),
                    1 => (&slow_recovery, &masseter, &two_doses),
                    2 => (&typical, &small, &[]),
                    _ => (&slow_recovery, &small, &two_doses[1..]),
                };
            problems.push(Problem {
                parameters,
                constants,
                doses,
            });
        }
        let together = integrate_many(&problems, 730, &SolverOptions::default());
        assert_eq!(together.len(), problems.len());
        for (problem, trajectory) in problems.iter().zip(&together) {
            let alone = integrate(
                problem.parameters,
                problem.constants,
                problem.doses,
                730,
                &SolverOptions::default(),
            );
            assert_eq!(alone, *trajectory);
        }
        for state in &together[2].states {
            assert_eq!(*state, BASELINE_STATE, "untreated compartment moved");
        }
    }

    #[test]
    fn stage_exponentials_match_direct_evaluation() {
        let parameters = Parameters::TYPICAL;
        let c = [0.0, 1.0 / 5.0, 3.0 / 10.0, 4.0 / 5.0, 8.0 / 9.0, 1.0, 1.0];
        for (t, h) in [(0.0, 0.02), (3.0, 1.7), (150.0, 20.0)] {
            let base = exponentials(&parameters, t);
            let powers = StagePowers::new(&parameters, h, base);
            for (stage, c) in c.iter().enumerate() {
                let (slow, fast) = exponentials(&parameters, t + c * h);
                let (s, f) = powers.at(stage);
                assert!((s - slow).abs() <= 1e-13 * slow, "slow, stage {stage}");
                assert!((f - fast).abs() <= 1e-13 * fast, "fast, stage {stage}");
            }
        }
    }

    #[test]
    fn inverse_fifth_root_is_close() {
        for x in [1e-12, 1e-3, 0.05, 0.9, 1.0, 1.2, 31.0, 1e4, 1e9] {
            let exact = f64::powf(x, -0.2);
            assert!(
                (inverse_fifth_root(x) - exact).abs() <= 1e-3 * exact,
                "{x}: {} vs {exact}",
                inverse_fifth_root(x)
            );
        }
    }

    #[test]
    fn untreated_stays_at_baseline() {
        let trajectory = integrate(
            &Parameters::TYPICAL,
            &constants(),
            &[],
            10,
            &SolverOptions::default(),
        );
        assert_eq!(trajectory.states, vec![BASELINE_STATE; 10]);
    }
}
