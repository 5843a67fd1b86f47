//! End-to-end tests of the claims in `../shared/docs/claims.md`: each runs the real `bontsim`
//! binary on a plan file and checks the behaviour with numbers.
//!
//! Plans: `tests/plans/*.toml` (written for these tests) and the workspace's `examples/*.toml`.
//! Each test collects all its checks and, if any fails, reports every failed number at once
//! (run with `--nocapture` to see the passed ones too).

mod common;

use common::*;
use serde_json::Value;

/// Effect threshold of the model's report: a muscle counts as treated at strength <= 0.8.
const EFFECT_STRENGTH: f64 = 0.8;

fn num_at(series: &[f64], day: usize) -> f64 {
    *series
        .get(day)
        .unwrap_or_else(|| panic!("day {day} is past the simulation ({} days)", series.len()))
}

/// Days from `from` on with an area's severity at least one grade (0.5 on the continuous scale)
/// below its baseline: the duration of a visible benefit of the treatment given on day `from`.
fn days_improved_one_grade(report: &Value, area_name: &str, from: usize) -> usize {
    let baseline = num(area(report, area_name), "baseline_severity");
    severity(report, area_name)[from..]
        .iter()
        .filter(|&&s| s <= baseline - 0.5)
        .count()
}

/// First day at or after `from` on which a series has regained `fraction` of what it lost at
/// its minimum after `from`: `value >= min + fraction * (1 - min)`.
fn day_regained(series: &[f64], from: usize, fraction: f64) -> (usize, Option<usize>) {
    let (nadir_day, nadir) = argmin_from(series, from);
    let level = nadir + fraction * (1.0 - nadir);
    (nadir_day, first_day_at_or_above(series, nadir_day, level))
}

fn cycle_values(report: &Value, muscle: &str, side: &str, key: &str) -> Vec<f64> {
    cycles(report, muscle, side)
        .iter()
        .map(|c| num(c, key))
        .collect()
}

/// A1: "You do not have to completely paralyze a muscle ... Botox can weaken the muscle and
/// still be effective" ("Botox Light"). Behaviour: weakening is graded with dose; a light dose
/// gives partial strength loss that still lowers the wrinkle score, and less atrophy than a full
/// dose.
///
/// Criterion, light 10 U glabella (`examples/glabella_light_10u.toml`: corrugators 4 U per side,
/// procerus 2 U) against the 20 U label dose (`tests/plans/glabella_20u_single.toml`), 200 days:
/// - graded: the light dose's corrugator nadir strength is higher than the full dose's;
/// - partial: with the light dose the corrugator keeps between 10% and 80% of its strength at the
///   nadir (a loss of at least the model's 20% effect threshold, but not a complete block; Winn &
///   Sires measured -78% motor-unit amplitude after 8 U in the corrugator, so half that dose must
///   leave clearly more than 10%);
/// - effective: the light dose lowers the glabella severity by at least 1 grade at its nadir;
/// - less atrophy: minimum mass of corrugator and procerus higher with the light dose.
#[test]
fn a1_light_dose_weakens_partially_still_works_and_atrophies_less() {
    let light = simulate(&example("glabella_light_10u.toml"), 200);
    let full = simulate(&plan("glabella_20u_single.toml"), 200);
    let mut c = Checks::new("A1");

    let light_nadir = num(
        summary(&light, "corrugator_supercilii", "left"),
        "nadir_strength",
    );
    let full_nadir = num(
        summary(&full, "corrugator_supercilii", "left"),
        "nadir_strength",
    );
    c.check(
        light_nadir > full_nadir,
        format!("corrugator nadir strength light 10 U = {light_nadir} > full 20 U = {full_nadir}"),
    );
    c.between(
        "corrugator nadir strength with the light 10 U dose (partial weakening)",
        light_nadir,
        0.10,
        EFFECT_STRENGTH,
    );

    let glabella = area(&light, "glabella");
    let baseline = num(glabella, "baseline_severity");
    let nadir = num(&glabella["summary"], "nadir_severity");
    c.check(
        baseline - nadir >= 1.0,
        format!("glabella severity with 10 U: baseline {baseline} -> nadir {nadir} (expected a drop >= 1 grade)"),
    );

    for muscle in ["corrugator_supercilii", "procerus"] {
        let light_mass = num(summary(&light, muscle, "left"), "minimum_mass");
        let full_mass = num(summary(&full, muscle, "left"), "minimum_mass");
        c.check(
            light_mass > full_mass,
            format!("{muscle} minimum mass light 10 U = {light_mass} > full 20 U = {full_mass}"),
        );
    }
    c.finish();
}

/// A2: "Muscle atrophy comes [from] repeat paralyzation ... without giving the muscle time to
/// regain strength in between treatments". Behaviour: at the same dose per treatment, an
/// interval shorter than the muscle's recovery (every 3 months) makes mass loss accumulate from
/// cycle to cycle, while an interval that lets strength return (every 9 months) lets mass come
/// back toward baseline between cycles, shown on the mass measured just before each
/// re-injection.
///
/// Criterion, masseter 25 U per side every 90 days x 8 (`examples/masseter_25u_every_3_months.toml`)
/// against every 270 days x 4 (`tests/plans/masseter_25u_every_270_days.toml`), 900 days:
/// - 90 days: `mass_before` falls strictly at every re-injection, and the last is at least 0.05
///   below the second (loss keeps accumulating after the first cycle);
/// - 270 days: before each re-injection mass has come back more than 0.10 above the minimum of
///   the previous cycle, and is at least 0.75 of baseline;
/// - 270 days stays higher: its `mass_before` exceeds the 90-day schedule's by more than 0.10,
///   both at the same cycle number and on the same calendar days (270 and 540).
#[test]
fn a2_short_intervals_accumulate_atrophy_long_intervals_recover() {
    let short = simulate(&example("masseter_25u_every_3_months.toml"), 900);
    let long = simulate(&plan("masseter_25u_every_270_days.toml"), 900);
    let mut c = Checks::new("A2");

    let short_before = cycle_values(&short, "masseter", "left", "mass_before");
    c.check(
        short_before.len() == 8,
        format!("8 cycles every 90 days, got {}", short_before.len()),
    );
    for k in 1..short_before.len() {
        c.check(
            short_before[k] < short_before[k - 1],
            format!(
                "every 90 days: mass before cycle {} = {} < before cycle {} = {}",
                k + 1,
                short_before[k],
                k,
                short_before[k - 1]
            ),
        );
    }
    if short_before.len() >= 3 {
        let (second, last) = (short_before[1], short_before[short_before.len() - 1]);
        c.check(
            last <= second - 0.05,
            format!("every 90 days: mass before the last cycle {last} <= before the second {second} - 0.05"),
        );
    }

    let long_cycles = cycles(&long, "masseter", "left");
    let long_mass = daily(&long, "masseter", "left", "mass");
    c.check(
        long_cycles.len() == 4,
        format!("4 cycles every 270 days, got {}", long_cycles.len()),
    );
    for k in 1..long_cycles.len() {
        let start = num(&long_cycles[k - 1], "day") as usize;
        let end = num(&long_cycles[k], "day") as usize;
        let previous_min = long_mass[start..end]
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min);
        let before = num(&long_cycles[k], "mass_before");
        c.check(
            before - previous_min > 0.10,
            format!(
                "every 270 days: mass before cycle {} = {before} minus the minimum of cycle {} = {previous_min} is {} (expected > 0.10)",
                k + 1,
                k,
                before - previous_min
            ),
        );
        c.check(
            before >= 0.75,
            format!(
                "every 270 days: mass before cycle {} = {before} (expected >= 0.75 of baseline)",
                k + 1
            ),
        );
        if k < short_before.len() {
            c.check(
                before > short_before[k] + 0.10,
                format!(
                    "mass before cycle {}: every 270 days {before} > every 90 days {} + 0.10",
                    k + 1,
                    short_before[k]
                ),
            );
        }
    }
    let short_mass = daily(&short, "masseter", "left", "mass");
    for day in [270, 540] {
        let (l, s) = (num_at(&long_mass, day), num_at(&short_mass, day));
        c.check(
            l > s + 0.10,
            format!("mass on day {day}: every 270 days {l} > every 90 days {s} + 0.10"),
        );
    }
    c.finish();
}

