//! Validation of individual forecasting (docs/validation.md, "Individual forecasting"):
//! virtual patients drawn from the population prior (`population::patient_draws`), treated for
//! glabellar lines (20 U) and masseter hypertrophy (25 U a side) every 4 months; two cycles of
//! noisy observations on a realistic visit schedule are fitted, and the third cycle is
//! forecast. Reports coverage of the 50% and 90% intervals, the error of the return day and of
//! masseter thickness against the typical-patient forecast, parameter recovery, and the share
//! meeting targets under `optimise`'s plan vs the label plan.
//! `cargo run --release -p bontsim-cli --example forecast_validation [-- PATIENTS [OPTIMISED]]`

use bontsim_core::anatomy::{Anatomy, Side};
use bontsim_core::engine::{Engine, Model};
use bontsim_core::fit::forecast::quantile;
use bontsim_core::fit::individual::IndividualModel;
use bontsim_core::fit::optimise::{judge, Goals};
use bontsim_core::fit::predict::{Prediction, Quantity, ReturnTarget};
use bontsim_core::fit::{FitRequest, Observation, ObservationKind};
use bontsim_core::plan::{Format, Plan};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal, Uniform};
use rayon::prelude::*;

const SEED: u64 = 20_261_207;
const DRAWS: usize = 300;
/// Posterior draws of each optimised patient (the CLI's default): `optimise` judges every
/// candidate over all of them.
const OPTIMISE_DRAWS: usize = 1000;

fn plan(baseline: f64) -> Plan {
    let mut text = format!(
        "[patient]\nsex = \"female\"\nage = 38\nbaseline_severity = {{ glabella = {baseline} }}\n"
    );
    for (muscle, side, units, volume) in [
        ("procerus", "midline", 4, 0.1),
        ("corrugator_supercilii", "left", 8, 0.2),
        ("corrugator_supercilii", "right", 8, 0.2),
        ("masseter", "left", 25, 0.5),
        ("masseter", "right", 25, 0.5),
    ] {
        text += &format!(
            "[[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"{muscle}\"\nside = \"{side}\"\nunits = {units}\nvolume_ml = {volume}\nevery_days = 120\ntimes = 3\n"
        );
    }
    Plan::parse(&text, Format::Toml).expect("valid plan")
}

struct Outcome {
    covered50: [bool; 3],
    covered90: [bool; 3],
    error: [f64; 3],
    typical_error: [f64; 3],
    recovered: Vec<(f64, f64, bool)>,
    ess: f64,
}

/// A virtual patient of the validation: the plan (with their baseline grade), their true
/// deviates `z` (the population's draws, which come in the individual parameters' order) and
/// two cycles of noisy observations of their true course.
struct Case {
    plan: Plan,
    z: Vec<f64>,
    observations: Vec<Observation>,
}

