//! Calibration of the typical patient against the digitised literature data in
//! `crates/bontsim-core/data/literature/*.csv` (sources in its README). Each check reads its target from the data file (by curve id and
//! dose) and states its tolerance and why beside it. These are the data the parameters were
//! fitted to (docs/model.md, "Fit"); held-out comparisons are in docs/validation.md.

use bontsim_core::metrics::build_report;
use bontsim_core::plan::{InjectionEntry, Plan, Sex, Site};
use bontsim_core::report::Report;
use bontsim_core::{simulate, Parameters, SolverOptions};
use std::path::PathBuf;

fn literature_data(file: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data/literature")
        .join(file);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("calibration data {} is missing: {e}", path.display()))
}

/// Rows of a CSV as field vectors (the files have no quoted commas in the columns used).
fn rows(file: &str) -> Vec<Vec<String>> {
    literature_data(file)
        .lines()
        .skip(1)
        .map(|line| line.split(',').map(str::to_string).collect())
        .collect()
}

/// The numeric `value` (column 3) of the clinical row with this curve id and dose.
fn clinical_value(curve: &str, dose: &str) -> f64 {
    rows("clinical_time_courses.csv")
        .into_iter()
        .find(|r| r[0] == curve && r[6] == dose)
        .unwrap_or_else(|| panic!("no row {curve} at dose {dose}"))[3]
        .trim_start_matches('~')
        .parse()
        .expect("numeric value")
}

/// Time (column 1) and unit (column 2) of a clinical row, in days.
fn clinical_time_days(curve: &str, dose: &str) -> f64 {
    let row = rows("clinical_time_courses.csv")
        .into_iter()
        .find(|r| r[0] == curve && r[6] == dose)
        .unwrap_or_else(|| panic!("no row {curve} at dose {dose}"));
    let time: f64 = row[1].parse().expect("numeric time");
    match row[2].as_str() {
        "week" => time * 7.0,
        "day" => time,
        unit => panic!("unit {unit}"),
    }
}

fn muscle_point(series: &str, time: &str) -> f64 {
    rows("muscle_and_palsy_points.csv")
        .into_iter()
        .find(|r| r[0] == series && r[1] == time)
        .unwrap_or_else(|| panic!("no point {series} at {time}"))[3]
        .parse()
        .expect("numeric value")
}

fn run(plan: &Plan, days: usize) -> Report {
    let simulation = simulate(plan, &Parameters::TYPICAL, days, &SolverOptions::default());
    build_report(plan, &simulation, &Parameters::TYPICAL)
}

/// The label glabella pattern scaled to `total` units: procerus 1/5, each corrugator 2/5.
fn glabella(total: f64) -> Plan {
    Plan::builder()
        .patient(Sex::Female, 42.0)
        .glabella_pattern(ONA, total)
        .build()
        .expect("valid plan")
}

fn masseter(units: f64) -> Plan {
    Plan::builder()
        .patient(Sex::Female, 30.0)
        .injection(InjectionEntry::new(ONA, "masseter", Site::Left, units).volume_ml(0.5))
        .build()
        .expect("valid plan")
}

const ONA: &str = "onabotulinumtoxinA";

fn glabella_summary(total: f64) -> bontsim_core::report::AreaSummary {
    run(&glabella(total), 400).areas[0].summary.clone()
}

#[test]
fn median_duration_of_onabotulinumtoxin_a_20_u_glabella() {
    // PMC9558451: median duration of response (return to baseline) 19.7 weeks for ONA 20 U.
    // Tolerance +-15%: the typical patient stands for the median of a ~45-patient arm.
    let target = clinical_time_days("ONA_hd_ph2_median", "20");
    let model = glabella_summary(20.0).days_improved_1 as f64;
    assert!(
        (model - target).abs() <= 0.15 * target,
        "model {model} d, literature {target} d"
    );
}

#[test]
fn duration_keeps_growing_with_dose_beyond_saturation() {
    // PMC9558451: median time to return to baseline >= 24.0 weeks for 40 U (and 60, 80 U).
    // Tolerance: 5% below the bound (the bound itself is a censored median).
    let bound = clinical_time_days("ONA_hd_ph2_median", "40");
    let d40 = glabella_summary(40.0).days_improved_1 as f64;
    let d80 = glabella_summary(80.0).days_improved_1 as f64;
    assert!(
        d40 >= 0.95 * bound,
        "40 U: model {d40} d, literature >= {bound} d"
    );
    assert!(d80 > d40, "80 U lasts longer than 40 U: {d80} vs {d40}");
}

#[test]
fn relapse_at_four_months_by_dose() {
    // Carruthers, Carruthers & Said 2005: relapsed at 4 months 83% (10 U), 33% (20 U),
    // 30% (30 U), 28% (40 U). The typical (median) patient has relapsed at day 120 exactly
    // when more than half of the arm has: 10 U relapsed, 20-40 U still responding.
    for (dose, units) in [("10", 10.0), ("20", 20.0), ("30", 30.0), ("40", 40.0)] {
        let relapsed_percent = clinical_value("ONA_women_dose", dose);
        let responding_at_120 = glabella_summary(units).days_improved_1 as f64 >= 120.0;
        assert_eq!(
            responding_at_120,
            relapsed_percent < 50.0,
            "{dose} U: {relapsed_percent}% relapsed at 4 months"
        );
    }
}