/// A3: "let the effects of the BOTOX wear off and let the muscle build up strength".
/// Behaviour: after the block wears off, strength and then mass climb back toward baseline.
///
/// Criterion, one masseter dose of 25 U per side (`tests/plans/masseter_25u_single.toml`), 730
/// days. Strength is (1 - blockade) x mass, so in absolute terms it can never be above the mass;
/// the order is shown on when each starts climbing and how fast each regains what it lost:
/// - strength reaches its nadir at least 21 days before mass does (mass lags). This was 28 days
///   (an estimate, not a published gap) until the dose ceiling and the slower maintenance loss
///   of model 3: strength now bottoms on a flat floor (within 0.011 of its minimum from day 32
///   to day 56) set by the falling mass, so its nadir day moved to 44 against mass's 71; the
///   order of the two recoveries is carried by the half-recovery check below, unchanged;
/// - strength regains half of its loss at least 30 days before mass regains half of its loss,
///   and 90% of its loss before mass regains 90% of its loss;
/// - both climb back: after its nadir each series never falls by more than 1e-4 from one day to
///   the next, and both are at least 0.90 of baseline by day 365;
/// - strength is back above the 0.8 effect threshold within 6 months (bite force no longer
///   significantly reduced at 6 months after 25 U per masseter, Umea trial 2023).
#[test]
fn a3_strength_then_mass_climb_back_after_the_block_wears_off() {
    let report = simulate(&plan("masseter_25u_single.toml"), 730);
    let strength = daily(&report, "masseter", "left", "strength");
    let mass = daily(&report, "masseter", "left", "mass");
    let mut c = Checks::new("A3");

    let (s_nadir_day, s_half) = day_regained(&strength, 0, 0.5);
    let (m_nadir_day, m_half) = day_regained(&mass, 0, 0.5);
    let (_, s_90) = day_regained(&strength, 0, 0.9);
    let (_, m_90) = day_regained(&mass, 0, 0.9);
    c.check(
        s_nadir_day + 21 <= m_nadir_day,
        format!(
            "strength nadir day {s_nadir_day} at least 21 days before mass nadir day {m_nadir_day}"
        ),
    );
    c.check(
        matches!((s_half, m_half), (Some(s), Some(m)) if s + 30 <= m),
        format!("half of the loss regained: strength on day {s_half:?}, at least 30 days before mass on day {m_half:?}"),
    );
    c.check(
        matches!((s_90, m_90), (Some(s), Some(m)) if s < m),
        format!("90% of the loss regained: strength on day {s_90:?} before mass on day {m_90:?}"),
    );
    for (name, series, nadir_day) in [
        ("strength", &strength, s_nadir_day),
        ("mass", &mass, m_nadir_day),
    ] {
        let worst_drop = series[nadir_day..]
            .windows(2)
            .map(|w| w[0] - w[1])
            .fold(0.0, f64::max);
        c.check(
            worst_drop <= 1e-4,
            format!("{name} keeps climbing after its nadir on day {nadir_day}: largest daily fall {worst_drop}"),
        );
        c.check(
            num_at(series, 365) >= 0.90,
            format!(
                "{name} on day 365 = {} (expected >= 0.90)",
                num_at(series, 365)
            ),
        );
    }
    let back = first_day_at_or_above(&strength, s_nadir_day, EFFECT_STRENGTH);
    c.check(
        matches!(back, Some(d) if d <= 183),
        format!("strength back at >= {EFFECT_STRENGTH} on day {back:?} (expected within 183 days)"),
    );
    c.finish();
}

/// A4: mild atrophy "is beneficial since on long term less Botox may be needed ... or the
/// intervals of treatments can be longer". Behaviour: with maintenance every 3-4 months, the
/// units needed to hold the same target weakening fall over cycles, or the same dose lasts
/// longer.
///
/// Criterion, glabella 20 U every 120 days x 6 (`examples/glabella_20u_every_4_months.toml`)
/// against the same 20 U once (`tests/plans/glabella_20u_single.toml`):
/// - per cycle (corrugator, `cycles[].days_of_effect`, which is cut at the next injection):
///   no later cycle has fewer days of effect than the first;
/// - the same dose lasts longer: after the 6th treatment (day 600, followed until it wears off)
///   the glabella stays at least 1 grade better than baseline for more days than after the first
///   treatment given alone, and the corrugator's days of effect are longer too.
#[test]
fn a4_maintenance_every_4_months_makes_the_same_dose_last_longer() {
    let course = simulate(&example("glabella_20u_every_4_months.toml"), 1000);
    let single = simulate(&plan("glabella_20u_single.toml"), 400);
    let mut c = Checks::new("A4");

    let per_cycle = cycle_values(&course, "corrugator_supercilii", "left", "days_of_effect");
    c.check(
        per_cycle.len() == 6,
        format!("6 cycles, got {}", per_cycle.len()),
    );
    for (k, &d) in per_cycle.iter().enumerate().skip(1) {
        c.check(
            d >= per_cycle[0],
            format!(
                "corrugator days of effect in cycle {} = {d} >= cycle 1 = {}",
                k + 1,
                per_cycle[0]
            ),
        );
    }

    let last_day = 600;
    let first_benefit = days_improved_one_grade(&single, "glabella", 0);
    let last_benefit = days_improved_one_grade(&course, "glabella", last_day);
    c.check(
        last_benefit > first_benefit,
        format!("glabella days >= 1 grade better: after the 6th treatment {last_benefit} > after the first alone {first_benefit}"),
    );
    let first_effect = num(
        &cycles(&single, "corrugator_supercilii", "left")[0],
        "days_of_effect",
    );
    let last_effect = per_cycle.last().copied().unwrap_or(0.0);
    c.check(
        last_effect > first_effect,
        format!(
            "corrugator days of effect: 6th treatment {last_effect} > first alone {first_effect}"
        ),
    );
    c.finish();
}

/// A5: "people tend to require lower doses of Botox with time if they maintain it every 3-4
/// months". Behaviour: as A4, on a titration scenario over at least 2 years.
///
/// Criterion: glabella 20 U every 120 days for 6 treatments, then at 2 years (day 720) a dose
/// 10% lower, 18 U (`tests/plans/glabella_titration_2_years.toml`), against the first 20 U
/// treatment alone (`tests/plans/glabella_20u_single.toml`). The literature reports at most a
/// modest cumulative gain per cycle (docs/literature/pharmacodynamics.md, 3.1), so the target
/// is a 10% reduction:
/// - the reduced late dose keeps the glabella at least 1 grade better than baseline for at
///   least as many days as the first full dose;
/// - the reduced late dose weakens the corrugator at least as much: its nadir strength is not
///   above the first full dose's;
/// - and it smooths the glabella about as well: its nadir severity is within 0.25 grade of the
///   first full dose's.
#[test]
fn a5_titration_over_two_years_needs_a_lower_dose_for_the_same_effect() {
    let course = simulate(&plan("glabella_titration_2_years.toml"), 1120);
    let single = simulate(&plan("glabella_20u_single.toml"), 400);
    let mut c = Checks::new("A5");
    let late_day = 720;

    let late_units: f64 = array(&course, "injections")
        .iter()
        .filter(|i| num(i, "day") as usize == late_day)
        .map(|i| num(i, "units"))
        .sum();
    c.check(
        (late_units - 18.0).abs() < 1e-6,
        format!("the late dose on day {late_day} is 18 U (got {late_units})"),
    );

    let first_benefit = days_improved_one_grade(&single, "glabella", 0);
    let late_benefit = days_improved_one_grade(&course, "glabella", late_day);
    c.check(
        late_benefit >= first_benefit,
        format!("glabella days >= 1 grade better: late 18 U {late_benefit} >= first 20 U {first_benefit}"),
    );

    let late_cycle = cycles(&course, "corrugator_supercilii", "left")
        .iter()
        .find(|c| num(c, "day") as usize == late_day)
        .expect("a corrugator cycle on day 720");
    let late_nadir = num(late_cycle, "nadir_strength");
    let first_nadir = num(
        &cycles(&single, "corrugator_supercilii", "left")[0],
        "nadir_strength",
    );
    c.check(
        late_nadir <= first_nadir,
        format!("corrugator nadir strength: late 18 U {late_nadir} <= first 20 U {first_nadir}"),
    );

    let late_severity = severity(&course, "glabella")[late_day..]
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min);
    let first_severity = num(&area(&single, "glabella")["summary"], "nadir_severity");
    c.check(
        late_severity <= first_severity + 0.25,
        format!("glabella nadir severity: late 18 U {late_severity} <= first 20 U {first_severity} + 0.25"),
    );
    c.finish();
}

