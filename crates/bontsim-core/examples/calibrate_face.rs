//! Prints the palsy calibration targets beside the model for the face-course parameters given
//! as `name=value` arguments (defaults: `CourseParameters::TYPICAL`). This is how the fitted
//! values of docs/model.md ("Face") were chosen, and it prints the checks that were not fitted:
//! `cargo run --release -p bontsim-core --example calibrate_face -- recovery_time_constant_days=90`.

use bontsim_core::face::course::CourseParameters;
use bontsim_core::face::{self, FaceReport};
use bontsim_core::plan::palsy::{PalsyFile, TherapyFile, BRANCHES};
use bontsim_core::plan::{InjectionEntry, Plan, Sex, Site};
use bontsim_core::{simulate, Parameters, SolverOptions};
use std::collections::BTreeMap;

/// The calibration patient with a palsy profile, optional therapy and injections.
fn plan(palsy: PalsyFile, therapy: Option<TherapyFile>, injections: &[InjectionEntry]) -> Plan {
    let mut builder = Plan::builder().patient(Sex::Female, 45.0).palsy(palsy);
    if let Some(therapy) = therapy {
        builder = builder.therapy(therapy);
    }
    for injection in injections {
        builder = builder.injection(injection.clone());
    }
    builder.build().expect("calibration plan is valid")
}

fn injections(site: Site, day: f64, doses: &[(&str, f64)]) -> Vec<InjectionEntry> {
    doses
        .iter()
        .map(|(muscle, units)| {
            InjectionEntry::new("onabotulinumtoxinA", muscle, site, *units).day(day)
        })
        .collect()
}

fn face(plan: &Plan, days: usize, parameters: &CourseParameters) -> FaceReport {
    let simulation = simulate(plan, &Parameters::TYPICAL, days, &SolverOptions::default());
    face::report(plan, &simulation, parameters, &[]).0
}

fn first_day_at_most_grade(report: &FaceReport, grade: u8) -> Option<usize> {
    report
        .daily
        .iter()
        .find(|d| d.house_brackmann <= grade)
        .map(|d| d.day)
}

/// Acute Bell's palsy, House-Brackmann IV at onset (day 0) [E: the Seoul cohort's onset
/// grades were not read].
fn acute_palsy() -> PalsyFile {
    PalsyFile {
        affected_side: Some("left".into()),
        house_brackmann: Some(4),
        onset_day: Some(0.0),
        ..PalsyFile::default()
    }
}

/// Healthy-side doses of acute palsy (Kim 2013: 2.5-3 U per site, mean 47.5 U) [R total;
/// per-muscle split E].
pub const ACUTE_HEALTHY_SIDE: [(&str, f64); 8] = [
    ("frontalis", 10.0),
    ("corrugator_supercilii", 5.0),
    ("zygomaticus_major", 7.5),
    ("zygomaticus_minor", 5.0),
    ("risorius", 5.0),
    ("depressor_anguli_oris", 5.0),
    ("levator_labii_superioris", 5.0),
    ("depressor_labii_inferioris", 5.0),
];

/// Chronic synkinesis after palsy, Sunnybrook about 66 (Pourmomeny RCT saline arm baseline
/// 66.31 [R]) [E profile].
fn chronic_synkinesis() -> PalsyFile {
    let table = |entries: &[(&str, f64)]| -> BTreeMap<String, f64> {
        entries.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    };
    PalsyFile {
        affected_side: Some("left".into()),
        onset_day: Some(-500.0),
        branches: table(&BRANCHES.map(|branch| (branch, 0.65))),
        synkinesis: table(&[
            ("oral_ocular", 0.5),
            ("ocular_oral", 0.3),
            ("mentalis", 0.3),
            ("platysma", 0.3),
        ]),
        ..PalsyFile::default()
    }
}

fn biofeedback() -> Option<TherapyFile> {
    Some(TherapyFile {
        kind: Some("neuromuscular_retraining".into()),
        start_day: Some(0.0),
        end_day: Some(120.0),
        sessions_per_week: Some(3.0),
    })
}

