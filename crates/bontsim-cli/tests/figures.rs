//! End-to-end tests of what the figures say, read back from the SVG the real binary writes:
//! titles naming the plan and its doses, legends in words with both sides, calendar dates on
//! the axis of dated plans, the day-0 injection clear of the axis, trial arms by plan name
//! with the legend outside the chart, and the tornado sorted by effect.

mod common;

use common::{example, plan, run, stderr};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bontsim-figures-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn succeed(args: &[&str]) {
    let output = run(args);
    assert!(
        output.status.success(),
        "bontsim {}: {}",
        args.join(" "),
        stderr(&output)
    );
}

fn text_of(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every `<text>` of an SVG: its position and its words, in document order.
struct Label {
    x: f64,
    y: f64,
    text: String,
}

fn labels(svg: &str) -> Vec<Label> {
    let document = roxmltree::Document::parse(svg).expect("the figure is well-formed SVG");
    let number = |node: roxmltree::Node, name: &str| -> f64 {
        node.attribute(name)
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN)
    };
    document
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| Label {
            x: number(n, "x"),
            y: number(n, "y"),
            text: n
                .descendants()
                .filter(|t| t.is_text())
                .filter_map(|t| t.text())
                .collect::<String>()
                .trim()
                .to_string(),
        })
        .collect()
}

fn find<'a>(labels: &'a [Label], wanted: &str) -> &'a Label {
    labels.iter().find(|l| l.text == wanted).unwrap_or_else(|| {
        let all: Vec<&str> = labels.iter().map(|l| l.text.as_str()).collect();
        panic!("no text \"{wanted}\" among {all:?}")
    })
}

fn containing<'a>(labels: &'a [Label], part: &str) -> &'a Label {
    labels
        .iter()
        .find(|l| l.text.contains(part))
        .unwrap_or_else(|| {
            let all: Vec<&str> = labels.iter().map(|l| l.text.as_str()).collect();
            panic!("no text containing \"{part}\" among {all:?}")
        })
}

fn points(text: &str) -> Vec<(f64, f64)> {
    text.split_whitespace()
        .filter_map(|p| {
            let (x, y) = p.split_once(',')?;
            Some((x.parse().ok()?, y.parse().ok()?))
        })
        .collect()
}

/// The x of the chart's left (vertical) axis line, and the leftmost point of the injection
/// triangles: the first must be left of the second for a day-0 injection to be seen.
fn axis_and_first_injection(svg: &str) -> (f64, f64) {
    let document = roxmltree::Document::parse(svg).unwrap();
    let axis = document
        .descendants()
        .filter(|n| n.has_tag_name("polyline") && n.attribute("stroke") == Some("#000000"))
        .filter_map(|n| {
            let p = points(n.attribute("points")?);
            (p.len() == 2 && p[0].0 == p[1].0 && (p[1].1 - p[0].1).abs() > 100.0).then_some(p[0].0)
        })
        .next()
        .expect("a vertical axis line");
    let triangles = document
        .descendants()
        .filter(|n| n.has_tag_name("polygon") && n.attribute("fill") == Some("#5A5A5A"))
        .flat_map(|n| points(n.attribute("points").unwrap_or("")))
        .map(|(x, _)| x)
        .fold(f64::INFINITY, f64::min);
    (axis, triangles)
}

fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && text
            .chars()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

#[test]
fn the_strength_plot_names_the_plan_its_doses_and_both_sides() {
    let dir = scratch("strength");
    let svg = dir.join("uneven.svg");
    let plan = plan("glabella_uneven_dated.toml");
    succeed(&[
        "plot",
        plan.to_str().unwrap(),
        "--days",
        "300",
        "-o",
        svg.to_str().unwrap(),
    ]);
    let text = text_of(&svg);
    let labels = labels(&text);
    containing(&labels, "Strength and contractile mass")
        .text
        .contains("glabella_uneven_dated")
        .then_some(())
        .expect("the title names the plan");
    find(
        &labels,
        "onabotulinumtoxinA: corrugator supercilii 10 U L, 6 U R, procerus 4 U; every 120 days x 2 (day 0 = 2026-03-02)",
    );
    // Uneven sides: one entry each, the right side marked with circles. The midline procerus
    // differs too (the corrugators' spread reaches it unevenly), so it is not "left = right".
    let left = find(&labels, "corrugator supercilii (left)");
    let right = find(&labels, "corrugator supercilii (right)");
    find(&labels, "procerus (left)");
    find(&labels, "procerus (right)");
    assert!(!labels
        .iter()
        .any(|l| l.text.contains("corrugator_supercilii")));
    // The legend lies right of the data area: right of every x-axis label.
    let axis_labels: Vec<&Label> = labels.iter().filter(|l| is_date(&l.text)).collect();
    assert!(axis_labels.len() >= 3, "dates on the axis");
    let rightmost = axis_labels.iter().map(|l| l.x).fold(0.0, f64::max);
    assert!(left.x > rightmost && right.x > rightmost);
    assert_eq!(
        axis_labels[0].text, "2026-03-02",
        "day 0 is labelled by its date"
    );
    find(&labels, "date (day 0 = 2026-03-02)");
    let caption = containing(&labels, "Solid: strength");
    assert!(
        caption.text.contains("dashed: contractile mass")
            && caption.text.contains("circles: the patient's right side")
            && caption
                .text
                .contains("grey dashed verticals and triangles: injection days")
            && !caption.text.contains("dotted"),
        "{}",
        caption.text
    );
    assert!(text.contains("<circle"), "the right side carries circles");
    let (axis, injection) = axis_and_first_injection(&text);
    assert!(
        injection > axis + 2.0,
        "day-0 injection at {injection}, axis at {axis}"
    );
}