fn case(index: u64, model: &Model, individual: &IndividualModel) -> Case {
    let draws = bontsim_core::population::patient_draws(SEED, index);
    let z: Vec<f64> = draws.normals[..individual.len()].to_vec();
    let baseline = if draws.severe_uniform < model.variability.severe_baseline_share {
        3.0
    } else {
        2.0
    };
    let plan = plan(baseline);
    let (truth_plan, truth_parameters) = individual.patient(&plan, model, &z);
    let truth = Prediction::new(&truth_plan, &truth_parameters, model, 600, false);
    let masseter = Anatomy::get().index_of("masseter").expect("masseter");
    let severity = truth.series(&Quantity::SeverityMax("glabella"));
    let thickness =
        [Side::Left, Side::Right].map(|s| truth.series(&Quantity::ThicknessMm(masseter, s)));
    let bite = truth.series(&Quantity::BiteForce);
    let mut rng = bontsim_core::population::patient_rng(SEED ^ 0x5EED, index);
    let noise = |sd: f64, rng: &mut ChaCha8Rng| Normal::new(0.0, sd).unwrap().sample(rng);
    let jitter = Uniform::new_inclusive(-5i32, 5).unwrap();
    let mut observations = Vec::new();
    let observe = |kind, day: f64, value: f64, side: Option<Side>| Observation {
        day,
        kind,
        area: matches!(
            kind,
            ObservationKind::SeverityMax | ObservationKind::MovementReturned
        )
        .then_some("glabella"),
        muscle: (kind == ObservationKind::ThicknessMm).then_some(masseter),
        side,
        value,
        sd: None,
    };
    for cycle in [0.0, 120.0] {
        // Review at about two weeks: grade, ultrasound both sides, bite force.
        let review = cycle + 14.0 + f64::from(jitter.sample(&mut rng));
        let grade = (severity[review as usize] + noise(0.5, &mut rng))
            .round()
            .clamp(0.0, 3.0);
        observations.push(observe(ObservationKind::SeverityMax, review, grade, None));
        for (k, side) in [Side::Left, Side::Right].into_iter().enumerate() {
            let value = (thickness[k][review as usize] + noise(0.5, &mut rng)).max(1.0);
            observations.push(observe(
                ObservationKind::ThicknessMm,
                review,
                (value * 10.0).round() / 10.0,
                Some(side),
            ));
        }
        let force = (bite[review as usize] + noise(0.1, &mut rng)).clamp(0.05, 2.0);
        observations.push(observe(ObservationKind::BiteForce, review, force, None));
        // "Has movement returned?" at about 3 months and just before the next session.
        let returned =
            truth.return_day(&ReturnTarget::Area("glabella"), cycle, Some(cycle + 120.0));
        for visit in [
            cycle + 90.0 + f64::from(jitter.sample(&mut rng)),
            cycle + 115.0,
        ] {
            let noticed = returned + noise(7.0, &mut rng);
            observations.push(observe(
                ObservationKind::MovementReturned,
                visit,
                f64::from(u8::from(noticed <= visit)),
                None,
            ));
        }
        // Ultrasound again before the next session.
        let before = (cycle + 115.0) as usize;
        let value = (thickness[0][before] + noise(0.5, &mut rng)).max(1.0);
        observations.push(observe(
            ObservationKind::ThicknessMm,
            before as f64,
            (value * 10.0).round() / 10.0,
            Some(Side::Left),
        ));
    }
    Case {
        plan,
        z,
        observations,
    }
}

/// The fit of a case's observations (the same request for the forecast and `optimise`).
fn request(case: &Case, index: u64) -> FitRequest<'_> {
    let mut request = FitRequest::new(&case.plan, case.observations.clone());
    request.seed = SEED + index;
    request.draws = DRAWS;
    request.sequential = false;
    request
}

/// Targets forecast: glabella return day, masseter return day (after the last injection),
/// left masseter thickness 90 days after the last injection.
fn patient(index: u64, model: &Model, individual: &IndividualModel) -> Outcome {
    let case = case(index, model, individual);
    let (plan, z) = (&case.plan, &case.z);
    let (truth_plan, truth_parameters) = individual.patient(plan, model, z);
    let truth = Prediction::new(&truth_plan, &truth_parameters, model, 600, false);
    let masseter = Anatomy::get().index_of("masseter").expect("masseter");
    let thickness = truth.series(&Quantity::ThicknessMm(masseter, Side::Left));
    let fit = Engine::new(*model)
        .fit(&request(&case, index))
        .expect("valid request");
    let last = 240.0;
    let actual = [
        truth.return_day(&ReturnTarget::Area("glabella"), last, None) - last,
        truth.return_day(&ReturnTarget::Muscle(masseter, None), last, None) - last,
        thickness[330],
    ];
    let typical_prediction = {
        let zero = vec![0.0; individual.len()];
        let (p, q) = individual.patient(plan, model, &zero);
        let typical = Prediction::new(&p, &q, model, 600, false);
        [
            typical.return_day(&ReturnTarget::Area("glabella"), last, None) - last,
            typical.return_day(&ReturnTarget::Muscle(masseter, None), last, None) - last,
            typical.series(&Quantity::ThicknessMm(masseter, Side::Left))[330],
        ]
    };
    let mut forecasts: Vec<Vec<f64>> = (0..2)
        .map(|t| fit.draw_return_days.iter().map(|r| r[t]).collect())
        .collect();
    let band = fit
        .bands
        .iter()
        .find(|b| b.quantity == "masseter left thickness_mm")
        .expect("thickness band");
    let thickness_day = band.days[330];
    let mut covered50 = [false; 3];
    let mut covered90 = [false; 3];
    let mut error = [0.0; 3];
    let mut typical_error = [0.0; 3];
    for t in 0..3 {
        let (median, low50, high50, low90, high90) = if t < 2 {
            let values = &mut forecasts[t];
            values.sort_by(f64::total_cmp);
            (
                quantile(values, 0.5),
                quantile(values, 0.25),
                quantile(values, 0.75),
                quantile(values, 0.05),
                quantile(values, 0.95),
            )
        } else {
            (
                thickness_day.median,
                thickness_day.low50,
                thickness_day.high50,
                thickness_day.low90,
                thickness_day.high90,
            )
        };
        covered50[t] = (low50..=high50).contains(&actual[t]);
        covered90[t] = (low90..=high90).contains(&actual[t]);
        error[t] = (median - actual[t]).abs();
        typical_error[t] = (typical_prediction[t] - actual[t]).abs();
    }
    let recovered = fit
        .parameters
        .iter()
        .zip(z)
        .zip(&individual.parameters)
        .map(|((p, &z), prior)| {
            let estimate = p.median.ln() / prior.spread;
            let inside = (p.p05.ln() / prior.spread..=p.p95.ln() / prior.spread).contains(&z);
            (z, estimate, inside)
        })
        .collect();
    Outcome {
        covered50,
        covered90,
        error,
        typical_error,
        recovered,
        ess: fit.diagnostics.effective_sample_size,
    }
}

