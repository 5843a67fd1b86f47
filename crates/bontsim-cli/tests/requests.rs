//! Requests the engine refuses, as the user sees them: exit code 2 and a message naming the
//! command-line option at fault (the engine names its request fields; the CLI turns `mass_day`
//! into `--mass-day`), with nothing written.

mod common;
use common::*;

fn refused(args: &[&str], expected: &str) {
    let output = run(args);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {err}");
    assert!(
        err.contains(expected),
        "{args:?}: {expected:?} not in {}",
        tail(&err, 2000)
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn every_refused_request_names_its_option() {
    let glabella = example("glabella_20u_every_4_months.toml");
    let glabella = glabella.to_str().expect("a UTF-8 path");
    let palsy = example("palsy_long_standing_untreated.toml");
    let palsy = palsy.to_str().expect("a UTF-8 path");
    let dir = temp_dir("requests");
    let out = dir.join("out");
    let out = out.to_str().expect("a UTF-8 path");
    for (args, expected) in [
        (
            vec!["simulate", glabella, "--days", "36501"],
            "--days: must be from 1 to 36500, got 36501",
        ),
        (
            vec![
                "simulate",
                glabella,
                "--days",
                "100",
                "--face-days",
                "0,100",
            ],
            "--face-days: day 100 is not within the 100 simulated days",
        ),
        (
            vec!["compare", glabella, glabella, "--days", "40000"],
            "--days: must be from 1 to 36500",
        ),
        (
            vec!["trial", glabella, "--shard", "3/2", "-o", out],
            "--shard: 3/2 needs 1 <= i <= n",
        ),
        (
            vec!["trial", glabella, "--responder", "all", "-o", out],
            "--responder: \"all\" is not one of none_or_mild, improved_1, improved_2",
        ),
        (
            vec!["trial", glabella, "--patients", "1000000001", "-o", out],
            "--patients: must be from 1 to 1000000000",
        ),
        (
            vec!["sensitivity", glabella, "--samples", "7", "-o", out],
            "--samples: must be from 8 to 1000000, got 7",
        ),
        (
            vec![
                "sensitivity",
                glabella,
                "--days",
                "100",
                "--mass-day",
                "100",
                "-o",
                out,
            ],
            "--mass-day: day 100 is not within the 100 simulated days",
        ),
        (
            vec!["plan-symmetry", palsy, "--product", "snake_oil"],
            "--product: \"snake_oil\" is not one of onabotulinumtoxinA",
        ),
        (
            vec!["plan-symmetry", palsy, "--step-units", "60"],
            "--step-units: must be above 0 and at most the maximum units (50), got 60",
        ),
        (
            vec!["plan-symmetry", palsy, "--horizon-days", "4000"],
            "--horizon-days: must be from 1 to 3650, got 4000",
        ),
        (
            vec!["plan-symmetry", glabella],
            "palsy: the plan has no [palsy] profile",
        ),
    ] {
        refused(&args, expected);
    }
    assert!(
        !dir.join("out").exists(),
        "a refused request wrote its output"
    );
}
