//! Integration of a plan's compartments through their dosing events.
//!
//! The toxin chain (`D`, `L`) is exact (closed form); the muscle states `B`, `R`, `M`, `F`
//! are integrated by Dormand-Prince 5(4) with error control, restarted at every dose day (`L`
//! changes slope there, so no step may straddle a dose), with daily output from the method's
//! own order-4 continuous extension. Compartments are stepped in lock-step groups: one step
//! size and one pair of toxin exponentials per stage for the group. Hand-written rather than
//! a general ODE crate because each compartment is four states and the group shares its
//! exponentials, which keeps a whole face within a benchmark budget of microseconds
//! (`docs/performance.md`). Accuracy is checked against an analytic solution and a
//! tight-tolerance reference in the tests below.

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
const C: [f64; 7] = [0.0, 1.0 / 5.0, 3.0 / 10.0, 4.0 / 5.0, 8.0 / 9.0, 1.0, 1.0];
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

#[inline]
fn combine(y: &Dynamic, h: f64, coefficients: &[f64], k: &[Dynamic; 7]) -> Dynamic {
    let mut out = *y;
    for (j, &a) in coefficients.iter().enumerate() {
        if a != 0.0 {
            for i in 0..DYNAMIC_SIZE {
                out[i] += h * a * k[j][i];
            }
        }
    }
    out
}

/// Dormand-Prince's continuous extension of order 4 (Hairer, Norsett & Wanner; the
/// coefficients of SciPy's RK45): the state at `t0 + theta h` from the step's stages,
/// more accurate than cubic Hermite interpolation between the step's ends at no extra cost.
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

fn dense(t0: f64, y0: &Dynamic, k: &[Dynamic; 7], t1: f64, t: f64) -> Dynamic {
    let h = t1 - t0;
    let theta = (t - t0) / h;
    let powers = [
        theta,
        theta * theta,
        theta * theta * theta,
        theta * theta * theta * theta,
    ];
    let mut out = *y0;
    for (stage, row) in k.iter().zip(DENSE.iter()) {
        let weight =
            h * (row[0] * powers[0] + row[1] * powers[1] + row[2] * powers[2] + row[3] * powers[3]);
        if weight != 0.0 {
            for i in 0..DYNAMIC_SIZE {
                out[i] += weight * stage[i];
            }
        }
    }
    out
}

/// Integrate one compartment from the untreated state over `days` days (outputs at
/// integer days 0..days-1). Doses must be sorted by day; doses after the horizon are ignored.
pub fn integrate(
    parameters: &Parameters,
    constants: &CompartmentConstants,
    doses: &[Dose],
    days: usize,
    options: &SolverOptions,
) -> Trajectory {
    let lane = Lane {
        constants: *constants,
        doses: doses.to_vec(),
    };
    integrate_lockstep(parameters, std::slice::from_ref(&lane), days, options)
        .pop()
        .unwrap_or_default()
}

/// One compartment of a lock-step integration: its constants and doses (sorted by day).
#[derive(Debug, Clone)]
pub struct Lane {
    pub constants: CompartmentConstants,
    pub doses: Vec<Dose>,
}

