//! The patient of the individual-forecasting benchmarks (`benches/fit.rs`) and of the
//! CPU-time measurement of `optimise` (`examples/optimise_cpu_time.rs`): one patient treated
//! every 4 months for three years (glabella 20 U and masseters 25 U a side) with observations
//! at every visit, simulated for a patient half a prior SD less sensitive than typical.

use bontsim_core::engine::Model;
use bontsim_core::fit::individual::IndividualModel;
use bontsim_core::fit::predict::{Prediction, Quantity, ReturnTarget};
use bontsim_core::fit::{Observation, ObservationKind};
use bontsim_core::plan::{Format, Plan};

pub fn three_year_patient() -> (Plan, Vec<Observation>) {
    let mut text = String::from("[patient]\nsex = \"female\"\nage = 38\n");
    for (muscle, side, units) in [
        ("procerus", "midline", 4),
        ("corrugator_supercilii", "left", 8),
        ("corrugator_supercilii", "right", 8),
        ("masseter", "left", 25),
        ("masseter", "right", 25),
    ] {
        text += &format!(
            "[[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"{muscle}\"\nside = \"{side}\"\nunits = {units}\nevery_days = 120\ntimes = 9\n"
        );
    }
    let plan = Plan::parse(&text, Format::Toml).unwrap();
    // Observations of a patient half a prior SD less sensitive than typical, from the model.
    let model = Model::default();
    let individual = IndividualModel::new(&model.variability);
    let mut z = vec![0.0; individual.len()];
    z[0] = -0.5;
    let (patient, parameters) = individual.patient(&plan, &model, &z);
    let prediction = Prediction::new(&patient, &parameters, &model, 1100, false);
    let severity = prediction.series(&Quantity::SeverityMax("glabella"));
    let masseter = bontsim_core::anatomy::Anatomy::get()
        .index_of("masseter")
        .unwrap();
    let thickness = prediction.series(&Quantity::ThicknessMm(
        masseter,
        bontsim_core::anatomy::Side::Left,
    ));
    let mut observations = Vec::new();
    for cycle in 0..9 {
        let start = cycle as f64 * 120.0;
        let observe = |kind, day: f64, value: f64| Observation {
            day,
            kind,
            area: (kind != ObservationKind::ThicknessMm).then_some("glabella"),
            muscle: (kind == ObservationKind::ThicknessMm).then_some(masseter),
            side: (kind == ObservationKind::ThicknessMm)
                .then_some(bontsim_core::anatomy::Side::Left),
            value,
            sd: None,
        };
        let returned =
            prediction.return_day(&ReturnTarget::Area("glabella"), start, Some(start + 120.0));
        observations.push(observe(
            ObservationKind::SeverityMax,
            start + 14.0,
            severity[start as usize + 14].round(),
        ));
        observations.push(observe(
            ObservationKind::MovementReturned,
            start + 100.0,
            f64::from(u8::from(returned <= start + 100.0)),
        ));
        observations.push(observe(
            ObservationKind::ThicknessMm,
            start + 60.0,
            (thickness[start as usize + 60] * 10.0).round() / 10.0,
        ));
    }
    (plan, observations)
}
