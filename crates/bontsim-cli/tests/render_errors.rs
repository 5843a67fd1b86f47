//! The render library's errors as the command line words them: the option at fault named,
//! exit code 2, no file written.

mod common;

use common::*;

#[test]
fn a_muscle_the_plan_does_not_inject_is_named_with_its_option() {
    let dir = std::env::temp_dir().join(format!("bontsim-render-errors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let out = dir.join("strength.svg");
    let plan = example("glabella_light_10u.toml");
    let output = run([
        "plot".as_ref(),
        plan.as_os_str(),
        "--muscle".as_ref(),
        "masseter".as_ref(),
        "--output".as_ref(),
        out.as_os_str(),
        "--days".as_ref(),
        "30".as_ref(),
    ]);
    let err = stderr(&output);
    assert_eq!(
        output.status.code(),
        Some(2),
        "stderr: {}",
        tail(&err, 2000)
    );
    assert!(
        err.contains("--muscle: none of masseter receives toxin in this plan"),
        "stderr: {}",
        tail(&err, 2000)
    );
    assert!(!out.exists(), "no figure should be written");
    let _ = std::fs::remove_dir_all(&dir);
}
