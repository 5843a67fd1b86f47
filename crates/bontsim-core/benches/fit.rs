//! Benchmarks of individual forecasting: one patient treated every 4 months for three years
//! (glabella 20 U and masseters 25 U a side) with observations at every visit; the posterior
//! (MAP, Laplace and sampling-importance-resampling to 1,000 effective draws), the whole fit
//! with bands and the next cycle, and the choice of next dose and interval.
//! `RAYON_NUM_THREADS=1 cargo bench -p bontsim-core --bench fit`; figures in docs/performance.md.

mod common;

use bontsim_core::engine::{Engine, Model};
use bontsim_core::fit::optimise::Goals;
use bontsim_core::fit::{posterior_draws, FitRequest};
use common::three_year_patient;
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

fn benches(c: &mut Criterion) {
    let (plan, observations) = three_year_patient();
    let model = Model::default();
    let engine = Engine::new(model);
    let mut request = FitRequest::new(&plan, observations);
    request.sequential = false;
    let mut group = c.benchmark_group("fit");
    group.sample_size(10);
    group.bench_function("posterior, 3 years of visits, 1,000 effective draws", |b| {
        b.iter(|| posterior_draws(black_box(&request), &model))
    });
    group.bench_function("fit with bands and next cycle, 3 years of visits", |b| {
        b.iter(|| engine.fit(black_box(&request)).unwrap())
    });
    let goals = Goals {
        severity_target: Some(1.0),
        volume_floor: Some(0.8),
        ..Goals::default()
    };
    group.bench_function("optimise, 3 years of visits", |b| {
        b.iter(|| engine.optimise(black_box(&request), &goals).unwrap())
    });
    group.finish();
}

criterion_group!(fit, benches);
criterion_main!(fit);
