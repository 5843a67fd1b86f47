//! End-to-end test of `bontsim sensitivity` on the real binary.

use serde_json::Value;
use std::process::Command;

#[test]
fn sensitivity_writes_tornado_and_sobol_and_is_reproducible() {
    let plan = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/glabella_light_10u.toml");
    let run = |name: &str| {
        let dir =
            std::env::temp_dir().join(format!("bontsim-sensitivity-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let out = Command::new(env!("CARGO_BIN_EXE_bontsim"))
            .arg("sensitivity")
            .arg(&plan)
            .args([
                "--samples",
                "128",
                "--seed",
                "3",
                "--days",
                "300",
                "--output",
            ])
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        dir
    };
    let first = run("a");
    let second = run("b");
    for file in [
        "sensitivity.json",
        "sensitivity.csv",
        "tornado.svg",
        "sobol.svg",
        "tornado.png",
        "sobol.png",
    ] {
        let a = std::fs::read(first.join(file)).unwrap();
        assert_eq!(
            a,
            std::fs::read(second.join(file)).unwrap(),
            "{file} differs between runs"
        );
    }
    let report: Value =
        serde_json::from_slice(&std::fs::read(first.join("sensitivity.json")).unwrap()).unwrap();
    let outputs = report["outputs"].as_array().unwrap();
    assert_eq!(outputs.len(), 4, "days of effect, nadir, mass, area days");
    let duration = &outputs[0];
    let total = |name: &str| {
        duration["sobol"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["parameter"] == name)
            .unwrap()["total_order"]
            .as_f64()
            .unwrap()
    };
    // The toxin's persistence drives duration far more than muscle regrowth does.
    assert!(total("k_l") > 0.2 && total("k_l") > 10.0 * total("k_gain"));
    assert!(std::fs::read_to_string(first.join("tornado.svg"))
        .unwrap()
        .contains("<svg"));

    let bad = Command::new(env!("CARGO_BIN_EXE_bontsim"))
        .arg("sensitivity")
        .arg(&plan)
        .args(["--samples", "2", "--output"])
        .arg(std::env::temp_dir().join("bontsim-sensitivity-bad"))
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--samples"));
}
