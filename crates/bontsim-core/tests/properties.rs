//! Property tests: no input, however malformed, panics the parser; no plan the parser
//! accepts makes the model produce NaN or leave physical bounds.

use bontsim_core::anatomy::Anatomy;
use bontsim_core::plan::schema::MuscleOverrideFile;
use bontsim_core::plan::{Format, InjectionEntry, Plan, Sex, Site};
use bontsim_core::{metrics, simulate, Parameters, SolverOptions};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, rng_seed: proptest::test_runner::RngSeed::Fixed(20261123), ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic_the_parser(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = Plan::parse(&text, Format::Toml);
        let _ = Plan::parse(&text, Format::Json);
    }

    #[test]
    fn random_key_values_never_panic_the_parser(
        key in "[a-z_]{1,12}",
        value in prop_oneof![Just("nan".to_string()), Just("inf".to_string()), Just("-1".to_string()),
                             Just("\"x\"".to_string()), Just("1e308".to_string()), "[0-9]{1,6}"],
    ) {
        let text = format!("[patient]\nsex = \"male\"\nage = 40\n[[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"masseter\"\nside = \"left\"\nunits = 10\n{key} = {value}\n");
        let _ = Plan::parse(&text, Format::Toml);
    }
}

fn injection_strategy() -> impl Strategy<Value = (usize, usize, f64, f64, f64, u8, f64)> {
    let injectable: Vec<usize> = Anatomy::get()
        .muscles
        .iter()
        .enumerate()
        .filter(|(_, m)| m.injectable)
        .map(|(i, _)| i)
        .collect();
    (
        proptest::sample::select(injectable),
        0usize..2,
        0.01f64..200.0,
        0.0f64..400.0,
        0.01f64..2.0,
        1u8..5,
        1.0f64..200.0,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, rng_seed: proptest::test_runner::RngSeed::Fixed(20261123), ..ProptestConfig::default() })]

    #[test]
    fn random_plans_give_finite_bounded_outputs(
        injections in proptest::collection::vec(injection_strategy(), 1..6),
        sensitivity in 0.2f64..5.0,
    ) {
        let anatomy = Anatomy::get();
        let mut plan = Plan::builder().patient(Sex::Female, 50.0).muscle_override(
            "masseter",
            MuscleOverrideFile { sensitivity: Some(sensitivity), ..MuscleOverrideFile::default() },
        );
        for (muscle, side, units, day, volume, times, every) in injections {
            plan = plan.injection(
                InjectionEntry::new("onabotulinumtoxinA", &anatomy.muscles[muscle].name, [Site::Left, Site::Right][side], units)
                    .day(day)
                    .volume_ml(volume)
                    .repeat(every, i64::from(times)),
            );
        }
        let plan = plan.build().expect("generated plans are valid");
        let simulation = simulate(&plan, &Parameters::TYPICAL, 900, &SolverOptions::default());
        let report = metrics::build_report(&plan, &simulation, &Parameters::TYPICAL);
        // serde_json writes a NaN or infinity as null: only the optional keys may be null.
        let value = serde_json::to_value(&report).unwrap();
        prop_assert_eq!(unexpected_nulls(&value, ""), Vec::<String>::new());
        for muscle in &report.muscles {
            for d in &muscle.daily {
                prop_assert!(d.blockade.is_finite() && (0.0..=1.0).contains(&d.blockade));
                prop_assert!(d.strength.is_finite() && d.strength >= -1e-6 && d.strength <= 1.0 + 1e-6, "strength {} blockade {} mass {} day {}", d.strength, d.blockade, d.mass, d.day);
                prop_assert!(d.mass.is_finite() && d.mass > 0.0 && d.mass <= 1.0 + 1e-6);
                prop_assert!(d.volume.is_finite() && d.volume > 0.0 && d.volume <= 1.2);
            }
        }
        for risk in &report.risks {
            prop_assert!((0.0..=1.0).contains(&risk.probability), "{} = {}", risk.risk, risk.probability);
        }
        for d in &report.face.daily {
            prop_assert!((0.0..=100.0).contains(&d.sunnybrook) && (0.0..=100.0).contains(&d.eface_total));
            prop_assert!((1..=6).contains(&d.house_brackmann));
            prop_assert!((0.0..=1.0 + 1e-9).contains(&d.expressivity));
        }
    }
}

fn unexpected_nulls(value: &serde_json::Value, key: &str) -> Vec<String> {
    const OPTIONAL: [&str; 8] = [
        "recovered_day",
        "onset_day",
        "converted_day",
        "start_date",
        "date",
        "lower_face",
        "line",
        "affected_side",
    ];
    match value {
        serde_json::Value::Null if !OPTIONAL.contains(&key) => vec![key.to_string()],
        serde_json::Value::Array(items) => items
            .iter()
            .flat_map(|v| unexpected_nulls(v, key))
            .collect(),
        serde_json::Value::Object(map) => map
            .iter()
            .flat_map(|(k, v)| unexpected_nulls(v, k))
            .collect(),
        _ => Vec::new(),
    }
}
