//! Golden outputs: the SHA-256 of what every command writes for the bundled examples, kept in
//! `tests/golden/outputs.sha256`. A refactoring must leave them all unchanged; a change of the
//! model or of an output format changes them on purpose, and then the file is rewritten with
//! `BONTSIM_BLESS=1 cargo test --release -p bontsim-cli --test golden` and the reason given in
//! the commit. PNG files are left out: their pixels depend on the font rasteriser, not on
//! bontsim.

mod common;

use common::{bin, temp_dir};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn golden_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/outputs.sha256")
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Runs bontsim from the workspace root (plan paths as users type them, relative, so that
/// names in titles and summaries do not depend on where the repository is) and returns its
/// standard output; panics with standard error on failure.
fn bontsim(args: &[&str]) -> Vec<u8> {
    let output = Command::new(bin())
        .args(args)
        .current_dir(workspace())
        .env("NO_COLOR", "1")
        .output()
        .expect("failed to start the bontsim binary");
    assert!(
        output.status.success(),
        "bontsim {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// Every file of a written directory but PNGs, by name.
fn directory_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e != "png"))
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    files
}

fn examples() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(workspace().join("examples"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".toml"))
        .map(|name| format!("examples/{name}"))
        .collect();
    names.sort();
    names
}

/// Every output of the commands on the examples: name of the output -> its SHA-256.
fn outputs() -> BTreeMap<String, String> {
    let scratch = temp_dir("golden");
    let out = |name: &str| scratch.join(name).to_string_lossy().into_owned();
    let mut hashes = BTreeMap::new();
    let mut record = |name: String, bytes: &[u8]| {
        hashes.insert(name, sha256(bytes));
    };
    for plan in examples() {
        for format in ["json", "csv", "text"] {
            record(
                format!("simulate {plan} --format {format}"),
                &bontsim(&["simulate", &plan, "--format", format]),
            );
        }
        record(format!("check {plan}"), &bontsim(&["check", &plan]));
        let svg = out("plot.svg");
        let injects = std::fs::read_to_string(workspace().join(&plan))
            .unwrap()
            .contains("[[injection]]");
        if injects {
            bontsim(&["plot", &plan, "-o", &svg]);
            record(format!("plot {plan}"), &std::fs::read(&svg).unwrap());
        }
        if plan.contains("palsy") {
            bontsim(&["plot", &plan, "--face", "-o", &svg]);
            record(format!("plot --face {plan}"), &std::fs::read(&svg).unwrap());
            let face = out("face.svg");
            bontsim(&[
                "face",
                &plan,
                "--day",
                "14",
                "--expression",
                "smile",
                "-o",
                &face,
            ]);
            record(format!("face {plan}"), &std::fs::read(&face).unwrap());
        }
    }
    let symmetry = bontsim(&[
        "plan-symmetry",
        "examples/palsy_long_standing_untreated.toml",
        "--horizon-days",
        "60",
    ]);
    record(
        "plan-symmetry examples/palsy_long_standing_untreated.toml".into(),
        &symmetry,
    );
    record(
        "compare masseter every 3 and every 6 months".into(),
        &bontsim(&[
            "compare",
            "examples/masseter_25u_every_3_months.toml",
            "examples/masseter_25u_every_6_months.toml",
        ]),
    );
    let trial = out("trial");
    bontsim(&[
        "trial",
        "examples/glabella_20u_every_4_months.toml",
        "examples/glabella_light_10u.toml",
        "--patients",
        "64",
        "--seed",
        "7",
        "-o",
        &trial,
    ]);
    for (name, bytes) in directory_files(Path::new(&trial)) {
        record(format!("trial glabella arms: {name}"), &bytes);
    }
    let sensitivity = out("sensitivity");
    bontsim(&[
        "sensitivity",
        "examples/glabella_light_10u.toml",
        "--samples",
        "8",
        "--days",
        "200",
        "-o",
        &sensitivity,
    ]);
    for (name, bytes) in directory_files(Path::new(&sensitivity)) {
        record(format!("sensitivity glabella_light_10u: {name}"), &bytes);
    }
    let _ = std::fs::remove_dir_all(&scratch);
    hashes
}

fn parse(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let (hash, name) = line.split_once("  ").expect("`hash  output` lines");
            (name.to_string(), hash.to_string())
        })
        .collect()
}

#[test]
fn every_output_on_the_examples_is_unchanged() {
    let actual = outputs();
    if std::env::var_os("BONTSIM_BLESS").is_some() {
        let text: String = actual
            .iter()
            .map(|(name, hash)| format!("{hash}  {name}\n"))
            .collect();
        std::fs::write(golden_file(), text).unwrap();
        return;
    }
    let expected = parse(&std::fs::read_to_string(golden_file()).unwrap());
    let mut differences = Vec::new();
    for (name, hash) in &actual {
        match expected.get(name) {
            Some(golden) if golden == hash => {}
            Some(_) => differences.push(format!("changed: {name}")),
            None => differences.push(format!("new (not in the golden file): {name}")),
        }
    }
    for name in expected.keys().filter(|name| !actual.contains_key(*name)) {
        differences.push(format!("no longer produced: {name}"));
    }
    assert!(
        differences.is_empty(),
        "{} of {} outputs differ from tests/golden/outputs.sha256 (if on purpose, rewrite it with BONTSIM_BLESS=1 and say why in the commit):\n{}",
        differences.len(),
        actual.len(),
        differences.join("\n")
    );
}
