//! Bad inputs: the binary exits with code 2, prints on stderr a message naming the file, the
//! line of the offending key and the field, and never panics.
//!
//! Bad plans live in `tests/plans/bad/`; each is checked with both `simulate` and `check`.

mod common;

use common::*;
use std::path::{Path, PathBuf};

fn bad(name: &str) -> PathBuf {
    plan(&format!("bad/{name}"))
}

/// Runs bontsim and checks the failure contract: exit code 2, a non-empty message on stderr,
/// no panic. Returns stderr.
fn fails_with_2(args: &[&std::ffi::OsStr]) -> String {
    let output = run(args);
    let err = stderr(&output);
    let shown = tail(&err, 3000);
    assert_eq!(
        output.status.code(),
        Some(2),
        "bontsim {:?}: expected exit code 2, got {}; stderr: {shown}",
        args,
        output.status
    );
    assert!(
        !err.contains("panicked"),
        "bontsim {args:?} panicked: {shown}"
    );
    assert!(
        !err.contains("RUST_BACKTRACE"),
        "bontsim {args:?} panicked: {shown}"
    );
    assert!(
        err.lines().any(|l| l.to_lowercase().contains("error")),
        "bontsim {args:?}: no error message on stderr: {shown}"
    );
    err
}

/// 1-based number of the first line of `path` whose trimmed text starts with `start`.
fn line_of(path: &Path, start: &str) -> usize {
    std::fs::read_to_string(path)
        .expect("the bad plan")
        .lines()
        .position(|l| l.trim_start().starts_with(start))
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("no line starting with {start:?} in {}", path.display()))
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// Checks a plan error with `simulate` and `check`: exit 2, no panic, and the message names the
/// file with one of the accepted lines (`file:LINE:`), the field, and every extra text.
fn plan_error(name: &str, line_starts: &[&str], field: &str, extra: &[&str]) {
    let path = bad(name);
    let lines: Vec<usize> = line_starts.iter().map(|s| line_of(&path, s)).collect();
    for command in ["simulate", "check"] {
        let mut args: Vec<&std::ffi::OsStr> = vec![command.as_ref(), path.as_os_str()];
        if command == "simulate" {
            args.push(std::ffi::OsStr::new("--days"));
            args.push(std::ffi::OsStr::new("10"));
        }
        let err = fails_with_2(&args);
        let file = file_name(&path);
        let mut problems = Vec::new();
        if !lines.iter().any(|l| err.contains(&format!("{file}:{l}:"))) {
            problems.push(format!(
                "it should name {file} at line {lines:?} (the offending key) as `{file}:LINE:`"
            ));
        }
        if !err.contains(field) {
            problems.push(format!("it should name the field `{field}`"));
        }
        for text in extra {
            if !err.to_lowercase().contains(&text.to_lowercase()) {
                problems.push(format!("it should mention {text:?}"));
            }
        }
        assert!(
            problems.is_empty(),
            "bontsim {command} {name}: {}; stderr: {}",
            problems.join("; "),
            tail(&err, 3000)
        );
    }
}

#[test]
fn unknown_muscle_is_located_and_a_close_name_suggested() {
    plan_error(
        "unknown_muscle.toml",
        &["muscle = \"corugator_supercilii\""],
        "muscle",
        &[
            "corugator_supercilii",
            "did you mean",
            "\"corrugator_supercilii\"",
        ],
    );
}

#[test]
fn unknown_product_is_located() {
    plan_error(
        "unknown_product.toml",
        &["product ="],
        "product",
        &["botulinumtoxinZ"],
    );
}

#[test]
fn midline_side_for_a_paired_muscle_is_located() {
    plan_error(
        "midline_frontalis.toml",
        &["side ="],
        "side",
        &["midline", "frontalis"],
    );
}

#[test]
fn negative_units_are_located() {
    plan_error("negative_units.toml", &["units ="], "units", &["-10"]);
}

#[test]
fn nan_units_are_located() {
    plan_error("nan_units.toml", &["units ="], "units", &["nan"]);
}

#[test]
fn impossible_date_is_located() {
    plan_error("bad_date.toml", &["date ="], "date", &["2026-02-30"]);
}

#[test]
fn unknown_key_is_located() {
    plan_error("unknown_key.toml", &["colour ="], "colour", &[]);
}

#[test]
fn day_and_date_together_are_located() {
    plan_error("day_and_date.toml", &["date =", "day ="], "date", &["day"]);
}

#[test]
fn every_days_without_times_is_located() {
    // `times` is missing, so no line holds it: the line of `every_days` or of the injection's
    // `[[injection]]` header is accepted.
    plan_error(
        "every_days_without_times.toml",
        &["every_days =", "[[injection]]"],
        "times",
        &["every_days"],
    );
}

#[test]
fn levator_palpebrae_superioris_is_not_a_target() {
    plan_error(
        "levator_palpebrae_target.toml",
        &["muscle ="],
        "muscle",
        &["levator_palpebrae_superioris"],
    );
}

#[test]
fn json_plan_with_an_unknown_muscle_is_located() {
    plan_error(
        "unknown_muscle.json",
        &["\"muscle\":"],
        "muscle",
        &["masseterr", "did you mean", "\"masseter\""],
    );
}

#[test]
fn empty_plan_file_is_rejected() {
    // An empty file has no line to point at but the first; the missing field is `patient`.
    let path = bad("empty.toml");
    assert_eq!(
        std::fs::metadata(&path).unwrap().len(),
        0,
        "empty.toml must stay empty"
    );
    for command in ["simulate", "check"] {
        let err = fails_with_2(&[command.as_ref(), path.as_os_str()]);
        assert!(
            err.contains("empty.toml:1:") && err.contains("patient"),
            "bontsim {command}: the message should name empty.toml, line 1 and `patient`; stderr: {}",
            tail(&err, 3000)
        );
    }
}