/// A6: "If you reduce your treatments or stop them ... the muscle can move again" / "It
/// wouldn't be permanent ... they will rebound. How long that takes is dependent on how many
/// units were used". Behaviour: after stopping, mass and strength recover; time to recovery
/// grows with cumulative units.
///
/// Criterion, masseter 30 U per side every 120 days, stopped after 1, 3 and 10 treatments
/// (`tests/plans/masseter_30u_single.toml`, `tests/plans/masseter_30u_every_120_days_x3.toml`,
/// `examples/masseter_stopped_after_3_years.toml`: 30, 90 and 300 U per side), 3000 days:
/// - the days from the last injection until mass is back at 0.95 of baseline grow strictly with
///   the cumulative units, and so do the days until strength is back at 0.95;
/// - after 10 treatments the mass recovery takes at least 1.5 times as long as after one;
/// - all three recover: mass and strength >= 0.95 on the last simulated day.
#[test]
fn a6_after_stopping_recovery_takes_longer_with_more_cumulative_units() {
    let scenarios = [
        (30.0, plan("masseter_30u_single.toml")),
        (90.0, plan("masseter_30u_every_120_days_x3.toml")),
        (300.0, example("masseter_stopped_after_3_years.toml")),
    ];
    let mut c = Checks::new("A6");
    let mut mass_days = Vec::new();
    let mut strength_days = Vec::new();
    for (cumulative, path) in &scenarios {
        let report = simulate(path, 3000);
        let injected = num(muscle(&report, "masseter", "left"), "injected_units");
        c.check(
            (injected - cumulative).abs() < 1e-6,
            format!(
                "{}: masseter injected units {injected} = {cumulative}",
                path.display()
            ),
        );
        let last = cycles(&report, "masseter", "left")
            .iter()
            .map(|c| num(c, "day") as usize)
            .max()
            .unwrap_or(0);
        let mass = daily(&report, "masseter", "left", "mass");
        let strength = daily(&report, "masseter", "left", "strength");
        let m = recovery_days(&mass, last, 0.95);
        let s = recovery_days(&strength, last, 0.95);
        c.check(
            m.is_some(),
            format!("{cumulative} U: mass back at 0.95 after {m:?} days"),
        );
        c.check(
            s.is_some(),
            format!("{cumulative} U: strength back at 0.95 after {s:?} days"),
        );
        let (final_mass, final_strength) = (*mass.last().unwrap(), *strength.last().unwrap());
        c.check(
            final_mass >= 0.95 && final_strength >= 0.95,
            format!("{cumulative} U: on day 3000 mass {final_mass} and strength {final_strength} (expected >= 0.95)"),
        );
        mass_days.push((*cumulative, m.unwrap_or(usize::MAX)));
        strength_days.push((*cumulative, s.unwrap_or(usize::MAX)));
    }
    for (name, days) in [("mass", &mass_days), ("strength", &strength_days)] {
        for w in days.windows(2) {
            c.check(
                w[1].1 > w[0].1,
                format!(
                    "days from the last injection to {name} >= 0.95: {} U -> {} days < {} U -> {} days",
                    w[0].0, w[0].1, w[1].0, w[1].1
                ),
            );
        }
    }
    let (one, ten) = (mass_days[0].1 as f64, mass_days[2].1 as f64);
    c.check(
        ten >= 1.5 * one,
        format!("mass recovery after 300 U ({ten} days) >= 1.5 x after 30 U ({one} days)"),
    );
    c.finish();
}

/// A7: "over two decades ... permanently (seemingly) weakened" / long-term effect "difficult to
/// say". Behaviour: a long-term (10+ year) scenario shows a slow, possibly incomplete recovery,
/// with the uncertainty stated (population spread), not a single number.
///
/// Criterion: masseter 30 U per side every 120 days for 10 years (31 treatments, last on day
/// 3600), then 5 years off (to day 5500), for three patients with masseter atrophy
/// susceptibility 0.55 / 0.7 / 0.85 (set in each plan; the anatomy's masseter is 0.47)
/// (`tests/plans/masseter_10_years_susceptibility_*.toml`), against one 30 U dose
/// (`tests/plans/masseter_30u_single.toml`, typical patient):
/// - slow: one year after stopping every patient's mass is still below 0.90, and the typical
///   patient needs at least twice as long as after a single dose to get back to 0.95;
/// - spread, not one number: across the three patients the time to mass 0.95 spans at least
///   180 days and the mass one year after stopping spans at least 0.05;
/// - possibly incomplete: the most susceptible patient is still below 0.99 of baseline mass
///   five years after stopping.
#[test]
fn a7_ten_years_of_treatment_recover_slowly_with_a_population_spread() {
    let last = 3600;
    let single = simulate(&plan("masseter_30u_single.toml"), 2000);
    let single_days = recovery_days(&daily(&single, "masseter", "left", "mass"), 0, 0.95);
    let mut c = Checks::new("A7");
    c.check(
        single_days.is_some(),
        format!("single dose: mass back at 0.95 after {single_days:?} days"),
    );

    let mut rows = Vec::new();
    for (s, file) in [
        (0.55, "masseter_10_years_susceptibility_055.toml"),
        (0.7, "masseter_10_years_susceptibility_070.toml"),
        (0.85, "masseter_10_years_susceptibility_085.toml"),
    ] {
        let report = simulate(&plan(file), 5500);
        let last_cycle = cycles(&report, "masseter", "left")
            .iter()
            .map(|c| num(c, "day") as usize)
            .max()
            .unwrap_or(0);
        c.check(
            last_cycle == last,
            format!("susceptibility {s}: last injection day {last_cycle} = {last}"),
        );
        let mass = daily(&report, "masseter", "left", "mass");
        let at_stop = num_at(&mass, last);
        let one_year = num_at(&mass, last + 365);
        let end = *mass.last().unwrap();
        let to_95 = recovery_days(&mass, last, 0.95);
        eprintln!(
            "[A7] susceptibility {s}: mass at stop {at_stop}, 1 y later {one_year}, 5.2 y later {end}; days to 0.95: {to_95:?}"
        );
        c.below(
            &format!("susceptibility {s}: mass one year after stopping"),
            one_year,
            0.90,
        );
        rows.push((s, one_year, end, to_95));
    }

    let typical = rows[1].3;
    c.check(
        matches!((typical, single_days), (Some(t), Some(o)) if t >= 2 * o),
        format!("typical patient: days to mass 0.95 after 10 years {typical:?} >= 2 x after one dose {single_days:?}"),
    );
    let days: Vec<f64> = rows
        .iter()
        .map(|r| r.3.map(|d| d as f64).unwrap_or(f64::INFINITY))
        .collect();
    let spread_days = days.iter().copied().fold(f64::NEG_INFINITY, f64::max)
        - days.iter().copied().fold(f64::INFINITY, f64::min);
    c.check(
        spread_days >= 180.0,
        format!("days to mass 0.95 across the population {days:?}: range {spread_days} (expected >= 180)"),
    );
    let one_year: Vec<f64> = rows.iter().map(|r| r.1).collect();
    let spread_mass = one_year.iter().copied().fold(f64::NEG_INFINITY, f64::max)
        - one_year.iter().copied().fold(f64::INFINITY, f64::min);
    c.check(
        spread_mass >= 0.05,
        format!("mass one year after stopping across the population {one_year:?}: range {spread_mass} (expected >= 0.05)"),
    );
    c.below(
        "most susceptible patient: mass 5 years after stopping",
        rows[2].2,
        0.99,
    );
    c.finish();
}