#[test]
fn the_embedded_example_says_left_equals_right() {
    let dir = scratch("embedded");
    let svg = dir.join("example.svg");
    succeed(&["plot", "-o", svg.to_str().unwrap()]);
    let labels = labels(&text_of(&svg));
    containing(&labels, "— embedded example");
    find(
        &labels,
        "onabotulinumtoxinA: procerus 4 U, corrugator supercilii 8 U L+R; every 120 days x 6",
    );
    find(&labels, "corrugator supercilii (left = right)");
    find(&labels, "procerus (left = right)");
    // Undated: days on the axis, and no circles promised in the caption.
    find(&labels, "day");
    assert!(!labels.iter().any(|l| is_date(&l.text)));
    assert!(!containing(&labels, "Solid: strength")
        .text
        .contains("circles"));
}

#[test]
fn muscles_to_plot_are_named_as_in_a_plan() {
    // Any case, spaces for underscores, as the plan schema accepts; only that muscle is drawn.
    let dir = scratch("muscle-names");
    let svg = dir.join("corrugator.svg");
    succeed(&[
        "plot",
        "-o",
        svg.to_str().unwrap(),
        "--muscle",
        "Corrugator Supercilii",
    ]);
    let labels = labels(&text_of(&svg));
    find(&labels, "corrugator supercilii (left = right)");
    assert!(!labels.iter().any(|l| l.text.starts_with("procerus (")));
}

#[test]
fn the_face_score_plot_names_the_plan_and_shows_the_day_0_injection() {
    let dir = scratch("face-scores");
    let svg = dir.join("scores.svg");
    let plan = plan("glabella_uneven_dated.toml");
    succeed(&[
        "plot",
        plan.to_str().unwrap(),
        "--face",
        "--days",
        "200",
        "-o",
        svg.to_str().unwrap(),
    ]);
    let text = text_of(&svg);
    let labels = labels(&text);
    assert!(containing(&labels, "Face scores over time")
        .text
        .ends_with("— glabella_uneven_dated"));
    containing(&labels, "corrugator supercilii 10 U L, 6 U R");
    find(&labels, "injection day");
    find(&labels, "Sunnybrook composite");
    assert!(labels.iter().any(|l| is_date(&l.text)));
    let note = containing(&labels, "injection days");
    assert!(!note.text.contains("dotted"), "{}", note.text);
    let (axis, injection) = axis_and_first_injection(&text);
    assert!(
        injection > axis + 2.0,
        "day-0 injection at {injection}, axis at {axis}"
    );
}

#[test]
fn one_face_picture_is_written_under_the_name_given() {
    let dir = scratch("face-one");
    let plan = plan("glabella_uneven_dated.toml");
    let plan = plan.to_str().unwrap();
    let face = dir.join("face.svg");
    succeed(&["face", plan, "--day", "14", "-o", face.to_str().unwrap()]);
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["face.svg"]);
    let labels = labels(&text_of(&face));
    find(
        &labels,
        "glabella_uneven_dated: day 14 (2026-03-16), at rest",
    );
    find(
        &labels,
        "onabotulinumtoxinA: corrugator supercilii 10 U L, 6 U R, procerus 4 U; every 120 days x 2 (day 0 = 2026-03-02)",
    );
    // --every that yields a single day writes the name given too.
    std::fs::remove_file(&face).unwrap();
    succeed(&[
        "face",
        plan,
        "--every",
        "400",
        "--until",
        "300",
        "-o",
        face.to_str().unwrap(),
    ]);
    assert!(face.exists() && !dir.join("face_day0000.svg").exists());
}

