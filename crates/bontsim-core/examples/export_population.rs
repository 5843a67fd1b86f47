//! Exports virtual patients for the side-by-side Python benchmark (`bench/run_peers.sh`,
//! `bench/python/peer.py`): for each patient of a trial, the inputs of ONE compartment (the
//! left corrugator supercilii) and bontsim's daily blockade, mass and strength there.
//!
//! ```text
//! cargo run --release -p bontsim-core --example export_population -- \
//!     --patients 1000 --seed 1 --days 365 --output /tmp/population.json \
//!     [bench/plans/glabella_20u_single.toml]
//! ```
//!
//! Per patient: the individual `Parameters`, the compartment constants, the doses that reach
//! the compartment after spread and same-day merging (day, concentration in U/g^alpha,
//! computed exactly as `simulation::simulate` does), the toxin's closed form and the
//! right-hand side's rates from each dose on (`segments`: what `model::derivative` is given,
//! so that a peer integrates the same equations without re-deriving the dose's uptake,
//! coverage and product rates), and bontsim's daily output from
//! `simulate` (what `bontsim trial` computes). The deposits are checked against simulate's
//! `total_units` for the compartment (bit for bit, same summation order), and integrating the
//! doses alone with `solve::integrate` must agree with simulate's trajectory (the largest
//! difference is exported as `integrate_alone_vs_simulate`).
//!
//! It also times `solve::integrate` on exactly those inputs (one thread, the same work a
//! peer does per patient) and writes it as `bontsim_integrate`, and `simulation::simulate`
//! of the whole plan per patient (one thread) as `bontsim_simulate`.

use bontsim_core::anatomy::{Anatomy, Side};
use bontsim_core::model::pharmacodynamics::Toxin;
use bontsim_core::model::{self, index, CompartmentConstants, Parameters, Rates, State};
use bontsim_core::plan::{Format, Plan};
use bontsim_core::population::{virtual_patient, Variability};
use bontsim_core::simulation::{compartment_constants, muscle_parameters, simulate};
use bontsim_core::solve::{
    integrate, integrate_many, Dose, Problem, SolverOptions, Trajectory, WIDTH,
};
use rayon::prelude::*;
use serde::Serialize;
use std::io::Write;
use std::time::Instant;

const DEFAULT_PLAN: &str = "bench/plans/glabella_20u_single.toml";
const MUSCLE: &str = "corrugator_supercilii";
const SIDE: Side = Side::Left;

#[derive(Serialize)]
struct ExportedDose {
    day: f64,
    concentration: f64,
}

/// From a dose day on: the toxin's closed form `L = a e^(-k_l tau) + c e^(-k_in tau)`,
/// `tau = t - t_ref`, its coverage `P`, and the rates of `model::derivative`, with the blockade
/// level `E = P x^h / (1 + x^h)`, `x = max(L, 0) scale` (`scale` = sensitivity / EC50).
#[derive(Serialize)]
struct ExportedSegment {
    t_ref: f64,
    a: f64,
    c: f64,
    coverage: f64,
    k_in: f64,
    k_l: f64,
    scale: f64,
    hill: f64,
    k_on: f64,
    k_r0: f64,
    rho_r: f64,
    k_r_in: f64,
    k_r_out: f64,
    k_gain: f64,
    k_loss: f64,
    rho_f: f64,
    rho_a: f64,
    k_f: f64,
    k_fd: f64,
    contractile_floor: f64,
}

/// The segments of one compartment's doses, made by the same `Toxin::dose` and
/// `Rates::new` as the solver (doses are one per day after merging).
fn segments(
    parameters: &Parameters,
    constants: &CompartmentConstants,
    doses: &[Dose],
) -> Vec<ExportedSegment> {
    let mut toxin = Toxin::NONE;
    doses
        .iter()
        .map(|dose| {
            let t = dose.day.max(0.0);
            toxin.dose(parameters, constants, &dose.product, t, dose.concentration);
            let rates = Rates::new(parameters, constants, &dose.product);
            ExportedSegment {
                t_ref: toxin.t_ref,
                a: toxin.a,
                c: toxin.c,
                coverage: toxin.coverage,
                k_in: toxin.k_in,
                k_l: toxin.k_l,
                scale: constants.sensitivity / parameters.ec50,
                hill: parameters.hill,
                k_on: rates.k_on,
                k_r0: rates.k_r0,
                rho_r: rates.rho_r,
                k_r_in: rates.k_r_in,
                k_r_out: rates.k_r_out,
                k_gain: rates.k_gain,
                k_loss: rates.k_loss,
                rho_f: rates.rho_f,
                rho_a: rates.rho_a,
                k_f: rates.k_f,
                k_fd: rates.k_fd,
                contractile_floor: rates.contractile_floor,
            }
        })
        .collect()
}

