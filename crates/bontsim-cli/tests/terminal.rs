//! The terminal-facing side of `bontsim`: the one-screen summary of `simulate` (forced with
//! `--format text`, and on a real terminal through `script` when it is installed), JSON kept
//! for pipes, `compare`, complete `--help` texts with examples, shell completions, the man
//! page, `--version` with the model version, and negative numbers refused by name.

mod common;

use common::{bin, example, run, stderr, stdout, temp_dir};
use serde_json::Value;
use std::process::Command;

const MASSETER: &str = "masseter_25u_every_3_months.toml";

/// Runs `bontsim ARGS` under `script`, so that its standard output is a terminal. `None` when
/// `script` is not installed (the checks that need a terminal are then skipped, said on stderr).
fn on_a_terminal(args: &[&str], environment: &[(&str, &str)]) -> Option<String> {
    let mut line = bin().to_string();
    for arg in args {
        line.push(' ');
        line.push_str(arg);
    }
    let mut command = Command::new("script");
    command.args(["-qec", &line, "/dev/null"]);
    command.env_remove("NO_COLOR");
    for (key, value) in environment {
        command.env(key, value);
    }
    match command.stdin(std::process::Stdio::null()).output() {
        Ok(output) if output.status.success() => {
            Some(String::from_utf8_lossy(&output.stdout).replace("\r\n", "\n"))
        }
        Ok(output) => panic!(
            "bontsim {args:?} on a terminal failed: {}",
            String::from_utf8_lossy(&output.stdout)
        ),
        Err(_) => {
            eprintln!("`script` is not available: terminal checks skipped");
            None
        }
    }
}