#[test]
fn onset_within_the_first_two_days() {
    // Beer 2011: subject-reported onset 48% by day 1 and 77% by day 2 (ONA 20 U), so the
    // median onset lies between day 1 and day 2. Tolerance: +-1 day (daily resolution).
    let by_day_1 = clinical_value("ONA20_onset_subj", "20");
    assert!(by_day_1 < 50.0);
    let onset = glabella_summary(20.0).onset_day.expect("an onset") as f64;
    assert!((1.0..=3.0).contains(&onset), "onset day {onset}");
}

#[test]
fn peak_between_the_first_and_second_visits() {
    // Carruthers 2003: responders peaked at day 30 among visits on days 7, 30, 60, 90, 120;
    // the visit grid places the peak between day 7 and day 45 (midway to the next visit).
    let peak_visit = clinical_time_days("ONA20_Carr2003", "20");
    let peak = glabella_summary(20.0).peak_day as f64;
    assert!(peak >= 7.0 && peak <= peak_visit + 15.0, "peak day {peak}");
}

#[test]
fn masseter_volume_at_three_months() {
    // Xie et al. (PRS): thickness 12.9 -> 8.7 mm at 3 months after 20-40 U per side (-32.6%);
    // Yu 2007: volume ~70% of baseline at 3 months. Model: 30 U (the middle of 20-40 U).
    // Tolerance +-0.08: the spread between the two studies and thickness vs volume.
    let xie =
        muscle_point("masseter_thickness_rest", "3") / muscle_point("masseter_thickness_rest", "0");
    let yu = muscle_point("masseter_volume_pct", "3") / 100.0;
    let report = run(&masseter(30.0), 400);
    let m = report
        .muscles
        .iter()
        .find(|m| m.muscle == "masseter")
        .unwrap();
    let model = m.daily[90].volume;
    for (name, target) in [("Xie", xie), ("Yu", yu)] {
        assert!(
            (model - target).abs() <= 0.08,
            "{name}: model {model:.3}, literature {target:.3}"
        );
    }
}

#[test]
fn masseter_nadir_at_about_eleven_weeks_then_incomplete_recovery() {
    // Arch Aesthetic Plast Surg 2016 (weekly ultrasound): maximal reduction at week 11
    // (day 77), incomplete recovery at week 25. Tolerance: +-3 weeks on the nadir day
    // (weekly imaging of 8 patients); at week 25 the volume is back above its nadir by at
    // least 5 points but still below 97% of baseline.
    let nadir_target = clinical_time_days("Masseter_weekly", "NR");
    let report = run(&masseter(25.0), 400);
    let m = report
        .muscles
        .iter()
        .find(|m| m.muscle == "masseter")
        .unwrap();
    let (nadir_day, nadir) = m
        .daily
        .iter()
        .map(|d| (d.day as f64, d.volume))
        .fold((0.0, f64::INFINITY), |a, b| if b.1 < a.1 { b } else { a });
    assert!(
        (nadir_day - nadir_target).abs() <= 21.0,
        "nadir day {nadir_day}"
    );
    let week_25 = m.daily[175].volume;
    assert!(
        week_25 > nadir + 0.05 && week_25 < 0.97,
        "week 25 volume {week_25:.3}, nadir {nadir:.3}"
    );
}

/// The fields of a CSV line; a field in double quotes may hold commas.
fn quoted_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(String::new()),
            _ => fields.last_mut().expect("a field").push(c),
        }
    }
    fields
}

/// Every point of the population fit is a row of the clinical time courses: same curve,
/// time, product, dose and value as written there, the day its time in days, and the
/// observed percentage its value (or 100 minus it, for a relapse rate).
#[test]
fn population_fit_points_are_rows_of_the_clinical_time_courses() {
    let text = literature_data("population_fit_points.csv");
    let mut lines = text.lines();
    let header = quoted_fields(lines.next().expect("a header"));
    let column = |name: &str| header.iter().position(|h| h == name).expect(name);
    let clinical = rows("clinical_time_courses.csv");
    let mut checked = 0;
    for line in lines.filter(|l| !l.is_empty()) {
        let point = quoted_fields(line);
        let get = |name: &str| point[column(name)].as_str();
        let product = match get("product") {
            "onabotulinumtoxinA" => "ONA",
            "abobotulinumtoxinA" => "ABO",
            "incobotulinumtoxinA" => "INCO",
            "daxibotulinumtoxinA" => "DAXI",
            "prabotulinumtoxinA" => "PRABOT",
            other => panic!("unknown product {other}"),
        };
        let source = clinical
            .iter()
            .find(|r| {
                r[0] == get("literature_curve_id")
                    && r[1] == get("literature_time")
                    && r[2] == get("literature_time_unit")
                    && r[3] == get("literature_value")
                    && r[5] == product
                    && r[6] == get("literature_dose_U")
            })
            .unwrap_or_else(|| panic!("no clinical row for {line}"));
        let time: f64 = source[1].parse().unwrap();
        let days = match source[2].as_str() {
            "week" => (time * 7.0).round(),
            "day" => time,
            other => panic!("unexpected time unit {other}"),
        };
        assert_eq!(get("day").parse::<f64>().unwrap(), days, "{line}");
        let value: f64 = source[3].trim_start_matches(['~', '<']).parse().unwrap();
        let expected = if source[4] == "%relapsed" {
            100.0 - value
        } else {
            value
        };
        let observed: f64 = get("observed_percent").parse().unwrap();
        assert!((observed - expected).abs() < 1e-9, "{line}");
        checked += 1;
    }
    assert_eq!(checked, 81);
}
