//! Fits and shows the virtual population against the responder and onset points of
//! `crates/bontsim-core/data/literature/population_fit_points.csv` (taken from
//! `clinical_time_courses.csv`, with arm sizes and sources), each trial with its own
//! responder definition.
//!
//! `cargo run --release -p bontsim-cli --example population_fit` prints the tables of
//! docs/validation.md ("Population") for `Variability::default()` and writes
//! docs/figures/validation_responders.svg.
//! Every point is checked against its 95% prediction interval: the rates an arm of the
//! trial's size would report if the model were true (`trial::prediction_interval`).
//! `-- search` runs the coarse grid search of the spreads (1,000 patients per arm) and prints
//! the best settings; `-- name=value ...` evaluates other spreads (names as in
//! `Variability`: sensitivity, load_sensitivity, recovery, muscle_size,
//! severe_baseline_share, slow_share, slow_recovery_factor) or model parameters (ec50, hill,
//! k_r0, coverage_concentration, uptake_saturation) without writing the figure; they also
//! apply to `search` (the parameters; the grid sets the spreads).

use bontsim_core::metrics::area_severity;
use bontsim_core::model::Parameters;
use bontsim_core::plan::{InjectionEntry, Plan, PlanBuilder, Sex, Site};
use bontsim_core::population::{patient_draws, virtual_patient, Variability};
use bontsim_core::simulation::simulate;
use bontsim_core::solve::SolverOptions;
use bontsim_core::trial::{prediction_interval, run_arm, Responder, TrialAggregate, TrialSettings};
use plotters::prelude::*;
use rayon::prelude::*;
use std::path::Path;

const PATIENTS: u64 = 2000;
const SEARCH_PATIENTS: u64 = 1000;
const SEED: u64 = 2026;

/// One literature point of `crates/bontsim-core/data/literature/population_fit_points.csv`:
/// plan, area, responder definition, day, observed percent.
#[derive(Clone)]
struct Point {
    curve: &'static str,
    /// The plan in words, e.g. "ONA 20 U glabella".
    plan: String,
    /// The plan's kind, product and units: points with the same key share one simulation.
    plan_key: String,
    kind: &'static str,
    product: &'static str,
    units: f64,
    area: &'static str,
    responder: Responder,
    day: usize,
    observed: f64,
    /// Arm size of the trial, where the data file gives one.
    n: Option<u64>,
    /// Citation and how it was read, e.g. "Beer 2011 [R]".
    source: String,
    /// Whether the point is in the objective of the fit.
    fitted: bool,
    /// Product group for the RMS per product.
    group: &'static str,
}

impl Point {
    fn build_plan(&self) -> Plan {
        plan_of(self.kind, self.product, self.units)
    }
}

const POINTS_CSV: &str =
    include_str!("../../bontsim-core/data/literature/population_fit_points.csv");

/// The typical 45-year-old woman of the fit, given `sites` (muscle, site, units, mL) of one
/// product on day 0.
fn injections(product: &str, sites: &[(&str, Site, f64, f64)]) -> PlanBuilder {
    sites.iter().fold(
        Plan::builder().patient(Sex::Female, 45.0),
        |plan, &(muscle, site, units, volume)| {
            plan.injection(InjectionEntry::new(product, muscle, site, units).volume_ml(volume))
        },
    )
}

/// The plan of a data-file row: `glabella` (the label pattern), `crows_feet` (half per side)
/// or `forehead_and_glabella` (half in the frontalis, half in the glabella pattern).
fn plan_of(kind: &str, product: &str, units: f64) -> Plan {
    let plan = match kind {
        "glabella" => injections(product, &[]).glabella_pattern(product, units),
        "crows_feet" => injections(
            product,
            &[
                ("orbicularis_oculi", Site::Left, units / 2.0, 0.3),
                ("orbicularis_oculi", Site::Right, units / 2.0, 0.3),
            ],
        ),
        "forehead_and_glabella" => injections(
            product,
            &[
                ("frontalis", Site::Left, units / 4.0, 0.25),
                ("frontalis", Site::Right, units / 4.0, 0.25),
            ],
        )
        .glabella_pattern(product, units / 2.0),
        other => panic!("unknown plan kind {other} in population_fit_points.csv"),
    };
    plan.build().expect("valid plan")
}

