//! Fits and shows the virtual population against the responder curves of
//! `../shared/data/clinical_time_courses.csv`: each trial with its own responder definition.
//! `cargo run --release -p bontsim-cli --example population_fit [-- sensitivity=0.6 recovery=0.3]`
//! prints the table of docs/validation.md ("Population") and writes
//! docs/figures/validation_responders.svg. With `grid` it searches the spreads.

use bontsim_core::plan::{Format, Plan};
use bontsim_core::population::Variability;
use bontsim_core::trial::{run_arm, Responder, TrialAggregate, TrialSettings};
use plotters::prelude::*;
use std::path::Path;

const PATIENTS: u64 = 2000;
const SEED: u64 = 2026;

/// One literature point: arm, responder definition, day, observed percent.
struct Point {
    curve: &'static str,
    product: &'static str,
    units: f64,
    responder: Responder,
    day: usize,
    observed: f64,
    source: &'static str,
}

fn points() -> Vec<Point> {
    use Responder::*;
    let mut p = Vec::new();
    // PMC9558451 (ONA high-dose phase 2): investigator >= 1-grade at weeks 24 and 28, 36.
    for (units, w24, w28) in [
        (20.0, 16.0, 10.0),
        (40.0, 32.0, 20.0),
        (60.0, 30.6, 20.0),
        (80.0, 38.5, 20.0),
    ] {
        p.push(Point {
            curve: "ONA_hd_ph2",
            product: "onabotulinumtoxinA",
            units,
            responder: Improved1,
            day: 168,
            observed: w24,
            source: "PMC9558451 [R]",
        });
        p.push(Point {
            curve: "ONA_hd_ph2",
            product: "onabotulinumtoxinA",
            units,
            responder: Improved1,
            day: 196,
            observed: w28,
            source: "Toxins 2021 Table 2 (KM estimate) [R2]",
        });
    }
    // Carruthers 2005: relapsed at 4 months 83/33/30/28% -> still improved.
    for (units, relapsed) in [(10.0, 83.0), (20.0, 33.0), (30.0, 30.0), (40.0, 28.0)] {
        p.push(Point {
            curve: "ONA_women_dose",
            product: "onabotulinumtoxinA",
            units,
            responder: Improved1,
            day: 120,
            observed: 100.0 - relapsed,
            source: "Carruthers 2005 [R]",
        });
    }
    // Carruthers 2003: none/mild at the day-30 peak, 77%.
    p.push(Point {
        curve: "ONA20_Carr2003",
        product: "onabotulinumtoxinA",
        units: 20.0,
        responder: NoneOrMild,
        day: 30,
        observed: 77.0,
        source: "Carruthers 2003 [R]",
    });
    // Joseph 2021 (ABO 50-125 U): responders (none/mild presumed) at weeks 4, 24, 36.
    for (units, w4, w24, w36) in [
        (50.0, 97.5, 52.5, 17.5),
        (75.0, 97.5, 65.0, 26.3),
        (100.0, 97.5, 57.5, 35.0),
        (125.0, 100.0, 69.1, 30.9),
    ] {
        for (day, observed) in [(28, w4), (168, w24), (252, w36)] {
            p.push(Point {
                curve: "ABO_dose_esc",
                product: "abobotulinumtoxinA",
                units,
                responder: NoneOrMild,
                day,
                observed,
                source: "Joseph 2021 [R]",
            });
        }
    }
    p
}

fn simulate_rate(
    variability: &Variability,
    product: &str,
    units: f64,
    responder: Responder,
    days: usize,
) -> Vec<f64> {
    area_rates(
        variability,
        &glabella_text(product, units),
        "glabella",
        responder,
        days,
    )
}

fn evaluate(variability: &Variability) -> Vec<(f64, f64)> {
    points()
        .iter()
        .map(|p| {
            let curve = simulate_rate(variability, p.product, p.units, p.responder, p.day + 1);
            (p.observed, curve[p.day])
        })
        .collect()
}