/// A8: "Muscle atrophy of bulky masseter muscles ... can be achieved with high-dose Botox on a
/// regular basis. The typical Botox treatments used for other muscles of facial expression do
/// not atrophy to any substantial degree". Behaviour: masseter at 20-50 U per side on a regular
/// schedule loses clinically visible volume (order of 25-35% at the nadir); glabellar/forehead
/// doses leave those muscles' mass change small.
///
/// Criterion:
/// - masseter 25 U per side every 90 days x 8 (`examples/masseter_25u_every_3_months.toml`, 900
///   days): minimum volume between 0.60 and 0.80 of baseline (20-40% loss; literature 25-35% at
///   the nadir), and the lower face narrows: nadir width change between -15% and -3% (Xie et al.:
///   lower-face-width ratio -9%);
/// - one masseter dose of 25 U per side (`tests/plans/masseter_25u_single.toml`): volume loss
///   between 20% and 40% (Xie -32.6% thickness, Yu -30% volume at 3 months);
/// - glabella 20 U every 120 days x 6 (`examples/glabella_20u_every_4_months.toml`): corrugator
///   and procerus volume loss below 10%;
/// - forehead 20 U (`examples/forehead_and_crows_feet.toml`): frontalis volume loss below 10%.
#[test]
fn a8_masseter_loses_visible_volume_expression_muscles_do_not() {
    let masseter = simulate(&example("masseter_25u_every_3_months.toml"), 900);
    let masseter_single = simulate(&plan("masseter_25u_single.toml"), 300);
    let glabella = simulate(&example("glabella_20u_every_4_months.toml"), 800);
    let forehead = simulate(&example("forehead_and_crows_feet.toml"), 300);
    let mut c = Checks::new("A8");

    for side in ["left", "right"] {
        c.between(
            &format!("masseter ({side}) minimum volume every 90 days"),
            num(summary(&masseter, "masseter", side), "minimum_volume"),
            0.60,
            0.80,
        );
    }
    let lower_face = &masseter["lower_face"];
    c.check(
        lower_face.is_object(),
        format!(
            "lower_face is reported for masseter doses (is_null: {})",
            lower_face.is_null()
        ),
    );
    if lower_face.is_object() {
        c.between(
            "lower face nadir width change (%) every 90 days",
            num(lower_face, "nadir_width_change_percent"),
            -15.0,
            -3.0,
        );
    }
    c.between(
        "masseter volume loss (%) after one 25 U dose",
        num(
            summary(&masseter_single, "masseter", "left"),
            "volume_loss_percent",
        ),
        20.0,
        40.0,
    );
    for muscle in ["corrugator_supercilii", "procerus"] {
        c.below(
            &format!("{muscle} volume loss (%) with glabella 20 U every 120 days x 6"),
            num(summary(&glabella, muscle, "left"), "volume_loss_percent"),
            10.0,
        );
    }
    c.below(
        "frontalis volume loss (%) with forehead 20 U",
        num(
            summary(&forehead, "frontalis", "left"),
            "volume_loss_percent",
        ),
        10.0,
    );
    c.finish();
}

/// A9: patients say "their BoTox is lasting longer" due in part to atrophy. Behaviour: duration
/// of effect (days below a strength threshold) lengthens over repeated cycles at the same dose.
///
/// Criterion, masseter 25 U per side:
/// - every 120 days: the days of effect of the n-th treatment, followed until it wears off
///   (plans with 1, 2, 3 and 4 treatments: `tests/plans/masseter_25u_single.toml`,
///   `tests/plans/masseter_25u_every_120_days_x{2,3,4}.toml`), increase strictly from
///   treatment 1 to treatment 4, and the 4th lasts at least 30 days longer than the 1st;
/// - in the 4-treatment plan, `cycles[].days_of_effect` (cut at the next injection) never falls
///   below the first cycle's;
/// - every 270 days (`tests/plans/masseter_25u_every_270_days.toml`), where each effect ends
///   before the next injection: `cycles[].days_of_effect` increases strictly from cycle 1 to 4.
#[test]
fn a9_the_same_dose_lasts_longer_over_repeated_cycles() {
    let mut c = Checks::new("A9");
    let plans = [
        (1, plan("masseter_25u_single.toml")),
        (2, plan("masseter_25u_every_120_days_x2.toml")),
        (3, plan("masseter_25u_every_120_days_x3.toml")),
        (4, plan("masseter_25u_every_120_days_x4.toml")),
    ];
    let mut durations = Vec::new();
    let mut four = None;
    for (n, path) in &plans {
        let report = simulate(path, 120 * (n - 1) + 600);
        let cs = cycles(&report, "masseter", "left");
        c.check(
            cs.len() == *n as usize,
            format!("{n} treatments: {} cycles", cs.len()),
        );
        durations.push(num(cs.last().expect("a cycle"), "days_of_effect"));
        if *n == 4 {
            four = Some(report);
        }
    }
    for k in 1..durations.len() {
        c.check(
            durations[k] > durations[k - 1],
            format!(
                "every 120 days: days of effect of treatment {} = {} > treatment {} = {}",
                k + 1,
                durations[k],
                k,
                durations[k - 1]
            ),
        );
    }
    c.check(
        durations[3] >= durations[0] + 30.0,
        format!(
            "every 120 days: treatment 4 lasts {} days >= treatment 1 {} + 30",
            durations[3], durations[0]
        ),
    );
    let four = four.unwrap();
    let capped = cycle_values(&four, "masseter", "left", "days_of_effect");
    for (k, &d) in capped.iter().enumerate().skip(1) {
        c.check(
            d >= capped[0],
            format!(
                "every 120 days x 4: cycles[{k}].days_of_effect = {d} >= cycles[0] = {}",
                capped[0]
            ),
        );
    }

    let long = simulate(&plan("masseter_25u_every_270_days.toml"), 1200);
    let per_cycle = cycle_values(&long, "masseter", "left", "days_of_effect");
    c.check(
        per_cycle.len() == 4,
        format!("every 270 days: 4 cycles, got {}", per_cycle.len()),
    );
    for k in 1..per_cycle.len() {
        c.check(
            per_cycle[k] > per_cycle[k - 1],
            format!(
                "every 270 days: days of effect of cycle {} = {} > cycle {} = {}",
                k + 1,
                per_cycle[k],
                k,
                per_cycle[k - 1]
            ),
        );
    }
    c.finish();
}

/// A10: "Over a long period of time and many injections ... the muscles will become atrophic.
/// Whether this will be clinically significant is a moot point". Behaviour: report atrophy
/// together with a clinical-significance reading (e.g. visible volume or width change), not only
/// a raw fraction.
///
/// Criterion: every muscle summary has `volume_loss_percent`, `measurable_change_percent` and a
/// `clinical_significance` sentence consistent with them: it starts "clinically significant" when
/// the loss reaches the measurable change and "not clinically significant" otherwise, and it
/// quotes both numbers. Masseter 25 U every 90 days (`examples/masseter_25u_every_3_months.toml`)
/// reads "clinically significant" (loss >= 10% measurable) with a lower-face width change of at
/// least 1 mm; glabella 20 U every 120 days (`examples/glabella_20u_every_4_months.toml`) reads
/// "not clinically significant" for corrugator and procerus.
#[test]
fn a10_atrophy_is_reported_with_a_clinical_significance_reading() {
    let masseter = simulate(&example("masseter_25u_every_3_months.toml"), 900);
    let glabella = simulate(&example("glabella_20u_every_4_months.toml"), 800);
    let mut c = Checks::new("A10");

    for (label, report) in [
        ("masseter every 90 days", &masseter),
        ("glabella every 120 days", &glabella),
    ] {
        let mut inconsistent = Vec::new();
        let muscles = array(report, "muscles");
        for m in muscles {
            let s = &m["summary"];
            let name = format!("{} ({})", string(m, "muscle"), string(m, "side"));
            let loss = num(s, "volume_loss_percent");
            let measurable = num(s, "measurable_change_percent");
            let reading = string(s, "clinical_significance");
            let expected_loss = (1.0 - num(s, "minimum_volume")) * 100.0;
            let prefix_ok = if loss >= measurable {
                reading.starts_with("clinically significant")
            } else {
                reading.starts_with("not clinically significant")
            };
            let quotes = reading.contains(&format!("{loss:.1}%"))
                && reading.contains(&format!("{measurable}%"));
            if (loss - expected_loss).abs() >= 0.01 || !prefix_ok || !quotes {
                inconsistent.push(format!(
                    "{name}: volume_loss_percent {loss} (1 - minimum_volume = {expected_loss}%), measurable {measurable}%, \"{reading}\""
                ));
            }
        }
        c.check(
            inconsistent.is_empty(),
            format!(
                "{label}: the clinical-significance reading of all {} muscle-sides agrees with volume_loss_percent vs measurable_change_percent; inconsistent: {inconsistent:?}",
                muscles.len()
            ),
        );
    }
    let m = summary(&masseter, "masseter", "left");
    let loss = num(m, "volume_loss_percent");
    let measurable = num(m, "measurable_change_percent");
    c.check(
        string(m, "clinical_significance").starts_with("clinically significant")
            && loss >= measurable,
        format!(
            "masseter: {loss}% >= {measurable}%: \"{}\"",
            string(m, "clinical_significance")
        ),
    );
    let width_mm = num(&masseter["lower_face"], "nadir_width_change_mm");
    c.check(
        width_mm <= -1.0,
        format!("masseter: lower-face nadir width change {width_mm} mm (expected <= -1 mm)"),
    );
    for muscle in ["corrugator_supercilii", "procerus"] {
        let s = summary(&glabella, muscle, "left");
        c.check(
            string(s, "clinical_significance").starts_with("not clinically significant"),
            format!(
                "{muscle}: {}% vs {}%: \"{}\"",
                num(s, "volume_loss_percent"),
                num(s, "measurable_change_percent"),
                string(s, "clinical_significance")
            ),
        );
    }
    c.finish();
}