#[test]
fn trial_figures_name_arms_by_plan_and_show_one_session_s_duration() {
    let dir = scratch("trial");
    let repeated = example("glabella_20u_every_4_months.toml");
    let light = example("glabella_light_10u.toml");
    succeed(&[
        "trial",
        repeated.to_str().unwrap(),
        light.to_str().unwrap(),
        "--patients",
        "120",
        "--days",
        "400",
        "-o",
        dir.to_str().unwrap(),
    ]);
    let summary: Value = serde_json::from_str(&text_of(&dir.join("summary.json"))).unwrap();
    let area = &summary["arms"][0]["areas"][0];
    assert_eq!(area["first_cycle_end_day"], 120);
    let cycle = area["first_cycle_duration_days"]["median"]
        .as_u64()
        .unwrap();
    let course = area["duration_days"]["median"].as_u64().unwrap();
    assert!(
        cycle <= 120 && course > 120,
        "cycle {cycle}, course {course}"
    );
    let single = &summary["arms"][1]["areas"][0];
    assert_eq!(single["first_cycle_end_day"], Value::Null);
    assert_eq!(
        single["first_cycle_duration_days"], single["duration_days"],
        "one session: the first cycle is the whole course"
    );

    for figure in ["responders.svg", "durations.svg"] {
        let labels = labels(&text_of(&dir.join(figure)));
        assert!(
            !labels
                .iter()
                .any(|l| l.text.contains(".toml") || l.text.contains('/')),
            "{figure}: arms by plan name, not path"
        );
        let x_axis = labels
            .iter()
            .filter(|l| l.text.starts_with("day"))
            .map(|l| l.y)
            .fold(0.0, f64::max);
        for arm in [
            "glabella_20u_every_4_months: glabella",
            "glabella_light_10u: glabella",
        ] {
            let entry = containing(&labels, arm);
            assert!(
                entry.y > x_axis,
                "{figure}: legend \"{arm}\" below the chart"
            );
        }
    }
    let labels = labels(&text_of(&dir.join("durations.svg")));
    containing(&labels, "Duration of response to one session");
    let entry = containing(&labels, "glabella_20u_every_4_months: glabella: median");
    assert!(
        entry
            .text
            .contains(&format!("median {cycle} days after the first session"))
            && entry
                .text
                .contains("still responding at the next session (day 120)"),
        "{}",
        entry.text
    );
    let csv = text_of(&dir.join("durations.csv"));
    assert!(csv
        .lines()
        .next()
        .unwrap()
        .ends_with(",first_cycle_median_duration_days,first_cycle_p25,first_cycle_p75,first_cycle_end_day,first_cycle_still_responding"));
}

#[test]
fn the_tornado_is_sorted_by_effect_with_parameters_in_words() {
    let dir = scratch("tornado");
    let plan = plan("glabella_20u_single.toml");
    succeed(&[
        "sensitivity",
        plan.to_str().unwrap(),
        "--samples",
        "8",
        "--days",
        "240",
        "-o",
        dir.to_str().unwrap(),
    ]);
    let report: Value = serde_json::from_str(&text_of(&dir.join("sensitivity.json"))).unwrap();
    let labels = labels(&text_of(&dir.join("tornado.svg")));
    containing(&labels, "— glabella_20u_single");
    find(&labels, "nerve sprouting recovery rate (k_r0)");
    // Parameter labels, panel after panel in document order.
    let names: Vec<(String, String)> = report["factors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let name = f["name"].as_str().unwrap().to_string();
            (bontsim_core::Parameters::label(&name), name)
        })
        .collect();
    let parameter_labels: Vec<&Label> = labels
        .iter()
        .filter(|l| names.iter().any(|(label, _)| *label == l.text))
        .collect();
    let outputs = report["outputs"].as_array().unwrap();
    assert_eq!(parameter_labels.len(), names.len() * outputs.len());
    for (panel, output) in parameter_labels.chunks(names.len()).zip(outputs) {
        let typical = output["typical"].as_f64().unwrap();
        let effect = |label: &str| {
            let name = &names.iter().find(|(l, _)| l == label).unwrap().1;
            let bar = output["tornado"]
                .as_array()
                .unwrap()
                .iter()
                .find(|b| b["parameter"] == name.as_str())
                .unwrap();
            (bar["low"].as_f64().unwrap() - typical)
                .abs()
                .max((bar["high"].as_f64().unwrap() - typical).abs())
        };
        let mut rows: Vec<&&Label> = panel.iter().collect();
        rows.sort_by(|a, b| a.y.total_cmp(&b.y));
        let effects: Vec<f64> = rows.iter().map(|l| effect(&l.text)).collect();
        assert!(
            effects.windows(2).all(|w| w[0] >= w[1]),
            "{}: top to bottom {effects:?}",
            output["output"]
        );
        assert!(effects[0] > effects[effects.len() - 1]);
    }
    // No key in snake_case but the plan's own name and the symbols in parentheses.
    for label in &labels {
        let words = label
            .text
            .rsplit_once(" (")
            .map_or(&*label.text, |(w, _)| w);
        assert!(
            !words.contains('_') || label.text.contains("glabella_20u_single"),
            "{}",
            label.text
        );
    }
}