fn json_report(plan: &str) -> Value {
    let output = run(["simulate", example(plan).to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_slice(&output.stdout).expect("piped stdout is the JSON report")
}

#[test]
fn the_summary_fits_one_screen_and_answers_with_the_reports_numbers() {
    let path = example(MASSETER);
    let output = run(["simulate", path.to_str().unwrap(), "--format", "text"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() <= 50, "{} lines:\n{text}", lines.len());
    for line in &lines {
        assert!(
            line.chars().count() <= 100,
            "wider than 100 columns: {line:?}"
        );
    }
    assert!(
        text.starts_with("bontsim is research and education software"),
        "{text}"
    );
    assert!(text.contains("Atrophy: yes"), "{text}");
    assert!(text.contains("Visible: yes"), "{text}");

    let report = json_report(MASSETER);
    let masseter = common::summary(&report, "masseter", "left");
    let loss = common::num(masseter, "volume_loss_percent");
    assert!(
        text.contains(&format!("masseter loses up to {loss:.1}% of its volume")),
        "the JSON's {loss} is not in:\n{text}"
    );
    let width = common::num(&report["lower_face"], "nadir_width_change_percent");
    assert!(text.contains(&format!("width {width:+.1}%")), "{text}");
    // Spread-only muscles that barely change are not listed.
    assert!(!text.contains("buccinator"), "{text}");
}

#[test]
fn piped_output_stays_json_and_a_terminal_gets_the_summary() {
    let report = json_report(MASSETER);
    assert!(report["muscles"].is_array());
    let path = example(MASSETER);
    if let Some(screen) = on_a_terminal(&["simulate", path.to_str().unwrap()], &[]) {
        assert!(screen.contains("Atrophy: yes"), "{screen}");
        assert!(!screen.trim_start().starts_with('{'), "{screen}");
        assert!(screen.lines().count() <= 50, "{screen}");
    }
    // --format json on a terminal still gives JSON.
    if let Some(screen) = on_a_terminal(
        &["simulate", path.to_str().unwrap(), "--format", "json"],
        &[],
    ) {
        let parsed: Value = serde_json::from_str(&screen).expect("JSON on a terminal");
        assert!(parsed["muscles"].is_array());
    }
}

#[test]
fn compare_sets_two_plans_side_by_side() {
    let a = example(MASSETER);
    let b = example("masseter_25u_every_6_months.toml");
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());

    let output = run(["compare", a, b, "--format", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let comparison: Value = serde_json::from_slice(&output.stdout).expect("JSON comparison");
    let rows = common::array(&comparison, "rows");
    let row = |measure: &str| {
        rows.iter()
            .find(|r| common::string(r, "measure") == measure)
            .unwrap_or_else(|| panic!("no row {measure}"))
    };
    let units = row("units in the first year (ONA-equivalent)");
    assert_eq!(common::num(units, "a"), 250.0);
    assert_eq!(common::num(units, "b"), 150.0);
    assert_eq!(common::num(units, "difference"), -100.0);
    assert_eq!(common::string(units, "better"), "b");
    let effect = row("masseter: days of effect");
    assert_eq!(common::string(effect, "better"), "a", "{effect}");
    let volume = row("masseter: largest volume change");
    assert!(
        volume["better"].is_null(),
        "atrophy is compared, not judged"
    );
    // The same numbers as each plan's own report.
    let report_a = json_report(MASSETER);
    let loss_a = common::num(
        common::summary(&report_a, "masseter", "left"),
        "volume_loss_percent",
    );
    assert!(
        (common::num(volume, "a") + loss_a).abs() < 1e-6,
        "{volume} vs {loss_a}"
    );
    assert!(row("lower face: largest width change")["a"].is_number());
    assert!(row("risk: neutralising antibodies")["b"].is_number());

    let output = run(["compare", a, b]);
    assert!(output.status.success(), "{}", stderr(&output));
    let table = stdout(&output);
    assert!(table.contains("difference"), "{table}");
    assert!(table.contains("masseter: days of effect"), "{table}");
    assert!(
        !table.contains('\x1b'),
        "no colour when not a terminal:\n{table}"
    );

    if let Some(screen) = on_a_terminal(&["compare", a, b], &[]) {
        assert!(
            screen.contains("\x1b[1;32m"),
            "the better value is highlighted:\n{screen}"
        );
    }
    if let Some(screen) = on_a_terminal(&["compare", a, b], &[("NO_COLOR", "1")]) {
        assert!(
            !screen.contains('\x1b'),
            "NO_COLOR turns colour off:\n{screen}"
        );
    }
}

const SUBCOMMANDS: [&str; 14] = [
    "simulate",
    "compare",
    "plan-symmetry",
    "plot",
    "face",
    "check",
    "trial",
    "sensitivity",
    "trial-merge",
    "muscles",
    "products",
    "completions",
    "man",
    "help",
];

/// The entries of the "Arguments:" and "Options:" sections that have no description: an entry
/// is described on its own line (after two spaces) or on the indented lines below it.
fn undescribed(help: &str) -> Vec<String> {
    let lines: Vec<&str> = help.lines().collect();
    let mut missing = Vec::new();
    let mut in_section = false;
    for (i, line) in lines.iter().enumerate() {
        if line.ends_with(':') && !line.starts_with(' ') {
            in_section = *line == "Arguments:" || *line == "Options:";
            continue;
        }
        let entry = line.trim_start();
        let indent = line.len() - entry.len();
        if !in_section || !(2..=6).contains(&indent) || !entry.starts_with(['-', '<', '[']) {
            continue;
        }
        let same_line = entry
            .split_once("  ")
            .is_some_and(|(_, d)| !d.trim().is_empty());
        let next_line = lines.get(i + 1).is_some_and(|next| {
            next.len() - next.trim_start().len() > 6 && !next.trim().is_empty()
        });
        if !same_line && !next_line {
            missing.push(line.to_string());
        }
    }
    missing
}

#[test]
fn every_subcommand_describes_every_argument_and_shows_an_example() {
    for sub in SUBCOMMANDS.iter().filter(|s| **s != "help") {
        for flag in ["-h", "--help"] {
            let output = run([*sub, flag]);
            assert!(output.status.success(), "{sub} {flag}: {}", stderr(&output));
            let help = stdout(&output);
            let missing = undescribed(&help);
            assert!(
                missing.is_empty(),
                "{sub} {flag}: undescribed {missing:?}\n{help}"
            );
            assert!(help.contains("Example"), "{sub} {flag}: no example\n{help}");
            assert!(
                help.contains("Options:"),
                "{sub} {flag}: the parser saw no options\n{help}"
            );
        }
    }
    let output = run(["--help"]);
    let help = stdout(&output);
    for sub in SUBCOMMANDS {
        assert!(
            help.contains(&format!("  {sub}")),
            "{sub} not listed:\n{help}"
        );
    }
    assert!(undescribed(&help).is_empty(), "{help}");
    // The plan is optional for simulate and plot, and the help says which plan is used.
    for sub in ["simulate", "plot"] {
        let help = stdout(&run([sub, "--help"]));
        assert!(
            help.contains("[PLAN]") && help.contains("embedded example plan"),
            "{help}"
        );
    }
    for sub in ["check", "sensitivity", "face", "plan-symmetry"] {
        let help = stdout(&run([sub, "--help"]));
        assert!(
            help.contains("<PLAN>") && help.contains("Required"),
            "{sub}: {help}"
        );
    }
}

#[test]
fn the_help_parser_finds_a_missing_description() {
    let help = "Usage: x\n\nArguments:\n  <PLAN>\n\nOptions:\n  -o, --output <FILE>\n      --days <N>  Days\n";
    assert_eq!(undescribed(help), vec!["  <PLAN>", "  -o, --output <FILE>"]);
}

#[test]
fn completions_and_man_pages_are_generated() {
    let output = run(["completions", "bash"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let script = stdout(&output);
    assert!(
        script.contains("_bontsim()") && script.contains("complete -F"),
        "{script}"
    );
    assert!(
        script.contains("simulate") && script.contains("--format"),
        "{script}"
    );

    let output = run(["man"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let page = stdout(&output);
    assert!(
        page.contains(".TH bontsim 1"),
        "{}",
        common::tail(&page, 500)
    );
    assert!(page.contains(bontsim_core::MODEL_VERSION));

    let dir = temp_dir("man");
    let output = run(["man", "-o", dir.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    for name in [
        "bontsim.1",
        "bontsim-simulate.1",
        "bontsim-compare.1",
        "bontsim-trial-merge.1",
    ] {
        let text =
            std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(text.contains(".TH"), "{name}");
    }
    let page = std::fs::read_to_string(dir.join("bontsim-simulate.1")).unwrap();
    assert!(page.contains("Days to simulate"), "{page}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_version_names_the_model() {
    let output = run(["--version"]);
    assert!(output.status.success());
    let text = stdout(&output);
    assert!(
        text.contains(&format!("(model {})", bontsim_core::MODEL_VERSION)),
        "{text}"
    );
    assert!(text.contains(env!("CARGO_PKG_VERSION")), "{text}");
}

#[test]
fn negative_numbers_are_refused_by_name() {
    let path = example("glabella_light_10u.toml");
    for args in [
        vec!["simulate", path.to_str().unwrap(), "--days", "-5"],
        vec![
            "plot",
            path.to_str().unwrap(),
            "-o",
            "x.svg",
            "--days",
            "-5",
        ],
        vec![
            "compare",
            path.to_str().unwrap(),
            path.to_str().unwrap(),
            "--days",
            "-5",
        ],
    ] {
        let output = run(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let err = stderr(&output);
        assert!(
            err.contains("--days") && err.contains("must be at least 1, got -5"),
            "{args:?}: {err}"
        );
        assert!(
            !err.contains("-- -5"),
            "{args:?}: clap's tip instead of the reason: {err}"
        );
    }
    let output = run([
        "trial",
        path.to_str().unwrap(),
        "-o",
        "t",
        "--patients",
        "-3",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("--patients"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_trial_prints_its_arms_on_a_terminal_only() {
    let dir = temp_dir("trial-table");
    let plan = example("glabella_20u_every_4_months.toml");
    let out = dir.join("piped");
    let output = run([
        "trial",
        plan.to_str().unwrap(),
        "--patients",
        "50",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).is_empty(), "nothing on a piped stdout");
    let out = dir.join("terminal");
    if let Some(screen) = on_a_terminal(
        &[
            "trial",
            plan.to_str().unwrap(),
            "--patients",
            "50",
            "-o",
            out.to_str().unwrap(),
        ],
        &[],
    ) {
        assert!(screen.contains("responders day 30 (95% CI)"), "{screen}");
        assert!(screen.contains("arm 1: "), "{screen}");
        assert!(out.join("summary.json").exists());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_readme_shows_the_real_summary() {
    let readme = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"),
    )
    .expect("README.md");
    let command = format!("$ bontsim simulate examples/{MASSETER}\n");
    let shown = readme
        .split_once(&command)
        .and_then(|(_, rest)| rest.split_once("```"))
        .map(|(block, _)| block)
        .expect("README shows the summary of the masseter example in a code block");
    // Run from the workspace root so that the plan's name reads as in the README.
    let output = Command::new(bin())
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .args([
            "simulate",
            &format!("examples/{MASSETER}"),
            "--format",
            "text",
        ])
        .output()
        .expect("bontsim runs");
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        shown,
        stdout(&output),
        "README.md's summary is out of date: paste the output of `bontsim simulate examples/{MASSETER}`"
    );
}
