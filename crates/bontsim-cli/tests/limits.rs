//! End-to-end tests of the documented bounds (docs/cli.md, "Limits"): plans at the injection
//! limit are checked in linear time, worker threads are capped, the symmetry planner refuses
//! plans too large to search, and `check` describes a plan in sessions.

mod common;

use common::{example, run, stderr, stdout};
use std::path::PathBuf;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bontsim-limits-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const INJECTION: &str = "[[injection]]\nday = 0\nproduct = \"onabotulinumtoxinA\"\nmuscle = \"masseter\"\nside = \"left\"\nunits = 1\n";

#[test]
fn a_plan_of_100000_injections_in_one_session_is_checked() {
    // Every injection in one 90-day window: each window start used to sum the whole plan.
    let mut text = String::from("[patient]\nsex = \"female\"\nage = 40\n");
    for _ in 0..100_000 {
        text += INJECTION;
    }
    let plan = scratch("hundred-thousand").join("plan.toml");
    std::fs::write(&plan, &text).unwrap();
    let output = run(["check".as_ref(), plan.as_os_str()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(
        out.starts_with("plan is valid: 100000 injections in 1 session on day 0\n"),
        "{}",
        &out[..out.len().min(300)]
    );
    assert!(
        out.contains("warning: label limit: 100000.0 U onabotulinumtoxinA-equivalent between day 0 and day 89"),
        "{}",
        &out[..out.len().min(600)]
    );
    // One more is refused, naming the entry.
    text += INJECTION;
    std::fs::write(&plan, &text).unwrap();
    let output = run(["check".as_ref(), plan.as_os_str()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("injection[100001]: the plan has more than 100000 injections"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn check_describes_sessions_and_names_the_side_of_high_doses() {
    let output = run([
        "check".as_ref(),
        example("glabella_light_10u.toml").as_os_str(),
    ]);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        stdout(&output).starts_with("plan is valid: 3 injections in 1 session on day 0\n"),
        "{}",
        stdout(&output)
    );
    let output = run([
        "check".as_ref(),
        example("glabella_20u_every_4_months.toml").as_os_str(),
    ]);
    let first = stdout(&output)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(
        first.contains(" sessions over ") && first.contains("(day 0 to day "),
        "{first}"
    );
    let mut text = String::from("[patient]\nsex = \"female\"\nage = 40\n");
    for side in ["left", "left", "right"] {
        text += &INJECTION
            .replace("units = 1", "units = 200")
            .replace("left", side);
    }
    let plan = scratch("high-dose").join("plan.toml");
    std::fs::write(&plan, &text).unwrap();
    let output = run(["check".as_ref(), plan.as_os_str()]);
    let out = stdout(&output);
    let high: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("warning: high dose:"))
        .collect();
    assert_eq!(high.len(), 2, "{out}");
    assert!(
        high[0].starts_with(
            "warning: high dose: 2 injections of 200.0 U into masseter (left) on day 0, each"
        ),
        "{}",
        high[0]
    );
    assert!(
        high[1].starts_with("warning: high dose: 200.0 U into masseter (right) on day 0 is"),
        "{}",
        high[1]
    );
}

#[test]
fn threads_are_capped_at_four_per_core() {
    let dir = scratch("threads");
    let output = run([
        "trial".as_ref(),
        example("glabella_light_10u.toml").as_os_str(),
        "--patients".as_ref(),
        "4".as_ref(),
        "--days".as_ref(),
        "30".as_ref(),
        "--threads".as_ref(),
        "50000".as_ref(),
        "--output".as_ref(),
        dir.as_os_str(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert!(
        stderr(&output).contains(&format!(
            "note: --threads 50000 is more than 4 per core on these {cores} cores: using {}",
            4 * cores
        )),
        "{}",
        stderr(&output)
    );
    assert!(dir.join("summary.json").exists());
}

#[test]
fn the_symmetry_planner_refuses_plans_too_large_to_search() {
    let mut text = std::fs::read_to_string(example("palsy_long_standing_untreated.toml")).unwrap();
    text += &INJECTION.replace("units = 1\n", "units = 1\nevery_days = 1\ntimes = 2001\n");
    let plan = scratch("planner").join("plan.toml");
    std::fs::write(&plan, &text).unwrap();
    let output = run(["plan-symmetry".as_ref(), plan.as_os_str()]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("injection: the plan has 2001 injections (repeats expanded); plan-symmetry plans for at most 2000"),
        "{}",
        stderr(&output)
    );
}
