//! End-to-end tests of the facial-palsy claims P1, P2, P3, P5, P6 and P7 of
//! `../shared/docs/claims.md` (seed 003, "Botox for Facial Paralysis"): each runs the real
//! `bontsim` binary on a palsy plan and checks the `face` section of its JSON with numbers.
//!
//! Plans: `examples/palsy_*.toml` (each with its sourced doses in a header comment) and
//! `tests/plans/palsy_chronic_toxin_alone.toml`. Sources are in
//! `../shared/docs/literature/muscle-and-palsy.md` sections 4.4 and 5; docs/validation.md
//! ("Facial palsy") lists the numbers these tests see.

mod common;

use common::*;
use serde_json::Value;

/// Days simulated: the reported `face.at` days run to 365.
const DAYS: u32 = 400;

/// `face` of a report.
fn face(report: &Value) -> &Value {
    report
        .get("face")
        .unwrap_or_else(|| panic!("the report has no `face` section"))
}

/// One daily face series (`sunnybrook`, `eface_total`, `hypertonic_tone`, ...), indexed by day.
fn face_daily(report: &Value, key: &str) -> Vec<f64> {
    series(array(face(report), "daily"), key)
}

/// The full grading of one of the `face.at` days.
fn face_at(report: &Value, day: usize) -> &Value {
    array(face(report), "at")
        .iter()
        .find(|a| num(a, "day") as usize == day)
        .unwrap_or_else(|| panic!("no face.at entry for day {day}"))
}

/// (left, right) excursion (mm) of one expression on a `face.at` day.
fn movement(at: &Value, expression: &str) -> (f64, f64) {
    let m = array(at, "movements")
        .iter()
        .find(|m| string(m, "expression") == expression)
        .unwrap_or_else(|| panic!("no movement {expression}"));
    (num(m, "left"), num(m, "right"))
}

/// First day on which the House-Brackmann grade is `grade` or better.
fn first_day_at_grade(report: &Value, grade: f64) -> Option<usize> {
    face_daily(report, "house_brackmann")
        .iter()
        .position(|&g| g <= grade)
}

fn warnings(report: &Value) -> Vec<&str> {
    array(report, "warnings")
        .iter()
        .map(|w| w.as_str().expect("warnings are strings"))
        .collect()
}

fn has_over_treatment_warning(report: &Value) -> bool {
    warnings(report)
        .iter()
        .any(|w| w.contains("over-treatment"))
}

fn min_between(series: &[f64], from: usize, to: usize) -> f64 {
    series[from..=to]
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min)
}

fn max_between(series: &[f64], from: usize, to: usize) -> f64 {
    series[from..=to]
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max)
}

/// The five Sunnybrook expressions and the eFACE lower-lip movement: graded by how far the
/// innervated muscles pull (the full eye closure is checked separately, it saturates).
const GRADED_EXPRESSIONS: [&str; 6] = [
    "brow_lift",
    "gentle_eye_closure",
    "smile",
    "snarl",
    "lip_pucker",
    "lower_lip_eee",
];

