//! Integration of a plan's compartments through their dosing events.
//!
//! The toxin chain (`D`, `L`) is exact (closed form); the muscle states `B`, `R`, `M`, `F`
//! are integrated by Dormand-Prince 5(4) with error control, restarted at every dose day (`L`
//! changes slope there, so no step may straddle a dose), with daily output from the method's
//! own order-4 continuous extension. The stages and the states they make are in single
//! precision, twice the lanes of double to a vector register: its rounding (6e-8) is far below
//! the tolerance of 1e-6 that sets the error, so the error against a tight reference is that
//! of double precision (tested over ten years of doses below); time, step sizes, the toxin's
//! exponentials and the daily output stay in double. Compartments (of one plan, or of many
//! patients) are integrated [`WIDTH`] at a time, one per lane of the processor's vector
//! registers: each lane keeps its own step sizes, takes the next compartment when its own is
//! done, and does the same floating-point operations whatever the instruction set (chosen at
//! run time), so a compartment's output is bit-identical whether it is integrated alone or
//! with others. The
//! toxin exponentials at a step's six stages are powers of one `exp` per rate, and daily
//! toxin levels advance by a one-day factor. Hand-written rather than a general ODE crate
//! because each compartment is four states and its forcing is closed form, which keeps a
//! whole face within a benchmark budget of microseconds (`docs/performance.md`). Accuracy is
//! checked against an analytic solution and a tight-tolerance reference in the tests below.

// Lane loops index several arrays by lane number: the form the compiler turns into vector
// instructions.
#![allow(clippy::needless_range_loop)]

use crate::model::pharmacodynamics::{self, exponentials, HillExponent, Toxin};
use crate::model::real::Real;
use crate::model::{
    self, dynamic, CompartmentConstants, Dynamic, Parameters, ProductRates, Rates, State,
    BASELINE_DYNAMIC, DYNAMIC_SIZE,
};

/// A dose reaching a compartment: `concentration` U/g added to the deposit `D` at `day`, of
/// a product with rate multipliers `product` (from that dose on, the compartment's `k_in`,
/// `k_on` and `k_r0` are this product's).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dose {
    pub day: f64,
    pub concentration: f64,
    pub product: ProductRates,
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

/// Where a compartment's daily states go as the solver makes them, day 0 first. A
/// [`Trajectory`] keeps them all; a virtual trial keeps only what its aggregates read (a
/// peak, one value a day), so it need not store six values a day per compartment, nor even
/// compute the days that cannot change what it keeps. Whatever records them, the states are
/// the same to the bit.
pub trait DailyRecorder {
    /// Record the days of one accepted step, in order after those recorded before.
    fn record(&mut self, days: &StepDays);

    /// Whether this recorder may end its compartment's integration early: only then does
    /// the solver look, after each accepted step, for the state of [`Relaxing`] and ask
    /// [`DailyRecorder::complete_once_relaxing`]. Recorders of whole series never do.
    #[inline(always)]
    fn may_end_early(&self) -> bool {
        false
    }

    /// Whether the recorder already holds all it will keep, given the state at the end of
    /// an accepted step after which the compartment can only relax (see [`Relaxing`]). A
    /// recorder that keeps only peaks can say yes once they are behind it, and the
    /// compartment's integration then ends there. Asked only when
    /// [`DailyRecorder::may_end_early`] is true.
    #[inline(always)]
    fn complete_once_relaxing(&self, _end: &Relaxing) -> bool {
        false
    }
}

/// The end of an accepted step after which the compartment can only relax: no dose is due
/// before the horizon, its toxin load `L` is falling (past the maximum of its closed form),
/// and the blockade level the load sets is at or below the blockade, `E <= B`. From there on
/// `E` keeps falling (it rises with `L`) and `B`, which moves toward `E`, keeps falling too
/// and never crosses it: no later day has a larger `B` or `L` than these, up to the solver's
/// error in `B`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Relaxing {
    /// The blockade `B` at the step's end.
    pub blockade: f64,
    /// The internalised load `L` at the step's end.
    pub load: f64,
}

impl DailyRecorder for Vec<State> {
    #[inline(always)]
    fn record(&mut self, days: &StepDays) {
        let count = days.len();
        self.reserve(count);
        let room = self.spare_capacity_mut()[..count].as_mut_ptr();
        let mut written = 0;
        days.for_each_state(|state| {
            // SAFETY: `for_each_state` gives exactly `count` states, and `count` slots are
            // reserved after the current length.
            unsafe { (*room.add(written)).write(state) };
            written += 1;
        });
        debug_assert_eq!(written, count);
        // SAFETY: the `count` slots after the current length were initialised above.
        unsafe { self.set_len(self.len() + count) };
    }
}

/// The output days of one accepted step and how to make their states: the step's dense
/// output (a quartic in the step's fraction, Hairer's form) for the muscle states, the
/// toxin's closed form advanced a day at a time for `D` and `L`. Any one muscle state of any
/// day can be made on its own; the toxin's factors are made day after day, as before.
pub struct StepDays {
    /// The first output day of the step.
    pub first_day: usize,
    /// Days strictly inside the step (from the dense output); a day at the step's end, when
    /// there is one, follows them and takes the step's end state.
    interior: usize,
    with_end: bool,
    t0: f64,
    inverse_h: f64,
    y0: Dynamic,
    r1: Dynamic,
    r2: Dynamic,
    r3: Dynamic,
    r4: Dynamic,
    y1: Dynamic,
    toxin: Toxin,
    /// Toxin factors `e^(-k_L tau)`, `e^(-k_in tau)` at `first_day`, and of one day.
    slow: f64,
    fast: f64,
    day_slow: f64,
    day_fast: f64,
    /// The toxin factors of the step's last output day, once a pass over every day has made
    /// them (the solver carries them to the next step; otherwise it makes them itself).
    last_factors: std::cell::Cell<Option<(f64, f64)>>,
}

impl StepDays {
    /// The number of output days of the step.
    #[inline(always)]
    pub fn len(&self) -> usize {
        self.interior + usize::from(self.with_end)
    }

    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Muscle state `component` (`model::dynamic` index) of the `i`-th day of the step.
    #[inline(always)]
    pub fn dynamic(&self, component: usize, i: usize) -> f64 {
        if i >= self.interior {
            return self.y1[component];
        }
        let theta = ((self.first_day + i) as f64 - self.t0) * self.inverse_h;
        let u = 1.0 - theta;
        let c = component;
        self.y0[c] + theta * (self.r1[c] + u * (self.r2[c] + theta * (self.r3[c] + u * self.r4[c])))
    }

    /// An upper bound of muscle state `component` over the step's days (NaN when the step
    /// is): the largest coefficient of the dense output's quartic in Bernstein form, which
    /// bounds the polynomial on the whole step, widened by far more than its rounding, and
    /// the end state. A recorder keeping a running maximum can skip a step whose bound does
    /// not exceed it.
    pub fn upper_bound(&self, component: usize) -> f64 {
        let c = component;
        let (y0, r1, r2, r3, r4) = (self.y0[c], self.r1[c], self.r2[c], self.r3[c], self.r4[c]);
        // p = y0 + theta (r1 + u (r2 + theta (r3 + u r4))), built up from the inside in
        // Bernstein coefficients (degree elevation: (1 - theta) and theta shift weights).
        let g = [r2, r2 + 0.5 * (r3 + r4), r2 + r3];
        let h = [
            r1 + g[0],
            r1 + g[1] * (2.0 / 3.0),
            r1 + g[2] * (1.0 / 3.0),
            r1,
        ];
        let coefficients = [
            y0,
            y0 + 0.25 * h[0],
            y0 + 0.5 * h[1],
            y0 + 0.75 * h[2],
            y0 + h[3],
        ];
        let scale = y0.abs() + r1.abs() + r2.abs() + r3.abs() + r4.abs();
        let mut bound = coefficients[0];
        for &coefficient in &coefficients[1..] {
            // `max` that keeps a NaN: a NaN step is never skipped.
            bound = if coefficient > bound || coefficient.is_nan() {
                coefficient
            } else {
                bound
            };
        }
        let bound = bound + 1e-9 * scale;
        if self.with_end && (self.y1[c] > bound || self.y1[c].is_nan()) {
            self.y1[c]
        } else {
            bound
        }
    }

