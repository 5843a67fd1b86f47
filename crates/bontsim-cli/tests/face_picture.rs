//! `bontsim face`: the picture is valid SVG with every muscle region of both sides, shaded by
//! capacity as the simulation says; PNG output; frames for several days; bad options exit 2.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::Path;

/// A muscle region as the SVG gives it.
#[derive(Debug)]
struct Region {
    capacity: f64,
    strength: f64,
    nerve_function: f64,
    /// Sum of the fill's RGB channels: higher is lighter.
    lightness: u32,
}

/// Runs `bontsim face` and checks success.
fn face(args: &[&str]) {
    let output = run(std::iter::once("face").chain(args.iter().copied()));
    assert!(
        output.status.success(),
        "bontsim face {args:?} failed ({}): {}",
        output.status,
        tail(&stderr(&output), 2000)
    );
}

/// Parses an SVG as XML (panics if invalid) and returns its muscle regions by id and its text.
fn read_svg(path: &Path) -> (BTreeMap<String, Region>, String) {
    let text = std::fs::read_to_string(path).expect("the SVG was written");
    let document = roxmltree::Document::parse(&text)
        .unwrap_or_else(|e| panic!("{} is not valid XML: {e}", path.display()));
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    let number = |node: roxmltree::Node, name: &str| -> f64 {
        node.attribute(name)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} missing on {:?}", node.attribute("id")))
    };
    let mut regions = BTreeMap::new();
    for node in document.descendants().filter(|n| n.has_tag_name("polygon")) {
        let Some(id) = node.attribute("id") else {
            continue;
        };
        let fill = node.attribute("fill").expect("a region has a fill");
        let lightness = (0..3)
            .map(|k| u32::from_str_radix(&fill[1 + 2 * k..3 + 2 * k], 16).expect("#rrggbb fill"))
            .sum();
        let title = node
            .children()
            .find(|c| c.has_tag_name("title"))
            .and_then(|t| t.text())
            .unwrap_or_default();
        assert!(title.contains("capacity"), "{id}: title {title:?}");
        regions.insert(
            id.to_string(),
            Region {
                capacity: number(node, "data-capacity"),
                strength: number(node, "data-strength"),
                nerve_function: number(node, "data-nerve-function"),
                lightness,
            },
        );
    }
    let words: Vec<&str> = document
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .collect();
    (regions, words.join("\n"))
}

/// Every muscle region drawn (the levator palpebrae is shown by the eye's opening).
const MUSCLES_DRAWN: [&str; 19] = [
    "frontalis",
    "corrugator_supercilii",
    "procerus",
    "depressor_supercilii",
    "orbicularis_oculi",
    "nasalis",
    "levator_labii_superioris_alaeque_nasi",
    "levator_labii_superioris",
    "zygomaticus_major",
    "zygomaticus_minor",
    "risorius",
    "buccinator",
    "orbicularis_oris",
    "depressor_anguli_oris",
    "depressor_labii_inferioris",
    "mentalis",
    "platysma",
    "masseter",
    "temporalis",
];

#[test]
fn svg_draws_both_sides_with_title_disclaimer_and_shading_by_capacity() {
    let dir = temp_dir("face-svg");
    let path = dir.join("smile.svg");
    let plan = example("palsy_healthy_side.toml");
    face(&[
        plan.to_str().unwrap(),
        "--day",
        "14",
        "--expression",
        "smile",
        "--output",
        path.to_str().unwrap(),
    ]);
    let (regions, text) = read_svg(&path);
    let mut checks = Checks::new("face picture, healthy-side treatment");
    for muscle in MUSCLES_DRAWN {
        for side in ["left", "right"] {
            checks.check(
                regions.contains_key(&format!("{muscle}_{side}")),
                format!("region {muscle}_{side} drawn"),
            );
        }
    }
    for words in [
        "palsy_healthy_side",
        "day 14",
        "smile",
        "Sunnybrook composite",
        "House-Brackmann IV",
        "expressivity",
        "Research and education software, not a medical device.",
        "the patient's left is on the viewer's right",
    ] {
        checks.check(text.contains(words), format!("the picture says {words:?}"));
    }
    // Every region: capacity = strength x nerve function, and a lower capacity is lighter.
    for (id, r) in &regions {
        checks.check(
            (r.capacity - r.strength * r.nerve_function).abs() < 1e-3,
            format!("{id}: capacity {} = strength x nerve function", r.capacity),
        );
    }
    let mut by_capacity: Vec<&Region> = regions.values().collect();
    by_capacity.sort_by(|a, b| a.capacity.total_cmp(&b.capacity));
    checks.check(
        by_capacity
            .windows(2)
            .all(|w| w[0].capacity == w[1].capacity || w[0].lightness >= w[1].lightness),
        "a lower capacity is never drawn darker",
    );
    // The treated right zygomaticus major: its strength is the simulation's, weaker than the
    // untreated left; the left's capacity is lowered by the palsy instead.
    let report = simulate(&plan, 730);
    let strength = daily(&report, "zygomaticus_major", "right", "strength")[14];
    let right = &regions["zygomaticus_major_right"];
    let left = &regions["zygomaticus_major_left"];
    checks.between(
        "right zygomaticus major strength on day 14 (simulate's)",
        right.strength,
        strength - 1e-3,
        strength + 1e-3,
    );
    checks.below("right zygomaticus major strength", right.strength, 0.9);
    checks.between("left zygomaticus major strength", left.strength, 1.0, 1.0);
    checks.below("left (palsied) nerve function", left.nerve_function, 0.9);
    checks.finish();

    // The same face untreated: the right zygomaticus major is full and darker than treated.
    let untreated = dir.join("untreated.svg");
    face(&[
        example("palsy_long_standing_untreated.toml")
            .to_str()
            .unwrap(),
        "--day",
        "14",
        "--expression",
        "smile",
        "-o",
        untreated.to_str().unwrap(),
    ]);
    let (before, _) = read_svg(&untreated);
    let full = &before["zygomaticus_major_right"];
    assert!(full.capacity > 0.99 && right.capacity < full.capacity - 0.3);
    assert!(
        right.lightness > full.lightness,
        "treated {right:?} should be lighter than untreated {full:?}"
    );
}