/// P1: "Facial paralysis causes part of the face to be lax while the other part ... remains
/// the same". Behaviour: a profile with a paralysed side (by branch, with a grade) gives an
/// asymmetric face (per-expression movement and resting position) and a low Sunnybrook.
///
/// Criterion, left House-Brackmann IV, acute (`examples/palsy_acute_bell.toml`, day 0) and
/// long-standing with synkinesis (`examples/palsy_long_standing_untreated.toml`), against a
/// plan without palsy (`examples/glabella_20u_every_4_months.toml`, toxin on both sides):
/// - movement: in each graded expression the affected (left) side moves 0.25-0.5 of the healthy
///   side (0.6 for gentle eye closure, where the healthy eye's excursion is capped by its
///   closed fissure; grade IV is "obvious, disfiguring weakness", residual function 0.35 [E]); the
///   affected eye does not close fully (HB IV: incomplete eye closure, House & Brackmann 1985);
/// - rest: the affected brow is > 1 mm lower, the mouth corner > 1.5 mm lower (Emotrics, Guarin
///   2018), the smile angle differs by > 10 degrees;
/// - Sunnybrook composite < 50 and House-Brackmann IV (Sunnybrook falls with the grade, Ross
///   1996; HB IV patients score around 30-50 [C]);
/// - without palsy: left = right everywhere, Sunnybrook 100 +- 0.5, eFACE 100 +- 0.5, HB I.
#[test]
fn p1_untreated_palsy_is_asymmetric_and_scores_low() {
    let acute = simulate(&example("palsy_acute_bell.toml"), DAYS);
    let chronic = simulate(&example("palsy_long_standing_untreated.toml"), DAYS);
    let healthy = simulate(&example("glabella_20u_every_4_months.toml"), DAYS);
    let mut c = Checks::new("P1");

    for (name, report) in [("acute", &acute), ("long-standing", &chronic)] {
        c.check(
            face(report)["affected_side"] == "left",
            format!(
                "{name}: face.affected_side = {}",
                face(report)["affected_side"]
            ),
        );
        let at = face_at(report, 0);
        for expression in GRADED_EXPRESSIONS {
            let (left, right) = movement(at, expression);
            // The healthy eye closes completely in gentle closure (its 10 mm fissure caps the
            // excursion), so the eye's ratio sits above the residual function.
            let high = if expression == "gentle_eye_closure" {
                0.6
            } else {
                0.5
            };
            c.between(
                &format!("{name}: {expression} left/right movement ({left} / {right} mm)"),
                left / right,
                0.25,
                high,
            );
        }
        let (left, right) = movement(at, "full_eye_closure");
        c.check(
            left < right - 0.5,
            format!(
                "{name}: full eye closure left {left} mm < right {right} mm - 0.5 (lagophthalmos)"
            ),
        );
        let (left, right) = emotrics(at, "brow_height", "rest");
        c.above(
            &format!("{name}: brow height at rest right {right} - left {left} (mm)"),
            right - left,
            1.0,
        );
        // The drooping (left) mouth corner sits further below the pupils.
        let (left, right) = emotrics(at, "commissure_below_pupil", "rest");
        c.above(
            &format!(
                "{name}: mouth corner below the pupils at rest left {left} - right {right} (mm)"
            ),
            left - right,
            1.5,
        );
        let (left, right) = emotrics(at, "smile_angle", "smile");
        c.above(
            &format!("{name}: smile angle right {right} - left {left} (degrees)"),
            right - left,
            10.0,
        );
        c.below(
            &format!("{name}: Sunnybrook composite at day 0"),
            num(&at["sunnybrook"], "composite"),
            50.0,
        );
        c.between(
            &format!("{name}: House-Brackmann grade at day 0"),
            num(at, "house_brackmann"),
            4.0,
            4.0,
        );
    }

    c.check(
        face(&healthy)["affected_side"].is_null(),
        "no palsy: face.affected_side is null",
    );
    for day in [0, 14, 30, 90, 180, 365] {
        let at = face_at(&healthy, day);
        for expression in GRADED_EXPRESSIONS {
            let (left, right) = movement(at, expression);
            c.check(
                (left - right).abs() < 1e-6,
                format!("no palsy, day {day}: {expression} left {left} = right {right}"),
            );
        }
        c.between(
            &format!("no palsy, day {day}: Sunnybrook composite"),
            num(&at["sunnybrook"], "composite"),
            99.5,
            100.0,
        );
        c.between(
            &format!("no palsy, day {day}: eFACE total"),
            num(&at["eface"], "total"),
            99.5,
            100.0,
        );
        c.between(
            &format!("no palsy, day {day}: House-Brackmann"),
            num(at, "house_brackmann"),
            1.0,
            1.0,
        );
    }
    c.finish();
}