fn plan_key(kind: &str, product: &str, units: f64) -> String {
    format!("{kind} {product} {units}")
}

fn plan_label(kind: &str, product: &str, units: f64) -> String {
    let product = short(product);
    match kind {
        "glabella" => format!("{product} {units} U glabella"),
        "crows_feet" => format!("{product} {units} U crow's feet"),
        _ => format!(
            "{product} {} U forehead + {} U glabella",
            units / 2.0,
            units / 2.0
        ),
    }
}

fn short(product: &str) -> &'static str {
    match product {
        "onabotulinumtoxinA" => "ONA",
        "abobotulinumtoxinA" => "ABO",
        "incobotulinumtoxinA" => "INCO",
        "daxibotulinumtoxinA" => "DAXI",
        "prabotulinumtoxinA" => "PRABOT",
        _ => "other",
    }
}

/// The fields of one CSV line; a field in double quotes may hold commas.
fn csv_fields(line: &str) -> Vec<&str> {
    let mut fields = Vec::new();
    let mut rest = line;
    loop {
        let (field, after) = match rest.strip_prefix('"') {
            Some(quoted) => {
                let end = quoted.find('"').expect("closing quote");
                (&quoted[..end], quoted[end + 1..].strip_prefix(','))
            }
            None => match rest.split_once(',') {
                Some((field, after)) => (field, Some(after)),
                None => (rest, None),
            },
        };
        fields.push(field);
        match after {
            Some(after) => rest = after,
            None => return fields,
        }
    }
}

fn points() -> Vec<Point> {
    let mut lines = POINTS_CSV.lines();
    let header = csv_fields(lines.next().expect("a header"));
    let column = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("population_fit_points.csv has no column {name}"))
    };
    let [curve, kind, product, units, area, responder, day, observed, n, source, tag, fitted] = [
        "curve",
        "plan",
        "product",
        "units",
        "area",
        "responder",
        "day",
        "observed_percent",
        "n",
        "source",
        "tag",
        "fitted",
    ]
    .map(column);
    lines
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let row = csv_fields(line);
            let number = |i: usize| -> f64 {
                row[i]
                    .parse()
                    .unwrap_or_else(|_| panic!("not a number: {line}"))
            };
            let units = number(units);
            Point {
                curve: row[curve],
                plan: plan_label(row[kind], row[product], units),
                plan_key: plan_key(row[kind], row[product], units),
                kind: row[kind],
                product: row[product],
                units,
                area: row[area],
                responder: match row[responder] {
                    "none_or_mild" => Responder::NoneOrMild,
                    "improved_1" => Responder::Improved1,
                    "improved_2" => Responder::Improved2,
                    other => panic!("unknown responder definition {other}"),
                },
                day: number(day) as usize,
                observed: number(observed),
                n: row[n].parse().ok(),
                source: format!("{} [{}]", row[source], row[tag]),
                fitted: row[fitted] == "yes",
                group: match row[kind] {
                    "glabella" => short(row[product]),
                    _ => "other areas",
                },
            }
        })
        .collect()
}

/// Arm size assumed for a point whose trial size is not known: the ~45 of the smallest
/// dose-ranging arms read (PMC9558451).
const DEFAULT_ARM_SIZE: u64 = 45;

/// One point's visual predictive check: the arm size used, whether it was assumed, the 95%
/// prediction interval in percent, and whether the published value lies inside.
struct Check {
    n: u64,
    assumed: bool,
    low: f64,
    high: f64,
    inside: bool,
}

fn check(p: &Point, responders: u64, patients: u64) -> Check {
    let (n, assumed) = match p.n {
        Some(n) => (n, false),
        None => (DEFAULT_ARM_SIZE, true),
    };
    let (low, high) = prediction_interval(responders, patients, n);
    // The published percentage as a count of the arm (it was a count of about n patients).
    let observed = (p.observed / 100.0 * n as f64).round() as u64;
    Check {
        n,
        assumed,
        low: 100.0 * low as f64 / n as f64,
        high: 100.0 * high as f64 / n as f64,
        inside: (low..=high).contains(&observed),
    }
}