#[test]
fn missing_plan_file_is_rejected() {
    let path = plan("bad/this_plan_does_not_exist.toml");
    for command in ["simulate", "check"] {
        let err = fails_with_2(&[command.as_ref(), path.as_os_str()]);
        assert!(
            err.contains("this_plan_does_not_exist.toml"),
            "bontsim {command}: the message should name the missing file; stderr: {}",
            tail(&err, 3000)
        );
    }
}

#[test]
fn random_garbage_bytes_are_rejected() {
    let dir = temp_dir("garbage");
    // Deterministic pseudo-random bytes (xorshift), including bytes that are not UTF-8.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let bytes: Vec<u8> = (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .chain([0xFF, 0xFE, 0x00, 0xC3])
        .collect();
    let binary = dir.join("garbage.toml");
    std::fs::write(&binary, &bytes).unwrap();
    // The same garbage restricted to printable ASCII: valid UTF-8 but not TOML.
    let text: Vec<u8> = bytes
        .iter()
        .map(|b| if b % 16 == 0 { b'\n' } else { b' ' + (b % 95) })
        .collect();
    let ascii = dir.join("garbage_text.toml");
    std::fs::write(&ascii, &text).unwrap();
    for path in [&binary, &ascii] {
        for command in ["simulate", "check"] {
            let err = fails_with_2(&[command.as_ref(), path.as_os_str()]);
            assert!(
                err.contains(&file_name(path)),
                "bontsim {command} {}: the message should name the file; stderr: {}",
                path.display(),
                tail(&err, 3000)
            );
        }
    }
    // Text garbage is a parse error: it should be located on a line.
    let err = fails_with_2(&["check".as_ref(), ascii.as_os_str()]);
    let located = (1..=text.iter().filter(|&&b| b == b'\n').count() + 1)
        .any(|l| err.contains(&format!("garbage_text.toml:{l}:")));
    assert!(
        located,
        "the parse error should name a line; stderr: {}",
        tail(&err, 3000)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn zero_days_are_rejected() {
    let path = example("glabella_light_10u.toml");
    let err = fails_with_2(&[
        "simulate".as_ref(),
        path.as_os_str(),
        "--days".as_ref(),
        "0".as_ref(),
    ]);
    assert!(
        err.contains("--days"),
        "the message should name --days; stderr: {}",
        tail(&err, 3000)
    );
}

#[test]
fn plot_to_an_unsupported_extension_is_rejected() {
    let dir = temp_dir("plot-ext");
    let out = dir.join("chart.gif");
    let path = example("glabella_light_10u.toml");
    let err = fails_with_2(&[
        "plot".as_ref(),
        path.as_os_str(),
        "--output".as_ref(),
        out.as_os_str(),
        "--days".as_ref(),
        "30".as_ref(),
    ]);
    assert!(
        err.contains("gif") && err.contains("--output"),
        "the message should name --output and the extension; stderr: {}",
        tail(&err, 3000)
    );
    assert!(
        !out.exists(),
        "no file should be written for an unsupported extension"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn palsy_grade_outside_i_to_vi_is_located() {
    plan_error(
        "palsy_grade_7.toml",
        &["house_brackmann = 7"],
        "palsy.house_brackmann",
        &["1 to 6"],
    );
}

#[test]
fn palsy_residual_function_outside_0_to_1_is_located() {
    plan_error(
        "palsy_branch_above_1.toml",
        &["buccal = 1.4"],
        "palsy.branches.buccal",
        &["0 to 1"],
    );
}

#[test]
fn therapy_without_an_end_is_located() {
    plan_error(
        "therapy_without_end.toml",
        &["[[therapy]]"],
        "therapy[1].end_day",
        &["end_day"],
    );
}

#[test]
fn units_given_as_a_string_name_the_field_and_line() {
    plan_error(
        "units_as_string.toml",
        &["units ="],
        "injection[1].units",
        &["expected a number of units, got the string \"4\""],
    );
}

#[test]
fn a_json_plan_reports_all_its_errors_at_once() {
    let path = bad("several_errors.json");
    let err = fails_with_2(&["check".as_ref(), path.as_os_str()]);
    for expected in [
        "several_errors.json:4: injection[1].product: unknown product \"Botx\" (did you mean \"Botox\"?)",
        "several_errors.json:5: injection[1].units: expected a number of units, got the string \"4\"",
        "several_errors.json:6: injection[2].date: \"2026-02-30\": day 30 does not exist",
        "several_errors.json:7: injection[2].times: expected a whole number of injections, got the string \"three\"",
    ] {
        assert!(
            err.contains(expected),
            "missing {expected:?}; stderr: {}",
            tail(&err, 3000)
        );
    }
}

#[test]
fn a_palsy_without_onset_day_is_refused_with_a_hint() {
    plan_error(
        "palsy_without_onset.toml",
        &["[palsy]"],
        "palsy.onset_day",
        &["missing", "onset_day = 0"],
    );
}

#[test]
fn names_in_any_case_areas_and_unquoted_dates_are_accepted() {
    let path = plan("forgiving_names_and_areas.toml");
    let output = run([
        "simulate".as_ref(),
        path.as_os_str(),
        "--days".as_ref(),
        "30".as_ref(),
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        tail(&stderr(&output), 3000)
    );
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let injections = report["injections"].as_array().unwrap();
    // Glabella (3 injections), crow's feet (2), frontalis (1).
    assert_eq!(injections.len(), 6, "{injections:?}");
    assert_eq!(report["face"]["affected_side"], "left");
}