fn rms(pairs: &[(f64, f64)], keep: impl Fn(usize) -> bool) -> f64 {
    let chosen: Vec<f64> = pairs
        .iter()
        .enumerate()
        .filter(|(i, _)| keep(*i))
        .map(|(_, (o, m))| (o - m).powi(2))
        .collect();
    (chosen.iter().sum::<f64>() / chosen.len() as f64).sqrt()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut variability = Variability::default();
    let mut grid = false;
    for argument in std::env::args().skip(1) {
        if argument == "grid" {
            grid = true;
            continue;
        }
        let (name, value) = argument.split_once('=').expect("name=value");
        let value: f64 = value.parse()?;
        match name {
            "sensitivity" => variability.sensitivity = value,
            "recovery" => variability.recovery = value,
            other => panic!("unknown {other}"),
        }
    }
    let all = points();
    let is_ona = |i: usize| all[i].product == "onabotulinumtoxinA";
    if grid {
        println!("sensitivity recovery rms_ONA rms_ABO");
        for sensitivity in [0.3, 0.45, 0.6, 0.75, 0.9] {
            for recovery in [0.1, 0.3, 0.5] {
                let v = Variability {
                    sensitivity,
                    recovery,
                    ..variability
                };
                let pairs = evaluate(&v);
                println!(
                    "{sensitivity} {recovery} {:.1} {:.1}",
                    rms(&pairs, is_ona),
                    rms(&pairs, |i| !is_ona(i))
                );
            }
        }
        return Ok(());
    }
    let pairs = evaluate(&variability);
    println!("| curve | product, dose | responder | day | literature % | model % | source |");
    println!("|---|---|---|---|---|---|---|");
    for (p, (observed, model)) in all.iter().zip(&pairs) {
        println!(
            "| {} | {} {} U | {} | {} | {observed:.1} | {model:.1} | {} |",
            p.curve,
            p.product,
            p.units,
            p.responder.name(),
            p.day,
            p.source
        );
    }
    println!("\nRMS error: onabotulinumtoxinA points {:.1} points, abobotulinumtoxinA points {:.1} points ({} virtual patients per arm, seed {SEED}).", rms(&pairs, is_ona), rms(&pairs, |i| !is_ona(i)), PATIENTS);

    // Other curves of the data file, held out (no parameter was set on them): onset, other
    // products, other areas, each with its trial's responder definition.
    println!("\nHeld-out curves:\n");
    println!("| curve | plan | area | responder | day | literature % | model % | source |");
    println!("|---|---|---|---|---|---|---|---|");
    for other in other_points() {
        let rates = area_rates(
            &variability,
            &other.plan_text,
            other.area,
            other.responder,
            other.day + 1,
        );
        println!(
            "| {} | {} | {} | {} | {} | {:.1} | {:.1} | {} |",
            other.curve,
            other.plan,
            other.area,
            other.responder.name(),
            other.day,
            other.observed,
            rates[other.day],
            other.source
        );
    }

    // Figure: ONA >= 1-grade responder curves by dose with the literature points.
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/figures/validation_responders.svg");
    let root = SVGBackend::new(&path, (900, 520)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Virtual trials: ONA glabella, >= 1 grade better than baseline",
            ("sans-serif", 18),
        )
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..280.0, 0.0..100.0)?;
    chart
        .configure_mesh()
        .x_desc("day")
        .y_desc("responders (%)")
        .x_label_formatter(&|d| format!("{d:.0}"))
        .draw()?;
    let colours = [
        RGBColor(31, 119, 180),
        RGBColor(214, 39, 40),
        RGBColor(44, 160, 44),
        RGBColor(148, 103, 189),
        RGBColor(255, 127, 14),
    ];
    for (k, units) in [10.0, 20.0, 40.0, 80.0].iter().enumerate() {
        let colour = colours[k];
        let curve = simulate_rate(
            &variability,
            "onabotulinumtoxinA",
            *units,
            Responder::Improved1,
            280,
        );
        chart
            .draw_series(LineSeries::new(
                curve.iter().enumerate().map(|(d, r)| (d as f64, *r)),
                colour.stroke_width(2),
            ))?
            .label(format!("{units} U (model)"))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
            });
        let observed: Vec<(f64, f64)> = all
            .iter()
            .filter(|p| {
                p.product == "onabotulinumtoxinA"
                    && p.units == *units
                    && p.responder == Responder::Improved1
            })
            .map(|p| (p.day as f64, p.observed))
            .collect();
        chart.draw_series(
            observed
                .into_iter()
                .map(|(x, y)| Circle::new((x, y), 6, colour.filled())),
        )?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

/// A held-out literature point on any area.
struct OtherPoint {
    curve: &'static str,
    plan: String,
    plan_text: String,
    area: &'static str,
    responder: Responder,
    day: usize,
    observed: f64,
    source: &'static str,
}

fn injections(product: &str, sites: &[(&str, &str, f64, f64)]) -> String {
    let mut text = String::from("[patient]\nsex = \"female\"\nage = 45\n");
    for (muscle, side, units, volume) in sites {
        text.push_str(&format!(
            "[[injection]]\nday = 0\nproduct = \"{product}\"\nmuscle = \"{muscle}\"\nside = \"{side}\"\nunits = {units}\nvolume_ml = {volume}\n"
        ));
    }
    text
}

