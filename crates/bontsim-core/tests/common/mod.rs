//! Plans shared by the core's integration tests.

use bontsim_core::anatomy::Anatomy;
use bontsim_core::plan::{Format, Plan};

/// An example plan of the repository's `examples/` directory.
pub fn example(name: &str) -> Plan {
    let path = format!("{}/../../examples/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    Plan::parse(&text, Format::Toml).unwrap_or_else(|e| panic!("{path}: {e:?}"))
}

/// The benchmark's full face (`benches/simulate.rs`): every injectable muscle on both sides,
/// mid-range usual dose, every 120 days x 6.
pub fn full_face() -> Plan {
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
