//! End-to-end test: a forehead treatment's brow ptosis shows in the face model (a
//! ptosis from spread must be visible on the face), and wears off.

mod common;

use common::*;
use serde_json::Value;

#[test]
fn a_forehead_treatment_lowers_the_brows_at_rest_then_they_return() {
    let output = run([
        "simulate",
        example("forehead_and_crows_feet.toml").to_str().unwrap(),
        "--face-days",
        "0,14,365",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let at = array(&report["face"], "at");
    let brow: Vec<f64> = at
        .iter()
        .map(|a| emotrics(a, "brow_height", "rest").0)
        .collect();
    let mut checks = Checks::new("brow ptosis in the face");
    // Frontalis tone holds the brow up to 3 mm (data/face.toml [E]); the label's forehead
    // dose blocks a part of it at its peak: a drop of at least 0.5 mm is visible.
    checks.above("brow drop at day 14 (mm)", brow[0] - brow[1], 0.5);
    checks.below(
        "brow at day 365 vs day 0 (mm)",
        (brow[0] - brow[2]).abs(),
        0.1,
    );
    // Expressivity falls with the forehead's movement, and comes back.
    let expressivity: Vec<f64> = at.iter().map(|a| num(a, "expressivity")).collect();
    checks.below("expressivity at day 14", expressivity[1], 0.95);
    checks.above("expressivity at day 365", expressivity[2], 0.99);
    checks.finish();
}

#[test]
fn a_full_recovery_course_past_its_plateau_keeps_the_plans_deficit_not_nan() {
    let dir = temp_dir("face-nan");
    let path = dir.join("plan.toml");
    std::fs::write(
        &path,
        "[patient]\nsex = \"female\"\nage = 50\n[palsy]\naffected_side = \"left\"\nhouse_brackmann = 4\nonset_day = -1000\nexpected_recovery = 1.0\n",
    )
    .unwrap();
    let output = run(["simulate", path.to_str().unwrap(), "--days", "40"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    for at in array(&report["face"], "at") {
        for (branch, value) in at["nerve_function"].as_object().unwrap() {
            assert_eq!(value.as_f64(), Some(0.35), "{branch} on day {}", at["day"]);
        }
        assert_eq!(num(at, "house_brackmann"), 4.0);
    }
}
