//! Prints the typical patient's calibration targets beside the model, for the parameters
//! given as `name=value` arguments (defaults: `Parameters::TYPICAL`). This is how the
//! fitted values in `docs/model.md` were chosen:
//! `cargo run --release -p bontsim-core --example calibrate -- ec50=0.4 k_r0=0.05`.

use bontsim_core::metrics::{self, build_report};
use bontsim_core::plan::{InjectionEntry, Plan, Sex, Site};
use bontsim_core::{simulate, Parameters, SolverOptions};

fn glabella(units_per_site: f64) -> Plan {
    Plan::builder()
        .patient(Sex::Female, 42.0)
        .glabella_pattern(ONA, 5.0 * units_per_site)
        .build()
        .expect("valid plan")
}

fn single(muscle: &str, units: f64, volume: f64) -> Plan {
    Plan::builder()
        .patient(Sex::Female, 35.0)
        .injection(InjectionEntry::new(ONA, muscle, Site::Left, units).volume_ml(volume))
        .build()
        .expect("valid plan")
}

const ONA: &str = "onabotulinumtoxinA";

fn main() {
    let mut parameters = Parameters::TYPICAL;
    for argument in std::env::args().skip(1) {
        let (name, value) = argument.split_once('=').expect("name=value");
        let value: f64 = value.parse().expect("number");
        match parameters.by_name_mut(name) {
            Some(field) => *field = value,
            None => panic!("unknown parameter {name}"),
        }
    }
    let options = SolverOptions::default();
    let run = |plan: &Plan, days: usize| {
        let simulation = simulate(plan, &parameters, days, &options);
        build_report(plan, &simulation, &parameters)
    };
    println!("{:<58} {:>10} {:>16}", "target", "model", "literature");
    for (units_per_site, label) in [(2.0, "10"), (4.0, "20"), (8.0, "40"), (16.0, "80")] {
        let report = run(&glabella(units_per_site), 400);
        let area = &report.areas[0].summary;
        let ptosis = report.risk("eyelid_ptosis").unwrap();
        println!(
            "ONA {label:>2} U glabella: days improved >= 1 grade (baseline 3) {:>10} {:>16}",
            area.days_improved_1,
            match label {
                "10" => "<120 (83% rel.)",
                "20" => "138 (19.7 wk)",
                "40" => ">=168 (24 wk)",
                _ => ">=168",
            }
        );
        println!(
            "ONA {label:>2} U glabella: days none/mild                     {:>10} {:>16}",
            area.days_none_or_mild,
            if label == "40" {
                "168 (DAXI40 24wk)"
            } else {
                ""
            }
        );
        println!(
            "ONA {label:>2} U glabella: onset day / peak day / nadir sev.   {:>10} {:>16}",
            format!(
                "{:?}/{}/{:.2}",
                area.onset_day, area.peak_day, area.nadir_severity
            ),
            "1-2 / 14-30"
        );
        println!(
            "ONA {label:>2} U glabella: eyelid ptosis risk                 {:>10.4} {:>16}",
            ptosis, "0.009-0.054"
        );
        if label == "20" {
            let m = report.muscle("corrugator_supercilii").unwrap();
            let lps = report
                .muscle("levator_palpebrae_superioris")
                .map(|m| m.summary.max_blockade);
            let oc = report
                .muscle("orbicularis_oculi")
                .map(|m| m.summary.max_blockade);
            let f = report.muscle("frontalis").map(|m| m.summary.max_blockade);
            println!("  corrugator received {:.2} U, strength d2 {:.2} d4 {:.2} d21 {:.2} d90 {:.2}; LPS {lps:?} OOc {oc:?} frontalis {f:?}",
                m.received_units, m.daily[2].strength, m.daily[4].strength, m.daily[21].strength, m.daily[90].strength);
        }
    }
    let report = run(&single("corrugator_supercilii", 8.0, 0.2), 120);
    let m = &report.muscle("corrugator_supercilii").unwrap();
    println!(
        "corrugator 8 U: strength day 21 / day 90              {:>10} {:>16}",
        format!("{:.2}/{:.2}", m.daily[21].strength, m.daily[90].strength),
        "0.22-0.36 / part."
    );
    let report = run(&single("depressor_anguli_oris", 2.0, 0.05), 120);
    let m = &report.muscle("depressor_anguli_oris").unwrap();
    println!(
        "DAO 2 U: strength day 21 / day 90                     {:>10} {:>16}",
        format!("{:.2}/{:.2}", m.daily[21].strength, m.daily[90].strength),
        "0.46-0.82 / part."
    );
    for units in [25.0, 35.0, 50.0] {
        let report = run(&single("masseter", units, 0.5), 400);
        let m = &report.muscle("masseter").unwrap();
        println!(
            "masseter {units} U: volume nadir / day / d84 / d175 / d270 {:>10} {:>16}",
            format!(
                "{:.3}/{}/{:.3}/{:.3}/{:.3}",
                m.summary.minimum_volume,
                m.daily
                    .iter()
                    .enumerate()
                    .min_by(|a, b| a.1.volume.total_cmp(&b.1.volume))
                    .unwrap()
                    .0,
                m.daily[84].volume,
                m.daily[175].volume,
                m.daily[270].volume
            ),
            "0.67-0.75 / 77-84 / <1 at 175"
        );
        println!(
            "masseter {units} U: strength d7 / d30 / d60 / d90 / d180   {:>10} {:>16}",
            format!(
                "{:.2}/{:.2}/{:.2}/{:.2}/{:.2}",
                m.daily[7].strength,
                m.daily[30].strength,
                m.daily[60].strength,
                m.daily[90].strength,
                m.daily[180].strength
            ),
            ""
        );
        let smile = report.risk("smile_asymmetry").unwrap();
        println!("masseter {units} U: smile risk {smile:.5} (0.0015)");
    }
    let _ = metrics::EFFECT_STRENGTH;
}