/// P2: "Botox can be used to relax the side of the face that is not experiencing paralysis,
/// which improves facial symmetry". Behaviour: healthy-side doses raise the symmetry scores;
/// too much healthy-side dose flattens the face, visible in the metrics.
///
/// Criterion, long-standing left HB IV: untreated (`palsy_long_standing_untreated.toml`),
/// 32.5 U on the right side (`palsy_healthy_side.toml`, Salles 2009 / Choi 2013 doses) and 100
/// U on the right (`palsy_healthy_side_overtreated.toml`):
/// - during the effect (days 14 and 30) Sunnybrook and eFACE are >= 10 points above untreated
///   (Kim 2013: marked relief of asymmetry within 1 month; Sadiq 2012: peak at 6 days);
/// - the gain lasts about 3 months (> 5 Sunnybrook points at day 90) and the drug's part has
///   worn off by 6 months (the day-180 gain is under a quarter of the day-30 gain; Sadiq 2012
///   about 11 weeks, review of 16 studies about 4 months, de Maio 2007 up to 180 days); what
///   stays is relearning (`lasting_gains_...`);
/// - usual doses: expressivity stays at or above `face.expressivity_floor`, no over-treatment
///   warning;
/// - over-treatment: expressivity falls below the floor and the report warns "over-treatment"
///   (de Sanctis Pecora 2021: a "paralysed" look), while its Sunnybrook during the effect is no
///   lower than with the usual doses: the symmetry scores alone would not show the harm.
#[test]
fn p2_healthy_side_doses_even_the_face_and_overdoses_flatten_it() {
    let untreated = simulate(&example("palsy_long_standing_untreated.toml"), DAYS);
    let usual = simulate(&example("palsy_healthy_side.toml"), DAYS);
    let over = simulate(&example("palsy_healthy_side_overtreated.toml"), DAYS);
    let mut c = Checks::new("P2");

    let floor = num(face(&usual), "expressivity_floor");
    let base_sb = face_daily(&untreated, "sunnybrook");
    let base_ef = face_daily(&untreated, "eface_total");
    let sb = face_daily(&usual, "sunnybrook");
    let ef = face_daily(&usual, "eface_total");
    for day in [14, 30] {
        c.above(
            &format!(
                "Sunnybrook gain on day {day} ({} vs untreated {})",
                sb[day], base_sb[day]
            ),
            sb[day] - base_sb[day],
            10.0,
        );
        c.above(
            &format!(
                "eFACE gain on day {day} ({} vs untreated {})",
                ef[day], base_ef[day]
            ),
            ef[day] - base_ef[day],
            10.0,
        );
    }
    c.above(
        "Sunnybrook gain on day 90 (benefit over about 3 months)",
        sb[90] - base_sb[90],
        5.0,
    );
    // The drug's part of the gain is gone by 6 months; what stays is the affected side's
    // relearning (at most a quarter of the day-30 gain here; its size is the claim of
    // `lasting_gains_...`). This replaced "gain below 2 points on day 180": with relearning
    // the gain no longer vanishes with the toxin (Azuma 2012, Pavia series [R]).
    c.below(
        "Sunnybrook gain on day 180 / gain on day 30 (the drug's part worn off by 6 months)",
        (sb[180] - base_sb[180]) / (sb[30] - base_sb[30]),
        0.25,
    );
    c.below(
        "eFACE gain on day 180 / gain on day 30 (the drug's part worn off by 6 months)",
        (ef[180] - base_ef[180]) / (ef[30] - base_ef[30]),
        0.25,
    );
    let usual_expressivity = face_daily(&usual, "expressivity");
    c.check(
        min_between(&usual_expressivity, 0, DAYS as usize - 1) >= floor,
        format!(
            "usual doses: minimum expressivity {} >= floor {floor}",
            min_between(&usual_expressivity, 0, DAYS as usize - 1)
        ),
    );
    c.check(
        !has_over_treatment_warning(&usual),
        format!(
            "usual doses: no over-treatment warning ({:?})",
            warnings(&usual)
        ),
    );

    let over_expressivity = face_daily(&over, "expressivity");
    c.below(
        "over-treated: minimum expressivity days 7-60 (below face.expressivity_floor)",
        min_between(&over_expressivity, 7, 60),
        floor,
    );
    c.check(
        has_over_treatment_warning(&over),
        format!(
            "over-treated: an over-treatment warning ({:?})",
            warnings(&over)
        ),
    );
    let over_sb = face_daily(&over, "sunnybrook");
    for day in [14, 30] {
        c.check(
            over_sb[day] >= sb[day],
            format!(
                "over-treated: Sunnybrook on day {day} {} >= usual doses {} (symmetry looks fine)",
                over_sb[day], sb[day]
            ),
        );
    }
    c.finish();
}

