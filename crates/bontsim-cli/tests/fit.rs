//! `bontsim fit` end to end on the real binary. Observations are simulated from the model
//! itself (patients whose sensitivity is set by the plan's overrides), so the checks hold
//! whatever the model's parameters: the posterior moves the right way, censored and ordinal
//! observations push it where they should, its intervals cover the truth, bad input exits 2.

mod common;

use common::{run, stderr, temp_dir};
use serde_json::Value;
use std::path::{Path, PathBuf};

const MUSCLES: [(&str, &str, f64); 3] = [
    ("procerus", "midline", 4.0),
    ("corrugator_supercilii", "left", 8.0),
    ("corrugator_supercilii", "right", 8.0),
];

/// A glabella plan (20 U on the given days) for a patient whose toxin sensitivity is
/// `sensitivity` times the typical patient's (1: no override).
fn glabella_plan(days: &[u32], sensitivity: f64) -> String {
    let mut plan = String::from("[patient]\nsex = \"female\"\nage = 40\n");
    if sensitivity != 1.0 {
        for muscle in ["procerus", "corrugator_supercilii"] {
            plan += &format!("[patient.muscles.{muscle}]\nsensitivity = {sensitivity}\n");
        }
    }
    for day in days {
        for (muscle, side, units) in MUSCLES {
            plan += &format!(
                "[[injection]]\nday = {day}\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"{muscle}\"\nside = \"{side}\"\nunits = {units}\n"
            );
        }
    }
    plan
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The glabella's daily severity of a plan (simulate JSON).
fn severity(plan: &Path, days: u32) -> Vec<f64> {
    let output = run([
        "simulate".as_ref(),
        plan.as_os_str(),
        "--days".as_ref(),
        days.to_string().as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    report["areas"][0]["daily"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["severity"].as_f64().unwrap())
        .collect()
}

/// `bontsim fit` → posterior.json.
fn fit(plan: &Path, observations: &Path, out: &Path, draws: u32) -> Value {
    let output = run([
        "fit".as_ref(),
        plan.as_os_str(),
        "--observations".as_ref(),
        observations.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
        "--draws".as_ref(),
        draws.to_string().as_ref(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_slice(&std::fs::read(out.join("posterior.json")).unwrap()).unwrap()
}

fn parameter(posterior: &Value, name: &str, key: &str) -> f64 {
    posterior["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap()[key]
        .as_f64()
        .unwrap()
}

fn return_day(posterior: &Value, key: &str) -> f64 {
    posterior["next_cycle"][0]["return_day"][key]
        .as_f64()
        .unwrap()
}

#[test]
fn a_higher_observed_grade_means_a_less_sensitive_patient() {
    let dir = temp_dir("fit_ordinal");
    let plan = write(&dir, "plan.toml", &glabella_plan(&[0], 1.0));
    let grades = |grade: u8| {
        format!("day,area,kind,value\n14,glabella,severity_max,{grade}\n30,glabella,severity_max,{grade}\n")
    };
    let mild = write(&dir, "mild.csv", &grades(0));
    let severe = write(&dir, "severe.csv", &grades(3));
    let after_mild = fit(&plan, &mild, &dir.join("mild"), 200);
    let after_severe = fit(&plan, &severe, &dir.join("severe"), 200);
    let mild_sensitivity = parameter(&after_mild, "sensitivity", "median");
    let severe_sensitivity = parameter(&after_severe, "sensitivity", "median");
    assert!(
        severe_sensitivity < mild_sensitivity && severe_sensitivity < 1.0,
        "grade 3 at maximal frown: sensitivity {severe_sensitivity}; grade 0: {mild_sensitivity}"
    );
    // A patient on whom the toxin barely works: their lines come back sooner.
    assert!(return_day(&after_severe, "median") < return_day(&after_mild, "median"));
    assert_eq!(
        after_mild["disclaimer"].as_str().unwrap(),
        bontsim_core::report::DISCLAIMER
    );
}

#[test]
fn not_yet_moves_the_return_later_and_returned_earlier() {
    let dir = temp_dir("fit_censored");
    let plan = write(&dir, "plan.toml", &glabella_plan(&[0], 1.0));
    let neutral = write(
        &dir,
        "neutral.csv",
        "day,area,kind,value\n1,glabella,severity_max,3\n",
    );
    let typical = fit(&plan, &neutral, &dir.join("neutral"), 100)["next_cycle"][0]
        ["typical_return_day"]
        .as_f64()
        .unwrap();
    assert!(typical > 40.0, "typical return {typical}");
    let report = |value: u8, day: f64| {
        format!(
            "day,area,kind,value\n{},glabella,movement_returned,{value}\n",
            day.round()
        )
    };
    let not_yet = write(&dir, "not_yet.csv", &report(0, typical + 40.0));
    let returned = write(&dir, "returned.csv", &report(1, typical - 40.0));
    let later = fit(&plan, &not_yet, &dir.join("not_yet"), 200);
    let earlier = fit(&plan, &returned, &dir.join("returned"), 200);
    let (later_median, earlier_median) =
        (return_day(&later, "median"), return_day(&earlier, "median"));
    assert!(
        later_median > typical + 20.0 && earlier_median < typical - 20.0,
        "typical {typical}: not yet at +40 gives {later_median}, returned at -40 gives {earlier_median}"
    );
}

/// The first day after the last injection on which the glabella's severity is back within one
/// grade of baseline 3 (the model's return of movement), counted from that injection.
fn true_return(series: &[f64], last_injection: usize) -> f64 {
    let threshold = 2.5;
    let window = &series[last_injection..];
    let nadir = (0..window.len())
        .min_by(|&a, &b| window[a].total_cmp(&window[b]))
        .unwrap();
    if window[nadir] >= threshold {
        return 0.0;
    }
    (nadir + 1..window.len())
        .find(|&k| window[k] >= threshold)
        .map_or(window.len() as f64, |k| {
            (k - 1) as f64 + (threshold - window[k - 1]) / (window[k] - window[k - 1])
        })
}

/// A small fixed-seed population: patients' sensitivities drawn from the prior, two cycles
/// of graded and "returned yet?" observations with grading noise, then the third cycle's
/// return forecast. The 90% intervals cover most true returns.
#[test]
fn forecast_intervals_cover_a_small_populations_returns() {
    let dir = temp_dir("fit_coverage");
    let mut state: u64 = 20_261_207;
    let mut uniform = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let normal = |u: &mut dyn FnMut() -> f64| {
        (-2.0 * u().ln()).sqrt() * (2.0 * std::f64::consts::PI * u()).cos()
    };
    let patients = 12;
    let mut covered = 0;
    let mut inside50 = 0;
    for patient in 0..patients {
        // Within the plan's range of sensitivity overrides (0.1 to 10).
        let sensitivity = normal(&mut uniform).clamp(-2.2, 2.2).exp();
        let truth = write(
            &dir,
            &format!("truth{patient}.toml"),
            &glabella_plan(&[0, 120, 240], sensitivity),
        );
        let series = severity(&truth, 600);
        let mut csv = String::from("day,area,kind,value\n");
        for cycle in [0usize, 120] {
            for offset in [14usize, 60, 90, 110] {
                let day = cycle + offset;
                let latent = series[day] + 0.5 * normal(&mut uniform);
                let grade = latent.round().clamp(0.0, 3.0);
                csv += &format!("{day},glabella,severity_max,{grade}\n");
                let returned = u8::from(series[day] >= 2.5);
                csv += &format!("{day},glabella,movement_returned,{returned}\n");
            }
        }
        let observations = write(&dir, &format!("obs{patient}.csv"), &csv);
        let plan = write(
            &dir,
            &format!("plan{patient}.toml"),
            &glabella_plan(&[0, 120, 240], 1.0),
        );
        let posterior = fit(
            &plan,
            &observations,
            &dir.join(format!("fit{patient}")),
            200,
        );
        let actual = true_return(&series, 240);
        let (low, high) = (
            return_day(&posterior, "low90"),
            return_day(&posterior, "high90"),
        );
        if (low - 3.0..=high + 3.0).contains(&actual) {
            covered += 1;
        }
        let median = return_day(&posterior, "median");
        if (median - actual).abs() < (high - low) / 3.0 {
            inside50 += 1;
        }
    }
    assert!(
        covered >= patients - 3,
        "{covered} of {patients} true returns inside the 90% forecast interval"
    );
    assert!(
        inside50 >= patients / 3,
        "{inside50} medians near the truth"
    );
}

#[test]
fn bad_observations_exit_2_with_file_line_and_field() {
    let dir = temp_dir("fit_errors");
    let plan = write(&dir, "plan.toml", &glabella_plan(&[0], 1.0));
    let bad = write(
        &dir,
        "bad.csv",
        "day,area,kind,value\n14,glabella,severity_max,2\n30,glabella,severity_max,7\n40,nose,severity_max,1\n",
    );
    let output = run([
        "fit".as_ref(),
        plan.as_os_str(),
        "--observations".as_ref(),
        bad.as_os_str(),
        "-o".as_ref(),
        dir.join("out").as_os_str(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("bad.csv:3: value:"), "{message}");
    assert!(message.contains("bad.csv:4: area:"), "{message}");
    assert!(!dir.join("out").exists(), "nothing written on bad input");
    // The same keys in the plan: line and field of the plan.
    let in_plan = write(
        &dir,
        "in_plan.toml",
        &(glabella_plan(&[0], 1.0)
            + "[[observation]]\nday = 14\narea = \"glabella\"\nkind = \"frown\"\nvalue = 1\n"),
    );
    let output = run(["check".as_ref(), in_plan.as_os_str()]);
    assert_eq!(output.status.code(), Some(2));
    let line = glabella_plan(&[0], 1.0).lines().count() + 4;
    assert!(
        stderr(&output).contains(&format!("in_plan.toml:{line}: observation[1].kind:")),
        "{}",
        stderr(&output)
    );
    // Options out of range.
    let good = write(
        &dir,
        "good.csv",
        "day,area,kind,value\n14,glabella,severity_max,2\n",
    );
    let output = run([
        "fit".as_ref(),
        plan.as_os_str(),
        "--observations".as_ref(),
        good.as_os_str(),
        "-o".as_ref(),
        dir.join("out").as_os_str(),
        "--prior-weight".as_ref(),
        "0".as_ref(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("--prior-weight"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_same_seed_gives_the_same_files() {
    let dir = temp_dir("fit_seed");
    let plan = write(&dir, "plan.toml", &glabella_plan(&[0, 120], 1.0));
    let observations = write(
        &dir,
        "obs.csv",
        "day,area,kind,value\n14,glabella,severity_max,1\n100,glabella,movement_returned,0\n134,glabella,severity_max,1\n",
    );
    let a = fit(&plan, &observations, &dir.join("a"), 100);
    let b = fit(&plan, &observations, &dir.join("b"), 100);
    assert_eq!(a, b);
    for file in ["draws.csv", "bands.csv", "forecast_01.svg"] {
        assert_eq!(
            std::fs::read(dir.join("a").join(file)).unwrap(),
            std::fs::read(dir.join("b").join(file)).unwrap(),
            "{file}"
        );
    }
    let svg = String::from_utf8(std::fs::read(dir.join("a/forecast_01.svg")).unwrap()).unwrap();
    assert!(svg.contains("<circle"), "observations drawn as points");
    // Visit by visit: one step per visit day, the last one's forecast close to all at once.
    let steps = a["sequential"].as_array().unwrap();
    assert_eq!(steps.len(), 3);
    let last = steps.last().unwrap()["next_cycle"][0]["return_day"]["median"]
        .as_f64()
        .unwrap();
    let all = return_day(&a, "median");
    let width = return_day(&a, "high90") - return_day(&a, "low90");
    assert!(
        (last - all).abs() < 0.25 * width,
        "sequential {last}, all at once {all} (90% width {width})"
    );
    let first = steps[0]["next_cycle"][0]["return_day"].clone();
    let narrowed = steps.last().unwrap()["next_cycle"][0]["return_day"].clone();
    let spread = |r: &Value| r["high90"].as_f64().unwrap() - r["low90"].as_f64().unwrap();
    assert!(
        spread(&narrowed) <= spread(&first) * 1.05,
        "{first} then {narrowed}"
    );
}

#[test]
fn optimise_proposes_whole_units_within_caps_and_the_label_interval() {
    let dir = temp_dir("fit_optimise");
    let plan = common::example("masseter_patient_with_observations.toml");
    let observations = common::example("masseter_patient_observations.csv");
    let output = run([
        "optimise".as_ref(),
        plan.as_os_str(),
        "--observations".as_ref(),
        observations.as_os_str(),
        "--severity-target".as_ref(),
        "1".as_ref(),
        "--volume-floor".as_ref(),
        "0.8".as_ref(),
        "--draws".as_ref(),
        "200".as_ref(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = common::stdout(&output);
    assert!(text.contains("not a medical device"));
    // The proposal is a valid plan that keeps the original one.
    let proposed = write(&dir, "proposed.toml", &text);
    let check = run(["check".as_ref(), proposed.as_os_str()]);
    assert!(check.status.success(), "{}", stderr(&check));
    let value: toml::Value = toml::from_str(&text).unwrap();
    let injections = value["injection"].as_array().unwrap();
    let original = std::fs::read_to_string(&plan).unwrap();
    let given: toml::Value = toml::from_str(&original).unwrap();
    let added = &injections[given["injection"].as_array().unwrap().len()..];
    assert!(!added.is_empty());
    for injection in added {
        let units = injection["units"]
            .as_float()
            .or(injection["units"].as_integer().map(|u| u as f64))
            .unwrap();
        assert_eq!(units.fract(), 0.0, "whole units: {injection}");
        let every = injection["every_days"]
            .as_float()
            .or(injection["every_days"].as_integer().map(|u| u as f64))
            .unwrap();
        assert!(every >= 90.0, "label minimum interval: {injection}");
        let cap = match injection["muscle"].as_str().unwrap() {
            "masseter" => 50.0,
            "corrugator_supercilii" => 10.0,
            "procerus" => 5.0,
            other => panic!("{other}"),
        };
        assert!(units <= cap, "{injection}");
    }
    // The proposal's expected loss is no worse than the label plan's (it is a candidate).
    let line = text
        .lines()
        .find(|l| l.starts_with("# Expected loss"))
        .unwrap();
    let numbers: Vec<f64> = line
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter_map(|w| w.trim_end_matches('.').parse().ok())
        .collect();
    assert!(numbers[0] <= numbers[numbers.len() - 1] + 1e-9, "{line}");
    // No goal: refused, exit 2.
    let output = run([
        "optimise".as_ref(),
        plan.as_os_str(),
        "--observations".as_ref(),
        observations.as_os_str(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("--severity-target"),
        "{}",
        stderr(&output)
    );
}
