//! End-to-end test of `bontsim plot --face`: the face's scores over time as a figure.

mod common;

use common::*;

#[test]
fn plot_face_draws_the_score_series_with_the_disclaimer() {
    let dir = temp_dir("face-plot");
    let svg = dir.join("scores.svg");
    let output = run([
        "plot",
        example("palsy_healthy_side.toml").to_str().unwrap(),
        "--face",
        "--days",
        "200",
        "--output",
        svg.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(
        text.starts_with("<svg") || text.starts_with("<?xml"),
        "an SVG file"
    );
    for label in [
        "Sunnybrook composite",
        "eFACE total",
        "expressivity x 100",
        "House-Brackmann",
        "palsy on the left side",
        "not a medical device",
    ] {
        assert!(text.contains(label), "the figure shows \"{label}\"");
    }
    // One polyline per score series at least (4 scores and the grade).
    assert!(text.matches("<polyline").count() >= 5);
    // --face and --muscle do not mix.
    let both = run([
        "plot",
        example("palsy_healthy_side.toml").to_str().unwrap(),
        "--face",
        "--muscle",
        "frontalis",
        "--output",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(both.status.code(), Some(2), "{}", stderr(&both));
}