    /// The whole state of every day of the step, in order, given to `record`.
    #[inline(always)]
    pub fn for_each_state(&self, mut record: impl FnMut(State)) {
        let (mut slow, mut fast) = (self.slow, self.fast);
        let (mut last_slow, mut last_fast) = (slow, fast);
        let toxin = &self.toxin;
        let mut day_time = self.first_day as f64;
        for _ in 0..self.interior {
            let theta = (day_time - self.t0) * self.inverse_h;
            let u = 1.0 - theta;
            let mut y = self.y0;
            for i in 0..DYNAMIC_SIZE {
                y[i] +=
                    theta * (self.r1[i] + u * (self.r2[i] + theta * (self.r3[i] + u * self.r4[i])));
            }
            record(model::full_state(
                toxin.d * fast,
                toxin.load_from(slow, fast),
                &y,
            ));
            (last_slow, last_fast) = (slow, fast);
            slow *= self.day_slow;
            fast *= self.day_fast;
            day_time += 1.0;
        }
        if self.with_end {
            (last_slow, last_fast) = (slow, fast);
            record(model::full_state(
                toxin.d * fast,
                toxin.load_from(slow, fast),
                &self.y1,
            ));
        }
        self.last_factors.set(Some((last_slow, last_fast)));
    }

    /// The internalised load `L` of every day of the step, in order.
    #[inline(always)]
    pub fn loads(&self) -> impl Iterator<Item = f64> + '_ {
        let (mut slow, mut fast) = (self.slow, self.fast);
        (0..self.len()).map(move |_| {
            let load = self.toxin.load_from(slow, fast);
            slow *= self.day_slow;
            fast *= self.day_fast;
            load
        })
    }
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
/// Dormand-Prince's continuous extension of order 4 (Shampine 1986), in Hairer's form
/// (`CONTD5` of Hairer & Wanner's DOPRI5): with theta in [0, 1] and `u = 1 - theta`,
/// `y(t0 + theta h) = y0 + theta (r1 + u (r2 + theta (r3 + u r4)))`, where
/// `r1 = y1 - y0`, `r2 = h k_0 - r1`, `r3 = r1 - h k_6 - r2` and `r4 = h sum_s DENSE_4[s] k_s`.
/// It is the quartic with the step's values and slopes at both ends (`k_6 = f(t0 + h, y1)`)
/// whose theta^4 coefficient is `r4`: the same polynomial as SciPy's RK45, which needs four
/// weighted sums of the stages per step where this form needs one.
const DENSE_4: [f64; 7] = [
    -12715105075.0 / 11282082432.0,
    0.0,
    87487479700.0 / 32700410799.0,
    -10690763975.0 / 1880347072.0,
    701980252875.0 / 199316789632.0,
    -1453857185.0 / 822651844.0,
    69997945.0 / 29380423.0,
];

/// `[body(0), body(1), body(2), body(3)]`, one per muscle state, written out rather than
/// looped (and not as calls of a closure, which the compiler may leave uninlined): a loop over
/// the four states with the lanes inside is vectorised across the states (gathers from four
/// rows) once 16 lanes are unrolled, where the lanes should be the vector.
macro_rules! per_state {
    (|$i:ident| $body:expr) => {{
        const _: () = assert!(DYNAMIC_SIZE == 4);
        [
            {
                let $i = 0;
                $body
            },
            {
                let $i = 1;
                $body
            },
            {
                let $i = 2;
                $body
            },
            {
                let $i = 3;
                $body
            },
        ]
    }};
}

/// `sum_j w_j k_j` for every state and lane, in the order j = 0, 1, ... (stage by stage,
/// lanes innermost, so that each term is one vector multiply-and-add over the lanes).
#[inline(always)]
fn weighted_sum<const S: usize, const N: usize, T: Real>(
    w: &[f64; S],
    k: &[[Lanes<N, T>; DYNAMIC_SIZE]; 7],
) -> [Lanes<N, T>; DYNAMIC_SIZE] {
    let mut sum = [[T::ZERO; N]; DYNAMIC_SIZE];
    for (j, &weight) in w.iter().enumerate() {
        if weight == 0.0 {
            continue;
        }
        let weight = T::of(weight);
        per_state!(|i| {
            for l in 0..N {
                sum[i][l] += weight * k[j][i][l];
            }
        });
    }
    sum
}

/// One compartment to integrate: its patient's parameters, its constants and its doses
/// (sorted by day; doses after the horizon are ignored), from the untreated state at day 0
/// or from a [`Start`].
#[derive(Debug, Clone, Copy)]
pub struct Problem<'a> {
    pub parameters: &'a Parameters,
    pub constants: &'a CompartmentConstants,
    pub doses: &'a [Dose],
    /// Continue an earlier run of the same compartment from its state at a day instead of
    /// starting untreated at day 0 (`None`).
    pub start: Option<Start>,
}

/// Where a continued integration starts: the muscle state at integer day `day`, before that
/// day's doses, as an earlier run over the same doses left it (its output on `day`; a run
/// ends its last step exactly on its last day). The toxin state is rebuilt from the doses
/// before `day` (closed form), and the run outputs days `day + 1` to `days - 1`, so that
/// `Trajectory::states[i]` is day `day + 1 + i`. When a dose falls on `day` (every step of
/// the uninterrupted run ends there too) the continuation is bit-identical to the
/// uninterrupted run; elsewhere the step sizes restart and it agrees within the tolerance.
/// A plan's candidate continuations share its history this way: integrated once up to the
/// day they part.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Start {
    pub day: usize,
    pub dynamic: Dynamic,
}

impl Start {
    /// The start at `day` from an earlier run's output state on that day.
    pub fn from_state(day: usize, state: &State) -> Start {
        Start {
            day,
            dynamic: [
                state[model::index::B],
                state[model::index::R],
                state[model::index::M],
                state[model::index::F],
            ],
        }
    }
}

/// Compartments integrated side by side, one per lane of the processor's vector registers:
/// 16 single-precision lanes fill an AVX-512 register. Every lane keeps its own step sizes and
/// a finished lane takes the next compartment, so this has no effect on results, only on
/// speed.
pub const WIDTH: usize = 16;

/// The lanes of processors without AVX-512: 8 fill an AVX2 register (two SSE2 ones). Sixteen
/// there take two registers an operation and no fewer instructions (docs/performance.md).
const NARROW: usize = 8;

/// The precision of the muscle states in the lanes (see [`Batch`]).
type Precision = f32;

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
        start: None,
    };
    integrate_many(&[problem], days, options)
        .pop()
        .expect("one trajectory per problem")
}

/// Integrate independent compartments (of one plan, or of many patients) [`WIDTH`] at a
/// time, one per vector lane. Each keeps its own step sizes, and every lane does the same
/// floating-point operations in the same order whatever the instruction set, so each result
/// is bit-identical to [`integrate`] of that compartment alone, whatever the others are.
pub fn integrate_many(
    problems: &[Problem],
    days: usize,
    options: &SolverOptions,
) -> Vec<Trajectory> {
    // A continued run outputs only the days after its start.
    integrate_many_into(problems, days, options, |i| {
        Vec::with_capacity(days.saturating_sub(problems[i].start.map_or(0, |start| start.day + 1)))
    })
    .into_iter()
    .map(|states| Trajectory { states })
    .collect()
}

/// [`integrate_many`] with each problem's daily states given to a recorder of the caller's
/// (`recorder(i)` makes the `i`-th problem's) instead of stored: the recorders are returned
/// in the order of the problems. Many patients' compartments in one call keep every lane
/// busy, since a lane takes the next problem as soon as its own is done.
pub fn integrate_many_into<R: DailyRecorder>(
    problems: &[Problem],
    days: usize,
    options: &SolverOptions,
    mut recorder: impl FnMut(usize) -> R,
) -> Vec<R> {
    let mut out: Vec<Option<R>> = (0..problems.len()).map(|_| None).collect();
    // Lanes share the form of the Hill power (it decides the operations), so problems are
    // batched by Hill coefficient; the order of the results is the order of the problems.
    let mut order: Vec<usize> = (0..problems.len()).collect();
    order.sort_by_key(|&i| problems[i].parameters.hill.to_bits());
    for group in order.chunk_by(|&i, &j| {
        problems[i].parameters.hill.to_bits() == problems[j].parameters.hill.to_bits()
    }) {
        let batch: Vec<Problem> = group.iter().map(|&i| problems[i]).collect();
        let recorders = group.iter().map(|&i| recorder(i)).collect();
        for (&i, recorded) in group.iter().zip(dispatch(&batch, recorders, days, options)) {
            out[i] = Some(recorded);
        }
    }
    out.into_iter()
        .map(|recorded| recorded.expect("one recorder per problem"))
        .collect()
}

