use super::*;
use std::sync::atomic::{AtomicU64, Ordering};

const GLABELLA: &str = "[patient]\nsex = \"female\"\nage = 42\n\n[[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"procerus\"\nside = \"midline\"\nunits = 4\n\n[[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"corrugator_supercilii\"\nside = \"left\"\nunits = 8\n";

fn plan() -> Plan {
    Plan::parse(GLABELLA, Format::Toml).expect("valid plan")
}

fn arm() -> TrialArm {
    TrialArm {
        name: "glabella".into(),
        plan: plan(),
        plan_sha256: crate::partial::plan_sha256(GLABELLA.as_bytes()),
    }
}

fn field_of(error: Error) -> &'static str {
    match error {
        Error::Request(error) => error.field(),
        other => panic!("not a request error: {other}"),
    }
}

#[test]
fn requests_name_the_field_they_refuse() {
    let engine = Engine::default();
    let plan = plan();
    let mut simulate = SimulateRequest::new(&plan);
    simulate.days = Some(crate::plan::MAX_DAYS + 1);
    assert_eq!(field_of(engine.simulate(&simulate).unwrap_err()), "days");
    simulate.days = Some(100);
    simulate.face_days = vec![100];
    assert_eq!(
        field_of(engine.simulate(&simulate).unwrap_err()),
        "face_days"
    );

    let mut trial = TrialRequest::new(vec![arm()], 0);
    assert_eq!(
        field_of(engine.trial(&trial, &|_| {}).unwrap_err()),
        "patients"
    );
    trial.patients = 4;
    trial.threads = Some(0);
    assert_eq!(
        field_of(engine.trial(&trial, &|_| {}).unwrap_err()),
        "threads"
    );

    let mut sensitivity = SensitivityRequest::new(&plan);
    sensitivity.samples = 7;
    assert_eq!(
        field_of(engine.sensitivity(&sensitivity, &|_| {}).unwrap_err()),
        "samples"
    );
    sensitivity.samples = 8;
    sensitivity.days = Some(100);
    sensitivity.mass_day = 100;
    assert_eq!(
        field_of(engine.sensitivity(&sensitivity, &|_| {}).unwrap_err()),
        "mass_day"
    );

    let mut symmetry = SymmetryRequest::new(&plan);
    symmetry.product = "snake oil".into();
    assert_eq!(
        field_of(engine.plan_symmetry(&symmetry).unwrap_err()),
        "product"
    );
    symmetry.product = "onabotulinumtoxinA".into();
    symmetry.step_units = 60.0;
    assert_eq!(
        field_of(engine.plan_symmetry(&symmetry).unwrap_err()),
        "step_units"
    );
    symmetry.step_units = 2.5;
    assert_eq!(
        field_of(engine.plan_symmetry(&symmetry).unwrap_err()),
        "palsy"
    );
}

#[test]
fn shards_and_responders_parse_or_say_why_not() {
    assert_eq!(Shard::parse("2/8"), Ok(Shard { index: 2, count: 8 }));
    for bad in ["2", "0/3", "4/3", "a/3"] {
        assert_eq!(Shard::parse(bad).unwrap_err().field(), "shard", "{bad}");
    }
    assert_eq!(
        parse_responder("improved_2"),
        Ok(crate::trial::Responder::Improved2)
    );
    let error = parse_responder("all").unwrap_err();
    assert_eq!(
        error.reason(),
        "\"all\" is not one of none_or_mild, improved_1, improved_2, rest_improved_1, rest_none"
    );
    assert_eq!(
        parse_responder("rest_none"),
        Ok(crate::trial::Responder::RestNone)
    );
}

#[test]
fn the_trial_does_not_depend_on_the_thread_count_and_reports_its_progress() {
    let engine = Engine::default();
    let mut request = TrialRequest::new(vec![arm()], 150);
    request.days = Some(120);
    let done = AtomicU64::new(0);
    request.threads = Some(1);
    let one = engine
        .trial(&request, &|p| {
            assert!(p.done <= p.total && p.total == 150);
            done.fetch_max(p.done, Ordering::Relaxed);
        })
        .unwrap();
    assert_eq!(done.load(Ordering::Relaxed), 150);
    request.threads = Some(3);
    let three = engine.trial(&request, &|_| {}).unwrap();
    assert_eq!(one, three);

    // Two shards merged are the whole trial.
    let TrialOutcome::Whole(whole) = one else {
        panic!("a whole trial")
    };
    let mut partials = Vec::new();
    for index in 1..=2 {
        request.shard = Some(Shard::new(index, 2).unwrap());
        match engine.trial(&request, &|_| {}).unwrap() {
            TrialOutcome::Partial(partial) => partials.push((format!("shard {index}"), partial)),
            TrialOutcome::Whole(_) => panic!("a shard gives a partial result"),
        }
    }
    let merged = engine.trial_merge(&partials).unwrap();
    let json = |aggregate: &TrialAggregate| serde_json::to_string(&aggregate.summary()).unwrap();
    assert_eq!(json(&merged), json(&whole));
}

#[test]
fn the_model_is_the_one_predicted_with() {
    let plan = plan();
    let mut request = SimulateRequest::new(&plan);
    request.days = Some(200);
    let typical = Engine::default().simulate(&request).unwrap();
    let mut model = Model::default();
    model.parameters.k_l *= 0.5;
    let slow = Engine::new(model).simulate(&request).unwrap();
    let effect = |report: &Report| report.muscle("procerus").unwrap().summary.days_of_effect;
    assert!(
        effect(&slow) > effect(&typical),
        "slower terminal recovery lasts longer: {} vs {}",
        effect(&slow),
        effect(&typical)
    );
}

#[test]
fn a_cancelled_trial_stops_before_its_remaining_chunks() {
    let engine = Engine::default();
    let mut request = TrialRequest::new(vec![arm()], 64 * 40);
    request.days = Some(60);
    request.threads = Some(1);
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let done = AtomicU64::new(0);
    let outcome = engine.trial_cancellable(
        &request,
        &|p| {
            done.store(p.done, Ordering::Relaxed);
            if p.done >= 64 {
                cancel.store(true, Ordering::Relaxed);
            }
        },
        &cancel,
    );
    assert!(matches!(outcome, Err(Error::Cancelled)), "{outcome:?}");
    // One thread: the chunk that asked to stop is the last one simulated.
    assert_eq!(done.load(Ordering::Relaxed), 64);
}

#[test]
fn muscles_alone_are_the_muscles_of_the_whole_report() {
    let engine = Engine::default();
    for text in [
        GLABELLA,
        include_str!("../../../../examples/masseter_25u_every_3_months.toml"),
        include_str!("../../../../examples/palsy_acute_bell_healthy_side.toml"),
    ] {
        let plan = Plan::parse(text, Format::Toml).expect("valid plan");
        let mut request = SimulateRequest::new(&plan);
        request.days = Some(900);
        let whole = engine.simulate(&request).expect("simulates");
        let muscles = engine.simulate_muscles(&request).expect("simulates");
        assert!(!muscles.is_empty());
        // Debug prints every number in full (shortest round-trip form): equal text is equal bits.
        assert_eq!(format!("{muscles:?}"), format!("{:?}", whole.muscles));
        request.days = Some(0);
        assert_eq!(
            field_of(engine.simulate_muscles(&request).unwrap_err()),
            "days"
        );
    }
}