#[derive(Serialize)]
struct ExportedConstants {
    mass_g: f64,
    sensitivity: f64,
    atrophy_susceptibility: f64,
}

#[derive(Serialize)]
struct ExportedPatient {
    index: u64,
    parameters: Parameters,
    constants: ExportedConstants,
    doses: Vec<ExportedDose>,
    segments: Vec<ExportedSegment>,
    blockade: Vec<f64>,
    mass: Vec<f64>,
    strength: Vec<f64>,
}

#[derive(Serialize)]
struct ExportedSolver {
    relative_tolerance: f64,
    absolute_tolerance: f64,
    max_step: f64,
    initial_step: f64,
}

#[derive(Serialize)]
struct Timing {
    /// Patients integrated per repetition.
    patients: usize,
    repetitions: usize,
    /// Fastest repetition (s).
    best_seconds: f64,
    microseconds_per_patient: f64,
}

impl Timing {
    /// The fastest of `repetitions` runs of `run` over `patients` (per patient: divided by at
    /// least 1). `run` returns a checksum of its output, kept from the optimiser.
    fn best_of(repetitions: usize, patients: usize, mut run: impl FnMut() -> f64) -> Self {
        let mut best_seconds = f64::INFINITY;
        for _ in 0..repetitions {
            let start = Instant::now();
            std::hint::black_box(run());
            best_seconds = best_seconds.min(start.elapsed().as_secs_f64());
        }
        Timing {
            patients,
            repetitions,
            best_seconds,
            microseconds_per_patient: best_seconds * 1e6 / patients.max(1) as f64,
        }
    }
}

#[derive(Serialize)]
struct Export {
    plan: String,
    seed: u64,
    days: usize,
    muscle: &'static str,
    side: &'static str,
    solver: ExportedSolver,
    bontsim_integrate: Timing,
    /// The same compartments through `solve::integrate_many`, one batch of `WIDTH` patients
    /// (one per vector lane) at a time, one thread: how `simulate` and `bontsim trial` run them.
    bontsim_integrate_many: Timing,
    /// The same batches spread over all the machine's cores (rayon, one batch per task):
    /// time per patient on the whole machine.
    bontsim_integrate_many_all_cores: Timing,
    /// Threads of that run (rayon's default pool: one per core).
    threads: usize,
    /// `simulation::simulate` of the whole plan per patient (every compartment the plan
    /// reaches; identical left/right inputs integrated once), one thread.
    bontsim_simulate: Timing,
    /// Compartments `simulate` returns per patient (mean), and how many of them it
    /// integrates (distinct inputs; mean).
    compartments_per_patient: f64,
    integrations_per_patient: f64,
    /// Largest |B|, |M|, |S| difference between `solve::integrate` of the compartment alone
    /// and the trajectory `simulate` returned for it, over all patients and days.
    integrate_alone_vs_simulate: f64,
    patients: Vec<ExportedPatient>,
}

struct Arguments {
    patients: u64,
    seed: u64,
    days: usize,
    output: String,
    plan: String,
    repetitions: usize,
    options: SolverOptions,
}

fn usage() -> ! {
    eprintln!(
        "usage: export_population --patients N --seed S --days D --output FILE.json \
         [--repetitions R] [--max-step DAYS] [--rtol X] [--atol X] \
         [PLAN (default {DEFAULT_PLAN})]\n\
         --max-step/--rtol/--atol change bontsim's SolverOptions (diagnostics only; the \
         defaults are what `bontsim trial` uses)"
    );
    std::process::exit(2);
}

fn parse_arguments() -> Arguments {
    let mut arguments = Arguments {
        patients: 1000,
        seed: 1,
        days: 365,
        output: String::new(),
        plan: DEFAULT_PLAN.to_string(),
        repetitions: 5,
        options: SolverOptions::default(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(argument) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage());
        match argument.as_str() {
            "--patients" => arguments.patients = value().parse().unwrap_or_else(|_| usage()),
            "--seed" => arguments.seed = value().parse().unwrap_or_else(|_| usage()),
            "--days" => arguments.days = value().parse().unwrap_or_else(|_| usage()),
            "--output" => arguments.output = value(),
            "--repetitions" => arguments.repetitions = value().parse().unwrap_or_else(|_| usage()),
            "--max-step" => {
                arguments.options.max_step = value().parse().unwrap_or_else(|_| usage())
            }
            "--rtol" => {
                arguments.options.relative_tolerance = value().parse().unwrap_or_else(|_| usage())
            }
            "--atol" => {
                arguments.options.absolute_tolerance = value().parse().unwrap_or_else(|_| usage())
            }
            "-h" | "--help" => usage(),
            other if other.starts_with("--") => usage(),
            other => arguments.plan = other.to_string(),
        }
    }
    if arguments.output.is_empty() || arguments.days == 0 || arguments.repetitions == 0 {
        usage();
    }
    arguments
}