/// P3: "some patients suffer from synkinesis ... Botox is key in alleviating these unwanted
/// movements". Behaviour: synkinesis is modelled and affected-side doses lower the synkinesis
/// score.
///
/// Criterion, long-standing left HB IV with synkinesis, untreated
/// (`palsy_long_standing_untreated.toml`) against 17.5 U on the affected side
/// (`palsy_synkinesis_affected_side.toml`, Choi 2013 mean 17.1 U):
/// - untreated: Sunnybrook synkinesis >= 5 (moderate, oral-ocular 0.5), constant over the year;
/// - within 2 weeks (day 14) the Sunnybrook synkinesis score falls by >= 1.5 points and the
///   eFACE synkinesis subscore rises by >= 5 (Pavia group PRS 2013: measured at 2 weeks);
/// - it returns: by day 180 the synkinesis score is back within 0.25 of untreated;
/// - the voluntary score falls at 1 month (affected-side muscles weakened too), as in OPRS
///   2014, where the composite fell 57.6 -> 45.2 because voluntary movement fell although
///   synkinesis improved.
#[test]
fn p3_affected_side_doses_lower_synkinesis_for_months() {
    let untreated = simulate(&example("palsy_long_standing_untreated.toml"), DAYS);
    let treated = simulate(&example("palsy_synkinesis_affected_side.toml"), DAYS);
    let mut c = Checks::new("P3");

    let base = face_daily(&untreated, "sunnybrook_synkinesis");
    c.above("untreated Sunnybrook synkinesis", base[0], 5.0);
    c.below(
        "untreated Sunnybrook synkinesis: max - min over the year",
        max_between(&base, 0, 365) - min_between(&base, 0, 365),
        1e-6,
    );
    let syn = face_daily(&treated, "sunnybrook_synkinesis");
    let eface_syn = face_daily(&treated, "eface_synkinesis");
    let base_eface_syn = face_daily(&untreated, "eface_synkinesis");
    c.above(
        &format!(
            "Sunnybrook synkinesis fall by day 14 ({} -> {})",
            base[14], syn[14]
        ),
        base[14] - syn[14],
        1.5,
    );
    c.above(
        &format!(
            "eFACE synkinesis rise by day 14 ({} -> {})",
            base_eface_syn[14], eface_syn[14]
        ),
        eface_syn[14] - base_eface_syn[14],
        5.0,
    );
    c.below(
        &format!(
            "Sunnybrook synkinesis day 180 ({}) back near untreated ({})",
            syn[180], base[180]
        ),
        (base[180] - syn[180]).abs(),
        0.25,
    );
    c.below(
        "Sunnybrook synkinesis day 90 still lower than untreated (benefit over about 3 months)",
        syn[90] - base[90],
        0.0,
    );
    let voluntary = face_daily(&treated, "sunnybrook_voluntary");
    // The direction is the claim (OPRS 2014). The bound was 2 points until the lid-closing
    // (palpebral) part of the orbicularis oculi took only 35% of the toxin's weakening
    // (data/face.toml `voluntary_toxin_reach`, so that label crow's-feet doses do not stop
    // the eye closing); the fall is now 1.3 points, so the bound is 1.
    c.above(
        &format!(
            "Sunnybrook voluntary fall at day 30 ({} -> {}; OPRS 2014: composite fell with voluntary)",
            voluntary[0], voluntary[30]
        ),
        voluntary[0] - voluntary[30],
        1.0,
    );
    c.finish();
}

