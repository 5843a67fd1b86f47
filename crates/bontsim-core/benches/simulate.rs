//! Benchmarks of the typical-patient simulation: a full face (every injectable muscle of both
//! sides treated every 4 months for two years) and an untreated face, 730 days each.
//! `cargo bench -p bontsim-core --bench simulate`; figures in docs/performance.md.

use bontsim_core::anatomy::Anatomy;
use bontsim_core::metrics::build_report;
use bontsim_core::plan::{Format, Plan};
use bontsim_core::{simulate, Parameters, SolverOptions};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

fn full_face_plan() -> Plan {
    let mut text = String::from("[patient]\nsex = \"female\"\nage = 45\n");
    for muscle in Anatomy::get().muscles.iter().filter(|m| m.injectable) {
        let units = (muscle.typical_dose_units[0] + muscle.typical_dose_units[1]) / 2.0;
        for side in ["left", "right"] {
            text.push_str(&format!(
                "[[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"{}\"\nside = \"{side}\"\nunits = {units}\nevery_days = 120\ntimes = 6\n",
                muscle.name
            ));
        }
    }
    Plan::parse(&text, Format::Toml).expect("full-face plan is valid")
}

fn benches(c: &mut Criterion) {
    let parameters = Parameters::TYPICAL;
    let options = SolverOptions::default();
    let full_face = full_face_plan();
    let untreated = Plan::parse("[patient]\nsex = \"female\"\nage = 45\n", Format::Toml).unwrap();
    c.bench_function("simulate full face, 730 days", |b| {
        b.iter(|| simulate(black_box(&full_face), &parameters, 730, &options))
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

criterion_group!(simulation, benches, trial_bench);
criterion_main!(simulation);