/// Per point, per patient: (severity / baseline at the point's day, baseline uniform).
/// The baseline share and the grading are applied afterwards, without simulating again.
type Samples = Vec<Vec<(f64, f64)>>;

fn sample(
    points: &[Point],
    parameters: &Parameters,
    variability: &Variability,
    patients: u64,
) -> Samples {
    let mut plans: Vec<(&str, Plan)> = Vec::new();
    for p in points {
        if !plans.iter().any(|(key, _)| *key == p.plan_key) {
            plans.push((&p.plan_key, p.build_plan()));
        }
    }
    let options = SolverOptions::default();
    let mut samples: Samples = vec![Vec::new(); points.len()];
    for (key, plan) in plans {
        let chosen: Vec<usize> = (0..points.len())
            .filter(|&i| points[i].plan_key == key)
            .collect();
        let days = chosen.iter().map(|&i| points[i].day).max().unwrap_or(0) + 1;
        let per_patient: Vec<Vec<(f64, f64)>> = (0..patients)
            .into_par_iter()
            .map(|index| {
                let patient = virtual_patient(&plan, parameters, variability, SEED, index);
                let u = patient_draws(SEED, index).severe_uniform;
                let simulation = simulate(&patient.plan, &patient.parameters, days, &options);
                chosen
                    .iter()
                    .map(|&i| {
                        let (baseline, severity) = area_severity(
                            &patient.plan,
                            &simulation,
                            &patient.parameters,
                            points[i].area,
                        )
                        .expect("literature points name areas the model scores");
                        (severity[points[i].day] / baseline, u)
                    })
                    .collect()
            })
            .collect();
        for row in per_patient {
            for (k, &i) in chosen.iter().enumerate() {
                samples[i].push(row[k]);
            }
        }
    }
    samples
}

/// Model responders per point for a severe-baseline share (grading as in `Responder`).
fn counts(points: &[Point], samples: &Samples, severe_share: f64) -> Vec<u64> {
    points
        .iter()
        .zip(samples)
        .map(|(p, s)| {
            s.iter()
                .filter(|(ratio, u)| {
                    let baseline = if *u < severe_share { 3.0 } else { 2.0 };
                    p.responder.responds(baseline * ratio, baseline)
                })
                .count() as u64
        })
        .collect()
}

/// Model percent per point for a severe-baseline share.
fn rates(points: &[Point], samples: &Samples, severe_share: f64) -> Vec<f64> {
    counts(points, samples, severe_share)
        .iter()
        .zip(samples)
        .map(|(&k, s)| 100.0 * k as f64 / s.len() as f64)
        .collect()
}

fn rms(points: &[Point], model: &[f64], keep: impl Fn(&Point) -> bool) -> f64 {
    let squares: Vec<f64> = points
        .iter()
        .zip(model)
        .filter(|(p, _)| keep(p))
        .map(|(p, m)| (p.observed - m).powi(2))
        .collect();
    if squares.is_empty() {
        return f64::NAN;
    }
    (squares.iter().sum::<f64>() / squares.len() as f64).sqrt()
}

/// How many of the points kept by `keep` lie inside their 95% prediction interval, of how many.
fn inside_count(
    points: &[Point],
    checks: &[Check],
    keep: impl Fn(&Point) -> bool,
) -> (usize, usize) {
    let kept: Vec<&Check> = points
        .iter()
        .zip(checks)
        .filter(|(p, _)| keep(p))
        .map(|(_, c)| c)
        .collect();
    (kept.iter().filter(|c| c.inside).count(), kept.len())
}

const GROUPS: [&str; 6] = ["ONA", "ABO", "INCO", "DAXI", "PRABOT", "other areas"];

fn rms_line(points: &[Point], model: &[f64], fitted: bool) -> String {
    let mut parts = vec![format!(
        "all {:.1}",
        rms(points, model, |p| p.fitted == fitted)
    )];
    for group in GROUPS {
        let value = rms(points, model, |p| p.fitted == fitted && p.group == group);
        if value.is_finite() {
            parts.push(format!("{group} {value:.1}"));
        }
    }
    parts.join(", ")
}