/// P5: "Regular Botox injections can also alleviate tightness and spasms". Behaviour: hypertonic
/// tone is a modelled quantity that doses reduce.
///
/// Criterion, post-paralytic tightness (`palsy_post_paralytic_tightness.toml`: hypertonic
/// orbicularis oculi, mentalis, buccinator, platysma; 17.5 U into them on day 0):
/// - `hypertonic_tone` falls by >= 20% by day 14 (onset within days, peak in 1-2 weeks) and
///   the tight eye opens at rest: the affected palpebral fissure widens by > 1 mm;
/// - it recovers over months: day 90 between the day-14 value and baseline, day 180 within 2%
///   of baseline (duration about 3-4 months, review of 16 studies, JPRAS 2024);
/// - a dose elsewhere does not touch it: the healthy-side doses of `palsy_healthy_side.toml`
///   leave the hypertonic tone of its tight orbicularis oculi unchanged (< 1e-6), while the
///   affected-side orbicularis oculi dose of `palsy_synkinesis_affected_side.toml` lowers it by
///   >= 20% at day 14.
#[test]
fn p5_doses_reduce_hypertonic_tone_which_returns_over_months() {
    let tight = simulate(&example("palsy_post_paralytic_tightness.toml"), DAYS);
    let healthy_side = simulate(&example("palsy_healthy_side.toml"), DAYS);
    let synkinesis = simulate(&example("palsy_synkinesis_affected_side.toml"), DAYS);
    let mut c = Checks::new("P5");

    let tone = face_daily(&tight, "hypertonic_tone");
    c.above("baseline hypertonic tone (day 0)", tone[0], 0.05);
    c.below(
        &format!("tone day 14 / day 0 ({} / {})", tone[14], tone[0]),
        tone[14] / tone[0],
        0.8,
    );
    let (left_0, _) = emotrics(face_at(&tight, 0), "palpebral_fissure", "rest");
    let (left_14, _) = emotrics(face_at(&tight, 14), "palpebral_fissure", "rest");
    let (left_180, _) = emotrics(face_at(&tight, 180), "palpebral_fissure", "rest");
    c.above(
        &format!(
            "affected palpebral fissure at rest widens day 0 -> 14 ({left_0} -> {left_14} mm)"
        ),
        left_14 - left_0,
        1.0,
    );
    c.between("tone day 90 (recovering)", tone[90], tone[14], tone[0]);
    c.above(
        &format!("tone day 180 / day 0 ({} / {})", tone[180], tone[0]),
        tone[180] / tone[0],
        0.98,
    );
    c.below(
        &format!("affected palpebral fissure at rest day 180 ({left_180}) back within 0.2 mm of day 0 ({left_0})"),
        (left_180 - left_0).abs(),
        0.2,
    );

    let other = face_daily(&healthy_side, "hypertonic_tone");
    c.check(
        other[0] > 0.0,
        format!("palsy_healthy_side has hypertonic tone ({})", other[0]),
    );
    c.below(
        "healthy-side doses: hypertonic tone max - min over the year",
        max_between(&other, 0, 365) - min_between(&other, 0, 365),
        1e-6,
    );
    let ooc = face_daily(&synkinesis, "hypertonic_tone");
    c.below(
        &format!(
            "affected orbicularis oculi 7.5 U: tone day 14 / day 0 ({} / {})",
            ooc[14], ooc[0]
        ),
        ooc[14] / ooc[0],
        0.8,
    );
    c.finish();
}