/// P4: "Three to five days after treatment, patients should see a noticeable improvement ...
/// These improvements should continue for 3-4 months" / "Retreatment will be necessary".
/// Behaviour: onset within days, benefit over 3-4 months, return without retreatment.
///
/// Criterion, glabella 20 U once (`tests/plans/glabella_20u_single.toml`), 400 days: glabella
/// `onset_day` <= 5; `peak_day` between 7 and 40; `days_improved_1` (at least 1 grade better)
/// between 90 and 180; severity back to at least baseline - 0.5 by day 365.
#[test]
fn p4_onset_within_days_benefit_for_3_to_4_months_then_return() {
    let report = simulate(&plan("glabella_20u_single.toml"), 400);
    let glabella = area(&report, "glabella");
    let s = &glabella["summary"];
    let baseline = num(glabella, "baseline_severity");
    let mut c = Checks::new("P4");
    let onset = opt_num(s, "onset_day");
    c.check(
        matches!(onset, Some(d) if d <= 5.0),
        format!("glabella onset day {onset:?} (expected <= 5)"),
    );
    c.between("glabella peak day", num(s, "peak_day"), 7.0, 40.0);
    c.between(
        "glabella days improved >= 1 grade",
        num(s, "days_improved_1"),
        90.0,
        180.0,
    );
    let at_365 = num_at(&severity(&report, "glabella"), 365);
    c.check(
        at_365 >= baseline - 0.5,
        format!("glabella severity on day 365 = {at_365} (expected >= baseline {baseline} - 0.5)"),
    );
    c.finish();
}

/// P8: risks: redness, bruising, "relatively few risks"; "the benefits ... will outweigh any
/// potential adverse effects". Behaviour: adverse-effect risks that follow from the plan
/// (eyelid or brow ptosis from spread, smile asymmetry, dysphagia with neck doses, label-limit
/// and antibody risks) are reported beside the benefit.
///
/// Criterion:
/// - glabella 20 U (`tests/plans/glabella_20u_single.toml`): the five risks eyelid_ptosis,
///   brow_ptosis, smile_asymmetry, dysphagia and neutralising_antibodies are reported with
///   probabilities in [0, 1] beside the glabella benefit; eyelid ptosis between 0.5% and 8%
///   (trials: 0.9-5.4%);
/// - dysphagia grows with the neck dose: platysma 100 U (`tests/plans/neck_platysma_100u.toml`)
///   riskier than 30 U (`tests/plans/neck_platysma_30u.toml`);
/// - `examples/every_warning.toml` warns about the label limit, a booster, a short interval
///   (re-treatment) and the neck dose;
/// - "relatively few risks": at usual doses every adverse-effect probability is below 10%:
///   glabella 20 U, forehead 20 U + glabella 20 U + crow's feet 24 U
///   (`examples/forehead_and_crows_feet.toml`; labels: eyelid and brow ptosis about 2% each),
///   masseter 25 U per side (smile limitation 0.15% of sessions, Peng 2018) and platysma 15 U
///   per side.
#[test]
fn p8_plan_risks_are_reported_beside_the_benefit() {
    let names = [
        "eyelid_ptosis",
        "brow_ptosis",
        "smile_asymmetry",
        "dysphagia",
        "neutralising_antibodies",
    ];
    let glabella = simulate(&plan("glabella_20u_single.toml"), 200);
    let mut c = Checks::new("P8");
    for name in names {
        let p = risk(&glabella, name);
        c.between(&format!("glabella 20 U: {name} probability"), p, 0.0, 1.0);
    }
    let nadir = num(&area(&glabella, "glabella")["summary"], "nadir_severity");
    let baseline = num(area(&glabella, "glabella"), "baseline_severity");
    c.check(
        baseline - nadir >= 1.0,
        format!("the benefit beside the risks: glabella severity {baseline} -> {nadir}"),
    );
    c.between(
        "glabella 20 U: eyelid_ptosis probability",
        risk(&glabella, "eyelid_ptosis"),
        0.005,
        0.08,
    );

    let neck30 = simulate(&plan("neck_platysma_30u.toml"), 200);
    let neck100 = simulate(&plan("neck_platysma_100u.toml"), 200);
    let (d30, d100) = (risk(&neck30, "dysphagia"), risk(&neck100, "dysphagia"));
    c.check(
        d100 > d30,
        format!("dysphagia: platysma 100 U {d100} > 30 U {d30}"),
    );

    let warned = simulate(&example("every_warning.toml"), 200);
    let warnings: Vec<String> = array(&warned, "warnings")
        .iter()
        .map(|w| w.as_str().unwrap_or_default().to_lowercase())
        .collect();
    for (what, keys) in [
        ("label limit", &["label limit"][..]),
        ("booster", &["booster"][..]),
        ("short interval", &["short interval", "re-treat"][..]),
        ("neck", &["neck"][..]),
    ] {
        let found = warnings.iter().find(|w| keys.iter().any(|k| w.contains(k)));
        c.check(
            found.is_some(),
            match found {
                Some(w) => format!("every_warning.toml warns about {what}: \"{w}\""),
                None => format!(
                    "every_warning.toml warns about {what} ({keys:?}); warnings: {warnings:?}"
                ),
            },
        );
    }

    let forehead = simulate(&example("forehead_and_crows_feet.toml"), 200);
    let masseter = simulate(&plan("masseter_25u_single.toml"), 200);
    for (label, report) in [
        ("glabella 20 U", &glabella),
        (
            "forehead + glabella + crow's feet at label doses",
            &forehead,
        ),
        ("masseter 25 U per side", &masseter),
        ("platysma 15 U per side", &neck30),
    ] {
        for name in names {
            c.below(
                &format!("{label}: {name} probability"),
                risk(report, name),
                0.10,
            );
        }
    }
    c.finish();
}