/// Sets a spread of `Variability` or a parameter of `Parameters` by name.
fn set(parameters: &mut Parameters, variability: &mut Variability, name: &str, value: f64) {
    match name {
        "sensitivity" => variability.sensitivity = value,
        "load_sensitivity" => variability.load_sensitivity = value,
        "recovery" => variability.recovery = value,
        "muscle_size" => variability.muscle_size = value,
        "severe_baseline_share" => variability.severe_baseline_share = value,
        "slow_share" => variability.slow_share = value,
        "slow_recovery_factor" => variability.slow_recovery_factor = value,
        other => match parameters.by_name_mut(other) {
            Some(field) => *field = value,
            None => panic!("unknown spread or parameter {other}"),
        },
    }
}

/// Coarse grid over sensitivity, recovery and the slow-recoverer mixture; the baseline share
/// is searched inside each cell (it needs no new simulation). Objective: RMS over the fitted
/// points. Admissible: the label-dose guard of `crates/bontsim-cli/tests/trial.rs` (ONA 20 U
/// at day 120 and week 24) inside its 95% prediction interval. The best cell is taken with
/// the even baseline split, since no trial reports its enrolment by severity.
fn search(points: &[Point], parameters: &Parameters) {
    let fitted: Vec<Point> = points.iter().filter(|p| p.fitted).cloned().collect();
    println!("sensitivity recovery slow_share slow_factor severe_share rms_fitted rms_ONA rms_ABO rms_INCO inside_95%_PI");
    let mut best = (f64::INFINITY, Variability::default());
    let guard: Vec<usize> = (0..fitted.len())
        .filter(|&i| {
            fitted[i].plan == "ONA 20 U glabella"
                && fitted[i].responder == Responder::Improved1
                && (fitted[i].day == 120 || fitted[i].day == 168)
        })
        .collect();
    assert_eq!(guard.len(), 2);
    for sensitivity in [0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2] {
        for recovery in [0.3, 0.6] {
            for (slow_share, slow_factor) in [
                (0.0, 1.0),
                (0.05, 0.1),
                (0.1, 0.1),
                (0.1, 0.2),
                (0.15, 0.15),
                (0.15, 0.3),
            ] {
                let v = Variability {
                    sensitivity,
                    recovery,
                    slow_share,
                    slow_recovery_factor: slow_factor,
                    ..Variability::default()
                };
                let samples = sample(&fitted, parameters, &v, SEARCH_PATIENTS);
                for severe in [0.5, 0.7] {
                    let responders = counts(&fitted, &samples, severe);
                    let model = rates(&fitted, &samples, severe);
                    let checks: Vec<Check> = fitted
                        .iter()
                        .zip(&responders)
                        .map(|(p, &k)| check(p, k, SEARCH_PATIENTS))
                        .collect();
                    let (inside, total_points) = inside_count(&fitted, &checks, |_| true);
                    let total = rms(&fitted, &model, |_| true);
                    let guarded = guard.iter().all(|&i| checks[i].inside);
                    println!(
                        "{sensitivity} {recovery} {slow_share} {slow_factor} {severe} {total:.2} {:.1} {:.1} {:.1} {inside}/{total_points}{}",
                        rms(&fitted, &model, |p| p.group == "ONA"),
                        rms(&fitted, &model, |p| p.group == "ABO"),
                        rms(&fitted, &model, |p| p.group == "INCO"),
                        if guarded { "" } else { " (fails the guard)" },
                    );
                    if guarded && severe == 0.5 && total < best.0 {
                        best = (
                            total,
                            Variability {
                                severe_baseline_share: severe,
                                ..v
                            },
                        );
                    }
                }
            }
        }
    }
    println!(
        "best within the guard (even baseline split): rms {:.2} with {:?}",
        best.0, best.1
    );
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let all = points();
    let mut parameters = Parameters::TYPICAL;
    let mut variability = Variability::default();
    let mut custom = false;
    let mut run_search = false;
    for argument in std::env::args().skip(1) {
        if argument == "search" {
            run_search = true;
            continue;
        }
        let (name, value) = argument.split_once('=').expect("search or name=value");
        set(&mut parameters, &mut variability, name, value.parse()?);
        custom = true;
    }
    if run_search {
        search(&all, &parameters);
        return Ok(());
    }
    let samples = sample(&all, &parameters, &variability, PATIENTS);
    let responders = counts(&all, &samples, variability.severe_baseline_share);
    let model: Vec<f64> = responders
        .iter()
        .map(|&k| 100.0 * k as f64 / PATIENTS as f64)
        .collect();
    let checks: Vec<Check> = all
        .iter()
        .zip(&responders)
        .map(|(p, &k)| check(p, k, PATIENTS))
        .collect();
    println!("Spreads: {variability:?}; {PATIENTS} virtual patients per arm, seed {SEED}.");
    if custom {
        println!("Parameters: {parameters:?}");
    }
    println!();
    for (fitted, title) in [
        (true, "Fitted points (in the objective)"),
        (false, "Points not fitted (checked only)"),
    ] {
        println!("{title}:\n");
        println!("| curve | plan | area | responder | day | literature % | model % | model - literature | n | 95% PI (%) | inside | source |");
        println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
        for ((p, m), c) in all
            .iter()
            .zip(&model)
            .zip(&checks)
            .filter(|((p, _), _)| p.fitted == fitted)
        {
            println!(
                "| {} | {} | {} | {} | {} | {:.1} | {m:.1} | {:+.1} | {}{} | {:.0}-{:.0} | {} | {} |",
                p.curve,
                p.plan,
                p.area,
                p.responder.name(),
                p.day,
                p.observed,
                m - p.observed,
                c.n,
                if c.assumed { " (assumed)" } else { "" },
                c.low,
                c.high,
                if c.inside { "yes" } else { "no" },
                p.source
            );
        }
        let (inside, total) = inside_count(&all, &checks, |p| p.fitted == fitted);
        println!(
            "\nRMS error (points): {}.\nInside their 95% prediction interval: {inside} of {total}.\n",
            rms_line(&all, &model, fitted)
        );
    }
    let assumed: Vec<&str> = all
        .iter()
        .zip(&checks)
        .filter(|(_, c)| c.assumed)
        .map(|(p, _)| p.curve)
        .collect();
    if assumed.is_empty() {
        println!("Every point has its arm size from the data file (none assumed).\n");
    } else {
        println!(
            "No arm size in the data file, {DEFAULT_ARM_SIZE} assumed: {}.\n",
            assumed.join(", ")
        );
    }
    println!("RMS and 95% prediction-interval check per curve (all points):\n");
    println!("| curve | points | fitted | n | RMS (points) | inside 95% PI |");
    println!("|---|---|---|---|---|---|");
    let mut curves: Vec<(&str, bool)> = all.iter().map(|p| (p.curve, p.fitted)).collect();
    curves.dedup();
    for (curve, fitted) in curves {
        let n = all.iter().filter(|p| p.curve == curve).count();
        let sizes: Vec<String> = {
            let mut sizes: Vec<u64> = all
                .iter()
                .zip(&checks)
                .filter(|(p, _)| p.curve == curve)
                .map(|(_, c)| c.n)
                .collect();
            sizes.dedup();
            sizes.iter().map(|s| s.to_string()).collect()
        };
        let (inside, total) = inside_count(&all, &checks, |p| p.curve == curve);
        println!(
            "| {curve} | {n} | {} | {} | {:.1} | {inside}/{total} |",
            if fitted { "yes" } else { "no" },
            sizes.join(", "),
            rms(&all, &model, |p| p.curve == curve)
        );
    }
    if !custom {
        figure(&all, &variability)?;
    }
    Ok(())
}