fn main() {
    let mut arguments = std::env::args().skip(1);
    let patients: u64 = arguments.next().and_then(|a| a.parse().ok()).unwrap_or(500);
    let optimised: u64 = arguments.next().and_then(|a| a.parse().ok()).unwrap_or(50);
    let model = Model::default();
    let individual = IndividualModel::new(&model.variability);
    let started = std::time::Instant::now();
    let outcomes: Vec<Outcome> = (0..patients)
        .into_par_iter()
        .map(|i| patient(i, &model, &individual))
        .collect();
    let n = outcomes.len() as f64;
    let share =
        |f: &dyn Fn(&Outcome) -> bool| outcomes.iter().filter(|o| f(o)).count() as f64 / n * 100.0;
    let median_of = |f: &dyn Fn(&Outcome) -> f64| {
        let mut v: Vec<f64> = outcomes.iter().map(f).collect();
        v.sort_by(f64::total_cmp);
        quantile(&v, 0.5)
    };
    println!(
        "Individual forecasting: {patients} virtual patients, seed {SEED}, {DRAWS} draws each ({:.0} s)\n",
        started.elapsed().as_secs_f64()
    );
    println!("| forecast (third cycle) | 50% interval covers | 90% interval covers | median abs. error, fitted | median abs. error, typical patient |");
    println!("|---|---|---|---|---|");
    for (t, name) in [
        "glabella return day (days after the last session)",
        "masseter return day (days after the last session)",
        "left masseter thickness 90 days after the last session (mm)",
    ]
    .iter()
    .enumerate()
    {
        println!(
            "| {name} | {:.1}% | {:.1}% | {:.2} | {:.2} |",
            share(&|o| o.covered50[t]),
            share(&|o| o.covered90[t]),
            median_of(&|o| o.error[t]),
            median_of(&|o| o.typical_error[t]),
        );
    }
    println!("\n| parameter | correlation of posterior median with truth (z) | 90% interval covers the truth |");
    println!("|---|---|---|");
    for (j, p) in individual.parameters.iter().enumerate() {
        let pairs: Vec<(f64, f64)> = outcomes
            .iter()
            .map(|o| (o.recovered[j].0, o.recovered[j].1))
            .collect();
        let mean = |f: &dyn Fn(&(f64, f64)) -> f64| pairs.iter().map(f).sum::<f64>() / n;
        let (mx, my) = (mean(&|p| p.0), mean(&|p| p.1));
        let cov = mean(&|p| (p.0 - mx) * (p.1 - my));
        let (sx, sy) = (
            mean(&|p| (p.0 - mx).powi(2)).sqrt(),
            mean(&|p| (p.1 - my).powi(2)).sqrt(),
        );
        println!(
            "| {} | {:.2} | {:.1}% |",
            p.name,
            if sx * sy > 0.0 { cov / (sx * sy) } else { 0.0 },
            share(&|o| o.recovered[j].2)
        );
    }
    println!(
        "\nMedian effective sample size {:.0} of {DRAWS} sought.",
        median_of(&|o| o.ess)
    );

    // Sequential updating against the all-at-once posterior, on the first `optimised`
    // patients: the last visit's Laplace mean and SD of each deviate against the resampled
    // draws' (differences in Monte-Carlo SEs of the draws' mean, sd / sqrt(ESS)).
    let compared: Vec<Vec<(f64, f64, f64)>> = (0..optimised)
        .into_par_iter()
        .map(|index| {
            let case = case(index, &model, &individual);
            let mut request = request(&case, index);
            request.sequential = true;
            let fit = Engine::new(model).fit(&request).expect("valid");
            let last = fit.sequential.last().expect("visits");
            let ess = fit.diagnostics.effective_sample_size.max(1.0);
            individual
                .parameters
                .iter()
                .enumerate()
                .map(|(j, prior)| {
                    let z: Vec<f64> = fit.draws.iter().map(|d| d[j].ln() / prior.spread).collect();
                    let mean = z.iter().sum::<f64>() / z.len() as f64;
                    let sd = (z.iter().map(|v| (v - mean).powi(2)).sum::<f64>()
                        / (z.len() as f64 - 1.0).max(1.0))
                    .sqrt();
                    let error = sd / ess.sqrt();
                    (
                        (last.z_mean[j] - mean) / error,
                        last.z_sd[j] / sd,
                        (last.z_mean[j] - mean) / sd,
                    )
                })
                .collect()
        })
        .collect();
    println!("\n| parameter | sequential - all-at-once mean, in MC SEs: median abs. (90th percentile) | within 3 MC SEs | the same in all-at-once posterior SDs: median abs. (90th percentile) | sequential SD / all-at-once SD: median (5-95%) |");
    println!("|---|---|---|---|---|");
    for (j, p) in individual.parameters.iter().enumerate() {
        let mut gaps: Vec<f64> = compared.iter().map(|c| c[j].0.abs()).collect();
        gaps.sort_by(f64::total_cmp);
        let mut ratios: Vec<f64> = compared.iter().map(|c| c[j].1).collect();
        ratios.sort_by(f64::total_cmp);
        let mut shifts: Vec<f64> = compared.iter().map(|c| c[j].2.abs()).collect();
        shifts.sort_by(f64::total_cmp);
        println!(
            "| {} | {:.1} ({:.1}) | {:.0}% | {:.2} ({:.2}) | {:.2} ({:.2}-{:.2}) |",
            p.name,
            quantile(&gaps, 0.5),
            quantile(&gaps, 0.9),
            gaps.iter().filter(|&&g| g <= 3.0).count() as f64 / gaps.len().max(1) as f64 * 100.0,
            quantile(&shifts, 0.5),
            quantile(&shifts, 0.9),
            quantile(&ratios, 0.5),
            quantile(&ratios, 0.05),
            quantile(&ratios, 0.95)
        );
    }

    // Optimise vs label plan, judged on each patient's TRUE parameters.
    let goals = Goals {
        severity_target: Some(1.0),
        volume_floor: Some(0.8),
        ..Goals::default()
    };
    let met: Vec<(Vec<f64>, Vec<f64>)> = (0..optimised)
        .into_par_iter()
        .map(|index| {
            let case = case(index, &model, &individual);
            let mut request = request(&case, index);
            request.draws = OPTIMISE_DRAWS;
            let (plan, z) = (&case.plan, &case.z);
            let proposal = Engine::new(model)
                .optimise(&request, &goals)
                .expect("valid");
            let units: Vec<f64> = proposal.doses.iter().map(|d| d.units).collect();
            let label: Vec<f64> = proposal.doses.iter().map(|d| d.last_units).collect();
            let truth = [z.clone()];
            let chosen = judge(
                plan,
                &model,
                &individual,
                &truth,
                &goals,
                &units,
                proposal.interval_days,
            )
            .met;
            let labelled = judge(plan, &model, &individual, &truth, &goals, &label, 90.0).met;
            (chosen, labelled)
        })
        .collect();
    let m = met.len().max(1) as f64;
    println!("\n| goal (next 365 days, true parameters) | optimised plan meets | label plan (last session every 90 days) meets |");
    println!("|---|---|---|");
    for (g, goal) in [
        "glabella grade at most 1 on 80% of days",
        "masseter volume never below 0.8",
    ]
    .iter()
    .enumerate()
    {
        println!(
            "| {goal} | {:.1}% | {:.1}% |",
            met.iter().map(|(c, _)| c[g]).sum::<f64>() / m * 100.0,
            met.iter().map(|(_, l)| l[g]).sum::<f64>() / m * 100.0
        );
    }
    println!(
        "\n({optimised} patients optimised over {OPTIMISE_DRAWS} draws each; total {:.0} s)",
        started.elapsed().as_secs_f64()
    );
}