/// P6: "When combined with physical therapy, Botox injections improve muscle movement and facial
/// expression". Behaviour: therapy sessions change the outcome (voluntary movement up,
/// synkinesis down) in a way that can outlast the drug.
///
/// Criterion, chronic synkinesis profile of the calibrate_face example
/// (`palsy_with_therapy.toml`: neuromuscular retraining 3x/week, days 0-120) against the same
/// profile with toxin alone (`tests/plans/palsy_chronic_toxin_alone.toml`, 17.5 U):
/// - day 120: Sunnybrook +15 +- 3 (the therapy rate is FITTED to the Pourmomeny RCT saline +
///   biofeedback arm, 66.31 -> 81.37 = +15.1); voluntary score up >= 5, synkinesis down >= 1;
/// - it outlasts the therapy: on day 240 (four months after the last session) more than half
///   of the day-120 gain remains; `training` rises during the sessions (>= 0.4 on day 120) and
///   decays slowly after (day 240 between half and all of day 120);
/// - it outlasts the drug: on day 240 the toxin-alone synkinesis score is back within 0.3 of
///   its baseline while the therapy's is still >= 1 point lower;
/// - CHECK, not fitted: Pourmomeny (IJORL 17932) Sunnybrook change at 4 months +24% with
///   retraining vs +3% with toxin alone: retraining between +19 and +29%, toxin alone within
///   +-5%, and retraining ahead by >= 15 percentage points.
#[test]
fn p6_therapy_raises_movement_lowers_synkinesis_and_outlasts_the_drug() {
    let therapy = simulate(&example("palsy_with_therapy.toml"), DAYS);
    let toxin = simulate(&plan("palsy_chronic_toxin_alone.toml"), DAYS);
    let mut c = Checks::new("P6");

    let sb = face_daily(&therapy, "sunnybrook");
    let voluntary = face_daily(&therapy, "sunnybrook_voluntary");
    let syn = face_daily(&therapy, "sunnybrook_synkinesis");
    let training = face_daily(&therapy, "training");
    let gain = sb[120] - sb[0];
    c.between(
        &format!(
            "Sunnybrook gain day 0 -> 120 ({} -> {}; fitted: Pourmomeny +15.1)",
            sb[0], sb[120]
        ),
        gain,
        12.0,
        18.0,
    );
    c.above(
        &format!(
            "voluntary score gain day 0 -> 120 ({} -> {})",
            voluntary[0], voluntary[120]
        ),
        voluntary[120] - voluntary[0],
        5.0,
    );
    c.above(
        &format!(
            "synkinesis score fall day 0 -> 120 ({} -> {})",
            syn[0], syn[120]
        ),
        syn[0] - syn[120],
        1.0,
    );
    c.above(
        &format!(
            "Sunnybrook gain kept on day 240 ({}), share of the day-120 gain",
            sb[240]
        ),
        (sb[240] - sb[0]) / gain,
        0.5,
    );
    c.between("training on day 0", training[0], 0.0, 0.0);
    c.above(
        "training on day 120 (end of the sessions)",
        training[120],
        0.4,
    );
    c.check(
        training[..=120].windows(2).all(|w| w[1] >= w[0]),
        "training rises every day of the sessions (days 0-120)",
    );
    c.between(
        "training on day 240",
        training[240],
        0.5 * training[120],
        training[120],
    );

    let toxin_syn = face_daily(&toxin, "sunnybrook_synkinesis");
    c.below(
        &format!(
            "toxin alone: synkinesis day 240 ({}) within 0.3 of day 0 ({})",
            toxin_syn[240], toxin_syn[0]
        ),
        (toxin_syn[0] - toxin_syn[240]).abs(),
        0.3,
    );
    c.above(
        &format!(
            "therapy: synkinesis day 240 ({}) below day 0 ({})",
            syn[240], syn[0]
        ),
        syn[0] - syn[240],
        1.0,
    );

    let toxin_sb = face_daily(&toxin, "sunnybrook");
    let retraining_percent = 100.0 * (sb[120] / sb[0] - 1.0);
    let toxin_percent = 100.0 * (toxin_sb[120] / toxin_sb[0] - 1.0);
    c.between(
        "check: retraining Sunnybrook change at 4 months, % (Pourmomeny 17932: +24%)",
        retraining_percent,
        19.0,
        29.0,
    );
    c.between(
        "check: toxin alone Sunnybrook change at 4 months, % (Pourmomeny 17932: +3%)",
        toxin_percent,
        -5.0,
        5.0,
    );
    c.above(
        "check: retraining minus toxin alone, percentage points (Pourmomeny 17932: 21)",
        retraining_percent - toxin_percent,
        15.0,
    );
    c.finish();
}