/// P9: Botox used for "fine lines and wrinkles ... chronic pain ... muscle spasms". Behaviour:
/// cosmetic areas (glabella, forehead, crow's feet, masseter, platysma, chin, mouth corners)
/// and therapeutic use share one model.
///
/// Criterion, one plan with all the cosmetic areas on day 0 (`tests/plans/cosmetic_all_areas.toml`),
/// 200 days: it simulates; every injected muscle is reported with the units injected (mentalis
/// midline split over both sides) and weakened below the 0.8 effect threshold; areas glabella,
/// forehead and lateral_canthal are each at least 1 grade better at their nadir; the lower face
/// is reported with a narrower nadir width.
#[test]
fn p9_all_cosmetic_areas_share_one_model() {
    let report = simulate(&plan("cosmetic_all_areas.toml"), 200);
    let mut c = Checks::new("P9");
    let injected = [
        ("procerus", 4.0),
        ("corrugator_supercilii", 16.0),
        ("frontalis", 20.0),
        ("orbicularis_oculi", 24.0),
        ("masseter", 50.0),
        ("platysma", 30.0),
        ("mentalis", 4.0),
        ("depressor_anguli_oris", 6.0),
    ];
    for (name, units) in injected {
        let sides: Vec<&Value> = array(&report, "muscles")
            .iter()
            .filter(|m| string(m, "muscle") == name)
            .collect();
        let total: f64 = sides.iter().map(|m| num(m, "injected_units")).sum();
        c.check(
            (total - units).abs() < 1e-6,
            format!("{name}: injected units over both sides {total} = {units}"),
        );
        for m in sides.iter().filter(|m| num(m, "injected_units") > 0.0) {
            c.below(
                &format!("{name} ({}) nadir strength", string(m, "side")),
                num(&m["summary"], "nadir_strength"),
                EFFECT_STRENGTH,
            );
        }
    }
    for name in ["glabella", "forehead", "lateral_canthal"] {
        let a = area(&report, name);
        let baseline = num(a, "baseline_severity");
        let nadir = num(&a["summary"], "nadir_severity");
        c.check(
            baseline - nadir >= 1.0,
            format!("{name}: severity {baseline} -> nadir {nadir} (expected >= 1 grade better)"),
        );
    }
    let lower_face = &report["lower_face"];
    c.check(
        lower_face.is_object(),
        format!("lower_face is reported (is_null: {})", lower_face.is_null()),
    );
    if lower_face.is_object() {
        c.below(
            "lower face nadir width change (%)",
            num(lower_face, "nadir_width_change_percent"),
            0.0,
        );
    }
    c.finish();
}

/// Without a plan, `bontsim simulate` runs the embedded example and prints the disclaimer.
#[test]
fn default_plan_simulates_with_the_disclaimer() {
    let output = run(["simulate", "--days", "30"]);
    assert!(
        output.status.success(),
        "exit {}: {}",
        output.status,
        tail(&stderr(&output), 2000)
    );
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    let disclaimer = string(&report, "disclaimer");
    assert!(
        disclaimer.contains("not a medical device"),
        "disclaimer: {disclaimer}"
    );
    assert_eq!(num(&report, "days"), 30.0);
    let muscles = array(&report, "muscles");
    assert!(!muscles.is_empty(), "the embedded plan reports no muscle");
    assert!(
        muscles.iter().any(|m| num(m, "injected_units") > 0.0),
        "the embedded plan injects nothing"
    );
    for m in muscles {
        assert_eq!(
            array(m, "daily").len(),
            30,
            "{}: 30 daily rows",
            string(m, "muscle")
        );
    }
}

/// `--format csv` prints the disclaimer as a comment, a header line and one row per
/// muscle-side, area or lower-face day.
#[test]
fn csv_output_has_a_header_and_rows() {
    let days = 10;
    let output = run([
        "simulate".as_ref(),
        example("forehead_and_crows_feet.toml").as_os_str(),
        "--days".as_ref(),
        "10".as_ref(),
        "--format".as_ref(),
        "csv".as_ref(),
    ]);
    assert!(
        output.status.success(),
        "exit {}: {}",
        output.status,
        tail(&stderr(&output), 2000)
    );
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    let header =
        "record,name,side,day,blockade,strength,mass,volume,severity,width_change_percent,value";
    assert_eq!(lines.first().copied(), Some(header), "CSV header");
    let rows = &lines[1..];
    let fields = header.split(',').count();
    let mut muscle_rows = 0;
    let mut area_rows = 0;
    let mut face_rows = 0;
    for row in rows {
        let cols: Vec<&str> = row.split(',').collect();
        assert_eq!(cols.len(), fields, "row {row}");
        let day: usize = cols[3].parse().unwrap_or_else(|_| panic!("day in {row}"));
        assert!(day < days, "day {day} in {row}");
        match cols[0] {
            "muscle" => {
                muscle_rows += 1;
                let strength: f64 = cols[5]
                    .parse()
                    .unwrap_or_else(|_| panic!("strength in {row}"));
                assert!(
                    (0.0..=1.0).contains(&strength),
                    "strength {strength} in {row}"
                );
            }
            "area" => {
                area_rows += 1;
                let severity: f64 = cols[8]
                    .parse()
                    .unwrap_or_else(|_| panic!("severity in {row}"));
                assert!(
                    (0.0..=3.0).contains(&severity),
                    "severity {severity} in {row}"
                );
            }
            "face" => {
                face_rows += 1;
                let value: f64 = cols[10]
                    .parse()
                    .unwrap_or_else(|_| panic!("value in {row}"));
                assert!(value.is_finite(), "face value in {row}");
            }
            _ => {}
        }
    }
    // 14 face scores, then relearning and the asymmetry index (added later, at the end),
    // every day.
    assert_eq!(face_rows, 16 * days, "face rows");
    assert!(muscle_rows >= 8 * days, "muscle rows: {muscle_rows}");
    assert_eq!(
        muscle_rows % days,
        0,
        "muscle rows {muscle_rows} are whole series of {days} days"
    );
    assert_eq!(
        area_rows,
        3 * days,
        "area rows for glabella, forehead, lateral_canthal"
    );
}