fn glabella_text(product: &str, total: f64) -> String {
    injections(
        product,
        &[
            ("procerus", "midline", total / 5.0, 0.1),
            ("corrugator_supercilii", "left", total * 2.0 / 5.0, 0.2),
            ("corrugator_supercilii", "right", total * 2.0 / 5.0, 0.2),
        ],
    )
}

fn other_points() -> Vec<OtherPoint> {
    use Responder::*;
    let mut points = Vec::new();
    // Beer 2011 (ONA 20 U): subject-reported onset by day 1-4 (model: share already >= 1
    // grade better, nobody having relapsed yet).
    for (day, observed) in [(1, 48.0), (2, 77.0), (3, 93.0), (4, 98.0)] {
        points.push(OtherPoint {
            curve: "ONA20_onset_subj",
            plan: "ONA 20 U glabella".into(),
            plan_text: glabella_text("onabotulinumtoxinA", 20.0),
            area: "glabella",
            responder: Improved1,
            day,
            observed,
            source: "Beer 2011 [R]",
        });
    }
    // SAKURA 1&2: DAXI 40 U median duration of none/mild 24.0 weeks -> 50% at day 168.
    points.push(OtherPoint {
        curve: "DAXI40_SAKURA",
        plan: "DAXI 40 U glabella".into(),
        plan_text: glabella_text("daxibotulinumtoxinA", 40.0),
        area: "glabella",
        responder: NoneOrMild,
        day: 168,
        observed: 50.0,
        source: "SAKURA 1&2 [R]",
    });
    // PRABOT 20 U (EV-001): composite >= 2-point at day 30, 67.5%.
    points.push(OtherPoint {
        curve: "PRABOT20_EV001",
        plan: "PRABOT 20 U glabella".into(),
        plan_text: glabella_text("prabotulinumtoxinA", 20.0),
        area: "glabella",
        responder: Improved2,
        day: 30,
        observed: 67.5,
        source: "Beer 2019 [R]",
    });
    // INCO high dose (KM estimates): not returned to baseline at days 170 and 250.
    for (units, d170, d250) in [(20.0, 14.0, 0.0), (60.0, 81.0, 19.0), (100.0, 100.0, 55.0)] {
        for (day, observed) in [(170, d170), (250, d250)] {
            points.push(OtherPoint {
                curve: "INCO_hd_ph4",
                plan: format!("INCO {units} U glabella"),
                plan_text: glabella_text("incobotulinumtoxinA", units),
                area: "glabella",
                responder: Improved1,
                day,
                observed,
                source: "Toxins 2021 Table 2 (KM estimate) [R2]",
            });
        }
    }
    // Crow's feet ONA 24 U (12 U per side): investigator none/mild at day 30, 66.7%.
    points.push(OtherPoint {
        curve: "CFL24_ph3",
        plan: "ONA 24 U crow's feet".into(),
        plan_text: injections(
            "onabotulinumtoxinA",
            &[
                ("orbicularis_oculi", "left", 12.0, 0.3),
                ("orbicularis_oculi", "right", 12.0, 0.3),
            ],
        ),
        area: "lateral_canthal",
        responder: NoneOrMild,
        day: 30,
        observed: 66.7,
        source: "ASAPS 2013 abstract [R]",
    });
    // Forehead ONA 20 U + glabella 20 U: composite >= 2-grade at day 30, 61% (study 1).
    let mut forehead = injections(
        "onabotulinumtoxinA",
        &[
            ("frontalis", "left", 10.0, 0.25),
            ("frontalis", "right", 10.0, 0.25),
        ],
    );
    forehead.push_str(
        &glabella_text("onabotulinumtoxinA", 20.0)
            .replace("[patient]\nsex = \"female\"\nage = 45\n", ""),
    );
    points.push(OtherPoint {
        curve: "FHL40_S1",
        plan: "ONA 20 U forehead + 20 U glabella".into(),
        plan_text: forehead,
        area: "forehead",
        responder: Improved2,
        day: 30,
        observed: 61.0,
        source: "Botox Cosmetic HCP site [R]",
    });
    points
}

fn area_rates(
    variability: &Variability,
    plan_text: &str,
    area: &str,
    responder: Responder,
    days: usize,
) -> Vec<f64> {
    let plan = Plan::parse(plan_text, Format::Toml).expect("valid plan");
    let settings = TrialSettings {
        seed: SEED,
        patients: PATIENTS,
        days,
        responder,
        atrophy_days: vec![],
    };
    let arm = run_arm("fit", &plan, &settings, variability, 0..PATIENTS);
    let aggregate = TrialAggregate {
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
