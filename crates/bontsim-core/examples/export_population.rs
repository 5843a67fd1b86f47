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
//! computed exactly as `simulation::simulate` does), and bontsim's daily output. The doses
//! are checked: integrating them with `solve::integrate` must reproduce the compartment's
//! trajectory from `simulate` bit for bit, or the export stops.
//!
//! It also times `solve::integrate` on exactly those inputs (one thread, the same work a
//! peer does per patient) and writes it as `bontsim_integrate`.

use bontsim_core::anatomy::{Anatomy, Side};
use bontsim_core::model::{self, index, spread, CompartmentConstants, Parameters, State};
use bontsim_core::plan::{Format, Plan};
use bontsim_core::population::{virtual_patient, Variability};
use bontsim_core::simulation::{compartment_constants, simulate};
use bontsim_core::solve::{integrate, Dose, SolverOptions};
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

#[derive(Serialize)]
struct Export {
    plan: String,
    seed: u64,
    days: usize,
    muscle: &'static str,
    side: &'static str,
    solver: ExportedSolver,
    bontsim_integrate: Timing,
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

/// The doses reaching `compartment`, exactly as `simulation::simulate` builds them: every
/// injection (each half of a midline one) spread by `model::spread::distribute`, units
/// divided by `mass_g^mass_exponent`, sorted by day (stable) and same-day deposits summed in
/// that order.
fn compartment_doses(
    plan: &Plan,
    parameters: &Parameters,
    compartment: usize,
    constants: &CompartmentConstants,
) -> Vec<Dose> {
    let mut received: Vec<(f64, f64)> = Vec::new();
    let mut deposits = Vec::new();
    for injection in &plan.injections {
        for &(side, share) in injection.site.shares() {
            let units = injection.equivalent_units * share;
            deposits.clear();
            spread::distribute(
                parameters,
                injection.muscle,
                side,
                units,
                injection.volume_ml * share,
                &mut deposits,
            );
            for deposit in &deposits {
                if deposit.compartment == compartment {
                    received.push((injection.day, deposit.units));
                }
            }
        }
    }
    let mut list: Vec<Dose> = received
        .iter()
        .map(|&(day, units)| Dose {
            day,
            concentration: units / constants.mass_g.powf(parameters.mass_exponent),
        })
        .collect();
    list.sort_by(|a, b| a.day.total_cmp(&b.day));
    list.dedup_by(|later, first| {
        if later.day == first.day {
            first.concentration += later.concentration;
            true
        } else {
            false
        }
    });
    list
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
    let mut patients = Vec::new();
    for i in 0..arguments.patients {
        let patient = virtual_patient(&plan, &Parameters::TYPICAL, &variability, arguments.seed, i);
        let parameters = patient.parameters;
        let simulation = simulate(&patient.plan, &parameters, arguments.days, &options);
        let constants = compartment_constants(&patient.plan, muscle);
        let doses = compartment_doses(&patient.plan, &parameters, compartment, &constants);
        let states: Vec<State> = match simulation.compartment(muscle, SIDE) {
            Some(result) => {
                assert_eq!(result.constants, constants, "patient {i}: constants differ");
                result.states.clone()
            }
            // Below `NEGLIGIBLE_UNITS` the compartment is not simulated: untreated baseline.
            None => vec![model::BASELINE_STATE; arguments.days],
        };
        // The recomputed doses must reproduce simulate's trajectory exactly.
        let check = integrate(&parameters, &constants, &doses, arguments.days, &options);
        if simulation.compartment(muscle, SIDE).is_some() && check.states != states {
            eprintln!("patient {i}: recomputed doses do not reproduce simulate's trajectory");
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
            blockade: states.iter().map(|s| s[index::B]).collect(),
            mass: states.iter().map(|s| s[index::M]).collect(),
            strength: states.iter().map(model::strength).collect(),
        });
        inputs.push((parameters, constants, doses));
    }

    // Time exactly the peers' work: one compartment per patient, one thread.
    let mut best = f64::INFINITY;
    let mut checksum = 0.0;
    for _ in 0..arguments.repetitions {
        let start = Instant::now();
        for (parameters, constants, doses) in &inputs {
            let trajectory = integrate(parameters, constants, doses, arguments.days, &options);
            checksum += trajectory.states[arguments.days - 1][index::M];
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    std::hint::black_box(checksum);
    let count = inputs.len().max(1);
    let timing = Timing {
        patients: inputs.len(),
        repetitions: arguments.repetitions,
        best_seconds: best,
        microseconds_per_patient: best * 1e6 / count as f64,
    };
    eprintln!(
        "solve::integrate, {MUSCLE} {}, {} patients x {} days: best of {} = {:.4} s ({:.2} us per patient)",
        SIDE.name(),
        timing.patients,
        arguments.days,
        timing.repetitions,
        timing.best_seconds,
        timing.microseconds_per_patient
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
        "wrote {} ({} patients, {} days)",
        arguments.output, arguments.patients, arguments.days
    );
}