/// Integrate several compartments of one plan together: one step size for all (the
/// smallest any of them needs) and one pair of toxin exponentials per stage for all, since
/// every compartment's toxin is referred to the last dose day of the plan. Same method,
/// tolerances and outputs as [`integrate`]; faster when compartments share dose days, as
/// the compartments of one plan do. Lanes with no dose are returned untreated.
pub fn integrate_lockstep(
    parameters: &Parameters,
    lanes: &[Lane],
    days: usize,
    options: &SolverOptions,
) -> Vec<Trajectory> {
    let n = lanes.len();
    let mut states: Vec<Vec<State>> = (0..n).map(|_| Vec::with_capacity(days)).collect();
    if days == 0 || n == 0 {
        return states
            .into_iter()
            .map(|states| Trajectory { states })
            .collect();
    }
    let end = (days - 1) as f64;
    let mut events: Vec<f64> = lanes
        .iter()
        .flat_map(|lane| lane.doses.iter().map(|d| d.day))
        .filter(|&day| day <= end)
        .collect();
    events.sort_by(|a, b| a.total_cmp(b));
    events.dedup();
    let mut toxins = vec![Toxin::NONE; n];
    let curves: Vec<HillCurve> = lanes
        .iter()
        .map(|lane| HillCurve::new(parameters, &lane.constants))
        .collect();
    let mut next_dose = vec![0usize; n];
    let mut y = vec![BASELINE_DYNAMIC; n];
    let mut k: Vec<[Dynamic; 7]> = vec![[[0.0; DYNAMIC_SIZE]; 7]; n];
    let mut stage = vec![[0.0; DYNAMIC_SIZE]; n];
    let mut y_new = vec![[0.0; DYNAMIC_SIZE]; n];
    let day_factors = ((-parameters.k_in).exp(), (-parameters.k_l).exp());
    let mut t = 0.0;
    let mut t_ref = 0.0;
    let mut next_output = 0usize;
    let mut event_index = 0;

    // Outputs of all lanes at integer days in (t0, t1], from the step's dense output.
    #[allow(clippy::too_many_arguments)]
    fn emit(
        states: &mut [Vec<State>],
        next_output: &mut usize,
        days: usize,
        t0: f64,
        t1: f64,
        t_ref: f64,
        parameters: &Parameters,
        toxins: &[Toxin],
        y0: &[Dynamic],
        y1: &[Dynamic],
        k: &[[Dynamic; 7]],
        day_factors: (f64, f64),
    ) {
        let mut factors: Option<(f64, f64)> = None;
        while *next_output < days && (*next_output as f64) <= t1 {
            let day = *next_output as f64;
            let (fast, slow) = match factors {
                Some((fast, slow)) => (fast * day_factors.0, slow * day_factors.1),
                None => {
                    let tau = day - t_ref;
                    (
                        (-parameters.k_in * tau).exp(),
                        (-parameters.k_l * tau).exp(),
                    )
                }
            };
            factors = Some((fast, slow));
            for (lane, out) in states.iter_mut().enumerate() {
                let y_day = if day >= t1 || t1 <= t0 {
                    y1[lane]
                } else {
                    dense(t0, &y0[lane], &k[lane], t1, day)
                };
                let toxin = &toxins[lane];
                out.push(model::full_state(
                    toxin.d * fast,
                    toxin.load_from(slow, fast),
                    &y_day,
                ));
            }
            *next_output += 1;
        }
    }

    loop {
        // Outputs at the current time (left limit at a dose day), then the doses due now.
        emit(
            &mut states,
            &mut next_output,
            days,
            t,
            t,
            t_ref,
            parameters,
            &toxins,
            &y,
            &y,
            &k,
            day_factors,
        );
        if next_output >= days {
            break;
        }
        if event_index < events.len() && events[event_index] <= t {
            for (lane, toxin) in toxins.iter_mut().enumerate() {
                toxin.rereference(parameters, t);
                while next_dose[lane] < lanes[lane].doses.len()
                    && lanes[lane].doses[next_dose[lane]].day <= t
                {
                    toxin.dose(
                        parameters,
                        &lanes[lane].constants,
                        t,
                        lanes[lane].doses[next_dose[lane]].concentration,
                    );
                    next_dose[lane] += 1;
                }
            }
            t_ref = t;
            event_index += 1;
            continue;
        }
        let segment_end = if event_index < events.len() {
            events[event_index].min(end)
        } else {
            end
        };
        let effects = |time: f64| exponentials(parameters, time - t_ref);
        let lane_effect = |lane: usize, toxins: &[Toxin], slow: f64, fast: f64| {
            toxins[lane].effect_from(&curves[lane], slow, fast)
        };
        let mut h = options.initial_step.min(segment_end - t);
        {
            let (slow, fast) = effects(t);
            for lane in 0..n {
                let e = lane_effect(lane, &toxins, slow, fast);
                k[lane][0] = model::derivative(parameters, &lanes[lane].constants, e, &y[lane]);
            }
        }
        while t < segment_end {
            h = h.min(segment_end - t).min(options.max_step);
            let last = t + h >= segment_end - 1e-12;
            let tableau: [(&[f64], f64); 5] = [
                (&A2, C[1]),
                (&A3, C[2]),
                (&A4, C[3]),
                (&A5, C[4]),
                (&A6, C[5]),
            ];
            let mut end_exponentials = (0.0, 0.0);
            for (s_index, (coefficients, c)) in tableau.iter().enumerate() {
                let (slow, fast) = effects(t + c * h);
                if s_index == 4 {
                    end_exponentials = (slow, fast);
                }
                for lane in 0..n {
                    stage[lane] = combine(&y[lane], h, coefficients, &k[lane]);
                    let e = lane_effect(lane, &toxins, slow, fast);
                    k[lane][s_index + 1] =
                        model::derivative(parameters, &lanes[lane].constants, e, &stage[lane]);
                }
            }
            let mut error: f64 = 0.0;
            for lane in 0..n {
                y_new[lane] = combine(&y[lane], h, &B5, &k[lane]);
                let e = lane_effect(lane, &toxins, end_exponentials.0, end_exponentials.1);
                k[lane][6] = model::derivative(parameters, &lanes[lane].constants, e, &y_new[lane]);
                let mut lane_error = 0.0;
                for i in 0..DYNAMIC_SIZE {
                    let mut estimate = 0.0;
                    for (j, ej) in E.iter().enumerate() {
                        estimate += ej * k[lane][j][i];
                    }
                    let scale = options.absolute_tolerance
                        + options.relative_tolerance * y[lane][i].abs().max(y_new[lane][i].abs());
                    lane_error += (h * estimate / scale).powi(2);
                }
                error = error.max((lane_error / DYNAMIC_SIZE as f64).sqrt());
            }
            if error <= 1.0 || h <= 1e-10 {
                let t_new = if last { segment_end } else { t + h };
                emit(
                    &mut states,
                    &mut next_output,
                    days,
                    t,
                    t_new,
                    t_ref,
                    parameters,
                    &toxins,
                    &y,
                    &y_new,
                    &k,
                    day_factors,
                );
                t = t_new;
                std::mem::swap(&mut y, &mut y_new);
                for lane in k.iter_mut() {
                    lane[0] = lane[6];
                }
                let factor = if error == 0.0 {
                    5.0
                } else {
                    0.9 * error.powf(-0.2)
                };
                h *= factor.clamp(0.2, 5.0);
            } else {
                h *= (0.9 * error.powf(-0.2)).clamp(0.1, 0.9);
            }
        }
    }
    states
        .into_iter()
        .map(|states| Trajectory { states })
        .collect()
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
    fn lockstep_agrees_with_one_compartment_at_a_time() {
        let parameters = Parameters::TYPICAL;
        let lanes = vec![
            Lane {
                constants: constants(),
                doses: (0..6)
                    .map(|k| Dose {
                        day: 120.0 * k as f64,
                        concentration: 9.0,
                    })
                    .collect(),
            },
            Lane {
                constants: CompartmentConstants {
                    mass_g: 24.0,
                    sensitivity: 1.3,
                    atrophy_susceptibility: 0.75,
                },
                doses: vec![
                    Dose {
                        day: 0.0,
                        concentration: 3.0,
                    },
                    Dose {
                        day: 200.5,
                        concentration: 4.0,
                    },
                ],
            },
            Lane {
                constants: constants(),
                doses: vec![],
            },
        ];
        let together = integrate_lockstep(&parameters, &lanes, 730, &SolverOptions::default());
        let mut worst = 0.0f64;
        for (lane, trajectory) in lanes.iter().zip(&together) {
            let alone = integrate(
                &parameters,
                &lane.constants,
                &lane.doses,
                730,
                &SolverOptions::default(),
            );
            assert_eq!(alone.states.len(), trajectory.states.len());
            for (a, b) in alone.states.iter().zip(&trajectory.states) {
                for i in 0..STATE_SIZE {
                    worst = worst.max((a[i] - b[i]).abs() / (1.0 + a[i].abs()));
                }
            }
        }
        eprintln!("largest relative difference lockstep vs alone: {worst:e}");
        assert!(worst < 1e-4, "{worst}");
        for state in &together[2].states {
            for i in 0..STATE_SIZE {
                assert!(
                    (state[i] - BASELINE_STATE[i]).abs() < 1e-12,
                    "untreated lane moved: {state:?}"
                );
            }
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