/// Daily responder percentages of one arm (2,000 patients), through the trial code.
fn area_rates(
    variability: &Variability,
    plan: &Plan,
    area: &str,
    responder: Responder,
    days: usize,
) -> Vec<f64> {
    let settings = TrialSettings {
        seed: SEED,
        patients: PATIENTS,
        days,
        responder,
        atrophy_days: vec![],
    };
    let arm = run_arm("fit", plan, &settings, variability, 0..PATIENTS);
    let aggregate = TrialAggregate {
        model_version: bontsim_core::MODEL_VERSION.into(),
        shard: None,
        settings,
        covered: vec![(0, PATIENTS)],
        arms: vec![arm],
    };
    let summary = aggregate.summary();
    let found = summary.arms[0]
        .areas
        .iter()
        .find(|a| a.area == area)
        .expect("treated area");
    found.responders.iter().map(|r| r.rate * 100.0).collect()
}

/// Four panels: ONA, ABO and INCO >= 1-grade responders by dose, and onset.
fn figure(all: &[Point], variability: &Variability) -> Result<(), Box<dyn std::error::Error>> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/figures/validation_responders.svg");
    let root = SVGBackend::new(&path, (1100, 800)).into_drawing_area();
    root.fill(&WHITE)?;
    let panels = root.split_evenly((2, 2));
    let colours = [
        RGBColor(31, 119, 180),
        RGBColor(214, 39, 40),
        RGBColor(44, 160, 44),
        RGBColor(148, 103, 189),
        RGBColor(255, 127, 14),
        RGBColor(140, 86, 75),
    ];
    type Arms<'a> = Vec<(&'a str, f64, Responder)>;
    let arms = |product: &'static str, doses: &[f64], responder: Responder| -> Arms {
        doses.iter().map(|&u| (product, u, responder)).collect()
    };
    use Responder::{Improved1, NoneOrMild};
    let mut inco_daxi = arms("incobotulinumtoxinA", &[20.0, 60.0, 100.0], Improved1);
    inco_daxi.extend(arms("daxibotulinumtoxinA", &[40.0], NoneOrMild));
    let mut onset = arms("onabotulinumtoxinA", &[20.0], Improved1);
    onset.extend(arms("abobotulinumtoxinA", &[50.0, 125.0], Improved1));
    let specs: [(&str, Arms, f64); 4] = [
        (
            "ONA glabella, >= 1 grade better (circles: PMC9558451, Carruthers 2005)",
            arms("onabotulinumtoxinA", &[10.0, 20.0, 40.0, 80.0], Improved1),
            280.0,
        ),
        (
            "ABO glabella, >= 1 grade better (circles: Joseph 2021)",
            arms("abobotulinumtoxinA", &[50.0, 75.0, 100.0, 125.0], Improved1),
            280.0,
        ),
        (
            "INCO >= 1 grade (Toxins 2021 KM); DAXI 40 U none/mild (SAKURA)",
            inco_daxi,
            280.0,
        ),
        (
            "Onset, >= 1 grade better (ONA 20 U: Beer 2011; ABO: Joseph 2021)",
            onset,
            14.0,
        ),
    ];
    for (panel, (caption, arms, x_max)) in panels.iter().zip(specs) {
        let mut chart = ChartBuilder::on(panel)
            .caption(caption, ("sans-serif", 14))
            .margin(8)
            .x_label_area_size(35)
            .y_label_area_size(45)
            .build_cartesian_2d(0.0..x_max, 0.0..100.0)?;
        chart
            .configure_mesh()
            .x_desc("day")
            .y_desc("responders (%)")
            .x_label_formatter(&|d| format!("{d:.0}"))
            .draw()?;
        for (k, (product, units, responder)) in arms.iter().enumerate() {
            let colour = colours[k];
            let days = x_max as usize + 1;
            let curve = area_rates(
                variability,
                &plan_of("glabella", product, *units),
                "glabella",
                *responder,
                days,
            );
            chart
                .draw_series(LineSeries::new(
                    curve.iter().enumerate().map(|(d, r)| (d as f64, *r)),
                    colour.stroke_width(2),
                ))?
                .label(format!("{} {units} U", short(product)))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
                });
            let plan = plan_key("glabella", product, *units);
            let observed: Vec<(f64, f64)> = all
                .iter()
                .filter(|p| {
                    p.plan_key == plan
                        && p.responder == *responder
                        && p.area == "glabella"
                        && (p.day as f64) <= x_max
                        && (x_max > 20.0 || p.day <= 7)
                        && !p.curve.contains("median")
                })
                .map(|p| (p.day as f64, p.observed))
                .collect();
            chart.draw_series(
                observed
                    .into_iter()
                    .map(|(x, y)| Circle::new((x, y), 5, colour.filled())),
            )?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()?;
    }
    root.present()?;
    eprintln!("wrote {}", path.display());
    Ok(())
}