/// P7: "for many people who experience facial paralysis, the symptoms will subside on their
/// own". Behaviour: natural recovery of the paralysed side over months is part of a profile.
///
/// Criterion, acute left HB IV from day 0 (`palsy_acute_bell.toml`), the same with 47.5 U on
/// the healthy side on day 10 (`palsy_acute_bell_healthy_side.toml`), and a long-standing HB IV
/// (`palsy_long_standing_untreated.toml`, onset day -400):
/// - acute: nerve function of every branch rises at each reported day (0, 14, 30, 90, 180,
///   365), from 0.35 to >= 0.85 at a year (70-85% recover completely, PMC4270115);
/// - acute: HB IV on day 0, first HB II or better on day 93 +- 10 (FITTED: the recovery time
///   constant is chosen so that this is the 93.0 +- 62 days of Eur Arch ORL 2025 without toxin;
///   the tolerance allows for the daily grid and later refits), and II or better from then on
///   to day 365; Sunnybrook rises by > 40 points over the year;
/// - long-standing: nerve function stays 0.35, HB stays IV and Sunnybrook is constant
///   (recovery is over within a year of onset);
/// - CHECK, not fitted: with the healthy-side toxin HB II comes on day 68.7 +- 20 (Eur Arch
///   ORL 2025: 68.7 +- 66.6 with contralateral toxin). The tolerance: the paper's 66.6 is the
///   spread of patients, the standard error of its mean is 66.6 / sqrt(n) with n <= 48 split
///   between the arms, about 10-14 days; +-20 days is about 1.5-2 standard errors. And it is
///   earlier than without toxin by >= 10 days (paper: 24.3).
#[test]
fn p7_acute_palsy_recovers_on_its_own_long_standing_does_not() {
    let acute = simulate(&example("palsy_acute_bell.toml"), DAYS);
    let toxin = simulate(&example("palsy_acute_bell_healthy_side.toml"), DAYS);
    let chronic = simulate(&example("palsy_long_standing_untreated.toml"), DAYS);
    let mut c = Checks::new("P7");

    let at_days = [0, 14, 30, 90, 180, 365];
    for branch in [
        "temporal",
        "zygomatic",
        "buccal",
        "marginal_mandibular",
        "cervical",
    ] {
        let acute_nerve: Vec<f64> = at_days
            .iter()
            .map(|&d| num(&face_at(&acute, d)["nerve_function"], branch))
            .collect();
        c.check(
            acute_nerve.windows(2).all(|w| w[1] > w[0]),
            format!("acute: {branch} nerve function rises at each reported day {acute_nerve:?}"),
        );
        c.between(
            &format!("acute: {branch} nerve function day 0"),
            acute_nerve[0],
            0.349,
            0.351,
        );
        c.above(
            &format!("acute: {branch} nerve function day 365"),
            acute_nerve[5],
            0.85,
        );
        for &d in &at_days {
            c.between(
                &format!("long-standing: {branch} nerve function day {d}"),
                num(&face_at(&chronic, d)["nerve_function"], branch),
                0.349,
                0.351,
            );
        }
    }

    let grade = face_daily(&acute, "house_brackmann");
    c.between("acute: House-Brackmann day 0", grade[0], 4.0, 4.0);
    let day_ii = first_day_at_grade(&acute, 2.0);
    c.check(
        day_ii.is_some_and(|d| (83..=103).contains(&d)),
        format!("acute, no toxin: first day at HB II or better {day_ii:?} (fitted: 93.0 +- 10)"),
    );
    if let Some(d) = day_ii {
        c.below(
            "acute: worst House-Brackmann from that day to day 365",
            max_between(&grade, d, 365),
            2.5,
        );
    }
    let sb = face_daily(&acute, "sunnybrook");
    c.above(
        &format!(
            "acute: Sunnybrook gain over the year ({} -> {})",
            sb[0], sb[365]
        ),
        sb[365] - sb[0],
        40.0,
    );

    let chronic_grade = face_daily(&chronic, "house_brackmann");
    let chronic_sb = face_daily(&chronic, "sunnybrook");
    c.check(
        chronic_grade[..=365].iter().all(|&g| g == 4.0),
        "long-standing: House-Brackmann IV every day to day 365",
    );
    c.below(
        "long-standing: Sunnybrook max - min over the year",
        max_between(&chronic_sb, 0, 365) - min_between(&chronic_sb, 0, 365),
        1e-6,
    );

    let toxin_day_ii = first_day_at_grade(&toxin, 2.0);
    c.check(
        toxin_day_ii.is_some_and(|d| (48.7..=88.7).contains(&(d as f64))),
        format!(
            "check: healthy-side 47.5 U on day 10, first day at HB II or better {toxin_day_ii:?} (Eur Arch ORL 2025: 68.7, tolerance +-20)"
        ),
    );
    if let (Some(with), Some(without)) = (toxin_day_ii, day_ii) {
        c.above(
            &format!(
                "check: days gained by the healthy-side toxin ({without} - {with}; paper 24.3)"
            ),
            without as f64 - with as f64,
            10.0,
        );
    }
    c.finish();
}