/// Affected-side synkinesis doses (Choi 2013: 1.5-2.5 U per site, mean 17.1 U) [R total;
/// split E].
pub const SYNKINESIS_DOSES: [(&str, f64); 4] = [
    ("orbicularis_oculi", 7.5),
    ("mentalis", 2.5),
    ("platysma", 5.0),
    ("depressor_anguli_oris", 2.5),
];

fn main() {
    let mut parameters = CourseParameters::TYPICAL;
    for argument in std::env::args().skip(1) {
        let (name, value) = argument.split_once('=').expect("name=value");
        let value: f64 = value.parse().expect("a number");
        match parameters.by_name_mut(name) {
            Some(field) => *field = value,
            None => panic!("unknown parameter {name}"),
        }
    }
    println!("{parameters:?}\n");

    let untreated = face(&plan(acute_palsy(), None, &[]), 365, &parameters);
    let treated = face(
        &plan(
            acute_palsy(),
            None,
            &injections(Site::Right, 10.0, &ACUTE_HEALTHY_SIDE),
        ),
        365,
        &parameters,
    );
    println!("Acute palsy, House-Brackmann IV at onset: days to grade II or better");
    println!(
        "  no toxin [fitted]: model {:?}, Eur Arch ORL 2025: 93.0 +- 62",
        first_day_at_most_grade(&untreated, 2)
    );
    println!(
        "  healthy side 47.5 U on day 10 [check]: model {:?}, Eur Arch ORL 2025: 68.7 +- 66.6",
        first_day_at_most_grade(&treated, 2)
    );

    let days = 121;
    let at = |report: &FaceReport, day: usize| report.daily[day].sunnybrook;
    let chronic = face(&plan(chronic_synkinesis(), None, &[]), days, &parameters);
    let therapy = face(
        &plan(chronic_synkinesis(), biofeedback(), &[]),
        days,
        &parameters,
    );
    let both = face(
        &plan(
            chronic_synkinesis(),
            biofeedback(),
            &injections(Site::Left, 0.0, &SYNKINESIS_DOSES),
        ),
        days,
        &parameters,
    );
    let toxin = face(
        &plan(
            chronic_synkinesis(),
            None,
            &injections(Site::Left, 0.0, &SYNKINESIS_DOSES),
        ),
        days,
        &parameters,
    );
    println!("\nChronic synkinesis, Sunnybrook composite day 0 -> day 120");
    println!(
        "  untreated: {:.1} -> {:.1}",
        at(&chronic, 0),
        at(&chronic, 120)
    );
    println!(
        "  biofeedback 3x/week for 4 months [fitted]: {:.1} -> {:.1} ({:+.1}); Pourmomeny saline + biofeedback 66.31 -> 81.37 (+15.1)",
        at(&therapy, 0),
        at(&therapy, 120),
        at(&therapy, 120) - at(&therapy, 0)
    );
    println!(
        "  toxin + biofeedback [check]: {:.1} -> {:.1} ({:+.1}); Pourmomeny BTX + biofeedback 55.17 -> 74.17 (+19.0)",
        at(&both, 0),
        at(&both, 120),
        at(&both, 120) - at(&both, 0)
    );
    println!(
        "  toxin alone [check]: {:+.1}% vs retraining alone {:+.1}%; Pourmomeny (17932): +3% vs +24%",
        100.0 * (at(&toxin, 120) / at(&toxin, 0) - 1.0),
        100.0 * (at(&therapy, 120) / at(&therapy, 0) - 1.0)
    );
    println!(
        "  toxin alone at day 30 [check]: {:.1} -> {:.1}, synkinesis {:.1} -> {:.1}, voluntary {:.1} -> {:.1}; OPRS 2014: composite 57.6 -> 45.2 at 1 month",
        at(&toxin, 0),
        at(&toxin, 30),
        toxin.daily[0].sunnybrook_synkinesis,
        toxin.daily[30].sunnybrook_synkinesis,
        toxin.daily[0].sunnybrook_voluntary,
        toxin.daily[30].sunnybrook_voluntary
    );
}