/// `--output FILE` writes the JSON report to the file.
#[test]
fn simulate_output_option_writes_the_report_to_a_file() {
    let dir = temp_dir("simulate-output");
    let file = dir.join("report.json");
    let output = run([
        "simulate".as_ref(),
        example("glabella_light_10u.toml").as_os_str(),
        "--days".as_ref(),
        "20".as_ref(),
        "--output".as_ref(),
        file.as_os_str(),
    ]);
    assert!(
        output.status.success(),
        "exit {}: {}",
        output.status,
        tail(&stderr(&output), 2000)
    );
    let report: Value =
        serde_json::from_slice(&std::fs::read(&file).expect("the report file")).expect("JSON");
    assert_eq!(num(&report, "days"), 20.0);
    assert!(string(&report, "disclaimer").contains("not a medical device"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `bontsim plot` writes an SVG and a PNG chosen by the output's extension.
#[test]
fn plot_writes_svg_and_png() {
    let dir = temp_dir("plot");
    let svg = dir.join("glabella.svg");
    let png = dir.join("masseter.png");
    let output = run([
        "plot".as_ref(),
        example("glabella_20u_every_4_months.toml").as_os_str(),
        "--output".as_ref(),
        svg.as_os_str(),
        "--days".as_ref(),
        "400".as_ref(),
    ]);
    assert!(
        output.status.success(),
        "svg: exit {}: {}",
        output.status,
        tail(&stderr(&output), 2000)
    );
    let text = std::fs::read_to_string(&svg).expect("the SVG file");
    let start = text.trim_start();
    assert!(
        start.starts_with("<svg") || start.starts_with("<?xml"),
        "SVG starts with {:?}",
        &start[..start.len().min(40)]
    );
    assert!(text.trim_end().ends_with("</svg>"), "SVG is complete");
    assert!(
        text.to_lowercase().contains("strength"),
        "SVG mentions strength"
    );

    let output = run([
        "plot".as_ref(),
        example("masseter_25u_every_3_months.toml").as_os_str(),
        "--output".as_ref(),
        png.as_os_str(),
        "--muscle".as_ref(),
        "masseter".as_ref(),
        "--days".as_ref(),
        "400".as_ref(),
    ]);
    assert!(
        output.status.success(),
        "png: exit {}: {}",
        output.status,
        tail(&stderr(&output), 2000)
    );
    let bytes = std::fs::read(&png).expect("the PNG file");
    assert!(
        bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]),
        "PNG magic bytes: {:02x?}",
        &bytes[..bytes.len().min(8)]
    );
    assert!(bytes.len() > 1000, "PNG of {} bytes", bytes.len());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Week-24 (day 168) responder shares of a virtual trial of the plans, per plan file name:
/// `bontsim trial` with 1,000 patients per arm, seed 2026, the given responder definition.
fn week_24_responders(plans: &[&str], responder: &str) -> Vec<(String, f64)> {
    let directory = temp_dir(&format!("dose-ceiling-{responder}"));
    let mut args: Vec<String> = vec!["trial".into()];
    args.extend(plans.iter().map(|p| plan(p).display().to_string()));
    for extra in [
        "--patients",
        "1000",
        "--seed",
        "2026",
        "--responder",
        responder,
        "--days",
        "200",
        "--output",
    ] {
        args.push(extra.into());
    }
    args.push(directory.display().to_string());
    let output = run(&args);
    assert!(output.status.success(), "trial: {}", stderr(&output));
    let csv = std::fs::read_to_string(directory.join("responders.csv")).expect("responders.csv");
    plans
        .iter()
        .map(|name| {
            let rate = csv
                .lines()
                .filter(|line| !line.starts_with('#'))
                .map(|line| line.split(',').collect::<Vec<_>>())
                .find(|fields| {
                    // The arm is named by the plan path as given on the command line.
                    fields.len() >= 4
                        && std::path::Path::new(fields[0]).file_name()
                            == Some(std::ffi::OsStr::new(name))
                        && fields[2] == "168"
                })
                .map(|fields| fields[3].parse::<f64>().expect("a rate"))
                .unwrap_or_else(|| panic!("no day-168 row for {name} in responders.csv"));
            (name.to_string(), rate)
        })
        .collect()
}

/// D1: a dose ceiling. The dose-ranging trials saw responders level off above the label
/// glabella dose: at week 24, >= 1 grade better in 16.0% (20 U), 32.0% (40 U), 30.6% (60 U)
/// and 38.5% (80 U) of ~45 women per arm (PMC9558451 [R]), 80 U / 40 U = 1.20; in men
/// 40-80 U were alike and adverse events did not rise with dose (Carruthers 2005 [R]).
/// Behaviour: receptor-limited uptake (`c_sat`) makes units above the label add little.
///
/// Criterion (virtual trial, 1,000 patients per arm, seed 2026, `--responder improved_1`, the
/// label pattern at 20, 40 and 80 U in the same sites and volumes):
/// - week-24 responders at 80 U at most 1.35 x those at 40 U (trials 1.20; without the ceiling
///   the model gave 76.7 / 53.7 = 1.43) and at most 60% (trials 38.5%, 95% prediction interval
///   of an arm of 45 at the model's rate reaches ~15 points above it; before: 76.7%);
/// - 40 U at least 1.2 x 20 U (the trials' step from 20 to 40 U is real: 16 -> 32%);
/// - typical patient: a doubling from 40 to 80 U adds at most 21 days of >= 1 grade
///   improvement (the log-dose law without a ceiling adds ~31 d, ln 2 / k_L; before: 34 d),
///   while 20 -> 40 U still adds at least 14 days.
#[test]
fn d1_responders_and_duration_level_off_above_the_label_dose() {
    let mut c = Checks::new("D1");
    let rates = week_24_responders(
        &[
            "glabella_20u_single.toml",
            "glabella_ona_40u.toml",
            "glabella_ona_80u.toml",
        ],
        "improved_1",
    );
    let (r20, r40, r80) = (rates[0].1, rates[1].1, rates[2].1);
    c.check(
        r80 <= 1.35 * r40,
        format!("week-24 responders 80 U {r80:.3} <= 1.35 x 40 U {r40:.3} (trials 38.5 / 32.0 = 1.20, PMC9558451)"),
    );
    c.below("week-24 responders at 80 U (trials 38.5%)", r80, 0.60);
    c.check(
        r40 >= 1.2 * r20,
        format!("week-24 responders 40 U {r40:.3} >= 1.2 x 20 U {r20:.3} (trials 32.0 / 16.0)"),
    );
    let days = |name: &str| {
        num(
            &area(&simulate(&plan(name), 400), "glabella")["summary"],
            "days_improved_1",
        )
    };
    let (d20, d40, d80) = (
        days("glabella_20u_single.toml"),
        days("glabella_ona_40u.toml"),
        days("glabella_ona_80u.toml"),
    );
    c.check(
        d80 - d40 <= 21.0,
        format!("typical patient: 80 U lasts {d80} d, 40 U {d40} d: at most 21 d more"),
    );
    c.check(
        d40 - d20 >= 14.0,
        format!("typical patient: 40 U lasts {d40} d, 20 U {d20} d: at least 14 d more"),
    );
    c.finish();
}

/// D2: eyelid ptosis by injection site, not by units. The dose-ranging trials saw a few per
/// cent at every dose from 20 to 80 U correctly placed (Carruthers 2005 men: adverse events
/// not increased with dose [R]; PMC9558451: no dose-response in adverse events [R]); the label
/// rate is 0.9-5.4% (SAKURA 3; Carruthers 2002 [R]). Risk grows with volume and closeness to
/// the orbital rim (docs/model.md, "Dose ceiling and site-based ptosis").
///
/// Criterion (`simulate`, typical patient): eyelid_ptosis at 20, 40 and 80 U in the label sites
/// and volumes each between 0.5% and 8% and the largest at most 1.25 x the smallest (before:
/// 3.0%, 13.3%, 36.4%); the same 20 U in four times the corrugator volume
/// (`glabella_20u_dilute.toml`) at least 2 x the label placement.
#[test]
fn d2_eyelid_ptosis_follows_the_site_not_the_units() {
    let mut c = Checks::new("D2");
    let risks: Vec<f64> = [
        "glabella_20u_single.toml",
        "glabella_ona_40u.toml",
        "glabella_ona_80u.toml",
    ]
    .iter()
    .map(|name| risk(&simulate(&plan(name), 200), "eyelid_ptosis"))
    .collect();
    for (units, p) in [20, 40, 80].iter().zip(&risks) {
        c.between(&format!("eyelid ptosis at {units} U"), *p, 0.005, 0.08);
    }
    let (low, high) = risks
        .iter()
        .fold((f64::INFINITY, 0.0f64), |(l, h), &p| (l.min(p), h.max(p)));
    c.check(
        high <= 1.25 * low,
        format!("eyelid ptosis 20/40/80 U {risks:?}: largest at most 1.25 x smallest"),
    );
    let dilute = risk(
        &simulate(&plan("glabella_20u_dilute.toml"), 200),
        "eyelid_ptosis",
    );
    c.check(
        dilute >= 2.0 * risks[0],
        format!(
            "20 U in 4x the corrugator volume {dilute} >= 2 x label volume {}",
            risks[0]
        ),
    );
    c.finish();
}

/// D3: brow ptosis when the forehead is treated alone. The label treats forehead lines only
/// with the glabella, brow ptosis ~2% [M]; upper-face brow ptosis is quoted up to 20%
/// (Canadian Dermatology Today 2021 [R2]); no forehead-alone trial rate was read, so the
/// target is that range [E].
///
/// Criterion (`simulate`): brow_ptosis of forehead-alone 10 U and 20 U between 2% and 20%
/// (before: 48.8% and 70.8%), 20 U above 10 U, and forehead + glabella + crow's feet at label
/// doses (`examples/forehead_and_crows_feet.toml`) below forehead-alone 20 U.
#[test]
fn d3_forehead_alone_brow_ptosis_at_reported_rates() {
    let mut c = Checks::new("D3");
    let brow = |path: std::path::PathBuf| risk(&simulate(&path, 200), "brow_ptosis");
    let alone10 = brow(plan("forehead_alone_10u.toml"));
    let alone20 = brow(plan("forehead_alone_20u.toml"));
    let combined = brow(example("forehead_and_crows_feet.toml"));
    c.between("forehead-alone 10 U brow ptosis", alone10, 0.02, 0.20);
    c.between("forehead-alone 20 U brow ptosis", alone20, 0.02, 0.20);
    c.check(
        alone20 > alone10,
        format!("forehead-alone 20 U {alone20} > 10 U {alone10}"),
    );
    c.check(
        combined < alone20,
        format!(
            "forehead with the glabella and crow's feet {combined} < forehead alone 20 U {alone20}"
        ),
    );
    c.finish();
}

/// D4: daxibotulinumtoxinA lasts longer than onabotulinumtoxinA at the same units because of
/// its duration factor, not its potency. SAKURA 1&2: DAXI 40 U, median time to loss of
/// none/mild 24 wk, so ~50% none/mild at week 24 (n = 405) [R]; ONA 40 U at week 24: 32%
/// >= 1 grade better (PMC9558451 [R]).
///
/// Criterion: typical patient, DAXI 40 U keeps none/mild at least 14 days longer than ONA
/// 40 U in the same sites while its nadir severity is the same (+-0.05: same potency); virtual
/// trial (1,000 per arm, seed 2026, `--responder none_or_mild`): DAXI 40 U at week 24 inside
/// 41-59% (50% +- the 95% prediction half-width of an arm of 405, ~5 points, plus 4 points of
/// Monte Carlo error), ONA 40 U at least 10 points below it.
#[test]
fn d4_daxibotulinumtoxin_lasts_longer_by_its_duration_factor() {
    let mut c = Checks::new("D4");
    let summary_of = |name: &str| area(&simulate(&plan(name), 400), "glabella")["summary"].clone();
    let (daxi, ona) = (
        summary_of("glabella_daxi_40u.toml"),
        summary_of("glabella_ona_40u.toml"),
    );
    let (daxi_days, ona_days) = (
        num(&daxi, "days_none_or_mild"),
        num(&ona, "days_none_or_mild"),
    );
    c.check(
        daxi_days >= ona_days + 14.0,
        format!("none/mild DAXI 40 U {daxi_days} d >= ONA 40 U {ona_days} d + 14"),
    );
    let (daxi_nadir, ona_nadir) = (num(&daxi, "nadir_severity"), num(&ona, "nadir_severity"));
    c.check(
        (daxi_nadir - ona_nadir).abs() <= 0.05,
        format!("same depth: nadir severity DAXI {daxi_nadir}, ONA {ona_nadir}"),
    );
    let rates = week_24_responders(
        &["glabella_daxi_40u.toml", "glabella_ona_40u.toml"],
        "none_or_mild",
    );
    c.between(
        "DAXI 40 U none/mild at week 24 (SAKURA 50%)",
        rates[0].1,
        0.41,
        0.59,
    );
    c.check(
        rates[1].1 <= rates[0].1 - 0.10,
        format!(
            "ONA 40 U none/mild at week 24 {:.3} at least 10 points below DAXI {:.3}",
            rates[1].1, rates[0].1
        ),
    );
    c.finish();
}

/// The share of 2,000 virtual patients (seed 2026) with forehead lines >= 2 grades better
/// than their baseline on day 30 of `bontsim trial PLAN --responder improved_2`.
fn forehead_two_grade_rate_at_day_30(plan_path: std::path::PathBuf, patients: u64) -> f64 {
    let directory = temp_dir("forehead-responders");
    let output = run([
        "trial".to_string(),
        plan_path.display().to_string(),
        "--patients".into(),
        patients.to_string(),
        "--seed".into(),
        "2026".into(),
        "--responder".into(),
        "improved_2".into(),
        "--days".into(),
        "60".into(),
        "--output".into(),
        directory.display().to_string(),
    ]);
    assert!(output.status.success(), "trial: {}", stderr(&output));
    let csv = std::fs::read_to_string(directory.join("responders.csv")).expect("responders.csv");
    let rate = csv
        .lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| line.split(',').collect::<Vec<_>>())
        .find(|fields| fields.len() >= 4 && fields[1] == "forehead" && fields[2] == "30")
        .map(|fields| fields[3].parse::<f64>().expect("a rate"))
        .unwrap_or_else(|| panic!("no day-30 forehead row in responders.csv:\n{csv}"));
    let _ = std::fs::remove_dir_all(&directory);
    rate
}

/// F1: forehead lines respond to the label dose as in the label's trials. OnabotulinumtoxinA
/// 20 U in the frontalis (4 U x 5 sites) with 20 U in the glabella: >= 2 grades better at day
/// 30 in 61% (n = 290) and 46% (n = 318) of the two forehead-line trials, pooled 53% of 608
/// (Botox Cosmetic HCP site [R]; muscle-and-palsy.md). Behaviour: the lines fold in the band
/// of the frontalis where the label's sites sit (`line_band_fraction`, docs/model.md sec.
/// 2.15), so they read that band's block, not the whole sheet's mean, which also lifts the
/// brows. Before, the model gave 34% (the whole sheet's strength).
///
/// Criterion (virtual trial, 2,000 patients, seed 2026, `--responder improved_2`): the day-30
/// rate inside the 95% prediction interval of the pooled arm (53% of 608; the two trials
/// differ by more than either interval, so no one rate lies inside both), and between the two
/// trials' rates widened by their own prediction half-widths (about 6 points each).
#[test]
fn f1_forehead_lines_respond_to_the_label_dose_as_in_the_trials() {
    let mut c = Checks::new("F1");
    let patients: u64 = 2000;
    let rate =
        forehead_two_grade_rate_at_day_30(plan("forehead_20u_with_glabella_20u.toml"), patients);
    let responders = (rate * patients as f64).round() as u64;
    let (pooled, published) = (608, 0.53);
    let (low, high) = bontsim_core::trial::prediction_interval(responders, patients, pooled);
    let observed = (published * pooled as f64).round() as u64;
    c.check(
        (low..=high).contains(&observed),
        format!(
            "pooled 53% of {pooled} inside the model's 95% PI {:.1}-{:.1}% (model {:.1}%)",
            100.0 * low as f64 / pooled as f64,
            100.0 * high as f64 / pooled as f64,
            rate * 100.0
        ),
    );
    c.between("day-30 >= 2-grade forehead responders", rate, 0.40, 0.67);
    c.finish();
}

/// F2: each forehead-line trial arm against its own design. The two label trials gave the same
/// forehead and glabella doses (20 U frontalis at 4 U x 5 sites, 20 U glabella), the same
/// endpoint (investigator and subject, >= 2 grades at day 30 from a moderate or severe
/// baseline), yet 61% (Study 1, n = 290; Dermatol Surg 2017 phase 3, ITT 391) and 46% (Study 2,
/// n = 318). Study 2's other active arm added 24 U in the lateral canthal areas (64 U in all)
/// and gave 53% (n = 313; Botox Cosmetic HCP site [R]): the one design difference between arms
/// that the model represents. Held out (phi was fitted to the pooled 40 U arms).
///
/// Criterion (2,000 virtual patients, seed 2026, `--responder improved_2`):
/// - the 64 U arm (`examples/forehead_and_crows_feet.toml`): 53% of 313 inside the model's 95%
///   prediction interval for that arm size;
/// - the crow's-feet units do not reach the forehead lines: the 64 U arm's rate is within 3
///   points of the 40 U arm's (model 53.0% against 52.1%), so the model has no design reason
///   for the trials' 15-point gap (docs/validation.md, "Forehead lines").
#[test]
fn f2_each_forehead_trial_arm_against_its_own_design() {
    let mut c = Checks::new("F2");
    let patients: u64 = 2000;
    let with_crows_feet =
        forehead_two_grade_rate_at_day_30(example("forehead_and_crows_feet.toml"), patients);
    let label =
        forehead_two_grade_rate_at_day_30(plan("forehead_20u_with_glabella_20u.toml"), patients);
    let responders = (with_crows_feet * patients as f64).round() as u64;
    let (arm, published) = (313, 0.53);
    let (low, high) = bontsim_core::trial::prediction_interval(responders, patients, arm);
    let observed = (published * arm as f64).round() as u64;
    c.check(
        (low..=high).contains(&observed),
        format!(
            "Study 2, 64 U arm: 53% of {arm} inside the model's 95% PI {:.1}-{:.1}% (model {:.1}%)",
            100.0 * low as f64 / arm as f64,
            100.0 * high as f64 / arm as f64,
            with_crows_feet * 100.0
        ),
    );
    c.check(
        (with_crows_feet - label).abs() <= 0.03,
        format!(
            "forehead rate with crow's feet 24 U {:.1}% within 3 points of without {:.1}%",
            with_crows_feet * 100.0,
            label * 100.0
        ),
    );
    c.finish();
}