/// The doses reaching `compartment` and its total units, from the same function
/// `simulation::simulate` uses (empty below `NEGLIGIBLE_UNITS`, where it is not simulated).
fn compartment_doses(plan: &Plan, parameters: &Parameters, compartment: usize) -> (Vec<Dose>, f64) {
    bontsim_core::simulation::compartment_doses(plan, parameters)
        .0
        .into_iter()
        .find(|item| item.compartment == compartment)
        .map(|item| (item.doses, item.total_units))
        .unwrap_or_default()
}

fn main() {
    let arguments = parse_arguments();
    let text = std::fs::read_to_string(&arguments.plan).unwrap_or_else(|e| {
        eprintln!("cannot read {}: {e}", arguments.plan);
        std::process::exit(1);
    });
    let format = if arguments.plan.ends_with(".json") {
        Format::Json
    } else {
        Format::Toml
    };
    let plan = Plan::parse(&text, format).unwrap_or_else(|e| {
        eprintln!("{}: {e}", arguments.plan);
        std::process::exit(1);
    });
    let muscle = Anatomy::get()
        .index_of(MUSCLE)
        .expect("corrugator_supercilii is in the anatomy");
    let compartment = Anatomy::compartment(muscle, SIDE);
    let options = arguments.options;
    let variability = Variability::default();

    let mut inputs: Vec<(Parameters, CompartmentConstants, Vec<Dose>)> = Vec::new();
    let mut virtual_patients = Vec::new();
    let mut patients = Vec::new();
    let (mut compartments_total, mut integrations_total) = (0usize, 0usize);
    let mut alone_vs_simulate = 0.0f64;
    for i in 0..arguments.patients {
        let patient = virtual_patient(&plan, &Parameters::TYPICAL, &variability, arguments.seed, i);
        let parameters = patient.parameters;
        let simulation = simulate(&patient.plan, &parameters, arguments.days, &options);
        // Distinct (constants, doses) among the simulated compartments: what simulate
        // integrates (it integrates identical inputs once).
        let mut distinct: Vec<(CompartmentConstants, Vec<Dose>)> = Vec::new();
        for result in &simulation.compartments {
            let c = Anatomy::compartment(result.muscle, result.side);
            let key = (
                result.constants,
                compartment_doses(&patient.plan, &parameters, c).0,
            );
            if !distinct.contains(&key) {
                distinct.push(key);
            }
        }
        compartments_total += simulation.compartments.len();
        integrations_total += distinct.len();
        let constants = compartment_constants(&patient.plan, muscle);
        let (doses, total_units) = compartment_doses(&patient.plan, &parameters, compartment);
        let states: Vec<State> = match simulation.compartment(muscle, SIDE) {
            Some(result) => {
                assert_eq!(result.constants, constants, "patient {i}: constants differ");
                // Same deposits, summed in the same order as simulate: bit for bit.
                assert_eq!(
                    result.total_units, total_units,
                    "patient {i}: recomputed deposits differ from simulate's"
                );
                result.states.to_vec()
            }
            // Below `NEGLIGIBLE_UNITS` the compartment is not simulated: untreated baseline.
            None => vec![model::BASELINE_STATE; arguments.days],
        };
        // bontsim integrating this compartment alone (`solve::integrate`, what is timed
        // below) against what `simulate` returned for it (which may integrate several
        // compartments together): equal up to the solver's tolerance.
        let alone = integrate(&parameters, &constants, &doses, arguments.days, &options);
        for (a, b) in alone.states.iter().zip(&states) {
            let difference = (a[index::B] - b[index::B])
                .abs()
                .max((a[index::M] - b[index::M]).abs())
                .max((model::strength(a) - model::strength(b)).abs());
            alone_vs_simulate = alone_vs_simulate.max(difference);
        }
        if alone_vs_simulate > 1e-2 {
            eprintln!("patient {i}: integrating the recomputed doses departs from simulate by {alone_vs_simulate}");
            std::process::exit(1);
        }
        patients.push(ExportedPatient {
            index: i,
            parameters,
            constants: ExportedConstants {
                mass_g: constants.mass_g,
                sensitivity: constants.sensitivity,
                atrophy_susceptibility: constants.atrophy_susceptibility,
            },
            doses: doses
                .iter()
                .map(|d| ExportedDose {
                    day: d.day,
                    concentration: d.concentration,
                })
                .collect(),
            segments: segments(&muscle_parameters(&parameters, muscle), &constants, &doses),
            blockade: states.iter().map(|s| s[index::B]).collect(),
            mass: states.iter().map(|s| s[index::M]).collect(),
            strength: states.iter().map(model::strength).collect(),
        });
        inputs.push((parameters, constants, doses));
        virtual_patients.push(patient);
    }

    // Each run returns a checksum of its output, so that none of the work can be skipped.
    let repetitions = arguments.repetitions;
    let last_mass = |trajectory: &Trajectory| trajectory.states[arguments.days - 1][index::M];
    // Time exactly the peers' work: one compartment per patient, one thread.
    let timing = Timing::best_of(repetitions, inputs.len(), || {
        inputs
            .iter()
            .map(|(parameters, constants, doses)| {
                last_mass(&integrate(
                    parameters,
                    constants,
                    doses,
                    arguments.days,
                    &options,
                ))
            })
            .sum()
    });
    // The same, one batch of WIDTH patients (one per vector lane) at a time.
    let problems: Vec<Problem> = inputs
        .iter()
        .map(|(parameters, constants, doses)| Problem {
            parameters,
            constants,
            doses,
            start: None,
        })
        .collect();
    let integrate_batch = |batch: &[Problem]| -> f64 {
        integrate_many(batch, arguments.days, &options)
            .iter()
            .map(last_mass)
            .sum()
    };
    let many_timing = Timing::best_of(repetitions, inputs.len(), || {
        problems.chunks(WIDTH).map(integrate_batch).sum()
    });
    // The same batches on every core, as `bontsim trial` runs its patients.
    let all_cores_timing = Timing::best_of(repetitions, inputs.len(), || {
        problems.par_chunks(WIDTH).map(integrate_batch).sum()
    });
    let count = inputs.len().max(1);
    // The whole plan per patient, as `bontsim trial --threads 1` simulates it (without the
    // metrics, aggregation and output that the trial adds).
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("one-thread pool");
    let simulate_timing = pool.install(|| {
        Timing::best_of(repetitions, virtual_patients.len(), || {
            virtual_patients
                .iter()
                .map(|patient| {
                    simulate(&patient.plan, &patient.parameters, arguments.days, &options)
                        .compartments
                        .len() as f64
                })
                .sum()
        })
    });
    eprintln!(
        "solve::integrate_many, {MUSCLE} {}, {} patients x {} days, {WIDTH} at a time: best of {} = {:.4} s ({:.2} us per patient)",
        SIDE.name(),
        many_timing.patients,
        arguments.days,
        many_timing.repetitions,
        many_timing.best_seconds,
        many_timing.microseconds_per_patient
    );
    let threads = rayon::current_num_threads();
    eprintln!(
        "solve::integrate_many, the same on {threads} threads: best of {} = {:.4} s ({:.2} us per patient)",
        all_cores_timing.repetitions,
        all_cores_timing.best_seconds,
        all_cores_timing.microseconds_per_patient
    );
    eprintln!(
        "solve::integrate, {MUSCLE} {}, {} patients x {} days: best of {} = {:.4} s ({:.2} us per patient)",
        SIDE.name(),
        timing.patients,
        arguments.days,
        timing.repetitions,
        timing.best_seconds,
        timing.microseconds_per_patient
    );
    eprintln!(
        "simulation::simulate, whole plan ({:.1} compartments, {:.1} integrated per patient): \
         best of {} = {:.4} s ({:.2} us per patient)",
        compartments_total as f64 / count as f64,
        integrations_total as f64 / count as f64,
        simulate_timing.repetitions,
        simulate_timing.best_seconds,
        simulate_timing.microseconds_per_patient
    );

    let export = Export {
        plan: arguments.plan.clone(),
        seed: arguments.seed,
        days: arguments.days,
        muscle: MUSCLE,
        side: SIDE.name(),
        solver: ExportedSolver {
            relative_tolerance: options.relative_tolerance,
            absolute_tolerance: options.absolute_tolerance,
            max_step: options.max_step,
            initial_step: options.initial_step,
        },
        bontsim_integrate: timing,
        bontsim_integrate_many: many_timing,
        bontsim_integrate_many_all_cores: all_cores_timing,
        threads,
        bontsim_simulate: simulate_timing,
        compartments_per_patient: compartments_total as f64 / count as f64,
        integrations_per_patient: integrations_total as f64 / count as f64,
        integrate_alone_vs_simulate: alone_vs_simulate,
        patients,
    };
    let file = std::fs::File::create(&arguments.output).unwrap_or_else(|e| {
        eprintln!("cannot create {}: {e}", arguments.output);
        std::process::exit(1);
    });
    let mut writer = std::io::BufWriter::new(file);
    serde_json::to_writer(&mut writer, &export).expect("serialisable export");
    writer.flush().expect("written export");
    eprintln!(
        "solve::integrate alone vs simulate, largest |B|, |M|, |S| difference: {alone_vs_simulate:.2e}"
    );
    eprintln!(
        "wrote {} ({} patients, {} days)",
        arguments.output, arguments.patients, arguments.days
    );
}