/// The widest vector instructions this processor has, chosen at run time (the same binary
/// runs everywhere); a lone problem runs on one lane. Fused multiply-add is never enabled: it
/// would round differently.
fn dispatch<R: DailyRecorder>(
    problems: &[Problem],
    recorders: Vec<R>,
    days: usize,
    options: &SolverOptions,
) -> Vec<R> {
    if problems.len() == 1 {
        return run::<1, Precision, R>(problems, recorders, days, options);
    }
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512dq")
            && std::arch::is_x86_feature_detected!("avx512vl")
        {
            // SAFETY: the processor has the features `run_avx512` is compiled for.
            return unsafe { run_avx512(problems, recorders, days, options) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: as above, for AVX2.
            return unsafe { run_avx2(problems, recorders, days, options) };
        }
    }
    run::<NARROW, Precision, R>(problems, recorders, days, options)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512vl")]
fn run_avx512<R: DailyRecorder>(
    problems: &[Problem],
    recorders: Vec<R>,
    days: usize,
    options: &SolverOptions,
) -> Vec<R> {
    // A few compartments (a plan's group of a thread) leave most of 16 lanes idle, whose
    // double-precision toxin exponentials still cost two registers an operation: 8 lanes
    // take them in one register.
    if problems.len() <= NARROW {
        return run::<NARROW, Precision, R>(problems, recorders, days, options);
    }
    run::<WIDTH, Precision, R>(problems, recorders, days, options)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn run_avx2<R: DailyRecorder>(
    problems: &[Problem],
    recorders: Vec<R>,
    days: usize,
    options: &SolverOptions,
) -> Vec<R> {
    run::<NARROW, Precision, R>(problems, recorders, days, options)
}

/// `N` values, one per lane.
type Lanes<const N: usize, T = f64> = [T; N];

/// The floating-point type of the muscle states in the lanes, with the step-size controller's
/// `x^(-1/5)` written for it.
trait LaneReal: Real {
    /// `x^(-1/5)` to about 3e-6 relative: a bit-level first guess and Newton steps, instead
    /// of a general `powf`; plain arithmetic, so that it runs as vector instructions over the
    /// lanes.
    fn inverse_fifth_root(self) -> Self;
}

/// [`LaneReal`] for a float type, its signed and unsigned integers of the same width and the
/// bits of 1.0: the same algorithm in both precisions.
macro_rules! lane_real {
    ($float:ty, $signed:ty, $unsigned:ty, $one:expr) => {
        impl LaneReal for $float {
            #[inline(always)]
            fn inverse_fifth_root(self) -> $float {
                // x = 2^e m: guess 2^(-e/5) from the exponent bits, then
                // y <- y (6 - x y^5) / 5.
                const ONE: $signed = $one;
                let x = self;
                let exponent_bits = x.to_bits() as $signed - ONE;
                // SAFETY: a fifth of any integer of this width is finite and within it; the
                // unchecked conversion truncates as `as` does, without the saturation `as`
                // adds (which the vector code pays for).
                let fifth =
                    unsafe { (exponent_bits as $float * 0.2).to_int_unchecked::<$signed>() };
                let mut y = <$float>::from_bits((ONE - fifth) as $unsigned);
                for _ in 0..3 {
                    let y2 = y * y;
                    y *= (6.0 - x * y2 * y2 * y) * 0.2;
                }
                y
            }
        }
    };
}

lane_real!(f64, i64, u64, 0x3FF0_0000_0000_0000);
lane_real!(f32, i32, u32, 0x3F80_0000);

/// The numeric state of `N` lanes, laid out lane-innermost so that each operation of the
/// method is one vector operation over the lanes. The muscle states, the stages and the
/// right-hand side's constants are in precision `T`; time, step sizes and the toxin
/// exponentials stay in double precision (they are carried from step to step, where single
/// precision would drift), and the exponentials are rounded to `T` at each stage.
struct Batch<const N: usize, T> {
    // Right-hand side constants of each lane's compartment (`model::Rates`), lane-innermost.
    k_on: Lanes<N, T>,
    k_r0: Lanes<N, T>,
    rho_r: Lanes<N, T>,
    k_r_in: Lanes<N, T>,
    k_r_out: Lanes<N, T>,
    k_gain: Lanes<N, T>,
    k_loss: Lanes<N, T>,
    rho_f: Lanes<N, T>,
    rho_a: Lanes<N, T>,
    k_f: Lanes<N, T>,
    k_fd: Lanes<N, T>,
    contractile_floor: Lanes<N, T>,
    /// `sensitivity / EC50`.
    scale: Lanes<N, T>,
    /// `k_L / 90`, `k_in / 90` (the stage exponentials are powers of `e^(-k h / 90)`).
    k_l_90: Lanes<N>,
    k_in_90: Lanes<N>,
    /// The Hill exponent, shared by the lanes.
    hill: HillExponent,
    // Toxin since the lane's last dose: `L = a e^(-k_L tau) + c e^(-k_in tau)`, coverage `P`.
    a: Lanes<N, T>,
    c: Lanes<N, T>,
    coverage: Lanes<N, T>,
    // The step being attempted.
    t: Lanes<N>,
    h: Lanes<N>,
    segment_end: Lanes<N>,
    /// `h` in precision `T`, for the stages.
    step: Lanes<N, T>,
    /// Toxin exponentials at `t`, at the step's end (the next step's `base_*` once accepted),
    /// and at the stages of the step in precision `T`.
    base_slow: Lanes<N>,
    base_fast: Lanes<N>,
    end_slow: Lanes<N>,
    end_fast: Lanes<N>,
    stage_slow: [Lanes<N, T>; 7],
    stage_fast: [Lanes<N, T>; 7],
    y: [Lanes<N, T>; DYNAMIC_SIZE],
    y_new: [Lanes<N, T>; DYNAMIC_SIZE],
    k: [[Lanes<N, T>; DYNAMIC_SIZE]; 7],
    error: Lanes<N, T>,
    /// `0.9 error^(-1/5)`: the step-size factor before its limits.
    factor: Lanes<N, T>,
    /// `sum_s DENSE_4[s] k_s` per state: `r4` of the dense output without its factor `h`.
    dense: [Lanes<N, T>; DYNAMIC_SIZE],
}

impl<const N: usize, T: LaneReal> Batch<N, T> {
    fn new(hill: f64) -> Self {
        // Idle lanes hold harmless values (a baseline compartment with a zero step).
        let zero = [T::ZERO; N];
        let one = [T::ONE; N];
        Batch {
            k_on: zero,
            k_r0: zero,
            rho_r: zero,
            k_r_in: zero,
            k_r_out: zero,
            k_gain: zero,
            k_loss: zero,
            rho_f: zero,
            rho_a: zero,
            k_f: zero,
            k_fd: zero,
            contractile_floor: zero,
            scale: zero,
            k_l_90: [0.0; N],
            k_in_90: [0.0; N],
            hill: HillExponent::new(hill),
            a: zero,
            c: zero,
            coverage: zero,
            t: [0.0; N],
            h: [0.0; N],
            segment_end: [0.0; N],
            step: zero,
            base_slow: [1.0; N],
            base_fast: [1.0; N],
            end_slow: [0.0; N],
            end_fast: [0.0; N],
            stage_slow: [zero; 7],
            stage_fast: [zero; 7],
            y: [zero, zero, one, zero],
            y_new: [zero, zero, one, zero],
            k: [[zero; DYNAMIC_SIZE]; 7],
            error: zero,
            factor: zero,
            dense: [zero; DYNAMIC_SIZE],
        }
    }

    /// Put a compartment's constants into lane `l`.
    fn load(&mut self, l: usize, parameters: &Parameters, constants: &CompartmentConstants) {
        self.set_product(l, parameters, constants, &ProductRates::REFERENCE);
        self.scale[l] = T::of(constants.sensitivity / parameters.ec50);
        self.set_toxin(l, &Toxin::NONE);
        self.t[l] = 0.0;
        self.h[l] = 0.0;
        self.segment_end[l] = 0.0;
        self.set_y(l, &BASELINE_DYNAMIC);
    }

    /// The rates of lane `l` for `product` (at its first dose, and whenever a dose of another
    /// product arrives).
    fn set_product(
        &mut self,
        l: usize,
        parameters: &Parameters,
        constants: &CompartmentConstants,
        product: &ProductRates,
    ) {
        let rates: Rates<T> = Rates::new(parameters, constants, product).to();
        self.k_on[l] = rates.k_on;
        self.k_r0[l] = rates.k_r0;
        self.rho_r[l] = rates.rho_r;
        self.k_r_in[l] = rates.k_r_in;
        self.k_r_out[l] = rates.k_r_out;
        self.k_gain[l] = rates.k_gain;
        self.k_loss[l] = rates.k_loss;
        self.rho_f[l] = rates.rho_f;
        self.rho_a[l] = rates.rho_a;
        self.k_f[l] = rates.k_f;
        self.k_fd[l] = rates.k_fd;
        self.contractile_floor[l] = rates.contractile_floor;
        self.k_in_90[l] = product.uptake_rate(parameters) / 90.0;
        self.k_l_90[l] = product.activity_loss_rate(parameters) / 90.0;
    }

    /// The rates of lane `l` as the model takes them.
    #[inline(always)]
    fn rates(&self, l: usize) -> Rates<T> {
        Rates {
            k_on: self.k_on[l],
            k_r0: self.k_r0[l],
            rho_r: self.rho_r[l],
            k_r_in: self.k_r_in[l],
            k_r_out: self.k_r_out[l],
            k_gain: self.k_gain[l],
            k_loss: self.k_loss[l],
            rho_f: self.rho_f[l],
            rho_a: self.rho_a[l],
            k_f: self.k_f[l],
            k_fd: self.k_fd[l],
            contractile_floor: self.contractile_floor[l],
        }
    }

    fn set_toxin(&mut self, l: usize, toxin: &Toxin) {
        self.a[l] = T::of(toxin.a);
        self.c[l] = T::of(toxin.c);
        self.coverage[l] = T::of(toxin.coverage);
    }

    /// The muscle state of lane `l`, in double precision.
    #[inline(always)]
    fn lane_y(&self, l: usize) -> Dynamic {
        std::array::from_fn(|i| self.y[i][l].to_f64())
    }

    fn set_y(&mut self, l: usize, y: &Dynamic) {
        for (i, value) in y.iter().enumerate() {
            self.y[i][l] = T::of(*value);
        }
    }

    /// The right-hand side of every lane, `model::derivative` at the blockade level
    /// `E = P E_h(L)` of the closed-form load at toxin exponentials `slow`, `fast` and state
    /// `y`. Each loop over the lanes becomes vector instructions once the model's functions
    /// are inlined.
    #[inline(always)]
    fn derivative(
        &self,
        slow: &Lanes<N, T>,
        fast: &Lanes<N, T>,
        y: &[Lanes<N, T>; DYNAMIC_SIZE],
    ) -> [Lanes<N, T>; DYNAMIC_SIZE] {
        let mut x = [T::ZERO; N];
        for l in 0..N {
            let load = pharmacodynamics::load(self.a[l], self.c[l], slow[l], fast[l]);
            x[l] = pharmacodynamics::scaled_load(load, self.scale[l]);
        }
        let power = self.hill.powers(&x);
        let mut dy = [[T::ZERO; N]; DYNAMIC_SIZE];
        for l in 0..N {
            let block = pharmacodynamics::terminal_block_of(x[l], power[l]);
            let e = pharmacodynamics::blockade_level(self.coverage[l], block);
            let lane_y = [
                y[dynamic::B][l],
                y[dynamic::R][l],
                y[dynamic::M][l],
                y[dynamic::F][l],
            ];
            let lane_dy = model::derivative(&self.rates(l), e, &lane_y);
            for i in 0..DYNAMIC_SIZE {
                dy[i][l] = lane_dy[i];
            }
        }
        dy
    }

    /// `k_0` of lane `l` at the start of a segment (all lanes are computed; one is kept).
    fn first_stage(&mut self, l: usize) {
        let slow = self.base_slow.map(T::of);
        let fast = self.base_fast.map(T::of);
        let dy = self.derivative(&slow, &fast, &self.y);
        for i in 0..DYNAMIC_SIZE {
            self.k[0][i][l] = dy[i][l];
        }
    }

    /// Step sizes and the stage exponentials of the next attempt.
    #[inline(always)]
    fn begin_step(&mut self, max_step: f64) {
        let mut u_slow = [0.0; N];
        let mut u_fast = [0.0; N];
        for l in 0..N {
            self.h[l] = self.h[l].min(self.segment_end[l] - self.t[l]).min(max_step);
            u_slow[l] = exp_nonpositive(-self.k_l_90[l] * self.h[l]);
            u_fast[l] = exp_nonpositive(-self.k_in_90[l] * self.h[l]);
        }
        self.step = self.h.map(T::of);
        let slow = stage_powers(&u_slow, &self.base_slow);
        let fast = stage_powers(&u_fast, &self.base_fast);
        for s in 0..7 {
            self.stage_slow[s] = slow[s].map(T::of);
            self.stage_fast[s] = fast[s].map(T::of);
        }
        self.end_slow = slow[6];
        self.end_fast = fast[6];
    }

    /// Stage `S` from the earlier ones: `k_S = f(t + c_S h, y + h sum_j a_j k_j)`.
    #[inline(always)]
    fn stage<const S: usize>(&mut self, a: &[f64; S]) {
        let point = self.combine(a);
        self.k[S] = self.derivative(&self.stage_slow[S], &self.stage_fast[S], &point);
    }

    /// `y + h sum_j a_j k_j` (the stage coefficients are constants: unrolled).
    #[inline(always)]
    fn combine<const S: usize>(&self, a: &[f64; S]) -> [Lanes<N, T>; DYNAMIC_SIZE] {
        let sum = weighted_sum(a, &self.k);
        per_state!(|i| {
            let mut row = self.y[i];
            for l in 0..N {
                row[l] += self.step[l] * sum[i][l];
            }
            row
        })
    }

    /// The solution, its last stage, the error norm and the dense-output sum of every lane.
    #[inline(always)]
    fn finish_step(&mut self, options: &SolverOptions) {
        self.y_new = self.combine(&B5);
        self.k[6] = self.derivative(&self.stage_slow[6], &self.stage_fast[6], &self.y_new);
        let estimate = weighted_sum(&E, &self.k);
        let absolute = T::of(options.absolute_tolerance);
        let relative = T::of(options.relative_tolerance);
        let mut sum = [T::ZERO; N];
        per_state!(|i| {
            for l in 0..N {
                let scale = absolute + relative * self.y[i][l].abs().max(self.y_new[i][l].abs());
                let ratio = self.step[l] * estimate[i][l] / scale;
                sum[l] += ratio * ratio;
            }
        });
        let size = T::of(DYNAMIC_SIZE as f64);
        let safety = T::of(0.9);
        for l in 0..N {
            self.error[l] = (sum[l] / size).sqrt();
            self.factor[l] = safety * self.error[l].inverse_fifth_root();
        }
        self.dense = weighted_sum(&DENSE_4, &self.k);
    }

    /// Run the stages of one attempt in every lane.
    #[inline(always)]
    fn attempt(&mut self, options: &SolverOptions) {
        self.begin_step(options.max_step);
        self.stage(&A2);
        self.stage(&A3);
        self.stage(&A4);
        self.stage(&A5);
        self.stage(&A6);
        self.finish_step(options);
    }
}

/// The bookkeeping of the compartment in one lane: doses, segments, outputs.
struct Lane<'a, R> {
    /// Position of the problem in the caller's list.
    index: usize,
    parameters: &'a Parameters,
    constants: CompartmentConstants,
    doses: &'a [Dose],
    toxin: Toxin,
    /// `k_in` of the product of the last dose (the reference product's before any dose).
    k_in: f64,
    /// `k_L / f_duration` of the product of the last dose.
    k_l: f64,
    next_dose: usize,
    t_ref: f64,
    rejected: bool,
    clock: DayClock,
    next_output: usize,
    recorder: R,
    /// A start not yet taken (see [`Start`]): applied at the lane's first preparation.
    start: Option<Start>,
    /// The recorder holds all it keeps (`DailyRecorder::complete_once_relaxing`): the
    /// lane ends at its next preparation.
    complete: bool,
}

impl<'a, R: DailyRecorder> Lane<'a, R> {
    fn new(index: usize, problem: &Problem<'a>, recorder: R) -> Self {
        Lane {
            index,
            parameters: problem.parameters,
            constants: *problem.constants,
            doses: problem.doses,
            toxin: Toxin::NONE,
            k_in: problem.parameters.k_in,
            k_l: problem.parameters.k_l,
            next_dose: 0,
            t_ref: 0.0,
            rejected: false,
            clock: DayClock {
                day_slow: (-problem.parameters.k_l).exp(),
                day_fast: (-problem.parameters.k_in).exp(),
                day: 0,
                slow: 1.0,
                fast: 1.0,
                valid: false,
            },
            next_output: 0,
            recorder,
            start: problem.start,
            complete: false,
        }
    }

    /// Put lane `l` where `start` says: the toxin of the doses before its day (the same
    /// updates, in the same order, as an uninterrupted run makes), its muscle state, and its
    /// first output the day after.
    fn resume<const N: usize, T: LaneReal>(
        &mut self,
        batch: &mut Batch<N, T>,
        l: usize,
        start: &Start,
    ) {
        let day = start.day as f64;
        let mut last_dose_time = None;
        while let Some(&dose) = self.doses.get(self.next_dose).filter(|d| d.day < day) {
            // An uninterrupted run applies a dose on its day, or at day 0 for earlier ones.
            let t = dose.day.max(0.0);
            self.take_dose(batch, l, &dose, t);
            last_dose_time = Some(t);
        }
        if let Some(t) = last_dose_time {
            self.restart_toxin_clock(batch, l, t);
        }
        batch.t[l] = day;
        batch.segment_end[l] = day;
        batch.set_y(l, &start.dynamic);
        self.next_output = start.day + 1;
    }

    /// Give lane `l` the next dose at time `t`: its toxin, and its product's rates from now on.
    fn take_dose<const N: usize, T: LaneReal>(
        &mut self,
        batch: &mut Batch<N, T>,
        l: usize,
        dose: &Dose,
        t: f64,
    ) {
        let parameters = self.parameters;
        self.k_in = dose.product.uptake_rate(parameters);
        self.k_l = dose.product.activity_loss_rate(parameters);
        self.toxin.dose(
            parameters,
            &self.constants,
            &dose.product,
            t,
            dose.concentration,
        );
        batch.set_product(l, parameters, &self.constants, &dose.product);
        self.next_dose += 1;
    }

    /// After the doses at time `t`: the toxin's closed form counts from `t`, with the last
    /// dose's rates.
    fn restart_toxin_clock<const N: usize, T: LaneReal>(
        &mut self,
        batch: &mut Batch<N, T>,
        l: usize,
        t: f64,
    ) {
        self.clock.day_fast = (-self.k_in).exp();
        self.clock.day_slow = (-self.k_l).exp();
        self.t_ref = t;
        self.clock.valid = false;
        batch.set_toxin(l, &self.toxin);
    }

    /// Record day `day` with dynamic state `y`.
    #[inline(always)]
    fn push(&mut self, day: usize, y: &Dynamic) {
        let (slow, fast) = self.clock.at(self.k_l, self.k_in, day, self.t_ref);
        self.recorder.record(&StepDays {
            first_day: day,
            interior: 0,
            with_end: true,
            t0: 0.0,
            inverse_h: 0.0,
            y0: *y,
            r1: [0.0; DYNAMIC_SIZE],
            r2: [0.0; DYNAMIC_SIZE],
            r3: [0.0; DYNAMIC_SIZE],
            r4: [0.0; DYNAMIC_SIZE],
            y1: *y,
            toxin: self.toxin,
            slow,
            fast,
            day_slow: self.clock.day_slow,
            day_fast: self.clock.day_fast,
            last_factors: std::cell::Cell::new(None),
        });
    }

    /// Bookkeeping up to the next step attempt of lane `l`: outputs at `t`, doses due at
    /// `t`, the start of the next segment. False when the horizon is reached.
    fn prepare<const N: usize, T: LaneReal>(
        &mut self,
        batch: &mut Batch<N, T>,
        l: usize,
        days: usize,
        options: &SolverOptions,
    ) -> bool {
        if let Some(start) = self.start.take() {
            self.resume(batch, l, &start);
        }
        if self.complete {
            return false;
        }
        if batch.t[l] < batch.segment_end[l] {
            return true;
        }
        loop {
            let t = batch.t[l];
            // Outputs at the current time (left limit at a dose day), then the doses due now.
            if self.next_output < days && self.next_output as f64 <= t {
                let y = batch.lane_y(l);
                while self.next_output < days && self.next_output as f64 <= t {
                    self.push(self.next_output, &y);
                    self.next_output += 1;
                }
            }
            if self.next_output >= days {
                return false;
            }
            let next_dose = self
                .doses
                .get(self.next_dose)
                .map_or(f64::INFINITY, |d| d.day);
            if next_dose <= t {
                while let Some(&dose) = self.doses.get(self.next_dose).filter(|d| d.day <= t) {
                    self.take_dose(batch, l, &dose, t);
                }
                self.restart_toxin_clock(batch, l, t);
                continue;
            }
            let segment_end = next_dose.min((days - 1) as f64);
            batch.segment_end[l] = segment_end;
            if self.toxin == Toxin::NONE && batch.lane_y(l) == BASELINE_DYNAMIC {
                // Untreated so far: the state stays at baseline (its derivative is zero).
                batch.t[l] = segment_end;
                continue;
            }
            batch.h[l] = options.initial_step.min(segment_end - t);
            self.rejected = false;
            let (slow, fast) = exponentials(self.k_l, self.k_in, t - self.t_ref);
            batch.base_slow[l] = slow;
            batch.base_fast[l] = fast;
            batch.first_stage(l);
            return true;
        }
    }

    /// Acceptance of lane `l`'s attempt, its daily outputs and its next step size.
    #[inline(always)]
    fn conclude<const N: usize, T: LaneReal>(
        &mut self,
        batch: &mut Batch<N, T>,
        l: usize,
        days: usize,
    ) {
        let h = batch.h[l];
        let error = batch.error[l].to_f64();
        // A NaN error (only from non-finite inputs, which the plan checks exclude) is
        // accepted so that the NaN shows in the output instead of the step shrinking forever.
        if error <= 1.0 || h <= 1e-10 || error.is_nan() {
            let t = batch.t[l];
            let segment_end = batch.segment_end[l];
            let last = t + h >= segment_end - 1e-12;
            let t_new = if last { segment_end } else { t + h };
            if self.next_output < days && self.next_output as f64 <= t_new {
                self.emit_step(batch, l, days, t_new);
            }
            batch.t[l] = t_new;
            for i in 0..DYNAMIC_SIZE {
                batch.y[i][l] = batch.y_new[i][l];
                batch.k[0][i][l] = batch.k[6][i][l];
            }
            let fast_done = self.k_in * (t_new - self.t_ref) > 40.0;
            batch.base_slow[l] = batch.end_slow[l];
            batch.base_fast[l] = if fast_done { 0.0 } else { batch.end_fast[l] };
            if self.recorder.may_end_early()
                && self
                    .relaxing(batch, l, days)
                    .is_some_and(|end| self.recorder.complete_once_relaxing(&end))
            {
                // End the lane at its next preparation, which the loop reaches at once.
                self.complete = true;
                batch.segment_end[l] = batch.t[l];
            }
            let mut factor = if error == 0.0 {
                5.0
            } else {
                batch.factor[l].to_f64()
            };
            if self.rejected {
                factor = factor.min(1.0);
            }
            batch.h[l] = h * factor.clamp(0.2, 5.0);
            self.rejected = false;
        } else {
            batch.h[l] = h * batch.factor[l].to_f64().clamp(0.1, 0.9);
            self.rejected = true;
        }
    }

    /// The state at the end of lane `l`'s accepted step (its `t`, `y`, `base_*` already
    /// moved there) if the compartment can only relax from there ([`Relaxing`]).
    #[inline(always)]
    fn relaxing<const N: usize, T: LaneReal>(
        &self,
        batch: &Batch<N, T>,
        l: usize,
        days: usize,
    ) -> Option<Relaxing> {
        let horizon = days.saturating_sub(1) as f64;
        if self
            .doses
            .get(self.next_dose)
            .is_some_and(|d| d.day <= horizon)
        {
            return None;
        }
        let (slow, fast) = (batch.base_slow[l], batch.base_fast[l]);
        // In double precision, from the lane's own toxin (the one its batch lane was given).
        let toxin = &self.toxin;
        // dL/dt = -(k_L a e^(-k_L tau) + k_in c e^(-k_in tau)): negative from here on once
        // negative, since e^(-k_in tau) falls faster than e^(-k_L tau).
        let falling = self.k_l * toxin.a * slow + self.k_in * toxin.c * fast > 0.0;
        if !falling {
            return None;
        }
        let load = pharmacodynamics::load(toxin.a, toxin.c, slow, fast);
        let scale = self.constants.sensitivity / self.parameters.ec50;
        let block = pharmacodynamics::terminal_block_at(load, scale, &batch.hill);
        let level = pharmacodynamics::blockade_level(toxin.coverage, block);
        let blockade = batch.y[model::dynamic::B][l].to_f64();
        (level <= blockade).then_some(Relaxing { blockade, load })
    }

    /// Outputs at integer days in (t, t1] (there is at least one), from the step's dense
    /// output (the state at the step's end for a day at t1).
    #[inline(always)]
    fn emit_step<const N: usize, T: LaneReal>(
        &mut self,
        batch: &Batch<N, T>,
        l: usize,
        days: usize,
        t1: f64,
    ) {
        let t0 = batch.t[l];
        let h = t1 - t0;
        let inverse_h = 1.0 / h;
        // y(t0 + theta h) = y0 + theta (r1 + u (r2 + theta (r3 + u r4))), u = 1 - theta
        // (DENSE_4). `k[0]` is still the step's first stage here.
        let y0 = batch.lane_y(l);
        let y1: Dynamic = std::array::from_fn(|i| batch.y_new[i][l].to_f64());
        let r1: Dynamic = std::array::from_fn(|i| y1[i] - y0[i]);
        let r2: Dynamic = std::array::from_fn(|i| h * batch.k[0][i][l].to_f64() - r1[i]);
        let r3: Dynamic = std::array::from_fn(|i| r1[i] - h * batch.k[6][i][l].to_f64() - r2[i]);
        let r4: Dynamic = std::array::from_fn(|i| h * batch.dense[i][l].to_f64());
        let first = self.next_output;
        // Days d with d <= t1 (t1 >= 0), within the horizon; a day at t1 itself takes the
        // step's end state.
        let last = (t1 as usize).min(days - 1);
        let interior_end = if last as f64 >= t1 { last } else { last + 1 };
        let (day_slow, day_fast) = (self.clock.day_slow, self.clock.day_fast);
        let (slow, fast) = self.clock.at(self.k_l, self.k_in, first, self.t_ref);
        let count = interior_end - first;
        let with_end = interior_end == last;
        let step = StepDays {
            first_day: first,
            interior: count,
            with_end,
            t0,
            inverse_h,
            y0,
            r1,
            r2,
            r3,
            r4,
            y1,
            toxin: self.toxin,
            slow,
            fast,
            day_slow,
            day_fast,
            last_factors: std::cell::Cell::new(None),
        };
        self.recorder.record(&step);
        // The toxin factors of the step's last output day, a day at a time (as the states
        // are made), for the next step's first day.
        let (last_slow, last_fast) = step.last_factors.get().unwrap_or_else(|| {
            let (mut last_slow, mut last_fast) = (slow, fast);
            let (mut next_slow, mut next_fast) = (slow, fast);
            for _ in 0..count {
                (last_slow, last_fast) = (next_slow, next_fast);
                next_slow *= day_slow;
                next_fast *= day_fast;
            }
            if with_end {
                (last_slow, last_fast) = (next_slow, next_fast);
            }
            (last_slow, last_fast)
        });
        self.clock.day = last;
        self.clock.slow = last_slow;
        self.clock.fast = last_fast;
        self.next_output = last + 1;
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
    #[inline(always)]
    fn at(&mut self, k_l: f64, k_in: f64, day: usize, t_ref: f64) -> (f64, f64) {
        if self.valid && day == self.day + 1 {
            self.slow *= self.day_slow;
            self.fast *= self.day_fast;
        } else if !(self.valid && day == self.day) {
            (self.slow, self.fast) = exponentials(k_l, k_in, day as f64 - t_ref);
        }
        self.day = day;
        self.valid = true;
        (self.slow, self.fast)
    }
}

/// Integrate `problems` with `N` lanes: every lane keeps its own step sizes and takes the
/// next problem when its own is done, so a result does not depend on the others.
#[inline(always)]
fn run<const N: usize, T: LaneReal, R: DailyRecorder>(
    problems: &[Problem],
    recorders: Vec<R>,
    days: usize,
    options: &SolverOptions,
) -> Vec<R> {
    let mut recorders = recorders.into_iter();
    let mut out: Vec<Option<R>> = (0..problems.len()).map(|_| None).collect();
    let Some(first) = problems.first() else {
        return Vec::new();
    };
    let mut batch = Batch::<N, T>::new(first.parameters.hill);
    let mut lanes: [Option<Lane<R>>; N] = std::array::from_fn(|_| None);
    let mut next_problem = 0;
    loop {
        let mut active = 0;
        for (l, slot) in lanes.iter_mut().enumerate() {
            loop {
                if slot.is_none() {
                    let Some(problem) = problems.get(next_problem) else {
                        break;
                    };
                    batch.load(l, problem.parameters, problem.constants);
                    let recorder = recorders.next().expect("one recorder per problem");
                    *slot = Some(Lane::new(next_problem, problem, recorder));
                    next_problem += 1;
                }
                let lane = slot.as_mut().expect("just filled");
                // Inside a segment nothing is due: the common case, decided without a call.
                if batch.t[l] < batch.segment_end[l]
                    || (days > 0 && lane.prepare(&mut batch, l, days, options))
                {
                    active += 1;
                    break;
                }
                let lane = slot.take().expect("just used");
                out[lane.index] = Some(lane.recorder);
                // The lane idles on a zero step until a problem fills it.
                batch.h[l] = 0.0;
                batch.segment_end[l] = batch.t[l];
            }
        }
        if active == 0 {
            return out
                .into_iter()
                .map(|recorded| recorded.expect("every problem integrated"))
                .collect();
        }
        batch.attempt(options);
        for (l, slot) in lanes.iter_mut().enumerate() {
            if let Some(lane) = slot {
                lane.conclude(&mut batch, l, days);
            }
        }
    }
}

/// `e^x` for `x <= 0` to about one unit in the last place: `x = n ln 2 + r` with
/// `|r| <= ln 2 / 2`, `e^r` by its Taylor series to `r^13` (next term below 1e-17), and
/// `2^n` from the exponent bits. Written with plain arithmetic so that the compiler turns it
/// into vector instructions over the lanes (the library `exp` is one call per value); the
/// same function serves every lane count, which keeps results bit-identical.
#[inline(always)]
fn exp_nonpositive(x: f64) -> f64 {
    // ln 2 split in two (fdlibm): LN2_HI has 32 significant bits, so n LN2_HI is exact.
    const LN2_HI: f64 = f64::from_bits(0x3FE6_2E42_FEE0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3DEA_39EF_3579_3C76);
    const INV_LN2: f64 = std::f64::consts::LOG2_E;
    const SHIFT: f64 = 6_755_399_441_055_744.0; // 1.5 * 2^52: adding it rounds to an integer
    const INVERSE_FACTORIALS: [f64; 14] = [
        1.0,
        1.0,
        1.0 / 2.0,
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
        1.0 / 5_040.0,
        1.0 / 40_320.0,
        1.0 / 362_880.0,
        1.0 / 3_628_800.0,
        1.0 / 39_916_800.0,
        1.0 / 479_001_600.0,
        1.0 / 6_227_020_800.0,
    ];
    // A comparison rather than `max`, so that NaN stays NaN; -inf gives e^-700 (~1e-304).
    let x = if x < -700.0 { -700.0 } else { x };
    let shifted = x * INV_LN2 + SHIFT;
    let n = shifted - SHIFT;
    let r = (x - n * LN2_HI) - n * LN2_LO;
    let mut p = INVERSE_FACTORIALS[13];
    for coefficient in INVERSE_FACTORIALS[..13].iter().rev() {
        p = p * r + coefficient;
    }
    let n_bits = shifted.to_bits().wrapping_sub(SHIFT.to_bits());
    p * f64::from_bits(n_bits.wrapping_add(1023) << 52)
}

/// The toxin exponentials at the stage times `t + c_s h` of one step from those at `t`:
/// `e^(-k c_s h)` are powers of `u = e^(-k h / 90)` (90 c_s = 18, 27, 72, 80, 90), so a step
/// costs one `exp` per rate instead of one per stage.
#[inline(always)]
fn stage_powers<const N: usize>(u: &Lanes<N>, base: &Lanes<N>) -> [Lanes<N>; 7] {
    let mut out = [[0.0; N]; 7];
    for l in 0..N {
        let u2 = u[l] * u[l];
        let u4 = u2 * u2;
        let u8 = u4 * u4;
        let u9 = u8 * u[l];
        let u18 = u9 * u9;
        let u27 = u18 * u9;
        let u36 = u18 * u18;
        let u72 = u36 * u36;
        let u80 = u72 * u8;
        let u90 = u72 * u18;
        out[0][l] = base[l];
        out[1][l] = base[l] * u18;
        out[2][l] = base[l] * u27;
        out[3][l] = base[l] * u72;
        out[4][l] = base[l] * u80;
        out[5][l] = base[l] * u90;
        out[6][l] = base[l] * u90;
    }
    out
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{index, BASELINE_STATE, STATE_SIZE};

    /// A dose of the reference product.
    fn reference_dose(day: f64, concentration: f64) -> Dose {
        Dose {
            day,
            concentration,
            product: ProductRates::REFERENCE,
        }
    }

    fn constants() -> CompartmentConstants {
        CompartmentConstants {
            mass_g: 1.0,
            sensitivity: 1.0,
            atrophy_susceptibility: 0.1,
        }
    }

    #[test]
    fn toxin_chain_matches_the_analytic_solution_through_doses() {
        // D and L form a linear chain with a closed form; check it across three doses. Each
        // dose adds what the terminals take up (receptor-limited, `taken_up`).
        let parameters = Parameters::TYPICAL;
        let doses = [
            reference_dose(0.0, 10.0),
            reference_dose(30.5, 5.0),
            reference_dose(120.0, 8.0),
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
                let taken = pharmacodynamics::taken_up(&parameters, dose.concentration);
                d += taken * (-k_in * s).exp();
                l += taken * k_in / (k_in - k_l) * ((-k_l * s).exp() - (-k_in * s).exp());
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
            .map(|k| reference_dose(90.0 * k as f64, 10.0))
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
    fn single_precision_lanes_agree_with_double_over_ten_years() {
        // The lanes keep the muscle states in single precision (`Precision`); over a long
        // course of many doses their rounding must not build up. Ten years of a dose every
        // 90 days, against the same solver in double precision and against a tight
        // reference: single precision must stay as close to the reference as double does
        // (the solver's own error, under 1e-4 in `default_tolerance_agrees_...`), and within
        // 1e-5 of double.
        let parameters = Parameters::TYPICAL;
        let days = 3650;
        let doses: Vec<Dose> = (0..40)
            .map(|k| reference_dose(90.0 * k as f64, 4.0 + (k % 3) as f64 * 3.0))
            .collect();
        let constants = constants();
        let problem = Problem {
            parameters: &parameters,
            constants: &constants,
            doses: &doses,
            start: None,
        };
        let options = SolverOptions::default();
        let record = || vec![Vec::<State>::new()];
        let single = run::<1, Precision, _>(&[problem], record(), days, &options).remove(0);
        let double = run::<1, f64, _>(&[problem], record(), days, &options).remove(0);
        let tight_options = SolverOptions {
            relative_tolerance: 1e-11,
            absolute_tolerance: 1e-13,
            max_step: 1.0,
            initial_step: 1e-4,
        };
        let tight = run::<1, f64, _>(&[problem], record(), days, &tight_options).remove(0);
        let largest = |a: &[State], b: &[State]| {
            let mut worst = 0.0f64;
            for (a, b) in a.iter().zip(b) {
                for i in index::B..STATE_SIZE {
                    worst = worst.max((a[i] - b[i]).abs());
                }
            }
            worst
        };
        let (to_double, single_error, double_error) = (
            largest(&single, &double),
            largest(&single, &tight),
            largest(&double, &tight),
        );
        eprintln!(
            "single vs double {to_double:e}; vs reference: single {single_error:e}, \
             double {double_error:e}"
        );
        assert_eq!(single.len(), days);
        assert!(to_double < 1e-5, "single vs double: {to_double:e}");
        assert!(
            single_error < 1e-4 && single_error < 1.1 * double_error,
            "single {single_error:e} against double {double_error:e}"
        );
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
            .map(|k| reference_dose(120.0 * k as f64, 9.0))
            .collect();
        let two_doses = [reference_dose(0.0, 3.0), reference_dose(200.5, 4.0)];
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
                start: None,
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
    fn a_continued_run_is_bit_identical_to_the_uninterrupted_one_from_a_dose_day() {
        let parameters = Parameters {
            k_r0: 0.06,
            ..Parameters::TYPICAL
        };
        let constants = constants();
        // Doses every 120 days, the product changing on the fourth (its rates carry over).
        let mut doses: Vec<Dose> = (0..6)
            .map(|k| reference_dose(120.0 * k as f64, 9.0 - k as f64))
            .collect();
        doses[3].product = ProductRates {
            onset: 1.5,
            recovery: 0.9,
            duration: 1.2,
        };
        let options = SolverOptions::default();
        let whole = integrate(&parameters, &constants, &doses, 800, &options);
        let problem = |start, doses| Problem {
            parameters: &parameters,
            constants: &constants,
            doses,
            start,
        };
        for day in [360, 480, 600] {
            // The history up to the dose day, then its continuation (among other lanes).
            let history = integrate_many(&[problem(None, &doses)], day + 1, &options);
            assert_eq!(history[0].states[..], whole.states[..=day]);
            let start = Start::from_state(day, &history[0].states[day]);
            let continued = integrate_many(
                &[
                    problem(None, &doses[..2]),
                    problem(Some(start), &doses),
                    problem(None, &doses),
                ],
                800,
                &options,
            );
            assert_eq!(
                continued[1].states[..],
                whole.states[day + 1..],
                "from day {day}"
            );
            assert_eq!(continued[2], whole);
        }
        // From a day without a dose the step sizes restart: within the tolerance.
        let day = 200;
        let start = Start::from_state(day, &whole.states[day]);
        let continued = integrate_many(&[problem(Some(start), &doses)], 800, &options);
        for (a, b) in continued[0].states.iter().zip(&whole.states[day + 1..]) {
            for (x, y) in a.iter().zip(b) {
                assert!((x - y).abs() < 1e-4, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn stage_exponentials_match_direct_evaluation() {
        let parameters = Parameters::TYPICAL;
        let c = [0.0, 1.0 / 5.0, 3.0 / 10.0, 4.0 / 5.0, 8.0 / 9.0, 1.0, 1.0];
        for (t, h) in [(0.0, 0.02), (3.0, 1.7), (150.0, 20.0)] {
            let (base_slow, base_fast) = exponentials(parameters.k_l, parameters.k_in, t);
            let slow = stage_powers(&[exp_nonpositive(-parameters.k_l / 90.0 * h)], &[base_slow]);
            let fast = stage_powers(
                &[exp_nonpositive(-parameters.k_in / 90.0 * h)],
                &[base_fast],
            );
            for (stage, c) in c.iter().enumerate() {
                let (exact_slow, exact_fast) =
                    exponentials(parameters.k_l, parameters.k_in, t + c * h);
                let (s, f) = (slow[stage][0], fast[stage][0]);
                assert!(
                    (s - exact_slow).abs() <= 1e-13 * exact_slow,
                    "slow, stage {stage}"
                );
                assert!(
                    (f - exact_fast).abs() <= 1e-13 * exact_fast,
                    "fast, stage {stage}"
                );
            }
        }
    }

    #[test]
    fn exp_nonpositive_is_within_two_ulp_of_the_library() {
        let mut x: f64 = 0.0;
        while x > -745.0 {
            let exact = x.exp();
            let ours = exp_nonpositive(x);
            if x >= -700.0 {
                assert!(
                    (ours - exact).abs() <= 2.0 * f64::EPSILON * exact,
                    "{x}: {ours} vs {exact}"
                );
            } else {
                assert!((0.0..=1e-303).contains(&ours), "{x}: {ours}");
            }
            x -= 0.0137;
        }
        assert_eq!(exp_nonpositive(0.0), 1.0);
        assert!(exp_nonpositive(f64::NAN).is_nan());
    }

    #[test]
    fn absurd_doses_finish_with_finite_output() {
        // The Hill power of such a load overflows; the blockade saturates instead of
        // turning NaN (and a NaN error could otherwise shrink the step forever).
        let doses = [reference_dose(0.0, 1e90)];
        let trajectory = integrate(
            &Parameters::TYPICAL,
            &constants(),
            &doses,
            120,
            &SolverOptions::default(),
        );
        assert_eq!(trajectory.states.len(), 120);
        for state in &trajectory.states {
            assert!(state.iter().all(|v| v.is_finite()), "{state:?}");
        }
        assert!(trajectory.states[60][index::B] > 0.99);
    }

    #[test]
    fn every_instruction_set_gives_the_same_bits() {
        // The run-time dispatch must not change results: compare with the plain build.
        let parameters = Parameters::TYPICAL;
        let doses: Vec<Dose> = (0..4)
            .map(|k| reference_dose(100.0 * k as f64 + 0.5 * k as f64, 4.0 + k as f64))
            .collect();
        let constants = constants();
        let problems: Vec<Problem> = (0..WIDTH + 5)
            .map(|k| Problem {
                parameters: &parameters,
                constants: &constants,
                doses: &doses[k % 4..],
                start: None,
            })
            .collect();
        let options = SolverOptions::default();
        let fresh = || -> Vec<Vec<State>> { vec![Vec::new(); problems.len()] };
        let plain = run::<WIDTH, Precision, _>(&problems, fresh(), 500, &options);
        assert_eq!(dispatch(&problems, fresh(), 500, &options), plain);
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the processor has AVX2.
                assert_eq!(
                    unsafe { run_avx2(&problems, fresh(), 500, &options) },
                    plain
                );
            }
            if std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512dq")
                && std::arch::is_x86_feature_detected!("avx512vl")
            {
                // SAFETY: the processor has these AVX-512 features.
                assert_eq!(
                    unsafe { run_avx512(&problems, fresh(), 500, &options) },
                    plain
                );
            }
        }
        assert_eq!(
            run::<1, Precision, _>(&problems, fresh(), 500, &options),
            plain
        );
        assert_eq!(
            run::<NARROW, Precision, _>(&problems, fresh(), 500, &options),
            plain
        );
    }

    #[test]
    fn inverse_fifth_root_is_close() {
        for x in [1e-12, 1e-3, 0.05, 0.9, 1.0, 1.2, 31.0, 1e4, 1e9] {
            let exact = f64::powf(x, -0.2);
            assert!(
                (x.inverse_fifth_root() - exact).abs() <= 1e-3 * exact,
                "{x}: {} vs {exact}",
                x.inverse_fifth_root()
            );
        }
    }

    #[test]
    fn inverse_fifth_root_single_is_close() {
        for x in [1e-12f32, 1e-3, 0.05, 0.9, 1.0, 1.2, 31.0, 1e4, 1e9] {
            let exact = f64::powf(x as f64, -0.2);
            let single = x.inverse_fifth_root() as f64;
            assert!(
                (single - exact).abs() <= 1e-5 * exact,
                "{x}: {single} vs {exact}"
            );
        }
        // Zero and NaN (an error norm can be either) give no panic and no NaN from zero.
        assert!(0.0f32.inverse_fifth_root().is_finite());
        assert!(f32::NAN.inverse_fifth_root().is_nan());
    }

    /// The model's right-hand side integrated independently: classical RK4 with steps of
    /// 1/512 day, the toxin from the model's closed form with the library `exp`, the blockade
    /// level from `terminal_block`, and `model::derivative`; daily `[B, R, M, F]`.
    fn reference_trajectory(
        parameters: &Parameters,
        constants: &CompartmentConstants,
        doses: &[Dose],
        days: usize,
    ) -> Vec<Dynamic> {
        const STEPS_PER_DAY: usize = 512;
        let h = 1.0 / STEPS_PER_DAY as f64;
        let mut toxin = Toxin::NONE;
        let mut rates = Rates::new(parameters, constants, &ProductRates::REFERENCE);
        let mut y = BASELINE_DYNAMIC;
        let mut out = vec![y];
        let level = |toxin: &Toxin, t: f64| {
            let (_, l) = toxin.at(t);
            pharmacodynamics::blockade_level(
                toxin.coverage,
                pharmacodynamics::terminal_block(parameters, constants, l),
            )
        };
        let mut next_dose = 0;
        for step in 0..(days - 1) * STEPS_PER_DAY {
            let t = step as f64 * h;
            while let Some(dose) = doses.get(next_dose).filter(|d| d.day <= t) {
                toxin.dose(parameters, constants, &dose.product, t, dose.concentration);
                rates = Rates::new(parameters, constants, &dose.product);
                next_dose += 1;
            }
            let f = |t: f64, y: &Dynamic| model::derivative(&rates, level(&toxin, t), y);
            let shifted =
                |k: &Dynamic, by: f64| -> Dynamic { std::array::from_fn(|i| y[i] + by * k[i]) };
            let k1 = f(t, &y);
            let k2 = f(t + h / 2.0, &shifted(&k1, h / 2.0));
            let k3 = f(t + h / 2.0, &shifted(&k2, h / 2.0));
            let k4 = f(t + h, &shifted(&k3, h));
            for i in 0..DYNAMIC_SIZE {
                y[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
            }
            if (step + 1) % STEPS_PER_DAY == 0 {
                out.push(y);
            }
        }
        out
    }

    #[test]
    fn the_solver_integrates_the_model_derivative() {
        // Two products: the second dose's onset is twice as fast and its recovery slower, so
        // the product rates must reach the integrated equations for the two to agree.
        let parameters = Parameters::TYPICAL;
        let masseter = CompartmentConstants {
            mass_g: 24.0,
            sensitivity: 1.2,
            atrophy_susceptibility: 0.75,
        };
        let doses = [
            reference_dose(0.0, 9.0),
            Dose {
                day: 150.0,
                concentration: 6.0,
                product: ProductRates {
                    onset: 2.0,
                    recovery: 0.7,
                    duration: 1.0,
                },
            },
        ];
        let days = 400;
        let solver = integrate(
            &parameters,
            &masseter,
            &doses,
            days,
            &SolverOptions::default(),
        );
        let reference = reference_trajectory(&parameters, &masseter, &doses, days);
        let mut worst = 0.0f64;
        for (state, exact) in solver.states.iter().zip(&reference) {
            for (i, index) in [index::B, index::R, index::M, index::F]
                .into_iter()
                .enumerate()
            {
                worst = worst.max((state[index] - exact[i]).abs());
            }
        }
        eprintln!("largest difference from RK4 of model::derivative: {worst:e}");
        assert!(worst < 1e-4, "largest difference {worst}");
        // The reference is not trivially close: the blockade is deep and the mass moves.
        assert!(reference.iter().any(|y| y[dynamic::B] > 0.5));
        assert!(reference.iter().any(|y| y[dynamic::M] < 0.8));
    }

    /// First day on which `B` reaches half of its peak over the horizon.
    fn day_of_half_peak(trajectory: &Trajectory) -> usize {
        let peak = trajectory
            .states
            .iter()
            .map(|s| s[index::B])
            .fold(0.0, f64::max);
        trajectory
            .states
            .iter()
            .position(|s| s[index::B] >= peak / 2.0)
            .expect("the peak is reached")
    }

    #[test]
    fn a_faster_onset_product_reaches_half_its_peak_earlier() {
        let parameters = Parameters::TYPICAL;
        let run = |onset: f64, recovery: f64| {
            let dose = Dose {
                day: 0.0,
                concentration: 8.0,
                product: ProductRates {
                    onset,
                    recovery,
                    duration: 1.0,
                },
            };
            integrate(
                &parameters,
                &constants(),
                &[dose],
                365,
                &SolverOptions::default(),
            )
        };
        let reference = run(1.0, 1.0);
        let fast = run(2.0, 1.0);
        let (reference_day, fast_day) = (day_of_half_peak(&reference), day_of_half_peak(&fast));
        eprintln!("half peak: day {fast_day} with onset x2, day {reference_day} without");
        assert!(fast_day < reference_day);
        // Twice the uptake and onset rates run the onset twice as fast: day d with the
        // factor looks like day 2d without it (the slow loss of toxin, k_L, barely differs).
        for day in 1..6 {
            let (fast_b, reference_b) = (
                fast.states[day][index::B],
                reference.states[2 * day][index::B],
            );
            assert!(
                (fast_b - reference_b).abs() < 1e-3,
                "B {fast_b} on day {day} with onset x2, {reference_b} on day {} without",
                2 * day
            );
        }
        // Recovery: with half the recovery rate the blockade falls below half its peak later.
        let below_half_after_peak = |trajectory: &Trajectory| {
            let peak_day = day_of_half_peak(trajectory) + 10;
            let peak = trajectory.states[peak_day][index::B];
            (peak_day..365)
                .find(|&day| trajectory.states[day][index::B] < peak / 2.0)
                .expect("recovered within the year")
        };
        let slow_recovery = run(1.0, 0.5);
        let (reference_end, slow_end) = (
            below_half_after_peak(&reference),
            below_half_after_peak(&slow_recovery),
        );
        eprintln!("half recovered: day {slow_end} with recovery x0.5, day {reference_end} without");
        assert!(
            slow_end >= reference_end + 5,
            "half recovered on day {slow_end} with recovery x0.5, {reference_end} without"
        );
        // A factor of 1 is the model unchanged, to the bit.
        assert_eq!(
            reference,
            integrate(
                &parameters,
                &constants(),
                &[reference_dose(0.0, 8.0)],
                365,
                &SolverOptions::default()
            )
        );
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
