//! End-to-end tests of what `bontsim trial-merge` refuses: two small shards are run, one
//! field of a `partial.json` is tampered with, and the merge must exit 2 naming the shard's
//! file and the field, never writing a result from counts that cannot be.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_bontsim"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "bontsim-merge-checks-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
}

/// `bontsim trial PLAN --shard i/2` of a small trial into `dir`; must succeed.
fn run_shard(plan: &Path, i: u32, dir: &Path, seed: &str) {
    let out = bin()
        .arg("trial")
        .arg(plan)
        .args(["--patients", "6", "--seed", seed, "--days", "30"])
        .args(["--shard", &format!("{i}/2"), "--output"])
        .arg(dir)
        .output()
        .expect("bontsim runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn merge(shards: &[&Path], name: &str) -> Output {
    bin()
        .arg("trial-merge")
        .args(shards)
        .arg("--output")
        .arg(scratch(name))
        .output()
        .expect("bontsim runs")
}

fn read(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("partial.json")).unwrap()).unwrap()
}

fn write(dir: &Path, value: &Value) {
    std::fs::write(dir.join("partial.json"), value.to_string()).unwrap();
}

/// The merge must fail with exit code 2, naming the partial and every given text.
fn refused(output: &Output, partial: &Path, texts: &[&str]) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    let file = partial.join("partial.json").display().to_string();
    assert!(stderr.contains(&file), "{file} is not named: {stderr}");
    for text in texts {
        assert!(stderr.contains(text), "\"{text}\" is not named: {stderr}");
    }
}

#[test]
fn tampered_partials_are_refused_naming_the_shard_and_the_field() {
    let plan = example("glabella_light_10u.toml");
    let first = scratch("first");
    let second = scratch("second");
    run_shard(&plan, 1, &first, "5");
    run_shard(&plan, 2, &second, "5");
    let original = read(&second);
    let untouched = merge(&[&first, &second], "untouched");
    assert!(
        untouched.status.success(),
        "{}",
        String::from_utf8_lossy(&untouched.stderr)
    );

    type Tamper = fn(&mut Value);
    let cases: [(&str, Tamper, &[&str]); 12] = [
        (
            "counts x50",
            |p| {
                for count in p["arms"][0]["areas"][0]["responders"]
                    .as_array_mut()
                    .unwrap()
                {
                    *count = json!(count.as_u64().unwrap() * 50 + 50);
                }
            },
            &[
                "arms[0].areas[0].responders[0]",
                "responders among 3 patients",
            ],
        ),
        (
            "patients",
            |p| p["arms"][0]["patients"] = json!(100),
            &["arms[0].patients", "100 patients"],
        ),
        (
            "covered",
            |p| p["covered"] = json!([[3, 300]]),
            &["covered", "3..300"],
        ),
        (
            "vectors cut to 10 days",
            |p| p["arms"][0]["areas"][0]["responders"] = json!(vec![0u64; 10]),
            &["arms[0].areas[0].responders", "10 counts"],
        ),
        (
            "u64::MAX counts",
            |p| p["arms"][0]["areas"][0]["onsets"][0] = json!(u64::MAX),
            &["arms[0].areas[0].onsets"],
        ),
        (
            "days of 1e15",
            |p| p["settings"]["days"] = json!(1_000_000_000_000_000u64),
            &["settings.days", "36500"],
        ),
        (
            "negative count",
            |p| p["arms"][0]["areas"][0]["durations"][2] = json!(-1),
            &["arms[0].areas[0].durations[2]"],
        ),
        (
            "seed",
            |p| p["settings"]["seed"] = json!(6),
            &["settings.seed", "6 differs from 5"],
        ),
        (
            "model version",
            |p| p["model_version"] = json!("0.0.1+model.0"),
            &["model_version", "re-run this shard"],
        ),
        (
            "plan hash",
            |p| p["arms"][0]["plan_sha256"] = json!("0".repeat(64)),
            &["arms[0].plan_sha256", "other content"],
        ),
        (
            "partial of an older bontsim",
            |p| {
                p.as_object_mut().unwrap().remove("model_version");
            },
            &["model_version", "older bontsim", "re-run this shard"],
        ),
        (
            "adverse event sum",
            |p| p["arms"][0]["adverse_events"][0][1] = json!(u64::MAX),
            &["arms[0].adverse_events[0]"],
        ),
    ];
    for (name, tamper, texts) in cases {
        let mut partial = original.clone();
        tamper(&mut partial);
        write(&second, &partial);
        let output = merge(&[&first, &second], name);
        refused(&output, &second, texts);
        assert!(
            !scratch(name).join("summary.json").exists(),
            "{name}: a summary was written"
        );
    }
}

#[test]
fn shards_of_a_plan_edited_between_them_are_refused() {
    let plan_dir = scratch("edited-plan");
    std::fs::create_dir_all(&plan_dir).unwrap();
    let plan = plan_dir.join("plan.toml");
    let text = std::fs::read_to_string(example("glabella_light_10u.toml")).unwrap();
    std::fs::write(&plan, &text).unwrap();
    let first = scratch("edited-first");
    let second = scratch("edited-second");
    run_shard(&plan, 1, &first, "2");
    std::fs::write(&plan, text.replace("units = 2", "units = 20")).unwrap();
    run_shard(&plan, 2, &second, "2");
    let output = merge(&[&first, &second], "edited-merged");
    refused(
        &output,
        &second,
        &[
            "arms[0].plan_sha256",
            "every shard must simulate the same plan",
        ],
    );
}

#[test]
fn missing_shards_are_named_in_words() {
    let plan = example("glabella_light_10u.toml");
    let first = scratch("alone");
    run_shard(&plan, 1, &first, "3");
    let output = merge(&[&first], "alone-merged");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("shard 2/2 is missing (patients 3..6 of 6 are not covered)"),
        "{stderr}"
    );
    // The same shard twice covers patients twice.
    let output = merge(&[&first, &first], "twice-merged");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("patients 0..3 are in both"), "{stderr}");
}

#[test]
fn a_partial_records_the_model_the_shard_and_each_plan_hash() {
    let plan = example("glabella_light_10u.toml");
    let dir = scratch("recorded");
    run_shard(&plan, 2, &dir, "4");
    let partial = read(&dir);
    assert_eq!(partial["shard"], json!([2, 2]));
    assert_eq!(partial["model_version"], json!(bontsim_core::MODEL_VERSION));
    let expected = bontsim_core::partial::plan_sha256(&std::fs::read(&plan).unwrap());
    assert_eq!(partial["arms"][0]["plan_sha256"], json!(expected));
}