/// Lasting gains: "BoNT + retraining gives cumulative gains" and eye symmetry "improved after
/// the toxin had worn off" (Azuma 2012 [R]; Pavia series, Sunnybrook rising at each washout
/// [R]; muscle-and-palsy 5.3). Behaviour: while the healthy side is quietened, the affected
/// side relearns (`relearning` state), so part of a healthy-side gain is still there at six
/// months and after.
///
/// Criterion, `examples/palsy_healthy_side.toml` (32.5 U healthy side, day 0) against the same
/// patient untreated (`examples/palsy_long_standing_untreated.toml`):
/// - day 180 (six months; the healthy-side effect lasts about 4 months, Sadiq 2012, JPRAS
///   2024 review [R]): Sunnybrook gain over untreated at least 2 points (a rater's
///   between-session difference [E]) and 10-50% of the peak gain (part, not all [E]);
/// - `relearning` above 0.05 at day 180, still present (> 0) at day 365, and 0 untreated;
/// - at day 365 the gain is smaller than at day 180 (forgotten slowly, not kept for good).
#[test]
fn lasting_gains_part_of_a_healthy_side_gain_is_still_there_at_six_months() {
    let treated = simulate(&example("palsy_healthy_side.toml"), DAYS);
    let untreated = simulate(&example("palsy_long_standing_untreated.toml"), DAYS);
    let treated_sb = face_daily(&treated, "sunnybrook");
    let untreated_sb = face_daily(&untreated, "sunnybrook");
    let gain = |day: usize| treated_sb[day] - untreated_sb[day];
    let peak = (0..=120).map(gain).fold(f64::NEG_INFINITY, f64::max);
    let relearning = face_daily(&treated, "relearning");
    let mut c = Checks::new("lasting gains");
    c.above("Sunnybrook gain at day 180 (points)", gain(180), 2.0);
    c.between(
        "share of the peak gain left at day 180",
        gain(180) / peak,
        0.1,
        0.5,
    );
    c.below(
        "gain at day 365 - gain at day 180",
        gain(365) - gain(180),
        0.0,
    );
    c.above("relearning at day 180", relearning[180], 0.05);
    c.above("relearning at day 365", relearning[365], 0.0);
    c.check(
        face_daily(&untreated, "relearning")
            .iter()
            .all(|&r| r == 0.0),
        "untreated: no relearning",
    );
    c.finish();
}

/// `asymmetry_index` (0 = symmetric; mean |left - right| excursion over the healthy side's
/// mean excursion) is in every daily entry, 0 for a face without palsy, and lower at day 14
/// with healthy-side doses than without: the healthy side's overpull is what the doses
/// calm (muscle-and-palsy 5.1: symmetry gains peak at 1 week to 1 month). Margin 0.05 [E]:
/// a tenth of the untreated index (0.55), well above rounding.
#[test]
fn asymmetry_index_is_reported_and_falls_with_healthy_side_doses() {
    let treated = simulate(&example("palsy_healthy_side.toml"), DAYS);
    let untreated = simulate(&example("palsy_long_standing_untreated.toml"), DAYS);
    let no_palsy = simulate(&example("glabella_20u_every_4_months.toml"), 30);
    let mut c = Checks::new("asymmetry index");
    for (name, report) in [("treated", &treated), ("untreated", &untreated)] {
        let index = face_daily(report, "asymmetry_index");
        c.check(
            index.len() == DAYS as usize && index.iter().all(|v| (0.0..=2.0).contains(v)),
            format!("{name}: asymmetry_index in every daily entry, within 0-2"),
        );
    }
    c.check(
        face_daily(&no_palsy, "asymmetry_index")
            .iter()
            .all(|&v| v == 0.0),
        "no palsy, both sides treated alike: asymmetry_index 0",
    );
    let with = face_daily(&treated, "asymmetry_index")[14];
    let without = face_daily(&untreated, "asymmetry_index")[14];
    c.above(
        &format!("day 14: untreated {without:.3} - healthy-side doses {with:.3}"),
        without - with,
        0.05,
    );
    c.finish();
}