#[test]
fn an_untreated_palsy_shows_the_affected_left_side_weaker() {
    let dir = temp_dir("face-untreated");
    let path = dir.join("rest.svg");
    face(&[
        example("palsy_long_standing_untreated.toml")
            .to_str()
            .unwrap(),
        "-o",
        path.to_str().unwrap(),
    ]);
    let (regions, text) = read_svg(&path);
    assert!(text.contains("day 0, at rest"), "{text}");
    let mut checks = Checks::new("untreated left palsy");
    for muscle in MUSCLES_DRAWN {
        let left = &regions[&format!("{muscle}_left")];
        let right = &regions[&format!("{muscle}_right")];
        if muscle == "masseter" || muscle == "temporalis" {
            // Trigeminal, not facial: untouched by the palsy.
            checks.check(
                left.capacity == right.capacity,
                format!(
                    "{muscle}: both sides equal ({} and {})",
                    left.capacity, right.capacity
                ),
            );
            continue;
        }
        checks.below(
            &format!("{muscle} left capacity"),
            left.capacity,
            right.capacity - 0.3,
        );
        checks.check(
            left.lightness > right.lightness,
            format!("{muscle}: left drawn lighter ({left:?} vs {right:?})"),
        );
    }
    checks.finish();
}

#[test]
fn png_output_and_frames_for_several_days() {
    let dir = temp_dir("face-frames");
    let plan = example("palsy_healthy_side.toml");
    let png = dir.join("face.png");
    face(&[
        plan.to_str().unwrap(),
        "--day",
        "30",
        "-o",
        png.to_str().unwrap(),
    ]);
    let bytes = std::fs::read(&png).expect("the PNG was written");
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");

    let frames = dir.join("frames");
    let prefix = frames.join("smile.svg");
    // `--frames` and its earlier name `--day` add to the same list of days.
    face(&[
        plan.to_str().unwrap(),
        "--frames",
        "30,0",
        "--day",
        "14",
        "--every",
        "45",
        "--until",
        "90",
        "--expression",
        "smile",
        "-o",
        prefix.to_str().unwrap(),
    ]);
    let mut names: Vec<String> = std::fs::read_dir(&frames)
        .expect("the frames directory was made")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let expected: Vec<String> = [0, 14, 30, 45, 90]
        .iter()
        .map(|d| format!("smile_day{d:04}.svg"))
        .collect();
    assert_eq!(names, expected);
    let (_, text) = read_svg(&frames.join("smile_day0045.svg"));
    assert!(text.contains("day 45, smile"), "{text}");
}

/// Runs `bontsim face` expecting exit code 2 with an error naming `option`, without a panic.
fn refused(args: &[&str], option: &str) {
    let output = run(std::iter::once("face").chain(args.iter().copied()));
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    assert!(
        err.contains("error") && err.contains(option),
        "{args:?}: the error should name {option}: {err}"
    );
}

#[test]
fn help_names_frames_and_its_alias() {
    let output = run(["face", "--help"]);
    let help = stdout(&output);
    assert!(output.status.success());
    assert!(help.contains("--frames <DAY>"), "{help}");
    assert!(help.contains("[alias: --day]"), "{help}");
}

#[test]
fn bad_options_exit_2_naming_the_option() {
    let dir = temp_dir("face-errors");
    let plan = example("palsy_healthy_side.toml");
    let plan = plan.to_str().unwrap();
    let svg = dir.join("face.svg");
    let svg = svg.to_str().unwrap();
    refused(&[plan, "--expression", "smiel", "-o", svg], "--expression");
    refused(
        &[plan, "--expression", "smiel", "-o", svg],
        "did you mean \"smile\"",
    );
    refused(&[plan, "--frames", "800", "-o", svg], "--frames");
    refused(
        &[plan, "--days", "100", "--frames", "100", "-o", svg],
        "--frames",
    );
    refused(&[plan, "--frames", "14,x", "-o", svg], "--frames");
    refused(&[plan, "--frames=-3", "-o", svg], "--frames");
    // The earlier name of the option is the same option.
    refused(&[plan, "--day", "14,x", "-o", svg], "--frames");
    refused(&[plan, "--every", "0", "-o", svg], "--every");
    refused(
        &[plan, "--every", "10", "--until", "5000", "-o", svg],
        "--until",
    );
    refused(&[plan, "--until", "50", "-o", svg], "--until");
    let jpeg = dir.join("face.jpg");
    refused(&[plan, "-o", jpeg.to_str().unwrap()], "--output");
    // The output's directory is a regular file: it can be neither made nor written.
    let file = dir.join("a-file");
    std::fs::write(&file, b"").unwrap();
    let inside = file.join("face.svg");
    refused(&[plan, "-o", inside.to_str().unwrap()], "--output");
    refused(&[plan, "-o", inside.to_str().unwrap()], "a-file");
    assert!(!svg_exists(&dir), "no picture is written after an error");
}

fn svg_exists(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .unwrap()
        .any(|e| e.unwrap().path().extension().is_some_and(|x| x == "svg"))
}
