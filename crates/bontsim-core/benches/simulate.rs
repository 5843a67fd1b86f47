//! Benchmarks of the typical-patient simulation: a full face (every injectable muscle of both
//! sides treated every 4 months for two years) and an untreated face, 730 days each; a
//! 1,000-patient trial arm; one compartment of 1,000 virtual patients (the Python peers' work).
//! `cargo bench -p bontsim-core --bench simulate`; figures in docs/performance.md.

use bontsim_core::anatomy::Anatomy;
use bontsim_core::metrics::build_report;
use bontsim_core::plan::{Format, InjectionEntry, Plan, Sex, Site};
use bontsim_core::{simulate, Parameters, SolverOptions};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

fn full_face_plan() -> Plan {
    let mut plan = Plan::builder().patient(Sex::Female, 45.0);
    for muscle in Anatomy::get().muscles.iter().filter(|m| m.injectable) {
        let units = (muscle.typical_dose_units[0] + muscle.typical_dose_units[1]) / 2.0;
        for site in [Site::Left, Site::Right] {
            plan = plan.injection(
                InjectionEntry::new("onabotulinumtoxinA", &muscle.name, site, units)
                    .repeat(120.0, 6),
            );
        }
    }
    plan.build().expect("full-face plan is valid")
}

fn benches(c: &mut Criterion) {
    let parameters = Parameters::TYPICAL;
    let options = SolverOptions::default();
    let full_face = full_face_plan();
    let untreated = Plan::builder().patient(Sex::Female, 45.0).build().unwrap();
    c.bench_function("simulate full face, 730 days", |b| {
        b.iter(|| simulate(black_box(&full_face), &parameters, 730, &options))
    });
    // The serial part of the full face: its plan's doses made per compartment, before any
    // integration starts.
    c.bench_function("prepare full face compartments", |b| {
        b.iter(|| {
            bontsim_core::simulation::PreparedCompartments::new(
                black_box(&full_face),
                &parameters,
                None,
            )
        })
    });
    let glabella = Plan::parse(
        include_str!("../../../examples/glabella_20u_every_4_months.toml"),
        Format::Toml,
    )
    .unwrap();
    c.bench_function("simulate glabella 20 U every 4 months, 730 days", |b| {
        b.iter(|| simulate(black_box(&glabella), &parameters, 730, &options))
    });
    c.bench_function("simulate untreated face, 730 days", |b| {
        b.iter(|| simulate(black_box(&untreated), &parameters, 730, &options))
    });
    c.bench_function("simulate + report full face, 730 days", |b| {
        b.iter(|| {
            let simulation = simulate(black_box(&full_face), &parameters, 730, &options);
            build_report(&full_face, &simulation, &parameters)
        })
    });
    // What `bontsim simulate bench/plans/full_face_every_120_days.toml` and the Python
    // package's `bontsim.simulate` compute (the Python package's overhead is measured against
    // it: docs/performance.md, "Python package").
    let engine = bontsim_core::Engine::default();
    let plan_file = engine
        .parse_plan(
            include_str!("../../../bench/plans/full_face_every_120_days.toml"),
            Format::Toml,
        )
        .unwrap();
    c.bench_function("engine simulate full-face plan file, default days", |b| {
        b.iter(|| {
            engine
                .simulate(&bontsim_core::engine::SimulateRequest::new(black_box(
                    &plan_file,
                )))
                .unwrap()
        })
    });
}

fn trial_bench(c: &mut Criterion) {
    use bontsim_core::population::Variability;
    use bontsim_core::trial::{run_arm, Responder, TrialSettings};
    let plan = Plan::parse(
        include_str!("../../../examples/glabella_light_10u.toml"),
        Format::Toml,
    )
    .unwrap();
    let settings = TrialSettings {
        seed: 1,
        patients: 1000,
        days: 365,
        responder: Responder::NoneOrMild,
        atrophy_days: vec![90, 180],
    };
    let variability = Variability::default();
    let mut group = c.benchmark_group("trial");
    group.sample_size(10);
    group.bench_function(
        "1000 virtual patients, one glabella dose, 365 days, one thread",
        |b| b.iter(|| run_arm("bench", &plan, &settings, &variability, 0..1000)),
    );
    group.finish();
}

/// The Python peers' work (`bench/run_peers.sh`): the left corrugator of 1,000 virtual patients
/// of `bench/plans/glabella_20u_single.toml` (seed 1, 365 days), one at a time and interleaved
/// eight at a time (`solve::integrate_many`; same results bit for bit). Per patient: divide by
/// 1,000.
fn compartment_bench(c: &mut Criterion) {
    use bontsim_core::anatomy::Side;
    use bontsim_core::population::{virtual_patient, Variability};
    use bontsim_core::simulation::compartment_doses;
    use bontsim_core::solve::{integrate, integrate_many, Problem};
    let plan = Plan::parse(
        include_str!("../../../bench/plans/glabella_20u_single.toml"),
        Format::Toml,
    )
    .unwrap();
    let compartment = Anatomy::compartment(
        Anatomy::get().index_of("corrugator_supercilii").unwrap(),
        Side::Left,
    );
    let inputs: Vec<_> = (0..1000)
        .map(|i| {
            let patient =
                virtual_patient(&plan, &Parameters::TYPICAL, &Variability::default(), 1, i);
            let item = compartment_doses(&patient.plan, &patient.parameters)
                .0
                .into_iter()
                .find(|item| item.compartment == compartment)
                .expect("the corrugator is injected");
            (patient.parameters, item.constants, item.doses)
        })
        .collect();
    let options = SolverOptions::default();
    let mut group = c.benchmark_group("left corrugator, 1000 virtual patients, 365 days");
    group.sample_size(20);
    group.bench_function("one at a time (solve::integrate)", |b| {
        b.iter(|| {
            for (parameters, constants, doses) in &inputs {
                black_box(integrate(parameters, constants, doses, 365, &options));
            }
        })
    });
    let problems: Vec<Problem> = inputs
        .iter()
        .map(|(parameters, constants, doses)| Problem {
            parameters,
            constants,
            doses,
            start: None,
        })
        .collect();
    group.bench_function("interleaved (solve::integrate_many)", |b| {
        b.iter(|| black_box(integrate_many(&problems, 365, &options)))
    });
    // As a trial uses it: one batch of lanes at a time, its series dropped before the next
    // (the output stays in cache instead of 17 MB going to memory, and glibc does not hand
    // freed pages back to the kernel between batches).
    group.bench_function("streamed, 8 at a time (solve::integrate_many)", |b| {
        b.iter(|| {
            for chunk in problems.chunks(8) {
                black_box(integrate_many(chunk, 365, &options));
            }
        })
    });
    group.finish();
}

criterion_group!(simulation, benches, trial_bench, compartment_bench);
criterion_main!(simulation);
