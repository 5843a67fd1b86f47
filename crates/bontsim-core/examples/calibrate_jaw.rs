//! Prints the bite force of the model beside Kang et al. Toxins 2025;17:519 (change from
//! baseline in N; `data/literature/muscle_and_palsy_points.csv`, series `bite_force_delta_*`),
//! with residuals and RMS per series: masseter only (M) and masseter + temporalis (MT) were
//! fitted, masseter + temporalis + medial pterygoid (MTP) is held out and, as the medial
//! pterygoid is not simulated, shown with the temporalis' strength standing in for it.
//! `cargo run --release -p bontsim-core --example calibrate_jaw -- rate=0.06 baseline=800`
//! (the fitted values are the defaults; see docs/model.md sec. 2.10, docs/validation.md).

use bontsim_core::anatomy::Anatomy;
use bontsim_core::jaw::{bite_force_at_rate, mean_strength, COMPENSATION_RATE};
use bontsim_core::plan::{Format, Plan};
use bontsim_core::{simulate, Parameters, SolverOptions};

const DATA: &str = include_str!("../data/literature/muscle_and_palsy_points.csv");

/// Usual doses (Kang's were not read): masseter 25 U per side, temporalis 20 U per side
/// (Jang 2014).
fn plan(temporalis: bool) -> String {
    let mut text = String::from("[patient]\nsex = \"male\"\nage = 30\n");
    let mut muscles = vec![("masseter", 25.0)];
    if temporalis {
        muscles.push(("temporalis", 20.0));
    }
    for (muscle, units) in muscles {
        for side in ["left", "right"] {
            text += &format!(
                "[[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"{muscle}\"\nside = \"{side}\"\nunits = {units}\nvolume_ml = 0.5\n"
            );
        }
    }
    text
}

/// The points of one series as (day, change in N): a week is 7 days, a month 30.
fn series(name: &str) -> Vec<(usize, f64)> {
    DATA.lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            (fields.first() == Some(&name)).then(|| {
                let time: f64 = fields[1].parse().expect("time");
                let days = if fields[2] == "week" { 7.0 } else { 30.0 };
                ((time * days) as usize, fields[3].parse().expect("value"))
            })
        })
        .collect()
}

fn main() {
    let mut rate = COMPENSATION_RATE;
    let mut baseline = 800.0;
    for argument in std::env::args().skip(1) {
        let (name, value) = argument.split_once('=').expect("name=value");
        let value: f64 = value.parse().expect("number");
        match name {
            "rate" => rate = value,
            "baseline" => baseline = value,
            _ => panic!("unknown argument {name}: rate or baseline"),
        }
    }
    let anatomy = Anatomy::get();
    let strengths = |temporalis: bool| {
        let plan = Plan::parse(&plan(temporalis), Format::Toml).unwrap();
        let simulation = simulate(&plan, &Parameters::TYPICAL, 400, &SolverOptions::default());
        (
            mean_strength(&simulation, anatomy.index_of("masseter")),
            mean_strength(&simulation, anatomy.index_of("temporalis")),
        )
    };
    let (masseter_only, untreated) = strengths(false);
    let (masseter, temporalis) = strengths(true);
    let cases = [
        (
            "bite_force_delta_M",
            "fitted",
            &masseter_only,
            &untreated,
            &untreated,
        ),
        (
            "bite_force_delta_MT",
            "fitted",
            &masseter,
            &temporalis,
            &untreated,
        ),
        (
            "bite_force_delta_MTP",
            "held out",
            &masseter,
            &temporalis,
            &temporalis,
        ),
    ];
    println!("rate {rate}/day, baseline {baseline} N");
    println!(
        "{:<22} {:>9} {:>5} {:>9} {:>9} {:>9}",
        "series", "", "day", "Kang N", "model N", "residual"
    );
    for (name, status, m, t, p) in cases {
        let force = bite_force_at_rate(rate, m, t, p);
        let mut squares = 0.0;
        let points = series(name);
        for &(day, observed) in &points {
            let model = baseline * (force[day] - 1.0);
            squares += (model - observed).powi(2);
            println!(
                "{name:<22} {status:>9} {day:>5} {observed:>9.1} {model:>9.1} {:>9.1}",
                model - observed
            );
        }
        println!(
            "{name:<22} RMS {:.1} N",
            (squares / points.len() as f64).sqrt()
        );
    }
}
